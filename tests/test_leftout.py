"""What the map left out, end to end on the bike case with the scripted gold model."""

from __future__ import annotations

from pathlib import Path

import pytest

from cjgen.changes import attach_left_out
from cjgen.ingest import load_transcripts
from cjgen.leftout import cited_spans, is_cited
from cjgen.pipeline import generate_map_from_files, open_runtime
from cjgen.render import render
from cjgen.schema import JourneyMap
from oracle import GoldOracle


@pytest.fixture(scope="module")
def journey() -> JourneyMap:
    bike = Path(__file__).resolve().parents[1] / "evals" / "cases" / "bike-subscription"
    return generate_map_from_files(
        bike / "brief.md",
        sorted((bike / "transcripts").iterdir()),
        runtime=open_runtime(model=GoldOracle(bike).model(), use_cache=False),
    )


def test_left_out_sentences_are_source_passages_no_item_cites(journey: JourneyMap) -> None:
    assert journey.left_out, "the gold model labels more sentences than the map has room for"
    bike = Path(__file__).resolve().parents[1] / "evals" / "cases" / "bike-subscription" / "transcripts"
    sources = {t.id: t for t in load_transcripts(sorted(bike.iterdir()))}
    cited = cited_spans(journey)
    for lo in journey.left_out:
        e = lo.evidence
        turn = sources[e.source_id].turns[e.turn_index]
        assert turn.role == "participant"
        assert turn.text[e.start : e.end] == e.quote or e.redacted
        assert not is_cited(e, cited)


def test_left_out_is_per_participant_strongest_first(journey: JourneyMap) -> None:
    order = [lo.evidence.participant_id for lo in journey.left_out]
    assert order == sorted(order, key=order.index)  # each participant's sentences together
    for pid in set(order):
        mine = [lo.strength for lo in journey.left_out if lo.evidence.participant_id == pid]
        assert mine == sorted(mine, reverse=True)


def test_the_share_left_out_is_reported(journey: JourneyMap) -> None:
    strong = journey.provenance.strong_sentences
    assert strong > len(journey.left_out) > 0
    assert journey.left_out_share() == round(len(journey.left_out) / strong, 3)
    md = render(journey, "md")
    assert f"{len(journey.left_out)} of {strong} strong sentences" in md
    first = journey.left_out[0]
    assert first.evidence.quote.split()[0] in md.split("## What the map left out")[1]
    html = render(journey, "html")
    assert 'id="left-out"' in html and f'data-sentence="{first.id}"' in html


def test_an_attached_sentence_leaves_the_list_and_backs_the_item(journey: JourneyMap) -> None:
    first = journey.left_out[0]
    target = next(p for p in journey.pain_points if p.evidence)
    attached = attach_left_out(journey, first.id, target.id)
    assert first.id not in {lo.id for lo in attached.left_out}
    assert first.evidence in next(p for p in attached.pain_points if p.id == target.id).evidence
    assert attached.left_out_share() is not None and attached.left_out_share() < journey.left_out_share()  # type: ignore[operator]
