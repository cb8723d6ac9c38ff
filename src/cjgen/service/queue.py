"""Map jobs in worker processes, through procrastinate: a task queue kept in PostgreSQL.

With `CJGEN_RUNNER=queue` the service only records a job and queues its first task; `cjgen worker` processes,
on this machine or others, run the tasks. One map fans out:

    plan (pseudonymise, plan the stages) → read:0 … read:N-1 (one task per interview) → finish (synthesis)

Each task writes what it hands on as a part of the job in the store (written once: a task run again finds
it and does not redo the work), then queues the next ones; the last read to come back queues `finish`, which
saves the map under an id made from the job's (saved once: a second run finds it saved). So a task may run
twice and nothing changes: a worker killed mid-task loses nothing, since procrastinate hands the tasks of a
worker whose heartbeat stopped to another worker (every worker looks for them), and a task that met the
database down is retried.

Cancel, deadlines and progress work as in-process: the job row says how far it got; a cancelled or overdue job
stops its runs before their next model call (each worker watches the jobs it runs) and no later task starts.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued
from pydantic import TypeAdapter
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cjgen.ask import Run
from cjgen.errors import CjgenError, Full, RunStopped
from cjgen.pipeline import (
    MapPlan,
    build_draft,
    finish_map,
    plan_map,
    read_interview,
    redacted_source,
)
from cjgen.read import Read
from cjgen.redact import RedactedTranscript
from cjgen.revise import KeptInputs, kept_inputs
from cjgen.schema import JourneyMap, ModelCall
from cjgen.service.jobs import (
    TRANSIENT,
    JobProgress,
    JobRunner,
    RuntimeFactory,
    fail_job,
    load_request_transcripts,
    public_error,
    reading_progress,
    request_hash,
    run_inputs,
)
from cjgen.service.schemas import MapCreate
from cjgen.settings import Settings
from cjgen.store import QUEUE_WORKER, UNFINISHED, Job, Store

log = logging.getLogger("cjgen.worker")
T = TypeVar("T")
QUEUE = "cjgen-maps"
# The database out of reach (a restart): the task is tried again later rather than failing the job.
DATABASE_DOWN = (DBAPIError, procrastinate.exceptions.ConnectorException)
RETRY = procrastinate.RetryStrategy(max_attempts=30, wait=2, retry_exceptions=set(DATABASE_DOWN))
tasks = procrastinate.Blueprint()
# Held by the connection that took it, so a worker that dies mid-rescue lets it go.
_RESCUE_LOCK = "SELECT pg_try_advisory_lock(hashtext('cjgen-queue-rescue'))"


def queue_conninfo(settings: Settings) -> str:
    """The PostgreSQL connection of the task queue: CJGEN_QUEUE_URL, else the store's database."""
    url = settings.queue_url or settings.database_url
    if not url or make_url(url).get_backend_name() != "postgresql":
        raise CjgenError(
            "the queue runner needs PostgreSQL: set CJGEN_QUEUE_URL (or CJGEN_DATABASE_URL) to a "
            "postgresql:// URL"
        )
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def queue_app(settings: Settings, *, sync: bool = False) -> procrastinate.App:
    conninfo = queue_conninfo(settings)
    connector = (
        procrastinate.SyncPsycopgConnector(conninfo=conninfo)
        if sync
        else procrastinate.PsycopgConnector(conninfo=conninfo)
    )
    app = procrastinate.App(connector=connector)
    app.add_tasks_from(tasks, namespace="cjgen")
    return app


def prepare_queue(settings: Settings) -> None:
    """Create procrastinate's tables in the queue database unless they are there (workers and the service
    both do this at start; a lock makes the first one do it)."""
    import psycopg

    conninfo = queue_conninfo(settings)
    try:
        connection = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        where = make_url(conninfo).render_as_string(hide_password=True)
        raise CjgenError(f"cannot reach the queue's PostgreSQL at {where}: {exc}") from exc
    with connection:
        connection.execute("SELECT pg_advisory_lock(hashtext('cjgen-queue-schema'))")
        made = connection.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
        if not made or not made[0]:
            connection.execute(procrastinate.schema.SchemaManager.get_schema())
        connection.execute("SELECT pg_advisory_unlock(hashtext('cjgen-queue-schema'))")


# --------------------------------------------------------------------------------------------- parts


@dataclass
class Work:
    """What a task did besides its result: its model calls and seconds per step, for the map's record."""

    calls: list[ModelCall] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)


@dataclass
class PlanPart:
    planned: MapPlan
    work: Work


@dataclass
class ReadPart:
    read: Read
    work: Work


_PLAN = TypeAdapter(PlanPart)
_READ = TypeAdapter(ReadPart)


def _read_name(index: int) -> str:
    return f"read:{index:04d}"


def _work(run: Run) -> Work:
    return Work(list(run.calls), dict(run.clock.steps))


# --------------------------------------------------------------------------------------------- API side


class QueueRunner(JobRunner):
    """The service's side: records each map job and queues its first task; workers do the rest.

    Everything else (cancel, deadlines, no job left `running` by a stopped service) is the in-process
    runner's: the job row is the truth, and the workers watch it."""

    def __init__(self, store: Store, settings: Settings, runtime_factory: RuntimeFactory) -> None:
        super().__init__(store, settings, runtime_factory)
        self._app = queue_app(settings, sync=True)
        self._opened = False

    def start(self) -> None:
        prepare_queue(self.settings)
        super().start()

    def submit(
        self, body: MapCreate, owner: str, idempotency_key: str | None = None, *, revises: str | None = None
    ) -> tuple[Job, bool]:
        """Record the job and queue its first task; with `revises` (a map id) the map made becomes that map's
        next version. Sent again with its idempotency key, a job that is still queued is queued again (the
        first send may have failed between the two; a task queued twice runs once)."""
        digest = request_hash(body)
        with self._lock:
            earlier = self.store.job_by_key(owner, idempotency_key) if idempotency_key else None
            if earlier is None and self.store.count_unfinished(QUEUE_WORKER) >= self.capacity:
                raise Full("the job queue is full", 30)
            job, created = (
                (earlier, False)
                if earlier
                else self.store.create_or_get_job(
                    "map" if body.transcripts else "draft",
                    owner=owner,
                    idempotency_key=idempotency_key,
                    request_hash=digest,
                    worker=QUEUE_WORKER,
                    deadline_s=self.settings.job_timeout_s,
                )
            )
            if not self._opened:
                self._app.open()
                self._opened = True
        if created or (job.status == "queued" and job.request_hash == digest):
            self._keep_alive()
            self.store.put_part(job.id, "request", body.model_dump_json())
            if revises is not None:
                self.store.put_part(job.id, "revises", revises)
            _defer(self._app, "plan", job.id)
        return job, created

    @property
    def capacity(self) -> int:
        return self.settings.job_queue

    def shutdown(self) -> None:
        super().shutdown()
        with self._lock:
            if self._opened:
                self._app.close()
                self._opened = False


def _defer(app: procrastinate.App, task: str, job_id: str, **arguments: Any) -> None:
    """Queue a task of a job once: while an equal task waits, queueing it again does nothing."""
    lock = ":".join([task, job_id, *(str(v) for v in arguments.values())])
    try:
        app.configure_task(f"cjgen:{task}", queueing_lock=lock, queue=QUEUE).defer(job_id=job_id, **arguments)
    except AlreadyEnqueued:
        log.debug("%s is queued already", lock)


# --------------------------------------------------------------------------------------------- worker side


class Worker:
    """One `cjgen worker` process: runs the tasks, watches its jobs for cancel and deadline, and hands the
    tasks of workers that stopped (killed, lost) to the queue again."""

    def __init__(self, settings: Settings, store: Store, runtime_factory: RuntimeFactory) -> None:
        self.settings = settings
        self.store = store
        self.runtime_factory = runtime_factory
        self.name = f"cjgen-{uuid.uuid4().hex[:8]}"
        self.app = queue_app(settings)
        self._active: dict[str, list[threading.Event]] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------ running

    def run(self) -> None:
        """Work until stopped (SIGINT, SIGTERM); a lost database connection is waited out, not fatal."""
        prepare_queue(self.settings)
        log.info("worker %s takes map tasks from queue %s", self.name, QUEUE)
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        heartbeat = self.settings.worker_heartbeat_s
        watcher = threading.Thread(target=self._watch, daemon=True)
        watcher.start()
        while True:
            try:
                async with self.app.open_async():
                    rescuer = asyncio.create_task(self._rescue_stalled(heartbeat))
                    try:
                        await self.app.run_worker_async(
                            name=self.name,
                            queues=[QUEUE],
                            concurrency=self.settings.worker_concurrency,
                            update_heartbeat_interval=heartbeat,
                            stalled_worker_timeout=3 * heartbeat,
                            fetch_job_polling_interval=1.0,
                            additional_context={"cjgen": self},
                        )
                    finally:
                        rescuer.cancel()
                return  # stopped by a signal
            except (procrastinate.exceptions.ConnectorException, OSError) as exc:
                log.warning("lost the queue database (%s); connecting again", exc)
                await asyncio.sleep(1.0)

    async def _rescue_stalled(self, heartbeat: float) -> None:
        """Queue again the tasks of workers whose heartbeat stopped (their process was killed or cut off).

        One worker at a time does it (a PostgreSQL advisory lock): two workers finding the same stalled task
        would otherwise queue it twice, the second time while a live worker runs it."""
        import psycopg

        while True:
            await asyncio.sleep(heartbeat)
            try:
                async with await psycopg.AsyncConnection.connect(
                    queue_conninfo(self.settings), autocommit=True
                ) as connection:
                    held = await (await connection.execute(_RESCUE_LOCK)).fetchone()
                    if not held or not held[0]:
                        continue  # another worker is at it
                    stalled = await self.app.job_manager.get_stalled_jobs(
                        queue=QUEUE, seconds_since_heartbeat=3 * heartbeat
                    )
                    for job in stalled:
                        log.warning("task %s of a stopped worker is queued again", job.call_string)
                        await self.app.job_manager.retry_job(job)
            except Exception as exc:  # the database may be restarting; the next round tries again
                log.info("could not look for stalled tasks: %s", exc)

    def _watch(self) -> None:
        """Stop the runs of jobs that were cancelled, failed elsewhere or ran out of time."""
        while True:
            time.sleep(max(0.1, self.settings.job_lease_s / 3))
            try:
                self.store.fail_stale_jobs()
                with self._lock:
                    active = {k: list(v) for k, v in self._active.items()}
                for job_id, status in self.store.job_statuses(list(active)).items():
                    if status not in UNFINISHED:
                        for stop in active[job_id]:
                            stop.set()
            except Exception:  # a database hiccup must not end the watch
                log.exception("job watch failed")

    @contextmanager
    def _run(self, job: Job, transcripts: int) -> Iterator[Run]:
        """A run for one task of `job`, with the job's deadline and a stop switch the watch sets."""
        stop = threading.Event()
        with self._lock:
            self._active.setdefault(job.id, []).append(stop)
        left = None
        if job.deadline_at is not None:
            left = (job.deadline_at - datetime.now(UTC)).total_seconds()
        try:
            yield self.runtime_factory().start(
                JobProgress(self.store, job.id, transcripts), deadline_s=left, cancelled=stop
            )
        finally:
            with self._lock:
                self._active[job.id].remove(stop)
                if not self._active[job.id]:
                    del self._active[job.id]

    # ------------------------------------------------------------------------------------ tasks

    def task(self, job_id: str, step: Callable[[Job], None]) -> None:
        """Run one task of a job that is still unfinished; a failure the caller may read fails the job."""
        job = self.store.get_job(job_id)
        if job.status not in UNFINISHED:
            return  # cancelled, failed or done meanwhile: nothing more to do
        if job.status == "queued":
            job = self.store.update_job(
                job_id, status="running", progress=0.01, message="starting", only_if=("queued",)
            )
        try:
            step(job)
        except DATABASE_DOWN:
            raise  # procrastinate tries the task again
        except CjgenError as exc:
            fail_job(self.store, job_id, public_error(exc), transient=isinstance(exc, TRANSIENT))
        except Exception:
            log.exception("task of map job %s failed", job_id)
            fail_job(self.store, job_id, "internal error while making the map", transient=True)

    def request(self, job_id: str) -> MapCreate:
        stored = self.store.part(job_id, "request")
        if stored is None:
            raise CjgenError(f"job '{job_id}' has no request stored")
        return MapCreate.model_validate_json(stored)

    def plan(self, job: Job) -> None:
        body = self.request(job.id)
        stored = self.store.part(job.id, "plan")
        if stored is None:
            with self._run(job, len(body.transcripts)) as run:
                loaded = load_request_transcripts(body.transcripts, interviewers=body.interviewers)
                run.check()  # reading counts towards the job's time limit
                revises = self.store.part(job.id, "revises")
                brief, loaded, listed = run_inputs(self.store, body, loaded, revises, job.owner)
                if not loaded:
                    assert brief is not None  # checked before the job was queued
                    draft = build_draft(
                        brief,
                        run,
                        map_type=body.map_type,
                        redact=body.redact,
                        title=body.title,
                        map_id=_map_id(job),
                    )
                    self._save(job, draft, "drafted from the brief")
                    return
                planned = plan_map(
                    brief, loaded, run, map_type=body.map_type, redact=body.redact, participants=listed
                )
                stored = self.store.put_part(
                    job.id, "plan", _PLAN.dump_json(PlanPart(planned, _work(run))).decode()
                )
        count = len(_PLAN.validate_json(stored).planned.transcripts)
        self.store.update_job(job.id, progress=reading_progress(0, count), only_if=("running",))
        for index in range(count):
            _defer(self.app, "read", job.id, index=index)

    def read(self, job: Job, index: int) -> None:
        stored = self.store.part(job.id, "plan")
        assert stored is not None  # reads are queued after the plan is kept
        planned = _PLAN.validate_json(stored).planned
        count = len(planned.transcripts)
        body = self.request(job.id)
        if self.store.part(job.id, _read_name(index)) is None:
            with self._run(job, count) as run:
                source = _source(planned, index, body.redact)
                done = read_interview(run, source, planned)
            self.store.put_part(
                job.id, _read_name(index), _READ.dump_json(ReadPart(done, _work(run))).decode()
            )
        back = len(self.store.parts(job.id, "read:"))
        self.store.update_job(
            job.id,
            progress=reading_progress(back, count),
            message=f"extracted: {planned.transcripts[index].id}",
            only_if=("running",),
        )
        if back == count:
            _defer(self.app, "finish", job.id)

    def finish(self, job: Job) -> None:
        body = self.request(job.id)
        stored = self.store.part(job.id, "plan")
        assert stored is not None
        plan_part = _PLAN.validate_json(stored)
        planned = plan_part.planned
        reads = [_READ.validate_json(data) for _, data in sorted(self.store.parts(job.id, "read:").items())]
        revises = self.store.part(job.id, "revises")
        if len(reads) != len(planned.transcripts):
            raise CjgenError(f"job '{job.id}' is missing {len(planned.transcripts) - len(reads)} read(s)")
        with self._run(job, len(planned.transcripts)) as run:
            for work in [plan_part.work, *(r.work for r in reads)]:
                run.calls.extend(work.calls)
                for step, seconds in work.steps.items():
                    run.clock.steps[step] = round(run.clock.steps.get(step, 0.0) + seconds, 3)
            sources = [_source(planned, n, body.redact) for n in range(len(planned.transcripts))]
            journey = finish_map(
                planned,
                sources,
                [r.read for r in reads],
                run,
                map_type=body.map_type,
                redact=body.redact,
                title=body.title,
                map_id=revises or _map_id(job),
            )
            run.check()  # a job cancelled or failed meanwhile saves nothing
        # A later revision runs on these inputs again, with the new interviews.
        kept = kept_inputs(
            planned.brief,
            planned.transcripts,
            redact=body.redact,
            label_names=planned.label_names,
            participants=planned.participants,
        )
        self._save(job, journey, "generated", revises=revises, kept=kept)

    def _save(
        self,
        job: Job,
        journey: JourneyMap,
        note: str,
        *,
        revises: str | None = None,
        kept: KeptInputs | None = None,
    ) -> None:
        """The map (or the revised map's next version) and the inputs it keeps, then the job is done."""
        if self.store.get_job(job.id).status != "running":
            raise RunStopped("the job ended before its map was saved")
        if revises is not None and self.store.revised_by(revises, job.id):
            version = self.store.map_info(revises).latest_version  # a second run of this task
        elif revises is not None:
            version = self.store.record_revision(revises, journey, owner=job.owner, job_id=job.id)[0].version
        else:
            saved = self.store.save_new_map(journey, note=note, owner=job.owner)
            version = 1 if saved else self.store.map_info(journey.id).latest_version
        if kept is not None:
            self.store.save_sources(journey.id, *kept)
        self.store.update_job(
            job.id,
            status="done",
            progress=1.0,
            message=f"saved {journey.id} version {version}",
            map_id=journey.id,
            only_if=("running",),
        )


def _map_id(job: Job) -> str:
    """One map per job, whichever run of the last task saves it."""
    return f"map-{job.id[:16]}"


def _source(planned: MapPlan, index: int, redact: bool) -> RedactedTranscript:
    return redacted_source(planned.transcripts[index], redact, planned.label_names)


def _worker(context: procrastinate.JobContext) -> Worker:
    worker: Worker = context.additional_context["cjgen"]
    return worker


@tasks.task(name="plan", queue=QUEUE, pass_context=True, retry=RETRY)
def plan_task(context: procrastinate.JobContext, job_id: str) -> None:
    worker = _worker(context)
    worker.task(job_id, worker.plan)


@tasks.task(name="read", queue=QUEUE, pass_context=True, retry=RETRY)
def read_task(context: procrastinate.JobContext, job_id: str, index: int) -> None:
    worker = _worker(context)
    worker.task(job_id, lambda job: worker.read(job, index))


@tasks.task(name="finish", queue=QUEUE, pass_context=True, retry=RETRY)
def finish_task(context: procrastinate.JobContext, job_id: str) -> None:
    worker = _worker(context)
    worker.task(job_id, worker.finish)
