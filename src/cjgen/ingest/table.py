"""Transcripts kept as a table (CSV or TSV): one row per turn, with a speaker column and a text column, as
transcription services and research repositories export them (start and end times read where present); or
one row per question, with a question column and an answer column, as notetakers keep interview notes in a
sheet.

A row with text but no speaker continues the speaker above (exports leave the name out after the first
row of a turn), and a speaker's consecutive rows are one turn, each row a timed segment of it. A table that
holds neither pair of columns is refused with the columns it has and the ones it needs.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from cjgen.errors import InputError
from cjgen.ingest.labels import CLOCK, parse_clock
from cjgen.ingest.parsed import Draft, Parsed, one_turn_per_run
from cjgen.ingest.text import INTERVIEWER

TABLE_SUFFIXES = (".csv", ".tsv")
# Column names as exports and notetakers write them, compared after `_column` (case, spaces, units).
SPEAKER_COLUMNS = ("speaker", "speaker name", "speaker label", "name", "who", "person", "role")
TEXT_COLUMNS = ("text", "transcript", "transcription", "utterance", "content", "words", "speech", "dialogue")
START_COLUMNS = ("start", "start time", "begin", "from", "time", "timestamp", "in", "time in")
END_COLUMNS = ("end", "end time", "stop", "to", "out", "time out")
QUESTION_COLUMNS = ("question", "questions", "interviewer", "interviewer question", "prompt")
ANSWER_COLUMNS = ("answer", "answers", "response", "responses", "reply", "participant answer", "notes")
_NEEDS = (
    "expected a header row with a speaker and a text column (e.g. 'speaker,text' or 'Speaker,Start,Text'), "
    "or a question and an answer column (e.g. 'Question,Answer')"
)
_UNIT = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_SEPARATORS = re.compile(r"[\s_\-]+")
_SAMPLE = 65_536


def _column(name: str | None) -> str:
    """A header cell compared loosely: `Start_Time (s)` reads as `start time`."""
    name = _UNIT.sub("", (name or "").replace("\ufeff", ""))
    return _SEPARATORS.sub(" ", name).strip().casefold()


def _find(header: Sequence[str], names: Sequence[str]) -> int | None:
    """The first column of `header` (already `_column`-ed) named by `names`, in the order `names` prefers."""
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _dialect(text: str, suffix: str) -> type[csv.Dialect] | csv.Dialect:
    if suffix == ".tsv":
        return csv.excel_tab
    try:
        return csv.Sniffer().sniff(text[:_SAMPLE].split("\n", 1)[0] or text[:_SAMPLE], delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _rows(text: str, suffix: str, where: str) -> list[tuple[int, list[str]]]:
    """The table's non-blank rows, each with the line it ends on (a quoted cell may hold line breaks)."""
    reader = csv.reader(io.StringIO(text), _dialect(text, suffix), strict=True)
    try:
        return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        where = f"{where}, line {reader.line_num}"
        raise InputError(where, f"is not a readable table ({exc}); save it as CSV with a header row") from exc


def _columns(rows: list[tuple[int, list[str]]]) -> tuple[list[str], dict[str, int | None]]:
    header = [_column(cell) for cell in rows[0][1]] if rows else []
    found = {
        "speaker": _find(header, SPEAKER_COLUMNS),
        "text": _find(header, TEXT_COLUMNS),
        "start": _find(header, START_COLUMNS),
        "end": _find(header, END_COLUMNS),
        "question": _find(header, QUESTION_COLUMNS),
        "answer": _find(header, ANSWER_COLUMNS),
    }
    return header, found


def is_turn_table(path: Path) -> bool:
    """Whether a table file's header names the columns of a transcript (a participant list does not), so that
    a folder of transcripts may hold the study's participant list beside them."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE).decode("utf-8-sig", errors="replace")
    except OSError:
        return True  # reading it again will name the problem
    try:
        _, found = _columns(_rows(head.split("\n", 1)[0], path.suffix.lower(), str(path)))
    except InputError:
        return True
    return _shape(found) is not None


def _shape(found: dict[str, int | None]) -> str | None:
    if found["speaker"] is not None and found["text"] is not None:
        return "turns"
    if found["question"] is not None and found["answer"] is not None:
        return "questions"
    return None


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _seconds(value: str, where: str, line: int, column: str) -> float | None:
    """Seconds from a number of seconds or a clock (`01:02`, `00:01:02.500`); None where the cell is empty."""
    if not value:
        return None
    if re.fullmatch(CLOCK, value):
        return parse_clock(value)
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise InputError(
            where, f"line {line}: '{column}' must be seconds or a time like '00:01:02', not {value!r:.40}"
        )
    return seconds


def table_turns(text: str, suffix: str, where: str) -> Parsed:
    rows = _rows(text, suffix, where)
    header, found = _columns(rows)
    shape = _shape(found)
    if shape is None:
        shown = ", ".join(repr(cell) for cell in rows[0][1][:8]) if rows else "none"
        raise InputError(where, f"{_NEEDS}; its columns are {shown}")
    if shape == "questions":
        parsed = _question_rows(rows[1:], found, len(header), where)
    else:
        parsed = _turn_rows(rows[1:], found, header, where)
    if not parsed.drafts:
        raise InputError(where, "has a header row but no row with text; give one row per turn")
    return parsed


def _check_width(row: list[str], width: int, where: str, line: int) -> None:
    """A row with more filled cells than the header has columns lost part of a cell to an unquoted separator
    ("Good; very good." in a table separated by semicolons): refused rather than read short."""
    if any(cell.strip() for cell in row[width:]):
        raise InputError(
            where,
            f"line {line} has {len(row)} cells but the header has {width} columns; put text that holds the "
            "separator in double quotes",
        )


def _turn_rows(
    rows: list[tuple[int, list[str]]], found: dict[str, int | None], header: list[str], where: str
) -> Parsed:
    named = header[found["speaker"] or 0]
    drafts: list[Draft] = []
    speaker = ""
    for line, row in rows:
        _check_width(row, len(header), where, line)
        body = _cell(row, found["text"])
        speaker = _cell(row, found["speaker"]) or speaker
        if not body:
            continue
        if not speaker:
            raise InputError(where, f"line {line} has text but no speaker; fill in its '{named}' column")
        start_s = _seconds(_cell(row, found["start"]), where, line, "start")
        end_s = _seconds(_cell(row, found["end"]), where, line, "end")
        drafts.append(Draft(speaker, body, start_s=start_s, end_s=end_s))
    return Parsed(one_turn_per_run(drafts), "table of turns (speaker, text)")


def _question_rows(
    rows: list[tuple[int, list[str]]], found: dict[str, int | None], width: int, where: str
) -> Parsed:
    """Each row's question as an interviewer turn and its answer as the participant's; the answers are a
    notetaker's notes, kept exactly as written."""
    drafts: list[Draft] = []
    for line, row in rows:
        _check_width(row, width, where, line)
        question, answer = _cell(row, found["question"]), _cell(row, found["answer"])
        if question:
            drafts.append(Draft(INTERVIEWER, question, role="interviewer"))
        if answer:
            drafts.append(Draft(None, answer, role="participant"))
    parsed = Parsed(drafts, "table of questions and answers")
    parsed.kind = "notes"
    return parsed
