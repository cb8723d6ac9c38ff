"""Quotes from notes are shown as notes, not as verbatim speech; a companion is named with the participant."""

from __future__ import annotations

from cjgen.render import render
from cjgen.schema import JourneyMap
from factories import sample_map


def with_notes_and_companion(journey: JourneyMap) -> tuple[JourneyMap, str, str]:
    at, pain = next((n, p) for n, p in enumerate(journey.pain_points) if len(p.evidence) >= 2)
    notes = pain.evidence[0].model_copy(update={"kind": "notes"})
    companion = pain.evidence[1].model_copy(update={"speaker": "Partner"})
    updated = pain.model_copy(update={"evidence": [notes, companion, *pain.evidence[2:]]})
    pains = list(journey.pain_points)
    pains[at] = updated
    return journey.model_copy(update={"pain_points": pains}), notes.quote, companion.participant_id


def test_markdown_marks_notes_and_names_the_companion() -> None:
    journey, quote, pid = with_notes_and_companion(sample_map())
    text = render(journey, "md")
    assert f"_Notes:_ {quote}" in text
    assert f"{pid} (Partner)," in text


def test_html_marks_notes_and_names_the_companion() -> None:
    journey, _, pid = with_notes_and_companion(sample_map())
    text = render(journey, "html")
    assert 'class="from-notes"' in text and "flag-notes" in text
    assert f"{pid} (Partner)</b>" in text
    plain = render(sample_map(), "html")
    assert 'class="from-notes"' not in plain


def test_csv_marks_notes() -> None:
    journey, quote, _ = with_notes_and_companion(sample_map())
    text = render(journey, "csv")
    assert f"notes: {quote} (" in text
