"""A reviewer's changes beyond a decision: quotes moved or removed, items merged or split, left-out sentences
used. Each makes the next version and keeps every observed item backed by source passages."""

from __future__ import annotations

import pytest

from cjgen.changes import (
    attach_left_out,
    item_from_left_out,
    merge_items,
    move_quote,
    remove_quote,
    split_item,
)
from cjgen.errors import InputError
from cjgen.review import find_item
from cjgen.schema import Delight, JourneyMap, LeftOut, PainPoint
from factories import E_ID_DOCS, E_PERSONA_SOLO, ev, sample_map

LEFT = ev("P3", 21, "the app logged me out every time I switched to my email to copy the code")


def with_left_out() -> JourneyMap:
    journey = sample_map()
    journey.left_out = [LeftOut(id="s-" + LEFT.key(), label="pain", strength=0.4, evidence=LEFT)]
    journey.provenance.strong_sentences = 4
    return journey


def test_a_left_out_sentence_becomes_a_quote_of_an_item() -> None:
    journey = with_left_out()
    attached = attach_left_out(journey, journey.left_out[0].id, "pp-form", reviewer="maria")
    _, _, item = find_item(attached, "pp-form")
    assert item.evidence[-1] == LEFT
    assert (item.review.status, item.review.reviewer) == ("edited", "maria")
    assert attached.left_out == [] and attached.version == journey.version + 1
    assert attached.left_out_share() == 0.0 and journey.left_out_share() == 0.25
    assert journey.left_out  # the given map is unchanged


def test_a_left_out_sentence_starts_a_new_item_with_its_own_quote() -> None:
    journey = with_left_out()
    made = item_from_left_out(journey, journey.left_out[0].id, stage_id="apply", persona_ids=["persona-solo"])
    new = made.pain_points[-1]
    assert isinstance(new, PainPoint) and new.stage_id == "apply"
    assert new.evidence == [LEFT] and new.statement == LEFT.quote
    assert new.id not in {i.id for i in journey.items()} and new.review.status == "accepted"
    delight = item_from_left_out(journey, journey.left_out[0].id, stage_id="use", kind="delights").delights[
        -1
    ]
    assert isinstance(delight, Delight) and delight.evidence == [LEFT]


def test_using_a_left_out_sentence_names_what_is_wrong() -> None:
    journey = with_left_out()
    with pytest.raises(InputError, match=r"sentence_id: map '.*' has no left-out sentence 's-nope'"):
        attach_left_out(journey, "s-nope", "pp-form")
    with pytest.raises(InputError, match="stage_id: 'nowhere' is not a stage"):
        item_from_left_out(journey, journey.left_out[0].id, stage_id="nowhere")
    with pytest.raises(InputError, match=r"item_id: map '.*' has no item 'pp-none'"):
        attach_left_out(journey, journey.left_out[0].id, "pp-none")


def test_a_quote_moves_between_items() -> None:
    journey = sample_map()
    moved = move_quote(journey, "pp-silence", journey.pain_points[2].evidence[0].key(), "pp-address")
    _, _, source = find_item(moved, "pp-silence")
    _, _, target = find_item(moved, "pp-address")
    assert len(source.evidence) == 2 and journey.pain_points[2].evidence[0] in target.evidence
    assert source.review.status == target.review.status == "edited"


def test_the_last_quote_of_an_observed_item_stays() -> None:
    journey = sample_map()
    with pytest.raises(InputError, match="'pp-address' would have no quote left; reject the item instead"):
        remove_quote(journey, "pp-address", E_ID_DOCS.key())
    removed = remove_quote(journey, "pp-silence", journey.pain_points[2].evidence[1].key())
    assert len(find_item(removed, "pp-silence")[2].evidence) == 2


def test_merge_keeps_each_passage_once_and_relinks_opportunities() -> None:
    journey = sample_map()
    merged = merge_items(journey, ["pp-silence", "pp-address"])
    _, _, kept = find_item(merged, "pp-silence")
    assert "pp-address" not in {p.id for p in merged.pain_points}
    assert E_ID_DOCS in kept.evidence
    assert len({e.key() for e in kept.evidence}) == len(kept.evidence)
    tracker = next(o for o in merged.opportunities if o.id == "op-status-tracker")
    assert tracker.addresses == ["pp-silence"]
    with pytest.raises(InputError, match="only items of one kind"):
        merge_items(journey, ["pp-silence", "act-compare"])


def test_split_moves_the_chosen_quotes_to_a_new_item_next_to_the_original() -> None:
    journey = sample_map()
    quote = journey.pain_points[2].evidence[2]
    split = split_item(journey, "pp-silence", [quote.key()], text="Emails get template answers")
    ids = [p.id for p in split.pain_points]
    new = split.pain_points[ids.index("pp-silence") + 1]
    assert new.evidence == [quote] and new.statement == "Emails get template answers"
    assert quote not in split.pain_points[ids.index("pp-silence")].evidence
    with pytest.raises(InputError, match="item 'pp-silence' has no quote 'x'"):
        split_item(journey, "pp-silence", ["x"])


def test_a_quote_not_in_the_item_is_refused() -> None:
    with pytest.raises(InputError, match="has no quote"):
        move_quote(sample_map(), "pp-silence", E_PERSONA_SOLO.key(), "pp-form")
