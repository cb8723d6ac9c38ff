"""Personas described from what their participants said: their goals, and how they tell who they are."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cjgen.about import ABOUT_PER_INTERVIEW, is_about
from cjgen.errors import InputError
from cjgen.goals import about_moments, goal_text, is_goal
from cjgen.label import SentenceLabel
from cjgen.observations import Observation
from cjgen.review import apply_review
from cjgen.schema import Persona, Stage
from cjgen.sentences import Sentence
from cjgen.synthesize import GOALS_PER_PERSONA, PERSONA_QUOTES, Context, described
from factories import ev, sample_map


@pytest.mark.parametrize(
    ("text", "goal"),
    [
        (
            "So yeah, I just need it to work every single morning.",
            "I just need it to work every single morning.",
        ),
        ("I'd really like to see every option at once, side by side.", None),
        ("I don't want to have to phone them every single week.", None),
        (
            "Honestly, I would rather do the whole form on a computer.",
            "I would rather do the whole form on a computer.",
        ),
        ("I moved the account over so I can pay everything from one place.", None),
        ("My main goal is getting back to running by the spring.", None),
        ("Wants a receipt that shows the form has arrived.", None),
        ("Jeg vil ha en time hos den samme fysioterapeuten hver gang.", None),
        ("Ich möchte einfach wissen, wann das Paket kommt.", None),
        ("I don't want to wait on hold for an hour every time.", None),  # a want denied is a goal
        ("I was trying to get the whole claim in before the move.", None),
    ],
)
def test_a_stated_want_need_or_purpose_is_a_goal_shown_from_the_want_on(text: str, goal: str | None) -> None:
    assert is_goal(text)
    assert goal_text(text) == (goal or text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to click on the link at the top here.",  # what they do on the screen in front of them
        "Do you want me to share my screen with you now?",  # a question
        "They helped with the forms that I needed to fill in.",  # a thing named, not a want
        "It didn't go as quickly as I'd like, it took weeks.",
        "I hope you are doing well today, thanks for having me.",  # courtesy
        "I hope this all works, I'm not great with these calls.",
        "I want to say it was some time in the spring, maybe May.",  # a hedge
        "I don't want to be unkind, but he was in a big hurry.",
        "So I called them and I needed it.",  # too short to say what is wanted
        "I don't want to, because of the kids and the school run.",  # nothing wanted: it was said before
        # a facilitator's words left in a notes file: a request to the listener, steering the conversation
        "I'd like you to open a new tab in your browser and log in.",
        "I want to ask about how you found the page this morning.",
        "I'd like to talk about your experience when you log in.",
        "I'm trying to see if there is another link down here.",  # in the middle of a task
        "I'm trying to think how to put it, it's not easy to say.",  # in the middle of a sentence
        "I'm trying to imagine what the new page might look like.",  # picturing what is shown
        "The van came on a Tuesday morning, quite early.",
        # a need denied says how they use the service, not what they want of it
        "I didn't need the larger model, I only carry a small bag.",
        "I don't really need the car for getting to work.",
        "I try to explain it to him, and sometimes we get through it.",  # a habit
        "I needed an X-ray, so I went in and gave my name at the desk.",  # a need told as what happened
        # cut off on a word no sentence ends on, by the speaker or by a transcriber's full stop
        "I would like to know if.",
        "I really want to be able to see the.",
    ],
)
def test_other_sentences_are_not_goals(text: str) -> None:
    assert not is_goal(text)


@pytest.mark.parametrize(
    "text",
    [
        "My name is Sam and I have two colleagues on the line taking notes.",  # the session's introduction
        "If this applies to you, we encourage you to file for benefits now.",  # words read out to the listener
        "Sorry, I'm just making a cup of tea, one second.",  # an aside
        "Which is about nine kilometres from my flat, give or take.",  # leans on what was said before
    ],
)
def test_what_is_not_the_participant_telling_who_they_are(text: str) -> None:
    assert not is_about(text)


def test_saying_who_one_is_may_have_a_you_know_in_it() -> None:
    assert is_about("I was in the Navy for, you know, twenty years or so.")


def _label(n: int, text: str, pain: float = 0.2, question: str = "") -> SentenceLabel:
    return SentenceLabel(Sentence(f"{n}.1", n, 0, len(text), text), "P1", "P1.txt", pain, 0.1, 0.05, question)


def test_who_a_participant_is_comes_from_the_opening_and_an_answer_about_them_first() -> None:
    labels = [
        _label(1, "Sorry, I'm just making a cup of tea, one second."),  # an aside
        _label(2, "We had a long drive to the office that morning, it was raining."),
        _label(
            3, "I'm a nurse and I work nights on the ward at the hospital.", question="Tell me about yourself"
        ),
        _label(
            4, "I live with my partner and two kids in a flat in town.", question="Tell me about yourself"
        ),
        _label(5, "I have been a customer for about three years now, on and off."),
        *[_label(n, "The bike was fine until the chain came off.") for n in range(6, 30)],
        _label(31, "I'm a nurse, and my shifts change every single week."),  # past the opening
    ]
    assert not is_about(labels[0].sentence.text) and is_about(labels[1].sentence.text)
    moments = about_moments(labels)
    assert len(moments) == ABOUT_PER_INTERVIEW
    assert [m.sentences[0].turn_index for m in moments] == [3, 4]
    assert {m.kind for m in moments} == {"about"}
    # Without a question about them, only what says what they are, do or did; nothing rather than anything.
    unasked = [replace(lab, question="") for lab in labels]
    assert [m.sentences[0].turn_index for m in about_moments(unasked)] == [3, 4]
    assert about_moments([unasked[1], *unasked[5:]]) == []


def _obs(obs_id: str, pid: str, text: str, kind: str, turn: int) -> Observation:
    return Observation(
        id=obs_id,
        source_id=f"{pid}.txt",
        participant_id=pid,
        kind=kind,  # type: ignore[arg-type]
        stage_id="" if kind in ("goal", "about") else "use",
        text=text,
        evidence=[ev(pid, turn, text)],
    )


def _context(observations: list[Observation], scores: dict[str, float], **kw: Any) -> Context:
    return Context(
        [Stage(id="use", name="Use")],
        ["P1", "P2", "P3"],
        observations,
        "current-state",
        scores=scores,
        **kw,
    )


def test_a_persona_shows_its_own_participants_goals_the_shared_first_then_who_they_are() -> None:
    items = [
        _obs("g1", "P1", "I just want the bike to work every morning before my shift.", "goal", 1),
        _obs("g2", "P2", "I need the bike to work every morning, rain or shine.", "goal", 2),
        _obs("g3", "P1", "I would like a cheaper plan for the winter months.", "goal", 3),
        _obs("g4", "P3", "I want a cargo bike for the weekend markets.", "goal", 4),  # another persona's
        _obs("a1", "P1", "I'm a nurse and I work nights at the hospital.", "about", 5),
        _obs("a2", "P2", "I teach at the school across the river.", "about", 6),
        _obs("p1", "P1", "The chain came off twice in the first week.", "pain", 7),
        _obs("p2", "P2", "Nobody answered the phone for two days.", "pain", 8),
    ]
    scores = {"g1": 0.3, "g2": 0.2, "g3": 0.9, "g4": 0.9, "p1": 0.8, "p2": 0.1}
    persona = described(
        _context(items, scores), Persona(id="persona1", name="Commuters", participant_ids=["P1", "P2"])
    )
    assert len(persona.goals) <= GOALS_PER_PERSONA
    # Two participants share the first goal; each goal is a participant's own words.
    assert persona.goals[0] in {items[0].text, items[1].text}
    assert items[2].text in persona.goals and items[3].text not in persona.goals
    quotes = [e.quote for e in persona.evidence]
    assert len(quotes) <= PERSONA_QUOTES
    assert all(any(goal in q for q in quotes) for goal in persona.goals)
    assert items[4].text in quotes and items[5].text in quotes
    assert items[3].text not in quotes
    # Who they are comes before their strongest moment.
    assert quotes.index(items[4].text) < quotes.index(items[6].text)


def test_a_reviewer_rewrites_a_personas_goals_and_a_goal_that_is_no_text_is_refused() -> None:
    journey = sample_map()
    persona = journey.personas[0]
    edited = apply_review(journey, persona.id, "edit", edits={"goals": ["Close the books on time"]})
    after = next(p for p in edited.personas if p.id == persona.id)
    assert (after.goals, after.review.status) == (["Close the books on time"], "edited")
    with pytest.raises(InputError) as refused:
        apply_review(journey, persona.id, "edit", edits={"goals": [{"text": "x"}]})
    assert "edits.goals" in str(refused.value)
    # Goals are a persona's: another item has none to edit.
    with pytest.raises(InputError, match="cannot be edited on this item"):
        apply_review(journey, journey.pain_points[0].id, "edit", edits={"goals": ["x"]})
