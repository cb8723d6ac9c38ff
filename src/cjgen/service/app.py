"""The FastAPI app: settings, store, job runner and summary pool wired together; `cjgen serve` runs it.

Map generation runs as a job (`POST /v1/maps` answers 202 with the job; poll `/v1/jobs/{id}`); everything
else answers at once. API keys, a request size limit and per-key rate limits guard `/v1`; `/healthz` is open.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from cjgen.pipeline import open_runtime
from cjgen.service.deps import RateLimiter, ServiceState, rate_limit
from cjgen.service.errors import add_handlers
from cjgen.service.jobs import BoundedPool, JobRunner, RuntimeFactory
from cjgen.service.middleware import BodyLimit, NoSniff
from cjgen.service.routes import changes, jobs, maps, meta, page, reviews, transcripts
from cjgen.settings import Settings, get_settings
from cjgen.store import Store
from cjgen.version import __version__


def create_app(
    settings: Settings | None = None,
    *,
    runtime_factory: RuntimeFactory | None = None,
    store: Store | None = None,
) -> FastAPI:
    """The service. `runtime_factory` returns the Runtime for a run (tests pass a scripted model)."""
    settings = settings or get_settings()
    store = store or Store(settings.database_url)
    factory = runtime_factory or (lambda: open_runtime(settings=settings))
    state = ServiceState(
        settings=settings,
        store=store,
        runtime_factory=factory,
        limiter=RateLimiter(settings.rate_limit_per_minute),
        failed_auth=RateLimiter(settings.failed_auth_per_minute),
        jobs=_job_runner(store, settings, factory),
        summaries=BoundedPool(settings.summarize_workers, settings.summarize_queue, "summarize"),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.jobs.start()
        yield
        state.jobs.shutdown()
        state.summaries.shutdown()

    app = FastAPI(
        title="cjgen",
        version=__version__,
        summary="Draft customer journey maps from a brief and interview transcripts, every quote verified.",
        lifespan=lifespan,
    )
    app.state.cjgen = state
    guarded = [Depends(rate_limit)]
    for module in (maps, reviews, changes, jobs, transcripts, meta):
        app.include_router(module.router, dependencies=guarded)
    app.include_router(meta.health)
    app.include_router(page.router)  # signs in with a key or a session itself
    add_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(NoSniff)
    return app


def _job_runner(store: Store, settings: Settings, factory: RuntimeFactory) -> JobRunner:
    """Map jobs in this process (default), or queued for `cjgen worker` processes (CJGEN_RUNNER=queue)."""
    if settings.runner == "queue":
        from cjgen.service.queue import QueueRunner

        return QueueRunner(store, settings, factory)
    return JobRunner(store, settings, factory)


def run(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Serve the API with uvicorn (`cjgen serve`)."""
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port)
