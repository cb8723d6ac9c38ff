"""Numbers as people say them, in English, French, German, Norwegian and Lithuanian.

A transcript holds "oh seven nine double four, five six" where a form would hold "07944 56". `number_runs`
reads such stretches (number words, "double"/"triple", "plus", mixed with written digits) into the digits
they stand for, with the span of text they came from, so the redaction rules for phone, card, account and id
numbers can judge the digits and replace the words. Only the digits are read: "nineteen ninety-nine" is
"1999", "soixante-dix-huit" is "78", "einundzwanzig" is "21", "førtisju" is "47", "trisdešimt du" is "32".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import product
from typing import Any

import re2

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

# A tens word may take its unit from the next word ("forty two"): those are read by `_read_number`.
_TENS_SAID_APART = frozenset(_TEN_VALUES)
_HUNDRED = frozenset(["hundred", "cent", "cents", "hundert", "hundre", "šimtas", "šimtai", "šimtų"])
_REPEAT = {"double": 2, "triple": 3, "dobbel": 2, "trippel": 3, "doppel": 2, "doppelt": 2, "dvigubas": 2}
_PLUS = frozenset(["plus", "pluss", "plius"])
# Joining words inside a compound said in parts: "vingt et un", "en og tjue".
_AND = frozenset(["et", "og", "und"])

# A token: letters joined by hyphens or apostrophes, a run of digits, or a single capital letter (spelled
# letters inside an id: "J T one oh three…").
_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*|\d+")
# What may stand between two parts of one number: spaces, a comma, a dash, a full stop, at most three.
_GAP_CHARS = " \t,.;:–—-"
_GAPS = frozenset("".join(chars) for n in (1, 2, 3) for chars in product(_GAP_CHARS, repeat=n))


@dataclass(frozen=True)
class NumberRun:
    """A stretch of text read as digits: `start`/`end` in the text, `said` how many digits were words."""

    start: int
    end: int
    digits: str
    said: int
    plus: bool = False
    letters: str = ""
    numbers: tuple[int, ...] = ()

    @property
    def counting(self) -> bool:
        """Numbers said one after another ("nine, ten, eleven, twelve, one"): counting or the hours of a
        day, not a number someone reads out."""
        steps = list(zip(self.numbers, self.numbers[1:], strict=False))
        return len(steps) >= 2 and all(b == a + 1 or (a, b) == (12, 1) for a, b in steps)


@dataclass(slots=True)
class _Reading:
    """A number being read. Digits and letters are kept as parts, joined when it closes: a string that
    grows one part at a time is copied at each part, so a run of a million number words took time that
    grew with the square of its length."""

    start: int
    end: int = 0
    digits: list[str] = field(default_factory=list)
    said: int = 0
    plus: bool = False
    letters: list[str] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)


def _value(token: str) -> int | None:
    return _NUMBERS.get(token.lower())


def number_runs(text: str, *, min_said: int = 1) -> list[NumberRun]:
    """Every stretch of two or more numbers (words or digits) with at least `min_said` digits in words.

    Number words are found in one pass of a linear-time engine over the whole text; only the stretches
    where two of them stand close together are read word by word."""
    runs: list[NumberRun] = []
    for start, end in _number_word_clusters(text):
        runs += _runs_in(text, _tokens(text, start, end), min_said)
    return runs


def word_pattern(words: Iterable[str]) -> Any:
    """A linear-time pattern (RE2) for any of `words` (lower case) at the start of a word; group 1 is the
    word. Many alternatives cost RE2 nothing per character, where Python's engine would try each at every
    position."""
    choices = "|".join(re2.escape(word) for word in sorted(set(words), key=len, reverse=True))
    return re2.compile(f"(?:^|[^\\pL\\pN_])({choices})".encode())


_UNANCHORED = re2._Anchor.UNANCHORED
_NO_SPAN = (-1, -1)
# 1 for each byte that continues a UTF-8 character, 0 for the rest.
_CONTINUATION_BYTES = bytes(1 if 0x80 <= byte < 0xC0 else 0 for byte in range(256))


def _char_length(lead: int) -> int:
    """How many bytes the UTF-8 character that starts with byte `lead` takes."""
    return 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


@lru_cache(maxsize=8)
def _ungrouped(source: bytes) -> Any:
    return re2.compile(source.replace(b"_])(", b"_])(?:", 1))


def words_at(pattern: Any, text: str) -> dict[str, list[int]]:
    """Where each word of `pattern` (from `word_pattern`) starts in the lower-cased text, as character
    offsets in order; a match may start inside the one before ("i am" and "am apparat"). Each search asks
    for the match alone, as working out where a group lies costs RE2 more than finding the match."""
    data = _lowered(text).encode()
    regexp = _ungrouped(pattern.pattern)._regexp
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    while (span := regexp.Match(_UNANCHORED, data, position, len(data))[0]) != _NO_SPAN:
        start, end = span
        # The match holds the character before the word, but at the start of the text there may be none.
        if start == 0:
            start = pattern._regexp.Match(_UNANCHORED, data, 0, len(data))[1][0]
        else:
            start += _char_length(data[start])
        starts.append(start)
        ends.append(end)
        position = start + 1
    found: dict[str, list[int]] = {}
    offsets = starts if len(data) == len(text) else _char_offsets(data, starts)
    for start, end, offset in zip(starts, ends, offsets, strict=True):
        word = data[start:end].decode()
        found.setdefault(word, []).append(offset)
    return found


def _lowered(text: str) -> str:
    """The text in lower case, character for character (a character whose lower case is longer stays)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


def _char_offsets(data: bytes, byte_offsets: list[int]) -> list[int]:
    """Offsets (in order) into UTF-8 `data` as offsets into the text it encodes, one stretch at a time: a
    stretch holds as many characters as it has bytes that do not continue a character."""
    continuing = data.translate(_CONTINUATION_BYTES)
    converted, done_bytes, done_chars = [], 0, 0
    for offset in byte_offsets:
        done_chars += offset - done_bytes - continuing.count(1, done_bytes, offset)
        done_bytes = offset
        converted.append(done_chars)
    return converted


# Python's engine, told to ignore case, reads "ı" and "İ" as "i"; RE2 does not.
_DOTTED_I = str.maketrans({"ı": "i", "İ": "i"})
# Python's \s is every character `str.isspace` takes; RE2's only ASCII spaces.
_SPACE = r"[\t-\r\x{1c}-\x{20}\x{85}\pZ]"
# Supersets of Python's digits (Unicode decimals), of its letters and digits, and of its spaces.
_IN_CLASS = {r"\s": _SPACE[1:-1], r"\d": r"\pN", r"\w": r"\pL\pN_"}
_PYTHON_CLASSES = {
    **{escape: f"[{widened}]" for escape, widened in _IN_CLASS.items()},
    r"[^\W\d_]": r"[\pL\pN]",
}
_CLASS_ESCAPE = re.compile(r"\\.")
_PYTHON_TOKEN = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|\(\?[=!<]|\{\d+,\d+\}|[\s#]|.", re.DOTALL)
_BOUNDED = re.compile(r"\{(\d+),\d+\}")
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
_UNBOUNDED = 65535  # a match this long or longer: a repeat with no bound (Python gives it a huge width)


def _large_dfa() -> Any:
    """RE2 options for a long pattern: more than the default memory for its DFA, which otherwise gives up
    on long texts and leaves the search to a far slower engine."""
    options = re2.Options()
    options.max_mem = 64 << 20
    return options


@dataclass(frozen=True)
class Superset:
    """An RE2 pattern that matches wherever a Python pattern does (and may match where it does not), and
    the most characters a match of the Python pattern takes."""

    regexp: Any
    longest: int


def superset_pattern(source: str, flags: int = re.VERBOSE) -> Superset:
    """`source`, a Python pattern (compiled with `flags`) whose matches have a bounded length, as an RE2
    pattern that matches wherever it does: a cheap linear-time test of where the Python pattern can start.
    A lookaround or a word boundary only narrows a match, so it is left out; an atomic group is read as a
    plain one. What RE2 reads otherwise (`\\B`, `$`, other flags) is refused.

    Only where a match starts is asked for, so the pattern has no groups that capture (working out where a
    group lies costs RE2 far more than finding the match), and every repeat is lazy: the shortest match
    found ends the search, where a greedy one could run on to the end of the text each time."""
    if flags & ~(re.VERBOSE | re.IGNORECASE | re.UNICODE):
        raise ValueError(f"flags {re.RegexFlag(flags)!r} of {source[:40]!r}… have no RE2 superset here")
    verbose = bool(flags & re.VERBOSE)
    pieces = ["(?i)"] if flags & re.IGNORECASE else []
    skipping = 0  # the depth of parentheses inside a lookaround being left out
    for match in _PYTHON_TOKEN.finditer(_NAMED_GROUP.sub("(?:", source.replace("(?>", "(?:"))):
        token = match.group()
        if skipping:
            skipping += 1 if token in ("(", "(?=", "(?!", "(?<") else -1 if token == ")" else 0
            continue
        if token in ("(?=", "(?!", "(?<"):
            skipping = 1
            continue
        if (token == "#" and verbose) or token in (r"\B", "$"):
            raise ValueError(f"{token!r} in {source[:40]!r}… has no RE2 superset here")
        if token.startswith("[") and "\\" in token and token not in _PYTHON_CLASSES:
            token = _class_superset(token, source)
        if not (token.isspace() and verbose) and token != r"\b":
            # "{0,5}" as "{0,}": nested bounded repeats would make a program too large for RE2's DFA.
            pieces.append(
                _BOUNDED.sub(r"{\1,}", _PYTHON_CLASSES.get(token, token)) if token != r"\Z" else r"\z"
            )
    for k, piece in enumerate(pieces[:-1]):
        if piece == "(" and pieces[k + 1] != "?":
            pieces[k] = "(?:"
    longest = re._parser.parse(source, flags).getwidth()[1]  # type: ignore[attr-defined]
    if longest >= _UNBOUNDED:
        raise ValueError(f"{source[:40]!r}… has matches of any length: no window holds them all")
    return Superset(re2.compile(f"(?U){''.join(pieces)}".encode(), _large_dfa()), longest)


def _class_superset(token: str, source: str) -> str:
    """A character class that holds `\\w`, `\\d` or `\\s`, with each as RE2 writes a superset of it."""
    if token.startswith("[^"):
        raise ValueError(f"negated class {token!r} in {source[:40]!r}… has no RE2 superset here")
    return _CLASS_ESCAPE.sub(lambda escape: _IN_CLASS.get(escape.group(), escape.group()), token)


def match_starts(pattern: Superset, text: str) -> list[int]:
    """Every offset where `pattern` matches, in order: one search per match found.

    Each search reads a window of the text: the starts it takes lie within `pattern.longest` characters
    of where it began, and it reads that far again, so a match of the Python pattern starting there is
    whole inside it. Read to the end of the text instead, a search for the next start could run on to the
    end each time (a repeat that an alternative before the matching one keeps alive).

    Python's engine, told to ignore case, reads "ı" and "İ" as "i"; RE2 does not. A text that holds them is
    also read with them as "i", and the starts of both readings are taken."""
    starts = _starts_in(pattern, text)
    if "ı" in text or "İ" in text:
        starts = sorted({*starts, *_starts_in(pattern, text.translate(_DOTTED_I))})
    return starts


def _starts_in(pattern: Superset, text: str) -> list[int]:
    data = text.encode()
    size = len(data)
    reach = pattern.longest * (1 if size == len(text) else 4)  # in bytes: a character takes up to four
    search = partial(pattern.regexp._regexp.Match, _UNANCHORED, data)
    starts: list[int] = []
    position = 0
    while position < size:
        limit = position + max(reach, 64)
        while limit < size and 0x80 <= data[limit] < 0xC0:
            limit += 1  # a window ends between characters
        stop = min(size, limit + reach)
        while (start := search(position, stop)[0][0]) != -1 and start < limit:
            starts.append(start)
            position = start + (1 if data[start] < 0x80 else _char_length(data[start]))
        position = max(position, limit)
    return starts if size == len(text) else _char_offsets(data, starts)


# A number word as a whole word: one of the base words, or several joined ("quarante-deux",
# "zweiundvierzig", "førtisju"); the generated two-digit forms would make the automaton too large.
_NUMBER_BASE = "|".join(
    re2.escape(word)
    for word in sorted({*_UNITS, *_TEENS, *_TENS, *_HUNDRED, *_REPEAT, *_PLUS}, key=len, reverse=True)
    if "-" not in word
)
_CARDINAL = f"(?:{_NUMBER_BASE})(?:-?(?:und|og|et)?-?(?:{_NUMBER_BASE})){{0,4}}"
# What may join two number words of one stretch: one of `_GAPS`, or a joining word between spaces.
_NUMBER_JOIN = f"(?:[{_GAP_CHARS}]{{1,3}}|{_SPACE}+(?:et|og|und){_SPACE}+)"


# Two or more numbers, at least one of them in words ("oh seven nine", "07 nine 44"), with only such joins
# between them, as whole words, in the lower-cased text.
_NUMBER_TOKEN = f"(?:{_CARDINAL}|\\pN+)"
_NUMBER_CLUSTER = re2.compile(
    f"(?:^|[^\\pL\\pN_])(?:(?:\\pN+{_NUMBER_JOIN})+{_CARDINAL}(?:{_NUMBER_JOIN}{_NUMBER_TOKEN})*"
    f"|{_CARDINAL}(?:{_NUMBER_JOIN}{_NUMBER_TOKEN})+)(?:$|[^\\pL\\pN_])".encode(),
    _large_dfa(),
)


def _number_word_clusters(text: str) -> list[tuple[int, int]]:
    """Stretches (widened to whole words and nearby digits) where two numbers stand close, one of them said
    in words.

    One search per stretch: a search per word cost more than the rest of redaction on a text of number
    words. The match holds the character before and after its words, where there is one."""
    data = _lowered(text).encode()
    regexp = _NUMBER_CLUSTER._regexp
    found: list[int] = []
    position = 0
    while (span := regexp.Match(_UNANCHORED, data, position, len(data))[0]) != _NO_SPAN:
        start, end = span
        first = _char_length(data[start])
        if not data[start : start + first].decode().isalnum():
            start += first
        last = _last_char_start(data, end)
        if not data[last:end].decode().isalnum():
            end = last
        found += (start, end)
        position = end
    if len(data) != len(text):
        found = _char_offsets(data, found)
    # Each stretch is widened thirty characters either side, then on to the end of the word there, but no
    # more than sixty; a stretch whose widened start reaches the one before joins it. Within sixty characters
    # of the one before it joins whatever the words there, so only the last of a joined run is widened.
    spans: list[tuple[int, int]] = []
    last_end = -1
    for start, end in zip(found[::2], found[1::2], strict=True):
        if spans and start - 30 <= last_end + 30:
            last_end = end
            continue
        if spans:
            spans[-1] = (spans[-1][0], _widened_end(text, last_end))
        lo = _WORD_TAIL.search(text, max(0, start - 60), max(0, start - 30)).start()  # type: ignore[union-attr]
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], -1)
        else:
            spans.append((lo, -1))
        last_end = end
    if spans:
        spans[-1] = (spans[-1][0], _widened_end(text, last_end))
    return spans


def _widened_end(text: str, end: int) -> int:
    return _WORD_HEAD.match(text, min(len(text), end + 30), min(len(text), end + 60)).end()  # type: ignore[union-attr]


_WORD_TAIL = re.compile(r"\S*\Z")
_WORD_HEAD = re.compile(r"\S*")


def _last_char_start(data: bytes, end: int) -> int:
    """Where the UTF-8 character that ends at byte `end` starts."""
    start = end - 1
    while start > 0 and 0x80 <= data[start] < 0xC0:
        start -= 1
    return start


def _runs_in(text: str, tokens: list[tuple[int, int, str]], min_said: int) -> list[NumberRun]:
    runs: list[NumberRun] = []
    reading: _Reading | None = None
    repeat = 1
    lowers = [token.lower() for _, _, token in tokens]
    values = [_NUMBERS.get(lower) for lower in lowers]
    count = len(tokens)
    i = 0
    while i < count:
        start, end, token = tokens[i]
        lower = lowers[i]
        if reading is not None and reading.end != start and text[reading.end : start] not in _GAPS:
            runs += _closed(reading, min_said)
            reading, repeat = None, 1
        if token.isdigit():
            # Written digits: as they are, repeated after "double".
            reading = reading or _Reading(start)
            reading.digits.append(token * repeat)
            reading.numbers.append(int(token) if len(token) <= 6 else -1)
            reading.end = end
            repeat = 1
        elif lower in _REPEAT and i + 1 < count and values[i + 1] is not None:
            reading = reading or _Reading(start)
            repeat, reading.end = _REPEAT[lower], end
        elif lower in _PLUS and reading is None:
            reading = _Reading(start, end, plus=True)
        elif (
            (value := values[i]) is not None
            and value not in _TENS_SAID_APART
            and lower not in _HUNDRED
            and not (value < 10 and i + 1 < count and lowers[i + 1] in _HUNDRED)
        ):
            # A number word that no following word completes ("seven", "atten"), read here: most are.
            reading = reading or _Reading(start)
            _add_said(reading, value, repeat, end)
            repeat = 1
        elif lower in _HUNDRED or value is not None:
            reading = reading or _Reading(start)
            i = _read_number(text, tokens, i, reading, repeat)
            repeat = 1
        elif len(token) <= 2 and token.isupper() and token != "I":
            reading = reading or _Reading(start)
            reading.letters.append(token)
            reading.end = end
        else:
            if reading is not None:
                runs += _closed(reading, min_said)
            reading, repeat = None, 1
        i += 1
    if reading is not None:
        runs += _closed(reading, min_said)
    return runs


_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")


def _tokens(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """Words and digit runs; a hyphenated word that is no number is read part by part ("double-four")."""
    tokens = []
    position = start
    # One split of the stretch: a match object per token cost as much as reading the tokens.
    pieces = _TOKEN_SPLIT.split(text[start:end])
    for k in range(1, len(pieces), 2):
        position += len(pieces[k - 1])
        token = pieces[k]
        if "-" in token and token.lower() not in _NUMBERS:
            for part in token.split("-"):
                tokens.append((position, position + len(part), part))
                position += len(part) + 1
            position -= 1
        else:
            tokens.append((position, position + len(token), token))
            position += len(token)
    return tokens


def _read_number(
    text: str, tokens: list[tuple[int, int, str]], i: int, reading: _Reading, repeat: int
) -> int:
    """Add the number said in words at token i (and the words that complete it) to the reading; the last
    token used. Written digits are read by `_runs_in`."""
    _, end, token = tokens[i]
    lower = token.lower()
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
        reading.digits.append(f"{value * 100 + rest:03d}")
        reading.numbers.append(value * 100 + rest)
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
    _add_said(reading, value, repeat, end)
    return i


def _add_said(reading: _Reading, value: int, repeat: int, end: int) -> None:
    """A number said in words, `repeat` times ("double four"), ending at `end`, added to the reading."""
    digits = str(value)
    reading.numbers.append(value)
    reading.digits.append(digits * repeat)
    reading.said += len(digits) * repeat
    reading.end = end


def _read_number_after_hundred(
    text: str, tokens: list[tuple[int, int, str]], i: int, reading: _Reading
) -> int:
    """ "cent douze": a hundreds word on its own is one hundred."""
    rest, last = 0, i
    if i + 1 < len(tokens) and _joined(text, tokens[i], tokens[i + 1]):
        following = _value(tokens[i + 1][2])
        if following is not None and following >= 10:
            rest, last = following, i + 1
    reading.digits.append(f"{100 + rest:03d}")
    reading.numbers.append(100 + rest)
    reading.said += 3
    reading.end = tokens[last][1]
    return last


def _joined(text: str, left: tuple[int, int, str], right: tuple[int, int, str]) -> bool:
    """Two tokens with only a space or hyphen between them: parts of one number."""
    return text[left[1] : right[0]] in (" ", "-")


def _closed(reading: _Reading, min_said: int) -> list[NumberRun]:
    """The reading as a run of two digits or more, if it said at least `min_said` digits in words (most
    stretches of dense text do not, and are not built)."""
    if reading.said < min_said:
        return []
    digits = "".join(reading.digits)
    if len(digits) < 2:
        return []
    letters = "".join(reading.letters)
    return [
        NumberRun(
            reading.start,
            reading.end,
            digits,
            reading.said,
            plus=reading.plus,
            letters=letters,
            numbers=tuple(reading.numbers),
        )
    ]


# -- names people give when they speak

# Words that open an introduction. `strong`: what follows is a name even in lower case ("my name is",
# "moi c'est", "ich bin der"); `weak`: often a name but also "I'm happy", "je suis infirmière", so a
# lower-case name needs a greeting before it; `presenting`: "this is", "ici", "čia", a capitalised name
# that is a whole name or ends the phrase; `kin` and `title`: "my wife", "Herr", followed by a name.
_STRONG = (
    r"my\sname\sis|my\sname's|jeg\sheter|mitt\snavn\ser|navnet\smitt\ser|je\sm'appelle"
    r"|moi\sc'est|moi\sje\ssuis|mon\snom\sest|je\sme\sprésente,?|ich\sheiße|ich\sheisse|ich\sheiß"
    r"|mein\sname\sist|ich\sbin\sder|ich\sbin\sdie|mano\svardas(?:\syra)?|vadinuosi|mane\svadina"
)
_WEAK = r"i'm|i\sam|je\ssuis|ich\sbin|jeg\ser|aš\sesu|aš"
_PRESENTING = (
    r"this\sis|it's\sme,|it's|you're\sspeaking\sto|you're\sspeaking\swith|you're\sthrough\sto"
    r"|c'est\smoi,|c'est|ici|vous\sparlez\sà|hier\sist|hier\sspricht|am\sapparat\sist|sie\ssprechen\smit"
    r"|dette\ser|det\ser\smeg,|det\ser|du\ssnakker\smed|čia|kalba|tai\saš,|jūs\skalbate\ssu"
)
_KIN = (
    r"my\s(?:wife|husband|partner|son|daughter|mum|mom|mother|dad|father|brother|sister|brother-in-law"
    r"|sister-in-law|colleague|friend|neighbour|neighbor|boss|boyfriend|girlfriend|cousin|uncle|aunt"
    r"|grandma|grandmother|grandad|grandfather|nan|flatmate|landlord|landlady)"
    r"|ma\s(?:femme|fille|mère|sœur|soeur|belle-sœur|belle-mère|collègue|voisine|copine|amie|cousine|tante"
    r"|grand-mère)|mon\s(?:mari|fils|père|frère|beau-frère|beau-père|collègue|voisin|copain|ami|cousin|oncle"
    r"|grand-père|compagnon)|ma\scompagne"
    r"|meine\s(?:frau|tochter|mutter|schwester|schwägerin|kollegin|nachbarin|freundin|partnerin|tante"
    r"|oma|cousine)|mein\s(?:mann|sohn|vater|bruder|schwager|kollege|nachbar|freund|partner|onkel|opa"
    r"|cousin)"
    r"|kona\smi|kona\smin|mannen\smin|sønnen\smin|datteren\smin|dattera\smi|mora\smi|moren\smin|mor\smin"
    r"|faren\smin|far\smin|broren\smin|bror\smin|søstera\smi|søsteren\smin|søster\smin|svogeren\smin"
    r"|svigerinnen\smin|kollegaen\smin|kollegen\smin|naboen\smin|kjæresten\smin|samboeren\smin"
    r"|min\s(?:kone|mann|sønn|datter|mor|far|bror|søster|svoger|kollega|nabo|kjæreste|samboer)"
    r"|mano\s(?:žmona|vyras|sūnus|dukra|duktė|mama|motina|tėtis|tėvas|brolis|sesuo|sesė|kolega|kolegė"
    r"|kaimynas|kaimynė|draugas|draugė|močiutė|senelis)|mama|tėtis"
)
_TITLE = (
    r"mr\.?|mrs\.?|ms\.?|miss|mx\.?|dr\.?|monsieur|madame|mademoiselle|mme\.?|herr|herrn|frau"
    r"|fru|ponas|pono|ponui|poną|ponu|ponia|ponios|poniai|ponią|ponios"
)
# A title is no name ("Herr Dr Weber": the name is "Weber"), as "Mr" and "Mrs" are none.
_TITLES = frozenset(title.removesuffix(r"\.?") for title in _TITLE.split("|"))
NAME_CUES = "|".join([_STRONG, _WEAK, _PRESENTING, _KIN, _TITLE])
_CUE_KINDS = {"strong": _STRONG, "presenting": _PRESENTING, "weak": _WEAK, "kin": _KIN, "title": _TITLE}


def alternatives(alternation: str) -> list[str]:
    """The top-level alternatives of a pattern ("my\\s(?:wife|son)|mama" → "my\\s(?:wife|son)", "mama")."""
    found, depth, current = [], 0, ""
    for char in alternation:
        depth += char == "("
        depth -= char == ")"
        if char == "|" and depth == 0:
            found.append(current)
            current = ""
        else:
            current += char
    return [*found, current]


def _cue_pattern(first: str | None) -> re.Pattern[str]:
    """The cue words (or those that start with the letter `first`), each kind a named group."""
    groups = []
    for kind, words in _CUE_KINDS.items():
        kept = [w for w in alternatives(words) if first is None or w[0].lower() == first]
        if kept:
            groups.append(f"(?P<{kind}>{'|'.join(kept)})")
    return re.compile(rf"(?i:\b(?:{'|'.join(groups)}))(?![\w'])[,:]?")


_CUE = _cue_pattern(None)
# The cues by their first letter: Python's engine tries every alternative of a pattern in turn, and the
# cues are hundreds. A character whose lower case is no such letter ("ı", which the engine, ignoring case,
# reads as "i") is matched against all of them.
_CUE_BY_FIRST = {
    first: _cue_pattern(first)
    for first in {w[0].lower() for ws in _CUE_KINDS.values() for w in alternatives(ws)}
}
# Words after a name that end the name and say it was one: "Dominic here", "Thibault à l'appareil".
_AFTER_NAME = r"here|hier|her|speaking|calling|à\sl'appareil|am\sapparat|mein\sname|kalba"
NAME_AFTER_CUES = _AFTER_NAME
_AFTER_NAME_CUE = re.compile(rf"(?i:(?:{_AFTER_NAME}))(?![\w'])")
_AFTER_GREETING = re.compile(
    r"(?i:\b(?:hi|hey|hello|hiya|morning|afternoon|evening|hei|hallo|salut|bonjour|labas|sveiki|morn|moin"
    r"|servus|allô|allo))[!.]\s((?:[^\W\d_]+(?:[-'][^\W\d_]+)*\s?){1,2})$"
)
_GREETING_WORDS = (
    r"hi|hey|hello|hiya|yeah\shi|hi\sthere|hei|hallo|salut|bonjour|coucou|labas|sveiki|morn|moin"
    r"|servus|grüß\sgott|god\sdag|laba\sdiena|guten\stag|allô|allo"
)
_GREETING = re.compile(rf"(?i:\b(?:{_GREETING_WORDS})\b)[\s,!.]{{0,3}}$")
# A greeting ends where the cue starts (or before a line break there), so it starts no further back than its
# longest form, three signs and that line break: the engine need not try it anywhere before.
_GREETING_REACH = max(len(word.replace(r"\s", " ")) for word in alternatives(_GREETING_WORDS)) + 4
_NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_PARTICLES = frozenset(
    ["van", "von", "de", "der", "den", "da", "du", "le", "la", "di", "del", "af", "zu", "ten"]
)
# Adverbs people drop between an introduction and the name ("ich heiß übrigens Miriam").
_FILLERS = frozenset(
    ["actually", "übrigens", "eigentlich", "forresten", "egentlig", "faktisk", "d'ailleurs", "beje", "tai"]
)
# Lower-case words that follow an introduction and are no name.
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "not",
        "so",
        "just",
        "also",
        "still",
        "really",
        "very",
        "here",
        "there",
        # "Down here, a Veteran's caregiver …": where, not who, before a cue such as "here".
        "down",
        "up",
        "out",
        "over",
        "back",
        "around",
        "right",
        "everyone",
        "everybody",
        "people",
        "from",
        "in",
        "at",
        "on",
        "with",
        "and",
        "but",
        "or",
        "it",
        "this",
        "that",
        "going",
        "calling",
        "speaking",
        "glad",
        "happy",
        "sorry",
        "sure",
        "fine",
        "good",
        "okay",
        "ok",
        "done",
        "tired",
        "busy",
        "afraid",
        "retired",
        "un",
        "une",
        "le",
        "la",
        "les",
        "de",
        "du",
        "des",
        "pas",
        "très",
        "vraiment",
        "aussi",
        "ici",
        "en",
        "et",
        "ein",
        "eine",
        "der",
        "die",
        "das",
        "nicht",
        "so",
        "sehr",
        "auch",
        "hier",
        "aus",
        "von",
        "und",
        "echt",
        "noch",
        "en",
        "et",
        "ei",
        "ikke",
        "så",
        "veldig",
        "også",
        "her",
        "fra",
        "og",
        "i",
        "på",
        "ne",
        "labai",
        "čia",
        "iš",
        "ir",
        "tik",
        "dar",
        "jau",
        "pareil",
        "pareille",
        "différent",
        "bon",
        "bien",
        "mieux",
        "pire",
        "tout",
        "rien",
        "comme",
        "ça",
        # Possessives ("my wife My sister…", "my husband His brother…"); not "Hans", "Jo" or "Min", which
        # are also first names.
        "my",
        "your",
        "his",
        "our",
        "their",
        "its",
        "mon",
        "ma",
        "mes",
        "ton",
        "ta",
        "son",
        "sa",
        "ses",
        "notre",
        "votre",
        "leur",
        "mein",
        "meine",
        "meinen",
        "meinem",
        "meiner",
        "dein",
        "deine",
        "sein",
        "seine",
        "ihr",
        "ihre",
        "unser",
        "unsere",
        "mitt",
        "mine",
        "din",
        "sin",
        "hennes",
        "vår",
        "vårt",
        "deres",
        "mano",
        "tavo",
        "jos",
        "mūsų",
        "jūsų",
        "jų",
    ]
)
NATIONALITIES = frozenset(
    [
        "english",
        "british",
        "american",
        "norwegian",
        "lithuanian",
        "german",
        "french",
        "irish",
        "scottish",
        "welsh",
        "canadian",
        "australian",
        "dutch",
        "polish",
        "swedish",
        "danish",
        "italian",
        "spanish",
        "european",
        "norsk",
        "lietuvis",
        "lietuvė",
        "français",
        "française",
        "deutsch",
        "deutscher",
        "deutsche",
    ]
)
_NOT_CAPITALISED_NAMES = frozenset(
    [
        "I",
        "Then",
        "Now",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Meinung",
        "Ansicht",
        "Auffassung",
        "Überzeugung",
    ]
)


def names_said(text: str, cue_starts: list[int], after_cue_starts: list[int]) -> list[tuple[int, int]]:
    """Names introduced or mentioned in speech. `cue_starts`: where a word of `NAME_CUES` may start;
    `after_cue_starts`: where one of `NAME_AFTER_CUES` may start."""
    found = []
    runs = _WordRuns(text)
    for position in cue_starts:
        cue = _CUE_BY_FIRST.get(text[position : position + 1].lower(), _CUE).match(text, position)
        if cue is not None:
            span = _name_after(text, cue, runs)
            if span is not None:
                found.append(span)
    for position in after_cue_starts:
        span = _name_before(text, position)
        if span is not None:
            found.append(span)
    return found


# Up to 64 words separated by single spaces, read in one match (a word is read as `_NAME_WORD` reads it).
_RUN_WORDS = 64
_NAME_WORD_RUN = re.compile(
    rf"[^\W\d_]+(?:[-'][^\W\d_]+)*(?:[ ][^\W\d_]+(?:[-'][^\W\d_]+)*){{0,{_RUN_WORDS - 1}}}"
)


class _WordRuns:
    """The words separated by single spaces in a text, each run read once: the cues of a run ("Dr Dr Dr…",
    "my wife my wife…") read the words after them from the run the first one read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.runs: dict[int, tuple[list[tuple[int, int, str]], int]] = {}  # word start → its run, index

    def words_from(self, position: int, most: int) -> list[tuple[int, int, str]]:
        """Up to `most` words separated by single spaces from `position`, particles not counted."""
        known = self.runs.get(position)
        run, i = known if known is not None else (self._read(position), 0)
        words: list[tuple[int, int, str]] = []
        counted = 0
        for k in range(i, len(run)):
            word = run[k]
            words.append(word)
            counted += word[2].lower() not in _PARTICLES
            if counted >= most:
                return words
        # Fewer than `most` words counted: the run ended, or it held as many words as one match reads.
        end = run[-1][1] if run else position
        if len(run) < _RUN_WORDS or self.text[end : end + 1] != " ":
            return words
        return words + self.words_from(end + 1, most - counted)

    def _read(self, position: int) -> list[tuple[int, int, str]]:
        match = _NAME_WORD_RUN.match(self.text, position)
        if match is None:
            return []
        run: list[tuple[int, int, str]] = []
        start = position
        for word in match.group().split(" "):
            self.runs[start] = (run, len(run))
            run.append((start, start + len(word), word))
            start += len(word) + 1
        return run


# What may follow a name and close the phrase, read in the next `_PHRASE_REACH` characters.
_PHRASE_END = re.compile(
    rf"\s*(?:[,.!?;:)]|$|(?i:by\sthe\sway|here\b|from\b)|(?i:(?:{_AFTER_NAME}))(?![\w']))"
)
_PHRASE_REACH = 30


def _ends_phrase(text: str, end: int) -> bool:
    """The name is followed by punctuation, the end, or a word that closes an introduction."""
    return _PHRASE_END.match(text, end, end + _PHRASE_REACH) is not None


def _capitalised(words: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The leading capitalised words (particles between them kept), at most three."""
    taken: list[tuple[int, int, str]] = []
    for word in words:
        if (word[2][0].isupper() and not _not_a_name(word[2])) or (taken and word[2].lower() in _PARTICLES):
            taken.append(word)
        else:
            break
    while taken and not taken[-1][2][0].isupper():
        taken.pop()
    return taken[:4]


_BY_THE_WAY = re.compile(r"(?i:,?\s(?:by\sthe\sway|btw|übrigens|forresten|d'ailleurs|au\sfait|beje))\b")
# A French demonym after "je suis" ("Je suis Lyonnais"), unless a surname follows.
DEMONYM = re.compile(r"[^\W\d_]+(?:ais|aise|ienne|oise|ain|aine)")


@lru_cache(maxsize=4096)
def _not_a_name(word: str) -> bool:
    """A capitalised word that is no name: "I'm", "It's", a weekday, a month, a nationality."""
    head = word.split("'")[0]
    lower = head.lower()
    return head in _NOT_CAPITALISED_NAMES or lower in _NOT_NAMES or lower in NATIONALITIES or lower in _TITLES


def _name_after(text: str, cue: re.Match[str], runs: _WordRuns) -> tuple[int, int] | None:
    kind = cue.lastgroup
    position = cue.end()
    while text[position : position + 1] == " ":
        position += 1
    first = _NAME_WORD.match(text, position)
    if first is None or _no_name_starts(first.group(), kind):
        return None
    # Adverbs before the name ("ich heiß übrigens Miriam"): the name is looked for in four words after the
    # cue, and they count among them.
    fillers = 0
    while first.group().lower() in _FILLERS:
        fillers += 1
        end = first.end()
        following = _NAME_WORD.match(text, end + 1) if fillers < 4 and text[end : end + 1] == " " else None
        if following is None:
            return None
        first = following
    if first.group()[0].islower():
        # The second word is among the four unless three adverbs took their places (a particle is not counted).
        second_read = fillers <= 2 or first.group().lower() in _PARTICLES
        return _lower_case_name(text, cue, first, second_read=second_read)
    names = _capitalised(runs.words_from(first.start(), 4 - fillers))
    if kind in ("kin", "title"):
        return (names[0][0], names[-1][1]) if names else None
    if names:
        whole = len([w for w in names if w[2][0].isupper()]) >= 2
        if not whole and cue.group().lower().startswith("je") and DEMONYM.fullmatch(names[0][2]):
            return None
        if kind == "strong" or whole or _ends_phrase(text, names[-1][1]):
            if kind == "weak" and not whole and cue.group().lower().startswith("ich"):
                return None  # German nouns are capitalised: "Ich bin Lehrerin, …"
            return names[0][0], names[-1][1]
    return None


def _lower_case_name(
    text: str, cue: re.Match[str], first: re.Match[str], *, second_read: bool
) -> tuple[int, int] | None:
    """One or two lower-case words after an introduction (`first` the first of them; the second only when
    `second_read`) that end the phrase, as speech-to-text writes a name. Most cues are followed by ordinary
    words, so the cheap checks come first."""
    kind = cue.lastgroup
    if kind not in ("strong", "weak") or len(first.group()) < 3:
        return None
    end = first.end()
    second = _NAME_WORD.match(text, end + 1) if second_read and text[end : end + 1] == " " else None
    if not _ends_phrase(text, first.end()) and (second is None or not _ends_phrase(text, second.end())):
        return None
    # After "I'm" ("hey, i'm blind.") one word may be anything: a greeting and a whole name, or a closing
    # "by the way", are needed.
    fewest = 1
    if kind == "weak":
        greeted = _GREETING.search(text, max(0, cue.start() - _GREETING_REACH), cue.start()) is not None
        fewest = 2 if greeted else 3
    for count, word in enumerate((first, second), start=1):
        if word is None:
            break
        said = word.group()
        common = said.lower() in _NOT_NAMES or said.lower().endswith("ly")
        if common or len(said) < 3 or not said.isalpha() or not said[0].islower():
            break
        # "i'm harriet by the way": the closing phrase says it was an introduction.
        closed = _BY_THE_WAY.match(text, word.end()) is not None
        if (count >= fewest or closed) and _ends_phrase(text, word.end()):
            return first.start(), word.end()
    return None


def _no_name_starts(word: str, kind: str | None) -> bool:
    """What `_name_after` finds when the first word after the cue already rules a name out ("I'm I'm…",
    "my wife and…"), known before the words after it are read: most cues are followed by no name."""
    lower = word.lower()
    if lower in _FILLERS:
        return False
    if word[0].isupper():
        return _not_a_name(word)
    # A lower-case name follows only an introduction, as a word of three letters or more.
    return (
        kind in ("kin", "title", "presenting")
        or not word[0].islower()
        or len(word) < 3
        or not word.isalpha()
        or lower in _NOT_NAMES
        or lower.endswith("ly")
    )


_NAME_OPENS_PHRASE = re.compile(r"(?:^|[,;:]\s|\n)((?:[^\W\d_]+(?:[-'][^\W\d_]+)*\s?){1,2})$")


def _name_before(text: str, cue_start: int) -> tuple[int, int] | None:
    """ "Dominic here," "Thibault à l'appareil": one or two capitalised words right before the cue, at the
    start of a phrase."""
    cue = _AFTER_NAME_CUE.match(text, cue_start)
    if cue is None or text[cue_start - 1 : cue_start] != " ":
        return None
    # "Seidl mein Name" says it is a name; "here" and "speaking" must close the phrase ("Dominic here,"
    # but not "Generally speaking they…").
    before = text[max(0, cue_start - 60) : cue_start - 1]
    # The word right before the cue is the name's last: most cues follow no capitalised word.
    last = before.rsplit(None, 1)[-1] if before and not before.isspace() else ""
    if not last[:1].isupper() or _not_a_name(last):
        return None
    closing = cue.group().lower() not in ("à l'appareil", "am apparat", "mein name")
    if closing and not _ends_phrase(text, cue.end()):
        return None
    # The name opens the turn or follows a comma ("Hiya, Dominic here"), not a full stop ("Start. Video here").
    match = _NAME_OPENS_PHRASE.search(before)
    if match is None and ("!" in before or "." in before):  # "Morning! Siobhan speaking."
        match = _AFTER_GREETING.search(before)
    if match is None:
        return None
    words = match.group(1).split()
    if not all(w[0].isupper() and not _not_a_name(w) for w in words):
        return None
    end = cue_start - 1
    return end - len(match.group(1).rstrip()), end


# -- dates as people say them ("the twenty-third of March", "fünfzehnten August", "kovo penkioliktą")

_BASE = sorted(
    {*_UNITS, *_TEENS, *_TENS, *_HUNDRED}
    | {"thousand", "mille", "tausend", "tusen", "tūkstantis", "tūkstančiai", "and", "og", "und", "et"},
    key=len,
    reverse=True,
)
_BASE_WORD = "|".join(re.escape(word) for word in _BASE if len(word) > 1)
# One spoken number, said as one word or several joined ones ("nittensyttiåtte",
# "neunzehnhundertachtundsiebzig", "quatre-vingt-dix"), and a Lithuanian ordinal year ("septintais").
_NUMBER_WORD = (
    rf"(?:(?:{_BASE_WORD})(?:-?(?:{_BASE_WORD})){{0,5}}"
    r"|(?:pirm|antr|treči|ketvirt|penkt|šešt|septint|aštunt|devint|dešimt)(?:ais|aisiais))"
)
SPOKEN_YEAR = rf"(?:{_NUMBER_WORD})(?:[ ](?:{_NUMBER_WORD})){{0,5}}"
_ENGLISH_ORDINALS = (
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
    r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth"
)
SPOKEN_DAY = (
    rf"(?:(?:twenty|thirty)[- ])?(?:{_ENGLISH_ORDINALS})"
    r"|premier|1er"
    r"|(?:(?:ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun)und)?(?:zwanzig|dreißig)st(?:e|en|er|em)"
    r"|(?:erst|zweit|dritt|viert|fünft|sechst|siebt|acht|neunt|zehnt|elft|zwölft|dreizehnt|vierzehnt"
    r"|fünfzehnt|sechzehnt|siebzehnt|achtzehnt|neunzehnt)(?:e|en|er|em)"
    r"|(?:tjue|tretti)?(?:første|andre|tredje|fjerde|femte|sjette|sjuende|syvende|åttende|niende)"
    r"|tiende|ellevte|tolvte|trettende|fjortende|femtende|sekstende|syttende|attende|nittende|tjuende"
    r"|trettiende"
    r"|(?:(?:dvidešimt|trisdešimt)[ ])?(?:pirm|antr|treči|ketvirt|penkt|šešt|septint|aštunt|devint"
    r"|dešimt|vienuolikt|dvylikt|trylikt|keturiolikt|penkiolikt|šešiolikt|septyniolikt|aštuoniolikt"
    r"|devyniolikt|dvidešimt|trisdešimt)(?:ą|a|oji|ąją|os)"
    # French says the day as a number: "le douze février", "le vingt-huit avril".
    r"|(?:vingt|trente)(?:-et-un|[- ]et[- ]un|-(?:deux|trois|quatre|cinq|six|sept|huit|neuf))?"
    r"|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize"
    r"|dix-sept|dix-huit|dix-neuf"
)
