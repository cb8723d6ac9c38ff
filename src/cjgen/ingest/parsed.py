"""What a format reader hands over: turns being assembled, before roles, ids and indices are settled."""

from __future__ import annotations

from dataclasses import dataclass, field

from cjgen.schema import Role, Segment, SourceKind


@dataclass
class Draft:
    """A turn being assembled. `speaker` None is the participant of a notes file; `role` None is decided later."""

    speaker: str | None
    text: str
    start_s: float | None = None
    end_s: float | None = None
    segments: list[Segment] = field(default_factory=list)
    role: Role | None = None


@dataclass
class Parsed:
    drafts: list[Draft]
    format: str  # how the file was read, in words, for `cjgen inspect`
    kind: SourceKind = "verbatim"
    warnings: list[str] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # shown by `cjgen inspect` only, not logged on every run
    interviewer_names: set[str] = field(default_factory=set)  # from a metadata header (`Moderator: Kim`)
    participant_names: set[str] = field(default_factory=set)
    participant_id: str | None = None  # declared by the file itself

    def add_names(self, key_is_interviewer: bool, names: list[str]) -> None:
        (self.interviewer_names if key_is_interviewer else self.participant_names).update(names)
