"""The real cases without personas or emotion curves load in the eval's gold reader, their gold quotes are found
in participant turns, and the eval's own turn reader knows their speaker-label styles."""

from __future__ import annotations

import pytest

from cjgen.eval.gold import check_gold
from cjgen.eval.locate import CaseSources, parse_turns
from test_evaluate import gold

NEW_CASES = ["va-checkin-discovery", "va-preneed-burial"]
# Headed moderator lines, bold role labels, `M:` labels and answer-only notes in one study.
REAL_CASES = [*NEW_CASES, "va-caregiver-discovery"]


@pytest.mark.parametrize("name", NEW_CASES)
def test_a_case_without_personas_loads_with_its_lanes_and_assumption(name: str) -> None:
    case = gold(name)
    assert case.name == name and not case.brief_only
    assert case.personas == [] and case.emotion_by_stage == {} and case.injection is None
    assert case.pain_points and case.delights and case.contradictions
    assert all(stage.actions and stage.touchpoints for stage in case.stages)
    assert {stage.basis for stage in case.stages} == {"derived"}
    [assumption] = case.assumptions
    assert assumption.related_quotes and case.brief is not None and case.brief.exists()
    assert set(case.transcripts) == {path.stem for path in case.transcripts.values()}


@pytest.mark.parametrize("name", REAL_CASES)
def test_every_gold_quote_of_a_new_case_lies_in_a_participant_turn(name: str) -> None:
    case = gold(name)
    quotes = [q for p in [*case.pain_points, *case.delights] for q in p.evidence]
    assert len(quotes) > 20
    assert check_gold(case) == []


def turns_of(text: str) -> list[tuple[str, bool, list[str]]]:
    """Each turn the eval's reader finds: speaker, whether the interviewer, and its pieces of text."""
    return [(t.speaker, t.interviewer, [text[a:b] for a, b in t.pieces]) for t in parse_turns(text, ".md")]


def test_bracketed_labels_and_a_label_alone_on_its_line() -> None:
    text = (
        "[Moderator] : Are you comfortable if I record?\n\n[P10] : Yes, that's fine.\n\n"
        "Moderator \nOkay, so you got it. Which would you prefer?\n\nP10: Online.\n\n"
        "Yes\nand one more thing."
    )
    assert turns_of(text) == [
        ("Moderator", True, ["Are you comfortable if I record?"]),
        ("P10", False, ["Yes, that's fine."]),
        ("Moderator", True, ["Okay, so you got it. Which would you prefer?"]),
        # "Yes" alone on a line names no speaker of the file: it is the participant's answer.
        ("P10", False, ["Online.", "Yes\nand one more thing."]),
    ]


def test_moderator_lines_of_the_real_transcripts_are_interviewer_turns() -> None:
    sources = CaseSources(gold("va-preneed-burial"))
    bracketed = sources.by_file["P10.md"]
    assert {t.speaker for t in bracketed.turns} == {"Moderator", "P10"}
    # P2 has a "Moderator" label alone on its line before the question about how to apply.
    question = "Thoughts on if you would prefer to"
    start = sources.by_file["P2.md"].raw.index(question)
    assert sources.by_file["P2.md"].is_interviewer(start, start + len(question))


def test_heading_and_bold_labels_and_two_who_answer_together() -> None:
    text = (
        "# Session notes\n\n#### Moderator: Before we start, a few things:\n\n- It takes 45 minutes.\n\n"
        "**Veteran**: Yes, that's fine.\n\n**Veteran**: And my wife does the forms.\n\n"
        "#### Moderator: Online or paper?\n\n**Veteran, Caregiver**: Online, definitely.\n\n"
        "**Caregiver:** The paper took a month."
    )
    assert turns_of(text) == [
        ("", False, ["# Session notes"]),
        ("Moderator", True, ["Before we start, a few things:", "- It takes 45 minutes."]),
        # One speaker's consecutive paragraphs are one turn, so a quote may run from one into the next.
        ("Veteran", False, ["Yes, that's fine.", "And my wife does the forms."]),
        ("Moderator", True, ["Online or paper?"]),
        ("Veteran, Caregiver", False, ["Online, definitely."]),
        ("Caregiver", False, ["The paper took a month."]),
    ]
