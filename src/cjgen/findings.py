"""Candidate findings from labelled sentences: select, stage and name them, one narrow question each.

A *moment* is one participant's run of adjacent sentences in one answer that the labeller marked as the same
kind (a problem or a good moment). Code selects the strongest moments per interview; the model then answers
a narrow question about each: in which stage it happened (a choice, with the whole interview as context). The
findings that make the map are named later, each in one sentence written from its own words (`synthesize.name_items`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from cjgen.ask import Runtime
from cjgen.choose import best, choose, debiased
from cjgen.label import Chunk, SentenceLabel, interview_turns
from cjgen.prompts import render_block, render_prompt
from cjgen.redact import RedactedTranscript
from cjgen.schema import Stage
from cjgen.sentences import Sentence
from cjgen.stages import MAX_STAGES
from cjgen.untrusted import prompt_id
from cjgen.wording import only_lukewarm, says_nothing_of_the_service

# A sentence is a candidate when its kind stands out most, and by at least this much, from the interview's
# mean probability of that kind ...
MIN_LIFT = 0.06
# ... and at most this many moments of each kind are kept per interview (the strongest first): a small model
# flags many sentences, and an interview of up to LONG_INTERVIEW labelled sentences (about 40 minutes of
# speech) rarely holds more distinct findings than this. A longer one keeps more, in proportion to its
# sentences: an hour-long usability session covers more ground than a short call, and a fixed number of
# moments would leave most of its findings unread.
PER_INTERVIEW = {"pain": 6, "delight": 5, "action": 4}
LONG_INTERVIEW = 200


def moments_kept(kind: str, sentences: int) -> int:
    """How many moments of `kind` an interview of `sentences` labelled sentences keeps."""
    return max(PER_INTERVIEW[kind], round(PER_INTERVIEW[kind] * sentences / LONG_INTERVIEW))


@dataclass(frozen=True)
class Moment:
    kind: str
    participant_id: str
    source_id: str
    sentences: tuple[Sentence, ...]
    score: float
    question: str
    stage_id: str = ""
    meaning: tuple[float, ...] | None = None  # its sentences' mean meaning (`label.SentenceLabel.meaning`)

    @property
    def ids(self) -> str:
        return ", ".join(f"[{s.id}]" for s in self.sentences)

    @property
    def text(self) -> str:
        return " ".join(" ".join(s.text.split()) for s in self.sentences)


def _probability(label: SentenceLabel, kind: str) -> float:
    return {"pain": label.pain, "delight": label.delight, "action": label.action}.get(kind, 0.0)


def meaning_of(labels: Sequence[SentenceLabel]) -> tuple[float, ...] | None:
    """The mean of the labels' meanings, or None where any of them has none."""
    found = [lab.meaning for lab in labels if lab.meaning is not None]
    if not found or len(found) < len(labels):
        return None
    return tuple(sum(values) / len(found) for values in zip(*found, strict=True))


def calibrated(labels: Sequence[SentenceLabel]) -> dict[str, dict[str, float]]:
    """Per sentence id, each kind's probability above that kind's baseline.

    A small model asked a question leans towards one answer letter whatever the sentence says; how far a
    sentence stands out from the rest of its own interview is a steadier sign than the raw probability, so the
    baseline is the interview's mean. A head trained across many interviews has no such lean, and an interview
    full of problems should not hide them: its labels carry their own baseline, the head's usual answer.
    """
    if not labels:
        return {}
    kinds = ("pain", "delight", "action")
    mean = {k: sum(_probability(lab, k) for lab in labels) / len(labels) for k in kinds}
    lifts = {}
    for lab in labels:
        base = dict(zip(kinds, lab.baseline, strict=True)) if lab.baseline is not None else mean
        lifts[lab.sentence.id] = {k: _probability(lab, k) - base[k] for k in kinds}
    return lifts


def select_moments(labels: Sequence[SentenceLabel], kind: str) -> list[Moment]:
    """One interview's strongest moments of `kind`: adjacent flagged sentences of one turn form one moment.
    Courtesy and a bare "no" are never a moment, however the labeller read them, and a verdict that something
    was merely acceptable ("Delivery was fine.") is no good moment."""
    lift = calibrated(labels)
    flagged = [
        lab
        for lab in labels
        if lift[lab.sentence.id][kind] >= MIN_LIFT
        and lift[lab.sentence.id][kind] == max(lift[lab.sentence.id].values())
        and not says_nothing_of_the_service(lab.sentence.text)
        and not (kind == "delight" and only_lukewarm(lab.sentence.text))
    ]
    runs: list[list[SentenceLabel]] = []
    for lab in flagged:
        previous = runs[-1][-1] if runs else None
        adjacent = (
            previous is not None
            and previous.sentence.turn_index == lab.sentence.turn_index
            and previous.sentence.paragraph == lab.sentence.paragraph
            and _position(previous) + 1 == _position(lab)
        )
        if adjacent:
            runs[-1].append(lab)
        else:
            runs.append([lab])
    moments = [
        Moment(
            kind=kind,
            participant_id=run[0].participant_id,
            source_id=run[0].source_id,
            sentences=tuple(lab.sentence for lab in run),
            score=max(lift[lab.sentence.id][kind] for lab in run),
            question=run[0].question,
            meaning=meaning_of(run),
        )
        for run in runs
    ]
    # One moment per answer: an answer that dwells on one problem would otherwise fill every slot, and the
    # interview's other findings would be lost. A notetaker who writes a long answer down in paragraphs, one
    # per point (often with the questions left out), has written several answers: each paragraph is one.
    best_per_answer: dict[tuple[int, int], Moment] = {}
    for moment in sorted(moments, key=lambda m: -m.score):
        first = moment.sentences[0]
        best_per_answer.setdefault((first.turn_index, first.paragraph), moment)
    strongest = sorted(best_per_answer.values(), key=lambda m: -m.score)[: moments_kept(kind, len(labels))]
    return sorted(strongest, key=lambda m: (m.sentences[0].turn_index, m.sentences[0].start))


def sentence_moments(
    kind: str, chosen: Sequence[SentenceLabel], score: Callable[[SentenceLabel], float]
) -> list[Moment]:
    """Each chosen sentence as a moment of its own (its score at least 0), in interview order."""
    return [
        Moment(
            kind=kind,
            participant_id=lab.participant_id,
            source_id=lab.source_id,
            sentences=(lab.sentence,),
            score=max(0.0, score(lab)),
            question=lab.question,
            meaning=lab.meaning,
        )
        for lab in sorted(chosen, key=lambda lab: (lab.sentence.turn_index, lab.sentence.start))
    ]


def charged_moments(
    kind: str, labels: Sequence[SentenceLabel], matches: Callable[[str], bool], most: int
) -> list[Moment]:
    """One interview's sentences that `matches` finds, the `most` most charged (most clearly a problem or a
    good moment to the labeller), each a moment of `kind` of its own, in interview order."""
    lift = calibrated(labels)
    found = [lab for lab in labels if matches(lab.sentence.text)]

    def charge(lab: SentenceLabel) -> float:
        return max(lift[lab.sentence.id]["pain"], lift[lab.sentence.id]["delight"])

    return sentence_moments(kind, sorted(found, key=charge, reverse=True)[:most], charge)


def _position(label: SentenceLabel) -> int:
    return int(label.sentence.id.split(".")[1])


def stage_moments(
    runtime: Runtime,
    source: RedactedTranscript,
    chunks: Sequence[Chunk],
    batches: Sequence[Sequence[Moment]],
    stages: Sequence[Stage],
) -> list[list[Moment]]:
    """Each moment with its stage: a choice among the stages, with the interview (in the chunks it was read
    in) as context. Each batch of moments is asked apart, so that its answers are read against its own mean.

    Chunks go last first: the model still holds the last chunk it read, so each chunk is evaluated once more
    at most, whatever the number of batches."""
    transcript = source.redacted
    shown = list(stages)[:MAX_STAGES]
    options = [str(n) for n in range(1, len(shown) + 1)]
    staged: dict[tuple[int, int], Moment] = {}
    for chunk in reversed(chunks):
        ids = {s.id for s in chunk.sentences}
        prompt = render_prompt(
            "stage",
            stages=shown,
            participant_id=prompt_id(transcript.participant_id),
            turns=interview_turns(chunk, transcript.participant_id),
        )
        for b, batch in enumerate(batches):
            # A moment is asked about in the chunk that holds its first sentence.
            group = [(n, m) for n, m in enumerate(batch) if m.sentences[0].id in ids]
            if not group:
                continue
            questions = [render_block("stage", "question", ids=m.ids, text=m.text) for _, m in group]
            answers = debiased(choose(runtime, prompt, questions, options, step=f"stage:{transcript.id}"))
            for (n, moment), probabilities in zip(group, answers, strict=True):
                staged[(b, n)] = replace(moment, stage_id=shown[best(probabilities)].id)
    return [
        [staged[(b, n)] for n in range(len(batch)) if (b, n) in staged] for b, batch in enumerate(batches)
    ]
