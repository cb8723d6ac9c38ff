"""Numbered sentences of participant turns: the model cites `[turn.sentence]` ids, code takes the quote."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from cjgen.schema import Transcript

# A sentence ends at . ! ? … (optionally followed by a closing quote, straight or curly, or a bracket) before
# whitespace and a word that does not start in lower case ("It was... it was" is one sentence), or at a line
# break. Transcription services join one speaker's segments with a colon after two spaces ("Or the website.
# : I'm at."): after a sentence's end that mark begins a new one (in any case), and no sentence begins with it.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+(?:(?<=\s\s):\s+(?=\S)|(?=[^a-zà-ÿ\s])(?!(?<=\s\s):))|\n+")
MAX_WORDS = 45
# How a citation of a numbered sentence looks: "12.3" or "[12.3]".
SENTENCE_ID = re.compile(r"^\[?(\d+)\.(\d+)\]?$")
# A list bullet that opens a notes line (`- It was slow.`), or the mark of a Markdown quote on an answer's later
# line (`> It felt like I was going up.`): markup, not what was said.
LIST_BULLET = re.compile(r"[-*•>][ \t]+")
# A blank line inside a turn: a notetaker who writes down a long answer starts a paragraph for each point.
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Sentence:
    id: str
    turn_index: int
    start: int
    end: int
    text: str
    paragraph: int = 0  # of its turn, from 0: the blank lines before it


def split_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`, whitespace trimmed; very long ones split at a comma."""
    spans: list[tuple[int, int]] = []
    position = 0
    for match in [*_BOUNDARY.finditer(text), None]:
        end = match.start() if match else len(text)
        _add_trimmed(text, position, end, spans)
        if match:
            position = match.end()
    return [piece for span in spans for piece in _split_long(text, span)]


def _add_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def _split_long(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    start, end = span
    if len(text[start:end].split()) <= MAX_WORDS:
        return [span]
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in re.finditer(r"[,;:]\s+", text[start:end]):
        cut = start + match.start() + 1
        if len(text[cursor:cut].split()) >= 12:
            _add_trimmed(text, cursor, cut, pieces)
            cursor = start + match.end()
    _add_trimmed(text, cursor, end, pieces)
    return pieces


def number_sentences(transcript: Transcript) -> list[Sentence]:
    sentences: list[Sentence] = []
    for turn in transcript.participant_turns():
        breaks = [m.start() for m in PARAGRAPH_BREAK.finditer(turn.text)]
        for k, (start, end) in enumerate(split_spans(turn.text), start=1):
            paragraph = bisect.bisect_left(breaks, start)
            sentences.append(
                Sentence(f"{turn.index}.{k}", turn.index, start, end, turn.text[start:end], paragraph)
            )
    return sentences
