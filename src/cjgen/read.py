"""Read one interview: label its sentences, pick the strongest moments, thoughts, goals and who the participant
is, stage the moments and thoughts, ground them all.

The map step of the pipeline, built from narrow questions (see label.py and findings.py). Every observation
it returns cites the participant's own sentences, located in the source by grounding, with the labeller's
confidence kept for ranking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import cast

from cjgen.actions import action_moments
from cjgen.ask import Runtime
from cjgen.calltalk import call_turns
from cjgen.findings import Moment, select_moments, stage_moments
from cjgen.goals import about_moments, goal_moments
from cjgen.ground import GroundReport, ground_observations
from cjgen.label import SentenceLabel, label_transcript
from cjgen.observations import Kind, ObservationOut
from cjgen.redact import RedactedTranscript
from cjgen.schema import Severity, Stage
from cjgen.stages import Segment
from cjgen.thoughts import thought_moments

KINDS = ("pain", "delight")


@dataclass
class Read:
    """What one interview gave: grounded observations, each one's confidence, the segment chances, the
    label of every sentence (for what the map leaves out), and what each observation means where the labels
    were read from states."""

    report: GroundReport
    scores: dict[str, float] = field(default_factory=dict)
    segment: list[float] = field(default_factory=list)
    labels: list[SentenceLabel] = field(default_factory=list)
    meanings: dict[str, tuple[float, ...]] = field(default_factory=dict)


def _observation(moment: Moment) -> ObservationOut:
    severity: Severity = 3 if moment.score >= 0.4 else 2 if moment.score >= 0.2 else 1
    return ObservationOut(
        kind=cast(Kind, moment.kind),
        text=moment.text,  # the quote; the findings shown are named after grouping
        cite=tuple(s.id for s in moment.sentences),
        stage=moment.stage_id,
        severity=severity,
        question=moment.question,
    )


def read_transcript(
    runtime: Runtime, source: RedactedTranscript, stages: Sequence[Stage], segments: Sequence[Segment] = ()
) -> Read:
    reading = label_transcript(runtime, source, segments)
    # What the participant says while setting up the call itself is no moment of the service.
    aside = call_turns(source.redacted.turns)
    said = [lab for lab in reading.labels if lab.sentence.turn_index not in aside]
    moments = [m for kind in KINDS for m in select_moments(said, kind)]
    moments += thought_moments(said)
    # Steps are staged apart from feelings, so that how many steps an interview gives does not move the
    # stage of its problems and good moments (each call's answers are read against their own mean).
    feelings, steps = stage_moments(runtime, source, reading.chunks, [moments, action_moments(said)], stages)
    # Goals and who the participant is belong to a persona, not to a stage: they are not staged, and go last,
    # so that the observations before them keep their numbers.
    moments = feelings + steps + goal_moments(said) + about_moments(said)
    pid = source.original.participant_id
    prefix = f"{pid}-"
    report = ground_observations(
        [_observation(m) for m in moments], source, reading.sentences, id_prefix=prefix
    )
    # Grounding numbers observations by their position in the list it was given.
    scores = {f"{prefix}{n}": m.score for n, m in enumerate(moments, start=1)}
    meanings = {f"{prefix}{n}": m.meaning for n, m in enumerate(moments, start=1) if m.meaning is not None}
    kept = [o.id for o in report.observations]
    return Read(
        report,
        {i: scores[i] for i in kept},
        reading.segment,
        # The sentences' meanings served the moments; a read that travels to another worker leaves them.
        [replace(lab, meaning=None) for lab in reading.labels],
        {i: meanings[i] for i in kept if i in meanings},
    )
