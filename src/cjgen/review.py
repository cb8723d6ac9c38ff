"""Review decisions on map items, and the differences between two versions of a map.

Pure functions: a map goes in, a new map (or a diff) comes out; the store records the result. A reviewer
may accept, reject or edit an item; an edit may change what an item says and where it sits, never its
evidence, its id or its basis, so every observed claim stays backed by the quotes the program verified.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cjgen.errors import InputError
from cjgen.schema import ITEM_KINDS, Item, JourneyMap, Review, ReviewStatus

Decision = Literal["accept", "reject", "edit"]
# Everything the review log records: a decision, another change by a reviewer, or a revision with new interviews.
Action = Literal[
    "accept",
    "reject",
    "edit",
    "attach",
    "new-item",
    "move-quote",
    "remove-quote",
    "merge",
    "split",
    "revise",
]

DECISION_STATUS: Final[dict[str, ReviewStatus]] = {
    "accept": "accepted",
    "reject": "rejected",
    "edit": "edited",
}
# What an edit may change; evidence, id and basis are the program's, not the reviewer's.
EDITABLE_FIELDS: Final = (
    "statement",
    "text",
    "name",
    "description",
    "goals",
    "what",
    "severity",
    "score",
    "stage_id",
    "persona_ids",
    "owner",
    "metric",
)
# The lists of a map that hold reviewable items, in `JourneyMap.items()` order; the name is the item's type.
ITEM_GROUPS: Final = tuple(kind.field for kind in ITEM_KINDS)
# Map-level fields worth showing in a diff (provenance changes with every run and is left out).
MAP_FIELDS: Final = ("title", "map_type", "summary", "notes")
# Computed counts follow from the evidence, and a review's time changes with its status, so neither is a
# change of its own.
_NOT_COMPARED: Final = frozenset({"quote_count", "participant_count", "review"})
_REVIEW_FIELDS: Final = ("status", "note", "reviewer")


# --------------------------------------------------------------------------------------------- review


def _located(journey: JourneyMap) -> Iterator[tuple[str, int, Item]]:
    for group in ITEM_GROUPS:
        items: list[Item] = getattr(journey, group)
        for index, item in enumerate(items):
            yield group, index, item


def find_item(journey: JourneyMap, item_id: str) -> tuple[str, int, Item]:
    """The item's group, its index in that group, and the item; `InputError` if the map has no such item."""
    for group, index, item in _located(journey):
        if item.id == item_id:
            return group, index, item
    raise InputError("item_id", f"map '{journey.id}' has no item '{item_id}'")


def _check_edits(journey: JourneyMap, item: Item, edits: dict[str, Any]) -> None:
    allowed = [f for f in EDITABLE_FIELDS if f in type(item).model_fields]
    for name, value in edits.items():
        if name not in allowed:
            raise InputError(
                f"edits.{name}", f"cannot be edited on this item; editable fields are {', '.join(allowed)}"
            )
        # A value of the wrong type is left to the item's own validation, which names the field.
        if name == "stage_id" and isinstance(value, str) and value not in {s.id for s in journey.stages}:
            raise InputError("edits.stage_id", f"'{value}' is not a stage of this map")
        if name == "persona_ids":
            known = {p.id for p in journey.personas}
            listed = value if isinstance(value, list) else []
            unknown = [p for p in listed if not isinstance(p, str) or p not in known]
            if unknown:
                raise InputError("edits.persona_ids", f"unknown persona(s) {', '.join(map(str, unknown))}")


def _edited(journey: JourneyMap, item: Item, edits: dict[str, Any]) -> Item:
    _check_edits(journey, item, edits)
    try:
        return type(item).model_validate({**item.model_dump(), **edits})
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise InputError(f"edits.{path}", first["msg"]) from exc


def apply_review(
    journey: JourneyMap,
    item_id: str,
    decision: Decision,
    *,
    note: str | None = None,
    reviewer: str | None = None,
    edits: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> JourneyMap:
    """A new map, one version on, with the reviewer's decision on one item (the given map is unchanged)."""
    if decision not in DECISION_STATUS:
        raise InputError("decision", f"unknown decision {decision!r}; use accept, reject or edit")
    if decision == "edit" and not edits:
        raise InputError("edits", "an edit needs at least one field to change")
    if decision != "edit" and edits:
        raise InputError("edits", f"edits go with the decision 'edit', not '{decision}'")
    group, index, item = find_item(journey, item_id)
    updated = _edited(journey, item, edits) if edits else item.model_copy(deep=True)
    updated.review = Review(
        status=DECISION_STATUS[decision], note=note, reviewer=reviewer, at=at or datetime.now(UTC)
    )
    result = journey.model_copy(deep=True, update={"version": journey.version + 1})
    getattr(result, group)[index] = updated
    return result


# --------------------------------------------------------------------------------------------- diff


class ItemRef(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    type: str = Field(description="The map list the item is in, e.g. pain_points.")


class FieldChange(BaseModel):
    field: str = Field(
        description="Field name; review fields are review.status, review.note, review.reviewer."
    )
    old: Any = None
    new: Any = None


class ItemChange(BaseModel):
    id: str
    type: str
    changes: list[FieldChange]


class StageOrder(BaseModel):
    old: list[str]
    new: list[str]


class MapDiff(BaseModel):
    map_id: str
    from_version: int
    to_version: int
    added: list[ItemRef] = Field(default_factory=list)
    removed: list[ItemRef] = Field(default_factory=list)
    changed: list[ItemChange] = Field(default_factory=list)
    map_changes: list[FieldChange] = Field(
        default_factory=list, description="Title, map type, summary, notes."
    )
    stage_order: StageOrder | None = Field(None, description="Set when the stages both maps share moved.")

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.map_changes or self.stage_order)


def _comparable(item: Item) -> dict[str, Any]:
    data = item.model_dump(mode="json", exclude=set(_NOT_COMPARED))
    review = item.review.model_dump(mode="json")
    data.update({f"review.{name}": review[name] for name in _REVIEW_FIELDS})
    return data


def _field_changes(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    names = list(dict.fromkeys([*old, *new]))
    return [FieldChange(field=n, old=old.get(n), new=new.get(n)) for n in names if old.get(n) != new.get(n)]


def _shown(value: Any, width: int = 100) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def diff_lines(diff: MapDiff) -> list[str]:
    """The diff for a reader: what was added, removed and changed, a line each, with old and new values."""
    if diff.empty:
        return [f"{diff.map_id}: version {diff.from_version} → {diff.to_version}, no changes"]
    lines = [f"{diff.map_id}: version {diff.from_version} → {diff.to_version}"]
    lines += [f"+ {ref.type} {ref.id}" for ref in diff.added]
    lines += [f"- {ref.type} {ref.id}" for ref in diff.removed]
    for item in diff.changed:
        lines.append(f"~ {item.type} {item.id}")
        lines += [f"    {c.field}: {_shown(c.old)} → {_shown(c.new)}" for c in item.changes]
    if diff.map_changes:
        lines.append("~ map")
        lines += [f"    {c.field}: {_shown(c.old)} → {_shown(c.new)}" for c in diff.map_changes]
    if diff.stage_order is not None:
        lines.append(f"~ stage order: {', '.join(diff.stage_order.old)} → {', '.join(diff.stage_order.new)}")
    return lines


def diff_maps(old: JourneyMap, new: JourneyMap) -> MapDiff:
    """What changed from `old` to `new`: items by id and type, their changed fields, and the stage order."""
    before = {ItemRef(id=item.id, type=group): item for group, _, item in _located(old)}
    after = {ItemRef(id=item.id, type=group): item for group, _, item in _located(new)}
    changed = []
    for ref, item in before.items():
        if ref in after:
            changes = _field_changes(_comparable(item), _comparable(after[ref]))
            if changes:
                changed.append(ItemChange(id=ref.id, type=ref.type, changes=changes))
    shared = {s.id for s in old.stages} & {s.id for s in new.stages}
    old_order = [s.id for s in old.stages if s.id in shared]
    new_order = [s.id for s in new.stages if s.id in shared]
    map_fields = (
        old.model_dump(mode="json", include=set(MAP_FIELDS)),
        new.model_dump(mode="json", include=set(MAP_FIELDS)),
    )
    return MapDiff(
        map_id=new.id,
        from_version=old.version,
        to_version=new.version,
        added=[ref for ref in after if ref not in before],
        removed=[ref for ref in before if ref not in after],
        changed=changed,
        map_changes=_field_changes(*map_fields),
        stage_order=None
        if old_order == new_order
        else StageOrder(old=[s.id for s in old.stages], new=[s.id for s in new.stages]),
    )
