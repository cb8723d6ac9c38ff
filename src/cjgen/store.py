"""Maps with their versions and review decisions, and the service's jobs, in any SQLAlchemy database.

SQLite under the user data dir by default; any database URL works (e.g. PostgreSQL). Every version of a map
is kept whole as JSON, so any version can be read, exported or compared later. The store is safe to share
between threads: each call opens its own session and writes hold one lock, so a review reads the latest
version and saves the next without a race (the primary key on (map_id, version) guards other processes).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import platformdirs
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, create_engine, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from cjgen.errors import CjgenError
from cjgen.review import Decision, apply_review
from cjgen.schema import JourneyMap

JobStatus = Literal["queued", "running", "done", "failed"]
R = TypeVar("R", bound=BaseModel)


class NotFound(CjgenError):
    """A map, map version or job id the store does not hold."""


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


class _MapVersion(_Base):
    __tablename__ = "map_versions"

    map_id: Mapped[str] = mapped_column(ForeignKey("maps.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


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


# --------------------------------------------------------------------------------------------- records


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


class VersionInfo(Record):
    map_id: str
    version: int
    created_at: UtcDatetime
    note: str | None = None


class ReviewEvent(Record):
    map_id: str
    version: int
    item_id: str
    decision: Decision
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


# --------------------------------------------------------------------------------------------- store


def _add_version(session: Session, journey: JourneyMap, note: str | None) -> int:
    now = _now()
    row = session.get(_Map, journey.id)
    version = 1 if row is None else row.latest_version + 1
    if row is None:
        row = _Map(id=journey.id, created_at=now)
        session.add(row)
    row.title = journey.title
    row.map_type = journey.map_type
    row.latest_version = version
    row.updated_at = now
    stored = journey.model_copy(update={"version": version})
    session.add(
        _MapVersion(
            map_id=journey.id, version=version, json=stored.model_dump_json(), created_at=now, note=note
        )
    )
    return version


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    in_memory = parsed.database in (None, "", ":memory:")
    if not in_memory and parsed.database is not None:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    # Jobs write from worker threads; an in-memory database must be one shared connection to be seen at all.
    return create_engine(
        url,
        connect_args={"check_same_thread": False},
        poolclass=StaticPool if in_memory else None,
    )


class Store:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_database_url()
        self._engine = _engine(self.url)
        _Base.metadata.create_all(self._engine)
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)
        self._write = threading.RLock()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def close(self) -> None:
        self._engine.dispose()

    # ------------------------------------------------------------------------------------------ maps

    def save_map(self, journey: JourneyMap, note: str | None = None) -> int:
        """Store `journey` as a new map (version 1) or as the next version of the map with its id."""
        with self._write, self._session() as session:
            version = _add_version(session, journey, note)
            session.commit()
            return version

    def get_map(self, map_id: str, version: int | None = None) -> JourneyMap:
        """The latest version of a map, or the one asked for."""
        with self._session() as session:
            row = session.get(_Map, map_id)
            if row is None:
                raise NotFound(f"map '{map_id}' not found")
            stored = session.get(_MapVersion, (map_id, version or row.latest_version))
            if stored is None:
                raise NotFound(f"map '{map_id}' has no version {version} (latest is {row.latest_version})")
            return JourneyMap.model_validate_json(stored.json)

    def list_maps(self) -> list[MapInfo]:
        """Every map, most recently changed first."""
        with self._session() as session:
            rows = session.scalars(select(_Map).order_by(_Map.updated_at.desc(), _Map.id))
            return [MapInfo.model_validate(r) for r in rows]

    def map_info(self, map_id: str) -> MapInfo:
        with self._session() as session:
            row = session.get(_Map, map_id)
            if row is None:
                raise NotFound(f"map '{map_id}' not found")
            return MapInfo.model_validate(row)

    def versions(self, map_id: str) -> list[VersionInfo]:
        """The map's versions, oldest first."""
        return self._of_map(map_id, _MapVersion, VersionInfo)

    def _of_map(self, map_id: str, table: type[_MapVersion | _ReviewEvent], record: type[R]) -> list[R]:
        """A map's rows of one table, in the order they were written; NotFound for an unknown map."""
        self.map_info(map_id)
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
    ) -> JourneyMap:
        """Apply a decision to the latest version, store the result as the next version, log the event."""
        with self._write:
            at = _now()
            current = self.get_map(map_id)
            reviewed = apply_review(
                current, item_id, decision, note=note, reviewer=reviewer, edits=edits, at=at
            )
            # The version and its event are written together, or not at all.
            with self._session() as session:
                version = _add_version(session, reviewed, f"review: {decision} {item_id}")
                session.add(
                    _ReviewEvent(
                        map_id=map_id,
                        version=version,
                        item_id=item_id,
                        decision=decision,
                        note=note,
                        reviewer=reviewer,
                        edits=json.dumps(edits, sort_keys=True) if edits else None,
                        at=at,
                    )
                )
                session.commit()
            return reviewed.model_copy(update={"version": version})

    def review_events(self, map_id: str) -> list[ReviewEvent]:
        """Every review decision on a map, in the order they were made."""
        return self._of_map(map_id, _ReviewEvent, ReviewEvent)

    # ------------------------------------------------------------------------------------------ jobs

    def create_job(self, kind: str, message: str = "queued") -> Job:
        now = _now()
        row = _Job(
            id=uuid.uuid4().hex,
            kind=kind,
            status="queued",
            progress=0.0,
            message=message,
            created_at=now,
            updated_at=now,
        )
        with self._write, self._session() as session:
            session.add(row)
            session.commit()
            return Job.model_validate(row)

    def update_job(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: float | None = None,
        message: str | None = None,
        map_id: str | None = None,
        error: str | None = None,
    ) -> Job:
        """Change the given fields of a job; progress is kept within 0..1 and never goes back."""
        with self._write, self._session() as session:
            row = session.get(_Job, job_id)
            if row is None:
                raise NotFound(f"job '{job_id}' not found")
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

    def get_job(self, job_id: str) -> Job:
        with self._session() as session:
            row = session.get(_Job, job_id)
            if row is None:
                raise NotFound(f"job '{job_id}' not found")
            return Job.model_validate(row)
