"""What a participant's turn answers: the last interviewer line that asks or prompts, not an acknowledgement or
a remark."""

from __future__ import annotations

import pytest

from cjgen.asked import acknowledges_only, answered, remarks_only, what_it_asks
from cjgen.label import questions_before
from cjgen.schema import Turn

QUESTION = "What happened after you sent the form?"


@pytest.mark.parametrize(
    "line",
    [
        "Hmm.",
        "Mm-hmm. Okay, got it.",
        "Hmm, okay. Yeah.",
        "Oh, interesting.",
        "Uh-huh.",
        "I see.",
        "Mhmmm",
        "Okei.",
        "Okay, got it? Got it?",
    ],
)
def test_a_line_that_only_acknowledges(line: str) -> None:
    assert acknowledges_only(line)


@pytest.mark.parametrize(
    "line",
    [
        "Tell me about that.",
        "Go on.",
        "Okay, and then?",
        "That sounds frustrating.",
        "Okay, great. So the last time you filled out a form online",
        "Confusing-",
        "",
    ],
)
def test_a_line_that_asks_prompts_or_says_more(line: str) -> None:
    assert not acknowledges_only(line)


def turns(*lines: tuple[str, str]) -> list[Turn]:
    return [
        Turn(index=n, speaker="I" if role == "interviewer" else "P1", role=role, text=text)  # type: ignore[arg-type]
        for n, (role, text) in enumerate(lines)
    ]


CONVERSATION = turns(
    ("interviewer", QUESTION),
    ("participant", "Nothing for weeks."),
    ("interviewer", "Hmm."),
    ("participant", "Then a letter said it was lost."),
    ("interviewer", "Mm-hmm, okay."),
    ("participant", "So I sent it again."),
    ("interviewer", "Got it. Okay? Did anyone tell you why?"),
    ("participant", "No."),
)


def test_the_question_is_found_past_acknowledgements_and_the_participants_own_turns() -> None:
    assert [answered(CONVERSATION, n) for n in (1, 3, 5)] == [CONVERSATION[0]] * 3
    assert answered(CONVERSATION, 5, reach=3) is None  # only acknowledgements within reach
    assert answered(CONVERSATION, 0) is None  # nothing was asked before it
    # Answers to one question are compared as answers to it, not joined by "hmm" to other answers.
    # A question is what it asks, without the acknowledgements it opens with.
    assert questions_before(CONVERSATION) == {
        1: QUESTION,
        3: QUESTION,
        5: QUESTION,
        7: "Did anyone tell you why?",
    }


def test_what_a_line_asks() -> None:
    assert what_it_asks("Hmm, okay. : Got it. Where would you look for it?") == "Where would you look for it?"
    assert what_it_asks("So how did you apply? Okay.") == "So how did you apply? Okay."
    assert what_it_asks("Hmm.") == "Hmm."


@pytest.mark.parametrize(
    "line", ["That sounds frustrating.", "Of course.", "I'm sorry", "That's strange.", "No luck."]
)
def test_a_short_remark_asks_nothing(line: str) -> None:
    assert remarks_only(line)


@pytest.mark.parametrize(
    "line",
    [
        "Tell me about that.",
        "Go on.",
        "And then?",
        "Do you recall.",  # a question transcribed without its question mark
        "Challenges:",  # a notetaker's topic
        "Confusing-",
        "So the repair itself was good, but getting to it...",
        "Okay, so it sounds like you feel like they don't actually need what they're asking for.",
        "Hmm.",  # an acknowledgement, not a remark
        "Fortell mer.",  # a prompt in another language
        "",
    ],
)
def test_a_line_that_prompts_or_says_more_is_no_remark(line: str) -> None:
    assert not remarks_only(line)


def test_an_answer_after_a_remark_answers_the_question_before_it() -> None:
    talk = turns(
        ("interviewer", "Any problems?"),
        ("participant", "There was this weird text message. Can I tell you about that?"),
        ("interviewer", "Of course."),
        ("participant", "It said to reply STOP, with a link."),
        ("interviewer", "That's strange."),
        ("participant", "I deleted it."),
    )
    assert answered(talk, 3) == answered(talk, 5) == talk[0]
    assert questions_before(talk) == {1: "Any problems?", 3: "Any problems?", 5: "Any problems?"}
    # Where nothing within reach asks, the remark is still what came before.
    assert answered(talk, 5, reach=2) == talk[4]
    assert questions_before(talk[2:]) == {3: "Of course.", 5: "That's strange."}


def test_a_guides_condition_for_the_moderator_is_not_what_an_answer_answers() -> None:
    """Notes typed into a guide keep its branches ("If yes:", "IF ON MOBILE:") as lines of their own; the
    answer after one answers the question before it."""
    for condition in ("If yes:", "[If no]", "IF ON MOBILE:"):
        talk = turns(
            ("interviewer", "Have you had to update your address before?"),
            ("interviewer", condition),
            ("participant", "Yes, twice, by mail."),
        )
        assert answered(talk, 2) == talk[0]
    # A question that opens with "if" asks.
    talk = turns(
        ("interviewer", "If you had to explain it to a friend, how would you put it?"), ("participant", "Hm.")
    )
    assert answered(talk, 1) == talk[0]


def test_the_research_teams_own_remark_is_not_what_an_answer_answers() -> None:
    talk = [
        Turn(index=0, speaker="Interviewer", role="interviewer", text="Do you recall getting a summary?"),
        Turn(index=1, speaker="P2", role="participant", text="Only a paper with my next appointment."),
        Turn(
            index=2,
            speaker="Notetaker",
            role="interviewer",
            text="Participant does not recall getting a summary after a visit; only the paper with his next "
            "appointment, and he looked up his lab results online.",
        ),
        Turn(index=3, speaker="P2", role="participant", text="On the private side I got one at checkout."),
    ]
    assert answered(talk, 3) == talk[0]
    assert questions_before(talk) == {
        1: "Do you recall getting a summary?",
        3: "Do you recall getting a summary?",
    }
