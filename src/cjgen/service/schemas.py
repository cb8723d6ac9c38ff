"""The public request and response shapes of the service: explicit, never the storage records themselves."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePath
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from cjgen import __version__
from cjgen.ingest import TRANSCRIPT_SUFFIXES
from cjgen.review import Action, Decision
from cjgen.schema import MapType
from cjgen.store import JobStatus

# Text transcripts only: a JSON body carries text, so .docx (a zip) cannot come this way.
TEXT_SUFFIXES: Final = tuple(s for s in TRANSCRIPT_SUFFIXES if s != ".docx")
MAX_TRANSCRIPT_CHARS: Final = 300_000
MAX_BRIEF_CHARS: Final = 50_000
MAX_EDIT_CHARS: Final = 2_000
# Larger numbers than any store can hold are refused as input, not passed on to the database.
MAX_VERSION: Final = 2**31 - 1
_FILE_NAME = re.compile(r"^[\w][\w .()\-]{0,119}$")
# File systems limit one name to 255 bytes, not characters; leave room for what the service adds to it.
MAX_FILE_NAME_BYTES: Final = 200


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class TranscriptIn(_In):
    name: str = Field(description="File name; its suffix says the format.", examples=["P1.txt"])
    content: str = Field(min_length=1, max_length=MAX_TRANSCRIPT_CHARS, description="The transcript text.")

    @field_validator("name")
    @classmethod
    def _plain_file_name(cls, name: str) -> str:
        if not _FILE_NAME.match(name) or name in (".", ".."):
            raise ValueError("must be a plain file name like 'P1.txt' (letters, digits, space, . _ - ( ))")
        if PurePath(name).suffix.lower() not in TEXT_SUFFIXES:
            raise ValueError(f"must end in one of {', '.join(TEXT_SUFFIXES)}")
        size = len(name.encode("utf-8"))
        if size > MAX_FILE_NAME_BYTES:
            raise ValueError(
                f"is {size} bytes in UTF-8, over the {MAX_FILE_NAME_BYTES} a file name may take; shorten it"
            )
        return name


class MapCreate(_In):
    brief: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_BRIEF_CHARS,
        description="The business brief as text (always text: never read as a file name).",
    )
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


EditText = Annotated[str, Field(max_length=MAX_EDIT_CHARS)]
EditValue = (
    EditText | StrictInt | Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=50)]
)


class ReviewCreate(_In):
    decision: Decision
    note: str | None = Field(None, max_length=4000)
    reviewer: str | None = Field(
        None,
        max_length=100,
        description="A display name; the review is recorded under the caller's key either way.",
    )
    edits: dict[str, EditValue] | None = Field(
        None, max_length=10, description="For 'edit': the item's fields to change."
    )
    expected_version: int | None = Field(
        None,
        ge=1,
        le=MAX_VERSION,
        description="The map version this review is based on; 409 if the map has moved on (or send If-Match).",
    )


class JobPublic(_Out):
    """A map job: poll it until `status` is done (then `map_id` is set), failed (`error` says why) or
    cancelled."""

    id: str
    kind: str
    status: JobStatus
    progress: float
    message: str
    map_id: str | None = None
    error: str | None = None
    created_at: datetime
    updated_at: datetime


class MapPublic(_Out):
    """One stored map, without its content."""

    id: str
    title: str
    map_type: str
    latest_version: int
    created_at: datetime
    updated_at: datetime


class VersionPublic(_Out):
    """One saved version of a map."""

    map_id: str
    version: int
    created_at: datetime
    note: str | None = None


class ReviewEventPublic(_Out):
    """One review decision or other change, and the version it made."""

    map_id: str
    version: int
    item_id: str
    decision: Action
    note: str | None = None
    reviewer: str | None = None
    edits: dict[str, Any] | None = None
    at: datetime


class Health(BaseModel):
    status: str = "ok"
    version: str = __version__
