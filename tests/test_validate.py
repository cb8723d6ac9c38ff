"""Semantic rules of a map: each broken rule is reported with its field path."""

from __future__ import annotations

from cjgen.validate import check_map
from factories import sample_map


def test_the_sample_map_is_valid() -> None:
    assert check_map(sample_map()) == []


def test_broken_references_name_their_field_path() -> None:
    journey = sample_map()
    journey.pain_points[0].stage_id = "nowhere"
    journey.opportunities[0].addresses = ["pain-missing"]
    journey.personas[1].participant_ids.append(journey.personas[0].participant_ids[0])
    journey.delights[0].evidence = []
    journey.delights[0].basis = "observed"
    errors = check_map(journey)
    assert any(e.startswith("pain_points.0.stage_id:") for e in errors)
    assert any(e.startswith("opportunities.0.addresses:") and "pain-missing" in e for e in errors)
    assert any(e.startswith("personas.1.participant_ids:") for e in errors)
    assert any(e.startswith("delights.0.evidence:") for e in errors)


def test_duplicate_ids_and_assumptions_with_evidence_are_errors() -> None:
    journey = sample_map()
    journey.delights[0].id = journey.pain_points[0].id
    journey.actions[0].basis = "assumption"
    errors = check_map(journey)
    assert any("used more than once" in e for e in errors)
    assert any(e.startswith("actions.0.basis:") for e in errors)


def test_a_quoted_participant_in_no_persona_is_named() -> None:
    journey = sample_map()
    quoted = sorted({e.participant_id for e in journey.all_evidence()})
    first = journey.personas[0]
    left = next(p for p in first.participant_ids if p in quoted)
    first.participant_ids = [p for p in first.participant_ids if p != left]
    assert check_map(journey) == [f"personas: participant(s) {left} are quoted but in no persona"]
