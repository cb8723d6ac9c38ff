"""Read interview transcripts and the brief into typed records, keeping the text exactly as written.

Quotes are later located by character offsets into each turn's text, so a turn's text is the source text after
the speaker label, unchanged (line endings are normalised to "\\n" and trailing whitespace is dropped).
Every problem with an input file is an `InputError` naming the file and what to do about it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
import srt
import webvtt

from cjgen.errors import InputError
from cjgen.schema import Brief, Role, Segment, Transcript, Turn

TRANSCRIPT_SUFFIXES = (".txt", ".md", ".vtt", ".srt", ".docx", ".json")
BRIEF_SUFFIXES = (".md", ".txt", ".docx")

_NO_TURNS = "no speaker-labelled turns found; expected lines like 'P1: ...' or 'Interviewer: ...'"
_NO_CUE_SPEAKERS = {
    ".vtt": "no speaker-labelled cues found; expected voice tags like '<v P1>...</v>' or 'P1: ...' cue text",
    ".srt": "no speaker-labelled cues found; expected cue text like 'P1: ...' or 'Interviewer: ...'",
}

_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_NAME = r"[^\W_][\w.'’\-]*(?:[ ][\w.'’\-]+){0,3}"
# A speaker label at the start of a line: `P1:`, `**Name:**`, `**Name**:`, `Name (00:01:02):`,
# `[00:01:02] Name:`. The label and the whitespace after it are not part of the turn text.
_LABEL = re.compile(
    rf"""^
    (?:\[(?P<ts_pre>{_CLOCK})\][ \t]*)?
    (?:
        \*\*(?P<bold>{_NAME})(?:[ \t]*\((?P<ts_bold>{_CLOCK})\))?(?::\*\*|\*\*:)
      | (?P<plain>{_NAME})(?:[ \t]*[(\[](?P<ts_post>{_CLOCK})[)\]])?:
    )
    (?!//)
    [ \t]*""",
    re.VERBOSE,
)
_MAX_NAME = 40
# "Interviewer 2", "Researcher Kim", "Host", "Q", "I", "Int" ...; not "Interviewee", "Hostess" or "Ingrid".
_INTERVIEWER = re.compile(
    r"(?:interviewer|moderator|researcher|facilitator)\b.*|(?:host|int|i|q)(?:[ _-]?\d+)?", re.IGNORECASE
)
_ID_LIKE = re.compile(r"[A-Za-z]{1,4}[-_]?\d{1,4}")
_MD_SKIP = re.compile(r"(?:#{1,6}[ \t].*|#{1,6}|[-*_]{3,})[ \t]*")
_SRT_TAG = re.compile(r"</?(?:i|b|u|font)\b[^>]*>", re.IGNORECASE)
_VTT_VOICE = re.compile(r"<v(?:\.[\w-]+)*[ \t]+([^>]+)>")
_VTT_ENTITY = re.compile(r"&(amp|lt|gt|nbsp|lrm|rlm);")
_VTT_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "nbsp": "\u00a0", "lrm": "\u200e", "rlm": "\u200f"}


# --------------------------------------------------------------------------------------------- public


def load_transcript(path: Path | str, participant_id: str | None = None) -> Transcript:
    """Read one transcript (.txt .md .vtt .srt .docx .json) into a `Transcript`."""
    path = Path(path)
    where = str(path)
    raw = _read_bytes(path, TRANSCRIPT_SUFFIXES, "transcript")
    suffix = path.suffix.lower()
    declared_id: str | None = None
    if suffix == ".docx":
        turns = _turns_from_lines(_docx_text(raw, where), markdown=False)
    else:
        text = _decode(raw, where)
        if suffix == ".vtt":
            turns = _turns_from_cues(_vtt_cues(text, where))
        elif suffix == ".srt":
            turns = _turns_from_cues(_srt_cues(text, where))
        elif suffix == ".json":
            turns, declared_id = _turns_from_json(text, where)
        else:
            turns = _turns_from_lines(text, markdown=suffix == ".md")
    if not turns:
        raise InputError(where, _NO_CUE_SPEAKERS.get(suffix, _NO_TURNS))
    return _transcript(path, raw, turns, participant_id or declared_id)


def load_transcripts(paths: Iterable[Path | str]) -> list[Transcript]:
    """Read several transcripts, refusing the same interview given twice."""
    loaded: list[Transcript] = []
    seen: dict[tuple[str, str], str] = {}
    for path in paths:
        transcript = load_transcript(path)
        key = (transcript.participant_id, transcript.sha256)
        if key in seen:
            raise InputError(
                transcript.path,
                f"same participant ({transcript.participant_id}) and same content as {seen[key]}; "
                "give each interview once",
            )
        seen[key] = transcript.path
        loaded.append(transcript)
    return loaded


def load_brief(path: Path | str) -> Brief:
    """Read the business brief (.md .txt .docx); its text is kept as written."""
    path = Path(path)
    where = str(path)
    raw = _read_bytes(path, BRIEF_SUFFIXES, "brief")
    text = _docx_text(raw, where) if path.suffix.lower() == ".docx" else _decode(raw, where)
    if not text.strip():
        raise InputError(where, "the brief has no text; write what the business offers and to whom")
    return Brief(path=where, sha256=hashlib.sha256(raw).hexdigest(), text=text)


def brief_from_text(text: str) -> Brief:
    """A brief given as text rather than as a file."""
    if not text.strip():
        raise InputError("brief", "the brief is empty; give the text of the brief or a brief file")
    return Brief(path=None, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), text=text)


# --------------------------------------------------------------------------------------------- files


def _read_bytes(path: Path, suffixes: tuple[str, ...], kind: str) -> bytes:
    where = str(path)
    try:
        path.stat()
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
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(where, f"cannot be read ({exc.strerror or exc}); check its permissions") from exc
    if not raw.strip():
        raise InputError(where, f"the file is empty; give a {kind} with text in it")
    return raw


def _decode(raw: bytes, where: str) -> str:
    """UTF-8 text (with or without a byte-order mark), line endings normalised to "\\n"."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _normalise_newlines(raw.decode("utf-16"))
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
    return _normalise_newlines(text)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _docx_text(raw: bytes, where: str) -> str:
    """The document's paragraphs (headings left out), one per paragraph of text."""
    try:
        document = docx.Document(io.BytesIO(raw))
        paragraphs = [
            _normalise_newlines(p.text)
            for p in document.paragraphs
            if p.text.strip() and not _is_heading_style(p.style.name if p.style is not None else "")
        ]
    except Exception as exc:  # python-docx raises zip, XML and key errors alike for a broken file
        raise InputError(where, f"is not a readable .docx file ({exc}); open and re-save it in Word") from exc
    return "\n\n".join(paragraphs)


def _is_heading_style(name: str) -> bool:
    return name.startswith(("Heading", "Title", "Subtitle"))


# --------------------------------------------------------------------------------------------- turns


@dataclass
class _Draft:
    """A turn being assembled, before roles and indices are known."""

    speaker: str
    text: str
    start_s: float | None = None
    end_s: float | None = None
    segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class _Label:
    name: str
    explicit: bool  # bold or timestamped: a label by its form alone
    start_s: float | None
    length: int  # characters of the line taken by the label and the whitespace after it


def _match_label(line: str) -> _Label | None:
    match = _LABEL.match(line)
    if match is None:
        return None
    name = match["bold"] or match["plain"]
    if len(name) > _MAX_NAME or not name[0].isalpha():
        return None
    clock = match["ts_pre"] or match["ts_bold"] or match["ts_post"]
    explicit = match["bold"] is not None or clock is not None
    return _Label(name, explicit, _parse_clock(clock) if clock else None, match.end())


def _accepted_labels(labels: Iterable[_Label]) -> set[str]:
    """Names taken as speakers.

    A plain `Word:` at the start of a line may be prose ("Note: ..."). It counts as a speaker when it names a
    role or a participant code, recurs in the file, or when no label recurs at all (a very short file).
    """
    labels = list(labels)
    counts = Counter(label.name for label in labels)
    recurring = any(n >= 2 for n in counts.values())
    return {
        label.name
        for label in labels
        if label.explicit
        or _is_interviewer(label.name)
        or _ID_LIKE.fullmatch(label.name)
        or counts[label.name] >= 2
        or not recurring
    }


def _turns_from_lines(text: str, *, markdown: bool) -> list[_Draft]:
    """Turns of a plain-text transcript: a labelled line starts a turn, other lines continue it."""
    lines = _normalise_newlines(text).split("\n")
    if markdown:
        lines = ["" if _MD_SKIP.fullmatch(line) else line for line in lines]
    labels = [_match_label(line) for line in lines]
    speakers = _accepted_labels(label for label in labels if label is not None)
    turns: list[_Draft] = []
    blank_before = False
    for line, label in zip(lines, labels, strict=True):
        if not line.strip():
            blank_before = True
            continue
        if label is not None and label.name in speakers:
            turns.append(_Draft(label.name, line[label.length :], start_s=label.start_s))
        elif turns:  # text before the first label is a title or preamble, not speech
            current = turns[-1]
            joiner = ("\n\n" if blank_before else "\n") if current.text else ""
            current.text += joiner + line
        blank_before = False
    for turn in turns:
        turn.text = turn.text.rstrip()
    return [turn for turn in turns if turn.text]


@dataclass(frozen=True)
class _Cue:
    speaker: str | None
    text: str
    start_s: float
    end_s: float


def _vtt_cues(text: str, where: str) -> list[_Cue]:
    try:
        captions = webvtt.WebVTT.from_string(text).captions
    except Exception as exc:  # MalformedFileError, MalformedCaptionError and the like
        raise InputError(
            where, f"is not a valid WebVTT file ({exc}); it must start with 'WEBVTT' followed by cues"
        ) from exc
    cues: list[_Cue] = []
    for caption in captions:
        voice = _VTT_VOICE.match(caption.raw_text)
        body = _VTT_ENTITY.sub(lambda m: _VTT_ENTITIES[m[1]], _join_cue_lines(caption.text))
        cues.append(
            _Cue(
                voice[1].strip() if voice else None,
                body,
                _parse_clock(caption.start),
                _parse_clock(caption.end),
            )
        )
    return cues


def _srt_cues(text: str, where: str) -> list[_Cue]:
    try:
        subtitles = list(srt.parse(text))
    except Exception as exc:  # SRTParseError, or a bad timestamp
        raise InputError(
            where, f"is not a valid SubRip (.srt) file ({exc}); each cue needs a number, times and text"
        ) from exc
    return [
        _Cue(
            None,
            _SRT_TAG.sub("", _join_cue_lines(sub.content)),
            sub.start.total_seconds(),
            sub.end.total_seconds(),
        )
        for sub in subtitles
    ]


def _join_cue_lines(text: str) -> str:
    """Line breaks inside a subtitle cue are layout, not speech."""
    return " ".join(line.strip() for line in str(text).split("\n") if line.strip())


def _turns_from_cues(cues: list[_Cue]) -> list[_Draft]:
    """Consecutive cues of one speaker form one turn; each cue is a segment of it.

    A cue without a voice tag may name its speaker as a `Name: ` prefix; a cue with neither continues the
    previous speaker (subtitles often name the speaker only when it changes).
    """
    labels = {i: _match_label(cue.text) for i, cue in enumerate(cues) if cue.speaker is None}
    speakers = _accepted_labels(label for label in labels.values() if label is not None)
    turns: list[_Draft] = []
    for i, cue in enumerate(cues):
        speaker, body = cue.speaker, cue.text
        label = labels.get(i)
        if speaker is None and label is not None and label.name in speakers:
            speaker, body = label.name, body[label.length :]
        if speaker is None and turns:
            speaker = turns[-1].speaker
        if speaker is None or not body:
            continue
        if turns and turns[-1].speaker == speaker:
            turn = turns[-1]
            turn.text += " "
            turn.end_s = cue.end_s
        else:
            turn = _Draft(speaker, "", start_s=cue.start_s, end_s=cue.end_s)
            turns.append(turn)
        offset = len(turn.text)
        turn.segments.append(
            Segment(start=offset, end=offset + len(body), start_s=cue.start_s, end_s=cue.end_s)
        )
        turn.text += body
    return turns


def _turns_from_json(text: str, where: str) -> tuple[list[_Draft], str | None]:
    """A list of `{speaker, text, start?, end?}` objects, or `{"participant_id": ..., "turns": [...]}`."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        raise InputError(where, problem) from exc
    shape = 'expected a list of {speaker, text} objects or {"participant_id": ..., "turns": [...]}'
    declared: str | None = None
    if isinstance(data, dict):
        declared = data.get("participant_id")
        if declared is not None and (not isinstance(declared, str) or not declared.strip()):
            raise InputError(where, "'participant_id' must be a non-empty string")
        data = data.get("turns")
    if not isinstance(data, list):
        raise InputError(where, shape)
    turns: list[_Draft] = []
    for n, item in enumerate(data):
        speaker = item.get("speaker") if isinstance(item, dict) else None
        body = item.get("text") if isinstance(item, dict) else None
        if not isinstance(speaker, str) or not speaker.strip() or not isinstance(body, str):
            raise InputError(where, f"turn {n} needs a 'speaker' and a 'text' string; {shape}")
        body = _normalise_newlines(body).rstrip()
        if body:
            start_s = _json_time(item.get("start"), where, n, "start")
            end_s = _json_time(item.get("end"), where, n, "end")
            turns.append(_Draft(speaker.strip(), body, start_s=start_s, end_s=end_s))
    return turns, declared.strip() if declared else None


def _json_time(value: object, where: str, n: int, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and re.fullmatch(_CLOCK, value.strip()):
        return _parse_clock(value.strip())
    raise InputError(where, f"turn {n}: '{key}' must be seconds or a time like '00:01:02', not {value!r}")


def _parse_clock(value: str) -> float:
    """Seconds in `[hh:]mm:ss[.mmm]` (a comma before the fraction is allowed, as in SubRip)."""
    seconds = 0.0
    for part in value.replace(",", ".").split(":"):
        seconds = seconds * 60 + float(part)
    return round(seconds, 3)


# --------------------------------------------------------------------------------------------- transcript


def _is_interviewer(speaker: str) -> bool:
    return _INTERVIEWER.fullmatch(speaker.strip()) is not None


def _role(speaker: str) -> Role:
    return "interviewer" if _is_interviewer(speaker) else "participant"


def _transcript(path: Path, raw: bytes, drafts: list[_Draft], participant_id: str | None) -> Transcript:
    turns = tuple(
        Turn(
            index=i,
            speaker=d.speaker,
            role=_role(d.speaker),
            text=d.text,
            start_s=d.start_s,
            end_s=d.end_s,
            segments=tuple(d.segments),
        )
        for i, d in enumerate(drafts)
    )
    participants = list(dict.fromkeys(t.speaker for t in turns if t.role == "participant"))
    if not participants:
        speakers = ", ".join(dict.fromkeys(t.speaker for t in turns))
        raise InputError(
            str(path),
            f"only interviewer turns found (speakers: {speakers}); "
            "label the participant's turns with their code, e.g. 'P1: ...'",
        )
    if participant_id is None:
        only = participants[0] if len(participants) == 1 else None
        participant_id = only if only and _ID_LIKE.fullmatch(only) else path.stem
    return Transcript(
        id=path.name,
        path=str(path),
        participant_id=participant_id,
        sha256=hashlib.sha256(raw).hexdigest(),
        turns=turns,
    )
