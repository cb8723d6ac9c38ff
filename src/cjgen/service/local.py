"""`cjgen review MAP.json`: the review page for one map file, served on 127.0.0.1 with nothing to deploy.

Like a notebook server: a random key guards the API, and the link it opens carries a random token that lives
as long as the server does; opening it starts a browser session (a cookie), and the page's address keeps no
token. Decisions go to a SQLite store next to the map (`MAP.review.sqlite3`), so closing the browser or the
server loses nothing, and the reviewed map is written back to the map file when the server stops.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from pydantic import SecretStr

from cjgen.errors import InputError, NotFound
from cjgen.mapfile import load_map
from cjgen.schema import JourneyMap
from cjgen.service.app import create_app
from cjgen.service.deps import ServiceState
from cjgen.settings import Settings
from cjgen.store import Store

HOST = "127.0.0.1"


def store_path(map_file: Path) -> Path:
    return map_file.with_name(f"{map_file.stem}.review.sqlite3")


@dataclass
class LocalReview:
    map_file: Path
    map_id: str
    store: Store
    app: FastAPI
    token: str
    opened_version: int

    def link(self, port: int) -> str:
        return f"http://{HOST}:{port}/review/open?token={self.token}"

    def latest(self) -> JourneyMap:
        return self.store.get_map(self.map_id)

    def reviewed(self) -> JourneyMap | None:
        """The latest version, when it changed since the map was opened."""
        latest = self.latest()
        return latest if latest.version != self.opened_version else None


def open_review(map_file: Path) -> LocalReview:
    """The app for reviewing `map_file`, with its store synced: a newer map file (a revision made with
    `cjgen map --revise`) becomes the store's next version; otherwise the store's own latest is shown."""
    journey = load_map(map_file)
    store = Store(f"sqlite:///{store_path(map_file)}")
    try:
        stored = store.get_map(journey.id)
    except NotFound:
        store.save_map(journey, note=f"opened from {map_file.name}", keep_version=True)
    else:
        if journey.version > stored.version:
            store.save_map(journey, note=f"revised in {map_file.name} (its version {journey.version})")
    key = secrets.token_urlsafe(24)
    # The key is an admin key: the local store holds this one map file's history, whoever opened it before.
    settings = Settings(api_keys=SecretStr(""), admin_keys=SecretStr(key), rate_limit_per_minute=0)
    app = create_app(settings, store=store)
    token = secrets.token_urlsafe(24)
    state: ServiceState = app.state.cjgen
    state.launch_token = token
    return LocalReview(map_file, journey.id, store, app, token, store.get_map(journey.id).version)


def listening(port: int = 0) -> socket.socket:
    """A socket listening on 127.0.0.1 at `port` (any free one for 0), before the link is shown: a browser
    that opens the link at once waits for the server instead of being refused. `InputError` when it is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise InputError("--port", f"{port} is not free on {HOST} ({exc.strerror}); choose another") from None
    sock.listen(64)
    return sock


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago (for servers that bind it themselves)."""
    with listening() as sock:
        port: int = sock.getsockname()[1]
        return port
