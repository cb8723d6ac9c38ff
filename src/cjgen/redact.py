"""Replace personal data with placeholders before any model sees the text, and map offsets back.

Detection is deliberately conservative: regular expressions plus checksums (Luhn, the Dutch 11-test, the
Norwegian birth-number check digits) and shape rules for phone numbers, so ordinary numbers in interviews
(years, times, prices, counts) stay. Each replaced value is a `RedactedSpan`, which lets a quote found in the
redacted text be mapped to the original text and back.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from cjgen.schema import Brief, Segment, Transcript

PLACEHOLDERS: dict[str, str] = {
    "url": "[URL]",
    "email": "[EMAIL]",
    "card": "[CARD]",
    "national_id": "[NATIONAL_ID]",
    "street_address": "[ADDRESS]",
    "phone": "[PHONE]",
}
# Where two findings overlap, the earlier kind in PLACEHOLDERS wins: the more specific pattern.
_PRIORITY = {kind: rank for rank, kind in enumerate(PLACEHOLDERS)}


# --------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RedactedSpan:
    """One replaced value: `start`/`end` in the original text, `new_start`/`new_end` in the redacted text."""

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
        return _map(self.spans, start, end, redacted_side=True)

    def to_redacted(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of the original text to the redacted text; touching a value covers its placeholder."""
        last = self.spans[-1] if self.spans else None
        original_length = len(self.text) + (last.end - last.new_end if last else 0)
        _check_span(start, end, original_length)
        return _map(self.spans, start, end, redacted_side=False)

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


def redact_text(text: str) -> RedactedText:
    """Replace each personal value with its placeholder; overlapping findings keep the more specific kind."""
    findings = sorted(_find_all(text), key=lambda f: (_PRIORITY[f[0]], f[1] - f[2], f[1]))
    chosen: list[tuple[str, int, int]] = []
    for kind, start, end in findings:
        if all(end <= s or start >= e for _, s, e in chosen):
            chosen.append((kind, start, end))
    chosen.sort(key=lambda f: f[1])
    pieces: list[str] = []
    spans: list[RedactedSpan] = []
    position = 0
    length = 0
    for kind, start, end in chosen:
        pieces.append(text[position:start])
        length += start - position
        placeholder = PLACEHOLDERS[kind]
        spans.append(RedactedSpan(kind, start, end, length, length + len(placeholder)))
        pieces.append(placeholder)
        length += len(placeholder)
        position = end
    pieces.append(text[position:])
    return RedactedText("".join(pieces), tuple(spans))


def redact_transcript(t: Transcript) -> RedactedTranscript:
    """Redact every turn; segment offsets are moved to the redacted text."""
    changed: dict[int, RedactedText] = {}
    turns = []
    for turn in t.turns:
        redacted = redact_text(turn.text)
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


def _map(spans: tuple[RedactedSpan, ...], start: int, end: int, *, redacted_side: bool) -> tuple[int, int]:
    mapped_start = _map_start(spans, start, redacted_side=redacted_side)
    return mapped_start, _map_end(spans, end, redacted_side=redacted_side)


def _map_start(spans: tuple[RedactedSpan, ...], pos: int, *, redacted_side: bool) -> int:
    shift = 0
    for span in spans:
        from_start, from_end, to_start, to_end = _sides(span, redacted_side)
        if pos < from_start:
            break
        if pos < from_end:
            return to_start
        shift = to_end - from_end
    return pos + shift


def _map_end(spans: tuple[RedactedSpan, ...], pos: int, *, redacted_side: bool) -> int:
    shift = 0
    for span in spans:
        from_start, from_end, _, to_end = _sides(span, redacted_side)
        if pos <= from_start:
            break
        if pos <= from_end:
            return to_end
        shift = to_end - from_end
    return pos + shift


# --------------------------------------------------------------------------------------------- detectors

_Finding = tuple[str, int, int]

# Digits that are not part of a longer number, word, decimal or time.
_NUM_BEFORE = r"(?<![\w+.,:/-])"
_NUM_AFTER = r"(?![\w]|[.,:/-]\d)"

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'«»]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""
_TOKEN = re.compile(r"(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{16,}")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_CARD = re.compile(rf"{_NUM_BEFORE}\d(?:[ -]?\d){{12,18}}{_NUM_AFTER}")
_SSN = re.compile(rf"{_NUM_BEFORE}(\d{{3}})-(\d{{2}})-(\d{{4}}){_NUM_AFTER}")
_BSN = re.compile(rf"{_NUM_BEFORE}(?:\d{{9}}|\d{{4}}\.\d{{2}}\.\d{{3}}){_NUM_AFTER}")
_FNR = re.compile(rf"{_NUM_BEFORE}\d{{6}} ?\d{{5}}{_NUM_AFTER}")
# At most 20 digits per candidate keeps long runs of numbers linear; no phone number is longer.
_PHONE = re.compile(r"(?<![\w+.,:/(-])(?:\+|\()?\d(?:(?:[ .\-/]|\)[ \-]?|[ ]\()?\d){0,19}(?![\w]|[.,:/-]\d)")
_DATE = re.compile(r"\d{1,2}([./-])\d{1,2}\1\d{2,4}|\d{4}([./-])\d{1,2}\2\d{1,2}")

_UPPER = "A-ZÀ-ÖØ-Þ"
_WORD = rf"[{_UPPER}][^\W\d_]*"
_HOUSE = r"\d{1,4}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?"
_COMPOUND_SUFFIX = (
    r"straat|laan|weg|gracht|plein|kade|singel|dijk|veien|vegen|gaten|gata|gate|vei|straße|strasse"
)
_NORDIC_WORD = r"gaten|gata|gate|veien|vegen|vei"
_ENGLISH_SUFFIX = (
    r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Way|Boulevard|Blvd|Close|Court|Crescent|Place|Terrace"
    r"|Square|Grove|Row|Parkway|Mews"
)
_ADDRESS = re.compile(
    rf"""(?<![\w])(?:
        [{_UPPER}][^\W\d_]*?(?:{_COMPOUND_SUFFIX})[ ]{_HOUSE}
      | (?:{_WORD}[ ]){{1,3}}(?:{_NORDIC_WORD})[ ]{_HOUSE}
      | (?:{_WORD}[ ]){{1,3}}(?:{_ENGLISH_SUFFIX})\.?[ ]{_HOUSE}
      | (?<![\d.,:/-]){_HOUSE},?[ ](?:{_WORD}[ ]){{1,3}}(?:{_ENGLISH_SUFFIX})\b
    ){_NUM_AFTER}""",
    re.VERBOSE,
)


def _find_all(text: str) -> list[_Finding]:
    found: list[_Finding] = []
    for kind, pattern, accept in _DETECTORS:
        found += [(kind, m.start(), m.end()) for m in pattern.finditer(text) if accept(m.group())]
    return found + _urls(text) + _phones(text)


def _urls(text: str) -> list[_Finding]:
    """URLs that carry something personal: a query string, a token-like path or a login."""
    found = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING)
        rest = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE)
        host, _, path = rest.partition("/")
        personal = "@" in host or bool(re.search(r"[?#][^\s]", url)) or bool(_TOKEN.search(path))
        if personal:
            found.append(("url", match.start(), match.start() + len(url)))
    return found


def _phones(text: str) -> list[_Finding]:
    """Phone numbers; a run of numbers that is not one may end in one ("in 2019 06 1837 2264")."""
    found = []
    for match in _PHONE.finditer(text):
        value = match.group()
        starts = [0] + [m.start() for m in re.finditer(r"(?<=[ .\-/])[+(]?\d", value)]
        start = next((k for k in starts if _is_phone(value[k:])), None)
        if start is not None:
            found.append(("phone", match.start() + start, match.end()))
    return found


def _digits(value: str) -> list[int]:
    return [int(c) for c in value if c.isdigit()]


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


def _is_ssn(value: str) -> bool:
    area, group, serial = value.split("-")
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _is_bsn(value: str) -> bool:
    """The Dutch citizen service number's 11-test."""
    d = _digits(value)
    total = sum(w * x for w, x in zip(range(9, 1, -1), d[:8], strict=True)) - d[8]
    return total % 11 == 0 and any(d)


def _is_fnr(value: str) -> bool:
    """A Norwegian birth number (or D-number): a real date and both mod-11 check digits."""
    d = _digits(value)
    day = d[0] * 10 + d[1] - (40 if d[0] >= 4 else 0)
    month = d[2] * 10 + d[3]
    try:
        date(2000 + d[4] * 10 + d[5], month, day)
    except ValueError:
        return False
    k1 = 11 - sum(w * x for w, x in zip((3, 7, 6, 1, 8, 9, 4, 5, 2), d, strict=False)) % 11
    k2 = 11 - sum(w * x for w, x in zip((5, 4, 3, 2, 7, 6, 5, 4, 3, 2), d, strict=False)) % 11
    k1, k2 = k1 % 11, k2 % 11
    return k1 != 10 and k2 != 10 and (k1, k2) == (d[9], d[10])


def _is_phone(value: str) -> bool:
    """Phone-number shapes: international prefix, area code in brackets, trunk 0, US and Norwegian groups."""
    digits = _digits(value)
    n = len(digits)
    groups = [len(g) for g in re.findall(r"\d+", value)]
    if _DATE.match(value.lstrip("+(")):
        return False
    if value.startswith("+"):
        return 8 <= n <= 15
    if value.startswith("00"):
        return 10 <= n <= 15 and digits[2] != 0
    if value.startswith("("):
        return 9 <= n <= 12
    if value.startswith("0"):
        return 9 <= n <= 11 and (len(groups) > 1 or n == 10)
    us = groups == [3, 3, 4] and len(set(re.findall(r"\D", value))) == 1
    norwegian = (groups in ([3, 2, 3], [2, 2, 2, 2])) and " " in value and digits[0] >= 2
    return us or norwegian


def _always(_: str) -> bool:
    return True


_DETECTORS: list[tuple[str, re.Pattern[str], Callable[[str], bool]]] = [
    ("email", _EMAIL, _always),
    ("card", _CARD, _is_card),
    ("national_id", _SSN, _is_ssn),
    ("national_id", _BSN, _is_bsn),
    ("national_id", _FNR, _is_fnr),
    ("street_address", _ADDRESS, _always),
]
