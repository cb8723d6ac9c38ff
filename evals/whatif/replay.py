"""Replay what comes after the labels, in code, for variants of choosing, grouping and ranking moments.

    python evals/whatif/replay.py [--dir /tmp/whatif] [--cases evals/cases] [--kind pain|delight]

Reads the recordings `record.py` made (DIR/CASE.pkl), and for each variant below chooses each interview's
moments, groups them into findings and shows the top ones as a map does, then scores them as `cjgen eval`
scores pain points (or good moments): one-to-one matching on overlapping quotes, a shotgun item matching none,
and item coherence. No model call is made: a moment the map did not stage takes the stage of its interview's
nearest staged moment, so a variant's map is close to, not the same as, a real run's (the recording itself
reproduces 28 of the 29 pain findings the seven maps of 2026-12-07 found). A variant is a gain worth a real run
only where it moves the weak cases up without taking the others down.
"""

from __future__ import annotations

import argparse
import bisect
import math
import pickle
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cjgen.findings as moments
import cjgen.group as group
from cjgen.calltalk import call_turns
from cjgen.eval.coherence import GoldLabels, quote_precisions
from cjgen.eval.gold import load_case
from cjgen.eval.locate import CaseSources
from cjgen.eval.metrics import score_points
from cjgen.ground import ground_observations
from cjgen.read import _observation
from cjgen.schema import PainPoint
from cjgen.synthesize import MAX_PAINS, evidence_of, people_needed, shown_findings
from cjgen.untrusted import instruction_like
from cjgen.wording import content_words

HERE = Path(__file__).resolve().parent
Rank = Callable[[group.Finding], Any]


@dataclass
class Variant:
    per_interview: int | None = None  # moments of the kind kept per interview (`findings.PER_INTERVIEW`)
    min_lift: float | None = None  # `findings.MIN_LIFT`
    shown: int = MAX_PAINS
    constants: dict[str, float] = field(default_factory=dict)  # `group` constants for this variant
    rank: Rank | None = None  # a finding's rank key, highest first; None: as built


def _words(f: group.Finding) -> float:
    return sum(len(content_words(m.text)) for m in f.members) / len(f.members)


VARIANTS: dict[str, Variant] = {
    "as built": Variant(),
    "every finding shown": Variant(shown=1000),
    "12 moments per interview": Variant(per_interview=12),
    "20 moments per interview": Variant(per_interview=20),
    "minimum lift 0.1": Variant(min_lift=0.1),
    "top 10 shown": Variant(shown=10),
    "ranked by label confidence": Variant(rank=lambda f: f.confidence),
    "12 moments, by confidence and words": Variant(
        per_interview=12, rank=lambda f: f.confidence + 0.1 * math.log1p(_words(f))
    ),
    "core of two": Variant(constants={"CORE_MEMBERS": 2}),
    "grouping threshold 0.4": Variant(constants={"STATE_THRESHOLD": 0.4}),
    "questions weigh 0.5": Variant(constants={"QUESTION_WEIGHT": 0.5}),
}


@dataclass
class Score:
    matched: int = 0
    gold: int = 0
    shown: int = 0
    precision_sum: float = 0.0
    located: int = 0

    def add(self, other: Score) -> None:
        for name in ("matched", "gold", "shown", "precision_sum", "located"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def __str__(self) -> str:
        coherence = self.precision_sum / self.located if self.located else math.nan
        return f"{self.matched}/{self.gold} at {self.shown} shown, coherence {coherence:.2f}"


def chosen_moments(labels: Sequence[Any], kind: str, variant: Variant) -> list[moments.Moment]:
    saved = moments.MIN_LIFT, dict(moments.PER_INTERVIEW)
    if variant.min_lift is not None:
        moments.MIN_LIFT = variant.min_lift
    if variant.per_interview is not None:
        moments.PER_INTERVIEW[kind] = variant.per_interview
    try:
        return moments.select_moments(labels, kind)
    finally:
        moments.MIN_LIFT, moments.PER_INTERVIEW = saved[0], saved[1]


def staged(found: Sequence[moments.Moment], recorded: Sequence[moments.Moment]) -> list[moments.Moment]:
    """Each moment with the stage the map gave it, or its interview's nearest staged moment's."""
    known = {m.sentences[0].id: m.stage_id for m in recorded}
    order = sorted((m.sentences[0].turn_index, m.stage_id) for m in recorded)
    turns = [turn for turn, _ in order]
    out = []
    for m in found:
        stage = known.get(m.sentences[0].id)
        if stage is None and order:
            nearest = min(bisect.bisect_left(turns, m.sentences[0].turn_index), len(order) - 1)
            stage = order[nearest][1]
        out.append(replace(m, stage_id=stage or ""))
    return out


def findings(recording: Mapping[str, Any], kind: str, variant: Variant) -> list[group.Finding]:
    observations, scores, meanings = [], {}, {}
    for read in recording["sources"].values():
        source = read["source"]
        aside = call_turns(source.redacted.turns)
        said = [lab for lab in read["labels"] if lab.sentence.turn_index not in aside]
        found = staged(chosen_moments(said, kind, variant), read["staged"])
        prefix = f"{source.original.participant_id}-{kind}-"
        report = ground_observations(
            [_observation(m) for m in found], source, read["sentences"], id_prefix=prefix
        )
        for n, m in enumerate(found, start=1):
            scores[f"{prefix}{n}"] = m.score
            if m.meaning is not None:
                meanings[f"{prefix}{n}"] = m.meaning
        observations += report.observations
    saved = {name: getattr(group, name) for name in variant.constants}
    for name, value in variant.constants.items():
        setattr(group, name, value)
    try:
        grouped = group.group_observations(observations, scores, meanings=meanings)
    finally:
        for name, value in saved.items():
            setattr(group, name, value)
    if variant.rank is not None:
        grouped.sort(key=variant.rank, reverse=True)
    needed = people_needed(len(recording["ctx"].participants))
    found = [f for f in grouped if not instruction_like(f.lead.text)]
    return shown_findings(found, needed, variant.shown)[0]


def score(case_dir: Path, shown: Sequence[group.Finding], kind: str) -> Score:
    case = load_case(case_dir)
    sources = CaseSources(case)
    labels = GoldLabels(case, sources)
    gold = case.pain_points if kind == "pain" else case.delights
    items = [
        PainPoint(
            id=f"item{n}",
            stage_id=finding.stage_id or "stage",
            statement=finding.representative.text,
            evidence=evidence_of(finding.voice_first),
        )
        for n, finding in enumerate(shown, start=1)
    ]
    result = Score(gold=len(gold), shown=len(shown))
    for item in items:
        evidence = item.evidence
        spans_said = [sources.participant_span(e) for e in evidence]
        located = [found for found in (labels.of(s) for s in spans_said if s is not None) if found]
        result.precision_sum += sum(quote_precisions(located))
        result.located += len(located)
    result.matched = score_points(gold, items, sources).matched  # matched as the eval matches them
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "whatif")
    parser.add_argument("--cases", type=Path, default=HERE.parent / "cases")
    parser.add_argument("--kind", choices=("pain", "delight"), default="pain")
    args = parser.parse_args(argv)
    recordings = {path.stem: path for path in sorted(args.dir.glob("*.pkl"))}
    if not recordings:
        raise SystemExit(f"{args.dir}: no recordings; run evals/whatif/record.py CASE first")
    loaded = {name: pickle.loads(path.read_bytes()) for name, path in recordings.items()}
    print(f"| variant | all cases | {' | '.join(loaded)} |")
    print("|---" * (len(loaded) + 2) + "|")
    for name, variant in VARIANTS.items():
        total, cells = Score(), []
        for case, recording in loaded.items():
            result = score(args.cases / case, findings(recording, args.kind, variant), args.kind)
            total.add(result)
            cells.append(f"{result.matched}/{result.gold} ({result.shown})")
        print(f"| {name} | {total} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
