"""Maps with their versions and review decisions, and the service's jobs, in any SQLAlchemy database.

SQLite under the user data dir by default; any database URL works (e.g. PostgreSQL). The schema is made and
upgraded by the Alembic migrations in `cjgen/migrations`. Every version of a map is kept whole as JSON, so
any version can be read, exported or compared later. A map belongs to the owner that saved it first; asked
with another owner, it does not exist. A map or job with no owner (made before maps had owners) is seen only
when no owner is asked for (an admin).

The store is safe to share between threads and between processes: a new version is written only if the map's
latest version is still the one it was based on (compare-and-set in the database), so two writers never get
the same version number and never overwrite each other silently. Jobs carry a lease that their worker renews;
a job whose worker stopped (crash, restart) is failed once its lease runs out, never left running.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, TypedDict, TypeVar, Unpack, cast

import platformdirs
from alembic import command
from alembic.config import Config
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    create_engine,
    delete,
    event,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from cjgen.errors import Busy, NotFound, VersionConflict
from cjgen.participants import Participant
from cjgen.review import Action, Decision, apply_review
from cjgen.revise import RevisionReport, carry_decisions
from cjgen.schema import JourneyMap, Transcript

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
UNFINISHED: tuple[JobStatus, ...] = ("queued", "running")
# The `worker` of a job run by worker processes through the task queue: the queue, not a lease, keeps it alive.
QUEUE_WORKER = "queue"
R = TypeVar("R", bound=BaseModel)
MIGRATIONS = Path(__file__).parent / "migrations"
# How often a write that lost a race with another writer is tried again before giving up.
_WRITE_TRIES = 20
_MIGRATE_TRIES = 5


def default_database_url() -> str:
    return f"sqlite:///{Path(platformdirs.user_data_dir('cjgen')) / 'cjgen.sqlite3'}"


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no time zone; every time the store writes is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------- tables


class _Base(DeclarativeBase):
    pass


class _Map(_Base):
    __tablename__ = "maps"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    map_type: Mapped[str] = mapped_column(String(40))
    latest_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)


class _MapVersion(_Base):
    __tablename__ = "map_versions"

    map_id: Mapped[str] = mapped_column(ForeignKey("maps.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class _MapSource(_Base):
    """A brief or transcript a map was made from (the latest run's, as JSON): a revision runs on them again."""

    __tablename__ = "map_sources"

    map_id: Mapped[str] = mapped_column(ForeignKey("maps.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)


class _ReviewEvent(_Base):
    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    map_id: Mapped[str] = mapped_column(ForeignKey("maps.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer: Mapped[str | None] = mapped_column(String(200), nullable=True)
    edits: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _Job(_Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    map_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    worker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        Index("ix_jobs_owner_idempotency_key", "owner", "idempotency_key", unique=True),
        Index("ix_jobs_status", "status"),
    )


class _JobPart(_Base):
    """What one task of a queued job handed on to the next (written once; a task run twice finds it)."""

    __tablename__ = "job_parts"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --------------------------------------------------------------------------------------------- records


def _owned(row_owner: str | None, owner: str | None) -> bool:
    """Whether a row is visible to `owner`; None asks for every row (an admin), ownerless rows included."""
    return owner is None or row_owner == owner


def _json_or_none(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


UtcDatetime = Annotated[datetime, AfterValidator(_utc)]


class Record(BaseModel):
    """What the store hands out: plain data read from a row."""

    model_config = ConfigDict(from_attributes=True)


class MapInfo(Record):
    id: str
    title: str
    map_type: str
    latest_version: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    owner: str | None = None


class VersionInfo(Record):
    map_id: str
    version: int
    created_at: UtcDatetime
    note: str | None = None


class Change(BaseModel):
    """What a reviewer did, as the review log records it: a decision on an item, or another change."""

    action: Action
    item_id: str = ""
    note: str | None = None
    reviewer: str | None = None
    details: dict[str, Any] | None = None


class ReviewEvent(Record):
    map_id: str
    version: int
    item_id: str
    decision: Action
    note: str | None = None
    reviewer: str | None = None
    edits: Annotated[dict[str, Any] | None, BeforeValidator(_json_or_none)] = None
    at: UtcDatetime


class Job(Record):
    id: str
    kind: str
    status: JobStatus
    progress: float
    message: str
    map_id: str | None = None
    error: str | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    owner: str | None = None
    idempotency_key: str | None = None
    request_hash: str | None = None
    worker: str | None = None
    lease_until: UtcDatetime | None = None
    deadline_at: UtcDatetime | None = None


class JobOptions(TypedDict, total=False):
    owner: str | None
    idempotency_key: str | None
    request_hash: str | None
    worker: str | None
    lease_s: float | None
    deadline_s: float | None


# --------------------------------------------------------------------------------------------- store


def _next_version(
    session: Session,
    journey: JourneyMap,
    note: str | None,
    based_on: int | None,
    owner: str | None,
    keep_version: bool = False,
) -> int | None:
    """Write `journey` as the version after `based_on` (None: a new map); None if another writer was first.

    The map row is claimed with a conditional UPDATE before anything else is written, so two writers (threads
    or processes) based on the same version cannot both succeed: the loser changes no row and retries.
    """
    now = _now()
    if based_on is None:
        first = max(1, journey.version) if keep_version else 1
        session.add(
            _Map(
                id=journey.id,
                title=journey.title,
                map_type=journey.map_type,
                latest_version=first,
                created_at=now,
                updated_at=now,
                owner=owner,
            )
        )
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return None
        version = first
    else:
        version = based_on + 1
        claimed = session.execute(
            update(_Map)
            .where(_Map.id == journey.id, _Map.latest_version == based_on)
            .values(title=journey.title, map_type=journey.map_type, latest_version=version, updated_at=now)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            session.rollback()
            return None
    stored = journey.model_copy(update={"version": version})
    session.add(
        _MapVersion(
            map_id=journey.id, version=version, json=stored.model_dump_json(), created_at=now, note=note
        )
    )
    return version


def _migrate(engine: Engine) -> None:
    """Bring the database to the newest schema; a database made before migrations is adopted as 0001.

    Two processes starting on a new database at once may both try; the one that loses tries again and
    finds the schema done."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    for attempt in range(_MIGRATE_TRIES):
        try:
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                tables = set(inspect(connection).get_table_names())
                if "maps" in tables and "alembic_version" not in tables:
                    command.stamp(config, "0001")
                command.upgrade(config, "head")
            return
        except (OperationalError, IntegrityError, ProgrammingError):
            if attempt == _MIGRATE_TRIES - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _sqlite_wait(connection: Any, _: Any) -> None:
    # Writers from other processes wait for the lock rather than fail at once.
    connection.execute("PRAGMA busy_timeout = 30000")


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    if not in_memory and parsed.database is not None:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # Jobs write from worker threads; an in-memory database must be one shared connection to be seen at all.
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=StaticPool if in_memory else None,
    )
    event.listen(engine, "connect", _sqlite_wait)
    return engine


class Store:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_database_url()
        self._engine = _engine(self.url)
        _migrate(self._engine)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        # An in-memory database is one connection that every thread shares, and a connection holds one
        # transaction: one thread's session at a time, or one thread's commit ends another's transaction.
        self._one_at_a_time: AbstractContextManager[Any] = (
            threading.RLock() if isinstance(self._engine.pool, StaticPool) else nullcontext()
        )

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._one_at_a_time, self._sessions() as session:
            yield session

    def close(self) -> None:
        self._engine.dispose()

    def _retry_busy(self, attempt: int, exc: OperationalError) -> None:
        if "locked" not in str(exc).lower() and "busy" not in str(exc).lower():
            raise exc
        if attempt == _WRITE_TRIES - 1:
            raise Busy("the database is busy with other writers; try again in a moment") from exc
        time.sleep(0.02 * (attempt + 1))

    # ------------------------------------------------------------------------------------------ maps

    def save_map(
        self,
        journey: JourneyMap,
        note: str | None = None,
        *,
        owner: str | None = None,
        keep_version: bool = False,
    ) -> int:
        """Store `journey` as a new map (version 1, or its own version with `keep_version`: a map file opened for
        review) or as the next version of the map with its id."""
        for attempt in range(_WRITE_TRIES):
            try:
                with self._session() as session:
                    row = session.get(_Map, journey.id)
                    if row is not None and not _owned(row.owner, owner):
                        raise NotFound(f"map '{journey.id}' not found")
                    based_on = None if row is None else row.latest_version
                    version = _next_version(session, journey, note, based_on, owner, keep_version)
                    if version is not None:
                        session.commit()
                        return version
            except OperationalError as exc:
                self._retry_busy(attempt, exc)
        raise Busy(f"map '{journey.id}' kept changing while it was saved; try again")

    def _row(self, session: Session, map_id: str, owner: str | None) -> _Map:
        row = session.get(_Map, map_id)
        if row is None or not _owned(row.owner, owner):
            raise NotFound(f"map '{map_id}' not found")
        return row

    def get_map(self, map_id: str, version: int | None = None, *, owner: str | None = None) -> JourneyMap:
        """The latest version of a map, or the one asked for; `owner` (when given) must own it."""
        with self._session() as session:
            row = self._row(session, map_id, owner)
            stored = session.get(_MapVersion, (map_id, version or row.latest_version))
            if stored is None:
                raise NotFound(f"map '{map_id}' has no version {version} (latest is {row.latest_version})")
            return JourneyMap.model_validate_json(stored.json)

    def list_maps(self, *, owner: str | None = None) -> list[MapInfo]:
        """Every map (of `owner`, when given), most recently changed first."""
        query = select(_Map).order_by(_Map.updated_at.desc(), _Map.id)
        if owner is not None:
            query = query.where(_Map.owner == owner)
        with self._session() as session:
            return [MapInfo.model_validate(r) for r in session.scalars(query)]

    def map_info(self, map_id: str, *, owner: str | None = None) -> MapInfo:
        with self._session() as session:
            return MapInfo.model_validate(self._row(session, map_id, owner))

    def versions(self, map_id: str, *, owner: str | None = None) -> list[VersionInfo]:
        """The map's versions, oldest first."""
        return self._of_map(map_id, _MapVersion, VersionInfo, owner)

    def _of_map(
        self, map_id: str, table: type[_MapVersion | _ReviewEvent], record: type[R], owner: str | None
    ) -> list[R]:
        """A map's rows of one table, in the order they were written; NotFound for an unknown map."""
        self.map_info(map_id, owner=owner)
        order = _MapVersion.version if table is _MapVersion else _ReviewEvent.id
        with self._session() as session:
            rows = session.scalars(select(table).where(table.map_id == map_id).order_by(order))
            return [record.model_validate(r) for r in rows]

    # ------------------------------------------------------------------------------------------ reviews

    def record_review(
        self,
        map_id: str,
        item_id: str,
        decision: Decision,
        *,
        note: str | None = None,
        reviewer: str | None = None,
        edits: dict[str, Any] | None = None,
        expected_version: int | None = None,
        owner: str | None = None,
    ) -> JourneyMap:
        """Apply a decision to the latest version, store the result as the next version, log the event.

        With `expected_version`, the review is refused (`VersionConflict`) unless that is still the latest
        version. Without it, a review that lost a race is applied again to the version that won, so no
        other decision is ever overwritten.
        """

        def review(current: JourneyMap, at: datetime) -> JourneyMap:
            return apply_review(current, item_id, decision, note=note, reviewer=reviewer, edits=edits, at=at)

        return self.record_change(
            map_id,
            Change(action=decision, item_id=item_id, note=note, reviewer=reviewer, details=edits),
            review,
            expected_version=expected_version,
            owner=owner,
        )

    def record_change(
        self,
        map_id: str,
        change: Change,
        apply: Callable[[JourneyMap, datetime], JourneyMap | tuple[JourneyMap, dict[str, Any]]],
        *,
        expected_version: int | None = None,
        owner: str | None = None,
    ) -> JourneyMap:
        """`apply` the change to the latest version, store the result as the next version, log the change.

        Refused (`VersionConflict`) when `expected_version` is given and no longer the latest; without it a
        change that lost a race is applied again to the version that won, so no change overwrites another.
        `apply` may also return what it did, for the log (else the change's own details are logged).
        """
        for attempt in range(_WRITE_TRIES):
            at = _now()
            current = self.get_map(map_id, owner=owner)
            if expected_version is not None and current.version != expected_version:
                raise VersionConflict(map_id, expected_version, current.version)
            applied = apply(current, at)
            changed, details = applied if isinstance(applied, tuple) else (applied, change.details)
            try:
                with self._session() as session:
                    # The version and its event are written together, or not at all.
                    version = _next_version(
                        session,
                        changed,
                        f"review: {change.action} {change.item_id}".strip(),
                        current.version,
                        owner,
                    )
                    if version is None:
                        continue
                    session.add(
                        _ReviewEvent(
                            map_id=map_id,
                            version=version,
                            item_id=change.item_id,
                            decision=change.action,
                            note=change.note,
                            reviewer=change.reviewer,
                            edits=json.dumps(details, sort_keys=True) if details else None,
                            at=at,
                        )
                    )
                    session.commit()
                    return changed.model_copy(update={"version": version})
            except OperationalError as exc:
                self._retry_busy(attempt, exc)
        raise Busy(f"map '{map_id}' kept changing while it was reviewed; try again")

    def record_revision(
        self, map_id: str, run: JourneyMap, *, owner: str | None = None, job_id: str | None = None
    ) -> tuple[JourneyMap, RevisionReport]:
        """The new run over revised inputs as the next version of the map, decisions carried over (see
        `revise`); the log records the revision with what it changed, and the job that made it (`job_id`)."""
        reports: list[RevisionReport] = []

        def revise(current: JourneyMap, at: datetime) -> tuple[JourneyMap, dict[str, Any]]:
            revised, report = carry_decisions(current, run, at=at)
            reports.append(report)
            return revised, report.model_dump(mode="json")

        note = "new or replaced interviews" + (f" (job {job_id})" if job_id else "")
        change = Change(action="revise", note=note, reviewer="cjgen revise")
        return self.record_change(map_id, change, revise, owner=owner), reports[-1]

    def save_sources(
        self,
        map_id: str,
        brief: str | None,
        transcripts: Sequence[Transcript],
        participants: Sequence[Participant] = (),
    ) -> None:
        """Keep the inputs of a map's latest run (replacing any earlier ones): the brief's text, each
        transcript as read, and the participant list it was given (see `revise.kept_inputs`)."""
        rows = [
            _MapSource(map_id=map_id, name=t.path, kind="transcript", text=t.model_dump_json())
            for t in transcripts
        ]
        if brief is not None:
            rows.append(_MapSource(map_id=map_id, name="", kind="brief", text=brief))
        if participants:
            listed = [{"id": p.id, "group": p.group, "attributes": p.attributes} for p in participants]
            # No transcript's name holds a colon, so this row's name is its own.
            rows.append(
                _MapSource(map_id=map_id, name=":participants", kind="participants", text=json.dumps(listed))
            )
        with self._session() as session:
            session.execute(delete(_MapSource).where(_MapSource.map_id == map_id))
            session.add_all(rows)
            session.commit()

    def sources(self, map_id: str, *, owner: str | None = None) -> tuple[str | None, list[Transcript]]:
        """The brief's text and the transcripts of the map's latest run."""
        self.map_info(map_id, owner=owner)
        query = select(_MapSource).where(_MapSource.map_id == map_id).order_by(_MapSource.name)
        with self._session() as session:
            rows = list(session.scalars(query))
        brief = next((r.text for r in rows if r.kind == "brief"), None)
        return brief, [Transcript.model_validate_json(r.text) for r in rows if r.kind == "transcript"]

    def kept_participants(self, map_id: str) -> list[Participant]:
        """The participant list the map's latest run was given (empty: none)."""
        query = select(_MapSource).where(_MapSource.map_id == map_id, _MapSource.kind == "participants")
        with self._session() as session:
            row = session.scalars(query).first()
        listed = json.loads(row.text) if row is not None else []
        return [Participant(p["id"], p["group"], dict(p["attributes"])) for p in listed]

    def revised_by(self, map_id: str, job_id: str) -> bool:
        """Whether the job already recorded its revision of the map (a task run twice records it once)."""
        return any(
            e.decision == "revise" and e.note is not None and e.note.endswith(f"(job {job_id})")
            for e in self.review_events(map_id)
        )

    def review_events(self, map_id: str, *, owner: str | None = None) -> list[ReviewEvent]:
        """Every review decision on a map, in the order they were made."""
        return self._of_map(map_id, _ReviewEvent, ReviewEvent, owner)

    # ------------------------------------------------------------------------------------------ jobs

    def create_job(self, kind: str, message: str = "queued", **options: Unpack[JobOptions]) -> Job:
        """A new queued job; with an idempotency key already used by its owner, that earlier job instead."""
        return self.create_or_get_job(kind, message, **options)[0]

    def create_or_get_job(
        self,
        kind: str,
        message: str = "queued",
        *,
        owner: str | None = None,
        idempotency_key: str | None = None,
        request_hash: str | None = None,
        worker: str | None = None,
        lease_s: float | None = None,
        deadline_s: float | None = None,
    ) -> tuple[Job, bool]:
        """(the job, True) for a new job, or (the job made earlier with this idempotency key, False)."""
        if idempotency_key is not None:
            earlier = self.job_by_key(owner, idempotency_key)
            if earlier is not None:
                return earlier, False
        now = _now()
        row = _Job(
            id=uuid.uuid4().hex,
            kind=kind,
            status="queued",
            progress=0.0,
            message=message,
            created_at=now,
            updated_at=now,
            owner=owner,
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            worker=worker,
            lease_until=None if lease_s is None else now + timedelta(seconds=lease_s),
            deadline_at=None if deadline_s is None else now + timedelta(seconds=deadline_s),
        )
        try:
            with self._session() as session:
                session.add(row)
                session.commit()
                return Job.model_validate(row), True
        except IntegrityError:
            # Another request with the same key was first.
            earlier = self.job_by_key(owner, idempotency_key or "")
            if earlier is None:
                raise
            return earlier, False

    def job_by_key(self, owner: str | None, key: str) -> Job | None:
        """The job `owner` made with this idempotency key, if any."""
        with self._session() as session:
            same_owner = _Job.owner.is_(None) if owner is None else _Job.owner == owner
            row = session.scalars(select(_Job).where(same_owner, _Job.idempotency_key == key)).first()
            return None if row is None else Job.model_validate(row)

    def update_job(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: float | None = None,
        message: str | None = None,
        map_id: str | None = None,
        error: str | None = None,
        only_if: tuple[JobStatus, ...] | None = None,
    ) -> Job:
        """Change the given fields of a job; progress is kept within 0..1 and never goes back.

        With `only_if`, nothing changes unless the job's status is one of those (a job that was cancelled or
        failed meanwhile stays so)."""
        for attempt in range(_WRITE_TRIES):
            try:
                return self._update_job(job_id, status, progress, message, map_id, error, only_if)
            except OperationalError as exc:
                self._retry_busy(attempt, exc)
        raise AssertionError("unreachable")

    def _update_job(
        self,
        job_id: str,
        status: JobStatus | None,
        progress: float | None,
        message: str | None,
        map_id: str | None,
        error: str | None,
        only_if: tuple[JobStatus, ...] | None,
    ) -> Job:
        with self._session() as session:
            row = session.get(_Job, job_id, with_for_update=True)
            if row is None:
                raise NotFound(f"job '{job_id}' not found")
            if only_if is not None and row.status not in only_if:
                return Job.model_validate(row)
            if status is not None:
                row.status = status
            if progress is not None:
                row.progress = max(row.progress, min(1.0, max(0.0, progress)))
            if message is not None:
                row.message = message
            if map_id is not None:
                row.map_id = map_id
            if error is not None:
                row.error = error
            row.updated_at = _now()
            session.commit()
            return Job.model_validate(row)

    def release_key(self, job_id: str) -> None:
        """Free the job's idempotency key, so that a retry with it makes a new job (the job failed for a
        reason the retry may not meet: the backend was down, the service stopped)."""
        with self._session() as session:
            session.execute(update(_Job).where(_Job.id == job_id).values(idempotency_key=None))
            session.commit()

    def get_job(self, job_id: str, *, owner: str | None = None) -> Job:
        with self._session() as session:
            row = session.get(_Job, job_id)
            if row is None or not _owned(row.owner, owner):
                raise NotFound(f"job '{job_id}' not found")
            return Job.model_validate(row)

    def renew_leases(self, worker: str, lease_s: float) -> None:
        """The worker is alive: extend the lease of each of its unfinished jobs."""
        with self._session() as session:
            session.execute(
                update(_Job)
                .where(_Job.worker == worker, _Job.status.in_(UNFINISHED))
                .values(lease_until=_now() + timedelta(seconds=lease_s))
            )
            session.commit()

    def fail_stale_jobs(self) -> list[str]:
        """Fail every unfinished job whose worker stopped renewing its lease, or that ran past its deadline."""
        now = _now()
        failed = []
        reasons = {
            "lease": "the service stopped while the job was unfinished (restart or crash); submit it again",
            "deadline": "the job took longer than its time limit",
        }
        with self._session() as session:
            for reason, expired in (
                (
                    "lease",
                    and_(
                        or_(_Job.worker.is_(None), _Job.worker != QUEUE_WORKER),
                        or_(_Job.lease_until.is_(None), _Job.lease_until < now),
                    ),
                ),
                ("deadline", _Job.deadline_at < now),
            ):
                ids = list(session.scalars(select(_Job.id).where(_Job.status.in_(UNFINISHED), expired)))
                if ids:
                    # A job whose service stopped may be sent again with its idempotency key.
                    released = {"idempotency_key": None} if reason == "lease" else {}
                    session.execute(
                        update(_Job)
                        .where(_Job.id.in_(ids), _Job.status.in_(UNFINISHED))
                        .values(
                            status="failed",
                            message="failed",
                            error=reasons[reason],
                            updated_at=now,
                            **released,
                        )
                    )
                    failed += ids
            session.commit()
        return failed

    def put_part(self, job_id: str, name: str, data: str) -> str:
        """Keep `data` as the job's part `name` unless it is there already; return what is kept.

        A task that runs twice (its worker was killed after writing) hands on what the first run wrote."""
        try:
            with self._session() as session:
                session.add(_JobPart(job_id=job_id, name=name, data=data, created_at=_now()))
                session.commit()
                return data
        except IntegrityError:
            kept = self.part(job_id, name)
            assert kept is not None  # parts are never deleted while their job lives
            return kept

    def part(self, job_id: str, name: str) -> str | None:
        with self._session() as session:
            row = session.get(_JobPart, (job_id, name))
            return None if row is None else row.data

    def parts(self, job_id: str, prefix: str) -> dict[str, str]:
        """The job's parts whose names start with `prefix`, by name."""
        with self._session() as session:
            rows = session.execute(
                select(_JobPart.name, _JobPart.data).where(
                    _JobPart.job_id == job_id, _JobPart.name.startswith(prefix, autoescape=True)
                )
            )
            return {name: data for name, data in rows}

    def save_new_map(self, journey: JourneyMap, note: str | None = None, *, owner: str | None = None) -> bool:
        """Store `journey` as version 1 of a new map; False (and nothing written) when its id is taken."""
        with self._session() as session:
            if _next_version(session, journey, note, None, owner) is None:
                return False
            session.commit()
            return True

    def count_unfinished(self, worker: str) -> int:
        """How many jobs of `worker` are queued or running."""
        with self._session() as session:
            query = select(func.count()).where(_Job.worker == worker, _Job.status.in_(UNFINISHED))
            return int(session.scalar(query) or 0)

    def job_statuses(self, job_ids: list[str]) -> dict[str, JobStatus]:
        if not job_ids:
            return {}
        with self._session() as session:
            rows = session.execute(select(_Job.id, _Job.status).where(_Job.id.in_(job_ids)))
            return {job_id: cast(JobStatus, status) for job_id, status in rows}
