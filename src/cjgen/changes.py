"""A reviewer's changes to a map beyond a decision: merge and split items, move or remove a quote, and use a
sentence the map left out (as a new quote of an item, or as the start of a new item).

Pure functions, like `review.apply_review`: a map goes in, the next version comes out. A quote is only ever
moved between items or taken from the map's own left-out sentences, which are located source passages, so an
observed item stays backed by verified quotes whatever a reviewer does; a change that would leave an observed
item with none is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final, Literal

from cjgen.errors import InputError
from cjgen.review import find_item
from cjgen.schema import Delight, Evidence, Item, JourneyMap, LeftOut, PainPoint, Review, Severity

NewKind = Literal["pain_points", "delights"]
NEW_KINDS: Final = {"pain": "pain_points", "delight": "delights"}
_PREFIX: Final = {"pain_points": "pain", "delights": "delight"}


def _stamp(status: Literal["accepted", "edited"], note: str | None, reviewer: str | None) -> Review:
    return Review(status=status, note=note, reviewer=reviewer, at=datetime.now(UTC))


def _next(journey: JourneyMap) -> JourneyMap:
    return journey.model_copy(deep=True, update={"version": journey.version + 1})


def _replace(journey: JourneyMap, item: Item) -> None:
    group, index, _ = find_item(journey, item.id)
    getattr(journey, group)[index] = item


def _quote(item: Item, quote: str) -> Evidence:
    found = next((e for e in item.evidence if e.key() == quote), None)
    if found is None:
        raise InputError("quote", f"item '{item.id}' has no quote '{quote}'")
    return found


def _keep_grounded(item: Item) -> None:
    if item.basis == "observed" and not item.evidence:
        raise InputError("quote", f"'{item.id}' would have no quote left; reject the item instead")


def _left_out(journey: JourneyMap, sentence_id: str) -> LeftOut:
    found = next((lo for lo in journey.left_out if lo.id == sentence_id), None)
    if found is None:
        raise InputError("sentence_id", f"map '{journey.id}' has no left-out sentence '{sentence_id}'")
    return found


def _with_quote(item: Item, evidence: Evidence) -> Item:
    if any(e.key() == evidence.key() for e in item.evidence):
        raise InputError("item_id", f"'{item.id}' already cites that passage")
    return item.model_copy(update={"evidence": [*item.evidence, evidence]})


def attach_left_out(
    journey: JourneyMap,
    sentence_id: str,
    item_id: str,
    *,
    note: str | None = None,
    reviewer: str | None = None,
) -> JourneyMap:
    """The left-out sentence becomes a quote of the item (which is then `edited`)."""
    result = _next(journey)
    sentence = _left_out(result, sentence_id)
    _, _, item = find_item(result, item_id)
    updated = _with_quote(item, sentence.evidence)
    updated.review = _stamp(
        "edited", note or f"added a quote from {sentence.evidence.participant_id}", reviewer
    )
    _replace(result, updated)
    result.left_out = [lo for lo in result.left_out if lo.id != sentence_id]
    return result


def item_from_left_out(
    journey: JourneyMap,
    sentence_id: str,
    *,
    stage_id: str,
    kind: NewKind | None = None,
    statement: str | None = None,
    severity: Severity = 2,
    persona_ids: Sequence[str] = (),
    note: str | None = None,
    reviewer: str | None = None,
) -> JourneyMap:
    """A new pain point or delight (by the sentence's label, unless `kind` says) whose quote is the sentence."""
    result = _next(journey)
    sentence = _left_out(result, sentence_id)
    if stage_id not in {s.id for s in result.stages}:
        raise InputError("stage_id", f"'{stage_id}' is not a stage of this map")
    unknown = [p for p in persona_ids if p not in {p.id for p in result.personas}]
    if unknown:
        raise InputError("persona_ids", f"unknown persona(s) {', '.join(unknown)}")
    group: NewKind = kind or ("pain_points" if sentence.label == "pain" else "delights")
    if group not in _PREFIX:
        raise InputError("kind", f"unknown kind {group!r}; use pain_points or delights")
    made = (PainPoint if group == "pain_points" else Delight)(
        id=_new_id(result, _PREFIX[group]),
        stage_id=stage_id,
        statement=(statement or " ".join(sentence.evidence.quote.split())).strip(),
        persona_ids=list(persona_ids),
        severity=severity,
        evidence=[sentence.evidence],
        review=_stamp("accepted", note or "started from a sentence the map left out", reviewer),
    )
    getattr(result, group).append(made)
    result.left_out = [lo for lo in result.left_out if lo.id != sentence_id]
    return result


def _new_id(journey: JourneyMap, prefix: str) -> str:
    taken = {item.id for item in journey.items()}
    return next(f"{prefix}-r{n}" for n in range(1, len(taken) + 2) if f"{prefix}-r{n}" not in taken)


def move_quote(
    journey: JourneyMap,
    item_id: str,
    quote: str,
    to_item_id: str,
    *,
    note: str | None = None,
    reviewer: str | None = None,
) -> JourneyMap:
    """The quote (by `Evidence.key()`) leaves one item for another; both are then `edited`."""
    if item_id == to_item_id:
        raise InputError("to_item_id", "is the item the quote is already in")
    result = _next(journey)
    _, _, source = find_item(result, item_id)
    _, _, target = find_item(result, to_item_id)
    moved = _quote(source, quote)
    left = source.model_copy(update={"evidence": [e for e in source.evidence if e.key() != quote]})
    _keep_grounded(left)
    stamp = _stamp("edited", note or f"quote moved from {item_id} to {to_item_id}", reviewer)
    left.review = stamp
    gained = _with_quote(target, moved)
    gained.review = stamp
    _replace(result, left)
    _replace(result, gained)
    return result


def remove_quote(
    journey: JourneyMap, item_id: str, quote: str, *, note: str | None = None, reviewer: str | None = None
) -> JourneyMap:
    """The item no longer cites the quote; an observed item keeps at least one."""
    result = _next(journey)
    _, _, item = find_item(result, item_id)
    removed = _quote(item, quote)
    left = item.model_copy(update={"evidence": [e for e in item.evidence if e is not removed]})
    _keep_grounded(left)
    left.review = _stamp("edited", note or f"removed a quote from {removed.participant_id}", reviewer)
    _replace(result, left)
    return result


def merge_items(
    journey: JourneyMap, item_ids: Sequence[str], *, note: str | None = None, reviewer: str | None = None
) -> JourneyMap:
    """The first item takes the others' quotes (each passage once) and links; the others go."""
    if len(set(item_ids)) < 2:
        raise InputError("item_ids", "name at least two different items to merge")
    result = _next(journey)
    found = [find_item(result, i) for i in item_ids]
    group = found[0][0]
    if any(g != group for g, _, _ in found):
        raise InputError("item_ids", "only items of one kind can be merged (e.g. two pain points)")
    keep = found[0][2]
    evidence = list(keep.evidence)
    for _, _, other in found[1:]:
        evidence += [e for e in other.evidence if e.key() not in {k.key() for k in evidence}]
    merged = keep.model_copy(update={"evidence": evidence})
    if hasattr(merged, "persona_ids"):
        ids = [p for _, _, it in found for p in getattr(it, "persona_ids", [])]
        merged = merged.model_copy(update={"persona_ids": list(dict.fromkeys(ids))})
    gone = set(item_ids[1:])
    merged.review = _stamp("edited", note or f"merged {', '.join(item_ids[1:])} into {keep.id}", reviewer)
    _replace(result, merged)
    setattr(result, group, [it for it in getattr(result, group) if it.id not in gone])
    # Opportunities that addressed a merged pain point now address the one that kept its id.
    for opportunity in result.opportunities:
        if gone & set(opportunity.addresses):
            linked = [keep.id if a in gone else a for a in opportunity.addresses]
            opportunity.addresses = list(dict.fromkeys(linked))
    return result


def split_item(
    journey: JourneyMap,
    item_id: str,
    quotes: Sequence[str],
    *,
    text: str | None = None,
    note: str | None = None,
    reviewer: str | None = None,
) -> JourneyMap:
    """A new item of the same kind, right after the original, takes the given quotes from it."""
    result = _next(journey)
    group, index, item = find_item(result, item_id)
    taken = [_quote(item, q) for q in dict.fromkeys(quotes)]
    if not taken:
        raise InputError("quotes", "name at least one quote to move to the new item")
    kept = item.model_copy(update={"evidence": [e for e in item.evidence if e not in taken]})
    _keep_grounded(kept)
    stamp = _stamp("edited", note or f"split from {item_id}", reviewer)
    kept.review = stamp
    new_id = _new_id(result, item_id)
    split = item.model_copy(update={"id": new_id, "evidence": taken, "review": stamp})
    if text:
        wording = next(
            (f for f in ("statement", "text", "name", "what") if f in type(item).model_fields), None
        )
        if wording is None:
            raise InputError("text", f"a {group} item has no wording to set")
        split = split.model_copy(update={wording: text})
    items = getattr(result, group)
    items[index] = kept
    items.insert(index + 1, split)
    return result
