"""Read interview transcripts and the brief into typed records, keeping the text exactly as written.

Quotes are later located by character offsets into each turn's text, so a turn's text is the source text after
the speaker label (or the answer part of a notes line), unchanged (line endings are normalised to "\\n" and
trailing whitespace is dropped). Every problem with an input file is an `InputError` naming the file and what
to do about it; files that load but look doubtful get warnings (`inspect_transcript`, and the log).

One concern per module: `files` (bytes, encodings, .docx, size limits), `labels` (speaker labels and roles),
`lines` (what each text line is), `text` (labelled transcripts), `notes` (Q&A and plain notes), `cues`
(.vtt/.srt), `jsonfile`, `table` (.csv/.tsv/.xlsx) and `transcript` (roles, ids, long turns), `guide` (guide text shared across a study's
files).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from cjgen.errors import CjgenError, InputError
from cjgen.ingest.cues import caption_blocks, cue_turns, srt_cues, vtt_cues
from cjgen.ingest.files import (
    MAX_DOCX_UNPACKED_BYTES,
    MAX_FILE_BYTES,
    MAX_TEXT_CHARS,
    decode,
    decoded,
    docx_text,
    pdf_text,
    read_bytes,
    rtf_text,
)
from cjgen.ingest.guide import separate_guide
from cjgen.ingest.jsonfile import MAX_JSON_DEPTH, json_turns
from cjgen.ingest.parsed import Parsed
from cjgen.ingest.report import SpeakerReport, TranscriptReport
from cjgen.ingest.table import TABLE_SUFFIXES, is_turn_table, sheet_turns, table_turns
from cjgen.ingest.text import read_text
from cjgen.ingest.transcript import (
    MAX_TURN_WORDS,
    MAX_TURNS,
    build_transcript,
    main_speaker,
    one_code_per_person,
)
from cjgen.pseudonym import loggable_name
from cjgen.schema import Brief, Transcript

__all__ = [
    "BRIEF_SUFFIXES",
    "MAX_DOCX_UNPACKED_BYTES",
    "MAX_FILE_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_TEXT_CHARS",
    "MAX_TURNS",
    "MAX_TURN_WORDS",
    "TRANSCRIPT_SUFFIXES",
    "SpeakerReport",
    "TranscriptReport",
    "brief_from_text",
    "inspect_transcript",
    "inspect_transcripts",
    "load_brief",
    "load_transcript",
    "load_transcripts",
    "main_speaker",
    "transcript_files",
]

TRANSCRIPT_SUFFIXES = (".txt", ".md", ".vtt", ".srt", ".docx", ".rtf", ".json", ".pdf", *TABLE_SUFFIXES)
BRIEF_SUFFIXES = (".md", ".txt", ".docx", ".rtf", ".pdf")
_DIGITS = re.compile(r"(\d+)")
# Files whose text a library extracts, and what to call them in `cjgen inspect`.
_DOCUMENTS: dict[str, tuple[Callable[[bytes, str], str], str]] = {
    ".docx": (docx_text, "Word document"),
    ".pdf": (pdf_text, "PDF"),
    ".rtf": (rtf_text, "Rich Text"),
}
_NO_TURNS = "no text found; expected lines like 'P1: ...' or 'Interviewer: ...', or notes"
log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------- public


def transcript_files(paths: Iterable[Path | str]) -> list[Path]:
    """The paths, a folder among them replaced by the transcript files in it (by suffix, hidden files left
    out), in natural order (`P2` before `P10`); a folder that holds none is an error naming it."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            found.append(path)
            continue
        listed = [
            p
            for p in path.iterdir()
            if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in TRANSCRIPT_SUFFIXES
        ]
        # A table beside the transcripts that names no speaker and text may be the study's participant list.
        inside = [p for p in listed if p.suffix.lower() not in TABLE_SUFFIXES or is_turn_table(p)]
        for table in sorted(set(listed) - set(inside)):
            log.warning(
                "%s: left out, no speaker and text columns; a participant list is given with --participants",
                loggable_name(table, "a table (file name withheld)"),
            )
        if not inside:
            raise InputError(
                str(path), f"holds no transcript files ({' '.join(TRANSCRIPT_SUFFIXES)}); give the files"
            )
        found += sorted(
            inside, key=lambda p: [int(t) if t.isdigit() else t.casefold() for t in _DIGITS.split(p.name)]
        )
    return found


def load_transcript(
    path: Path | str, participant_id: str | None = None, *, interviewers: Sequence[str] | None = None
) -> Transcript:
    """Read one transcript (.txt .md .vtt .srt .docx .rtf .pdf .json .csv .tsv .xlsx) into a `Transcript`.

    `interviewers` names speakers to read as the interviewer (every other speaker is then a participant);
    None takes them from the `CJGEN_INTERVIEWER` setting.
    """
    transcript, parsed = _load(Path(path), participant_id, interviewers)
    _log_warnings(Path(path), parsed)
    return transcript


def _log_warnings(path: Path, parsed: Parsed) -> None:
    shown = loggable_name(path, "a transcript (file name withheld)")
    for warning in parsed.warnings:
        log.warning("%s: %s", shown, warning)


def load_transcripts(
    paths: Iterable[Path | str], *, interviewers: Sequence[str] | None = None
) -> list[Transcript]:
    """Read several transcripts of one study, refusing the same interview given twice.

    Conversation-guide text that the study's files share word for word is the interviewer's, wherever a
    notetaker left it (see `guide`).
    """
    read = one_code_per_person([_load(Path(path), None, interviewers) for path in paths])
    seen: dict[tuple[str, str], str] = {}
    for transcript, parsed in read:
        _log_warnings(Path(transcript.path), parsed)
        _refuse_repeat(transcript, seen)
    return separate_guide([transcript for transcript, _ in read])


def _refuse_repeat(transcript: Transcript, seen: dict[tuple[str, str], str]) -> None:
    """An InputError where `seen` (participant and content -> path, filled in here) already holds this
    interview: the same interview given twice would count its evidence twice."""
    key = (transcript.participant_id, transcript.sha256)
    if key in seen:
        raise InputError(
            transcript.path,
            f"same participant ({transcript.participant_id}) and same content as {seen[key]}; "
            "give each interview once",
        )
    seen[key] = transcript.path


def inspect_transcript(
    path: Path | str, participant_id: str | None = None, *, interviewers: Sequence[str] | None = None
) -> TranscriptReport:
    """How a transcript is read on its own: format, speakers with roles and turn counts, words per role,
    warnings."""
    transcript, parsed = _load(Path(path), participant_id, interviewers)
    return _report(transcript, parsed)


def inspect_transcripts(
    paths: Iterable[Path | str], *, interviewers: Sequence[str] | None = None
) -> list[TranscriptReport | CjgenError]:
    """How each of a study's files is read when they are read together, as a map reads them: conversation-guide
    text the study's notes share word for word is the interviewer's (`guide`), and a file's report says how
    many of its words that moved. A file that cannot be read, or that repeats an interview given before it (a
    map refuses both), gives its error in its place."""
    read: list[tuple[Transcript, Parsed] | CjgenError] = []
    for path in paths:
        try:
            read.append(_load(Path(path), None, interviewers))
        except CjgenError as exc:
            read.append(exc)
    coded = iter(one_code_per_person([entry for entry in read if not isinstance(entry, CjgenError)]))
    read = [entry if isinstance(entry, CjgenError) else next(coded) for entry in read]
    seen: dict[tuple[str, str], str] = {}
    for k, entry in enumerate(read):
        try:
            if not isinstance(entry, CjgenError):
                _refuse_repeat(entry[0], seen)
        except CjgenError as exc:
            read[k] = exc
    loaded = [entry[0] for entry in read if not isinstance(entry, CjgenError)]
    separated = iter(separate_guide(loaded))
    reports: list[TranscriptReport | CjgenError] = []
    for entry in read:
        if isinstance(entry, CjgenError):
            reports.append(entry)
            continue
        alone, parsed = entry
        together = next(separated)
        moved = _participant_words(alone) - _participant_words(together)
        reports.append(_report(together, parsed, moved))
    return reports


def _participant_words(transcript: Transcript) -> int:
    return sum(len(turn.text.split()) for turn in transcript.turns if turn.role == "participant")


def _report(transcript: Transcript, parsed: Parsed, guide_words: int = 0) -> TranscriptReport:
    turns: Counter[tuple[str, str]] = Counter()
    words: Counter[tuple[str, str]] = Counter()
    by_role: Counter[str] = Counter({"interviewer": 0, "participant": 0})
    for turn in transcript.turns:
        n = len(turn.text.split())
        turns[(turn.speaker, turn.role)] += 1
        words[(turn.speaker, turn.role)] += n
        by_role[turn.role] += n
    guide = (
        [
            f"{guide_words} words in answers are conversation-guide text that the study's other notes share "
            "word for word, and are read as the interviewer's"
        ]
        if guide_words
        else []
    )
    return TranscriptReport(
        path=transcript.path,
        format=parsed.format,
        kind=transcript.kind,
        participant_id=transcript.participant_id,
        speakers=[SpeakerReport(s, r, turns[(s, r)], words[(s, r)]) for s, r in turns],
        words_by_role=dict(by_role),
        # A remark may say by name what its logged warning says without one: the user sees it once, named.
        warnings=[
            *(w for w in parsed.warnings if _subject(w) not in map(_subject, parsed.remarks)),
            *parsed.remarks,
            *guide,
        ],
    )


def _subject(message: str) -> str:
    """What a warning is about: its words before the first semicolon."""
    return message.split(";", 1)[0]


def load_brief(path: Path | str) -> Brief:
    """Read the business brief (.md .txt .docx .rtf .pdf); its text is kept as written."""
    path = Path(path)
    where = str(path)
    raw = read_bytes(path, BRIEF_SUFFIXES, "brief")
    document = _DOCUMENTS.get(path.suffix.lower())
    text = document[0](raw, where) if document else decode(raw, where, "the brief")
    if not text.strip():
        raise InputError(where, "the brief has no text; write what the business offers and to whom")
    return Brief(path=where, sha256=hashlib.sha256(raw).hexdigest(), text=text)


def brief_from_text(text: str) -> Brief:
    """A brief given as text rather than as a file."""
    if not text.strip():
        raise InputError("brief", "the brief is empty; give the text of the brief or a brief file")
    return Brief(path=None, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text)


# --------------------------------------------------------------------------------------------- reading


def _interviewers_setting() -> list[str]:
    """`CJGEN_INTERVIEWER` (environment or .env); a bad value in another setting is reported where it is used."""
    from pydantic import ValidationError

    from cjgen.settings import get_settings

    try:
        value = get_settings().interviewer
    except ValidationError:
        value = os.environ.get("CJGEN_INTERVIEWER")
    return [name for name in (value or "").split(",") if name.strip()]


def _parse(path: Path, raw: bytes) -> Parsed:
    where = str(path)
    suffix = path.suffix.lower()
    if suffix in _DOCUMENTS:
        reader, kind = _DOCUMENTS[suffix]
        parsed = _read_written_out(reader(raw, where))
        parsed.format = f"{kind}, {parsed.format}"
        return parsed
    if suffix == ".xlsx":
        return sheet_turns(raw, where)
    text, read_as = decoded(raw, where)
    if suffix == ".vtt":
        parsed = cue_turns(vtt_cues(text, where), "WebVTT captions")
    elif suffix == ".srt":
        parsed = cue_turns(srt_cues(text, where), "SubRip captions")
    elif suffix == ".json":
        parsed = json_turns(text, where)
    elif suffix in TABLE_SUFFIXES:
        parsed = table_turns(text, suffix, where)
    else:
        parsed = _read_written_out(text)
    if read_as is not None:
        parsed.warnings.append(read_as)
    return parsed


def _read_written_out(text: str) -> Parsed:
    """A text, Word or PDF transcript: captions written out as text (time range, name, words), or any form
    the text reader knows."""
    found = caption_blocks(text)
    if found is None:
        return read_text(text)
    cues, preamble = found
    parsed = cue_turns(cues, "caption blocks (time range, speaker, text)")
    if preamble:
        parsed.warnings.append(
            f"{preamble} line(s) before the first caption were left out as a title or preamble"
        )
    return parsed


def _load(
    path: Path, participant_id: str | None, interviewers: Sequence[str] | None
) -> tuple[Transcript, Parsed]:
    raw = read_bytes(path, TRANSCRIPT_SUFFIXES, "transcript")
    parsed = _parse(path, raw)
    if not parsed.drafts:
        raise InputError(str(path), _NO_TURNS)
    names = _interviewers_setting() if interviewers is None else list(interviewers)
    return build_transcript(path, raw, parsed, participant_id, names), parsed
