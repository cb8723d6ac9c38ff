"""Where a quote is in a raw transcript file, found without the pipeline's own ingest or grounding.

Both sides are normalised (Unicode, quotes, dashes, spacing, case) and redaction placeholders match any text,
so a quote is found exactly when its words are in the file, and its span can be compared with the gold's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cjgen.redact import PLACEHOLDERS
from cjgen.schema import Evidence

if TYPE_CHECKING:
    from cjgen.eval.gold import GoldCase, GoldQuote

# Curly quotes to straight ones, every dash to '-', invisible characters dropped.
_PUNCTUATION = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"),
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", None),
    }
)
# Every redaction placeholder stands for a value the quote hides (its list lives with the redaction).
_PLACEHOLDER = re.compile(
    r"\[(?:" + "|".join(re.escape(p.strip("[]")) for p in PLACEHOLDERS.values()) + r")(?:_\d+)?\]"
)
_TURN_BREAK = "\x00"  # separates turns in the turn view, so no quote and no wildcard can span two turns
_MIDDLE_WILDCARD = f"[^{_TURN_BREAK}]{{1,120}}?"
# A leading or trailing placeholder: bounded, so a match cannot start at the top of the file.
_EDGE_WILDCARD = r"\S+"
_INTERVIEWER = re.compile(r"(?:interviewer|moderator|facilitator)\b")


@dataclass
class NormText:
    """Normalised text, where character k came from raw[starts[k]:ends[k]]."""

    text: str = ""
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    _chars: list[str] = field(default_factory=list)

    def add(self, raw: str, start: int, end: int) -> None:
        i = start
        while i < end:
            j = i + 1
            while j < end and unicodedata.combining(raw[j]):
                j += 1  # keep a base letter with its combining marks so NFKC can compose them
            for ch in normalise(raw[i:j], strip=False):
                if ch == " " and self._chars and self._chars[-1] == " ":
                    self.ends[-1] = j
                    continue
                self._push(ch, i, j)
            i = j

    def add_break(self, char: str, at: int) -> None:
        if char == " " and self._chars and self._chars[-1] in (" ", _TURN_BREAK):
            return
        self._push(char, at, at)

    def freeze(self) -> NormText:
        self.text = "".join(self._chars)
        return self

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]

    def _push(self, ch: str, start: int, end: int) -> None:
        self._chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)


def normalise(text: str, *, strip: bool = True) -> str:
    """NFKC, straight quotes, '-' for dashes, one space for any whitespace run, casefolded."""
    out = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION).casefold()
    out = re.sub(r"\s+", " ", out)
    return out.strip() if strip else out


@dataclass(frozen=True)
class Span:
    """A character range [start, end) of one raw source file."""

    file: str
    start: int
    end: int

    def overlaps(self, other: Span) -> bool:
        return self.file == other.file and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Located:
    span: Span
    interviewer: bool


@dataclass
class SourceTurn:
    speaker: str
    interviewer: bool
    pieces: list[tuple[int, int]]  # raw ranges of the spoken text (cue text or paragraph after the label)


_VTT_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]+)>(.*?)(?:</v>)?\s*$")
# "P1: ", "Interviewer: ", "Dr Berg: ", "[Moderator] : "; capitalised words only, so "and then I said: no" is
# not a speaker.
_NAME = r"[A-Z][\w.'-]*(?: [A-Z0-9][\w.'-]*){0,2}"
# Also inside a Markdown heading ("#### Moderator: …") and in bold or italics, the colon inside or outside
# ("**Veteran**: …", "**Caregiver:** …"), where two may answer together ("**Veteran, Caregiver**: …").
_SPEAKER_LABEL = re.compile(
    rf"\ufeff?(?:#{{1,6}}[ \t]+)?"
    rf"(?:\[(?P<bracketed>{_NAME})\][ \t]*:|(?P<plain>{_NAME})[ \t]*:"
    rf"|(?P<em>\*{{1,2}}|_{{1,2}})(?P<emphasised>{_NAME}(?:, {_NAME})?)(?:(?P=em)[ \t]*:|:(?P=em)))\s"
)
# A label alone on the first line of a paragraph ("Moderator", then the turn's text on the next line).
_BARE_LABEL = re.compile(rf"\ufeff?\[?({_NAME})\]?[ \t]*\r?\n")


def _label_split(raw: str, start: int, end: int) -> tuple[str | None, int]:
    """'P1: text' -> ('P1', offset of 'text'); no label -> (None, start)."""
    match = _SPEAKER_LABEL.match(raw, start, end)
    if match is None:
        return None, start
    return (match["bracketed"] or match["plain"] or match["emphasised"]).strip(), match.end()


def _lines(raw: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line, without its line break."""
    pos = 0
    for line in raw.splitlines(keepends=True):
        stripped = line.rstrip("\r\n")
        yield pos, pos + len(stripped)
        pos += len(line)


def _cue_speaker(raw: str, start: int, end: int, kind: str) -> tuple[str | None, int, int]:
    if kind == ".vtt":
        match = _VTT_VOICE.match(raw, start, end)
        if match is None:
            return None, start, end
        return match.group(1).strip(), match.start(2), match.end(2)
    speaker, text_start = _label_split(raw, start, end)
    return speaker, text_start, end


def _parse_cues(raw: str, kind: str) -> list[tuple[str | None, int, int]]:
    """(speaker, text start, text end) for each text line of a .vtt or .srt file."""
    found: list[tuple[str | None, int, int]] = []
    in_cue = skipping_note = False
    for start, end in _lines(raw):
        line = raw[start:end].strip()
        if not line:
            in_cue = skipping_note = False
        elif "-->" in line:
            in_cue, skipping_note = True, False
        elif in_cue and not skipping_note:
            found.append(_cue_speaker(raw, start, end, kind))
        elif line.startswith("NOTE"):
            skipping_note = True
    return found


def _parse_paragraphs(raw: str) -> list[tuple[str | None, int, int]]:
    found: list[tuple[str | None, int, int]] = []
    for match in re.finditer(r"\S(?:.|\n(?![ \t]*\r?\n))*", raw):
        speaker, text_start = _label_split(raw, match.start(), match.end())
        found.append((speaker, text_start, match.end()))
    # A bare first line is a label only when it names an interviewer or a speaker labelled elsewhere, so a
    # one-word answer on its own line ("Yes") stays speech.
    known = {speaker for speaker, _, _ in found if speaker}
    for k, (speaker, start, end) in enumerate(found):
        bare = _BARE_LABEL.match(raw, start, end) if speaker is None else None
        if bare and (bare[1] in known or _INTERVIEWER.fullmatch(bare[1].casefold())):
            found[k] = (bare[1], bare.end(), end)
    return found


# Interview notes with no speaker labels: `- Question? *answer`, also `Question? answer`, `*Question? answer`
# and `Topic: *answer`. The question (or topic) is the interviewer's; every other line continues the answer.
_NOTES_MARKS = re.compile(r"[ \t]*(?P<bullet>[-\u2013\u2022][ \t]*)?(?P<star>\*[ \t]*)?")
_NOTES_SEPARATOR = re.compile(r"[?:][ \t]*\*[ \t]*")
_NOTES_QUESTION_LINE = re.compile(r"(?m)^[ \t]*(?:[-\u2013\u2022][^?\n]*\?|[^?:*\n]+[?:][ \t]*\*)")
_SENTENCE_END = re.compile(r"[.!][ \t]+\S")
MAX_QUESTION_WORDS = 40
NOTES_INTERVIEWER, NOTES_PARTICIPANT = "Interviewer", "Participant"


def _is_notes(parts: Sequence[tuple[str | None, int, int]], raw: str) -> bool:
    """At least two question lines, and more of them than speaker-labelled paragraphs."""
    questions = len(_NOTES_QUESTION_LINE.findall(raw))
    return questions >= 2 and questions > sum(speaker is not None for speaker, _, _ in parts)


def _one_question(text: str) -> bool:
    return (
        bool(text.strip())
        and "*" not in text
        and len(text.split()) <= MAX_QUESTION_WORDS
        and not _SENTENCE_END.search(text)
    )


def _notes_line(raw: str, start: int, end: int) -> list[tuple[str | None, int, int]]:
    """(speaker, start, end) of the question and the answer on one line of notes.

    Without a `*` after it, a question needs a bullet, or a leading `*` and an answer after it on the line
    (`* Answer, is it?` alone is an answer).
    """
    marks = _NOTES_MARKS.match(raw, start, end)
    bullet, star = (marks["bullet"], marks["star"]) if marks else (None, None)
    at = marks.end() if marks else start
    separator = _NOTES_SEPARATOR.search(raw, at, end)
    mark = raw.find("?", at, end)
    if separator and _one_question(raw[at : separator.start()]):
        asked, answer = separator.start() + 1, separator.end()
    elif mark >= 0 and (bullet or (star and raw[mark + 1 : end].strip())) and _one_question(raw[at:mark]):
        asked, answer = mark + 1, mark + 1
    else:
        return [(NOTES_PARTICIPANT, at, end)]
    while answer < end and raw[answer].isspace():
        answer += 1
    return [(NOTES_INTERVIEWER, at, asked), (NOTES_PARTICIPANT, answer, end)]


def _parse_notes(raw: str) -> list[tuple[str | None, int, int]]:
    return [
        part for start, end in _lines(raw) if raw[start:end].strip() for part in _notes_line(raw, start, end)
    ]


def parse_turns(raw: str, suffix: str) -> list[SourceTurn]:
    """Turns of a raw transcript, from its lines alone (deliberately not the cjgen ingest module).

    A line or paragraph without a speaker continues the previous speaker; consecutive cues of one speaker are
    one turn. Notes with no speaker labels in `- Question? *answer` lines alternate interviewer and participant.
    """
    kind = suffix.lower()
    parts = _parse_cues(raw, kind) if kind in (".vtt", ".srt") else _parse_paragraphs(raw)
    if kind not in (".vtt", ".srt") and _is_notes(parts, raw):
        parts = _parse_notes(raw)
    turns: list[SourceTurn] = []
    for speaker, start, end in parts:
        if start >= end:
            continue
        if turns and (speaker is None or speaker == turns[-1].speaker):
            turns[-1].pieces.append((start, end))
            continue
        name = speaker or ""
        turns.append(SourceTurn(name, _INTERVIEWER.match(name.casefold()) is not None, [(start, end)]))
    return turns


@dataclass
class SourceText:
    """One raw transcript file and two searchable views of it."""

    name: str
    raw: str
    turns: list[SourceTurn]
    whole: NormText
    by_turn: NormText

    @classmethod
    def read(cls, path: Path) -> SourceText:
        raw = path.read_text(encoding="utf-8")
        turns = parse_turns(raw, path.suffix)
        whole = NormText()
        whole.add(raw, 0, len(raw))
        by_turn = NormText()
        for turn in turns:
            for start, end in turn.pieces:
                by_turn.add(raw, start, end)
                by_turn.add_break(" ", end)
            by_turn.add_break(_TURN_BREAK, turn.pieces[-1][1])
        return cls(path.name, raw, turns, whole.freeze(), by_turn.freeze())

    def is_interviewer(self, start: int, end: int) -> bool:
        return any(self.turns[k].interviewer for k in self.turns_at(start, end))

    def turns_at(self, start: int, end: int) -> set[int]:
        """Indexes of the turns whose spoken text overlaps raw[start:end]."""
        return {
            k
            for k, turn in enumerate(self.turns)
            if any(s < end and start < e for s, e in turn.pieces if e > s)
        }

    def locate(self, quote: str) -> Located | None:
        """Where the quote is in the raw file; a participant occurrence is preferred over an interviewer one.

        The whole file is searched first (the plain meaning of "verbatim"); the turn view, where the cues of
        one turn are joined, catches a quote that runs over a subtitle cue boundary.
        """
        pattern = quote_pattern(quote)
        if pattern is None:
            return None
        for view in (self.whole, self.by_turn):
            first: Located | None = None
            for match in pattern.finditer(view.text):
                start, end = view.raw_span(match.start(), match.end())
                found = Located(Span(self.name, start, end), self.is_interviewer(start, end))
                if not found.interviewer:
                    return found
                first = first or found
            if first is not None:
                return first
        return None


def quote_pattern(quote: str) -> re.Pattern[str] | None:
    """A regex for a quote in normalised text; each redaction placeholder stands for any text."""
    pieces = _PLACEHOLDER.split(quote)
    normalised = [normalise(p, strip=False) for p in pieces]
    normalised[0] = normalised[0].lstrip()
    normalised[-1] = normalised[-1].rstrip()
    if not any(p.strip() for p in normalised):
        return None
    parts: list[str] = []
    for k, piece in enumerate(normalised):
        if k > 0:
            edge = (k == 1 and not normalised[0]) or (k == len(normalised) - 1 and not piece)
            parts.append(_EDGE_WILDCARD if edge else _MIDDLE_WILDCARD)
        parts.append(re.escape(piece))
    return re.compile("".join(parts))


class CaseSources:
    """The raw transcripts of one case, indexed by file name and by participant."""

    def __init__(self, case: GoldCase) -> None:
        self.by_file: dict[str, SourceText] = {}
        self.by_participant: dict[str, SourceText] = {}
        for pid, path in case.transcripts.items():
            source = SourceText.read(path)
            self.by_file[source.name] = source
            self.by_participant[pid] = source
        self._cache: dict[tuple[str, str], Located | None] = {}

    def locate_evidence(self, evidence: Evidence) -> Located | None:
        """Search the file the evidence names; a source id that names no case file searches them all."""
        key = (evidence.source_id, evidence.quote)
        if key not in self._cache:
            wanted = Path(evidence.source_id.replace("\\", "/")).name.casefold()
            named = next((src for name, src in self.by_file.items() if name.casefold() == wanted), None)
            candidates = [named] if named is not None else list(self.by_file.values())
            self._cache[key] = next(
                (hit for src in candidates if (hit := src.locate(evidence.quote)) is not None), None
            )
        return self._cache[key]

    def participant_span(self, evidence: Evidence) -> Span | None:
        """Where a quote lies in a participant turn; None when it is not found or is the interviewer's."""
        hit = self.locate_evidence(evidence)
        return hit.span if hit is not None and not hit.interviewer else None

    def locate_gold(self, quote: GoldQuote) -> Located | None:
        source = self.by_participant.get(quote.participant)
        return source.locate(quote.quote) if source is not None else None

    def gold_spans(self, quotes: Iterable[GoldQuote]) -> list[Span]:
        return [hit.span for q in quotes if (hit := self.locate_gold(q)) is not None]

    def evidence_spans(self, evidence: Iterable[Evidence]) -> list[Span]:
        return [hit.span for e in evidence if (hit := self.locate_evidence(e)) is not None]

    def turns_of(self, span: Span) -> set[tuple[str, int]]:
        """(file, turn index) of each turn the span overlaps: what a quote cites, whichever sentence it is."""
        source = self.by_file.get(span.file)
        if source is None:
            return set()
        return {(span.file, k) for k in source.turns_at(span.start, span.end)}
