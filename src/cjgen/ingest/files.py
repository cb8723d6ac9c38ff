"""Reading input files within limits: bytes, text encodings, .docx paragraphs.

Each limit is a clear `InputError` naming the file, so a huge or hostile file is refused before it costs memory
or model time.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import docx
from docx.table import Table

from cjgen.errors import InputError
from cjgen.ingest.labels import CLOCK, match_label
from cjgen.pseudonym import loggable_name

log = logging.getLogger(__name__)
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
# The XML inside a .docx (a zip archive) is parsed whole, so its unpacked size is checked before parsing.
MAX_DOCX_UNPACKED_BYTES = 40 * 1024 * 1024
# A table cell that is a time (`00:01:11`, `[0:03]`), and one that names a speaker (a few words, no sentence).
_PAGE_NUMBER = re.compile(r"(?:page[ ]?)?\d{1,4}(?:[ ]?(?:of|/)[ ]?\d{1,4})?", re.IGNORECASE)
_CLOCK_CELL = re.compile(rf"[\[(]?{CLOCK}[\])]?")
_NAME_CELL = re.compile(r"[^\W\d_][\w.'’\-]*(?:[ ][\w.'’\-()]+){0,3}")


def read_bytes(path: Path, suffixes: tuple[str, ...], kind: str) -> bytes:
    where = str(path)
    try:
        size = path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(where, f"file not found; check the {kind} path") from None
    except OSError as exc:
        raise InputError(where, f"cannot be read ({exc.strerror or exc}); check the {kind} path") from exc
    if path.is_dir():
        raise InputError(where, f"is a folder, not a {kind} file; give the file(s) inside it")
    if path.suffix.lower() not in suffixes:
        shown = f"'{path.suffix}'" if path.suffix else "no extension"
        raise InputError(
            where, f"unsupported {kind} file type ({shown}); supported: {', '.join(sorted(suffixes))}"
        )
    if size > MAX_FILE_BYTES:
        raise InputError(
            where,
            f"is {size / 1024 / 1024:.1f} MB, over the {MAX_FILE_BYTES // 1024 // 1024} MB limit per file; "
            "split it into one file per interview",
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(where, f"cannot be read ({exc.strerror or exc}); check its permissions") from exc
    if not raw.strip():
        raise InputError(where, f"the file is empty; give a {kind} with text in it")
    return raw


def check_text_size(text: str, where: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            where,
            f"holds {len(text):,} characters of text, over the {MAX_TEXT_CHARS:,} limit; "
            "split it into one file per interview",
        )
    return text


def decode(raw: bytes, where: str, what: str = "a file") -> str:
    """UTF-8 text (with or without a byte-order mark), UTF-16 with its mark, or Windows-1252 (`windows_1252`),
    line endings normalised to "\\n". A file read as Windows-1252 is logged (a brief or participant list; a
    transcript's reader keeps the note as a warning of its own, `decoded`)."""
    text, read_as = decoded(raw, where)
    if read_as is not None:
        log.warning("%s: %s", loggable_name(where, f"{what} (name withheld)"), read_as)
    return text


# What a file that is not UTF-8 was read as, for the reader to check (a transcript's warning).
READ_AS_WINDOWS_1252: Final = (
    "is not UTF-8 and was read as Windows-1252 (as Word and Notepad save 'ANSI' text on Western systems); "
    "if a letter looks wrong in a quote, save the file as UTF-8"
)
# Western European text has a few letters outside ASCII (Norwegian, German or French about 1-4 %); a file
# where many are is in another legacy encoding, and reading it as Windows-1252 would garble every quote.
MAX_NON_ASCII_LETTERS: Final = 0.1


def decoded(raw: bytes, where: str) -> tuple[str, str | None]:
    """`decode`'s text, and a note where the reader should check how it was read (None for UTF-8/16)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return check_text_size(normalise_newlines(raw.decode("utf-16")), where), None
        except UnicodeDecodeError as exc:
            raise InputError(where, f"is not valid UTF-16 ({exc.reason}); save it as UTF-8 text") from exc
    if b"\x00" in raw:
        raise InputError(where, "looks like a binary file (it contains NUL bytes); give a UTF-8 text file")
    try:
        return check_text_size(normalise_newlines(raw.decode("utf-8-sig")), where), None
    except UnicodeDecodeError as exc:
        text = windows_1252(raw)
        if text is None:
            raise InputError(
                where,
                f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}) nor Western "
                "Windows-1252 text; save it as UTF-8",
            ) from exc
    return check_text_size(normalise_newlines(text), where), READ_AS_WINDOWS_1252


def windows_1252(raw: bytes) -> str | None:
    """The text of a file saved as Windows-1252 ("ANSI" on Western systems: curly quotes and dashes at
    0x80-0x9f, Latin-1 letters above), or None where it cannot be one: a byte the code page leaves undefined,
    or more letters outside ASCII than Western European text has."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = [c for c in text if c.isalpha()]
    wide = sum(1 for c in letters if not c.isascii())
    return text if letters and wide / len(letters) <= MAX_NON_ASCII_LETTERS else None


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_unpacked(
    raw: bytes, where: str, suffix: str = ".docx", fix: str = "open and re-save it in Word"
) -> None:
    """A zipped Office file (.docx, .xlsx) is refused before it is opened when it is no archive or unpacks
    past the limit (a small file can unpack to gigabytes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # zipfile raises several kinds for a broken archive
        raise InputError(where, f"is not a readable {suffix} file ({exc}); {fix}") from exc
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise InputError(
            where,
            f"unpacks to {unpacked / 1024 / 1024:.0f} MB, over the "
            f"{MAX_DOCX_UNPACKED_BYTES // 1024 // 1024} MB limit for a {suffix}; save the text alone as .txt",
        )


def docx_text(raw: bytes, where: str) -> str:
    """The document's paragraphs (headings left out), one per paragraph of text, and its tables' rows in
    their place (`_row_text`).

    A question set wholly in bold is written as `**text?**`, so that it reads like its Markdown form.
    """
    check_unpacked(raw, where)
    try:
        document = docx.Document(io.BytesIO(raw))
        paragraphs: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                paragraphs += _table_lines(block)
                continue
            text = normalise_newlines(block.text)
            if not text.strip() or _is_heading_style(block.style.name if block.style is not None else ""):
                continue
            runs = [r for r in block.runs if r.text.strip()]
            bold = bool(runs) and all(r.bold for r in runs) and "\n" not in text
            question = bold and text.rstrip().endswith("?") and match_label(text) is None
            paragraphs.append(f"**{text.strip()}**" if question else text)
    except Exception as exc:  # python-docx raises zip, XML and key errors alike for a broken file
        raise InputError(where, f"is not a readable .docx file ({exc}); open and re-save it in Word") from exc
    return check_text_size("\n\n".join(paragraphs), where)


_RTF_CODE_PAGE = re.compile(rb"\\ansicpg(\d{3,5})")


def rtf_text(raw: bytes, where: str) -> str:
    """The text of a Rich Text file (what macOS TextEdit and WordPad save), its paragraphs one per line; its
    bytes are read in the code page the file declares (`\\ansicpg`), Windows-1252 where it declares none."""
    from striprtf.striprtf import rtf_to_text

    if not raw.lstrip().startswith(b"{\\rtf"):
        raise InputError(
            where, "is not a Rich Text file (it does not start with '{\\rtf'); save it as .txt or .docx"
        )
    declared = _RTF_CODE_PAGE.search(raw[:4096])
    encoding = f"cp{int(declared[1])}" if declared else "cp1252"
    try:
        text: str = rtf_to_text(raw.decode("latin-1"), encoding=encoding, errors="strict")  # type: ignore[no-untyped-call]
    except (LookupError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            where, f"is not a readable Rich Text file ({exc}); save it as .txt or .docx"
        ) from exc
    text = normalise_newlines(text)
    if not text.strip():
        raise InputError(where, "has no text; save it as .txt or .docx")
    return check_text_size(text, where)


def pdf_text(raw: bytes, where: str) -> str:
    """The text of a PDF's pages (a transcription tool's PDF export), without the header and footer lines its
    pages repeat ("Page 3 of 12", "Transcribed by …") or a bare page number."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(where, "is a password-protected PDF; save it without a password, or as .txt")
        pages = [normalise_newlines(page.extract_text() or "").split("\n") for page in reader.pages]
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputError(where, f"is not a readable PDF ({exc}); export it as .txt or .docx instead") from exc
    repeated = Counter(line.strip() for page in pages for line in set(page) if line.strip())
    furniture = {line for line, n in repeated.items() if len(pages) >= 3 and n >= 0.6 * len(pages)}
    lines = [
        line.rstrip()
        for page in pages
        for line in page
        if line.strip() not in furniture and not _PAGE_NUMBER.fullmatch(line.strip())
    ]
    text = "\n".join(lines).rstrip()
    if not text.strip():
        raise InputError(where, "has no text layer (a scan?); export it as text, not as an image")
    return check_text_size(text, where)


def _table_lines(table: Table) -> list[str]:
    """A transcript or notes kept in a Word table, one line per row, in the forms the text reader knows: a row
    with a speaker's name (and a time) is `00:01:11 Name: text`, a row that opens with a question is
    `- Question? answer`, any other row its cells joined. A first row of column titles (`Time | Speaker |
    Text`: short cells, no time) is left out."""
    rows = [
        [" ".join(normalise_newlines(c.text).split()) for c in _distinct_cells(r.cells)] for r in table.rows
    ]
    rows = [[c for c in row if c] for row in rows]
    rows = [row for row in rows if row]
    if len(rows) > 1 and all(len(c.split()) <= 2 and not _CLOCK_CELL.fullmatch(c) for c in rows[0]):
        rows = rows[1:]
    return [_row_text(row) for row in rows]


def _distinct_cells(cells: Sequence[Any]) -> list[Any]:
    """A row's cells, a merged cell once (python-docx repeats it for every grid column it spans)."""
    seen: list[Any] = []
    for cell in cells:
        if not any(cell._tc is known._tc for known in seen):
            seen.append(cell)
    return seen


def _row_text(cells: list[str]) -> str:
    clock = next((c for c in cells if _CLOCK_CELL.fullmatch(c)), None)
    rest = [c for c in cells if c is not clock]
    if len(rest) >= 2 and _NAME_CELL.fullmatch(rest[0]):
        return f"{clock + ' ' if clock else ''}{rest[0]}: {' '.join(rest[1:])}"
    if len(rest) >= 2 and rest[0].endswith("?"):
        return f"- {' '.join(rest)}"
    return " ".join(cells)


def _is_heading_style(name: str) -> bool:
    return name.startswith(("Heading", "Title", "Subtitle"))
