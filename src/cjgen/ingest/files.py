"""Reading input files within limits: bytes, text encodings, .docx paragraphs.

Each limit is a clear `InputError` naming the file, so a huge or hostile file is refused before it costs memory
or model time.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx

from cjgen.errors import InputError
from cjgen.ingest.labels import match_label

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000
# The XML inside a .docx (a zip archive) is parsed whole, so its unpacked size is checked before parsing.
MAX_DOCX_UNPACKED_BYTES = 40 * 1024 * 1024


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


def decode(raw: bytes, where: str) -> str:
    """UTF-8 text (with or without a byte-order mark), line endings normalised to "\\n"."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return check_text_size(normalise_newlines(raw.decode("utf-16")), where)
        except UnicodeDecodeError as exc:
            raise InputError(where, f"is not valid UTF-16 ({exc.reason}); save it as UTF-8 text") from exc
    if b"\x00" in raw:
        raise InputError(where, "looks like a binary file (it contains NUL bytes); give a UTF-8 text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            where,
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at position {exc.start}); "
            "save it as UTF-8 (it may be Latin-1/Windows-1252)",
        ) from exc
    return check_text_size(normalise_newlines(text), where)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _check_docx_unpacked(raw: bytes, where: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # zipfile raises several kinds for a broken archive
        raise InputError(where, f"is not a readable .docx file ({exc}); open and re-save it in Word") from exc
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise InputError(
            where,
            f"unpacks to {unpacked / 1024 / 1024:.0f} MB, over the "
            f"{MAX_DOCX_UNPACKED_BYTES // 1024 // 1024} MB limit for a .docx; save the text alone as .txt",
        )


def docx_text(raw: bytes, where: str) -> str:
    """The document's paragraphs (headings left out), one per paragraph of text.

    A question set wholly in bold is written as `**text?**`, so that it reads like its Markdown form.
    """
    _check_docx_unpacked(raw, where)
    try:
        document = docx.Document(io.BytesIO(raw))
        paragraphs: list[str] = []
        for p in document.paragraphs:
            text = normalise_newlines(p.text)
            if not text.strip() or _is_heading_style(p.style.name if p.style is not None else ""):
                continue
            runs = [r for r in p.runs if r.text.strip()]
            bold = bool(runs) and all(r.bold for r in runs) and "\n" not in text
            question = bold and text.rstrip().endswith("?") and match_label(text) is None
            paragraphs.append(f"**{text.strip()}**" if question else text)
    except Exception as exc:  # python-docx raises zip, XML and key errors alike for a broken file
        raise InputError(where, f"is not a readable .docx file ({exc}); open and re-save it in Word") from exc
    return check_text_size("\n\n".join(paragraphs), where)


def _is_heading_style(name: str) -> bool:
    return name.startswith(("Heading", "Title", "Subtitle"))
