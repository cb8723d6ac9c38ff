"""Where a map loses against the gold: finding the turn, citing the sentence, grouping, and naming the kind.

Each gold pain or delight quote goes through four steps, and each step is scored only on what passed the one
before, so a low figure points at one step of the pipeline:

- detection: a predicted item of the right kind cites the quote's turn (any sentence of it);
- localisation: of those, a predicted item of the right kind quotes a span that overlaps the gold quote;
- grouping: the gold quotes so covered, clustered by the predicted items that cover them, against the gold
  items they belong to (extended B-cubed, Amigó et al. 2009, since one quote may sit in several predictions);
- labelling: of the gold quotes a predicted pain or delight overlaps, the share a prediction of the right kind
  overlaps.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from cjgen.eval.gold import GoldCase, GoldPoint
from cjgen.eval.locate import CaseSources, Span
from cjgen.schema import Item, JourneyMap


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class KindDiagnostics(BaseModel):
    """The four steps for one kind of item (pain points or delights); a share is None when nothing was scored."""

    gold_quotes: int = Field(0, description="Gold quotes of this kind found in their source files.")
    detected: int = Field(0, description="Gold quotes whose turn a predicted item of this kind cites.")
    localised: int = Field(0, description="Gold quotes a predicted item of this kind overlaps.")
    labelled: int = Field(0, description="Gold quotes a predicted pain point or delight overlaps.")
    labelled_right: int = Field(0, description="... of which one of this kind overlaps.")
    detection: float | None = None
    localisation: float | None = None
    grouping_precision: float | None = Field(
        None, description="B-cubed precision over the localised gold quotes (same gold item)."
    )
    grouping_recall: float | None = Field(
        None, description="B-cubed recall over the localised gold quotes (same prediction)."
    )
    labelling: float | None = None

    @classmethod
    def build(
        cls,
        *,
        gold_quotes: int,
        detected: int,
        localised: int,
        labelled: int,
        labelled_right: int,
        grouping: tuple[float, float] | None,
    ) -> KindDiagnostics:
        return cls(
            gold_quotes=gold_quotes,
            detected=detected,
            localised=localised,
            labelled=labelled,
            labelled_right=labelled_right,
            detection=_share(detected, gold_quotes),
            localisation=_share(localised, detected),
            grouping_precision=grouping[0] if grouping else None,
            grouping_recall=grouping[1] if grouping else None,
            labelling=_share(labelled_right, labelled),
        )

    @classmethod
    def combine(cls, parts: Sequence[KindDiagnostics]) -> KindDiagnostics:
        """Micro-averaged over cases: counts add up; B-cubed figures are weighted by their localised quotes."""
        grouped = [p for p in parts if p.grouping_precision is not None and p.grouping_recall is not None]
        weight = sum(p.localised for p in grouped)
        grouping = (
            (
                sum((p.grouping_precision or 0.0) * p.localised for p in grouped) / weight,
                sum((p.grouping_recall or 0.0) * p.localised for p in grouped) / weight,
            )
            if weight
            else None
        )
        return cls.build(
            gold_quotes=sum(p.gold_quotes for p in parts),
            detected=sum(p.detected for p in parts),
            localised=sum(p.localised for p in parts),
            labelled=sum(p.labelled for p in parts),
            labelled_right=sum(p.labelled_right for p in parts),
            grouping=grouping,
        )


class Diagnostics(BaseModel):
    pain_points: KindDiagnostics
    delights: KindDiagnostics

    @classmethod
    def combine(cls, parts: Sequence[Diagnostics]) -> Diagnostics:
        return cls(
            pain_points=KindDiagnostics.combine([p.pain_points for p in parts]),
            delights=KindDiagnostics.combine([p.delights for p in parts]),
        )


def bcubed(elements: Sequence[tuple[str, frozenset[int]]]) -> tuple[float, float] | None:
    """Extended B-cubed (precision, recall) of elements given as (gold label, predicted clusters).

    For two elements sharing k predicted clusters, the pair is right once: precision counts min(k, same gold)/k,
    so a duplicated cluster costs precision; recall counts whether two elements of one gold item share any.
    """
    if not elements:
        return None
    precision = recall = 0.0
    for gold, clusters in elements:
        shared = [(g, len(clusters & c)) for g, c in elements if clusters & c]
        precision += sum(min(k, int(g == gold)) / k for g, k in shared) / len(shared)
        mates = [c for g, c in elements if g == gold]
        recall += sum(bool(clusters & c) for c in mates) / len(mates)
    return precision / len(elements), recall / len(elements)


def _observed_spans(items: Sequence[Item], sources: CaseSources) -> list[list[Span]]:
    return [sources.evidence_spans(item.evidence) for item in items if item.basis == "observed"]


def diagnose_kind(
    gold: Sequence[GoldPoint], own: Sequence[Item], other: Sequence[Item], sources: CaseSources
) -> KindDiagnostics:
    """`own`: the predicted items of the gold's kind; `other`: those of the opposite kind (for labelling)."""
    predicted = _observed_spans(own, sources)
    cited_turns = {turn for spans in predicted for span in spans for turn in sources.turns_of(span)}
    opposite = [span for spans in _observed_spans(other, sources) for span in spans]
    located = [(point.id, span) for point in gold for span in sources.gold_spans(point.evidence)]
    detected = labelled = labelled_right = 0
    elements: list[tuple[str, frozenset[int]]] = []
    for gold_id, span in located:
        covering = frozenset(p for p, spans in enumerate(predicted) if any(span.overlaps(s) for s in spans))
        detected += bool(covering or sources.turns_of(span) & cited_turns)
        if covering:
            elements.append((gold_id, covering))
        if covering or any(span.overlaps(s) for s in opposite):
            labelled += 1
            labelled_right += bool(covering)
    return KindDiagnostics.build(
        gold_quotes=len(located),
        detected=detected,
        localised=len(elements),
        labelled=labelled,
        labelled_right=labelled_right,
        grouping=bcubed(elements),
    )


def diagnose(case: GoldCase, journey: JourneyMap | None, sources: CaseSources) -> Diagnostics:
    """Both kinds; no map scores every step 0 (or None where nothing could be scored)."""
    pains, delights = (journey.pain_points, journey.delights) if journey is not None else ([], [])
    return Diagnostics(
        pain_points=diagnose_kind(case.pain_points, pains, delights, sources),
        delights=diagnose_kind(case.delights, delights, pains, sources),
    )
