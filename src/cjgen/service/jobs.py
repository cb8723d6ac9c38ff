"""Map jobs and summaries off the request threads: bounded queues, deadlines, cancel, and worker leases.

A map job runs in this process's worker pool; its row in the store says how far it got. The worker renews a
lease on its jobs while it lives; a job whose lease runs out (the process was killed) is failed by whichever
process looks next, and at start-up every job left unfinished without a live worker is failed with the reason,
so no job reads `running` forever. Cancelling or timing out a job sets its run's stop switch: the pipeline
stops before its next model call.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TypeVar

from cjgen.ask import Runtime
from cjgen.errors import Busy, CjgenError, Full, InputError, ModelError, RunStopped
from cjgen.ingest import load_transcripts
from cjgen.participants import Participant
from cjgen.pipeline import as_brief, build_draft, build_map
from cjgen.pseudonym import may_hold_name, name_free_stem
from cjgen.revise import kept_inputs, revised_inputs
from cjgen.schema import Brief, JourneyMap, Transcript
from cjgen.service.schemas import MapCreate, TranscriptIn, participant_list
from cjgen.settings import Settings
from cjgen.store import UNFINISHED, Job, Store

log = logging.getLogger("cjgen.service")
T = TypeVar("T")
RuntimeFactory = Callable[[], Runtime]
# Job progress: up to _READ_FROM while planning stages, then a share per transcript read, then synthesis.
_READ_FROM, _READ_TO, _SYNTHESIS = 0.05, 0.85, 0.9
MODEL_FAILED = "the model backend could not answer; the service log has the details"


# Failures of a job that a retry of the same request may not meet: its idempotency key is freed for that retry.
TRANSIENT: tuple[type[CjgenError], ...] = (ModelError, Busy)


def public_error(exc: CjgenError) -> str:
    """What a caller may read about a failure: never the text of an upstream (model server) error."""
    if isinstance(exc, ModelError):
        log.warning("model backend failed: %s", exc)
        return MODEL_FAILED
    return str(exc)


def run_inputs(
    store: Store, body: MapCreate, loaded: list[Transcript], revises: str | None, owner: str | None
) -> tuple[Brief | None, list[Transcript], list[Participant]]:
    """A run's brief, transcripts and participant list: the request's, and for a revision the map's kept
    inputs with the new interviews added (or replacing those of the same name), its brief and participant list
    unless the request gives new ones."""
    brief_text, listed = body.brief, participant_list(body.participants)
    if revises is not None:
        kept_brief, earlier = store.sources(revises, owner=owner)
        loaded, brief_text = revised_inputs(earlier, loaded), brief_text or kept_brief
        listed = listed or store.kept_participants(revises)
    return as_brief(brief_text), loaded, listed


def load_request_transcripts(
    transcripts: Sequence[TranscriptIn], where: str | None = None, interviewers: Sequence[str] = ()
) -> list[Transcript]:
    """Parse the request's transcripts (`interviewers`: speaker names read as the interviewer, else the
    `CJGEN_INTERVIEWER` setting's or a guess); they are known by their names, never by a server path.

    A name that may hold a person's name is read under a stand-in (`transcript_2.txt`), so that neither the
    log nor a failed job's error shows it; the pipeline then gives it a pseudonym of its own."""
    names = _stand_ins([t.name for t in transcripts])
    with TemporaryDirectory(prefix="cjgen-in-") as tmp:
        directory = Path(tmp)
        for transcript in transcripts:
            (directory / names[transcript.name]).write_bytes(transcript.file_bytes())
        try:
            paths = [directory / names[t.name] for t in transcripts]
            loaded = load_transcripts(paths, interviewers=list(interviewers) or None)
        except InputError as exc:
            raise InputError(where or _hide(exc.where, directory), _hide(exc.problem, directory)) from exc
    return [
        t.model_copy(
            update={
                "id": given.name,
                "path": given.name,
                # An id read from the stand-in's name is the given name's again (and pseudonymised later).
                "participant_id": Path(given.name).stem
                if t.participant_id == Path(names[given.name]).stem
                else t.participant_id,
            }
        )
        for t, given in zip(loaded, transcripts, strict=True)
    ]


def _stand_ins(names: Sequence[str]) -> dict[str, str]:
    """The name each file is read under: its own, or without the words that may be names, numbered."""
    taken = {name.casefold() for name in names}
    chosen: dict[str, str] = {}
    for n, name in enumerate(names, start=1):
        path = Path(name)
        if not may_hold_name(path.stem):
            chosen[name] = name
            continue
        stand_in = f"{name_free_stem(path.stem) or 'transcript'}_{n}"
        while f"{stand_in}{path.suffix}".casefold() in taken:
            stand_in += "_"
        chosen[name] = f"{stand_in}{path.suffix}"
        taken.add(chosen[name].casefold())
    return chosen


def _hide(message: str, directory: Path) -> str:
    return message.replace(f"{directory}/", "").replace(str(directory), "")


def request_hash(body: MapCreate) -> str:
    return hashlib.sha256(body.model_dump_json().encode()).hexdigest()


class BoundedPool:
    """A small thread pool for slow synchronous work with a bound on what may wait (`Full` beyond it)."""

    def __init__(self, workers: int, queue: int, name: str) -> None:
        self.capacity = workers + queue
        self.name = name
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._taken = 0
        self._lock = threading.Lock()

    def _pool(self) -> ThreadPoolExecutor:
        # Made on first use, and again after a shutdown (an app may be started and stopped more than once).
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix=f"cjgen-{self.name}")
            return self._executor

    async def run(self, work: Callable[[], T]) -> T:
        with self._lock:
            if self._taken >= self.capacity:
                raise Full(f"too many {self.name} requests at once", 5)
            self._taken += 1
        try:
            return await asyncio.wrap_future(self._pool().submit(work))
        finally:
            with self._lock:
                self._taken -= 1

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


@dataclass
class _Active:
    future: Future[None]
    stop: threading.Event = field(default_factory=threading.Event)


def fail_job(store: Store, job_id: str, error: str, *, transient: bool) -> None:
    """Fail an unfinished job; after a transient failure its idempotency key is free for a retry."""
    failed = store.update_job(job_id, status="failed", message="failed", error=error, only_if=UNFINISHED)
    if transient and failed.status == "failed" and failed.error == error:
        store.release_key(job_id)


def reading_progress(read: int, transcripts: int) -> float:
    """A map job's progress once `read` of its `transcripts` interviews are read."""
    return _READ_FROM + (_READ_TO - _READ_FROM) * read / max(1, transcripts)


class JobProgress:
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
            fraction = _SYNTHESIS if step == "synthesize" else reading_progress(self.read, self.transcripts)
            self.store.update_job(
                self.job_id, progress=fraction, message=f"{step}: {message}", only_if=("running",)
            )


class JobRunner:
    """Runs map jobs in a bounded pool, with a deadline each, and keeps their leases alive."""

    def __init__(self, store: Store, settings: Settings, runtime_factory: RuntimeFactory) -> None:
        self.store = store
        self.settings = settings
        self.runtime_factory = runtime_factory
        self.worker = uuid.uuid4().hex[:16]
        self._executor: ThreadPoolExecutor | None = None
        self._active: dict[str, _Active] = {}
        # Re-entrant: a job that ends before its done-callback is added runs the callback under the lock.
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._heartbeat: threading.Thread | None = None

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Fail what a stopped worker left unfinished, then keep this worker's leases alive."""
        failed = self.store.fail_stale_jobs()
        if failed:
            log.warning("failed %d job(s) left unfinished by a stopped service", len(failed))
        self._closing = threading.Event()
        self._heartbeat = None
        self._keep_alive()

    def _keep_alive(self) -> None:
        # Also started by the first job of an app that was never started (e.g. used without its lifespan).
        if self._heartbeat is None or not self._heartbeat.is_alive():
            self._heartbeat = threading.Thread(target=self._beat, args=(self._closing,), daemon=True)
            self._heartbeat.start()

    def _beat(self, closing: threading.Event) -> None:
        interval = max(0.05, self.settings.job_lease_s / 3)
        while not closing.wait(interval):
            try:
                self.tick()
            except Exception:  # a database hiccup must not end the heartbeat
                log.exception("job lease heartbeat failed")

    def tick(self) -> None:
        """Renew this worker's leases, fail stale or overdue jobs, and stop runs whose job ended elsewhere."""
        self.store.renew_leases(self.worker, self.settings.job_lease_s)
        self.store.fail_stale_jobs()
        with self._lock:
            active = dict(self._active)
        for job_id, status in self.store.job_statuses(list(active)).items():
            if status not in UNFINISHED:
                active[job_id].stop.set()

    def shutdown(self) -> None:
        """Stop: every unfinished job of this worker is failed with the reason, and its run told to stop."""
        self._closing.set()
        with self._lock:
            active = dict(self._active)
        for job_id, job in active.items():
            job.stop.set()
            job.future.cancel()
            self._fail(job_id, "the service stopped before the job finished; submit it again", transient=True)
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    # ------------------------------------------------------------------------------------ jobs

    def submit(
        self, body: MapCreate, owner: str, idempotency_key: str | None = None, *, revises: str | None = None
    ) -> tuple[Job, bool]:
        """Queue a map job; (the job, True), or (the earlier job, False) for a repeated idempotency key.
        With `revises` (a map id) the run becomes that map's next version, its decisions carried over.

        A request refused because the queue is full leaves no job behind, so its idempotency key stays free."""
        digest = request_hash(body)
        with self._lock:
            if idempotency_key is not None:
                earlier = self.store.job_by_key(owner, idempotency_key)
                if earlier is not None:
                    return earlier, False
            if len(self._active) >= self.capacity:
                raise Full("the job queue is full", 30)
            job, created = self.store.create_or_get_job(
                "map" if body.transcripts else "draft",
                owner=owner,
                idempotency_key=idempotency_key,
                request_hash=digest,
                worker=self.worker,
                lease_s=self.settings.job_lease_s,
                deadline_s=self.settings.job_timeout_s,
            )
            if not created:
                return job, False
            self._keep_alive()
            active = _Active(Future())
            self._active[job.id] = active
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.settings.job_workers, thread_name_prefix="cjgen-job")
            active.future = self._executor.submit(self._run, job.id, body, owner, active.stop, revises)
            active.future.add_done_callback(lambda _: self._forget(job.id))
        return job, True

    @property
    def capacity(self) -> int:
        return self.settings.job_workers + self.settings.job_queue

    def _forget(self, job_id: str) -> None:
        with self._lock:
            self._active.pop(job_id, None)

    def cancel(self, job_id: str, owner: str | None) -> Job:
        """Cancel a queued or running job (of `owner`, when given); a finished job is returned as it is."""
        self.store.get_job(job_id, owner=owner)
        job = self.store.update_job(
            job_id,
            status="cancelled",
            message="cancelled",
            error="cancelled by the caller",
            only_if=UNFINISHED,
        )
        with self._lock:
            active = self._active.get(job_id)
        if active is not None:
            active.stop.set()
            active.future.cancel()
        return job

    def _run(
        self, job_id: str, body: MapCreate, owner: str, stop: threading.Event, revises: str | None = None
    ) -> None:
        store = self.store
        job = store.update_job(
            job_id, status="running", progress=0.01, message="starting", only_if=("queued",)
        )
        if job.status != "running":
            return
        try:
            journey, version = self._make(job_id, body, owner, stop, revises)
        except CjgenError as exc:
            self._fail(job_id, public_error(exc), transient=isinstance(exc, TRANSIENT))
            return
        except Exception:
            log.exception("map job %s failed", job_id)
            self._fail(job_id, "internal error while making the map", transient=True)
            return
        store.update_job(
            job_id,
            status="done",
            progress=1.0,
            message=f"saved {journey.id} version {version}",
            map_id=journey.id,
            only_if=("running",),
        )

    def _fail(self, job_id: str, error: str, *, transient: bool) -> None:
        fail_job(self.store, job_id, error, transient=transient)

    def _make(
        self, job_id: str, body: MapCreate, owner: str, stop: threading.Event, revises: str | None = None
    ) -> tuple[JourneyMap, int]:
        run = self.runtime_factory().start(
            JobProgress(self.store, job_id, len(body.transcripts)),
            deadline_s=self.settings.job_timeout_s,
            cancelled=stop,
        )
        loaded = load_request_transcripts(body.transcripts, interviewers=body.interviewers)
        run.check()  # reading counts towards the job's time limit
        brief, loaded, listed = run_inputs(self.store, body, loaded, revises, owner)
        # Every job makes a map of its own: the same inputs from two callers are two maps.
        map_id = revises or "map-" + uuid.uuid4().hex[:16]
        if loaded:
            journey = build_map(
                brief,
                loaded,
                run,
                map_type=body.map_type,
                redact=body.redact,
                title=body.title,
                map_id=map_id,
                participants=listed,
            )
        else:
            assert brief is not None  # checked before the job was queued
            journey = build_draft(
                brief, run, map_type=body.map_type, redact=body.redact, title=body.title, map_id=map_id
            )
        run.check()  # a job cancelled or failed meanwhile saves nothing
        if self.store.get_job(job_id).status != "running":
            raise RunStopped("the job ended before its map was saved")
        if revises is not None:
            journey, _ = self.store.record_revision(revises, journey, owner=owner)
            version = journey.version
        else:
            version = self.store.save_map(
                journey, note="generated" if loaded else "drafted from the brief", owner=owner
            )
        # A later revision runs on these inputs again, with the new interviews.
        kept = kept_inputs(brief, loaded, redact=body.redact, participants=listed)
        self.store.save_sources(journey.id, *kept)
        return journey, version
