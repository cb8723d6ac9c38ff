"""Transcripts kept as a table (CSV, TSV or an Excel workbook): one row per turn, with a speaker column and a text column, as
transcription services and research repositories export them (start and end times read where present); or
one row per question, with a question column and an answer column, as notetakers keep interview notes in a
sheet.

A row with text but no speaker continues the speaker above (exports leave the name out after the first
row of a turn), and a speaker's consecutive rows are one turn, each row a timed segment of it. A table that
holds neither pair of columns is refused with the columns it has and the ones it needs. A workbook is read
from the one sheet that holds such a table; one with several is refused (one interview per file).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import warnings
from collections.abc import Sequence
from pathlib import Path

from cjgen.errors import InputError
from cjgen.ingest.files import check_unpacked, normalise_newlines
from cjgen.ingest.labels import CLOCK, parse_clock
from cjgen.ingest.parsed import Draft, Parsed, one_turn_per_run
from cjgen.ingest.text import INTERVIEWER

TABLE_SUFFIXES = (".csv", ".tsv", ".xlsx")
Rows = list[tuple[int, list[str]]]  # a table's non-blank rows, each with its line (CSV) or row (sheet) number
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
# Rows a sheet may have above its header (a title, a date, a blank-looking row of notes).
MAX_TITLE_ROWS = 5


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
    # Sniffed from the first line that has a separator (the header, or a title above it), not from the whole
    # sample: a quoted cell's commas and line breaks would mislead it.
    for line in text[:_SAMPLE].split("\n")[: MAX_TITLE_ROWS + 1]:
        try:
            return csv.Sniffer().sniff(line, delimiters=",;\t")
        except csv.Error:
            continue
    return csv.excel


def table_rows(text: str, suffix: str, where: str) -> Rows:
    """The table's non-blank rows, each with the line it ends on (a quoted cell may hold line breaks)."""
    reader = csv.reader(io.StringIO(text), _dialect(text, suffix), strict=True)
    try:
        return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        where = f"{where}, line {reader.line_num}"
        raise InputError(where, f"is not a readable table ({exc}); save it as CSV with a header row") from exc


def _columns(cells: list[str]) -> tuple[list[str], dict[str, int | None]]:
    header = [_column(cell) for cell in cells]
    found = {
        "speaker": _find(header, SPEAKER_COLUMNS),
        "text": _find(header, TEXT_COLUMNS),
        "start": _find(header, START_COLUMNS),
        "end": _find(header, END_COLUMNS),
        "question": _find(header, QUESTION_COLUMNS),
        "answer": _find(header, ANSWER_COLUMNS),
    }
    return header, found


def _header_at(rows: Rows) -> int | None:
    """Which of the table's first rows is its header (the one naming a transcript's columns): a sheet often
    has a title row or two above it."""
    for k, (_, cells) in enumerate(rows[: MAX_TITLE_ROWS + 1]):
        if _shape(_columns(cells)[1]) is not None:
            return k
    return None


def is_turn_table(path: Path) -> bool:
    """Whether a table file's header names the columns of a transcript (a participant list does not), so that
    a folder of transcripts may hold the study's participant list beside them."""
    try:
        if path.suffix.lower() == ".xlsx":
            return bool(_turn_sheets(sheet_rows(path.read_bytes(), str(path), MAX_TITLE_ROWS + 1)))
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE).decode("utf-8-sig", errors="replace")
        lines = "\n".join(head.split("\n")[: MAX_TITLE_ROWS + 1])
        return _header_at(table_rows(lines, path.suffix.lower(), str(path))) is not None
    except (OSError, InputError):
        return True  # reading it as a transcript will name the problem


def _shape(found: dict[str, int | None]) -> str | None:
    if found["speaker"] is not None and found["text"] is not None:
        return "turns"
    if found["question"] is not None and found["answer"] is not None:
        return "questions"
    return None


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _seconds(value: str, where: str, column: str) -> float | None:
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
        raise InputError(where, f"'{column}' must be seconds or a time like '00:01:02', not {value!r:.40}")
    return seconds


def table_turns(text: str, suffix: str, where: str) -> Parsed:
    """A CSV or TSV file's turns."""
    return turns_of(table_rows(text, suffix, where), where, "line")


def sheet_turns(raw: bytes, where: str) -> Parsed:
    """An Excel workbook's turns, from the one sheet whose header names a transcript's columns."""
    sheets = sheet_rows(raw, where)
    found = _turn_sheets(sheets)
    if len(found) > 1:
        names = ", ".join(repr(name) for name in found)
        raise InputError(
            where, f"has {len(found)} sheets of turns ({names}); save each interview as a file of its own"
        )
    if not found:
        first = next((rows for rows in sheets.values() if rows), [])
        shown = ", ".join(repr(cell) for cell in first[0][1][:8] if cell) if first else "none"
        raise InputError(where, f"{_NEEDS} on one sheet; its first sheet's columns are {shown}")
    name = found[0]
    parsed = turns_of(sheets[name], f"{where}, sheet '{name}'", "row")
    others = [other for other, rows in sheets.items() if rows and other != name]
    if others:
        # The log's warning names no sheet (a sheet may be named after a person); `cjgen inspect` does.
        unread = f"{len(others)} other sheet(s) not read (no turns in them)"
        parsed.warnings.append(f"{unread}; `cjgen inspect` names them")
        parsed.remarks.append(f"{unread}; read '{name}', not {', '.join(repr(o) for o in others)}")
    return parsed


def turns_of(rows: Rows, where: str, unit: str) -> Parsed:
    """The turns of a table's rows (its header among the first); `unit` names a row's number in errors."""
    at_header = _header_at(rows)
    if at_header is None:
        shown = ", ".join(repr(cell) for cell in rows[0][1][:8]) if rows else "none"
        raise InputError(where, f"{_NEEDS}; its columns are {shown}")
    header, found = _columns(rows[at_header][1])
    shape = _shape(found)
    drafts: list[Draft] = []
    speaker = ""
    for number, row in rows[at_header + 1 :]:
        at = f"{where}, {unit} {number}"
        if any(cell.strip() for cell in row[len(header) :]):
            # An unquoted separator inside a cell ("Good; very good." in a table split by semicolons) cut it:
            # refused rather than read short.
            raise InputError(
                at,
                f"has {len(row)} cells but the header has {len(header)} columns; put text that holds the "
                "separator in double quotes",
            )
        if shape == "questions":
            question, answer = _cell(row, found["question"]), _cell(row, found["answer"])
            if question:
                drafts.append(Draft(INTERVIEWER, question, role="interviewer"))
            if answer:
                drafts.append(Draft(None, answer, role="participant"))
            continue
        body = _cell(row, found["text"])
        speaker = _cell(row, found["speaker"]) or speaker
        if not body:
            continue
        if not speaker:
            raise InputError(
                at, f"has text but no speaker; fill in its '{header[found['speaker'] or 0]}' column"
            )
        start_s = _seconds(_cell(row, found["start"]), at, "start")
        end_s = _seconds(_cell(row, found["end"]), at, "end")
        drafts.append(Draft(speaker, body, start_s=start_s, end_s=end_s))
    if not drafts:
        raise InputError(where, f"has a header row but no {unit} with text; give one {unit} per turn")
    if shape == "questions":
        # The answers are a notetaker's notes, kept exactly as written.
        parsed = Parsed(drafts, "table of questions and answers")
        parsed.kind = "notes"
    else:
        parsed = Parsed(one_turn_per_run(drafts), "table of turns (speaker, text)")
    if at_header:
        parsed.warnings.append(f"{at_header} {unit}(s) above the header were left out as a title")
    return parsed


def sheet_rows(raw: bytes, where: str, first: int | None = None) -> dict[str, Rows]:
    """Each sheet's non-blank rows (cells as text), by sheet name; only its `first` ones where given (the
    rows a header may be among), read no further."""
    from openpyxl import load_workbook

    check_unpacked(raw, where, ".xlsx", "open and re-save it in Excel, or save the sheet as CSV")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like: nothing a reader can act on
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        try:
            return {
                sheet.title: list(
                    itertools.islice(
                        (
                            (number, cells)
                            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
                            if any(cells := [_text_of(v) for v in values])
                        ),
                        first,
                    )
                )
                for sheet in book.worksheets
            }
        finally:
            book.close()
    except Exception as exc:  # openpyxl raises zip, XML, key and value errors alike for a broken file
        raise InputError(where, f"is not a readable .xlsx file ({exc}); save the sheet as CSV") from exc


def _turn_sheets(sheets: dict[str, Rows]) -> list[str]:
    return [name for name, rows in sheets.items() if _header_at(rows) is not None]


def _text_of(value: object) -> str:
    """A cell's value as the text a reader sees: a time of day as `00:01:02`, a duration as seconds, a whole
    number without `.0`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.time().isoformat() if value.year < 1901 else value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds():g}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalise_newlines(str(value)).strip()
