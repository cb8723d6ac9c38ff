"""Browser sessions for the review page: a cookie that stands for an API key, and a CSRF token per session.

A browser cannot send an API key header when it opens a page, and a key must not sit in a URL. So the page's
user gives the key once (a login form, or the one-time launch link of `cjgen review`), and gets a session
cookie (HttpOnly, SameSite=Strict) that stands for it until it expires or the server stops. Requests that
change state must also carry the session's CSRF token in a header, which another site cannot read or send.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

COOKIE = "cjgen_session"
CSRF_HEADER = "x-csrf-token"
SESSION_S = 8 * 3600


@dataclass(frozen=True)
class Session:
    owner: str
    admin: bool
    csrf: str
    expires: float


class Sessions:
    """Sessions in memory, per process: they end when the server stops."""

    def __init__(self, ttl_s: float = SESSION_S, clock: Callable[[], float] = time.time) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, owner: str, admin: bool = False) -> tuple[str, Session]:
        """A new session for the caller with this owner; its id goes in the cookie."""
        session_id = secrets.token_urlsafe(32)
        session = Session(owner, admin, secrets.token_urlsafe(32), self.clock() + self.ttl_s)
        with self._lock:
            now = self.clock()
            self._sessions = {k: v for k, v in self._sessions.items() if v.expires > now}
            self._sessions[session_id] = session
        return session_id, session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
        return session if session is not None and session.expires > self.clock() else None
