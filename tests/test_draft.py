"""The brief-only draft: code assembles the map from the plan of the brief and narrow answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from cjgen.draft import PAINS_PER_STAGE
from cjgen.models import ScriptedChatModel
from cjgen.pipeline import draft_map, open_runtime
from cjgen.schema import JourneyMap
from cjgen.validate import check_map
from cjgen.wording import as_statement, whole_answer
from oracle import ByStep, Handler, listed, named_in, statement_of

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


class DraftModel(ByStep):
    """Answers the draft's questions by step, from what each question shows; `pains` maps (stage, group) to an
    answer."""

    def __init__(self, pains: dict[tuple[str, str], str] | None = None, service: str = "pay for") -> None:
        self.pains = pains or {}
        self.service = service
        self.plan_prompts: list[str] = []
        self.model = ScriptedChatModel(responder=self.respond)

    def handlers(self) -> dict[str, Handler]:
        return {
            # The option that describes the service (`service`: words of its description), wherever shown.
            "service": lambda q, p: next(letter for letter, text in listed(q, "A-H") if self.service in text),
            "draft_problem": lambda q, p: "B" if "advantage" in q else "A",
            "draft_pain": self.pain,
            "draft_delight": lambda q, p: f"Warm bread for {self.group(q).casefold()} every morning",
            "draft_action": lambda q, p: "Opens the app",
            "draft_open_question": lambda q, p: "How early is too early for a delivery?",
            "draft_opportunity": lambda q, p: f"Prevent this: {statement_of(q).rstrip('.')}",
            "draft_stage": self.stage,
            "draft_group": self.group_letter,
            "draft_channels": lambda q, p: next(letter for letter, name in listed(q, "A-Z") if name == "app"),
        }

    def plan(self, prompt: str) -> dict[str, Any]:
        self.plan_prompts.append(prompt)
        return {"stages": STAGES, "suspected": SUSPECTED}

    def groups(self, prompt: str) -> list[dict[str, str]]:
        return SEGMENTS

    @staticmethod
    def group(question: str) -> str:
        group = named_in(question, [s["name"] for s in SEGMENTS])
        assert group, question
        return group

    def pain(self, question: str, prompt: str) -> str:
        stage, group = named_in(question, [s["name"] for s in STAGES]), self.group(question)
        assert stage, question
        return self.pains.get((stage, group), f"{PROBLEMS[stage]} for {group.casefold()}.")

    @staticmethod
    def stage(question: str, prompt: str) -> str:
        statement = statement_of(question)
        wanted = "Receive" if "deliver" in statement or "squashed" in statement else "Order"
        return next(n for n, name in listed(question, "1-9") if name == wanted)

    @staticmethod
    def group_letter(question: str, prompt: str) -> str:
        """Cafés for the squashed bread, else the last letter (all of them alike)."""
        options = listed(question, "A-Z")
        if "squashed" in statement_of(question):
            return next(letter for letter, name in options if name == "Cafés")
        return options[-1][0]


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
        ("pay for", "Evaluate and sign up", "Wait for a decision"),
        ("apply for", "Wait for a decision", "Evaluate and sign up"),
    ],
)
def test_the_stage_plan_starts_from_the_scaffold_of_the_kind_of_service(
    answer: str, shown: str, not_shown: str
) -> None:
    model = DraftModel(service=answer)
    drafted(model)
    [plan] = model.plan_prompts
    assert shown in plan and not_shown not in plan


def _drafted_suspecting(suspected: list[str]) -> JourneyMap:
    """A draft whose brief plan lists `suspected` as the problems the brief suspects."""

    class Suspecting(DraftModel):
        def respond(self, messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> dict[str, Any]:
            answer = super().respond(messages, kwargs)
            return {**answer, "suspected": suspected} if "stages" in answer else answer

    return drafted(Suspecting())


def test_a_way_of_saying_none_is_no_suspected_problem() -> None:
    suspected = [*SUSPECTED[1:], "No specific problems mentioned in the brief."]

    journey = _drafted_suspecting(suspected)
    assert not any("mentioned" in p.statement for p in journey.pain_points)
    assert any(p.statement == "Bread gets squashed in the bike boxes." for p in journey.pain_points)


def test_a_research_question_is_no_suspected_problem() -> None:
    suspected = [
        "Who is the target audience for the bakery app?",
        "Bread gets squashed in the bike boxes. What can the bakery do about it?",
    ]

    journey = _drafted_suspecting(suspected)
    assert not any(p.statement.endswith("?") for p in journey.pain_points)
    assert any(p.statement == "Bread gets squashed in the bike boxes." for p in journey.pain_points)


def test_the_studys_own_aim_and_the_question_said_back_are_no_part_of_a_suspected_problem() -> None:
    suspected = [
        "Bread gets squashed in the bike boxes, and the goal of this research is to understand how riders pack.",
        "The brief says or suspects that customers have problems with early deliveries.",
        "This study aims to learn how families order bread.",
    ]

    statements = [p.statement for p in _drafted_suspecting(suspected).pain_points]
    assert "Bread gets squashed in the bike boxes." in statements
    # "customers have problems with early deliveries" is not what the brief says of them: its own sentence is
    assert (
        "We suspect early deliveries wake people up, and that bread gets squashed in the bike boxes."
        in statements
    )
    assert not any(word in s for s in statements for word in ("research", "study", "brief"))


def test_a_suspected_problem_the_brief_does_not_claim_is_none() -> None:
    """The model's guess that the brief names nothing of ("The app is not accessible to screen readers.") is no
    suspicion of the brief's; one the brief states in other words is shown in the brief's own words."""
    suspected = [
        "The app is not accessible to people who use screen readers.",
        "Bread is squashed in bike boxes.",
    ]
    statements = [p.statement for p in _drafted_suspecting(suspected).pain_points]
    assert not any("accessible" in s for s in statements)
    assert "Bread is squashed in bike boxes." in statements


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


@pytest.mark.parametrize(
    ("answer", "statement"),
    [
        (
            "**Offer a clear explanation of the cancellation process.**.",
            "Offer a clear explanation of the cancellation process.",
        ),
        ("Send the __reminder__ two days before", "Send the reminder two days before."),
        ("  : the participant said that it was slow", "It was slow."),
        ("It was...", "It was..."),
        ('"Offer a discount."', "Offer a discount."),
        ("“Offer a discount", "Offer a discount."),
        (
            'Add a button that states "Call me" or "Contact me."',
            'Add a button that states "Call me" or "Contact me."',
        ),
    ],
)
def test_a_models_answer_becomes_a_plain_finished_sentence(answer: str, statement: str) -> None:
    assert as_statement(answer) == statement
