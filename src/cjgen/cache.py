"""Model responses cached by content hash in SQLite (any SQLAlchemy URL works)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Integer, String, Text, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class _Base(DeclarativeBase):
    pass


class _Response(_Base):
    __tablename__ = "responses"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(200))
    prompt_id: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)


@dataclass(frozen=True)
class CachedResponse:
    text: str
    prompt_tokens: int
    completion_tokens: int


def cache_key(**parts: Any) -> str:
    """Hash of everything that decides a response: prompt id, template hash, model, parameters, messages."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = create_engine(url)
        _Base.metadata.create_all(self._engine)
        self._lock = threading.Lock()

    @classmethod
    def in_dir(cls, directory: Path) -> ResponseCache:
        directory.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{directory / 'responses.sqlite3'}")

    def get(self, key: str) -> CachedResponse | None:
        with self._lock, Session(self._engine) as session:
            row = session.scalar(select(_Response).where(_Response.key == key))
            if row is None:
                return None
            return CachedResponse(row.text, row.prompt_tokens, row.completion_tokens)

    def put(self, key: str, *, model: str, prompt_id: str, response: CachedResponse) -> None:
        with self._lock, Session(self._engine) as session:
            session.merge(
                _Response(
                    key=key,
                    model=model,
                    prompt_id=prompt_id,
                    text=response.text,
                    prompt_tokens=response.prompt_tokens,
                    completion_tokens=response.completion_tokens,
                    created_at=datetime.now(UTC),
                )
            )
            session.commit()
