"""How a transcript was read, in a form a person or a tool can check before a long run (`cjgen inspect`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SpeakerReport:
    speaker: str
    role: str
    turns: int
    words: int


@dataclass(frozen=True)
class TranscriptReport:
    """How a file was read, for checking before a long run (`cjgen inspect`)."""

    path: str
    format: str
    kind: str
    participant_id: str
    speakers: list[SpeakerReport]
    words_by_role: dict[str, int]
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> list[str]:
        """Plain lines: the file and format, one line per speaker, words per role, then warnings."""
        lines = [f"{self.path}: {self.format} ({self.kind}), participant {self.participant_id}"]
        width = max(len(s.speaker) for s in self.speakers)
        lines += [
            f"  {s.speaker:<{width}}  {s.role:<11}  {s.turns:>4} turns  {s.words:>6} words"
            for s in self.speakers
        ]
        lines.append("  words: " + ", ".join(f"{role} {n}" for role, n in self.words_by_role.items()))
        lines += [f"  warning: {w}" for w in self.warnings]
        return lines
