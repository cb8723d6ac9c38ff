from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cjgen.errors import InputError
from cjgen.render import (
    FORMATS,
    extension_for,
    format_timestamp,
    render,
    summary_to_markdown,
    to_csv,
    to_html,
    to_json,
    to_markdown,
    to_mermaid,
)
from cjgen.schema import (
    Action,
    Delight,
    JourneyMap,
    PainPoint,
    Provenance,
    Thought,
    TranscriptSummary,
)
from factories import CREATED_AT, brief_only_map, empty_map, ev, sample_map, sample_provenance

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAK = '"><img src=x onerror=alert(1)>'
PAYLOAD = f"{SCRIPT} {ATTRIBUTE_BREAK}"


def no_stage_map() -> JourneyMap:
    """Items point at stages the map does not have (a half-finished draft)."""
    return JourneyMap(
        id="map-no-stages",
        title="No stages",
        actions=[Action(id="a1", stage_id="missing", text="Does something", basis="assumption")],
        pain_points=[PainPoint(id="p1", stage_id="missing", statement="Something hurts", basis="assumption")],
        provenance=Provenance(
            tool_version="0.1.0", backend="scripted", model="scripted", created_at=CREATED_AT
        ),
    )


def hostile_map() -> JourneyMap:
    """The sample map with script payloads in a quote, a persona name and a statement."""
    journey = sample_map()
    journey.personas[0].name = f"Sole trader {PAYLOAD}"
    journey.pain_points[0].statement = f"Fees {PAYLOAD}"
    journey.pain_points[0].evidence = [ev("P1", 3, f"I saw {PAYLOAD} on the page")]
    journey.title = f"Map {PAYLOAD}"
    journey.notes.append(PAYLOAD)
    return journey


SPARSE: list[Callable[[], JourneyMap]] = [brief_only_map, empty_map, no_stage_map]


# --------------------------------------------------------------------------------------------- dispatch


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_the_sample_map(fmt: str) -> None:
    text = render(sample_map(), fmt, include_pending=True)
    assert text.strip()
    assert "Fees are hard to find and compare" in text


def test_render_dispatches_to_the_format_functions() -> None:
    journey = sample_map()
    assert render(journey, "html") == to_html(journey)
    assert render(journey, "md") == to_markdown(journey)
    assert render(journey, "json") == to_json(journey)
    assert render(journey, "csv") == to_csv(journey)
    assert render(journey, "mermaid") == to_mermaid(journey)


def test_unknown_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown format 'pdf'"):
        render(sample_map(), "pdf")
    with pytest.raises(InputError):
        extension_for("docx")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_output_file_named_with_a_format_suffix_is_written_in_that_format(fmt: str) -> None:
    from cjgen.cli import _format_for

    # `.board.csv` ends in `.csv` too: the longer suffix wins.
    assert _format_for(Path(f"out/map{extension_for(fmt)}"), None, "json") == fmt


@pytest.mark.parametrize("factory", SPARSE)
@pytest.mark.parametrize("fmt", FORMATS)
def test_sparse_maps_render_in_every_format(factory: Callable[[], JourneyMap], fmt: str) -> None:
    assert render(factory(), fmt).strip()


# --------------------------------------------------------------------------------------------- json / csv


@pytest.mark.parametrize("factory", [sample_map, *SPARSE])
def test_json_round_trips(factory: Callable[[], JourneyMap]) -> None:
    journey = factory()
    assert JourneyMap.model_validate_json(to_json(journey)) == journey


def test_csv_has_one_row_per_item() -> None:
    journey = sample_map()
    rows = list(csv.DictReader(io.StringIO(to_csv(journey))))
    assert len(rows) == len(journey.items())
    assert [r["id"] for r in rows] == [i.id for i in journey.items()]

    by_id = {r["id"]: r for r in rows}
    pain = by_id["pp-fees"]
    assert pain["type"] == "pain_point"
    assert pain["stage"] == "Research"
    assert pain["personas"] == "Sole trader; Growing team owner"
    assert pain["severity"] == "2"
    assert (pain["evidence_count"], pain["participant_count"]) == ("3", "3")
    assert pain["quotes"].count(" | ") == 2
    assert (
        '"I had four tabs open comparing fees and none of them said the same thing" (P1 turn 3)'
        in pain["quotes"]
    )
    assert pain["sources"] == "P3.txt; P4.srt; P1.txt"
    assert by_id["em-verify-persona-solo"]["score"] == "-2"
    assert by_id["pp-branch"]["basis"] == "assumption"
    assert by_id["pp-branch"]["evidence_count"] == "0"
    assert by_id["pp-address"]["review_status"] == "rejected"
    assert by_id["tp-phone"]["kind"] == "phone"
    assert by_id["op-status-tracker"]["addresses"] == "pp-silence; pp-address"
    assert by_id["op-status-tracker"]["stage"] == "Verify identity"
    assert by_id["ct-signup-speed"]["participant_count"] == "3"


def test_csv_keeps_formulas_from_running_in_spreadsheets() -> None:
    journey = sample_map()
    journey.actions[0].text = '=HYPERLINK("x","click")'
    rows = list(csv.DictReader(io.StringIO(to_csv(journey))))
    assert rows[[r["id"] for r in rows].index(journey.actions[0].id)]["text"].startswith("'=")


def test_csv_of_an_empty_map_is_just_the_header() -> None:
    assert list(csv.DictReader(io.StringIO(to_csv(empty_map())))) == []


# --------------------------------------------------------------------------------------------- mermaid


def test_mermaid_is_a_journey_with_a_section_per_stage() -> None:
    journey = sample_map()
    text = to_mermaid(journey)
    lines = text.splitlines()
    assert lines[0] == "journey"
    assert lines[1] == "  title Ledgerline business account onboarding"
    sections = [line.strip() for line in lines if line.strip().startswith("section ")]
    assert sections == [f"section {s.name}" for s in journey.stages]
    tasks = [line for line in lines if line.startswith("    ")]
    assert len(tasks) == len(journey.actions) + len(journey.pain_points) + len(journey.delights)
    for task in tasks:
        assert re.fullmatch(r"    [^:;#\n]+: [1-5](: [^:;#\n]+)?", task), task
    # Research: the sole trader felt -1, so their action scores 2 on Mermaid's 1..5 scale.
    assert "    Compares fees across bank websites: 2: Sole trader" in lines
    assert "    Delight - The card arrives the next day: 5: Sole trader" in lines


def test_mermaid_neutralises_its_syntax_in_text() -> None:
    journey = sample_map()
    journey.title = "Onboarding: v2 # draft; %% not a comment"
    journey.stages[0].name = "Research:\nphase #1"
    journey.actions[0].text = "Section the form: read it; then #2\nsubmit"
    journey.personas[0].name = "Solo, trader: A"
    lines = to_mermaid(journey).splitlines()
    assert lines[1] == "  title Onboarding - v2 draft, % not a comment"
    assert "  section Research - phase 1" in lines
    assert "    - Section the form - read it, then 2 submit: 2: Solo trader - A" in lines
    assert len([line for line in lines if line.strip().startswith("section ")]) == len(journey.stages)


# --------------------------------------------------------------------------------------------- html


def test_html_escapes_untrusted_text() -> None:
    html = to_html(hostile_map())
    assert SCRIPT not in html
    assert ATTRIBUTE_BREAK not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    # The page's own script is the only one.
    assert html.count("<script>") == 1


def test_html_is_self_contained() -> None:
    html = to_html(sample_map())
    for external in ("http://", "https://", "<link", "@import", 'src="http', "src=", "url("):
        assert external not in html, external
    assert html.startswith("<!doctype html>")
    assert "<style>" in html


def test_html_lays_out_stages_as_columns_and_lanes_as_rows() -> None:
    journey = sample_map()
    html = to_html(journey)
    assert html.count('<th scope="col" class="stage"') == len(journey.stages)
    for lane in ("Actions", "Touchpoints", "Thoughts", "Emotion", "Pain points", "Delights"):
        assert f'<span class="lane-name">{lane}</span>' in html
    assert '<span class="kind">word of mouth</span> Accountant&#39;s recommendation' in html
    assert "High severity" in html


def test_html_draws_one_emotion_line_per_persona() -> None:
    html = to_html(sample_map())
    assert html.count('<g class="series"') == 2
    assert html.count('<line class="seg"') == 6
    assert html.count('<circle class="pt"') == 8
    assert "Sole trader: Research −1; Apply −1; Verify identity −2; First weeks +2." in html


def test_html_shows_blueprint_lanes_only_for_blueprints() -> None:
    html = to_html(sample_map())
    for lane in ("Frontstage", "Backstage", "Support processes"):
        assert f'<span class="lane-name">{lane}</span>' in html
    journey = sample_map(map_type="current-state")
    journey.blueprint = []
    assert "Frontstage" not in to_html(journey)


def test_html_items_show_evidence_basis_and_review() -> None:
    html = to_html(sample_map())
    assert "<summary>3 quotes · 3 participants</summary>" in html
    assert re.search(
        r'<b class="who">P2</b> <span class="src">P2.vtt</span> <span>turn 8</span> <time>05:35</time>', html
    )
    assert 'class="flag flag-redacted"' in html
    for status in ("pending", "accepted", "rejected", "edited"):
        assert f"status-tag status-{status}" in html
    assert "Only one participant; park for now." in html


def test_html_labels_assumptions() -> None:
    html = to_html(sample_map())
    card = re.search(r'<article class="([^"]*)" id="item-pp-branch"[^>]*>(.*?)</article>', html, re.S)
    assert card is not None
    assert "basis-assumption" in card.group(1)
    assert ">assumption</span>" in card.group(2)
    assert "No interview evidence yet" in card.group(2)
    assert 'id="assumptions-h"' in html


def test_html_links_opportunities_to_pain_points() -> None:
    html = to_html(sample_map())
    assert 'href="#item-pp-silence"' in html
    assert 'id="item-pp-silence"' in html
    assert "<code>pp-address</code>" in html


def test_html_shows_both_sides_of_a_contradiction() -> None:
    html = to_html(sample_map())
    assert "Signing up was quick" in html
    assert "Signing up was slow and frustrating" in html
    assert "doing it on the phone was actually quick, maybe ten minutes" in html


def test_a_contradiction_counts_the_quotes_of_its_sides_that_it_shows() -> None:
    """A contradiction's own evidence is each side's first quote; its sides show more. The count a reviewer reads
    above them is of the quotes under it, in every format."""
    journey = sample_map()
    contradiction = journey.contradictions[0]
    firsts = [side.evidence[0] for side in contradiction.sides]
    journey = journey.model_copy(
        update={"contradictions": [contradiction.model_copy(update={"evidence": firsts})]}
    )
    markdown = to_markdown(journey)
    assert (
        "3 quotes · 3 participants"
        in markdown[markdown.index("## Contradictions") : markdown.index("## Assumptions")]
    )
    html = to_html(journey)
    section = html[html.index('id="contradictions-h"') :]
    assert "3 quotes · 3 participants" in section[: section.index("</section>")]
    [row] = [r for r in csv.DictReader(io.StringIO(to_csv(journey))) if r["id"] == contradiction.id]
    assert (row["evidence_count"], row["participant_count"]) == ("3", "3")


def test_html_footer_has_provenance() -> None:
    html = to_html(sample_map())
    footer = html[html.index('<footer class="provenance"') :]
    for fact in (
        "cjgen 0.1.0",
        "qwen2.5-coder-1.5b-instruct-q4_k_m",
        "13,200",
        "3,010",
        "email",
        "synthesize",
    ):
        assert fact in footer, fact
    assert "+ 1 cached" in footer


def test_html_prints_with_quotes_open() -> None:
    html = to_html(sample_map())
    assert "@media print" in html
    assert "beforeprint" in html


def test_html_of_a_brief_only_map_marks_every_item_an_assumption() -> None:
    journey = brief_only_map()
    html = to_html(journey)
    items = re.findall(r'<article class="item [^"]*"', html)
    assert items
    assert all("basis-assumption" in cls for cls in items if "item-opportunity" not in cls)
    assert "No emotion scores" not in html


def test_html_of_a_map_without_stages() -> None:
    assert "No stages yet." in to_html(empty_map())
    assert ">Unstaged</span>" in to_html(no_stage_map())


# --------------------------------------------------------------------------------------------- markdown


def test_markdown_is_a_readable_document() -> None:
    text = to_markdown(sample_map())
    assert text.startswith("# Ledgerline business account onboarding\n")
    assert "| Persona | Participants | n |" in text
    assert "| Sole trader | P1, P3 | 2 |" in text
    assert [line for line in text.splitlines() if line.startswith("### ")][:4] == [
        "### 1. Research",
        "### 2. Apply",
        "### 3. Verify identity",
        "### 4. First weeks",
    ]
    assert (
        '  > "I had four tabs open comparing fees and none of them said the same thing" — P1, P1.txt turn 3'
        in text
    )
    assert (
        '"doing it on the phone was actually quick, maybe ten minutes" — P2, P2.vtt turn 8 at 05:35\n' in text
    )
    assert "- **Sole trader: −2** Long silence after applying" in text
    assert "**ASSUMPTION**" in text
    for heading in ("## Opportunities", "## Contradictions", "## Assumptions", "## Notes", "## Provenance"):
        assert f"\n{heading}\n" in text
    assert "\n\n\n" not in text


def test_the_counts_at_a_glance_are_in_words_one_or_many() -> None:
    journey = sample_map()
    one = journey.model_copy(
        update={"opportunities": journey.opportunities[:1], "personas": journey.personas[:1]}
    )
    text = to_markdown(one)
    glance = next(line for line in text.splitlines() if line.startswith("**At a glance:**"))
    assert "1 opportunity ·" in glance and "1 persona ·" in glance and "opportunitie " not in glance
    assert f"{len(journey.stages)} stages" in glance


def test_markdown_keeps_untrusted_text_inert() -> None:
    journey = hostile_map()
    journey.pain_points[0].statement = "Line one\n# Not a heading\n| not | a | row"
    journey.personas[0].name = "Pipe | name"
    text = to_markdown(journey)
    assert SCRIPT not in text
    assert "<img" not in text
    assert "\n# Not a heading" not in text
    assert "| Pipe \\| name |" in text


def _markdown_as_html(text: str) -> str:
    """The Markdown as a CommonMark reader shows it (raw HTML allowed, as most viewers do)."""
    markdown_it = pytest.importorskip("markdown_it")
    return str(markdown_it.MarkdownIt("commonmark").enable("table").render(text))


def test_a_backslash_cannot_undo_the_markdown_escapes() -> None:
    journey = sample_map()
    link = "\\[click\\](javascript:alert(1)) and \\![p\\](https://evil.example/p.png)"
    journey.pain_points[0].statement = link
    journey.personas[0].name = "Pipe \\| name"
    shown = _markdown_as_html(to_markdown(journey))
    assert "<a " not in shown and "<img" not in shown
    assert "\\[click\\](javascript:alert(1))" in shown
    assert "<td>Pipe \\| name</td>" in shown


def test_participant_ids_of_inputs_are_escaped_in_markdown() -> None:
    journey = sample_map()
    inputs = journey.provenance.inputs
    inputs[1] = inputs[1].model_copy(update={"participant_id": "P1<img src=http://evil.example/p.png>"})
    text = to_markdown(journey)
    assert "<img" not in text and "<img" not in _markdown_as_html(text)
    assert "P1&lt;img src=http://evil.example/p.png>" in text


def test_a_flagged_quote_is_shown_as_kept_evidence_in_every_readable_format() -> None:
    journey = sample_map()
    quote = journey.pain_points[0].evidence[0]
    journey.pain_points[0].evidence[0] = quote.model_copy(update={"flagged": True})
    label = "flagged as instruction-like; kept as evidence"
    markdown = to_markdown(journey)
    assert (
        f'{quote.quote}" — {quote.participant_id}, {quote.source_id} turn {quote.turn_index} _({label})_'
        in markdown
    )
    assert markdown.count(label) == 1
    assert to_html(journey).count('class="flag flag-instruction"') == 1
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(to_csv(journey)))}
    assert f"[{label}]" in rows[journey.pain_points[0].id]["quotes"]
    assert label not in to_markdown(sample_map()) and label not in to_csv(sample_map())


@pytest.mark.parametrize("factory", SPARSE)
def test_markdown_of_sparse_maps(factory: Callable[[], JourneyMap]) -> None:
    text = to_markdown(factory())
    assert "## Provenance" in text
    assert "\n\n\n" not in text


def test_markdown_lists_assumptions_of_a_brief_only_map() -> None:
    text = to_markdown(brief_only_map())
    section = text[text.index("## Assumptions") :]
    assert "- **ASSUMPTION** (persona): Busy parent" in section
    assert "- **ASSUMPTION** (pain point, First order): Evening delivery slots sell out" in section


# --------------------------------------------------------------------------------------------- summary


def test_summary_to_markdown() -> None:
    quote = ev("P2", 8, "doing it on the phone was actually quick, maybe ten minutes")
    summary = TranscriptSummary(
        source_id="P2.vtt",
        participant_id="P2",
        key_points=[Thought(id="k1", stage_id="apply", text="Signed up on the phone", evidence=[quote])],
        pain_points=[PainPoint(id="p1", stage_id="use", statement=f"Exports break {SCRIPT}", severity=3)],
        delights=[Delight(id="d1", stage_id="apply", statement="Quick sign-up", evidence=[quote])],
        quotes=[quote],
        provenance=sample_provenance(),
    )
    summary.about = [Thought(id="a1", stage_id="", text="I work nights at the hospital", evidence=[quote])]
    summary.goals = [Thought(id="g1", stage_id="", text="I just want it quick", evidence=[quote])]
    text = summary_to_markdown(summary)
    assert text.startswith("# Transcript summary: P2.vtt\n")
    assert text.index("## Who they are") < text.index("I work nights") < text.index("## What they want")
    assert text.index("## What they want") < text.index("I just want it quick") < text.index("## Key points")
    assert "- Signed up on the phone _(apply)_ · 1 quote · 1 participant" in text
    assert "**[severity 3/3]** Exports break &lt;script>" in text
    assert (
        '> "doing it on the phone was actually quick, maybe ten minutes" — P2, P2.vtt turn 8 at 05:35' in text
    )
    assert "\n\n\n" not in text


def test_summary_without_findings() -> None:
    summary = TranscriptSummary(source_id="P9.txt", participant_id="P9", provenance=sample_provenance())
    text = summary_to_markdown(summary)
    # Who they are, what they want, key points, pain points, delights.
    assert text.count("_None found._") == 5
    assert "_None selected._" in text


# --------------------------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "00:00"), (65.9, "01:05"), (599, "09:59"), (3725, "1:02:05"), (None, "")]
)
def test_format_timestamp(seconds: float | None, shown: str) -> None:
    assert format_timestamp(seconds) == shown


def test_sample_map_is_consistent() -> None:
    """Other tests rely on the factory: ids resolve and every observed item has evidence."""
    journey = sample_map()
    stage_ids = {s.id for s in journey.stages}
    persona_ids = {p.id for p in journey.personas}
    pain_ids = {p.id for p in journey.pain_points}
    for item in journey.items():
        assert item.basis == "assumption" or item.evidence, item.id
        assert getattr(item, "stage_id", None) in stage_ids | {None}, item.id
        assert set(getattr(item, "persona_ids", [])) <= persona_ids, item.id
    assert all(set(o.addresses) <= pain_ids for o in journey.opportunities)
    assert len(journey.personas) == 2 and len(journey.stages) == 4
    assert sorted(pid for p in journey.personas for pid in p.participant_ids) == ["P1", "P2", "P3", "P4"]
    assert len({i.id for i in journey.items()}) == len(journey.items())


def test_a_quote_shows_the_question_it_answers_in_markdown_and_html() -> None:
    journey = sample_map()
    first = journey.pain_points[0].evidence[0]
    journey.pain_points[0].evidence[0] = first.model_copy(update={"asked": "When did it <arrive>?"})
    [line] = [line for line in to_markdown(journey).splitlines() if "in answer to" in line]
    assert first.quote in line and "When did it" in line and "<arrive>" not in line  # markup is escaped
    html = to_html(journey)
    assert "in answer to “When did it &lt;arrive&gt;?”" in html and "<arrive>" not in html
    assert "in answer to" not in to_markdown(sample_map())  # a quote with no question shows none
