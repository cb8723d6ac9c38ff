"""Conversation-guide text inside answers: what several interviews of one study share word for word.

Notetakers often type answers into a copy of the whole conversation guide, so every file of the study holds the
guide's lines: consent and recording lines, prototype steps, the second sentence of a two-sentence question,
questions that got no answer. Read one file at a time, such a line looks like the participant's. Across the
study it gives itself away: no two participants say the same sentence of several words, but every file repeats
the guide. A participant turn is cut at sentence boundaries into runs; a run whose every sentence recurs in
enough other files becomes an interviewer turn, and the rest stays the participant's, as exact source text.
A notetaker who types the answer on the guide line, after its last sentence with no full stop ("… or how you
access virtual appointments: well, at the desk"), or who drops a word of it, leaves no sentence the files share
whole; a run of `RUN_WORDS` words or more that they share still gives the guide away, and a sentence that opens
with such runs is the guide's up to where they end.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from cjgen.schema import Transcript, Turn
from cjgen.sentences import LIST_BULLET, split_spans

# Shorter sentences ("I don't know.", "Yes, that's right.") recur between participants by chance ...
MIN_GUIDE_WORDS = 4
# ... but a short question the study's notes share ("Any problems?") is the guide's: notes record answers.
MIN_GUIDE_QUESTION_WORDS = 2
# A question this short that the study's notes share and that opens what follows a guide line ("Why?", "How
# so?") is the guide's follow-up: an answer does not open by asking what every file asks.
FOLLOW_UP_WORDS = 3
# A sentence is the guide's when this share of the study's files holds it (and at least two files do).
GUIDE_SHARE = 0.3
# With fewer files, a shared sentence says too little about who wrote it.
MIN_FILES = 3
# Participants do not say the same run of this many words by chance, but a guide line typed into every file
# holds many such runs.
RUN_WORDS = 8
INTERVIEWER = "Interviewer"
_WORD = re.compile(r"[\w'’]+")
_NON_WORD = re.compile(r"[^\w]+")
_APOSTROPHE = re.compile(r"['’]")
_QUESTION_MARKS = re.compile(r"\?+")
_AFTER_FOLLOW_UP = re.compile(r"[\s:]*")
# What a notetaker types between a guide line and the answer after it.
_AFTER_ANSWER_MARK = re.compile(r"[\s:.?!,;–—-]*")
# What follows the end of a guide line in the same sentence: a mark, a capital after a space, or nothing.
_AFTER_GUIDE_LINE = re.compile(r"\s*(?:[:.?!,;–—-]|$)|\s+[A-Z]")


# A notetaker's prompt before a colon and the answer typed after it ("Where were you directed to go: the front
# desk."): the prompt is the guide's where the study's notes share it word for word, as they share sentences.
MAX_PROMPT_WORDS = 12
# The colon that ends such a prompt: not one inside a link or a time ("https://", "10:30").
_PROMPT_END = re.compile(r":(?=[\s”\"'’]|$)")


@dataclass(frozen=True)
class Guide:
    """Keys (`_key`) of the guide's sentences, of its short follow-up questions (`FOLLOW_UP_WORDS`), and of the
    prompts its notes type answers after (`_prompt`)."""

    sentences: frozenset[str]
    follow_ups: frozenset[str] = frozenset()
    prompts: frozenset[str] = frozenset()
    runs: frozenset[str] = frozenset()  # keys of `RUN_WORDS`-word runs (`_runs_of`)


def _words(text: str) -> list[str]:
    """A text's words as compared across files: case folded, apostrophes and other marks gone."""
    return _NON_WORD.sub(" ", _APOSTROPHE.sub("", text.casefold())).split()


def _key(sentence: str) -> str | None:
    """A sentence as compared across files: words only, case folded; None when it is too short to tell."""
    words = _words(sentence)
    asks = sentence.rstrip().rstrip("\"'’”)").endswith("?")
    return " ".join(words) if len(words) >= (MIN_GUIDE_QUESTION_WORDS if asks else MIN_GUIDE_WORDS) else None


def _opening_question(sentence: str) -> str | None:
    """The key of the short question a sentence opens with ("Why?" of "Why? The queue was long."), if any."""
    question = _QUESTION_MARKS.search(sentence)
    if question is None:
        return None
    words = _words(sentence[: question.start()])
    return " ".join(words) if 0 < len(words) <= FOLLOW_UP_WORDS else None


def _prompt(sentence: str) -> str | None:
    """The key of the prompt a sentence opens with before a colon ("Where were you directed to go" of "Where
    were you directed to go: the front desk."), if it has one of two to `MAX_PROMPT_WORDS` words."""
    colon = _PROMPT_END.search(sentence)
    if colon is None:
        return None
    words = _words(LIST_BULLET.sub("", sentence[: colon.start()], count=1))
    return " ".join(words) if 2 <= len(words) <= MAX_PROMPT_WORDS else None


def _word_spans(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """The words of `text[start:end]` with their offsets, each as `_words` compares it."""
    found = []
    for word in _WORD.finditer(text, start, end):
        for piece in _NON_WORD.sub(" ", _APOSTROPHE.sub("", word.group().casefold())).split():
            found.append((word.start(), word.end(), piece))
    return found


def _runs_of(sentence: str) -> set[str]:
    """The keys of a sentence's runs of `RUN_WORDS` consecutive words."""
    words = _words(sentence)
    return {" ".join(words[k : k + RUN_WORDS]) for k in range(len(words) - RUN_WORDS + 1)}


def _guide_opening(
    text: str, start: int, end: int, guide: Guide, words: list[tuple[int, int, str]] | None = None
) -> int:
    """Where the guide's shared runs that open `text[start:end]` end (`start` when none opens it): the first
    word starts one, and each next one starts at or before the end of those before it. `words`: the span's
    `_word_spans`, where the caller has them."""
    words = _word_spans(text, start, end) if words is None else words
    covered = 0  # words from the first that shared runs cover
    for k in range(len(words) - RUN_WORDS + 1):
        if k > covered:
            break
        if " ".join(w for _, _, w in words[k : k + RUN_WORDS]) in guide.runs:
            covered = k + RUN_WORDS
    if not covered:
        return start
    # The guide line ends where a mark or a new sentence's capital follows it; runs that stop inside a phrase
    # ("… take about 30 minutes" of "… 30 minutes or so.") leave the sentence as it was.
    then = _AFTER_GUIDE_LINE.match(text, words[covered - 1][1], end)
    return words[covered - 1][1] if then is not None else start


def _sentences_of(transcript: Transcript) -> Iterator[str]:
    for turn in transcript.turns:
        for start, end in split_spans(turn.text):
            yield turn.text[start:end]


def _shared(keys_per_file: Sequence[set[str]], need: int) -> frozenset[str]:
    counts: Counter[str] = Counter()
    for keys in keys_per_file:
        counts.update(keys)
    return frozenset(key for key, n in counts.items() if n >= need)


def guide_sentences(transcripts: Sequence[Transcript]) -> Guide:
    """The sentences, and short questions, that recur in enough of the study's notes to be the guide's.

    Only notes count: in a verbatim transcript the labels already say who spoke, and participants do share
    everyday phrases ("thank you so much").
    """
    notes = [t for t in transcripts if t.kind == "notes"]
    if len(notes) < MIN_FILES:
        return Guide(frozenset())
    need = max(2, math.ceil(GUIDE_SHARE * len(notes)))
    said = [list(_sentences_of(t)) for t in notes]
    return Guide(
        _shared([{k for s in sentences if (k := _key(s)) is not None} for sentences in said], need),
        _shared(
            [{k for s in sentences if (k := _opening_question(s)) is not None} for sentences in said], need
        ),
        _shared([{k for s in sentences if (k := _prompt(s)) is not None} for sentences in said], need),
        # A run needs a third file however small the study: two notes can share a sentence copied between them.
        _shared([{r for s in sentences for r in _runs_of(s)} for sentences in said], max(MIN_FILES, need)),
    )


def separate_guide(transcripts: Sequence[Transcript]) -> list[Transcript]:
    """The transcripts with guide text in participant turns given to the interviewer (see the module doc)."""
    guide = guide_sentences(transcripts)
    if not guide.sentences and not guide.prompts and not guide.runs:
        return list(transcripts)
    return [_separated(t, guide) if t.kind == "notes" else t for t in transcripts]


def _separated(transcript: Transcript, guide: Guide) -> Transcript:
    turns: list[Turn] = []
    changed = False
    for turn in transcript.turns:
        after_question = bool(turns) and turns[-1].role == "interviewer"
        pieces = _runs(turn, guide, after_question)
        changed |= len(pieces) != 1 or pieces[0][2] != turn.role
        for start, end, role in pieces:
            speaker = turn.speaker if role == turn.role else INTERVIEWER
            update = {"index": len(turns), "speaker": speaker, "role": role, "text": turn.text[start:end]}
            turns.append(turn.model_copy(update=update))
    if not changed or not any(t.role == "participant" for t in turns):
        return transcript
    return transcript.model_copy(update={"turns": tuple(turns)})


def _after_guide_question(text: str, start: int, end: int, guide: Guide) -> list[tuple[int, int]]:
    """A sentence that opens with one of the guide's questions and goes on with the answer in lower case
    ("Have you ever used one? no, never"), or with one of its prompts and a colon ("Where were you directed to
    go: the front desk."), as two spans (the prompt alone where nothing follows it); any other sentence as it
    is."""
    for question in _QUESTION_MARKS.finditer(text, start, end):
        answer = question.end()
        while answer < end and text[answer].isspace():
            answer += 1
        if answer < end and _key(text[start : question.end()]) in guide.sentences:
            return [(start, question.end()), (answer, end)]
    if _key(text[start:end]) in guide.sentences:
        return [(start, end)]
    if _prompt(text[start:end]) in guide.prompts:
        colon = _PROMPT_END.search(text, start, end).end()  # type: ignore[union-attr]  # `_prompt` found it
        answer = _AFTER_FOLLOW_UP.match(text, colon, end).end()  # type: ignore[union-attr]
        return [(start, colon), (answer, end)] if answer < end else [(start, end)]
    guide_end = _guide_opening(text, start, end, guide)
    if guide_end > start:
        answer = _AFTER_ANSWER_MARK.match(text, guide_end, end).end()  # type: ignore[union-attr]
        return [(start, guide_end), (answer, end)] if answer < end else [(start, end)]
    return [(start, end)]


def _runs(turn: Turn, guide: Guide, after_question: bool = False) -> list[tuple[int, int, str]]:
    """(start, end, role) pieces of a participant turn: alternating runs of guide and answer sentences.
    `after_question`: the turn follows the interviewer's, so a follow-up question may open it.

    Timed turns (captions) are left whole: their cues already say who spoke.
    """
    whole = [(0, len(turn.text), str(turn.role))]
    if turn.role != "participant" or turn.segments:
        return whole
    spans = [
        piece for a, b in split_spans(turn.text) for piece in _after_guide_question(turn.text, a, b, guide)
    ]
    marks = [
        _key(turn.text[a:b]) in guide.sentences
        or _prompt_only(turn.text[a:b], guide)
        or _guide_whole(turn.text, a, b, guide)
        for a, b in spans
    ]
    spans, marks = _with_follow_ups(turn.text, spans, marks, guide.follow_ups, after_question)
    if not any(marks):
        return whole
    runs: list[tuple[int, int, str]] = []
    for (start, end), is_guide in zip(spans, marks, strict=True):
        role = "interviewer" if is_guide else "participant"
        bullet = LIST_BULLET.match(turn.text, start, end) if is_guide else None
        if bullet:
            start = (
                bullet.end()
            )  # a notes line of guide text (`- Now we will pretend …`): no bullet in the question
        if runs and runs[-1][2] == role:
            runs[-1] = (runs[-1][0], end, role)
        else:
            runs.append((start, end, role))
    return runs


def _guide_whole(text: str, start: int, end: int, guide: Guide) -> bool:
    """A span whose every word the guide's shared runs cover (what `_after_guide_question` cut off)."""
    words = _word_spans(text, start, end)
    return len(words) >= RUN_WORDS and _guide_opening(text, start, end, guide, words) >= words[-1][1]


def _prompt_only(span: str, guide: Guide) -> bool:
    """A span that is one of the guide's prompts and its colon, with no answer after it."""
    return span.rstrip().endswith(":") and _prompt(span) in guide.prompts


def _with_follow_ups(
    text: str,
    spans: list[tuple[int, int]],
    marks: list[bool],
    follow_ups: frozenset[str],
    after_question: bool,
) -> tuple[list[tuple[int, int]], list[bool]]:
    """The spans with a follow-up question of the guide's that comes right after guide text (or opens a turn
    that follows the interviewer's, `after_question`) marked as the guide's too, apart from an answer typed
    after it ("Why? The queue was long." / "Why?: it was quicker")."""
    out_spans: list[tuple[int, int]] = []
    out_marks: list[bool] = []
    follows = after_question
    for (start, end), is_guide in zip(spans, marks, strict=True):
        if follows and not is_guide and _opening_question(text[start:end]) in follow_ups:
            question = _QUESTION_MARKS.search(text, start, end)
            assert question is not None  # `_opening_question` found it
            out_spans.append((start, question.end()))
            out_marks.append(True)
            start = _AFTER_FOLLOW_UP.match(text, question.end(), end).end()  # type: ignore[union-attr]
            if start == end:
                continue
        follows = is_guide
        out_spans.append((start, end))
        out_marks.append(is_guide)
    return out_spans, out_marks
