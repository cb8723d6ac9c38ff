"""What the map left out: the sentences the labeller scored as likely problems or good moments that no item cites.

Deterministic, after the map is made. A sentence is *strong* by the rule that selects findings (its pain or
delight probability stands out from its own interview by `MIN_LIFT`, and more than its other kinds do); it is
*left out* when no quote in the map overlaps it. Each one is kept as a located source passage, so a reviewer
can attach it to an item or start an item from it and the map stays grounded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from cjgen.findings import MIN_LIFT, calibrated
from cjgen.ground import evidence_for
from cjgen.label import SentenceLabel
from cjgen.redact import RedactedTranscript
from cjgen.schema import Evidence, JourneyMap, LeftOut
from cjgen.untrusted import flag_quotes

Label = Literal["pain", "delight"]


def left_out_id(e: Evidence) -> str:
    """A left-out sentence's id, from its place in the source, so it is the same in every version."""
    return "s-" + e.key()


def strong_sentences(labels: Sequence[SentenceLabel]) -> list[tuple[SentenceLabel, Label, float]]:
    """One interview's sentences scored as likely problems or good moments, with that label and its lift."""
    lift = calibrated(labels)
    found: list[tuple[SentenceLabel, Label, float]] = []
    for lab in labels:
        scores = lift[lab.sentence.id]
        best = max(scores, key=lambda k: scores[k])
        if best in ("pain", "delight") and scores[best] >= MIN_LIFT:
            found.append((lab, "pain" if best == "pain" else "delight", round(scores[best], 3)))
    return found


def cited_spans(journey: JourneyMap) -> dict[tuple[str, int], list[tuple[int, int]]]:
    """Where the map's quotes are: per source and turn, the spans."""
    spans: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for e in journey.all_evidence():
        spans.setdefault((e.source_id, e.turn_index), []).append((e.start, e.end))
    return spans


def still_left_out(journey: JourneyMap) -> list[LeftOut]:
    """The map's left-out sentences that no item cites now (after a revision, say)."""
    cited = cited_spans(journey)
    return [lo for lo in journey.left_out if not is_cited(lo.evidence, cited)]


def is_cited(e: Evidence, cited: dict[tuple[str, int], list[tuple[int, int]]]) -> bool:
    return any(start < e.end and e.start < end for start, end in cited.get((e.source_id, e.turn_index), []))


def find_left_out(
    journey: JourneyMap, sources: Sequence[RedactedTranscript], labels: Sequence[Sequence[SentenceLabel]]
) -> tuple[list[LeftOut], int]:
    """The strong sentences no item of `journey` cites (per participant in input order, strongest first), and
    how many strong sentences there were in all. `labels` holds each source's sentence labels."""
    cited = cited_spans(journey)
    left: list[LeftOut] = []
    strong = 0
    for source, labelled in zip(sources, labels, strict=True):
        found = strong_sentences(labelled)
        strong += len(found)
        mine = []
        for lab, label, lift in found:
            s = lab.sentence
            e = flag_quotes([evidence_for(source, s.turn_index, s.start, s.end)])[0]
            if not is_cited(e, cited):
                mine.append(LeftOut(id=left_out_id(e), label=label, strength=lift, evidence=e))
        left += sorted(mine, key=lambda o: (-o.strength, o.evidence.turn_index, o.evidence.start))
    return left, strong
