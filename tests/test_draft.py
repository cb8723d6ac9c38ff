"""The brief-only draft: code assembles the map from the plan of the brief and narrow answers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from cjgen.draft import PAINS_PER_STAGE
from cjgen.models import ScriptedChatModel
from cjgen.pipeline import draft_map, open_runtime
from cjgen.schema import JourneyMap
from cjgen.validate import check_map
from cjgen.wording import whole_answer

BRIEF = """# Crumb & Co: bread by bike

We bake sourdough at night and deliver it by bike before 7am, ordered in our app or by phone.

Customers: night-shift nurses who sleep in the day, and cafés that need bread before opening.

We suspect early deliveries wake people up, and that bread gets squashed in the bike boxes.
"""

STAGES = [
    {"id": "hear", "name": "Hear about it", "description": "Sees the bikes or hears from a friend."},
    {"id": "order", "name": "Order", "description": "Orders in the app or by phone."},
    {"id": "receive", "name": "Receive", "description": "Gets the bread at the door at dawn."},
    {"id": "reorder", "name": "Order again", "description": "Orders again or stops."},
]
SEGMENTS = [
    # The second sentence was cut off by the answer's length limit.
    {"name": "Night-shift nurses", "description": "Work at night and sleep in the day. They often ord"},
    {"name": "Cafés", "description": "Need bread before they open."},
]
PROBLEMS = {
    "Hear about it": "The flyer gives no price or delivery area",
    "Order": "The app asks for a card before it shows the menu",
    "Receive": "The rider rings the bell and wakes the whole house",
    "Order again": "Pausing a weekly order needs a phone call",
}
SUSPECTED = [
    "early deliveries wake people up",
    "Our sourdough will be our main advantage.",  # a hope, not a problem
    "Bread gets squashed in the bike boxes.",
]
CUT_OFF = "Nurses may find that the app asks for so many details before the first order that they give up and"
QUESTION = re.compile(r"^Question \d+:\n(.*?)(?=\n\nQuestion \d+:\n|\Z)", re.DOTALL | re.MULTILINE)


class DraftModel:
    """Answers the draft's questions from what each question shows; `pains` maps (stage, group) to an answer."""

    def __init__(self, pains: dict[tuple[str, str], str] | None = None, service: str = "A") -> None:
        self.pains = pains or {}
        self.service = service
        self.plan_prompts: list[str] = []
        self.model = ScriptedChatModel(responder=self.respond)

    def respond(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> dict[str, Any]:
        schema = (
            kwargs["response_format"].get("json_schema", {}).get("schema")
            or kwargs["response_format"]["schema"]
        )
        if "stages" in schema["properties"]:
            self.plan_prompts.append(str(messages[1].content))
            return {"stages": STAGES, "segments": SEGMENTS, "suspected": SUSPECTED}
        prompt = str(messages[1].content)
        return {"answers": [self.answer(q.strip()) for q in QUESTION.findall(prompt)]}

    def answer(self, question: str) -> str:
        ending = question.splitlines()[-1]
        stage = re.search(r"^Stage of the journey: (.*?) \(", question, flags=re.MULTILINE)
        group = re.search(r"^Customer group: (.*?) \(", question, flags=re.MULTILINE)
        statement = re.search(r"^(?:Problem|Good moment): (.*)$", question, flags=re.MULTILINE)
        if ending == "Problem:":
            assert stage and group
            default = f"{PROBLEMS[stage.group(1)]} for {group.group(1).casefold()}."
            return self.pains.get((stage.group(1), group.group(1)), default)
        if ending == "Good moment:":
            assert group
            return f"Warm bread for {group.group(1).casefold()} every morning"
        if ending == "Action:":
            return "Opens the app"
        if ending == "Question:":
            return "How early is too early for a delivery?"
        if ending == "Improvement:":
            assert statement
            return f"Prevent this: {statement.group(1).rstrip('.')}"
        if ending == "Stage number:":
            assert statement
            listed = dict(re.findall(r"^(\d)\) (.*?):", question, flags=re.MULTILINE))
            wanted = (
                "Receive" if "deliver" in statement.group(1) or "squashed" in statement.group(1) else "Order"
            )
            return next(n for n, name in listed.items() if name == wanted)
        if ending == "Letter:" and "meet the service it studies?" in question:
            return self.service
        if ending == "Letter:" and "A) a problem customers could have" in question:
            return "B" if "advantage" in question else "A"
        if ending == "Letter:":
            options = dict(re.findall(r"^([A-Z])\) (.*)$", question, flags=re.MULTILINE))
            wanted = (
                "app"
                if "channel" in question
                else ("Cafés" if "squashed" in question else "All of them alike")
            )
            return next(letter for letter, name in options.items() if name == wanted)
        raise AssertionError(f"unexpected question: {question[:80]}")


def drafted(model: DraftModel) -> JourneyMap:
    return draft_map(BRIEF, runtime=open_runtime(model=model.model, use_cache=False))


@pytest.fixture
def journey() -> JourneyMap:
    return drafted(DraftModel())


def test_personas_are_the_segments_the_brief_names(journey: JourneyMap) -> None:
    assert [p.name for p in journey.personas] == ["Night-shift nurses", "Cafés"]
    # A description the length limit cut off keeps only its whole sentences.
    assert journey.personas[0].description == "Work at night and sleep in the day."


def test_stages_are_the_planned_customer_stages(journey: JourneyMap) -> None:
    assert [s.id for s in journey.stages] == [s["id"] for s in STAGES]


@pytest.mark.parametrize(
    ("answer", "shown", "not_shown"),
    [
        ("A", "Evaluate and sign up", "Wait for a decision"),
        ("B", "Wait for a decision", "Evaluate and sign up"),
    ],
)
def test_the_stage_plan_starts_from_the_scaffold_of_the_kind_of_service(
    answer: str, shown: str, not_shown: str
) -> None:
    model = DraftModel(service=answer)
    drafted(model)
    [plan] = model.plan_prompts
    assert shown in plan and not_shown not in plan


def test_a_way_of_saying_none_is_no_suspected_problem() -> None:
    suspected = [*SUSPECTED[1:], "No specific problems mentioned in the brief."]

    class Saying(DraftModel):
        def respond(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> dict[str, Any]:
            answer = super().respond(messages, kwargs)
            return {**answer, "suspected": suspected} if "stages" in answer else answer

    journey = drafted(Saying())
    assert not any("mentioned" in p.statement for p in journey.pain_points)
    assert any(p.statement == "Bread gets squashed in the bike boxes." for p in journey.pain_points)


def test_the_briefs_suspicions_are_pain_points_where_the_model_places_them(journey: JourneyMap) -> None:
    by_statement = {p.statement: p for p in journey.pain_points}
    woken = by_statement["Early deliveries wake people up."]
    squashed = by_statement["Bread gets squashed in the bike boxes."]
    assert woken.stage_id == "receive" and squashed.stage_id == "receive"
    assert squashed.persona_ids == ["persona2"]  # the group the model chose
    assert woken.persona_ids == ["persona1", "persona2"]  # "all of them alike"
    assert journey.pain_points[:2] == [woken, squashed]
    assert not any("advantage" in p.statement for p in journey.pain_points)  # the brief's hope is no problem


def test_hypotheses_name_their_group_and_stay_few_per_stage() -> None:
    slow = "Cafés may wait too long for a bread order to be confirmed."
    journey = drafted(DraftModel({("Order", "Cafés"): slow}))
    hypotheses = journey.pain_points[2:]
    # One per stage (the two groups' answers say the same thing), and a different problem for cafés.
    assert [(p.stage_id, p.persona_ids) for p in hypotheses] == [
        ("hear", ["persona1"]),
        ("order", ["persona1"]),
        ("order", ["persona2"]),
        ("receive", ["persona1"]),
        ("reorder", ["persona1"]),
    ]
    assert hypotheses[2].statement == slow
    assert all(sum(p.stage_id == s["id"] for p in hypotheses) <= PAINS_PER_STAGE for s in STAGES)


def test_an_answer_cut_off_mid_phrase_never_reaches_the_map() -> None:
    journey = drafted(DraftModel({("Order", "Night-shift nurses"): CUT_OFF}))
    assert all(CUT_OFF[:40] not in p.statement for p in journey.pain_points)
    texts = [p.statement for p in journey.pain_points] + [d.statement for d in journey.delights]
    texts += [o.statement for o in journey.opportunities] + [p.description for p in journey.personas]
    assert all(t.endswith((".", "?", "!")) for t in texts if t)


def test_a_long_answer_keeps_its_whole_sentences() -> None:
    assert (
        whole_answer("Slots are too wide. Riders may come when people are out and", 8)
        == "Slots are too wide."
    )
    assert (
        whole_answer("Riders may come when people are out and", 8)
        == "Riders may come when people are out and"
    )
    assert whole_answer("Riders may come when people are out and the bread goes stale on the", 8) == ""


def test_a_repeated_hypothesis_is_kept_once() -> None:
    same = "Cafés may get their bread after they open."
    journey = drafted(DraftModel({("Order", "Cafés"): same, ("Receive", "Cafés"): same}))
    assert [p.statement for p in journey.pain_points].count(same) == 1


def test_opportunities_address_their_pain_by_id_not_position() -> None:
    # The first hypothesis is empty and dropped: every later pain point moves up a place.
    journey = drafted(DraftModel({("Hear about it", "Night-shift nurses"): ""}))
    pains = {p.id: p for p in journey.pain_points}
    assert journey.opportunities
    for opportunity in journey.opportunities:
        (addressed,) = opportunity.addresses
        assert pains[addressed].statement.rstrip(".") in opportunity.statement


def test_every_item_is_an_assumption_without_evidence(journey: JourneyMap) -> None:
    assert check_map(journey) == []
    assert journey.touchpoints and journey.actions and journey.delights and journey.opportunities
    assert all(item.basis == "assumption" and not item.evidence for item in journey.items())


def test_lanes_come_from_the_briefs_channels_and_open_questions(journey: JourneyMap) -> None:
    assert {t.kind for t in journey.touchpoints} == {"app"}
    assert all(a.text == "Opens the app" for a in journey.actions)
    assert "Open question: How early is too early for a delivery?" in journey.notes
