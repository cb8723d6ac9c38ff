"""The map as whiteboard stickies: a CSV that Miro, FigJam and Mural import, one row per sticky.

A pure function, like the other renderers. Stickies are grouped by stage and lane (`group` is "Stage · Lane",
the column a whiteboard groups or colours by). Each item is a sticky, followed by a sticky per quote. A quote
that backs several items (a pain point and an action, say) sits in one group only, under the item of the
most telling lane (`OWNING_LANES`: pain points first); `also_backs` names the others, so nothing is lost and nothing is counted twice. Ids are
stable across versions: an item's own id, and for a quote its place in the source (file, turn, offsets).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from cjgen.render import _csv_text, item_text
from cjgen.schema import Contradiction, Emotion, Evidence, Item, JourneyMap, Opportunity

# The sticky's text first: importers that make a sticky from a row's first cell (and tag or group it by the
# others) get the words, not an id.
BOARD_COLUMNS: Final = (
    "text",
    "group",
    "stage",
    "lane",
    "type",
    "id",
    "item",
    "participant",
    "source",
    "turn",
    "status",
    "also_backs",
    "colour",
)
# The lanes stickies are grouped in, in board order; blueprint steps go by their own lane.
BOARD_LANES: Final = (
    ("actions", "Actions"),
    ("touchpoints", "Touchpoints"),
    ("thoughts", "Thoughts"),
    ("emotions", "Emotions"),
    ("pain_points", "Pain points"),
    ("delights", "Delights"),
    ("frontstage", "Frontstage"),
    ("backstage", "Backstage"),
    ("support", "Support processes"),
    ("opportunities", "Opportunities"),
    ("contradictions", "Contradictions"),
)
# Which lane's item a quote goes with when it backs several: findings first, what people did after.
OWNING_LANES: Final = (
    "Pain points",
    "Delights",
    "Contradictions",
    "Thoughts",
    "Actions",
    "Touchpoints",
    "Emotions",
    "Frontstage",
    "Backstage",
    "Support processes",
    "Opportunities",
)
# Sticky colours by lane, by the names whiteboards accept on import.
LANE_COLOURS: Final = {
    "Pain points": "red",
    "Delights": "green",
    "Opportunities": "yellow",
    "Contradictions": "orange",
    "Emotions": "violet",
}
REVIEWED: Final = ("accepted", "edited")
NO_STAGE: Final = "No stage"


@dataclass(frozen=True)
class Placed:
    """An item with the stage and lane its stickies go in."""

    item: Item
    stage: str
    lane: str

    @property
    def group(self) -> str:
        return f"{self.stage} · {self.lane}"


def to_board(journey: JourneyMap, *, include_pending: bool = False) -> str:
    """Stickies for the accepted and edited items (and those still to review, pending or flagged by a
    revision, with `include_pending`; never rejected ones)."""
    wanted = REVIEWED + (("pending", "needs-review") if include_pending else ())
    placed = [p for p in _placed(journey) if p.item.review.status in wanted]
    backs: dict[str, list[str]] = {}
    for p in sorted(placed, key=lambda p: OWNING_LANES.index(p.lane)):
        for e in _quotes(p.item):
            backs.setdefault(quote_id(e), []).append(p.item.id)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=BOARD_COLUMNS, lineterminator="\n")
    writer.writeheader()
    written: set[str] = set()
    for p in placed:
        colour = LANE_COLOURS.get(p.lane, "light_yellow")
        quotes = _quotes(p.item)
        participants = sorted({e.participant_id for e in quotes})
        writer.writerow(
            {
                "id": _csv_text(p.item.id),
                "group": _csv_text(p.group),
                "stage": _csv_text(p.stage),
                "lane": p.lane,
                "type": "item",
                "text": _csv_text(_sticky_text(p.item, item_text(p.item))),
                "item": _csv_text(p.item.id),
                "participant": _csv_text("; ".join(participants)),
                "source": _csv_text("; ".join(dict.fromkeys(e.source_id for e in quotes))),
                "turn": "",
                "status": p.item.review.status,
                "also_backs": "",
                "colour": colour,
            }
        )
        for e in quotes:
            sticky = quote_id(e)
            if sticky in written or backs[sticky][0] != p.item.id:
                continue
            written.add(sticky)
            writer.writerow(
                {
                    "id": sticky,
                    "group": _csv_text(p.group),
                    "stage": _csv_text(p.stage),
                    "lane": p.lane,
                    "type": "quote",
                    "text": _csv_text(f'"{e.quote}"' if e.kind == "verbatim" else f"notes: {e.quote}"),
                    "item": _csv_text(p.item.id),
                    "participant": _csv_text(e.participant_id),
                    "source": _csv_text(e.source_id),
                    "turn": e.turn_index,
                    "status": p.item.review.status,
                    "also_backs": _csv_text("; ".join(i for i in backs[sticky] if i != p.item.id)),
                    "colour": "white",
                }
            )
    return out.getvalue()


def quote_id(e: Evidence) -> str:
    """A quote's sticky id, from where it is in the source: the same passage has the same id in every version."""
    return "q-" + e.key()


def _quotes(item: Item) -> list[Evidence]:
    if isinstance(item, Contradiction):
        return [*item.evidence, *(e for side in item.sides for e in side.evidence)]
    return list(item.evidence)


def _sticky_text(item: Item, text: str) -> str:
    if isinstance(item, Emotion):
        return f"Feeling {item.score:+d}: {text}" if text else f"Feeling {item.score:+d}"
    severity = getattr(item, "severity", None)
    return f"{text} (severity {severity}/3)" if severity is not None else text


def _placed(journey: JourneyMap) -> Iterator[Placed]:
    """Every item that goes on the board, stage by stage (in journey order), lane by lane."""
    lanes = dict(BOARD_LANES)
    by_stage: dict[str | None, list[Placed]] = {}

    def put(stage_id: str | None, lane: str, item: Item) -> None:
        name = journey.stage_name(stage_id) if stage_id else NO_STAGE
        by_stage.setdefault(stage_id, []).append(Placed(item, name or NO_STAGE, lane))

    for field, items in journey.staged_groups():
        for item in items:
            put(item.stage_id, lanes[field], item)
    for step in journey.blueprint:
        put(step.stage_id, lanes[step.lane], step)
    for opportunity in journey.opportunities:
        put(_first_stage(journey, opportunity), lanes["opportunities"], opportunity)
    for contradiction in journey.contradictions:
        put(contradiction.stage_id, lanes["contradictions"], contradiction)
    order = [s.id for s in journey.stages]
    known = [s for s in order if s in by_stage]
    rest = [s for s in by_stage if s not in order]
    lane_order = {label: n for n, (_, label) in enumerate(BOARD_LANES)}
    for stage_id in [*known, *rest]:
        yield from sorted(by_stage[stage_id], key=lambda p: lane_order[p.lane])


def _first_stage(journey: JourneyMap, opportunity: Opportunity) -> str | None:
    """An opportunity sits in the stage of the first pain point it addresses."""
    stages = {p.id: p.stage_id for p in journey.pain_points}
    return next((stages[p] for p in opportunity.addresses if p in stages), None)
