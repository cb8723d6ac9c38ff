"""What a format reader hands over: turns being assembled, before roles, ids and indices are settled."""

from __future__ import annotations

import re
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
    indent: int | None = None  # a labelled notes answer's: how far its first line is indented


def one_turn_per_run(turns: list[Draft], *, join_unnamed: bool = False) -> list[Draft]:
    """Consecutive turns of one speaker (and role) as one turn, each piece a segment of it with its time,
    joined by a space: subtitle cues, and the lines of a transcript written out from captions, cut one answer
    (often one sentence) into pieces. Turns with no speaker are joined only with `join_unnamed` (cues of a
    subtitle file that names no one; a notes answer stays apart)."""
    out: list[Draft] = []
    for turn in turns:
        last = out[-1] if out else None
        unnamed = last is not None and last.speaker is None and not join_unnamed
        if last is None or unnamed or (last.speaker, last.role) != (turn.speaker, turn.role):
            out.append(turn)
            continue
        if not last.segments:
            last.segments.append(Segment(start=0, end=len(last.text), start_s=last.start_s, end_s=last.end_s))
        last.text += " "
        start = len(last.text)
        last.segments.append(
            Segment(start=start, end=start + len(turn.text), start_s=turn.start_s, end_s=turn.end_s)
        )
        last.text += turn.text
        last.end_s = turn.end_s if turn.end_s is not None else last.end_s
    return out


# What a notes template holds where no answer was typed: `NOTES`, `*[Notes]*`, `Notes here`, `Add notes here`,
# `N/A`, `TBD`.
_PLACEHOLDER = re.compile(
    r"[\W_]*(?:(?:add|type|enter|insert)\s+)?(?:notes?|n/?a|tbd|todo)(?:\s+(?:here|go(?:es)?\s+here))?[\W_]*",
    re.IGNORECASE,
)


def is_placeholder(text: str) -> bool:
    """Whether `text` is a template's placeholder and no one's words (`_PLACEHOLDER`)."""
    return _PLACEHOLDER.fullmatch(text.strip()) is not None


# An HTML line break written into notes or a table cell (`Fine. <br/> Mostly.`, `Why? <br/>`), with the spaces
# and the line's own end around it: a line break in what was said, not words.
_HTML_BREAK = re.compile(r"[ \t]*(?:<br[ \t]*/?>[ \t]*)+\n?", re.IGNORECASE)


def without_html_breaks(turn: Draft) -> None:
    """Each HTML line break in a turn as the line break it stands for; a turn's timed pieces keep their words."""
    if "<" not in turn.text:
        return
    moved: list[tuple[int, int]] = []  # (end of a break in the old text, how far later text moves back)
    shift = 0

    def line_break(match: re.Match[str]) -> str:
        nonlocal shift
        shift += len(match[0]) - 1
        moved.append((match.end(), shift))
        return "\n"

    text = _HTML_BREAK.sub(line_break, turn.text)
    if not moved:
        return

    def new(at: int) -> int:
        back = 0
        for end, total in moved:
            if end > at:
                break
            back = total
        return at - back

    lead = len(text) - len(text.lstrip())
    turn.text = text.strip()
    turn.segments = [
        Segment(
            start=max(0, new(s.start) - lead),
            end=min(len(turn.text), max(0, new(s.end) - lead)),
            start_s=s.start_s,
            end_s=s.end_s,
        )
        for s in turn.segments
    ]


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
