"""The public request and response shapes of the service: explicit, never the storage records themselves."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from pathlib import PurePath
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationInfo,
    field_validator,
)

from cjgen.ingest import TRANSCRIPT_SUFFIXES
from cjgen.participants import Participant
from cjgen.review import Action, Decision
from cjgen.schema import LeftOut, MapType, Severity
from cjgen.store import JobStatus
from cjgen.version import __version__

# Files that are not text (a .docx is a zip): a JSON body carries them as their bytes in base64.
BINARY_SUFFIXES: Final = (".docx", ".pdf", ".xlsx")
MAX_TRANSCRIPT_CHARS: Final = 300_000
# A file sent as base64: 3 MB of bytes at most (a long interview's .docx or PDF is well under 1 MB).
MAX_BASE64_CHARS: Final = 4_000_000
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
    encoding: Literal["text", "base64"] = Field(
        "text",
        description="How `content` holds the file: `text`, or `base64` for its bytes (a .docx, .pdf or .xlsx must "
        "come this way; a text file may, in any encoding the CLI reads).",
    )
    content: str = Field(
        min_length=1,
        max_length=MAX_BASE64_CHARS,
        description=f"The transcript's text ({MAX_TRANSCRIPT_CHARS:,} characters at most), or its file's "
        "bytes in base64.",
    )

    @field_validator("name")
    @classmethod
    def _plain_file_name(cls, name: str) -> str:
        if not _FILE_NAME.match(name) or name in (".", ".."):
            raise ValueError("must be a plain file name like 'P1.txt' (letters, digits, space, . _ - ( ))")
        if PurePath(name).suffix.lower() not in TRANSCRIPT_SUFFIXES:
            raise ValueError(f"must end in one of {', '.join(TRANSCRIPT_SUFFIXES)}")
        size = len(name.encode("utf-8"))
        if size > MAX_FILE_NAME_BYTES:
            raise ValueError(
                f"is {size} bytes in UTF-8, over the {MAX_FILE_NAME_BYTES} a file name may take; shorten it"
            )
        return name

    @field_validator("content")
    @classmethod
    def _content_as_encoded(cls, content: str, info: ValidationInfo) -> str:
        if info.data.get("encoding") == "base64":
            file_bytes(content)
            return content
        suffix = PurePath(info.data.get("name", "")).suffix.lower()
        if suffix in BINARY_SUFFIXES:
            raise ValueError(f"a {suffix} file is not text: send its bytes in base64 with encoding 'base64'")
        if suffix == ".rtf" and not content.lstrip().startswith("{\\rtf"):
            raise ValueError(
                "is not Rich Text (it does not start with '{\\rtf'); send the file's text as saved"
            )
        if len(content) > MAX_TRANSCRIPT_CHARS:
            raise ValueError(
                f"is {len(content):,} characters, over the {MAX_TRANSCRIPT_CHARS:,} a transcript may take"
            )
        return content

    def file_bytes(self) -> bytes:
        """The file the request sent: its text in UTF-8, or the bytes its base64 stands for."""
        return file_bytes(self.content) if self.encoding == "base64" else self.content.encode("utf-8")


def file_bytes(encoded: str) -> bytes:
    """The bytes of a base64 text (line breaks allowed, as encoders wrap it), else a ValueError."""
    try:
        return base64.b64decode("".join(encoded.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"is not valid base64 ({exc}); encode the file's bytes in standard base64") from None


class ParticipantIn(_In):
    """One row of the study's participant list (as `cjgen map --participants` reads from a file)."""

    id: str = Field(
        min_length=1,
        max_length=200,
        description="The participant's id as cjgen reads it from a transcript ('P1' from 'P1.txt').",
    )
    group: str = Field(min_length=1, max_length=200, description="The group they were recruited into.")
    attributes: dict[Annotated[str, Field(max_length=100)], Annotated[str, Field(max_length=200)]] = Field(
        default_factory=dict, max_length=50, description="Anything else the list says of them."
    )


def one_group_each(participants: list[ParticipantIn]) -> list[ParticipantIn]:
    """The list, else a ValueError naming an id given two groups."""
    groups: dict[str, str] = {}
    for p in participants:
        if groups.setdefault(p.id.strip(), p.group.strip()) != p.group.strip():
            raise ValueError(f"participant '{p.id}' is in two groups; give each id one group")
    return participants


# Speaker names a request reads as the interviewer (as `--interviewer` does); else who asks is guessed.
Interviewers = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]],
    Field(
        max_length=20,
        description="Speaker names to read as the interviewer, every other speaker a participant "
        "(as `cjgen map --interviewer`); default: the speaker who asks the questions.",
    ),
]
# A participant list of a request: at most this many rows, each id in one group.
ParticipantList = Annotated[list[ParticipantIn], Field(max_length=1000), AfterValidator(one_group_each)]


def participant_list(participants: list[ParticipantIn]) -> list[Participant]:
    """The request's participant list as the pipeline takes it."""
    listed = {
        p.id.strip(): Participant(p.id.strip(), p.group.strip(), dict(p.attributes)) for p in participants
    }
    return list(listed.values())


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
    participants: ParticipantList = Field(
        default_factory=list,
        description="The study's participant list: given, the map's personas are its groups, exactly.",
    )
    interviewers: Interviewers = Field(default_factory=list)

    @field_validator("transcripts")
    @classmethod
    def _distinct_names(cls, transcripts: list[TranscriptIn]) -> list[TranscriptIn]:
        return distinct_names(transcripts)


def distinct_names(transcripts: list[TranscriptIn]) -> list[TranscriptIn]:
    """The transcripts, each under a name of its own (case aside), else a ValueError naming the repeats."""
    names = [t.name.casefold() for t in transcripts]
    repeated = sorted({t.name for t in transcripts if names.count(t.name.casefold()) > 1})
    if repeated:
        raise ValueError(f"each transcript needs its own name; repeated: {', '.join(repeated)}")
    return transcripts


class SummarizeRequest(TranscriptIn):
    redact: bool = True
    interviewers: Interviewers = Field(default_factory=list)
    study: list[TranscriptIn] = Field(
        default_factory=list,
        max_length=100,
        description="The study's other transcripts (not summarised): read with this one, as a map reads a "
        "study, so that conversation-guide text a notetaker typed into every file is the interviewer's.",
    )

    @field_validator("study")
    @classmethod
    def _distinct_study(cls, study: list[TranscriptIn]) -> list[TranscriptIn]:
        return distinct_names(study)


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


Note = Annotated[str | None, Field(None, max_length=4000)]
DisplayName = Annotated[
    str | None,
    Field(None, max_length=100, description="A display name; the change is recorded under the caller's key."),
]
ItemId = Annotated[str, Field(min_length=1, max_length=200)]


class ChangeIn(_In):
    """What every change takes: a note, and who made it."""

    note: Note = None
    reviewer: DisplayName = None


class AttachCreate(ChangeIn):
    item_id: ItemId


class NewItemCreate(ChangeIn):
    stage_id: ItemId
    kind: Literal["pain_points", "delights"] | None = Field(
        None, description="Default: by the sentence's label (a likely problem, or a good moment)."
    )
    statement: str | None = Field(None, min_length=1, max_length=MAX_EDIT_CHARS)
    severity: Severity = 2
    persona_ids: list[ItemId] = Field(default_factory=list, max_length=50)


class MoveQuote(ChangeIn):
    to_item_id: ItemId


class MergeCreate(ChangeIn):
    item_ids: list[ItemId] = Field(min_length=2, max_length=20, description="The first keeps its id.")


class SplitCreate(ChangeIn):
    quotes: list[ItemId] = Field(min_length=1, max_length=100, description="Quote keys for the new item.")
    text: str | None = Field(None, min_length=1, max_length=MAX_EDIT_CHARS)


class RevisionCreate(_In):
    """New interviews, or interviews replacing those of the same name; the map's other inputs are reused."""

    transcripts: list[TranscriptIn] = Field(min_length=1, max_length=100)
    brief: str | None = Field(
        None, min_length=1, max_length=MAX_BRIEF_CHARS, description="A new brief; default the map's own."
    )
    participants: ParticipantList = Field(
        default_factory=list,
        description="A new participant list; default the one the map was made with, if any.",
    )
    interviewers: Interviewers = Field(default_factory=list)


class LeftOutGroup(BaseModel):
    participant_id: str
    sentences: list[LeftOut]


class LeftOutPublic(BaseModel):
    """What the map left out, per participant, strongest first."""

    strong_sentences: int
    share: float | None = Field(description="The share of strong sentences that no item cites.")
    participants: list[LeftOutGroup]


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
