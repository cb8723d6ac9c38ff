"""How one-interview summaries (`cjgen summarize`) hold up against each case's gold findings.

    python evals/summaries/check.py [CASES_DIR] [--per-case N]

Summarises the first N interviews (2 by default) of every case with transcripts, each read with its study as
`cjgen summarize --study` reads it, with the configured model (the embedded one by default) and the response
cache, and scores each summary on its own participant's part of the gold:

- quotes: every quote of the summary searched in the raw file; one not found in a participant turn is
  fabricated (must be 0);
- pain points and delights found: the gold items this participant is quoted in, whose quote a summary item of
  the same kind overlaps;
- on gold: the summary's pain points and delights that overlap some gold quote of this participant, of either
  kind (a floor: the gold holds the study's main findings, not every moment of one interview);
- faithful: the mean share of a pain point's or delight's content words its own quotes hold
  (`cjgen.eval.statements.check_statement`), and the invented entities;
- repeated: key points whose quotes a pain point or delight already shows (the same words twice);
- who / wants: how many sentences say who the participant is, and how many goals they stated (their quotes
  are among those searched for fabrication).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cjgen.eval.gold import GoldCase, GoldPoint, load_case
from cjgen.eval.locate import CaseSources, Span
from cjgen.eval.statements import Support, check_statement
from cjgen.pipeline import open_runtime, summarize_file
from cjgen.schema import Delight, PainPoint, TranscriptSummary

HERE = Path(__file__).parent


def _gold_here(sources: CaseSources, golds: Sequence[GoldPoint], pid: str) -> list[list[Span]]:
    spans = [sources.gold_spans(q for q in gold.evidence if q.participant == pid) for gold in golds]
    return [found for found in spans if found]


def _overlaps(spans: Sequence[Span], others: Sequence[Span]) -> bool:
    return any(s.overlaps(t) for s in spans for t in others)


def _found(sources: CaseSources, items: Sequence[PainPoint | Delight], golds: list[list[Span]]) -> int:
    shown = [sources.evidence_spans(item.evidence) for item in items]
    return sum(any(_overlaps(spans, gold) for spans in shown) for gold in golds)


@dataclass
class Row:
    """One summary's figures; a pair is (found, out of)."""

    quotes: int = 0
    fabricated: int = 0
    pains: tuple[int, int] = (0, 0)
    delights: tuple[int, int] = (0, 0)
    on_gold: tuple[int, int] = (0, 0)
    faithful: list[float] = field(default_factory=list)
    invented: int = 0
    repeated: int = 0
    about: int = 0
    goals: int = 0

    def __add__(self, other: Row) -> Row:
        def pair(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
            return a[0] + b[0], a[1] + b[1]

        return Row(
            self.quotes + other.quotes,
            self.fabricated + other.fabricated,
            pair(self.pains, other.pains),
            pair(self.delights, other.delights),
            pair(self.on_gold, other.on_gold),
            self.faithful + other.faithful,
            self.invented + other.invented,
            self.repeated + other.repeated,
            self.about + other.about,
            self.goals + other.goals,
        )

    def cells(self) -> list[str]:
        mean = f"{sum(self.faithful) / len(self.faithful):.2f}" if self.faithful else "–"
        pairs = [f"{found} of {total}" for found, total in (self.pains, self.delights, self.on_gold)]
        return [
            f"{self.quotes} / {self.fabricated}",
            *pairs,
            mean,
            str(self.invented),
            str(self.repeated),
            f"{self.about} / {self.goals}",
        ]


def score(case: GoldCase, sources: CaseSources, pid: str, summary: TranscriptSummary) -> Row:
    felt: list[PainPoint | Delight] = [*summary.pain_points, *summary.delights]
    told = [*summary.about, *summary.goals, *summary.key_points]
    quotes = [e for item in [*told, *felt] for e in item.evidence] + list(summary.quotes)
    pains, delights = (_gold_here(sources, golds, pid) for golds in (case.pain_points, case.delights))
    every_gold = [span for gold in pains + delights for span in gold]
    checks = [
        check_statement("summary", item.id, item.statement, Support.of([e.quote for e in item.evidence]))
        for item in felt
    ]
    return Row(
        quotes=len(quotes),
        fabricated=sum(sources.participant_span(e) is None for e in quotes),
        pains=(_found(sources, summary.pain_points, pains), len(pains)),
        delights=(_found(sources, summary.delights, delights), len(delights)),
        on_gold=(sum(_overlaps(sources.evidence_spans(i.evidence), every_gold) for i in felt), len(felt)),
        faithful=[c.faithfulness for c in checks if c.faithfulness is not None],
        invented=sum(len(c.invented) for c in checks),
        repeated=sum(
            all(any(e.inside(f) for item in felt for f in item.evidence) for e in point.evidence)
            for point in summary.key_points
        ),
        about=len(summary.about),
        goals=len(summary.goals),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("cases", nargs="?", type=Path, default=HERE.parent / "cases")
    parser.add_argument("--per-case", type=int, default=2)
    args = parser.parse_args()
    runtime = open_runtime().start()
    total = Row()
    print(
        "| interview | quotes / fabricated | pains found | delights found | on gold | faithful | invented "
        "| repeated | who / wants | stages |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for folder in sorted(p for p in args.cases.iterdir() if (p / "transcripts").is_dir()):
        case = load_case(folder)
        sources = CaseSources(case)
        study = list(case.transcripts.values())
        for pid, path in list(case.transcripts.items())[: args.per_case]:
            summary = summarize_file(path, study=study, runtime=runtime)
            row = score(case, sources, pid, summary)
            total = total + row
            stages = ", ".join(stage.id for stage in summary.stages)
            print(f"| {case.name} {path.name} | " + " | ".join([*row.cells(), stages]) + " |", flush=True)
    print("| **all** | " + " | ".join([*total.cells(), ""]) + " |")


if __name__ == "__main__":
    main()
