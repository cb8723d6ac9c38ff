"""Replace personal data with placeholders before any model sees the text, and map offsets back.

Detection is deliberately conservative: regular expressions plus checksums (Luhn, IBAN mod-97, the
Norwegian, Lithuanian, Dutch and French national-id check digits, from python-stdnum), shape rules for phone
numbers and a keyword in front for values that have no shape of their own ("born 12 May 1984", "passport
C01X00T47", "My name is Jane Doe"). Transcripts are speech, so values said in words count too (see
`spoken`): numbers read out ("oh seven nine double four…", "zéro six, douze…") are redacted as phone, card,
account or id numbers by the word before them, their check digits or, for eight to fifteen digits, as phone
numbers; spoken dates of birth, spelled e-mails, handles said next to a platform and addresses written in
lower case are found as well. Ordinary numbers in interviews (years, times, prices, counts, order numbers,
counting "nine, ten, eleven") stay. Patterns run over a copy of the text with fullwidth forms folded and
zero-width characters skipped, so an obfuscated value is found at its original offsets. Each replaced value
is a `RedactedSpan`, which lets a quote found in the redacted text be mapped to the original text and back.

Names are redacted after an introduction ("My name is …", "This is … calling", "… here", "moi c'est …",
"ich bin die …", a lower-case name after a greeting), after a kinship word or title ("my wife …", "Herr …",
"ponia …"), and wherever an introduced name recurs in the transcript. Other names stay: telling a name from
a product, town or brand needs more than a pattern.

Every pattern has a bounded length and one reading of any stretch, and runs only near what its values must
hold (a digit, an "@", a keyword found by one RE2 pass over the text), so time grows linearly with the text.
"""

from __future__ import annotations

import gc
import ipaddress
import re
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import accumulate, pairwise
from operator import itemgetter, sub
from typing import Any, NamedTuple

from stdnum import iban, numdb
from stdnum.fr import nir
from stdnum.lt import asmens
from stdnum.nl import bsn
from stdnum.no import fodselsnummer, kontonr

from cjgen.schema import Brief, Segment, Transcript
from cjgen.spoken import (
    DEMONYM,
    NAME_AFTER_CUES,
    NAME_CUES,
    NATIONALITIES,
    SPOKEN_DAY,
    SPOKEN_YEAR,
    alternatives,
    match_starts,
    names_said,
    number_runs,
    superset_pattern,
    word_pattern,
    words_at,
)

PLACEHOLDERS: dict[str, str] = {
    "url": "[URL]",
    "email": "[EMAIL]",
    "card": "[CARD]",
    "national_id": "[NATIONAL_ID]",
    "account": "[ACCOUNT]",
    "id_document": "[ID_DOCUMENT]",
    "date_of_birth": "[DATE_OF_BIRTH]",
    "street_address": "[ADDRESS]",
    "phone": "[PHONE]",
    "ip_address": "[IP_ADDRESS]",
    "handle": "[HANDLE]",
    "name": "[NAME]",
}
# Where two findings overlap, the earlier kind in PLACEHOLDERS wins: the more specific pattern.
_PRIORITY = {kind: rank for rank, kind in enumerate(PLACEHOLDERS)}


# --------------------------------------------------------------------------------------------- results


class RedactedSpan(NamedTuple):
    """One replaced value: `start`/`end` in the original text, `new_start`/`new_end` in the redacted text.

    A named tuple rather than a frozen dataclass: a long text can hold hundreds of thousands, and a tuple
    costs a fraction of the time to make."""

    kind: str
    start: int
    end: int
    new_start: int
    new_end: int


@dataclass(frozen=True)
class RedactedText:
    text: str
    spans: tuple[RedactedSpan, ...] = ()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the redacted text to the original; touching a placeholder covers its whole value."""
        _check_span(start, end, len(self.text))
        return _map(self.spans, self._redacted_ends, start, end, redacted_side=True)

    def to_redacted(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the original text to the redacted text; touching a value covers its placeholder."""
        last = self.spans[-1] if self.spans else None
        original_length = len(self.text) + (last.end - last.new_end if last else 0)
        _check_span(start, end, original_length)
        return _map(self.spans, self._original_ends, start, end, redacted_side=False)

    # Where each span ends on either side, for a binary search: a transcript maps every segment.
    @cached_property
    def _original_ends(self) -> list[int]:
        return [span.end for span in self.spans]

    @cached_property
    def _redacted_ends(self) -> list[int]:
        return [span.new_end for span in self.spans]

    def counts(self) -> dict[str, int]:
        return dict(Counter(span.kind for span in self.spans))


@dataclass(frozen=True)
class RedactedTranscript:
    """A transcript as the model sees it, with its original; `turns` holds the turns that changed."""

    original: Transcript
    redacted: Transcript
    turns: dict[int, RedactedText] = field(default_factory=dict)

    def to_original(self, turn_index: int, start: int, end: int) -> tuple[int, int]:
        redacted = self.turns.get(turn_index)
        return redacted.to_original(start, end) if redacted else (start, end)

    def to_redacted(self, turn_index: int, start: int, end: int) -> tuple[int, int]:
        redacted = self.turns.get(turn_index)
        return redacted.to_redacted(start, end) if redacted else (start, end)

    def counts(self) -> dict[str, int]:
        return report_for(self.turns.values()).counts


@dataclass(frozen=True)
class RedactionReport:
    """How many values of each kind were replaced; never the values themselves."""

    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, *others: RedactionReport) -> RedactionReport:
        merged = Counter(self.counts)
        for other in others:
            merged.update(other.counts)
        return RedactionReport(dict(sorted(merged.items())))


def report_for(items: Iterable[RedactedText | RedactedTranscript]) -> RedactionReport:
    """Counts by kind over redacted texts and transcripts."""
    counts: Counter[str] = Counter()
    for item in items:
        counts.update(item.counts())
    return RedactionReport(dict(sorted(counts.items())))


# --------------------------------------------------------------------------------------------- redaction


def redact_text(text: str, names: Iterable[str] = ()) -> RedactedText:
    """Replace each personal value with its placeholder; overlapping findings keep the more specific kind.

    `names` are names already known to be personal (introduced elsewhere in the same transcript): each is
    redacted wherever it stands as a word.
    """
    with _no_cycle_collection():
        return _replace(text, _find_all(text) + _known_names(text, names))


class _CyclePause:
    """Python's cycle collector, off while any thread redacts and back as it was when the last one is done.

    Redaction makes many small tuples and no reference cycles; the collector, run every few hundred
    allocations over what is still alive, took a third of the time on a text full of findings ("Dr Dr Dr…").
    The switch is process-wide, so concurrent redactions share one pause: the first turns the collector
    off, the last restores it (a plain save-and-restore per call would leave it off when two calls overlap).
    Memory is still freed as usual; cycles made elsewhere meanwhile are collected afterwards.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._active == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0 and self._was_enabled:
                    gc.enable()


_no_cycle_collection = _CyclePause()


# A span made straight from its fields, without the named tuple's own constructor (a Python function).
_new_span = tuple.__new__


def _replace(text: str, found: list[_Finding]) -> RedactedText:
    # Each distinct finding once: a copy of one already chosen would find its span covered.
    distinct = [finding for finding in set(found) if finding[1] < finding[2]]
    by_start = sorted(distinct, key=itemgetter(1))
    if any(a[2] > b[1] for a, b in pairwise(by_start)):
        by_start = _resolve_overlaps(text, distinct)
    return _replaced(text, by_start)


def _resolve_overlaps(text: str, found: list[_Finding]) -> list[_Finding]:
    """The parts of the findings to replace, in order, where some overlap: the more specific finding first."""
    # Sorted as plain tuples, which the sort compares without calling back into Python.
    findings = sorted([(_PRIORITY[kind], start - end, start, end, kind) for kind, start, end in found])
    chosen: list[tuple[str, int, int]] = []
    covered = bytearray(len(text))
    for _, _, start, end, kind in findings:
        # What a more specific finding already covers is cut out; the rest of this one is still redacted
        # (an address whose postcode tail ran into an id number keeps its street). Each free part is trimmed
        # of spaces and punctuation, unless the finding is free as a whole.
        a = covered.find(0, start, end)
        while a != -1:
            b = covered.find(1, a, end)
            b = end if b == -1 else b
            following = b
            if a != start or b != end:
                while a < b and not text[a].isalnum():
                    a += 1
                while b > a and not text[b - 1].isalnum():
                    b -= 1
            if a < b:
                chosen.append((kind, a, b))
                covered[a:b] = b"\x01" * (b - a)
            a = covered.find(0, following, end)
    chosen.sort(key=itemgetter(1))
    return chosen


def _replaced(text: str, chosen: list[_Finding]) -> RedactedText:
    """The text with each of `chosen` (in order, none overlapping) replaced by its placeholder."""
    pieces: list[str] = []
    spans: list[RedactedSpan] = []
    position = 0
    length = 0
    for kind, start, end in chosen:
        pieces.append(text[position:start])
        length += start - position
        placeholder = PLACEHOLDERS[kind]
        spans.append(_new_span(RedactedSpan, (kind, start, end, length, length + len(placeholder))))
        pieces.append(placeholder)
        length += len(placeholder)
        position = end
    pieces.append(text[position:])
    return RedactedText("".join(pieces), tuple(spans))


def redact_transcript(t: Transcript, known: Iterable[str] = ()) -> RedactedTranscript:
    """Redact every turn; segment offsets are moved to the redacted text.

    A name someone introduced ("I'm Kari Nordmann") is also redacted where it recurs in any turn of the
    transcript, the interviewer's "Thanks, Kari" included. So is each of `known` (the name words a speaker
    label held) of three letters or more, written capitalised: in lower case such a word is more often a
    word than a name ("will", "mark").
    """
    with _no_cycle_collection():
        return _redact_turns(t, known)


def _redact_turns(t: Transcript, known: Iterable[str]) -> RedactedTranscript:
    # All turns are searched as one text (a turn costs a fixed overhead per detector, and a transcript has
    # thousands); the names found in any turn are then added to every turn.
    found = _find_in_turns([turn.text for turn in t.turns])
    introduced = {
        turn.text[s.start : s.end]
        for turn, findings in zip(t.turns, found, strict=True)
        if any(kind == "name" for kind, _, _ in findings)
        for s in _replace(turn.text, findings).spans
        if s.kind == "name"
    }
    # A name written in lower case ("i'm harriet") recurs only as the whole name it was given as.
    names = sorted(
        {part for name in introduced if name[:1].isupper() for part in _name_parts(name)}
        | {name for name in introduced if not name[:1].isupper() and " " in name}
        | {word[0].upper() + word[1:] for word in known if len(word) >= 3},
        key=len,
        reverse=True,
    )
    changed: dict[int, RedactedText] = {}
    turns = []
    for turn, findings in zip(t.turns, found, strict=True):
        redacted = _replace(turn.text, findings + _known_names(turn.text, names))
        if not redacted.spans:
            turns.append(turn)
            continue
        changed[turn.index] = redacted
        segments = tuple(
            Segment(start=a, end=b, start_s=s.start_s, end_s=s.end_s)
            for s in turn.segments
            for a, b in [redacted.to_redacted(s.start, s.end)]
        )
        turns.append(turn.model_copy(update={"text": redacted.text, "segments": segments}))
    redacted_transcript = t.model_copy(update={"turns": tuple(turns)})
    return RedactedTranscript(original=t, redacted=redacted_transcript, turns=changed)


_TURN_BREAK = "\n\n"


def _find_in_turns(texts: list[str]) -> list[list[_Finding]]:
    """The findings of each text, found in one search of them all joined by blank lines; a finding that
    runs past the end of its text is cut there."""
    joined = _TURN_BREAK.join(texts)
    starts, position = [], 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(_TURN_BREAK)
    found: list[list[_Finding]] = [[] for _ in texts]
    for kind, start, end in _find_all(joined):
        i = bisect_right(starts, start) - 1
        offset, length = starts[i], len(texts[i])
        if start - offset < length:
            found[i].append((kind, start - offset, min(end - offset, length)))
    return found


def no_redaction(t: Transcript) -> RedactedTranscript:
    """The transcript as is, for `--no-redact`."""
    return RedactedTranscript(original=t, redacted=t, turns={})


def redact_brief(b: Brief) -> tuple[Brief, RedactedText]:
    """The brief as the model sees it (same path and hash), and the mapping to its original text."""
    redacted = redact_text(b.text)
    return b.model_copy(update={"text": redacted.text}), redacted


# --------------------------------------------------------------------------------------------- offsets


def _check_span(start: int, end: int, length: int) -> None:
    if not 0 <= start <= end <= length:
        raise ValueError(f"span {start}:{end} is outside a text of {length} characters")


def _sides(span: RedactedSpan, redacted_side: bool) -> tuple[int, int, int, int]:
    """(from_start, from_end, to_start, to_end) for mapping from one side of the span to the other."""
    if redacted_side:
        return span.new_start, span.new_end, span.start, span.end
    return span.start, span.end, span.new_start, span.new_end


def _map(
    spans: tuple[RedactedSpan, ...], ends: list[int], start: int, end: int, *, redacted_side: bool
) -> tuple[int, int]:
    mapped_start = _map_start(spans, ends, start, redacted_side=redacted_side)
    return mapped_start, _map_end(spans, ends, end, redacted_side=redacted_side)


def _shift(spans: tuple[RedactedSpan, ...], i: int, redacted_side: bool) -> int:
    """How far text after span i - 1 (and before span i) moved."""
    if i == 0:
        return 0
    _, from_end, _, to_end = _sides(spans[i - 1], redacted_side)
    return to_end - from_end


def _map_start(spans: tuple[RedactedSpan, ...], ends: list[int], pos: int, *, redacted_side: bool) -> int:
    i = bisect_right(ends, pos)  # the first span that ends after pos
    if i < len(spans):
        from_start, _, to_start, _ = _sides(spans[i], redacted_side)
        if pos >= from_start:
            return to_start
    return pos + _shift(spans, i, redacted_side)


def _map_end(spans: tuple[RedactedSpan, ...], ends: list[int], pos: int, *, redacted_side: bool) -> int:
    i = bisect_left(ends, pos)  # the first span that ends at or after pos
    if i < len(spans):
        from_start, _, _, to_end = _sides(spans[i], redacted_side)
        if pos > from_start:
            return to_end
    return pos + _shift(spans, i, redacted_side)


# --------------------------------------------------------------------------------------------- detectors

_Finding = tuple[str, int, int]
_Detector = Callable[[str], list[_Finding]]

# Digits that are not part of a longer number, word, decimal or time. The check on what comes before
# follows the first character, so a pattern starts with a character class the engine can skip to.
_NUM_START = r"(?<![\w+.,:/-].)"
_NUM_AFTER = r"(?![\w]|[.,:/-]\d)"
# Zero-width characters hide a value from a pattern; they are read as absent (see `_fold`).
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_ZERO_WIDTH_CHAR = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


_FOLDED: dict[str, str] = {"’": "'", "‘": "'"}


def _fold_char(match: re.Match[str]) -> str:
    char = match.group()
    folded = _FOLDED.get(char)
    if folded is None:
        folded = unicodedata.normalize("NFKC", char)
        folded = _FOLDED[char] = folded if len(folded) == 1 else char
    return folded


def _fold(text: str) -> str:
    """Fullwidth and other compatibility forms (NFKC) and typographic apostrophes folded one character at a
    time, so a finding in the folded text has the same offsets in the original."""
    if text.isascii():
        return text
    return _NON_ASCII.sub(_fold_char, text)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _name_parts(name: str) -> list[str]:
    """A name and its capitalised parts of three letters or more ("Kari Nordmann", "Kari", "Nordmann")."""
    parts = [p for p in name.split() if len(p) >= 3 and p[0].isupper()]
    return [name, *parts]


def _known_names(text: str, names: Iterable[str]) -> list[_Finding]:
    wanted = [re.escape(n) for n in names if n]
    if not wanted:
        return []
    # The names lead the pattern so the engine skips to their first letters; the word boundary in front
    # is checked afterwards.
    pattern = re.compile(rf"(?:{'|'.join(wanted)})(?![\w])")
    return [
        ("name", m.start(), m.end())
        for m in pattern.finditer(text)
        if m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_'")
    ]


def _find_all(text: str) -> list[_Finding]:
    folded = _fold(text)
    found = [finding for detect in _DETECTORS for finding in detect(folded)]
    if _ZERO_WIDTH_CHAR.search(text):
        found += _findings_without_zero_width(folded)
    return found


def _findings_without_zero_width(text: str) -> list[_Finding]:
    """Run the detectors with zero-width characters removed and map what they find back."""
    kept = [i for i, char in enumerate(text) if char not in _ZERO_WIDTH]
    stripped = "".join(text[i] for i in kept)
    return [
        (kind, kept[start], kept[end - 1] + 1)
        for detect in _DETECTORS
        for kind, start, end in detect(stripped)
        if end > start
    ]


# Where a detector looks. A pattern tried at every position of a long text costs time at every position,
# and one whose repeats can overlap costs more each time a repeat is added. So every pattern here has a
# bounded length and no two ways to read one stretch, and each runs only in windows around what its
# values must hold: a digit (patterns that start with one let the engine skip to it), an "@" or ":", or
# one of its keywords, found by one pass over the words of the text. Time grows linearly with the text.

_Window = tuple[int, int]
_Near = Callable[[str], list[_Window]]
# The offsets, in order, where a pattern can start (a superset, found by a cheaper pattern).
_Starts = Callable[[str], list[int]]
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_KEYWORD_START = re.compile(r"(?:[^\W\d_]|'|-|\\s|\\\.)+")
# The literal starts (lower case) of every keyword a word-triggered detector looks for.
_TRIGGERS: dict[str, set[int]] = {}


def _merge(spans: Iterable[tuple[int, int]], before: int, after: int, length: int) -> list[_Window]:
    windows: list[_Window] = []
    for a, b in spans:
        lo, hi = max(0, a - before), min(length, b + after)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
        else:
            windows.append((lo, hi))
    return windows


@lru_cache(maxsize=4)
def _word_index(text: str) -> dict[int, list[int]]:
    """Where a word starts that begins a keyword of each registered group, in order: one pass of a
    linear-time engine for all keywords."""
    pattern, covers = _trigger_pattern()
    index: dict[int, list[int]] = {}
    for word, starts in words_at(pattern, text).items():
        for group in covers[word]:
            index.setdefault(group, []).extend(starts)
    for starts in index.values():
        starts.sort()
    return index


@lru_cache(maxsize=1)
def _trigger_pattern() -> tuple[Any, dict[str, set[int]]]:
    """All keyword prefixes in one pattern (built once every detector has registered its own), and for
    each the groups of it and of the shorter prefixes it starts with ("my name is" starts with "my ")."""
    prefixes = sorted(_TRIGGERS)
    covers = {word: {g for p in prefixes if word.startswith(p) for g in _TRIGGERS[p]} for word in prefixes}
    return word_pattern(prefixes), covers


@lru_cache(maxsize=8)
def _digit_windows(text: str, before: int, after: int) -> list[_Window]:
    """`_merge` of the digit runs: runs no more than `before + after` apart share a window, so one match
    of the engine finds each window."""
    groups = re.compile(rf"\d+(?:\D{{1,{before + after}}}\d+)*" if before + after else r"\d+")
    length = len(text)
    return [(max(0, m.start() - before), min(length, m.end() + after)) for m in groups.finditer(text)]


def _keyword_prefixes(alternation: str) -> list[str]:
    """The literal start of each top-level alternative of a keyword pattern ("account\\s(?:…)" → "account")."""
    prefixes = []
    for alternative in alternatives(alternation):
        match = _KEYWORD_START.match(alternative.lower())
        if match is None or not match.group()[0].isalpha():
            raise ValueError(f"keyword {alternative!r} does not start with a letter")
        literal = match.group()
        # A character the pattern makes optional ("née?") is not part of the literal start.
        if alternative[match.end() : match.end() + 1] in ("?", "*", "{"):
            literal = literal[:-1] if not literal.endswith(("\\s", "\\.")) else literal[:-2]
        prefixes.append(literal.replace("\\s", " ").replace("\\.", "."))
    return prefixes


def _word_starts(keywords: str) -> Callable[[str], list[int]]:
    """Where a word starts that may begin one of `keywords` (the keyword pattern still has to match)."""
    group = len({g for groups in _TRIGGERS.values() for g in groups})
    for prefix in _keyword_prefixes(keywords):
        _TRIGGERS.setdefault(prefix, set()).add(group)

    def starts(text: str) -> list[int]:
        return _word_index(text).get(group, [])

    return starts


def _near_words(keywords: str, before: int, after: int) -> _Near:
    """Windows around the words that start one of `keywords`."""
    starts = _word_starts(keywords)
    return lambda text: _merge(((p, p) for p in starts(text)), before, after, len(text))


def _near_digits(before: int, after: int) -> _Near:
    return lambda text: _digit_windows(text, before, after)


def _near_chars(chars: str, before: int, after: int) -> _Near:
    """`_merge` of the windows around each of `chars`: signs no more than `before + after` apart share a
    window, so one match of the engine finds each window, not one per sign."""
    sign, other = re.escape(chars), f"[^{re.escape(chars)}]"
    pattern = re.compile(f"[{sign}](?:{other}{{0,{before + after}}}[{sign}])*")

    def windows(text: str) -> list[_Window]:
        length = len(text)
        return [(max(0, m.start() - before), min(length, m.end() + after)) for m in pattern.finditer(text)]

    return windows


def _everywhere(text: str) -> list[_Window]:
    return [(0, len(text))]


def _matches(
    pattern: re.Pattern[str],
    text: str,
    windows: list[_Window],
    overlapping: bool,
    reach: int,
    starts: re.Pattern[str] | None = None,
    at: _Starts | None = None,
) -> Iterable[re.Match[str]]:
    """Matches of `pattern` that start inside a window and end at most `reach` characters past it (the
    text is searched a little further still, so a lookahead sees what really follows). `overlapping`
    tries every start, so a number that fails its check cannot hide the next one ("07700900123 4111 1111
    1111 1111": the run starting with the phone number is no card). Given `starts`, a cheap pattern for
    where a match can begin, the pattern is tried only there; given `at`, only at the offsets it finds
    (and, with `starts` too, only where both allow)."""
    after = 0  # without `overlapping`, a match never starts inside the one before, in any window
    offsets = at(text) if at is not None and windows else []
    anchored = pattern if at is None or starts is None else _at_starts(pattern, starts)
    for lo, hi in windows:
        lo = max(lo, after) if not overlapping else lo
        if lo >= hi:
            continue
        end = min(len(text), hi + reach + 8)
        if at is not None:
            i = bisect_left(offsets, lo)
            while i < len(offsets) and offsets[i] < hi:
                match = anchored.match(text, offsets[i], end)
                if match is None:
                    i += 1
                    continue
                yield match
                after = match.start() + 1 if overlapping else max(match.end(), match.start() + 1)
                i = bisect_left(offsets, after, i)
            continue
        if starts is not None:
            # One search for the pattern where `starts` matches, rather than a match tried at each start.
            combined = _at_starts(pattern, starts)
            position = lo
            while (match := combined.search(text, position, end)) is not None and match.start() < hi:
                yield match
                position = after = match.start() + 1 if overlapping else max(match.end(), match.start() + 1)
            continue
        position = lo
        while position < hi:
            # A narrow window (a keyword's first letter) is tried where it is, not searched onwards.
            match = (
                pattern.match(text, position, end) if hi - lo <= 16 else pattern.search(text, position, end)
            )
            if match is None and hi - lo <= 16:
                position += 1
                continue
            if match is None or match.start() >= hi:
                break
            yield match
            position = match.start() + 1 if overlapping else max(match.end(), match.start() + 1)
            after = position


@lru_cache(maxsize=16)
def _at_starts(pattern: re.Pattern[str], starts: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern`, matching only where `starts` matches (read with its own flags)."""
    return re.compile(f"(?=(?-x:{starts.pattern}))(?:{pattern.pattern})", pattern.flags)


def _pattern(
    kind: str,
    pattern: re.Pattern[str],
    accept: Callable[[str], bool] | None = None,
    *,
    near: _Near = _everywhere,
    reach: int = 0,
    overlapping: bool = False,
    starts: re.Pattern[str] | None = None,
    at: _Starts | None = None,
) -> _Detector:
    """Every match of `pattern` (its group `v` if it has one) near what `near` finds that `accept` takes."""
    group = "v" if "v" in pattern.groupindex else 0
    if starts is not None:
        _at_starts(pattern, starts)  # compiled now, not on the first text

    def find(text: str) -> list[_Finding]:
        return [
            (kind, m.start(group), m.end(group))
            for m in _matches(pattern, text, near(text), overlapping, reach, starts, at)
            if accept is None or accept(m.group(group))
        ]

    return find


def _after_keyword(
    kind: str, keywords: str, value: str, accept: Callable[[str], bool], at: _Starts | None = None
) -> _Detector:
    """A value shortly after a word that says what it is ("my phone number is …", "født …"): the first value
    that starts within 30 characters of the keyword, with no digit or line break between. Given `at`, the
    value is tried only at the offsets it finds."""
    keyword = re.compile(rf"(?i:\b(?:{keywords}))(?!\w)", re.VERBOSE)
    found_value = re.compile(rf"(?<![\w])(?P<v>{value})", re.VERBOSE)
    starts = _word_starts(keywords)

    def find(text: str) -> list[_Finding]:
        found = []
        # Keywords come in order, so the first value after one is reused for the next keyword while it
        # still lies ahead: repeated keywords ("dob dob dob…") cost one pass, not one search each.
        ahead: re.Match[str] | None = None
        searched_to = -1
        offsets: list[int] | None = None
        for start in starts(text):
            match = keyword.match(text, start)
            if match is None:
                continue
            after = match.end()
            if ahead is None or ahead.start() < after:
                # Where the last search found nothing, it is not searched again.
                lo = max(after, searched_to) if ahead is None else after
                if at is not None and offsets is None:
                    offsets = at(text)
                # A value past a digit or line break is not this keyword's: it is tried no further.
                hi = after + 31
                stop = _BREAK.search(text, after, hi)
                if stop is not None:
                    hi = stop.start() + 1
                ahead = _first_match(found_value, text, lo, hi, after + 240, offsets)
                searched_to = max(lo, hi) if ahead is None else ahead.start()
            if ahead is None or ahead.start() - after > 30 or _BREAK.search(text, after, ahead.start()):
                continue
            if accept(ahead.group("v")):
                found.append((kind, ahead.start("v"), ahead.end("v")))
        return found

    return find


_BREAK = re.compile(r"[\n\d]")
_WORD_START = re.compile(r"\w(?<!\w.)|(?<=\W)\W")


def _first_match(
    pattern: re.Pattern[str], text: str, lo: int, hi: int, end: int, offsets: list[int] | None = None
) -> re.Match[str] | None:
    """The first match of `pattern` that starts in lo:hi, tried only where a word or a sign starts (or
    at `offsets`, where given)."""
    if offsets is not None:
        for i in range(bisect_left(offsets, lo), bisect_left(offsets, hi)):
            match = pattern.match(text, offsets[i], min(len(text), end))
            if match is not None:
                return match
        return None
    for start in _WORD_START.finditer(text, lo, hi):
        match = pattern.match(text, start.start(), min(len(text), end))
        if match is not None:
            return match
    return None


def _before_keyword(kind: str, value: str, keywords: str, at: _Starts) -> _Detector:
    """A value shortly before the word that says what it is ("am 7. Juli 1979 geboren"), tried only at the
    offsets `at` finds."""
    pattern = re.compile(rf"(?<![\w])(?P<v>{value})[^\n\d]{{0,20}}?(?i:\b(?:{keywords}))(?!\w)", re.VERBOSE)
    return _pattern(kind, pattern, near=_near_words(keywords, 80, 1), reach=120, at=at)


def _digit_count(low: int, high: int) -> Callable[[str], bool]:
    return lambda value: low <= len(_digits(value)) <= high


def _digits(value: str) -> list[int]:
    return [int(c) for c in value if c.isdigit()]


def _compact(value: str) -> str:
    return re.sub(r"[\s.-]", "", value)


# -- emails, urls, online identifiers

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){0,6}\.[^\W\d_]{2,24}(?![\w-])")
_TLDS = r"com|org|net|no|lt|de|fr|uk|io|eu|info|me|us|edu|gov|co|nl|se|dk|fi|biz"
_AT = r"(?:\s?[\[(<{]\s?(?:at|@|ät|arobase|alfakrøll|krøllalfa|eta)\s?[\])>}]\s?|\s(?:at|ät|arobase|alfakrøll|krøllalfa|eta)\s|\s@\s)"
_DOT = r"(?:\s?[\[(<{]\s?(?:dot|punkt|punktum|point|taškas)\s?[\])>}]\s?|,?\s(?:dot|punkt|punktum|point|taškas)\s|\.)"
# Said between parts of a name: "sam underscore reid", "fabrice tiret girard".
_JOIN = (
    r"\s(?:underscore|dash|hyphen|tiret|underscore|bindestrich|unterstrich|strich|strek|understrek"
    r"|bindestrek|brūkšnelis|brūkšnys|apatinis\sbrūkšnys)\s"
)
# "jane dot doe at example dot com", "jane(at)example.com": the spelled-out forms people use to dodge filters.
_SPELLED_EMAIL = re.compile(
    rf"(?i)(?<![\w.+-])[\w+-]{{1,40}}(?:(?:{_DOT}|{_JOIN})[\w+-]{{1,40}}){{0,3}}{_AT}[\w-]{{1,40}}(?:{_DOT}[\w-]{{1,40}}){{0,3}}"
    rf"{_DOT}(?:{_TLDS})(?![\w-])"
)
_SPELLED_DOMAIN = re.compile(
    rf"(?i){_AT}[\w-]{{1,40}}(?:{_DOT}[\w-]{{1,40}}){{0,3}}?{_DOT}(?:{_TLDS})(?![\w-])"
)
_near_at_word = _near_words("at|ät|arobase|alfakrøll|krøllalfa|eta", 0, 1)
_near_at_sign = _near_chars("@", 0, 1)

# "Manage your appointments online at VA.gov", "sign up at example.com": a word that says where or how, not whose
# mailbox, before a spoken "at" and a written site.
_WHERE_WORDS = (
    "online offline here there it them us me him her you up in on out over back everything anything something "
    "nothing"
)
_NOT_A_MAILBOX = frozenset(_WHERE_WORDS.split())
_SPOKEN_AT = re.compile(_AT, re.IGNORECASE)


def _is_spelled_email(value: str) -> bool:
    """A spelled-out address, not "<where> at <site>": its name part is not one of `_NOT_A_MAILBOX`."""
    name = _SPOKEN_AT.split(value, maxsplit=1)[0].strip().casefold()
    return name not in _NOT_A_MAILBOX


# The spelled domain starting up to `k` characters before a found "at" (the "(" or space the "at" may
# follow): one match each instead of one per start.
_SPELLED_DOMAIN_WITHIN = [
    re.compile(rf"(?i)(?s:.{{0,{k}}}){_SPELLED_DOMAIN.pattern.removeprefix('(?i)')}") for k in range(3)
]


def _near_spelled_at(text: str) -> list[_Window]:
    """Before each spelled "at" that a domain follows ("at example dot com"), where the name can start."""
    ats = sorted(_near_at_word(text) + _near_at_sign(text))
    found = [
        (a, a)
        for a, _ in ats
        if _SPELLED_DOMAIN_WITHIN[min(a, 2)].match(text, max(0, a - 2), a + 300) is not None
    ]
    return _merge(found, 280, 0, len(text))


_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'«»]{1,2000}", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{16,}")
_PROFILE_HOSTS = (
    r"linkedin\.com|facebook\.com|fb\.com|m\.facebook\.com|instagram\.com|twitter\.com|x\.com|tiktok\.com"
    r"|github\.com|threads\.net|bsky\.app|vk\.com|xing\.com|mastodon\.social"
)
# A profile address names a person even without a query string, with or without the scheme.
_PROFILE_URL = re.compile(
    rf"(?<![\w.@/-])(?:https?://)?(?:[\w-]{{1,63}}\.){{0,4}}(?:{_PROFILE_HOSTS})/[^\s<>\"'«»]{{1,2000}}",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"@(?<![\w.@/+-].)[A-Za-z_][A-Za-z0-9_.]{1,29}(?<![.])(?![\w@-])")
_IPV4 = re.compile(r"\d(?<![\w.].)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:])(?=[0-9A-Fa-f:]{0,40}[0-9A-Fa-f]:)[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"
)


_near_url = _near_words("http|www", 0, 1)
_near_profile = _near_words(_PROFILE_HOSTS, 300, 1)


def _urls(text: str) -> list[_Finding]:
    """URLs that carry something personal: a query string, a token-like path, a login or a profile."""
    found = []
    for match in _matches(_URL, text, _near_url(text), overlapping=False, reach=2100):
        url = match.group().rstrip(_URL_TRAILING)
        rest = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE)
        host, _, path = rest.partition("/")
        personal = "@" in host or bool(re.search(r"[?#][^\s]", url)) or _has_token(path)
        if personal:
            found.append(("url", match.start(), match.start() + len(url)))
    for match in _matches(_PROFILE_URL, text, _near_profile(text), overlapping=False, reach=2100):
        url = match.group().rstrip(_URL_TRAILING)
        # A profile is one or two segments deep (/jane.doe, /in/jane-doe); deeper paths are pages.
        if url.split("?")[0].rstrip("/").count("/") - url.count("://") * 2 <= 2:
            found.append(("url", match.start(), match.start() + len(url)))
    return found


def _has_token(path: str) -> bool:
    """A run of 16 or more letters, digits, `_` or `-` with both a letter and a digit: a personal token.
    (Checked per run, not by lookahead, so a long path stays linear.)"""
    return any(
        any(c.isdigit() for c in run) and any(c.isalpha() for c in run) for run in _TOKEN_RUN.findall(path)
    )


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# -- cards, accounts, national ids, id documents


def _luhn(digits: list[int]) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        total += d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2)
    return total % 10 == 0


def _is_card(value: str) -> bool:
    digits = _digits(value)
    groups = [len(g) for g in re.split(r"[ -]", value)]
    grouped = (
        len(groups) == 1
        or (all(n == 4 for n in groups[:-1]) and 1 <= groups[-1] <= 4)
        or groups in ([4, 6, 5], [4, 6, 4])
    )
    return 13 <= len(digits) <= 19 and 2 <= digits[0] <= 6 and grouped and _luhn(digits)


# A card number is one run of 13 to 19 digits or groups of four (Amex: 4-6-5, 4-6-4); spelling the shapes
# out, rather than "a digit and maybe a separator" 19 times, keeps a long run of digits from being read
# in thousands of ways.
_CARD = re.compile(
    rf"\d{_NUM_START}(?:\d{{12,18}}|\d{{3}}(?:[ -]\d{{4}}){{3}}(?:[ -]\d{{1,3}})?"
    rf"|\d{{3}}(?:[ -]\d{{4}}){{2}}[ -]\d{{1,4}}|\d{{3}}[ -]\d{{6}}[ -]\d{{4,5}}){_NUM_AFTER}"
)
# An IBAN: country, check digits, then groups; the longest prefix whose mod-97 check holds is the number.
# Groups are read four characters at a time (possessive), so a long run has one reading, not thousands.
_IBAN = re.compile(r"[A-Z](?<![A-Za-z0-9].)[A-Z]\d{2}(?:[ ]?[A-Z0-9]{1,4}+){3,9}(?![A-Za-z0-9])")
_KONTONR = re.compile(rf"\d{_NUM_START}\d{{3}}(?P<sep>[. ])\d{{2}}(?P=sep)\d{{5}}{_NUM_AFTER}")
_SSN = re.compile(rf"\d{_NUM_START}\d{{2}}(?P<sep>[- ])\d{{2}}(?P=sep)\d{{4}}{_NUM_AFTER}")
# Nine bare digits pass the Dutch 11-test one time in eleven, so only the dotted form stands alone.
_BSN = re.compile(rf"\d{_NUM_START}\d{{3}}\.\d{{2}}\.\d{{3}}{_NUM_AFTER}")
# Eleven digits, maybe split after the birth date: a Norwegian birth number or a Lithuanian personal code.
_BIRTH_NUMBER = re.compile(rf"\d{_NUM_START}\d{{5}} ?\d{{5}}{_NUM_AFTER}")
_NIR = re.compile(
    rf"[12]{_NUM_START} ?\d{{2}} ?\d{{2}} ?(?:\d{{2}}|2A|2B) ?\d{{3}} ?\d{{3}} ?\d{{2}}{_NUM_AFTER}"
)
# A UK National Insurance number; prefixes that are never issued are left out.
_NINO = re.compile(
    r"[A-CEGHJ-PR-TW-Z](?<![A-Za-z0-9].)[A-CEGHJ-NPR-TW-Z](?<!BG|GB|NK|KN|TN|NT|ZZ)"
    r"(?:[ ]?\d{2}){3}[ ]?[A-D](?![A-Za-z0-9])"
)


# Countries that issue IBANs: a run that starts with any other pair is no IBAN, and costs no check.
_IBAN_COUNTRIES = frozenset(
    cc
    for cc in (chr(a) + chr(b) for a in range(65, 91) for b in range(65, 91))
    if numdb.get("iban").info(cc)[0][1]
)


def _mod97(value: str) -> bool:
    compact = value.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _ibans(text: str) -> list[_Finding]:
    found = []
    for match in _matches(_IBAN, text, _everywhere(text), overlapping=True, reach=0):
        value = match.group()
        if value[:2] not in _IBAN_COUNTRIES:
            continue
        ends = [len(value), *[m.start() for m in re.finditer(" ", value)][::-1]]
        end = next((e for e in ends if _mod97(value[:e]) and iban.is_valid(value[:e])), None)
        if end is not None:
            found.append(("account", match.start(), match.start() + end))
    return found


def _is_ssn(value: str) -> bool:
    area, group, serial = re.split(r"[- ]", value)
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _is_birth_number(value: str) -> bool:
    compact = _compact(value)
    return fodselsnummer.is_valid(compact) or asmens.is_valid(compact)


_ACCOUNT_WORDS = (
    r"account\s(?:number|no\.?|nr\.?)|acct|kontonummer\w*|kontonr\.?|konto|bankkonto\w*|numéro\sde\scompte"
    r"|sąskaitos\snumer\w*|sąskait\w*|sort\scode|routing\snumber"
)
_NATIONAL_ID_WORDS = (
    r"ssn|social\ssecurity\w*|steuer-?id\w*|steueridentifikationsnummer|identifikationsnummer|idnr"
    r"|tax\sid|personnummer\w*|fødselsnummer\w*|asmens\skod\w*|personal\scode|sécurité\ssociale|sécu"
    r"|national\sinsurance|ni\snumber|nino|bsn|burgerservicenummer|insee"
)
_DOCUMENT_WORDS = (
    r"passport\w*|pass\snumber|passnummer\w*|passnr\.?|pass-nr\.?|reisepass\w*|passeport|paso|pasas"
    r"|personalausweis\w*|ausweis\w*|id\scard|id-kort\w*|identity\scard|carte\sd'identité"
    r"|tapatybės\skortel\w*|driving\slicen[cs]e|driver'?s\slicen[cs]e|førerkort\w*|führerschein\w*"
)
_DOCUMENT_NUMBER = r"(?=(?:[A-Z]{0,10}\d){3})[A-Z0-9]{6,10}(?![\w])"


# -- dates of birth

_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
    r"|januar|februar|mars|mai|juni|juli|oktober|desember|märz|maerz|dezember"
    r"|janvier|février|fevrier|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
    r"|sausio|vasario|kovo|balandžio|gegužės|birželio|liepos|rugpjūčio|rugsėjo|spalio|lapkričio|gruodžio"
)
# Every date starts with a digit or a word of two letters or more; the lookahead turns down any other start
# before the many spoken forms are tried.
_DATE_FORMS = rf"""
    \d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})
  | \d{{4}}[./-]\d{{1,2}}[./-]\d{{1,2}}
  | \d{{1,2}}\.\s?\d{{1,2}}\.\s?\d{{4}}
  | \d{{1,2}}(?:st|nd|rd|th|er|\.)?(?:\sof)?\s(?i:{_MONTHS})\.?,?\s\d{{4}}
  | (?i:{_MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?,?\s\d{{4}}
  | (?i:{_MONTHS})\s\d{{4}}
  | \d{{4}}\sm\.\s(?i:{_MONTHS})\s\d{{1,2}}\s?d\.
  | \d{{8}}
  | (?i:(?:{SPOKEN_DAY})(?:\s(?:of|de|den))?\s(?:{_MONTHS})\.?,?\s(?:\d{{4}}|\d{{2}}|{SPOKEN_YEAR}))
  | (?i:(?:{_MONTHS})\.?\s(?:the\s)?(?:{SPOKEN_DAY}|\d{{1,2}}(?:st|nd|rd|th)?),?\s(?:\d{{4}}|{SPOKEN_YEAR}))
  | (?i:\d{{1,2}}\.?\s(?:{_MONTHS})\s(?:{SPOKEN_YEAR}))
  | (?i:(?:\d{{4}}|{SPOKEN_YEAR})\s(?:m\.|metų)\s?(?:{_MONTHS})\s(?:{SPOKEN_DAY}|\d{{1,2}})(?:\s?d\.)?)
  | (?i:\d{{4}}\s(?:{_MONTHS})\s\d{{1,2}})
"""
_DATE_VALUE = rf"(?=\d|[^\W\d_]{{2}})(?:{_DATE_FORMS})(?![\w])"
# Where a date can start, found in one pass of a linear-time engine: a birth word repeated ("født 1 født…")
# would otherwise have every form tried at every word.
_DATE_START = superset_pattern(_DATE_FORMS)


@lru_cache(maxsize=4)
def _date_starts(text: str) -> list[int]:
    return match_starts(_DATE_START, text)


_BIRTH_WORDS = (
    r"born|birth\w*|dob|d\.o\.b|birthday|født|fødd|fødselsdato\w*|fødselsdag\w*|geboren|geburtsdatum\w*"
    r"|geburtstag|née?|naissance|gimiau|gimusi|gimęs|gimimo\sdata|gimtadien\w*"
)


# -- phones

# At most 20 digits per candidate keeps long runs of numbers linear; no phone number is longer.
_PHONE = re.compile(
    r"[+(\d](?<![\w+.,:/(-].)(?:(?<=\d)|\d)(?:(?:[ .\-/]|\)[ \-]?|[ ]\()?\d){0,19}(?![\w]|[.,:/-]\d)"
)
_DATE = re.compile(r"\d{1,2}([./-])\d{1,2}\1\d{2,4}|\d{4}([./-])\d{1,2}\2\d{1,2}")
_PHONE_WORDS = (
    r"phone|mobile|cell|tel\.?|tlf\.?|telefon\w*|mobil\w*|handy\w*|portable|téléphone|telefono|telefonas"
    r"|mob\.|call\sme\son|ring\sme\son|whatsapp|sms"
)


_DIGIT_GROUP = re.compile(r"\d+")
_NON_DIGIT = re.compile(r"\D")
# The digit groups of a phone number said with no prefix (+, 00, an area code in brackets, a trunk 0).
_US_GROUPS = ([3, 3, 4], [1, 3, 3, 4])
_NORWEGIAN_GROUPS = ([3, 2, 3], [2, 2, 2, 2])
_LITHUANIAN_GROUPS = ([2, 3, 4], [1, 3, 5])
# Any of them among a run's groups, each group's length written as the character of that code.
_UNPREFIXED_GROUPS = re.compile(
    "|".join(re.escape("".join(map(chr, g))) for g in (*_US_GROUPS, *_NORWEGIAN_GROUPS, *_LITHUANIAN_GROUPS))
)
# A prefix: a "+", a bracket, or a group that starts with 0.
_PREFIX = re.compile(r"[+(]|(?<!\d)0")


def _phones(text: str) -> list[_Finding]:
    """Phone numbers; a run of numbers that is not one may end in one ("in 2019 06 1837 2264")."""
    found = []
    for match in _PHONE.finditer(text):
        value = match.group()
        if len(value) < 8:
            continue  # fewer than eight digits: no phone number
        spans = [m.span() for m in _DIGIT_GROUP.finditer(value)]
        lengths = [end - start for start, end in spans]
        if _PREFIX.search(value) is None and _UNPREFIXED_GROUPS.search("".join(map(chr, lengths))) is None:
            continue  # no prefix, and no groups as a number without one comes in
        found += _phones_in(value, match.start(), spans, lengths)
    return found


def _phones_in(value: str, offset: int, spans: list[tuple[int, int]], lengths: list[int]) -> list[_Finding]:
    """The phone numbers in one run of numbers (at `offset` in the text; its digit groups at `spans`,
    `lengths` long): from each group on, the longest stretch that has a phone number's shape."""
    found: list[_Finding] = []
    # Digits in the groups before each group, and in the four groups from each group on.
    digits_before = list(accumulate(lengths, initial=0))
    in_four = list(map(sub, digits_before[4:] + digits_before[-1:] * min(3, len(lengths)), digits_before))
    # A number may end at the separator after a group (or after the bracket that closes it): it may also be
    # followed by one that is not part of it ("+47 912 34 567 192.168.1.23").
    size = len(value)
    ends = [
        end
        if end == size or value[end] in " .-/"
        else end + 1
        if value[end] == ")" and value[end + 1] in " -"
        else -1
        for _, end in spans
    ]
    position = 0
    for i, (group_start, _) in enumerate(spans):
        # A number starts at the run's start, or at a group (or the "(" before it) after a separator.
        if i == 0:
            start = 0
        elif value[group_start - 1] in " .-/":
            start = group_start
        elif value[group_start - 1] in "+(" and value[group_start - 2] in " .-/":
            start = group_start - 1
        else:
            continue
        if start < position:
            continue
        # Only a number with a prefix (+, 00, (, trunk 0) comes in more than four groups, so without one,
        # four groups must hold eight digits.
        most_groups = 15 if value[start] in "+(0" else 4
        if most_groups == 4 and in_four[i] < 8:
            continue
        digits_from = digits_before[i]
        # The most digits a phone number that starts so can hold (see `_is_phone`).
        most_digits = (
            15 if value[start] == "+" or value.startswith("00", start) else 12 if most_groups > 4 else 11
        )
        # Ends after no more groups and digits than allowed and eight digits or more, the longest first.
        last = min(len(spans), i + most_groups, bisect_right(digits_before, digits_from + most_digits) - 1)
        for groups in range(last, bisect_left(digits_before, digits_from + 8) - 1, -1):
            end = ends[groups - 1]
            if end >= 0 and _is_phone(value[start:end], lengths[i:groups]):
                found.append(("phone", offset + start, offset + end))
                position = end
                break
    return found


def _is_phone(value: str, groups: list[int]) -> bool:
    """Phone-number shapes, for a value that starts with a digit, "+" or "(" and holds digit groups
    `groups` long: international prefix, area code in brackets, trunk 0, US, Norwegian and Lithuanian
    groups. A date is none."""
    n = sum(groups)
    first = value[0]
    if first == "+":
        shaped = 8 <= n <= 15
    elif value.startswith("00"):
        shaped = 10 <= n <= 15 and _digits(value)[2] != 0
    elif first == "(":
        shaped = 9 <= n <= 12
    elif first == "0":
        # Unspaced, ten digits or an eleven-digit mobile (UK 07…, German 015…-017…).
        mobile = value.startswith(("07", "015", "016", "017"))
        shaped = 9 <= n <= 12 and (len(groups) > 1 or n == 10 or mobile) and (n < 12 or mobile)
    elif groups in _US_GROUPS:  # with one kind of separator
        shaped = len(set(_NON_DIGIT.findall(value))) <= 1 and (len(groups) == 3 or int(first) == 1)
    elif groups in _NORWEGIAN_GROUPS:  # spaced
        shaped = " " in value and int(first) >= 2
    else:
        shaped = int(first) == 8 and groups in _LITHUANIAN_GROUPS
    return shaped and not _DATE.match(value.lstrip("+("))


# -- street addresses, post boxes and postcodes

_UPPER = "A-ZÀ-ÖØ-ÞĄČĘĖĮŠŲŪŽ"
_WORD = rf"[{_UPPER}][^\W\d_]{{0,40}}"
_HOUSE = r"\d{1,4}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?"
_COMPOUND_SUFFIX = (
    r"str\.|straat|laan|weg|gracht|plein|kade|singel|dijk|veien|vegen|gaten|gata|gate|vei|straße|strasse|allee"
    r"|gasse|platz|damm|ufer|plassen|plass|torget|torg|stien|bakken"
)
_SEPARATE_WORD = (
    r"gatvėje|prospekte|alėjoje|aikštėje|plente|plentas|gaten|gata|gate|veien|vegen|vei|allé|alle|plass|torg|Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse"
    r"|Ring|Damm|g\.|gatvė|pr\.|prospektas|al\.|alėja|pl\.|aikštė|skg\."
)
_ENGLISH_SUFFIX = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Boulevard|Blvd|Close|Court|Crescent|Place|Terrace"
    r"|Square|Grove|Row|Parkway|Mews|Highway|Hwy"
)
_FRENCH_WAY = r"rue|avenue|av\.|boulevard|bd|place|allée|impasse|chemin|quai|cours|route"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}"
# What may follow a street: a flat or suite, then a postcode with its town ("0155 Oslo", "LT-01103
# Vilnius", "Springfield, IL 62704", "London SW1A 2AA").
_ADDRESS_TAIL = rf"""
    (?:,?[ ](?:Apt|Apartment|Suite|Unit|Flat|leil)\.?[ ]?[\w-]{{1,5}})?
    (?:,?[ ](?:
        (?:LT-|D-|F-)?\d{{4,5}}[ ]{_WORD}(?:[ -]{_WORD})?
      | {_WORD}(?:[ ]{_WORD})?,[ ][A-Z]{{2}}[ ]\d{{5}}(?:-\d{{4}})?
      | (?:{_WORD}[ ])?{_UK_POSTCODE}
    ))?"""
_ADDRESS = re.compile(
    rf"""(?<![\w])(?:
        [{_UPPER}][^\W\d_]{{0,40}}?(?:{_COMPOUND_SUFFIX})[ ]{_HOUSE}
      | (?:{_WORD}[ ]){{1,3}}(?:{_SEPARATE_WORD})[ ]{_HOUSE}
      | (?:{_WORD}[ ]){{1,3}}(?:{_ENGLISH_SUFFIX})\.?[ ]{_HOUSE}
      | (?<![\d.,:/-]){_HOUSE},?[ ](?:{_WORD}[ ]){{1,3}}(?:{_ENGLISH_SUFFIX})\b\.?
      | (?<![\d.,:/-]){_HOUSE}(?:[ ]?(?:bis|ter))?,?[ ](?i:{_FRENCH_WAY})[ ]
            (?>(?:de[ ]la|de|du|des|la|le)[ ]|[ld]'){{0,3}}{_WORD}(?:[ -]{_WORD}){{0,4}}
      | (?i:p\.?[ ]?o\.?[ ]box|post[ ]office[ ]box|postboks|postfach|boîte[ ]postale|b\.p\.|bp
            |case[ ]postale|pašto[ ]dėžutė|a/d)[ ]\d{{1,6}}(?:[ ]\d{{1,4}}){{0,2}}
    ){_ADDRESS_TAIL}{_NUM_AFTER}""",
    re.VERBOSE,
)
# Every address starts a word with a capital, a digit or the word for a post box.
_ADDRESS_STARTS = re.compile(
    rf"[{_UPPER}PpBbCcAa](?<![\w].)|[a-zæøå](?<![\w].)(?=[a-zæøå]{{0,40}}[ ]\d)|\d(?<![\w].)(?=\d{{0,3}}[A-Za-z]?(?:-\d{{1,4}}[A-Za-z]?)?[ ,]{{1,2}}[^\W\d_])"
)
# Where an address can start, found in one pass of a linear-time engine: a text of digits and short words
# ("1 du 1 du …") would otherwise have every form tried at every digit.
_ADDRESS_START = superset_pattern(_ADDRESS.pattern, _ADDRESS.flags)
_POSTCODE = re.compile(r"[A-Z](?<![\w-].)(?:[A-Z]?\d[A-Z\d]?[ ]?\d[A-Z]{2}|(?<=L)T-\d{5})(?![\w])")


# Addresses as speech-to-text writes them, in lower case ("42 willow crescent", "14 rue des tanneurs",
# "storgata 9"), and the German "Am Mühlbach 7".
_LOWER_SUFFIX = r"street|road|avenue|lane|crescent|terrace|gardens|grove|mews|parade|boulevard|close|square"
_SPOKEN_ADDRESS = re.compile(
    rf"""(?:
        (?<![\d.,:/-]){_HOUSE},?[ ](?P<between>(?:[^\W\d_]{{2,30}}[ ]){{1,2}})(?:{_LOWER_SUFFIX})\b
      | (?<![\d.,:/-]){_HOUSE}(?:[ ]?(?:bis|ter))?,?[ ](?i:{_FRENCH_WAY})[ ]
            (?>(?:de[ ]la|de|du|des|la|le)[ ]|[ld]'){{0,3}}[^\W\d_]{{2,30}}(?:[ -][^\W\d_]{{2,30}}){{0,2}}
      | (?<![\w])[a-zæøå][a-zæøå]{{0,30}}?(?:{_COMPOUND_SUFFIX})[ ]{_HOUSE}
      | (?<![\w])(?:Am|Im|An[ ]der|Auf[ ]der|Zum|Zur|Unter[ ]den)[ ](?P<place>{_WORD})[ ]\d{{1,3}}[a-z]?
    ){_NUM_AFTER}""",
    re.VERBOSE,
)
# Words between a house number and "road" that say it is no address ("a 15 minute drive", "2 lane road").
_NOT_STREET_WORDS = frozenset(
    [
        "minute",
        "minutes",
        "mile",
        "miles",
        "hour",
        "hours",
        "km",
        "kilometre",
        "kilometres",
        "lane",
        "way",
        "day",
        "days",
        "week",
        "weeks",
        "year",
        "years",
        "percent",
        "bus",
        "car",
        "bike",
        "bikes",
        "kids",
        "people",
        "times",
    ]
)
_NOT_PLACES = frozenset(
    [
        "Jahr",
        "Jahre",
        "Monat",
        "Tag",
        "Ende",
        "Anfang",
        "Moment",
        "Schnitt",
        "Montag",
        "Dienstag",
        "Mittwoch",
        "Donnerstag",
        "Freitag",
        "Samstag",
        "Sonntag",
        "Wochenende",
        "Abend",
        "Morgen",
    ]
)


_at_starts(_SPOKEN_ADDRESS, _ADDRESS_STARTS)  # compiled at import, as every other pattern
_SPOKEN_ADDRESS_START = superset_pattern(_SPOKEN_ADDRESS.pattern, _SPOKEN_ADDRESS.flags)


def _address_starts(text: str) -> list[int]:
    return match_starts(_ADDRESS_START, text)


def _spoken_address_starts(text: str) -> list[int]:
    return match_starts(_SPOKEN_ADDRESS_START, text)


def _spoken_addresses(text: str) -> list[_Finding]:
    found = []
    windows = _near_digits(70, 0)(text)
    for match in _matches(
        _SPOKEN_ADDRESS, text, windows, False, 120, _ADDRESS_STARTS, _spoken_address_starts
    ):
        between = (match.group("between") or "").lower().split()
        if any(word in _NOT_STREET_WORDS for word in between) or match.group("place") in _NOT_PLACES:
            continue
        found.append(("street_address", match.start(), match.end()))
    return found


# A street without a street word after "I live at", "bor i", "wohne in der" ("Jeg bor i Grensen 5").
_RESIDENCE_WORDS = (
    r"live\s(?:at|on)|living\s(?:at|on)|bor\s(?:i|på)|wohne\s(?:in\sder|am|an\sder|im)"
    r"|wohnen\s(?:in\sder|am|an\sder|im)|j'habite(?:\sau)?|habite\sau|gyvenu|gyvename|gyvenam"
)
_RESIDENCE_VALUE = (
    rf"[{_UPPER}][^\W\d_]{{1,30}}(?:[ ][{_UPPER}][^\W\d_]{{1,30}})?[ ]\d{{1,3}}[a-zA-Z]?(?![\w])"
    r"(?![ ](?:dager|døgn|år|uker|måneder|years?|days?|weeks?|months?|Jahre|Tage|Wochen|Monate|ans|jours"
    r"|semaines|mois|metus|dienas|savaites|mėnesius)\b)"
)


# -- handles people say ("I'm rosie_bakes on Instagram")

_PLATFORM_WORDS = (
    r"instagram\w*|insta|tiktok\w*|twitter\w*|snapchat\w*|snap|youtube\w*|facebook\w*|threads|bluesky"
    r"|linkedin\w*|discord\w*|twitch\w*|strava\w*|pinterest\w*|reddit\w*"
)
_near_platform = _near_words(_PLATFORM_WORDS, 60, 60)
# A user name: letters and digits joined by "_" or ".", as no ordinary word is written.
_SAID_HANDLE = re.compile(
    r"(?<![\w@.])(?=[\w.]{0,30}[^\W\d_][\w.]{0,30}[_.])[^\W_][\w]{0,29}(?:[_.][\w]{1,29}){0,3}_?(?![\w@]|\.\w)"
)


def _spoken_handles(text: str) -> list[_Finding]:
    found = []
    for match in _matches(_SAID_HANDLE, text, _near_platform(text), False, 60):
        handle = match.group()
        domain = re.search(rf"\.(?:{_TLDS})$", handle, re.IGNORECASE) is not None
        if not domain and ("_" in handle or re.search(r"[^\W\d_]\.[^\W\d_]", handle)):
            found.append(("handle", match.start(), match.end()))
    return found


# -- names after a self-introduction

_INTRO_WORDS = (
    r"my\sname\sis|my\sname's|i'm|i\sam|call\sme|jeg\sheter|mitt\snavn\ser|navnet\smitt\ser"
    r"|je\sm'appelle|mon\snom\sest|je\ssuis|ich\sheiße|ich\sheisse|mein\sname\sist|mano\svardas(?:\syra)?"
    r"|vadinuosi|aš\sesu"
)
_INTRO = re.compile(rf"(?i:\b(?:{_INTRO_WORDS}))[,:]?[ ]{{1,3}}")
_intro_starts = _word_starts(_INTRO_WORDS)
_NAME_PART = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_PARTICLES = frozenset(
    ["van", "von", "de", "der", "den", "da", "du", "le", "la", "di", "del", "af", "zu", "ten"]
)
# Capitalised words that follow "I'm" or "je suis" and are not names.
_NOT_NAMES = NATIONALITIES | frozenset(
    [
        "not",
        "so",
        "sure",
        "afraid",
        "fine",
        "good",
        "ok",
        "okay",
        "glad",
        "happy",
        "sorry",
        "just",
        "also",
        "still",
        "really",
        "very",
        "here",
        "there",
        "from",
        "in",
        "at",
        "on",
        "the",
        "a",
        "an",
        "and",
        "but",
        "with",
        "always",
        "never",
        "self-employed",
        "retired",
        "catholic",
        "christian",
        "muslim",
        "jewish",
        "vegan",
        "vegetarian",
        "it",
        "this",
        "that",
        "going",
        "usually",
        "currently",
        "now",
        "calling",
        "speaking",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "we",
        "they",
        "you",
        "he",
        "she",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)


def _names(text: str) -> list[_Finding]:
    """Up to four capitalised words (with particles such as "van der") after "My name is", "Jeg heter"…"""
    found = []
    after = 0  # an introduction never starts inside the one before
    for start in _intro_starts(text):
        intro = _INTRO.match(text, start) if start >= after else None
        if intro is None:
            continue
        after = max(intro.end(), start + 1)
        position, end, words = intro.end(), None, 0
        while words < 4:
            match = _NAME_PART.match(text, position)
            if match is None:
                break
            word = match.group()
            # "Je suis Lyonnais": a French demonym, unless a surname follows.
            if words == 0 and intro.group().lower().startswith("je") and DEMONYM.fullmatch(word):
                following = _NAME_PART.match(text, match.end() + 1)
                if following is None or not following.group()[0].isupper():
                    break
            if end is not None and word.casefold() in _PARTICLES:
                position = match.end() + 1
                continue
            # "I'm, I'm good": a contraction is no name.
            if (
                not word[0].isupper()
                or len(word) < 2
                or "'" in word
                or (words == 0 and word.casefold() in _NOT_NAMES)
            ):
                break
            end, words = match.end(), words + 1
            if text[end : end + 1] != " ":
                break
            position = end + 1
        if end is not None:
            found.append(("name", intro.end(), end))
    return found


# -- numbers said in words

_CARD_WORDS = r"card|carte|karte\w*|kreditkarte\w*|kort|kortet|kortnummer\w*|kortel\w*"
# Numbers people read out that are not personal: orders, tickets, bookings, invoices.
_REFERENCE_WORDS = (
    r"order|ticket|booking|reference|ref|invoice|tracking|case|ordre\w*|bestilling\w*|bestell\w*|auftrag\w*"
    r"|rechnung\w*|commande|facture|dossier|référence|užsakym\w*|biliet\w*"
)
_SPOKEN_CONTEXT = re.compile(
    rf"(?i:\b(?:(?P<account>{_ACCOUNT_WORDS})|(?P<national_id>{_NATIONAL_ID_WORDS})"
    rf"|(?P<id_document>{_DOCUMENT_WORDS})|(?P<card>{_CARD_WORDS})|(?P<phone>{_PHONE_WORDS})"
    rf"|(?P<reference>{_REFERENCE_WORDS})))"
)


def _spoken_numbers(text: str) -> list[_Finding]:
    """Numbers said in words ("oh seven nine double four…", "zéro six, douze…"): a word that says what the
    number is, just before it, decides its kind; otherwise a check digit (card, national id, account) or,
    for eight to fifteen digits, a phone number. Fewer than four digits said in words stay (prices, years)."""
    found = []
    for run in number_runs(text, min_said=4):
        digits = len(run.digits)
        if digits < 6 or run.counting:
            continue
        # The word that says what the number is stands on its line, at most 60 characters before it.
        lo = max(0, run.start - 60)
        lo = max(lo, text.rfind("\n", lo, run.start) + 1)
        context = [m for m in _SPOKEN_CONTEXT.finditer(text, lo, run.start)]
        kind = context[-1].lastgroup if context else None
        if kind == "reference":
            continue
        if kind is None:
            kind = _spoken_kind(run.digits, plus=run.plus)
        if kind is not None:
            found.append((kind, run.start, run.end))
    return found


def _spoken_kind(digits: str, *, plus: bool) -> str | None:
    """The kind of a number said without a word for it, by its check digits or its length."""
    if plus:
        return "phone" if 8 <= len(digits) <= 15 else None
    if len(digits) > 19:
        return "account"  # longer than any card, id or phone number: no check digit need be read
    if _is_card(digits):
        return "card"
    if _is_birth_number(digits) or nir.is_valid(digits):
        return "national_id"
    if len(digits) == 11 and kontonr.is_valid(digits):
        return "account"
    if 8 <= len(digits) <= 15:
        return "phone"
    return "account" if len(digits) > 15 else None


# -- names said in speech

_name_cue_starts = _word_starts(NAME_CUES)
_after_name_cue_starts = _word_starts(NAME_AFTER_CUES)


def _spoken_names(text: str) -> list[_Finding]:
    """ "This is Gareth Pryce calling", "Dominic here", "my wife Natalie", "Herr Yilmaz", "moi c'est camille"."""
    spans = names_said(text, _name_cue_starts(text), _after_name_cue_starts(text))
    return [("name", start, end) for start, end in spans]


_DETECTORS: list[_Detector] = [
    _urls,
    _pattern("email", _EMAIL, near=_near_chars("@", 70, 0), reach=420),
    _pattern("email", _SPELLED_EMAIL, _is_spelled_email, near=_near_spelled_at, reach=400),
    _pattern("card", _CARD, _is_card, overlapping=True),
    _ibans,
    _pattern("account", _KONTONR, lambda v: kontonr.is_valid(_compact(v)), overlapping=True),
    _after_keyword("account", _ACCOUNT_WORDS, r"\d[\d .-]{4,30}\d", _digit_count(6, 30)),
    _pattern("national_id", _SSN, _is_ssn, overlapping=True),
    _pattern("national_id", _BSN, lambda v: bsn.is_valid(_compact(v)), overlapping=True),
    _pattern("national_id", _BIRTH_NUMBER, _is_birth_number, overlapping=True),
    _pattern("national_id", _NIR, lambda v: nir.is_valid(_compact(v)), overlapping=True),
    _pattern("national_id", _NINO),
    _after_keyword("national_id", _NATIONAL_ID_WORDS, r"\d[\d -]{7,16}\d", _digit_count(9, 15)),
    _after_keyword("id_document", _DOCUMENT_WORDS, _DOCUMENT_NUMBER, lambda v: True),
    _after_keyword("date_of_birth", _BIRTH_WORDS, _DATE_VALUE, lambda v: True, _date_starts),
    _before_keyword("date_of_birth", _DATE_VALUE, r"geboren|gimęs|gimusi|født", _date_starts),
    _pattern(
        "street_address",
        _ADDRESS,
        near=_near_digits(140, 0),
        reach=260,
        starts=_ADDRESS_STARTS,
        at=_address_starts,
    ),
    _pattern("street_address", _POSTCODE),
    _spoken_addresses,
    _after_keyword("street_address", _RESIDENCE_WORDS, _RESIDENCE_VALUE, lambda v: True),
    _phones,
    _after_keyword("phone", _PHONE_WORDS, r"\+?\(?\d[\d ()./-]{6,20}\d", _digit_count(8, 15)),
    _spoken_numbers,
    _pattern("ip_address", _IPV4, _is_ip),
    _pattern("ip_address", _IPV6, _is_ip, near=_near_chars(":", 40, 0), reach=45),
    _pattern("handle", _HANDLE),
    _spoken_handles,
    _names,
    _spoken_names,
]
