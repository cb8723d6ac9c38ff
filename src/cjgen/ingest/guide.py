"""Conversation-guide text inside answers: what several interviews of one study share word for word.

Notetakers often type answers into a copy of the whole conversation guide, so every file of the study holds the
guide's lines: consent and recording lines, prototype steps, the second sentence of a two-sentence question,
questions that got no answer. Read one file at a time, such a line looks like the participant's. Across the
study it gives itself away: no two participants say the same sentence of several words, but every file repeats
the guide. A participant turn is cut at sentence boundaries into runs; a run whose every sentence recurs in
enough other files becomes an interviewer turn, and the rest stays the participant's, as exact source text.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from cjgen.schema import Transcript, Turn
from cjgen.sentences import split_spans

# Shorter sentences ("I don't know.", "Yes, that's right.") recur between participants by chance ...
MIN_GUIDE_WORDS = 4
# ... but a short question the study's notes share ("Any problems?") is the guide's: notes record answers.
MIN_GUIDE_QUESTION_WORDS = 2
# A sentence is the guide's when this share of the study's files holds it (and at least two files do).
GUIDE_SHARE = 0.3
# With fewer files, a shared sentence says too little about who wrote it.
MIN_FILES = 3
INTERVIEWER = "Interviewer"
_NON_WORD = re.compile(r"[^\w]+")
_APOSTROPHE = re.compile(r"['’]")
_QUESTION_MARKS = re.compile(r"\?+")


def _key(sentence: str) -> str | None:
    """A sentence as compared across files: words only, case folded; None when it is too short to tell."""
    words = _NON_WORD.sub(" ", _APOSTROPHE.sub("", sentence.casefold())).split()
    asks = sentence.rstrip().rstrip("\"'’”)").endswith("?")
    return " ".join(words) if len(words) >= (MIN_GUIDE_QUESTION_WORDS if asks else MIN_GUIDE_WORDS) else None


def _keys_of(transcript: Transcript) -> set[str]:
    return {
        key
        for turn in transcript.turns
        for start, end in split_spans(turn.text)
        if (key := _key(turn.text[start:end])) is not None
    }


def guide_sentences(transcripts: Sequence[Transcript]) -> set[str]:
    """Keys of the sentences that recur in enough of the study's notes to be the guide's.

    Only notes count: in a verbatim transcript the labels already say who spoke, and participants do share
    everyday phrases ("thank you so much").
    """
    notes = [t for t in transcripts if t.kind == "notes"]
    if len(notes) < MIN_FILES:
        return set()
    counts: Counter[str] = Counter()
    for transcript in notes:
        counts.update(_keys_of(transcript))
    need = max(2, math.ceil(GUIDE_SHARE * len(notes)))
    return {key for key, n in counts.items() if n >= need}


def separate_guide(transcripts: Sequence[Transcript]) -> list[Transcript]:
    """The transcripts with guide text in participant turns given to the interviewer (see the module doc)."""
    guide = guide_sentences(transcripts)
    if not guide:
        return list(transcripts)
    return [_separated(t, guide) if t.kind == "notes" else t for t in transcripts]


def _separated(transcript: Transcript, guide: set[str]) -> Transcript:
    turns: list[Turn] = []
    changed = False
    for turn in transcript.turns:
        pieces = _runs(turn, guide)
        changed |= len(pieces) != 1 or pieces[0][2] != turn.role
        for start, end, role in pieces:
            speaker = turn.speaker if role == turn.role else INTERVIEWER
            update = {"index": len(turns), "speaker": speaker, "role": role, "text": turn.text[start:end]}
            turns.append(turn.model_copy(update=update))
    if not changed or not any(t.role == "participant" for t in turns):
        return transcript
    return transcript.model_copy(update={"turns": tuple(turns)})


def _after_guide_question(text: str, start: int, end: int, guide: set[str]) -> list[tuple[int, int]]:
    """A sentence that opens with one of the guide's questions and goes on with the answer in lower case
    ("Have you ever used one? no, never"), as two spans; any other sentence as it is."""
    for question in _QUESTION_MARKS.finditer(text, start, end):
        answer = question.end()
        while answer < end and text[answer].isspace():
            answer += 1
        if answer < end and _key(text[start : question.end()]) in guide:
            return [(start, question.end()), (answer, end)]
    return [(start, end)]


def _runs(turn: Turn, guide: set[str]) -> list[tuple[int, int, str]]:
    """(start, end, role) pieces of a participant turn: alternating runs of guide and answer sentences.

    Timed turns (captions) are left whole: their cues already say who spoke.
    """
    whole = [(0, len(turn.text), str(turn.role))]
    if turn.role != "participant" or turn.segments:
        return whole
    spans = [
        piece for a, b in split_spans(turn.text) for piece in _after_guide_question(turn.text, a, b, guide)
    ]
    marks = [_key(turn.text[a:b]) in guide for a, b in spans]
    if not any(marks):
        return whole
    runs: list[tuple[int, int, str]] = []
    for (start, end), is_guide in zip(spans, marks, strict=True):
        role = "interviewer" if is_guide else "participant"
        if runs and runs[-1][2] == role:
            runs[-1] = (runs[-1][0], end, role)
        else:
            runs.append((start, end, role))
    return runs
