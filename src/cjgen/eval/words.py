"""Content words of a text, stemmed, for the scorers that ask whether a map's own words are supported.

A word is a run of letters (after the same normalisation the quote locator uses) of three letters or more
that is not an English function word. Words are compared by their Snowball stem (`cjgen.wording.stem`, the
stemmer the map's own rules use), so "delays", "delayed" and "delay" are one word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from cjgen.eval.locate import normalise
from cjgen.wording import stem as wording_stem

_FUNCTION_WORD_LINES = (
    # articles, pronouns, determiners
    "the and but nor for yet not any all both each few more most other some such own same one ones",
    "she her hers him his its our ours ourselves their theirs them themselves they this that these those",
    "what which who whom whose you your yours yourself myself himself herself itself something anything",
    "nothing everything someone anyone everyone somebody anybody nobody",
    # auxiliaries and their contractions split at the apostrophe
    "are was were been being have has had having does did doing done can could will would shall should",
    "may might must ought don doesn didn isn aren wasn weren hasn haven hadn won wouldn couldn shouldn",
    "mustn needn let lets get gets got getting",
    # prepositions, conjunctions, adverbs of degree, time and place
    "about above across after again against along among around because before behind below beneath",
    "beside besides between beyond during except from into near off onto out over past since than then",
    "through throughout till toward towards under underneath unless until upon via with within without",
    "also just only very too quite rather really even still already ever never always often sometimes",
    "here there where when why how whether while whereas though although however therefore thus hence",
    "yes okay well like much many lot lots bit kind sort way ways thing things stuff",
    "say says said tell told ask asked seem seems seemed",
)
FUNCTION_WORDS = frozenset(w for line in _FUNCTION_WORD_LINES for w in line.split())

_LETTERS = re.compile(r"[^\W\d_]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
MIN_LETTERS = 3


def stem(word: str) -> str:
    return wording_stem(word.casefold())


@dataclass(frozen=True)
class Word:
    """A content word as written, and its stem."""

    text: str
    stem: str


def letter_runs(text: str) -> list[str]:
    """Every word of a text, normalised as the quote locator does: runs of letters, any length."""
    return _LETTERS.findall(normalise(text))


def content_words(text: str, leave_out: frozenset[str] = frozenset()) -> list[Word]:
    """Content words in order of appearance, each once per stem; stems in `leave_out` are not counted."""
    seen: set[str] = set(leave_out)
    words: list[Word] = []
    for raw in letter_runs(text):
        if len(raw) < MIN_LETTERS or raw in FUNCTION_WORDS:
            continue
        root = stem(raw)
        if root not in seen:
            seen.add(root)
            words.append(Word(raw, root))
    return words


# Words a map uses to talk about the research, not about what participants said: not counted in a statement.
_MAP_VOCABULARY = (
    "participant interview interviewee respondent customer user people person problem issue pain point "
    "delight moment main top best summary"
)
MAP_VOCABULARY = frozenset(stem(w) for w in _MAP_VOCABULARY.split())


def stems(texts: Iterable[str]) -> set[str]:
    return {w.stem for text in texts for w in content_words(text)}


# Small numbers as words, so a statement's "3" is supported by a quote's "three" and the other way round.
_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
NUMBER_WORDS = {word: str(k) for k, word in enumerate(_NUMBER_WORDS)}


def numbers(text: str) -> set[str]:
    """The numbers a text mentions, as digit strings: written digits, and number words up to twenty."""
    said = normalise(text)
    found = {n.replace(",", "") for n in _NUMBER.findall(said)}
    found |= {NUMBER_WORDS[w] for w in _LETTERS.findall(said) if w in NUMBER_WORDS}
    return found
