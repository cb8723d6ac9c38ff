"""What a participant's turn answers: the interviewer's last line that asks or prompts something.

Interviewers keep a participant talking with lines that only acknowledge ("Hmm.", "Okay, got it.", "Oh,
interesting."). Such a line is not what the participant answers: shown as the question, it tells a reader
nothing, and compared as a question it joins answers to different questions by the word "hmm". Nor is a short
remark that asks nothing ("That sounds frustrating.", "Of course.", "I'm sorry."): the participant goes on
answering what was asked before it. The question is the last line before those that asks or prompts ("What
happened next?", "Tell me about that.", a notetaker's "Challenges:").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cjgen.ingest.labels import is_team_note
from cjgen.schema import Turn
from cjgen.sentences import split_spans

# Words that acknowledge what was said and ask nothing, in the languages the interviews are held in.
_ACKNOWLEDGING = frozenset(
    [
        "okay",
        "ok",
        "okey",
        "yeah",
        "yes",
        "yep",
        "yup",
        "yea",
        "right",
        "alright",
        "all",
        "sure",
        "fine",
        "good",
        "great",
        "cool",
        "nice",
        "perfect",
        "awesome",
        "wonderful",
        "excellent",
        "fantastic",
        "lovely",
        "wow",
        "interesting",
        "i",
        "see",
        "got",
        "it",
        "gotcha",
        "that",
        "that's",
        "makes",
        "sense",
        "sounds",
        "so",
        "and",
        "well",
        "oh",
        "ah",
        "aha",
        "huh",
        "uh",
        "um",
        "er",
        "erm",
        "totally",
        "absolutely",
        "exactly",
        "definitely",
        "indeed",
        "true",
        "fair",
        "enough",
        "understood",
        "understand",
        "thank",
        "thanks",
        "you",
        "very",
        "really",
        "super",
        "ja",
        "jo",
        "okei",
        "flott",
        "skjønner",
        "oui",
        "d'accord",
        "genau",
        "gut",
        "klar",
    ]
)
# Sounds of assent however long they are drawn out: "hmm", "mm-hmm", "mhm", "uh-huh", "ahh".
_ASSENT_SOUND = re.compile(r"h*m+(?:-?h*m+)*|m+h+m+|u+h+-?h+u+h+|a+h+|o+h+|h+u+h+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# A remark is at most this many words ...
REMARK_WORDS = 6
# ... and opens with none of the words that open a question or a prompt, spoken or noted without its "?", in
# the languages the interviews are held in.
_OPENING = (
    "what how why when where who whom whose which do does did is are was were can could would will shall should "
    "have has any anything tell go say describe walk explain show talk keep continue please share elaborate and "
    "then so "
    "hva hvordan hvorfor når hvor hvem fortell fortelle beskriv kan har var og "
    "was wie warum wann wo wer erzähl erzählen beschreiben können haben und "
    "que quoi comment pourquoi quand où qui quel quelle racontez raconte décrivez pouvez avez et "
    "kaip kodėl kada kur kas papasakokite"
)
_OPENS_ASKING = frozenset(_OPENING.split())
# A line that trails off or names a topic invites the answer: "So the repair was good, but …", "Challenges:".
_INVITES = (":", "-", "–", "—", "...", "…")


def acknowledges_only(line: str) -> bool:
    """True when every word of the line only acknowledges what was said ("Okay, got it? Got it?" asks for no
    answer either)."""
    words = _words(line)
    return bool(words) and all(_acknowledging(w) for w in words)


# A conversation guide's condition for the moderator with nothing after it ("If yes:", "[If no]", "IF ON
# MOBILE:"): which branch the guide takes, not a question the participant answers.
_CONDITION_ONLY = re.compile(r"[\W_]*\[?if\b[^.?!:\]\n]{0,30}[:\]][\W_]*", re.IGNORECASE)


def asks_nothing(turn: Turn) -> bool:
    """An interviewer-side line the participant does not answer: one that only acknowledges, a guide's
    condition for the moderator alone ("If yes:"), or the research team's own remark (`Notetaker: Participant
    liked the list`)."""
    text = turn.text.strip()
    return (
        acknowledges_only(text) or _CONDITION_ONLY.fullmatch(text) is not None or is_team_note(turn.speaker)
    )


def remarks_only(line: str) -> bool:
    """True when the line is a short remark that asks nothing ("That's strange.", "Of course."): no question
    mark, no opening that asks or prompts, nothing left open for the participant to finish, and more than
    an acknowledgement."""
    text = line.strip()
    words = _words(text)
    return (
        bool(words)
        and len(words) <= REMARK_WORDS
        and "?" not in text
        and not text.endswith(_INVITES)
        and words[0] not in _OPENS_ASKING
        and not acknowledges_only(text)
    )


def what_it_asks(line: str) -> str:
    """The line from its first sentence that does more than acknowledge ("Hmm, okay. So how did you apply?"
    asks "So how did you apply?"); the whole line when every sentence only acknowledges."""
    for start, end in split_spans(line):
        if not acknowledges_only(line[start:end]):
            return line[start:].lstrip(": ")
    return line


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold().replace("’", "'"))


def _acknowledging(word: str) -> bool:
    return word in _ACKNOWLEDGING or _ASSENT_SOUND.fullmatch(word) is not None


def answered(turns: Sequence[Turn], position: int, reach: int | None = None) -> Turn | None:
    """The interviewer's turn that the turn at `position` answers: the nearest before it that asks or prompts,
    past the lines that only acknowledge or remark and past the participant's (or a companion's) own turns;
    only among the `reach` turns before it when given. Where none there asks, the nearest remark; None when
    there is not even one."""
    start = 0 if reach is None else max(0, position - reach)
    remark = None
    for turn in reversed(turns[start:position]):
        if turn.role != "interviewer" or asks_nothing(turn):
            continue
        if not remarks_only(turn.text):
            return turn
        remark = remark or turn
    return remark
