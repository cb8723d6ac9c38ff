"""What a reviewer sees, scored on hand-built maps: each metric passes a right map and fails a wrong one."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from cjgen.eval.coherence import quote_precisions, says_nothing
from cjgen.eval.gold import GoldCase
from cjgen.eval.lanes import phrase_recall, same_phrase
from cjgen.eval.report import report_tables, reviewer_table, summarise, write_results
from cjgen.eval.score import CaseScore
from cjgen.eval.statements import top_item
from cjgen.eval.words import content_words, numbers
from cjgen.schema import (
    Action,
    Delight,
    Emotion,
    Evidence,
    JourneyMap,
    Opportunity,
    PainPoint,
    Persona,
    Thought,
    Touchpoint,
)
from test_evaluate import UNRELATED_BIKE_QUOTES, ev, gold, pain_point, perfect_map, score


def bike() -> GoldCase:
    return gold("bike-subscription")


def quotes_of(case: GoldCase, point_id: str, count: int | None = None) -> list[Evidence]:
    point = next(p for p in [*case.pain_points, *case.delights] if p.id == point_id)
    return [ev(case, q.participant, q.quote) for q in point.evidence[:count]]


def scored(journey: JourneyMap) -> CaseScore:
    return score(bike(), journey)


def one_pain(statement: str, point_id: str) -> CaseScore:
    """The bike gold map with a single pain point: the statement, citing every quote of one gold item."""
    case = bike()
    journey = perfect_map(case)
    journey.pain_points = [
        PainPoint(id="P", stage_id="x", statement=statement, evidence=quotes_of(case, point_id))
    ]
    return scored(journey)


def check(result: CaseScore, item_id: str) -> tuple[float | None, list[str], list[str]]:
    found = next(c for c in result.statements.checks if c.id == item_id)
    return found.faithfulness, found.unsupported, found.invented


# ------------------------------------------------------------------------------------------ item coherence


def test_quote_precisions_known_values() -> None:
    a, b, ab = frozenset({"a"}), frozenset({"b"}), frozenset({"a", "b"})
    assert quote_precisions([a, a, a]) == [1.0, 1.0, 1.0]
    assert quote_precisions([a, a, b, b]) == [0.5, 0.5, 0.5, 0.5]
    assert quote_precisions([a, a, a, b]) == [0.75, 0.75, 0.75, 0.25]
    # A quote that overlaps both gold items agrees with either.
    assert quote_precisions([a, ab, b]) == pytest.approx([2 / 3, 1.0, 2 / 3])


def test_the_gold_items_are_coherent() -> None:
    coherence = scored(perfect_map(bike())).coherence
    assert coherence is not None
    assert (coherence.pain_points.coherence, coherence.delights.coherence, coherence.mean) == (1.0, 1.0, 1.0)
    assert coherence.pain_points.mixed == coherence.delights.mixed == 0


def test_an_item_mixing_two_gold_problems_scores_half() -> None:
    case = bike()
    journey = perfect_map(case)
    mixed = PainPoint(
        id="M", stage_id="x", statement="x", evidence=quotes_of(case, "PP3", 2) + quotes_of(case, "PP6", 2)
    )
    journey.pain_points = [mixed]
    coherence = scored(journey).coherence
    assert coherence is not None
    item = next(i for i in coherence.items if i.id == "M")
    assert (item.coherence, item.located, item.gold) == (0.5, 4, ["pain PP3", "pain PP6"])
    assert coherence.pain_points.coherence == 0.5 and coherence.pain_points.mixed == 1


def test_statement_fit_is_the_share_of_quotes_about_what_the_statement_says() -> None:
    """One gold problem's three quotes and another's one: worded from the three, the statement fits 0.75 of
    the quotes; worded from the odd one out, 0.25."""
    case = bike()
    journey = perfect_map(case)
    many, odd = quotes_of(case, "PP3", 3), quotes_of(case, "PP6", 1)
    for source, expected in ((many[0], 0.75), (odd[0], 0.25)):
        journey.pain_points = [PainPoint(id="M", stage_id="x", statement=source.quote, evidence=many + odd)]
        coherence = scored(journey).coherence
        assert coherence is not None
        assert coherence.pain_points.statement_fit == pytest.approx(expected)
        assert coherence.pain_points.fitted == 1
    assert scored(perfect_map(case)).coherence.pain_points.statement_fit == 1.0  # type: ignore[union-attr]


def test_a_delight_quote_under_a_pain_point_lowers_its_coherence() -> None:
    case = bike()
    journey = perfect_map(case)
    journey.pain_points = [
        PainPoint(
            id="M", stage_id="x", statement="x", evidence=quotes_of(case, "PP1", 3) + quotes_of(case, "D3", 1)
        )
    ]
    coherence = scored(journey).coherence
    assert coherence is not None and coherence.pain_points.coherence == pytest.approx((3 * 0.75 + 0.25) / 4)


def test_quotes_outside_the_gold_are_left_out_and_counted() -> None:
    case = bike()
    journey = perfect_map(case)
    unrelated = [ev(case, pid, quote) for pid, quote in UNRELATED_BIKE_QUOTES[:2]]
    journey.pain_points = [
        PainPoint(id="U", stage_id="x", statement="x", evidence=quotes_of(case, "PP1", 1) + unrelated)
    ]
    kind = scored(journey).coherence
    assert kind is not None
    assert (kind.pain_points.coherence, kind.pain_points.quotes, kind.pain_points.unlocated) == (1.0, 3, 2)
    journey.pain_points[0].evidence = unrelated  # nothing located: no coherence to give
    kind = scored(journey).coherence
    assert kind is not None and kind.pain_points.coherence is None and kind.pain_points.items == 0


def test_another_sentence_of_a_gold_answer_is_located_to_its_item() -> None:
    case = bike()
    journey = perfect_map(case)
    # P2's answer about the support bot: its gold quote is "Then it says someone will get back to you. ..."
    same_answer = ev(case, "P2", "Then it asks for a photo.")
    journey.pain_points = [
        PainPoint(id="S", stage_id="x", statement="x", evidence=[same_answer, *quotes_of(case, "PP2", 2)]),
        PainPoint(id="W", stage_id="x", statement="x", evidence=[same_answer, *quotes_of(case, "PP1", 2)]),
    ]
    coherence = scored(journey).coherence
    assert coherence is not None
    same, wrong = [item for item in coherence.items if item.kind == "pain_points"]
    assert (same.coherence, same.located, same.gold) == (1.0, 3, ["pain PP2"])
    assert wrong.coherence == pytest.approx((2 * 2 / 3 + 1 / 3) / 3) and wrong.gold == [
        "pain PP1",
        "pain PP2",
    ]


# ------------------------------------------------------------------------------------------ empty items


def test_empty_items_are_defects() -> None:
    case = bike()
    journey = perfect_map(case)
    assert scored(journey).empty_items.count == 0
    journey.pain_points += [
        PainPoint(id="E1", stage_id="x", statement="The repair was late."),
        PainPoint(
            id="E2",
            stage_id="x",
            statement="No specific problems mentioned in the brief.",
            basis="assumption",
        ),
        PainPoint(id="E3", stage_id="x", statement="Riders may find the price too high.", basis="assumption"),
        PainPoint(id="E4", stage_id="x", statement="For some.", evidence=quotes_of(case, "PP1", 1)),
        PainPoint(
            id="E5", stage_id="x", statement="Who is the target audience for the app?", basis="assumption"
        ),
    ]
    empty = scored(journey).empty_items
    assert empty.count == 4
    assert empty.ids == [
        "pain_points E1: observed with no quote",
        "pain_points E2: says nothing was found",
        "pain_points E4: no content word",
        "pain_points E5: a question, not a claim",
    ]


def test_a_statement_too_short_to_say_what_it_is_about_is_thin() -> None:
    case = bike()
    journey = perfect_map(case)
    before = scored(journey).empty_items.thin
    journey.delights += [
        Delight(id="T1", stage_id="x", statement="I love this.", evidence=quotes_of(case, "PP1", 1)),
        Delight(
            id="T2",
            stage_id="x",
            statement="The driver set up the saddle.",
            evidence=quotes_of(case, "PP1", 1),
        ),
        Delight(id="T3", stage_id="x", statement="It's great.", basis="assumption"),
    ]
    empty = scored(journey).empty_items
    assert empty.thin == before + 1
    assert empty.thin_ids[-1] == "delights T1: I love this."


def _counted_apart(said: dict[str, str], count: str) -> list[str]:
    """The ids of `said` (id -> statement), added to a perfect bike map as observed, quoted delights, that the
    reviewer's `count` (an `EmptyItems` field with its `_ids` list) counts, checked against the count itself."""
    case = bike()
    journey = perfect_map(case)
    before = getattr(scored(journey).empty_items, count)
    journey.delights += [
        Delight(id=i, stage_id="x", statement=text, evidence=quotes_of(case, "PP1", 1))
        for i, text in said.items()
    ]
    journey.delights.append(
        Delight(id="A1", stage_id="x", statement="They may not know about the app.", basis="assumption")
    )
    empty = scored(journey).empty_items
    added = getattr(empty, count) - before
    return (
        [i.split(":")[0].removeprefix("delights ") for i in getattr(empty, f"{count}_ids")[-added:]]
        if added
        else []
    )


def test_a_statement_that_opens_mid_thought_is_counted_apart() -> None:
    said = {
        "M1": "Which made the booking page useless.",
        "M2": "They came and fixed the brake.",
        "M3": "The driver set up the saddle.",
        "M4": "Is the battery covered?",
    }
    assert _counted_apart(said, "mid_thought") == ["M1", "M2", "M4"]


def test_a_statement_that_keeps_speech_a_report_would_not_print_is_counted_apart() -> None:
    said = {
        "D1": "I went to the to the shop to collect the bike.",
        "D2": "The brake squeaked, I mean, every single morning.",
        "D3": "You know, the battery died in the cold.",
        "D4": "The app crashed  : every time I opened it.",
        "D5": "I had had enough of the squeaking brake.",
        "D6": "The driver, who was kind, carried it upstairs.",
        "D7": "It got approved from from the day I applied.",
        "D8": "I know that that form was the wrong one.",
    }
    assert _counted_apart(said, "disfluent") == ["D1", "D2", "D3", "D4", "D7"]


@pytest.mark.parametrize(
    ("statement", "empty"),
    [
        ("No specific problems mentioned in the brief.", True),
        ("None reported.", True),
        ("There were no delights identified by participants.", True),
        ("Nobody answered the support chat for a day.", False),
        ("No message came before the technician was late.", False),
        ('No help was given from within the office, directing me "go here".', False),
    ],
)
def test_says_nothing(statement: str, empty: bool) -> None:
    assert says_nothing(statement) is empty


# ------------------------------------------------------------------------------------------ faithfulness


def test_content_words_are_stemmed_and_function_words_dropped() -> None:
    words = content_words("They waited and waited; the waiting was over before the technicians' visits.")
    assert [w.text for w in words] == ["waited", "technicians", "visits"]
    assert numbers("It was at twenty percent, then 3.5 or 1,000 more; four times.") == {
        "20",
        "3.5",
        "1000",
        "4",
    }


def test_an_invented_word_is_listed() -> None:
    faithfulness, unsupported, _ = check(one_pain("No message and no call, then a cold pizza.", "PP4"), "P")
    assert unsupported == ["cold", "pizza"]
    assert faithfulness == pytest.approx(2 / 4)  # message, call supported; cold, pizza not


def test_inflected_words_of_the_quotes_are_supported() -> None:
    # P2: "Same thing, bot, bot, bot, then a day later a human." / P3: "...nothing, for hours."
    faithfulness, unsupported, _ = check(one_pain("Bots answer first; humans reply days later.", "PP2"), "P")
    assert unsupported == ["answer", "reply"]
    assert faithfulness == pytest.approx(5 / 7)  # bots, humans, days, later from the quotes; first, the brief


def test_a_quote_that_cannot_be_found_supports_nothing() -> None:
    case = bike()
    journey = perfect_map(case)
    journey.actions = [
        Action(
            id="A",
            stage_id="x",
            text="They ordered a pizza.",
            evidence=[ev(case, "P1", "I ordered a pizza.")],
        )
    ]
    faithfulness, unsupported, _ = check(scored(journey), "A")
    assert (faithfulness, unsupported) == (0.0, ["ordered", "pizza"])
    assert scored(journey).statements.lanes["actions"].faithfulness == 0.0


def test_the_brief_supports_a_statement() -> None:
    case = bike()
    journey = perfect_map(case)
    brief_words = (
        [w.text for w in content_words(case.brief.read_text(encoding="utf-8"))] if case.brief else []
    )
    assert "subscription" in brief_words
    journey.thoughts = [Thought(id="T", stage_id="x", text="A subscription.", evidence=[])]
    assert check(scored(journey), "T")[:2] == (1.0, [])


def test_invented_entities_are_counted() -> None:
    # PP1's quotes say "four" and "He came at four in the afternoon", nothing about a city or forty.
    result = one_pain("Technicians from Berlin came at 4, after 40 minutes; 5 participants said so.", "PP1")
    _, _, invented = check(result, "P")
    assert invented == ["Berlin", "40"]  # "Technicians" opens the sentence; 4 is "four"; 5 is its quote count
    assert result.statements.lanes["pain_points"].invented == 2 and result.statements.invented == 2


def test_a_summary_may_count_the_maps_own_parts_but_not_more() -> None:
    journey = perfect_map(bike())
    stages, pains = len(journey.stages), len(journey.pain_points)
    journey.summary = (
        f"Drafted from the brief alone: {stages} stages and {pains} problems, 2 of them suspected."
    )
    assert check(scored(journey), "summary")[2] == []
    journey.summary = f"{stages} stages and {pains} problems; waits of 95 minutes."
    assert check(scored(journey), "summary")[2] == ["95"]


# ------------------------------------------------------------------------------------------ summary


def summary_map(summary: str) -> JourneyMap:
    case = bike()
    journey = perfect_map(case)
    journey.pain_points = [
        PainPoint(
            id="P1",
            stage_id="x",
            statement="The technician came at four, with no message.",
            evidence=quotes_of(case, "PP1"),
        ),
        PainPoint(
            id="P2",
            stage_id="x",
            statement="The robot kept sending a menu.",
            evidence=quotes_of(case, "PP2", 1),
        ),
    ]
    journey.delights = [
        Delight(
            id="D",
            stage_id="x",
            statement="Signing up on the website was simple.",
            evidence=quotes_of(case, "D2"),
        )
    ]
    journey.summary = summary
    return journey


def test_a_summary_naming_the_top_items_with_their_counts_passes() -> None:
    summary = scored(
        summary_map(
            "6 interviews. Main problem (3 participants): the technician came at four, with no message. "
            "What works best (2 participants): signing up on the website was simple."
        )
    ).statements.summary
    assert (summary.pain_id, summary.delight_id) == ("P1", "D")
    assert summary.passed and summary.failures == []


def test_of_items_raised_as_widely_the_first_shown_is_the_top_one() -> None:
    journey = summary_map("")
    first = journey.pain_points[0]
    tied = [first, first.model_copy(update={"id": "P1b", "statement": "Another problem."})]
    assert top_item(tied) is tied[0]


def test_a_summary_without_the_delights_count_or_naming_another_pain_fails() -> None:
    summary = scored(
        summary_map(
            "6 interviews. Main problem (1 participant): the robot kept sending a menu. "
            "What works best: signing up on the website was simple."
        )
    ).statements.summary
    assert not summary.passed
    assert summary.failures == ["pain not named", "pain no count", "delight no count"]


def test_a_summary_naming_an_unfaithful_top_pain_fails() -> None:
    journey = summary_map("")
    journey.pain_points[0].statement = "The bike itself was fine, but a weird text message issue."
    journey.summary = (
        "Main problem (3 participants): the bike itself was fine, but a weird text message issue. "
        "What works best (2 participants): signing up on the website was simple."
    )
    summary = scored(journey).statements.summary
    assert summary.pain_named and summary.pain_counted and summary.failures == ["pain not faithful"]


# ------------------------------------------------------------------------------------------ emotion curve


def with_emotions(
    values: dict[tuple[str, str], int], persona_ids: dict[str, str] | None = None
) -> JourneyMap:
    """The bike gold map with personas renamed (to show they are mapped by participants) and an emotion per cell."""
    case = bike()
    journey = perfect_map(case)
    names = persona_ids or {p.id: f"persona-{k}" for k, p in enumerate(case.personas)}
    journey.personas = [
        Persona(id=names[p.id], name=p.name, participant_ids=p.participants) for p in case.personas
    ]
    journey.emotions = [
        Emotion(id=f"e{k}", stage_id=stage, persona_id=names[persona], score=value)
        for k, ((persona, stage), value) in enumerate(values.items())
    ]
    return journey


def gold_cells() -> dict[tuple[str, str], int]:
    return {(p, s): v for p, stages in bike().emotion_by_stage.items() for s, v in stages.items()}


def test_the_gold_curve_agrees_and_a_flipped_stage_disagrees() -> None:
    cells = gold_cells()
    emotions = scored(with_emotions(cells)).emotions
    assert (emotions.agreement, emotions.compared, emotions.gold_cells) == (1.0, 12, 12)
    cells[("commuter", "repair_support")] = 1
    emotions = scored(with_emotions(cells)).emotions
    assert emotions.agree == 11
    assert emotions.disagreements == ["commuter/repair_support: map +1.0, gold -1"]


def test_a_flat_curve_agrees_only_where_gold_is_zero() -> None:
    cells = gold_cells()
    emotions = scored(with_emotions(dict.fromkeys(cells, 0))).emotions
    zeros = sum(v == 0 for v in cells.values())
    assert emotions.agree == zeros and emotions.agreement == pytest.approx(zeros / 12)


def test_an_emotion_for_everyone_counts_for_each_gold_persona() -> None:
    journey = perfect_map(bike())
    journey.emotions = [Emotion(id="e", stage_id="repair_support", score=-2)]
    emotions = scored(journey).emotions
    assert (emotions.compared, emotions.agree) == (2, 2)


def test_a_stage_the_map_cannot_pair_is_not_compared() -> None:
    journey = with_emotions({("commuter", "repair_support"): -1})
    journey.emotions[0] = journey.emotions[0].model_copy(update={"stage_id": "nowhere"})
    assert scored(journey).emotions.compared == 0 and scored(journey).emotions.agreement is None


# ------------------------------------------------------------------------------------------ actions, touchpoints, thoughts


def test_same_phrase_by_stems_or_spelling() -> None:
    assert same_phrase("charges the battery", "They charged the batteries overnight")
    assert same_phrase("messages support on WhatsApp", "messaged support on Whatsap")
    assert not same_phrase("charges the battery", "rides to work")
    assert not same_phrase("test-rides a friend's bike", "the bike")


def test_one_predicted_action_recalls_one_gold_action() -> None:
    recall = phrase_recall(
        ["charges the battery", "charges the phone"], ["charged the battery and the phone"]
    )
    assert (recall.matched, recall.gold_total, recall.missed) == (1, 2, ["charges the phone"])
    assert recall.precision == 1.0


def test_action_precision_counts_shown_phrases_that_say_a_gold_step() -> None:
    recall = phrase_recall(
        ["charges the battery", "calls support"],
        ["I charged the battery.", "I charged the battery again.", "Let me freeze it in winter."],
    )
    # Two shown phrases say the one gold step (one of them is matched one to one), the wish says none.
    assert (recall.matched, recall.predicted, recall.like_gold) == (1, 3, 2)
    assert recall.precision == 2 / 3
    assert phrase_recall(["calls support"], []).precision is None


def test_actions_and_touchpoints_recall() -> None:
    case = bike()
    journey = perfect_map(case)
    assert scored(journey).actions.recall == 0.0
    journey.actions = [
        Action(id=f"a{k}", stage_id=s.id, text=text)
        for k, (s, text) in enumerate((s, a) for s in case.stages for a in s.actions)
    ]
    journey.touchpoints = [
        Touchpoint(id=f"t{k}", stage_id=s.id, kind=t.kind, name=t.name)
        for k, (s, t) in enumerate((s, t) for s in case.stages for t in s.touchpoints)
    ]
    result = scored(journey)
    assert result.actions.recall == 1.0
    assert result.touchpoints.names.recall == 1.0 and result.touchpoints.kinds.recall == 1.0
    assert result.touchpoints.names.precision == 1.0
    # A bare channel word names none of the gold's touchpoints: shown, but like none of them.
    journey.touchpoints.append(Touchpoint(id="bare", stage_id="discover", kind="web", name="page"))
    names = scored(journey).touchpoints.names
    assert names.recall == 1.0 and names.precision is not None and names.precision < 1.0
    # The right kind in a stage paired with another gold stage does not count.
    journey.touchpoints = [Touchpoint(id="t", stage_id="discover", kind="chat", name="WhatsApp support")]
    kinds = scored(journey).touchpoints.kinds
    assert kinds.matched == 0 and "repair_support: chat" in kinds.missed
    journey.touchpoints[0] = journey.touchpoints[0].model_copy(update={"stage_id": "repair_support"})
    assert scored(journey).touchpoints.kinds.matched == 1


def test_only_thoughts_with_a_verified_participant_quote_are_grounded() -> None:
    case = bike()
    journey = perfect_map(case)
    journey.thoughts = [
        Thought(id="t1", stage_id="x", text="Worried about the battery.", evidence=quotes_of(case, "PP3", 1)),
        Thought(id="t2", stage_id="x", text="Invented.", evidence=[ev(case, "P1", "I thought about pizza.")]),
        Thought(
            id="t3",
            stage_id="x",
            text="Asked.",
            evidence=[ev(case, "P6", "How did you first hear about Pedalpass?")],  # the interviewer's
        ),
        Thought(id="t4", stage_id="x", text="None.", evidence=[]),
    ]
    thoughts = scored(journey).thoughts
    assert (thoughts.grounded, thoughts.total) == (1, 4)


def test_an_opportunity_is_tied_when_it_names_something_of_the_problem_it_addresses() -> None:
    case = bike()
    journey = perfect_map(case)
    battery = next(p for p in journey.pain_points if "battery" in p.statement.casefold())
    journey.opportunities = [
        Opportunity(
            id="o1", statement="Ship a charger that survives winter batteries.", addresses=[battery.id]
        ),
        Opportunity(
            id="o2", statement="Explain Standard and Cargo on the pricing page.", addresses=[battery.id]
        ),
        Opportunity(id="o3", statement="Ship a charger with every bike.", addresses=["gone"]),
    ]
    opportunities = scored(journey).opportunities
    assert (opportunities.tied, opportunities.total) == (1, 3)
    assert opportunities.untied == [
        "Explain Standard and Cargo on the pricing page.",
        "Ship a charger with every bike.",
    ]


def test_the_defects_of_a_small_models_map_are_each_flagged() -> None:
    """Items as the embedded model wrote them for the bike study: each defect shows in a figure."""
    case = bike()
    journey = perfect_map(case)
    journey.actions = [
        Action(
            id="a1",
            stage_id="delivery",
            text="They tried to order a pizza, but the delivery was delayed.",
            evidence=[ev(case, "P5", "Twenty to four. Almost three hours after the window closed.")],
        )
    ]
    journey.summary = (
        "6 interviews. Main problem (3 participants): "
        f"{journey.pain_points[1].statement} What works best: The participant was told about the perfect summer."
    )
    result = scored(journey)
    assert check(result, "a1")[1] == ["tried", "order", "pizza", "delayed"]
    assert "delight no count" in result.statements.summary.failures
    assert "delight not named" in result.statements.summary.failures


# ------------------------------------------------------------------------------------------ report


def test_reviewer_figures_are_micro_over_cases_and_written(tmp_path: Path) -> None:
    case = bike()
    good = perfect_map(case)
    mixed = perfect_map(case)
    mixed.pain_points = [
        PainPoint(
            id="M",
            stage_id="x",
            statement="x",
            evidence=quotes_of(case, "PP3", 2) + quotes_of(case, "PP6", 2),
        ),
        pain_point(case, case.pain_points[0]),
    ]
    scores = [score(case, good), score(case, mixed), score(case, None)]
    reviewer = summarise(scores)["reviewer"]
    located = sum(len(p.evidence) for p in case.pain_points) + 4 + len(case.pain_points[0].evidence)
    expected = (located - 4 + 4 * 0.5) / located
    assert reviewer["coherence"]["pain_points"]["coherence"] == pytest.approx(expected)
    assert reviewer["coherence"]["pain_points"]["mixed"] == 1
    assert reviewer["summary_checked"] == 2 and reviewer["summary_passed"] == 0
    lines = reviewer_table({"x": scores}).splitlines()
    assert lines[0].startswith("| system | case | coherence pain/delight (mean) | mixed items |")
    assert lines[4].startswith("| x | bike-subscription | no map |")
    assert lines[5].startswith("| **x** | **all** |")
    assert "## What a reviewer sees" in report_tables({"x": scores})
    json_path, _ = write_results({"x": scores}, tmp_path, "r", day=date(2025, 1, 2))
    record = json.loads(json_path.read_text(encoding="utf-8"))
    assert record["systems"]["x"]["cases"][1]["coherence"]["items"][0]["coherence"] == 0.5
    assert record["systems"]["x"]["summary"]["reviewer"]["coherence"]["pain_points"]["mixed"] == 1


def test_the_report_lists_each_questioned_statement_with_its_unsupported_words() -> None:
    pizza = one_pain("No message and no call, then a cold pizza.", "PP4")
    faithful = one_pain("No message, no call.", "PP4")
    listed = report_tables({"x": [pizza]}).split("## Unsupported words")[1]
    assert "- x · bike-subscription · pain_points P (0.50): cold, pizza" in listed
    assert "pain_points P " not in report_tables({"x": [faithful]}).split("## Unsupported words")[1]


# ------------------------------------------------------------------------------------------ researcher wording


def test_researcher_wording_is_the_share_of_a_statements_words_the_gold_statement_uses() -> None:
    case = bike()
    wrote = next(p for p in case.pain_points if p.id == "PP1").statement
    first_two = " ".join(w.text for w in content_words(wrote)[:2])

    def wording(*pains: PainPoint) -> tuple[int, float | None]:
        journey = perfect_map(case)
        journey.pain_points, journey.delights = list(pains), []
        result = scored(journey).wording
        return result.items, result.share

    assert wording(PainPoint(id="A", stage_id="x", statement=wrote, evidence=quotes_of(case, "PP1"))) == (
        1,
        1.0,
    )
    # Half the statement's content words are in the researchers' statement.
    half = PainPoint(
        id="H", stage_id="x", statement=f"{first_two} zebra xylophone.", evidence=quotes_of(case, "PP1")
    )
    assert wording(half) == (1, 0.5)
    # An item matched to no gold item is not scored.
    unmatched = PainPoint(
        id="U", stage_id="x", statement=wrote, evidence=[ev(case, p, q) for p, q in UNRELATED_BIKE_QUOTES]
    )
    assert wording(unmatched) == (0, None)


def test_a_persona_holds_the_gold_descriptions_words_and_its_goals_are_grounded_in_its_own_quotes() -> None:
    case = bike()
    journey = perfect_map(case)
    described = case.personas[0]
    member = described.participants[0]
    own = quotes_of(case, next(p.id for p in case.pain_points if p.evidence[0].participant == member), 1)[0]
    other = next(
        ev(case, q.participant, q.quote)
        for p in case.pain_points
        for q in p.evidence
        if q.participant not in described.participants
    )
    persona = Persona(id="x", name="Group", participant_ids=list(described.participants))
    journey.personas = [persona]
    bare = scored(journey).persona_profiles
    assert (bare.personas, bare.held_stems) == (1, 0) and bare.gold_stems > 0 and bare.recall == 0.0

    persona.description = described.description
    assert scored(journey).persona_profiles.recall == 1.0

    own_words = " ".join(own.quote.split()[1:6])  # five words from inside the quote, in order
    persona.goals = [own_words, " ".join(reversed(own_words.split())), " ".join(other.quote.split()[:5])]
    persona.evidence = [own, other]
    goals = scored(journey).persona_profiles
    # Only the first is in a verified quote of the persona's own participant: the second is out of order and
    # the third is another group's participant's.
    assert (goals.grounded_goals, goals.goals) == (1, 3)
