"""Who is calling and what they may touch: API keys, owners, admin keys and rate limits, as dependencies."""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from cjgen.service.jobs import BoundedPool, JobRunner, RuntimeFactory
from cjgen.service.sessions import COOKIE, CSRF_HEADER, Session, Sessions
from cjgen.settings import Settings
from cjgen.store import Store

ANONYMOUS = "anonymous"


class RateLimiter:
    """A fixed one-minute window per client: simple, in memory, per process."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def retry_after(self, who: str, now: float | None = None) -> int | None:
        """Count one request of `who`: None if it may go on, else the seconds until the window resets."""
        return self._count(who, 1, now)

    def waiting(self, who: str, now: float | None = None) -> int | None:
        """Without counting: the seconds `who` must wait when its requests this window reached the limit."""
        return self._count(who, 0, now, full=True)

    def _count(self, who: str, add: int, now: float | None, *, full: bool = False) -> int | None:
        if self.per_minute <= 0:
            return None
        now = self.clock() if now is None else now
        window = int(now // 60)
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            start, count = self._counts.get(who, (window, 0))
            count = count + add if start == window else add
            self._counts[who] = (window, count)
        if count > self.per_minute or (full and count >= self.per_minute):
            return max(1, math.ceil((window + 1) * 60 - now))
        return None


@dataclass(frozen=True)
class Caller:
    """The caller: `owner` owns the maps and jobs it makes; an admin sees everyone's."""

    owner: str
    admin: bool = False

    @property
    def scope(self) -> str | None:
        """The owner to filter by, or None for an admin (every owner)."""
        return None if self.admin else self.owner


@dataclass
class ServiceState:
    settings: Settings
    store: Store
    runtime_factory: RuntimeFactory
    limiter: RateLimiter
    failed_auth: RateLimiter
    jobs: JobRunner
    summaries: BoundedPool
    sessions: Sessions = field(default_factory=Sessions)
    launch_token: str | None = None  # `cjgen review`: the link it opens starts a session for its own key


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.cjgen
    return state


StateDep = Annotated[ServiceState, Depends(get_state)]


def get_store(state: StateDep) -> Store:
    return state.store


StoreDep = Annotated[Store, Depends(get_store)]


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _matches(presented: bytes, keys: frozenset[str]) -> bool:
    # Bytes, not str: a key with non-ASCII characters is just a wrong key. Every key is compared.
    found = False
    for key in keys:
        found |= hmac.compare_digest(presented, key.encode("utf-8"))
    return found


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _too_many(wait: int, what: str) -> HTTPException:
    return HTTPException(429, f"{what}; retry in {wait} s", {"Retry-After": str(wait)})


def page_session(request: Request, state: ServiceState) -> Session | None:
    """The review page's session, when the request carries its cookie and no key of its own."""
    if _presented_key(request) is not None:
        return None
    return state.sessions.get(request.cookies.get(COOKIE))


def authorize(request: Request, state: StateDep) -> Caller:
    """The caller; 401 when keys are configured and none of them was given.

    The review page's session cookie stands for the key it was opened with; a request that changes state
    must then carry the session's CSRF token too (403 without it).
    A client (address) that sent too many wrong keys this minute gets 429 for every request, the right key
    included: otherwise the answer to each guess would still say whether it was right, and guessing would go
    on at full speed."""
    session = page_session(request, state)
    if session is not None:
        if request.method not in ("GET", "HEAD") and not hmac.compare_digest(
            request.headers.get(CSRF_HEADER, "").encode(), session.csrf.encode()
        ):
            raise HTTPException(403, "missing or wrong X-CSRF-Token: reload the review page")
        return Caller(session.owner, admin=session.admin)
    return key_caller(request, state, _presented_key(request))


def key_caller(request: Request, state: ServiceState, presented: str | None) -> Caller:
    """The caller with this key; 401 for a missing or unknown key when keys are configured."""
    settings = state.settings
    keys = settings.keys()
    if not keys:
        return Caller(ANONYMOUS)
    client = _client(request)
    wait = state.failed_auth.waiting(client)
    if wait is not None:
        raise _too_many(wait, "too many requests with a wrong API key from this address")
    raw = presented.encode("utf-8", "surrogateescape") if presented is not None else b""
    if presented is None or not _matches(raw, keys):
        state.failed_auth.retry_after(client)
        raise HTTPException(
            401,
            "missing or unknown API key: send it as X-API-Key or Authorization: Bearer",
            {"WWW-Authenticate": "Bearer"},
        )
    return Caller(owner_of(raw), admin=_matches(raw, settings.admins()))


def owner_of(key: bytes) -> str:
    """The owner a key stands for: its maps and jobs are this owner's."""
    return "key-" + hashlib.sha256(key).hexdigest()[:16]


CallerDep = Annotated[Caller, Depends(authorize)]


def rate_limit(request: Request, state: StateDep, caller: CallerDep) -> None:
    who = caller.owner if caller.owner != ANONYMOUS else "client:" + _client(request)
    wait = state.limiter.retry_after(who)
    if wait is not None:
        raise _too_many(wait, f"rate limit of {state.limiter.per_minute} requests a minute reached")
