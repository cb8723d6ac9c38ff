"""The stretch of a remote session spent setting up the call is set aside from the moments a map reads."""

from __future__ import annotations

import pytest

from cjgen.calltalk import STRETCH_TURNS, call_turns
from cjgen.schema import Turn


def _turns(*lines: tuple[str, str]) -> list[Turn]:
    return [
        Turn(index=n, speaker="Mod" if role == "interviewer" else "P1", role=role, text=text)  # type: ignore[arg-type]
        for n, (role, text) in enumerate(lines)
    ]


def test_the_answers_to_screen_sharing_are_set_aside_until_a_real_question():
    turns = _turns(
        ("interviewer", "How did you first hear about the allowance?"),
        ("participant", "A neighbour told me about it, and it was a relief to hear it existed."),
        ("interviewer", "Great. Next, do you know how to share your screen from the meeting app?"),
        ("participant", "I don't know what this is. It says it will record everything on my phone."),
        ("interviewer", "Tap allow, I think."),
        ("participant", "It went dark. Can you see it now? Oh, I hate this."),
        ("interviewer", "Perfect. When you applied, what was the hardest part of the form for you?"),
        ("participant", "The part about my income, I never knew which figure they wanted."),
    )
    assert call_turns(turns) == frozenset({3, 5})


@pytest.mark.parametrize(
    ("asked", "answered"),
    [
        # an interviewer who shows their own screen shows something to react to
        (
            "I'm going to share my screen and show you the letter. Does it look familiar?",
            "Not really, I don't remember seeing it.",
        ),
        # a participant naming the meeting app: in a study of video visits it is the service
        (
            "What do you like about the video visits?",
            "No waiting room, I join from the kitchen, like this zoom meeting, and it just works.",
        ),
        # a service's own chat
        ("And in the chat?", "The bot sent me the same menu three times, so I gave up."),
    ],
)
def test_what_is_not_the_calls_set_up_opens_no_stretch(asked: str, answered: str) -> None:
    assert call_turns(_turns(("interviewer", asked), ("participant", answered))) == frozenset()


def test_a_last_question_back_on_the_topic_asks_anew():
    turns = _turns(
        ("interviewer", "Please share your screen."),
        ("participant", "Done."),
        (
            "interviewer",
            "Colleagues, you can unmute now. Is there anything else about the allowance you would like to tell us?",
        ),
        ("participant", "Only that the letters should come sooner, I waited two months for mine."),
    )
    assert call_turns(turns) == frozenset({1})


def test_telling_the_participant_to_stop_sharing_ends_the_stretch():
    turns = _turns(
        ("interviewer", "Send me the link in the chat when you have it open, then share your screen."),
        ("participant", "Got it."),
        ("interviewer", "[Note: you can stop screen sharing now.]"),
        ("interviewer", "Anything you disliked?"),
        ("participant", "When the machines were down it was a pain."),
    )
    assert call_turns(turns) == frozenset({1})


def test_a_long_answer_ends_the_stretch_and_is_kept():
    long_answer = " ".join(["The form asked for my unit and my dates and I had none of it to hand."] * 5)
    turns = _turns(
        ("interviewer", "Once the page opens, please share your screen with me."),
        ("participant", long_answer),
        ("interviewer", "Okay."),
        ("participant", "And then it logged me out."),
    )
    assert call_turns(turns) == frozenset()


def test_the_stretch_closes_after_a_dozen_turns():
    lines: list[tuple[str, str]] = [("interviewer", "Can you share your screen, please?")]
    for _ in range(STRETCH_TURNS):
        lines += [("participant", "Hang on."), ("interviewer", "Okay.")]
    turns = _turns(*lines)
    aside = call_turns(turns)
    assert 1 in aside
    assert max(aside) <= STRETCH_TURNS
