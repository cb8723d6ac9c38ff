"""Label every participant sentence: a problem, a good moment, or neither — one narrow question each.

This replaces asking a small model for whole lists of findings: the model answers one multiple-choice question
per sentence (read from its answer probabilities where the backend allows), and code does the selecting,
grouping and counting. The interview is the shared context of every question, so each sentence is judged in
the light of the question it answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from cjgen.ask import Runtime
from cjgen.asked import asks_nothing, remarks_only, what_it_asks
from cjgen.choose import ChoiceModel, cached_answers, choose
from cjgen.prompts import Prompt, render_block, render_prompt
from cjgen.readout import LabelHead, centred, label_head
from cjgen.redact import RedactedTranscript
from cjgen.schema import Transcript, Turn
from cjgen.sentences import Sentence, number_sentences
from cjgen.untrusted import for_prompt, prompt_id
from cjgen.wording import first_words

# Long interviews are read in chunks of turns so that one chunk's context fits the model's window.
CHUNK_WORDS = 2400
# All a chunk shows, interviewer lines included: at about 1.9 tokens a word with sentence ids, the interview
# fits the embedded model's 8,192-token window with room for the legend and a question. An hour-long interview
# with many short questions showed 4,700 words in one chunk of 2,400 participant words: 8,900 tokens.
MAX_SHOWN_WORDS = 3600
KINDS = ("pain", "delight", "action", "other")
LETTERS = ("A", "B", "C", "D")
LETTERS_FOR_SEGMENTS = ("A", "B", "C", "D", "E", "F", "G", "H")
INTERVIEWER_WORDS = 60
INTERVIEW_END = "</interview>"
# Sentences shorter than this say too little to be a finding on their own ("Yes.", "Not really.").
MIN_WORDS = 3


@dataclass(frozen=True)
class Chunk:
    turns: tuple[Turn, ...]
    sentences: tuple[Sentence, ...]


def _shown_words(turn: Turn) -> int:
    """The words of a turn as an interview is shown to the model (interviewer turns are shortened)."""
    words = len(turn.text.split())
    return words if turn.role == "participant" else min(words, INTERVIEWER_WORDS)


def chunk_turns(
    turns: tuple[Turn, ...],
    sentences: list[Sentence],
    max_words: int = CHUNK_WORDS,
    max_shown: int = MAX_SHOWN_WORDS,
) -> list[Chunk]:
    """Split at turn boundaries so that no chunk's participant text exceeds `max_words`, nor all it shows,
    interviewer lines included, `max_shown` (one turn may)."""
    chunks: list[list[Turn]] = [[]]
    words = shown = 0
    for turn in turns:
        seen = _shown_words(turn)
        size = seen if turn.role == "participant" else 0
        if chunks[-1] and (words + size > max_words or shown + seen > max_shown):
            # Start the next chunk with the interviewer's question that leads into this turn, for context.
            lead = [chunks[-1][-1]] if chunks[-1][-1].role == "interviewer" else []
            chunks.append(lead)
            words = 0
            shown = sum(_shown_words(t) for t in lead)
        chunks[-1].append(turn)
        words += size
        shown += seen
    result = []
    for group in chunks:
        indexes = {t.index for t in group}
        result.append(Chunk(tuple(group), tuple(s for s in sentences if s.turn_index in indexes)))
    return result


@dataclass(frozen=True)
class SentenceLabel:
    sentence: Sentence
    participant_id: str
    source_id: str
    pain: float
    delight: float
    action: float
    question: str  # the interviewer's question this sentence answers ("" when none)
    # What pain, delight and action usually score where the labeller has no lean to take out (a head trained
    # across many interviews); None: the interview's own mean is the baseline (`findings.calibrated`).
    baseline: tuple[float, float, float] | None = None
    # What the sentence means, read from the same states (`readout.LabelHead.meanings`), centred on its
    # interview; None where the labels were asked.
    meaning: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Reading:
    """One interview, read: a label per sentence and, when the brief names segments, the segment chances."""

    labels: list[SentenceLabel]
    segment: list[float]  # probability per brief segment, in order ([] when there are none)
    chunks: list[Chunk]  # the parts the interview was read in, with its numbered sentences

    @property
    def sentences(self) -> list[Sentence]:
        return [s for chunk in self.chunks for s in chunk.sentences]


def interview_turns(chunk: Chunk, participant_id: str) -> list[dict[str, Any]]:
    """The chunk's turns as the prompt shows them: interviewer lines shortened, participant sentences numbered."""
    by_turn: dict[int, list[Sentence]] = {}
    for sentence in chunk.sentences:
        by_turn.setdefault(sentence.turn_index, []).append(sentence)
    return [
        {
            "role": turn.role,
            "speaker_label": prompt_id(
                participant_id if turn.speaker in ("", participant_id) else turn.speaker
            ),
            "text": for_prompt(first_words(turn.text, INTERVIEWER_WORDS)),
            "sentences": [(s.id, for_prompt(" ".join(s.text.split()))) for s in by_turn.get(turn.index, [])],
        }
        for turn in chunk.turns
    ]


def questions_before(turns: Sequence[Turn]) -> dict[int, str]:
    """For each participant turn, the interviewer's line it answers: the last that asks or prompts, not one that
    only acknowledges ("Hmm.") or remarks ("That's strange."), from what it asks on; a remark only where no
    line before it asks."""
    asked: dict[int, str] = {}
    last = remark = ""
    for turn in turns:
        if turn.role == "participant":
            asked[turn.index] = last or remark
        elif asks_nothing(turn):
            continue
        elif remarks_only(turn.text):
            remark = " ".join(turn.text.split())
        else:
            last = " ".join(what_it_asks(turn.text).split())
    return asked


def labelled(chunk: Chunk) -> list[Sentence]:
    """The chunk's sentences that get a label question (long enough to say something on their own)."""
    return [s for s in chunk.sentences if len(s.text.split()) >= MIN_WORDS]


def label_prompt(transcript: Transcript, chunk: Chunk) -> Prompt:
    """The shared context of one chunk's label questions: the chunk's turns, then the labels and examples."""
    return render_prompt(
        "label",
        participant_id=prompt_id(transcript.participant_id),
        turns=interview_turns(chunk, transcript.participant_id),
    )


def label_questions(sentences: Sequence[Sentence]) -> list[str]:
    """One question per sentence, each quoting it."""
    return [
        render_block("label", "question", id=s.id, text=for_prompt(" ".join(s.text.split())))
        for s in sentences
    ]


def head_for(runtime: Runtime) -> LabelHead | None:
    """The shipped label head where this runtime's model is the one it reads, else None (ask questions)."""
    head = label_head()
    reads = isinstance(runtime.model, ChoiceModel) and hasattr(runtime.model, "read_states")
    if head is None or not reads or runtime.labels != "states" or runtime.model_name != head.model:
        return None
    return head


def interview_only(prompt: Prompt) -> Prompt:
    """The label prompt up to the end of its interview, without the legend after it: what a states read
    evaluates, and the context of questions asked after one."""
    interview = prompt.user[: prompt.user.index(INTERVIEW_END) + len(INTERVIEW_END)]
    return Prompt(prompt.id, prompt.template_hash, prompt.system, interview)


def state_spans(prompt: Prompt, sentences: Sequence[Sentence]) -> tuple[str, list[tuple[str, str]]]:
    """What a states read evaluates (`interview_only`) and each sentence's span in it: (its id marker, its
    text as shown)."""
    interview = interview_only(prompt).user
    return interview, [(f"[{s.id}] ", for_prompt(" ".join(s.text.split()))) for s in sentences]


@dataclass(frozen=True)
class StatesRead:
    """What the head reads per sentence: the kind probabilities and, where it has axes, the meaning."""

    labels: list[list[float]]
    meanings: list[list[float]] | None


def labels_from_states(
    runtime: Runtime,
    head: LabelHead,
    prompt: Prompt,
    sentences: Sequence[Sentence],
    *,
    step: str,
    keep: bool = False,
) -> StatesRead:
    """Per sentence, the kind probabilities the head reads from the model's states over it, and what it
    means: the interview part of the label prompt is evaluated once and nothing is asked. With `keep`, the
    model keeps that evaluation for questions asked after it once later chunks were read."""
    interview, spans = state_spans(prompt, sentences)

    def by_states() -> tuple[Any, int, int]:
        read = runtime.model.read_states(prompt.system, interview, spans, [head.layer], keep)  # type: ignore[attr-defined]
        mean = read.mean[head.layer]
        answers = {"labels": head.probabilities(mean, read.last[head.layer]), "meanings": head.meanings(mean)}
        return answers, read.prompt_tokens, 0

    shown = interview_only(prompt)
    questions = [lead + said for lead, said in spans]
    answers = cached_answers(
        runtime, shown, questions, {"mode": "states", "head": head.version}, step, by_states
    )
    return StatesRead(answers["labels"], answers["meanings"])


def label_transcript(runtime: Runtime, source: RedactedTranscript, segments: Sequence[Any] = ()) -> Reading:
    """A label for every participant sentence of one (redacted) transcript, and which segment they are in."""
    transcript = source.redacted
    chunks = chunk_turns(transcript.turns, number_sentences(transcript), CHUNK_WORDS)
    labels: list[SentenceLabel] = []
    meanings: list[list[float]] = []
    votes: list[list[float]] = []
    step = f"extract:{transcript.id}"
    head = head_for(runtime)  # None: one question per sentence
    for chunk in chunks:
        asked = questions_before(chunk.turns)
        wanted = labelled(chunk)
        if not wanted:
            continue
        prompt = label_prompt(transcript, chunk)
        # An earlier chunk's stage questions come after the later chunks are read (`stage_moments`).
        keep = chunk is not chunks[-1]
        if head is not None:
            read = labels_from_states(runtime, head, prompt, wanted, step=step, keep=keep)
            answers = read.labels
            meanings += read.meanings or []
        else:
            answers = choose(runtime, prompt, label_questions(wanted), LETTERS, step=step, keep=keep)
        for sentence, (pain, delight, action, _other) in zip(wanted, answers, strict=True):
            labels.append(
                SentenceLabel(
                    sentence,
                    transcript.participant_id,
                    transcript.id,
                    pain,
                    delight,
                    action,
                    asked.get(sentence.turn_index, ""),
                    head.baseline if head is not None else None,
                )
            )
        if len(segments) >= 2:
            question = render_block(
                "label",
                "persona",
                participant_id=prompt_id(transcript.participant_id),
                segments=[
                    {"name": for_prompt(g.name), "description": for_prompt(g.description)} for g in segments
                ],
            )
            options = LETTERS_FOR_SEGMENTS[: len(segments)]
            # Asked after what the model holds: the interview a states read left, or the label questions'.
            held = prompt if head is None else interview_only(prompt)
            votes += choose(runtime, held, [question], options, step=f"persona:{transcript.id}")
    segment = [sum(v[k] for v in votes) / len(votes) for k in range(len(segments))] if votes else []
    if meanings and len(meanings) == len(labels):
        labels = [replace(lab, meaning=m) for lab, m in zip(labels, centred(meanings), strict=True)]
    return Reading(labels, segment, chunks)
