"""What each line of a text transcript is: a speaker label, a title or heading, a question heading, or text.

Lines are classified on their own first; a few decisions need neighbours (a short line between blank lines
that leads into the next turn is a section heading, not speech).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from cjgen.ingest.labels import (
    BARE_CLOCK,
    CLOCK,
    Label,
    is_interviewer_label,
    match_header,
    match_label,
    parse_clock,
)

LineKind = Literal["blank", "skip", "clock", "label", "header", "question", "text"]

_MD_HEADING = re.compile(r"^[ \t]*#{1,6}(?:[ \t]+|(?=[^\d\s#]))(?P<body>.*?)[ \t#]*$|^[ \t]*#{1,6}[ \t]*$")
_RULE = re.compile(r"^[ \t]*(?:[-*_=~][ \t]*){3,}$")
_EMPHASISED = re.compile(r"^[ \t]*(?P<em>\*{1,3}|_{1,2})(?P<body>[^*_\s].*?)(?P=em)[ \t]*$")
_WEBVTT = re.compile(r"^WEBVTT\b.*$")
# A list bullet before a line's text: `- P4: …`, `* Interviewer: …`, `• Moderator: …`.
_BULLET = re.compile(r"^[ \t]*[-*•+][ \t]+")
_TERMINAL = ".?!…:;\"”’')]»"
MAX_HEADING_WORDS = 8


@dataclass(frozen=True)
class Line:
    kind: LineKind
    text: str
    label: Label | None = None
    span: tuple[int, int] = (0, 0)  # the question of a question heading, as offsets into `text`
    clock: float | None = None


def classify(line: str) -> Line:
    if not line.strip():
        return Line("blank", line)
    if BARE_CLOCK.fullmatch(line):
        clock = re.search(CLOCK, line)
        return Line("clock", line, clock=parse_clock(clock.group(0)) if clock else None)
    if _RULE.fullmatch(line) or _WEBVTT.fullmatch(line):
        return Line("skip", line)
    heading = _MD_HEADING.fullmatch(line)
    if heading:
        return _heading(line, heading.start("body") if heading["body"] else -1, heading.end("body"))
    header = match_header(line)
    if header is not None:
        return Line("header", line, label=header)
    label = match_label(line)
    if label is not None:
        return Line("label", line, label=label)
    emphasised = _EMPHASISED.fullmatch(line)
    if emphasised:
        return _heading(line, emphasised.start("body"), emphasised.end("body"))
    return Line("text", line)


def _heading(line: str, start: int, end: int) -> Line:
    """A title, section heading or emphasised line: the interviewer's turn where it opens with their label
    (`#### Moderator: Before we start, a few things:`, whatever it ends with), a question heading if it asks
    something, else skipped."""
    label = match_label(line[start:end]) if start >= 0 else None
    if label is not None and is_interviewer_label(label.name):
        # The emphasis that closes the line is no part of what was said.
        return Line("label", line[:end], label=Label(label.name, True, label.start_s, start + label.length))
    if start >= 0 and line[start:end].rstrip().endswith("?"):
        return Line("question", line, span=(start, start + len(line[start:end].rstrip())))
    return Line("skip", line)


def looks_like_heading(line: str, *, strict: bool) -> bool:
    """A short line that names a section rather than saying something (`Background`, `WARM-UP`).

    `strict` (inside a labelled transcript, where a short answer may stand alone) also asks for title case:
    every word of four letters or more capitalised, or the whole line in capitals.
    """
    text = line.strip()
    words = text.split()
    if not words or len(words) > MAX_HEADING_WORDS or text[-1] in _TERMINAL or not text[0].isupper():
        return False
    if not strict:
        return True
    return text.upper() == text or all(w[0].isupper() or len(w) < 4 for w in words if w[0].isalpha())


def classify_all(text: str) -> list[Line]:
    return [classify(line) for line in text.split("\n")]


def bulleted_label(line: Line) -> Label | None:
    """The speaker label after a list bullet (`- P4: I did.`), as a label of the whole line, if it has one."""
    if line.kind != "text":
        return None
    bullet = _BULLET.match(line.text)
    label = match_label(line.text[bullet.end() :]) if bullet else None
    if bullet is None or label is None:
        return None
    return Label(label.name, label.explicit, label.start_s, bullet.end() + label.length)


def neighbours(lines: list[Line], i: int) -> tuple[Line | None, Line | None]:
    """The line before `i` and the next line after it that is not blank."""
    before = lines[i - 1] if i > 0 else None
    after = next((lines[k] for k in range(i + 1, len(lines)) if lines[k].kind != "blank"), None)
    return before, after


def non_blank(lines: list[Line]) -> Iterator[tuple[int, Line, bool]]:
    """Each line that is not blank, with whether blank lines came right before it (a paragraph break)."""
    gap = False
    for i, line in enumerate(lines):
        if line.kind == "blank":
            gap = True
            continue
        yield i, line, gap
        gap = False
