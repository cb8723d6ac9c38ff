"""Speaker labels and what they say about roles: `P1:`, `**Moderator:**`, `00:01:11 Name:`, `Name  0:03`.

A label is only a candidate here; which candidates are speakers is decided over the whole file (a one-off
`Note:` in prose is text, not a speaker).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_NAME = r"[^\W_][\w.'’\-]*(?:[ ][\w.'’\-]+){0,3}"
# A role with the person in brackets: `Interviewer (Kim):`, `Participant (P4):`.
_WHO = r"(?:[ \t]*\([^()\n:]{1,30}\))?"
_EM = r"\*{1,3}|_{1,2}"
# Emphasised, a label may name two who answer together: `**Veteran, Caregiver**: Online, definitely.`
_JOINT = rf"{_NAME}(?:,[ ]{_NAME})?"
# A speaker label at the start of a line, plain, bold or italic, with an optional timestamp (or a time range)
# before it (`00:01:11 Name:`, `[00:01:11] Name:`, `(00:01:11) Name:`, `00:01:11 - 00:01:20 Name:`), after the
# name (`Name (00:01:11):`) or after the colon (`Name: [00:01:11] …`), or in square brackets (`[Name] :`); a
# Markdown quote mark or an HTML line break may open the line (`> P2: Sure.`: one side's lines set apart as
# quotes; `<br>M: And then?`: a line break written as HTML in a notes table or list). Emphasis opened
# before a plain label and never closed on its line (`**Moderator: What do you do?`) is a notetaker's slip; a
# line emphasised whole (`**Moderator: Before we start:**`) is read as emphasised (`lines.classify`).
_LABEL = re.compile(
    rf"""^[ \t]*
    (?:>[ \t]*)?(?:<br[ \t]*/?>[ \t]*)*
    (?:[\[(]?(?P<ts_pre>{CLOCK})(?:[ \t]*(?:-->|[-–])[ \t]*{CLOCK})?[\])]?[ \t]*(?:[-–|][ \t]*)?)?
    (?:
        (?P<em>{_EM})(?P<bold>{_JOINT}{_WHO})(?:[ \t]*[(\[](?P<ts_bold>{CLOCK})[)\]])?(?::(?P=em)|(?P=em):)
      | (?:(?P<open>{_EM})(?=[^\W_]))?(?P<plain>{_NAME}{_WHO})(?:[ \t]*[(\[](?P<ts_post>{CLOCK})[)\]])?:
      | \[(?P<square>{_NAME}{_WHO})\][ \t]*:
    )
    (?!//)
    [ \t]*
    (?:[\[(](?P<ts_after>{CLOCK})[\])][ \t]*)?""",
    re.VERBOSE,
)
# A line that only names the speaker and a time, the text following on the next lines (Otter, Teams):
# `Name  0:03`, `Name 00:01:11`, `[Name] 00:01:11`, `Name - 00:01:11`, `Name | 0:03`, `**Name** (0:03)`,
# `Name [00:01:11]`, `Name, 00:01:11` ...
_SEPARATOR = r"(?:[ \t]*[-–—|·,@][ \t]*|[ \t]+)"
_HEADER = re.compile(
    rf"""^(?:\[(?P<bracketed>{_NAME})\]|(?P<em>{_EM})(?P<emphasised>{_NAME})(?P=em)|(?P<name>{_NAME}))
    {_SEPARATOR}[\[(]?(?P<clock>{CLOCK})[\])]?[ \t]*$""",
    re.VERBOSE,
)
# ... or the time first (Trint, Descript): `[00:01:11] Name`, `00:01:11 - Name`.
_CLOCK_FIRST_HEADER = re.compile(
    rf"^[\[(]?(?P<clock>{CLOCK})[\])]?{_SEPARATOR}(?:\[(?P<bracketed>{_NAME})\]|(?P<name>{_NAME}))[ \t]*$"
)
_NAME_END = " \t-–—|·"
_BRACKETED = re.compile(rf"^\[(?P<name>{_NAME})\][ \t]+(?P<clock>{CLOCK})[ \t]*:?[ \t]+")
BARE_CLOCK = re.compile(rf"^[ \t]*[\[(]?{CLOCK}[\])]?(?:[ \t]*-->[ \t]*{CLOCK}.*)?[ \t]*$")
MAX_NAME = 40

# "Interviewer 2", "Researcher Kim", "Host", "M", "Mod", "Q", "I", "Int"; not "Interviewee", "Hostess" or "Ingrid".
_INTERVIEWER = re.compile(
    r"(?:interviewer|moderator|researcher|facilitator)\b.*|(?:host|int|mod|i|q|m)(?:[ _-]?\d+)?",
    re.IGNORECASE,
)
# Labels that name the participant side without being the participant's own code, companions included.
_PARTICIPANT_WORD = re.compile(
    r"(?:participant|respondent|interviewee|customer|user|p|r|a"
    r"|companion|partner|spouse|wife|husband|carer|caregiver|parent|mother|father|son|daughter|friend)"
    r"(?:[ _-]?\d+)?",
    re.IGNORECASE,
)
_TEAM_NOTE = re.compile(r"(?:notes?|note[ _-]?takers?|observers?|observations?)(?:[ _-]?\d+)?", re.IGNORECASE)
ID_LIKE = re.compile(r"[A-Za-z]{1,4}[-_]?\d{1,4}")
# Keys of a metadata header block (`**Date:** 4 March`), never speakers.
_METADATA_KEYS = frozenset(
    {
        "date",
        "time",
        "duration",
        "length",
        "location",
        "place",
        "venue",
        "setting",
        "format",
        "method",
        "mode",
        "platform",
        "medium",
        "recorded",
        "recording",
        "project",
        "study",
        "session",
        "title",
        "topic",
        "subject",
        "transcript",
        "interview",
        "notetaker",
        "note",
        "notes",
        "observer",
        "observers",
        "attendees",
        "participants",
        "interviewers",
        "moderators",
        "researchers",
        "language",
        "company",
        "organisation",
        "organization",
        "team",
        "product",
        "segment",
        "persona",
        "age",
        "gender",
        "occupation",
        "job",
        "role",
        "source",
        "version",
        "status",
        "type",
        "tags",
        "id",
        "code",
    }
)


@dataclass(frozen=True)
class Label:
    name: str
    explicit: bool  # emphasised or timestamped: a label by its form alone
    start_s: float | None
    length: int  # characters of the line taken by the label and the whitespace after it
    clock_first: bool = False  # a header line that gives the time before the name


def match_label(line: str) -> Label | None:
    match = _LABEL.match(line)
    if match is None:
        return _match_bracketed(line)
    name = match["bold"] or match["plain"] or match["square"]
    if len(name) > MAX_NAME or not name[0].isalpha():
        return None
    if match["open"] and line.rstrip().endswith(match["open"]):
        return None
    clock = match["ts_pre"] or match["ts_bold"] or match["ts_post"] or match["ts_after"]
    explicit = match["bold"] is not None or clock is not None
    return Label(name, explicit, parse_clock(clock) if clock else None, match.end())


def _match_bracketed(line: str) -> Label | None:
    """`[Name] 00:01:11 text` (Zoom caption files): the time makes it a label; `[inaudible] text` is not one."""
    match = _BRACKETED.match(line)
    if match is None or match.end() >= len(line.rstrip()):
        return None
    name = match["name"].strip()
    if len(name) > MAX_NAME or not name[0].isalpha() or is_metadata_key(name):
        return None
    return Label(name, True, parse_clock(match["clock"]), match.end())


def match_header(line: str) -> Label | None:
    """A speaker-and-time line whose text follows on the next lines; `length` is the whole line."""
    match = _HEADER.match(line)
    first = match is None
    if first:
        match = _CLOCK_FIRST_HEADER.match(line)
    if match is None:
        return None
    name = (
        (match["bracketed"] or match.groupdict().get("emphasised") or match["name"]).strip().rstrip(_NAME_END)
    )
    if not name or len(name) > MAX_NAME or not name[0].isalpha() or is_metadata_key(name):
        return None
    return Label(name, True, parse_clock(match["clock"]), len(line), clock_first=first)


def parse_clock(value: str) -> float:
    """Seconds in `[hh:]mm:ss[.mmm]` (a comma before the fraction is allowed, as in SubRip)."""
    seconds = 0.0
    for part in value.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return round(seconds, 3)


def split_who(speaker: str) -> tuple[str, str | None]:
    """`Participant (P4)` → (`Participant`, `P4`); a name without brackets → (name, None)."""
    match = re.fullmatch(r"(.*?)[ \t]*\(([^()]*)\)", speaker.strip())
    return (match[1], match[2].strip()) if match else (speaker.strip(), None)


def is_interviewer_label(speaker: str) -> bool:
    """`Moderator`, `Interviewer (Kim)`, `Kim (moderator)`."""
    return any(_INTERVIEWER.fullmatch(part) is not None for part in split_who(speaker) if part)


def is_team_note(speaker: str) -> bool:
    """A label for the research team's own remark, not a speaker of the interview (`Notetaker: Participant
    liked the list`, `Note: …`, `Observer: …`): its words are never the participant's."""
    return _TEAM_NOTE.fullmatch(speaker.strip()) is not None


def is_participant_label(speaker: str) -> bool:
    """`P`, `Participant (P4)`, `Maria (carer)`, `P12`."""
    if is_interviewer_label(speaker):
        return False
    return any(
        _PARTICIPANT_WORD.fullmatch(part) is not None or ID_LIKE.fullmatch(part) is not None
        for part in split_who(speaker)
        if part
    )


def is_id_like(speaker: str) -> bool:
    return ID_LIKE.fullmatch(speaker.strip()) is not None and not is_interviewer_label(speaker)


def is_metadata_key(name: str) -> bool:
    return name.strip().casefold() in _METADATA_KEYS


def is_role_key(name: str) -> bool:
    """A label that could head a metadata line naming people (`Moderator: Kim`, `Participant: P04`)."""
    return is_interviewer_label(name) or is_participant_label(name)


def accepted_labels(labels: Iterable[Label], *, allow_single: bool = True) -> set[str]:
    """Names taken as speakers.

    A plain `Word:` at the start of a line may be prose ("Note: ..."). It counts as a speaker when it names a
    role or a participant code, recurs in the file, or (with `allow_single`) when no label recurs at all (a very
    short file). Metadata keys (`Date:`) are never speakers.
    """
    labels = [label for label in labels if not is_metadata_key(label.name)]
    counts = Counter(label.name for label in labels)
    recurring = any(n >= 2 for n in counts.values())
    return {
        label.name
        for label in labels
        if label.explicit
        or is_interviewer_label(label.name)
        or is_participant_label(label.name)
        or counts[label.name] >= 2
        or (allow_single and not recurring)
    }


def names_in(value: str) -> list[str]:
    """The names in a metadata value: `Kim, Lee and Sam` → Kim, Lee, Sam."""
    parts = re.split(r"\s*(?:,|;|&|/|\band\b)\s*", value.strip().strip("*_").strip())
    return [re.sub(r"\s*\(.*?\)\s*$", "", p).strip() for p in parts if p.strip()]


def name_like(value: str) -> bool:
    """A short value that names people rather than saying something (`Kim`, `Dana (P04)`, not `Okay.`)."""
    value = value.strip().strip("*_").strip()
    return bool(value) and len(value.split()) <= 6 and value[-1] not in ".?!…" and value[0].isupper()
