"""Subtitle files (.vtt from Zoom, Teams and Meet; .srt): cues merged into turns, each cue a timed segment."""

from __future__ import annotations

import re
from dataclasses import dataclass

import srt
import webvtt

from cjgen.errors import InputError
from cjgen.ingest.labels import accepted_labels, is_team_note, match_label, parse_clock
from cjgen.ingest.lines import looks_like_heading
from cjgen.ingest.parsed import Draft, Parsed, one_turn_per_run
from cjgen.ingest.text import INTERVIEWER
from cjgen.schema import Role, Segment

_SRT_TAG = re.compile(r"</?(?:i|b|u|font)\b[^>]*>", re.IGNORECASE)
_VTT_VOICE = re.compile(r"<v(?:\.[\w-]+)*[ \t]+([^>]+)>")
_VTT_TAG = re.compile(r"</?(?:v|c|i|b|u|lang|ruby|rt)\b[^>]*>", re.IGNORECASE)
_VTT_ENTITY = re.compile(r"&(amp|lt|gt|nbsp|lrm|rlm);")
_VTT_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "nbsp": "\u00a0", "lrm": "\u200e", "rlm": "\u200f"}
NO_SPEAKERS = (
    "no speaker names found in the cues: a cue that ends with a question or steers the session ('I'm going to "
    "have you …') is read as the interviewer's, every "
    "other cue as the participant's words; use voice tags ('<v P1>...</v>') or 'Name: ...' cue text to tell "
    "the speakers apart"
)
_CLOSING = "\"'”’)]»"


@dataclass(frozen=True)
class Cue:
    speaker: str | None
    text: str
    start_s: float
    end_s: float
    opens_section: bool = False  # a section heading came just before it (`Task 1`, written into the captions)


def vtt_cues(text: str, where: str) -> list[Cue]:
    try:
        captions = webvtt.WebVTT.from_string(text).captions
    except Exception as exc:  # MalformedFileError, MalformedCaptionError and the like
        raise InputError(
            where, f"is not a valid WebVTT file ({exc}); it must start with 'WEBVTT' followed by cues"
        ) from exc
    cues: list[Cue] = []
    for caption in captions:
        voice = _VTT_VOICE.match(caption.raw_text)
        body = _VTT_TAG.sub("", _join_cue_lines(caption.text))
        body = _VTT_ENTITY.sub(lambda m: _VTT_ENTITIES[m[1]], body)
        speaker = voice[1].strip() if voice else None
        cues.append(Cue(speaker, body, parse_clock(caption.start), parse_clock(caption.end)))
    return cues


def srt_cues(text: str, where: str) -> list[Cue]:
    try:
        subtitles = list(srt.parse(text))
    except Exception as exc:  # SRTParseError, or a bad timestamp
        raise InputError(
            where, f"is not a valid SubRip (.srt) file ({exc}); each cue needs a number, times and text"
        ) from exc
    return [
        Cue(
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


def cue_turns(cues: list[Cue], fmt: str) -> Parsed:
    """Consecutive cues of one speaker form one turn; each cue is a segment of it.

    A cue without a voice tag may name its speaker as a `Name: ` prefix (Zoom); a cue with neither continues
    the previous speaker (subtitles often name the speaker only when it changes). A line the research team
    labelled as its own (`Notetaker: Participant liked …`) is theirs, and speech goes on around it.
    """
    labels = {i: match_label(cue.text) for i, cue in enumerate(cues) if cue.speaker is None}
    speakers = accepted_labels(label for label in labels.values() if label is not None)
    turns: list[Draft] = []
    said: list[Draft] = []  # the turns of the interview's speakers, not the team's notes
    opens: list[bool] = []  # for each of those, whether its cue opens a section
    for i, cue in enumerate(cues):
        speaker, body = cue.speaker, cue.text
        role: Role | None = None
        label = labels.get(i)
        if speaker is None and label is not None and is_team_note(label.name):
            speaker, body, role = label.name, body[label.length :], "interviewer"
        elif speaker is None and label is not None and label.name in speakers:
            speaker, body = label.name, body[label.length :]
        if speaker is None and said:
            speaker = said[-1].speaker
        if not body:
            continue
        piece = Segment(start=0, end=len(body), start_s=cue.start_s, end_s=cue.end_s)
        turns.append(Draft(speaker, body, start_s=cue.start_s, end_s=cue.end_s, segments=[piece], role=role))
        if role is None:
            said.append(turns[-1])
            opens.append(cue.opens_section)
    unnamed = bool(said) and all(turn.speaker is None for turn in said)
    if unnamed:
        for turn, opens_section in zip(said, opens, strict=True):
            # Whoever opens a section the notetaker marked is the moderator, starting a task or a topic.
            if _asks(turn.text) or _directs(turn.text) or opens_section:
                turn.speaker, turn.role = INTERVIEWER, "interviewer"
            else:
                turn.role = "participant"
    parsed = Parsed(one_turn_per_run(turns, join_unnamed=True), fmt)
    if unnamed:
        parsed.kind = "notes"
        parsed.warnings.append(NO_SPEAKERS)
    return parsed


def _asks(text: str) -> bool:
    """Whether a cue ends by asking. In the eval cases' transcripts, 92 % of the turns and caption segments
    that end with "?" are the interviewer's (541 of 586), though only 44 % of the interviewer's end so."""
    return text.rstrip().rstrip(_CLOSING).endswith("?")


# What a moderator says to steer the session, which a participant does not say to them: a task given ("I'm going to
# have you scroll up", "please review all the information", "think aloud"), a move to the next part ("let's
# move on") or the session's pace ("a few more questions"), in the languages the interviews are held in (English
# only so far).
_DIRECTS = re.compile(
    r"\b(?:i'm|i\sam|i'll|i\swill|we're|we\sare|we'll|we\swill)\s(?:(?:just|actually|now|also)\s)?"
    r"(?:going\sto|gonna)\s(?:have|ask|show|send|give|get)\syou\b"
    r"|\b(?:i'd|i\swould)\slike\s(?:you\sto|to\s(?:have|ask|show)\syou)\b"
    r"|\b(?:let's|let\sus)\s(?:move\son|go\sahead\sand|jump|start\swith|talk\sabout)\b"
    r"|\bplease\s(?:review|scroll|click|share|read|take\sa\slook|tell\sme|describe|open)\b"
    r"|\bthink\s(?:aloud|out\sloud)\b|\bshare\syour\sscreen\b"
    # the session's pace: "just a few more questions", "we're almost done", "before we wrap up"
    r"|\b(?:few|couple(?:\sof)?)\s(?:more|last)\squestions\b|\bwe(?:'re|\sare)\salmost\s(?:done|finished|out\sof\stime)\b"
    r"|\bbefore\swe\s(?:wrap\sup|finish)\b",
    re.IGNORECASE,
)


def _directs(text: str) -> bool:
    """Whether a cue steers the session: the moderator's, whatever it ends with."""
    return _DIRECTS.search(text.replace("’", "'")) is not None


# A caption's time range on a line of its own, written out in a text or Word file (Teams' older transcript
# export writes `0:0:3.270 --> 0:0:6.590`, its clocks unpadded; a subtitle file saved as text pads them).
_LOOSE_CLOCK = r"\d{1,2}(?::\d{1,2}){1,2}(?:[.,]\d{1,3})?"
_TIME_RANGE = re.compile(rf"[ \t]*({_LOOSE_CLOCK})[ \t]*-->[ \t]*({_LOOSE_CLOCK})(?:[ \t].*)?")
_CUE_NUMBER = re.compile(r"[ \t]*\d{1,6}[ \t]*")
_NAME_LINE = re.compile(r"[^\W\d_][\w.'’\-]*(?:[ ][\w.'’\-()]+){0,4}")
# Most lines of a caption file are a time range, a name or a line of speech: a file where time ranges are
# fewer than one line in this many is a transcript that quotes one, not a caption file.
_LINES_PER_CUE = 6
# A section heading typed between caption blocks is a few words (`Task 1`, `Warm-up Questions`).
_HEADING_WORDS = 4


def caption_blocks(text: str) -> tuple[list[Cue], int] | None:
    """The cues of a caption file written out as text (time range, then the speaker's name on a line of its
    own or as `Name: `, then the words), and how many lines before the first cue were left out (a title such
    as "Meeting Transcript", or `WEBVTT`); None where the text is not one."""
    lines = [line for line in text.split("\n") if line.strip()]
    ranges = [(i, times) for i, line in enumerate(lines) if (times := _TIME_RANGE.fullmatch(line))]
    if len(ranges) < 2 or len(ranges) * _LINES_PER_CUE < len(lines):
        return None
    blocks: list[tuple[float, float, list[str], bool]] = []
    headed = False
    for n, (i, times) in enumerate(ranges):
        end = ranges[n + 1][0] if n + 1 < len(ranges) else len(lines)
        payload = [line.strip() for line in lines[i + 1 : end]]
        if n + 1 < len(ranges) and payload and _CUE_NUMBER.fullmatch(payload[-1]):
            payload.pop()  # the next cue's number (a subtitle file's)
        heading = n + 1 < len(ranges) and len(payload) >= 2 and _is_heading(payload[-1])
        if heading:
            payload.pop()  # a section heading typed in before the next cue (`Task 1`, `Warm-up Questions`)
        blocks.append((parse_clock(times[1]), parse_clock(times[2]), payload, headed))
        headed = heading
    first = ranges[0][0]
    preamble = first - (1 if first and _CUE_NUMBER.fullmatch(lines[first - 1]) else 0)
    return _named_cues(blocks), preamble


def _is_heading(line: str) -> bool:
    """A short title-case line with no closing punctuation: a section name, not a caption's speech."""
    return len(line.split()) <= _HEADING_WORDS and looks_like_heading(line, strict=True)


def _named_cues(blocks: list[tuple[float, float, list[str], bool]]) -> list[Cue]:
    """Cues whose first line is a speaker's name, where most cues open with one of a few recurring names."""
    firsts = [
        payload[0] for _, _, payload, _ in blocks if len(payload) >= 2 and _NAME_LINE.fullmatch(payload[0])
    ]
    recurring = {name for name in firsts if firsts.count(name) >= 2}
    named = len(recurring) <= max(2, len(blocks) // 4) and sum(f in recurring for f in firsts) * 2 > len(
        blocks
    )
    cues: list[Cue] = []
    for start_s, end_s, payload, headed in blocks:
        speaker = payload[0] if named and len(payload) >= 2 and payload[0] in recurring else None
        body = payload[1:] if speaker is not None else payload
        for k, said in enumerate(_by_label(body)):
            first = k == 0
            text = _join_cue_lines("\n".join(said))
            cues.append(Cue(speaker if first else None, text, start_s, end_s, opens_section=headed and first))
    return cues


def _by_label(lines: list[str]) -> list[list[str]]:
    """A cue's lines, cut where a later line opens with a speaker label: a transcript edited by hand may give
    one time range to a question and its answer (`Kim: … ?` then `> P2: Sure.`). A label that is no speaker
    (`Note: …`) joins its line back to the turn before, as an unnamed cue does."""
    parts: list[list[str]] = []
    for line in lines:
        if not parts or match_label(line) is not None:
            parts.append([])
        parts[-1].append(line)
    return parts
