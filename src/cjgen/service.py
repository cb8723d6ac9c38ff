"""The HTTP service: a thin FastAPI layer that validates requests, calls the library and maps errors to HTTP.

Map generation runs as a job in a thread pool (`POST /v1/maps` answers 202 with the job; poll
`/v1/jobs/{id}`); everything else answers at once. API keys, a request size limit and a per-client rate limit
guard `/v1`; `/healthz` is open. The library never imports FastAPI: this module is the only one that does.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import re
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cjgen import __version__
from cjgen.ask import Runtime
from cjgen.errors import CjgenError, InputError, MapValidationError, ModelError
from cjgen.ingest import TRANSCRIPT_SUFFIXES, load_transcripts
from cjgen.pipeline import as_brief, build_draft, build_map, build_summary, open_runtime
from cjgen.render import FORMATS, extension_for, render
from cjgen.review import Decision, MapDiff, diff_maps
from cjgen.schema import JourneyMap, MapType, Transcript, TranscriptSummary
from cjgen.store import Job, MapInfo, NotFound, ReviewEvent, Store, VersionInfo

log = logging.getLogger("cjgen.service")

RuntimeFactory = Callable[[], Runtime]

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "mermaid": "text/plain; charset=utf-8",
}
# Text transcripts only: a JSON body carries text, so .docx (a zip) cannot come this way.
TEXT_SUFFIXES = tuple(s for s in TRANSCRIPT_SUFFIXES if s != ".docx")
_FILE_NAME = re.compile(r"^[\w][\w .()\-]{0,119}$")
# Job progress: up to _READ_FROM while planning stages, then a share per transcript read, then synthesis.
_READ_FROM, _READ_TO, _SYNTHESIS = 0.05, 0.85, 0.9


class ServiceSettings(BaseSettings):
    """Service settings from the environment (prefix CJGEN_), e.g. CJGEN_API_KEYS=key1,key2."""

    model_config = SettingsConfigDict(env_prefix="CJGEN_", env_file=".env", extra="ignore")

    api_keys: SecretStr = Field(SecretStr(""), description="Comma-separated API keys; empty means no auth.")
    database_url: str | None = Field(None, description="SQLAlchemy URL; default SQLite in the user data dir.")
    max_request_bytes: int = Field(5 * 1024 * 1024, ge=1, description="Larger request bodies get 413.")
    rate_limit_per_minute: int = Field(
        120, ge=0, description="Requests per key (or client) a minute; 0: off."
    )
    job_workers: int = Field(2, ge=1, description="Map jobs that run at the same time.")

    def keys(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.api_keys.get_secret_value().split(",") if k.strip())


# --------------------------------------------------------------------------------------------- models


class TranscriptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="File name; its suffix says the format.", examples=["P1.txt"])
    content: str = Field(min_length=1, description="The transcript text.")

    @field_validator("name")
    @classmethod
    def _plain_file_name(cls, name: str) -> str:
        if not _FILE_NAME.match(name) or name in (".", ".."):
            raise ValueError("must be a plain file name like 'P1.txt' (letters, digits, space, . _ - ( ))")
        if PurePath(name).suffix.lower() not in TEXT_SUFFIXES:
            raise ValueError(f"must end in one of {', '.join(TEXT_SUFFIXES)}")
        return name


class MapCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brief: str | None = Field(None, min_length=1, description="The business brief as text.")
    transcripts: list[TranscriptIn] = Field(default_factory=list, max_length=100)
    map_type: MapType = "current-state"
    redact: bool = Field(True, description="Redact personal data before any model sees the text.")
    title: str | None = Field(None, min_length=1, max_length=200)

    @field_validator("transcripts")
    @classmethod
    def _distinct_names(cls, transcripts: list[TranscriptIn]) -> list[TranscriptIn]:
        names = [t.name.casefold() for t in transcripts]
        repeated = sorted({t.name for t in transcripts if names.count(t.name.casefold()) > 1})
        if repeated:
            raise ValueError(f"each transcript needs its own name; repeated: {', '.join(repeated)}")
        return transcripts


class SummarizeRequest(TranscriptIn):
    redact: bool = True


class ReviewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision
    note: str | None = Field(None, max_length=4000)
    reviewer: str | None = Field(None, max_length=200)
    edits: dict[str, Any] | None = Field(None, description="For 'edit': the item's fields to change.")


class JobPublic(Job):
    """A map job: poll it until `status` is done (then `map_id` is set) or failed (then `error` says why)."""


class MapPublic(MapInfo):
    """One stored map, without its content."""


class VersionPublic(VersionInfo):
    """One saved version of a map."""


class ReviewEventPublic(ReviewEvent):
    """One review decision, and the version it made."""


class Health(BaseModel):
    status: str = "ok"
    version: str = __version__


# --------------------------------------------------------------------------------------------- state


class RateLimiter:
    """A fixed one-minute window per client: simple, in memory, per process."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def retry_after(self, who: str, now: float | None = None) -> int | None:
        """None if `who` may go on, else the seconds until the window resets."""
        if self.per_minute <= 0:
            return None
        now = self.clock() if now is None else now
        window = int(now // 60)
        with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            start, count = self._counts.get(who, (window, 0))
            count = count + 1 if start == window else 1
            self._counts[who] = (window, count)
        if count > self.per_minute:
            return max(1, math.ceil((window + 1) * 60 - now))
        return None


@dataclass
class ServiceState:
    settings: ServiceSettings
    store: Store
    runtime_factory: RuntimeFactory
    limiter: RateLimiter
    executor: ThreadPoolExecutor
    jobs: dict[str, Future[None]] = field(default_factory=dict)


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


def authorize(request: Request, state: StateDep) -> str:
    """The caller's identity for rate limiting; 401 when keys are configured and none of them was given."""
    keys = state.settings.keys()
    presented = _presented_key(request)
    if keys:
        if presented is None or not any(hmac.compare_digest(presented, k) for k in keys):
            raise HTTPException(
                401,
                "missing or unknown API key: send it as X-API-Key or Authorization: Bearer",
                {"WWW-Authenticate": "Bearer"},
            )
        return "key:" + hashlib.sha256(presented.encode()).hexdigest()[:16]
    return "client:" + (request.client.host if request.client else "unknown")


def rate_limit(state: StateDep, who: Annotated[str, Depends(authorize)]) -> None:
    wait = state.limiter.retry_after(who)
    if wait is not None:
        raise HTTPException(
            429,
            f"rate limit of {state.limiter.per_minute} requests a minute reached; retry in {wait} s",
            {"Retry-After": str(wait)},
        )


def _runtime(state: ServiceState) -> Runtime:
    """A fresh runtime for one run (it records that run's calls); 503 when no model backend can be opened."""
    try:
        return state.runtime_factory()
    except ModelError as exc:
        raise HTTPException(503, str(exc)) from exc


# --------------------------------------------------------------------------------------------- jobs


def _load(transcripts: Sequence[TranscriptIn], where: str | None = None) -> list[Transcript]:
    """Parse the request's transcripts; they are known by their names, never by a server path."""
    with tempfile.TemporaryDirectory(prefix="cjgen-in-") as tmp:
        directory = Path(tmp)
        for transcript in transcripts:
            (directory / transcript.name).write_text(transcript.content, encoding="utf-8")
        try:
            loaded = load_transcripts([directory / t.name for t in transcripts])
        except InputError as exc:
            raise InputError(where or _public(exc.where, directory), _public(exc.problem, directory)) from exc
    return [t.model_copy(update={"path": t.id}) for t in loaded]


def _public(message: str, directory: Path) -> str:
    """An error message without the job's temporary directory (file names are the caller's own)."""
    return message.replace(f"{directory}{os.sep}", "").replace(str(directory), "")


class _JobProgress:
    """Turns the pipeline's progress notes into a job's progress fraction and message."""

    def __init__(self, store: Store, job_id: str, transcripts: int) -> None:
        self.store = store
        self.job_id = job_id
        self.transcripts = max(1, transcripts)
        self.read = 0
        self._lock = threading.Lock()

    def __call__(self, step: str, message: str) -> None:
        with self._lock:
            if step == "extracted":
                self.read += 1
            reading = _READ_FROM + (_READ_TO - _READ_FROM) * self.read / self.transcripts
            fraction = _SYNTHESIS if step == "synthesize" else reading
            self.store.update_job(self.job_id, progress=fraction, message=f"{step}: {message}")


def _run_map_job(state: ServiceState, job_id: str, request: MapCreate) -> None:
    store = state.store
    store.update_job(job_id, status="running", progress=0.01, message="starting")
    try:
        loaded = _load(request.transcripts)
        run = state.runtime_factory().start(_JobProgress(store, job_id, len(loaded)))
        brief = as_brief(request.brief)
        if loaded:
            journey = build_map(
                brief, loaded, run, map_type=request.map_type, redact=request.redact, title=request.title
            )
        else:
            assert brief is not None  # checked before the job was queued
            journey = build_draft(
                brief, run, map_type=request.map_type, redact=request.redact, title=request.title
            )
        version = store.save_map(journey, note="generated" if loaded else "drafted from the brief")
    except CjgenError as exc:
        store.update_job(job_id, status="failed", message="failed", error=str(exc))
        return
    except Exception:
        log.exception("map job %s failed", job_id)
        store.update_job(
            job_id, status="failed", message="failed", error="internal error while making the map"
        )
        return
    store.update_job(
        job_id,
        status="done",
        progress=1.0,
        message=f"saved {journey.id} version {version}",
        map_id=journey.id,
    )


def _submit(state: ServiceState, job: Job, request: MapCreate) -> None:
    future = state.executor.submit(_run_map_job, state, job.id, request)
    state.jobs[job.id] = future
    future.add_done_callback(lambda _: state.jobs.pop(job.id, None))


# --------------------------------------------------------------------------------------------- routers

maps = APIRouter(prefix="/v1/maps", tags=["maps"])
jobs = APIRouter(prefix="/v1/jobs", tags=["jobs"])
transcripts = APIRouter(prefix="/v1/transcripts", tags=["transcripts"])
meta = APIRouter(prefix="/v1", tags=["meta"])
health = APIRouter(tags=["meta"])

VersionQuery = Annotated[int | None, Query(ge=1, description="A version number; default the latest.")]


@maps.post("", status_code=202, response_model=JobPublic)
def create_map(body: MapCreate, state: StateDep, response: Response) -> JobPublic:
    """Queue a map job: from the brief and transcripts, or drafted from the brief alone."""
    if body.brief is None and not body.transcripts:
        raise InputError("brief", "give a brief, transcripts, or both")
    job = state.store.create_job("map" if body.transcripts else "draft")
    _submit(state, job, body)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return JobPublic.model_validate(job)


@maps.get("", response_model=list[MapPublic])
def list_maps(store: StoreDep) -> list[MapPublic]:
    return [MapPublic.model_validate(m) for m in store.list_maps()]


@maps.get("/{map_id}", response_model=JourneyMap)
def get_map(map_id: str, store: StoreDep, version: VersionQuery = None) -> JourneyMap:
    return store.get_map(map_id, version)


_EXPORT_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {t.split(";")[0]: {} for t in CONTENT_TYPES.values()}}
}


@maps.get("/{map_id}/export/{fmt}", response_class=Response, responses=_EXPORT_CONTENT)
def export_map(map_id: str, fmt: str, store: StoreDep, version: VersionQuery = None) -> Response:
    """The map as html, md, json, csv or mermaid."""
    if fmt not in FORMATS:
        raise InputError("fmt", f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    journey = store.get_map(map_id, version)
    file_name = re.sub(r"[^\w.-]+", "_", f"{journey.id}-v{journey.version}") + extension_for(fmt)
    return Response(
        render(journey, fmt),
        media_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="{file_name}"'},
    )


@maps.get("/{map_id}/versions", response_model=list[VersionPublic])
def list_versions(map_id: str, store: StoreDep) -> list[VersionPublic]:
    return [VersionPublic.model_validate(v) for v in store.versions(map_id)]


@maps.get("/{map_id}/diff", response_model=MapDiff)
def diff_versions(
    map_id: str,
    store: StoreDep,
    from_version: Annotated[
        int | None, Query(alias="from", ge=1, description="Default: the one before `to`.")
    ] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1, description="Default: the latest.")] = None,
) -> MapDiff:
    new = store.get_map(map_id, to_version)
    old = store.get_map(map_id, from_version or max(1, new.version - 1))
    return diff_maps(old, new)


@maps.get("/{map_id}/reviews", response_model=list[ReviewEventPublic])
def list_reviews(map_id: str, store: StoreDep) -> list[ReviewEventPublic]:
    return [ReviewEventPublic.model_validate(e) for e in store.review_events(map_id)]


@maps.post("/{map_id}/items/{item_id}/review", response_model=JourneyMap)
def review_item(map_id: str, item_id: str, body: ReviewCreate, store: StoreDep) -> JourneyMap:
    """Accept, reject or edit one item; the answer is the new version of the map."""
    return store.record_review(
        map_id, item_id, body.decision, note=body.note, reviewer=body.reviewer, edits=body.edits
    )


@jobs.get("/{job_id}", response_model=JobPublic)
def get_job(job_id: str, store: StoreDep) -> JobPublic:
    return JobPublic.model_validate(store.get_job(job_id))


@transcripts.post("/summarize", response_model=TranscriptSummary)
def summarize(body: SummarizeRequest, state: StateDep) -> TranscriptSummary:
    """One interview's key points, pain points, delights and quotes (answers when done)."""
    run = _runtime(state).start()
    return build_summary(_load([body], "content")[0], run, redact=body.redact)


@meta.get("/schema")
def journey_schema() -> dict[str, Any]:
    """The JSON Schema of a journey map."""
    return JourneyMap.model_json_schema()


@health.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health()


# --------------------------------------------------------------------------------------------- errors


def _error(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _loc(request: Request, where: str) -> list[str | int]:
    """Where an InputError points, as a FastAPI-style location: path, query or body, then the field path."""
    parts: list[str | int] = [int(p) if p.isdigit() else p for p in where.split(".")]
    first = str(parts[0])
    if first in request.path_params:
        return ["path", *parts]
    if first in request.query_params:
        return ["query", *parts]
    return ["body", *parts]


async def _input_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    return _error(422, [{"loc": _loc(request, exc.where), "msg": exc.problem, "type": "input_error"}])


async def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    # Like FastAPI's own answer, without echoing the input back (it may be a whole transcript).
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    return _error(422, detail)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return _error(404, str(exc))


async def _model_failed(request: Request, exc: Exception) -> JSONResponse:
    return _error(502, str(exc))


async def _cjgen_error(request: Request, exc: Exception) -> JSONResponse:
    return _error(400, str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error(500, "internal server error")


class BodyLimit:
    """413 for a request body over the limit, by its Content-Length or by what actually arrives."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._message())
            return message

        await self.app(scope, limited, send)

    def _message(self) -> str:
        return f"request body larger than {self.max_bytes} bytes"

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _error(413, self._message())(scope, receive, send)


# --------------------------------------------------------------------------------------------- app


def create_app(
    settings: ServiceSettings | None = None,
    *,
    runtime_factory: RuntimeFactory | None = None,
    store: Store | None = None,
) -> FastAPI:
    """The service. `runtime_factory` must return a fresh Runtime per call (tests pass a scripted model)."""
    settings = settings or ServiceSettings()
    state = ServiceState(
        settings=settings,
        store=store or Store(settings.database_url),
        runtime_factory=runtime_factory or open_runtime,
        limiter=RateLimiter(settings.rate_limit_per_minute),
        executor=ThreadPoolExecutor(max_workers=settings.job_workers, thread_name_prefix="cjgen-job"),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # Jobs not started yet will not run: say so, rather than leave them queued forever.
        for job_id, future in list(state.jobs.items()):
            if future.cancel():
                state.store.update_job(
                    job_id, status="failed", error="the service stopped before the job ran"
                )
        state.executor.shutdown(wait=False)

    app = FastAPI(
        title="cjgen",
        version=__version__,
        summary="Draft customer journey maps from a brief and interview transcripts, every quote verified.",
        lifespan=lifespan,
    )
    app.state.cjgen = state
    guarded = [Depends(rate_limit)]
    for router in (maps, jobs, transcripts, meta):
        app.include_router(router, dependencies=guarded)
    app.include_router(health)
    handlers: list[tuple[type[Exception], Callable[[Request, Exception], Awaitable[JSONResponse]]]] = [
        (RequestValidationError, _request_invalid),
        (InputError, _input_error),
        (NotFound, _not_found),
        (ModelError, _model_failed),
        (MapValidationError, _model_failed),
        (CjgenError, _cjgen_error),
        (Exception, _unexpected),
    ]
    for kind, handler in handlers:
        app.add_exception_handler(kind, handler)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    return app


def run(host: str = "127.0.0.1", port: int = 8000, settings: ServiceSettings | None = None) -> None:
    """Serve the API with uvicorn (`cjgen serve`)."""
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port)
