"""Numbers as people say them, in English, French, German, Norwegian and Lithuanian.

A transcript holds "oh seven nine double four, five six" where a form would hold "07944 56". `number_runs`
reads such stretches (number words, "double"/"triple", "plus", mixed with written digits) into the digits
they stand for, with the span of text they came from, so the redaction rules for phone, card, account and id
numbers can judge the digits and replace the words. Only the digits are read: "nineteen ninety-nine" is
"1999", "soixante-dix-huit" is "78", "einundzwanzig" is "21", "førtisju" is "47", "trisdešimt du" is "32".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# -- the words

_UNITS: dict[str, int] = {}
_TEENS: dict[str, int] = {}
_TENS: dict[str, int] = {}


def _words(table: dict[str, int], values: list[int], *spellings: str) -> None:
    for spelling in spellings:
        for value, word in zip(values, spelling.split(), strict=True):
            for form in word.split("/"):
                table[form] = value


_words(_UNITS, list(range(10)), "zero one two three four five six seven eight nine")
_words(_UNITS, list(range(10)), "zéro/zero un/une deux trois quatre cinq six sept huit neuf")
_words(_UNITS, list(range(10)), "null eins/ein/eine zwei/zwo drei vier fünf/fuenf sechs sieben acht neun")
_words(_UNITS, list(range(10)), "null en/ett/én/ein to tre fire fem seks sju/syv åtte ni")
_words(
    _UNITS,
    list(range(10)),
    "nulis vienas/viena du/dvi trys keturi/keturios penki/penkios šeši/šešios "
    "septyni/septynios aštuoni/aštuonios devyni/devynios",
)
_UNITS["oh"] = 0
_words(
    _TEENS,
    list(range(10, 20)),
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen",
)
_words(_TEENS, list(range(10, 20)), "dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf")
_words(
    _TEENS,
    list(range(10, 20)),
    "zehn elf zwölf/zwoelf dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn",
)
_words(_TEENS, list(range(10, 20)), "ti elleve tolv tretten fjorten femten seksten sytten atten nitten")
_words(
    _TEENS,
    list(range(10, 20)),
    "dešimt vienuolika dvylika trylika keturiolika penkiolika šešiolika "
    "septyniolika aštuoniolika devyniolika",
)
_TEN_VALUES = [20, 30, 40, 50, 60, 70, 80, 90]
_words(_TENS, _TEN_VALUES, "twenty thirty forty fifty sixty seventy eighty ninety")
_words(
    _TENS,
    _TEN_VALUES,
    "vingt trente quarante cinquante soixante soixante-dix quatre-vingt/quatre-vingts quatre-vingt-dix",
)
_words(_TENS, _TEN_VALUES, "zwanzig dreißig/dreissig vierzig fünfzig sechzig siebzig achtzig neunzig")
_words(_TENS, _TEN_VALUES, "tjue/tyve tretti/tredve førti femti seksti sytti åtti nitti")
_words(
    _TENS,
    _TEN_VALUES,
    "dvidešimt trisdešimt keturiasdešimt penkiasdešimt šešiasdešimt septyniasdešimt "
    "aštuoniasdešimt devyniasdešimt",
)

# Two-digit numbers written as one word: "forty-two", "quarante-deux", "soixante-douze",
# "zweiundvierzig", "førtito".
_NUMBERS: dict[str, int] = {**_UNITS, **_TEENS, **_TENS}
for _ten_word, _ten in _TENS.items():
    for _unit_word, _unit in _UNITS.items():
        if _unit:
            _NUMBERS.setdefault(f"{_ten_word}-{_unit_word}", _ten + _unit)
            _NUMBERS.setdefault(f"{_ten_word}{_unit_word}", _ten + _unit)
            _NUMBERS.setdefault(f"{_unit_word}und{_ten_word}", _ten + _unit)
            _NUMBERS.setdefault(f"{_ten_word}-et-{_unit_word}", _ten + _unit)
    if _ten in (60, 80):
        for _teen_word, _teen in _TEENS.items():
            _NUMBERS.setdefault(f"{_ten_word}-{_teen_word}", _ten + _teen)
            _NUMBERS.setdefault(f"{_ten_word}-et-{_teen_word}", _ten + _teen)
_NUMBERS.pop("oh-one", None)

_HUNDRED = frozenset(["hundred", "cent", "cents", "hundert", "hundre", "šimtas", "šimtai", "šimtų"])
_REPEAT = {"double": 2, "triple": 3, "dobbel": 2, "trippel": 3, "doppel": 2, "doppelt": 2, "dvigubas": 2}
_PLUS = frozenset(["plus", "pluss", "plius"])
# Joining words inside a compound said in parts: "vingt et un", "en og tjue".
_AND = frozenset(["et", "og", "und"])

# A token: letters joined by hyphens or apostrophes, a run of digits, or a single capital letter (spelled
# letters inside an id: "J T one oh three…").
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+")
# What may stand between two parts of one number: spaces, a comma, a dash, a full stop, at most three.
_GAP = re.compile(r"[ \t,.;:–—-]{1,3}")


@dataclass(frozen=True)
class NumberRun:
    """A stretch of text read as digits: `start`/`end` in the text, `said` how many digits were words."""

    start: int
    end: int
    digits: str
    said: int
    plus: bool = False
    letters: str = ""


@dataclass
class _Reading:
    start: int
    end: int = 0
    digits: str = ""
    said: int = 0
    plus: bool = False
    letters: str = ""


def _value(token: str) -> int | None:
    return _NUMBERS.get(token.lower())


def number_runs(text: str, *, min_said: int = 1) -> list[NumberRun]:
    """Every stretch of two or more numbers (words or digits) with at least `min_said` digits in words."""
    tokens = _tokens(text)
    runs: list[NumberRun] = []
    reading: _Reading | None = None
    repeat = 1
    i = 0
    while i < len(tokens):
        start, end, token = tokens[i]
        lower = token.lower()
        joined = reading is not None and _GAP.fullmatch(text, reading.end, start) is not None
        if reading is not None and not joined and reading.end != start:
            runs.append(_close(reading))
            reading, repeat = None, 1
        value = int(token) if token.isdigit() else 100 if lower in _HUNDRED else _value(lower)
        if lower in _REPEAT and i + 1 < len(tokens) and _value(tokens[i + 1][2]) is not None:
            reading = reading or _Reading(start)
            repeat, reading.end = _REPEAT[lower], end
        elif lower in _PLUS and reading is None:
            reading = _Reading(start, end, plus=True)
        elif value is not None:
            reading = reading or _Reading(start)
            i = _read_number(text, tokens, i, reading, repeat)
            repeat = 1
        elif len(token) <= 2 and token.isupper() and token != "I":
            reading = reading or _Reading(start)
            reading.letters += token
            reading.end = end
        else:
            if reading is not None:
                runs.append(_close(reading))
            reading, repeat = None, 1
        i += 1
    if reading is not None:
        runs.append(_close(reading))
    return [run for run in runs if run.said >= min_said and len(run.digits) >= 2]


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """Words and digit runs; a hyphenated word that is no number is read part by part ("double-four")."""
    tokens = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if "-" in token and token.lower() not in _NUMBERS:
            position = match.start()
            for part in token.split("-"):
                tokens.append((position, position + len(part), part))
                position += len(part) + 1
        else:
            tokens.append((match.start(), match.end(), token))
    return tokens


def _read_number(
    text: str, tokens: list[tuple[int, int, str]], i: int, reading: _Reading, repeat: int
) -> int:
    """Add the number at token i (and the words that complete it) to the reading; the last token used."""
    _, end, token = tokens[i]
    lower = token.lower()
    if token.isdigit():
        reading.digits += token * repeat
        reading.end = end
        return i
    if lower in _HUNDRED:
        return _read_number_after_hundred(text, tokens, i, reading)
    value = _value(lower)
    assert value is not None
    # "trois cent quarante-cinq", "nine hundred": a hundreds word after a unit makes three digits.
    if value < 10 and i + 1 < len(tokens) and tokens[i + 1][2].lower() in _HUNDRED:
        rest = 0
        last = i + 1
        if i + 2 < len(tokens) and _joined(text, tokens[i + 1], tokens[i + 2]):
            following = _value(tokens[i + 2][2])
            if following is not None and following >= 10:
                rest, last = following, i + 2
        reading.digits += f"{value * 100 + rest:03d}"
        reading.said += 3
        reading.end = tokens[last][1]
        return last
    # A tens word said apart from its unit: "forty two", "trisdešimt du", "vingt et un", "soixante douze".
    if value in _TEN_VALUES and i + 1 < len(tokens):
        nxt = i + 1
        if tokens[nxt][2].lower() in _AND and nxt + 1 < len(tokens):
            nxt += 1
        following = _value(tokens[nxt][2])
        teen_ok = value in (60, 80) and following is not None and 10 <= following < 20
        between = text[tokens[i][1] : tokens[nxt][0]]
        close = between in (" ", "-") or (nxt > i + 1 and between in (" et ", " og ", " und ", "-et-"))
        if following is not None and (0 < following < 10 or teen_ok) and close:
            value += following
            end = tokens[nxt][1]
            i = nxt
    digits = str(value)
    reading.digits += digits * repeat
    reading.said += len(digits) * repeat
    reading.end = end
    return i


def _read_number_after_hundred(
    text: str, tokens: list[tuple[int, int, str]], i: int, reading: _Reading
) -> int:
    """ "cent douze": a hundreds word on its own is one hundred."""
    rest, last = 0, i
    if i + 1 < len(tokens) and _joined(text, tokens[i], tokens[i + 1]):
        following = _value(tokens[i + 1][2])
        if following is not None and following >= 10:
            rest, last = following, i + 1
    reading.digits += f"{100 + rest:03d}"
    reading.said += 3
    reading.end = tokens[last][1]
    return last


def _joined(text: str, left: tuple[int, int, str], right: tuple[int, int, str]) -> bool:
    """Two tokens with only a space or hyphen between them: parts of one number."""
    return text[left[1] : right[0]] in (" ", "-")


def _close(reading: _Reading) -> NumberRun:
    return NumberRun(
        reading.start, reading.end, reading.digits, reading.said, plus=reading.plus, letters=reading.letters
    )
