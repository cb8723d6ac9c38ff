"""What a participant's turn answers: the interviewer's last line that asks or prompts something.

Interviewers keep a participant talking with lines that only acknowledge ("Hmm.", "Okay, got it.", "Oh,
interesting."). Such a line is not what the participant answers: shown as the question, it tells a reader
nothing, and compared as a question it joins answers to different questions by the word "hmm". The question
is the last line before those that asks or prompts ("What happened next?", "Tell me about that.").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def acknowledges_only(line: str) -> bool:
    """True when every word of the line only acknowledges what was said ("Okay, got it? Got it?" asks for no
    answer either)."""
    words = _words(line)
    return bool(words) and all(_acknowledging(w) for w in words)


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
    past the lines that only acknowledge and past the participant's (or a companion's) own turns; only among
    the `reach` turns before it when given. None when there is none."""
    start = 0 if reach is None else max(0, position - reach)
    for turn in reversed(turns[start:position]):
        if turn.role == "interviewer" and not acknowledges_only(turn.text):
            return turn
    return None
