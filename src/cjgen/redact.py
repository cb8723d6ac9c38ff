"""Replace personal data with placeholders before any model sees the text, and map offsets back.

Detection is deliberately conservative: regular expressions plus checksums (Luhn, IBAN mod-97, the
Norwegian, Lithuanian, Dutch and French national-id check digits, from python-stdnum), shape rules for phone
numbers and a keyword in front for values that have no shape of their own ("born 12 May 1984", "passport
C01X00T47", "My name is Jane Doe"). Ordinary numbers in interviews (years, times, prices, counts, order
numbers) stay. Patterns run over a copy of the text with fullwidth forms folded and zero-width characters
skipped, so an obfuscated value is found at its original offsets. Each replaced value is a `RedactedSpan`,
which lets a quote found in the redacted text be mapped to the original text and back.

Names are redacted only after a self-introduction ("My name is …", "Jeg heter …", "Ich heiße …"); other
names stay, since telling a name from a product, town or brand needs more than a pattern.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from stdnum import iban
from stdnum.fr import nir
from stdnum.lt import asmens
from stdnum.nl import bsn
from stdnum.no import fodselsnummer, kontonr

from cjgen.schema import Brief, Segment, Transcript

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


def redact_text(text: str, names: Iterable[str] = ()) -> RedactedText:
    """Replace each personal value with its placeholder; overlapping findings keep the more specific kind.

    `names` are names already known to be personal (introduced elsewhere in the same transcript): each is
    redacted wherever it stands as a word.
    """
    found = _find_all(text) + _known_names(text, names)
    findings = sorted(found, key=lambda f: (_PRIORITY[f[0]], f[1] - f[2], f[1]))
    chosen: list[tuple[str, int, int]] = []
    covered = bytearray(len(text))
    for kind, start, end in findings:
        # What a more specific finding already covers is cut out; the rest of this one is still redacted
        # (an address whose postcode tail ran into an id number keeps its street).
        for a, b in _uncovered(text, start, end, covered):
            chosen.append((kind, a, b))
            covered[a:b] = b"\x01" * (b - a)
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


def _uncovered(text: str, start: int, end: int, covered: bytearray) -> list[tuple[int, int]]:
    """The parts of start:end that no chosen finding covers, trimmed of spaces and punctuation."""
    pieces = [(m.start(), m.end()) for m in re.finditer(rb"\x00+", bytes(covered[start:end]))]
    pieces = [(start + a, start + b) for a, b in pieces]
    if pieces == [(start, end)]:
        return pieces
    trimmed = []
    for a, b in pieces:
        while a < b and not text[a].isalnum():
            a += 1
        while b > a and not text[b - 1].isalnum():
            b -= 1
        if a < b:
            trimmed.append((a, b))
    return trimmed


def redact_transcript(t: Transcript) -> RedactedTranscript:
    """Redact every turn; segment offsets are moved to the redacted text.

    A name someone introduced ("I'm Kari Nordmann") is also redacted where it recurs in any turn of the
    transcript, the interviewer's "Thanks, Kari" included.
    """
    introduced = {
        turn.text[s.start : s.end]
        for turn in t.turns
        for s in redact_text(turn.text).spans
        if s.kind == "name"
    }
    names = sorted({part for name in introduced for part in _name_parts(name)}, key=len, reverse=True)
    changed: dict[int, RedactedText] = {}
    turns = []
    for turn in t.turns:
        redacted = redact_text(turn.text, names)
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
_Detector = Callable[[str], list[_Finding]]

# Digits that are not part of a longer number, word, decimal or time.
_NUM_BEFORE = r"(?<![\w+.,:/-])"
_NUM_AFTER = r"(?![\w]|[.,:/-]\d)"
# Zero-width characters hide a value from a pattern; they are read as absent (see `_fold`).
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def _fold(text: str) -> str:
    """Fullwidth and other compatibility forms (NFKC) and typographic apostrophes folded one character at a
    time, so a finding in the folded text has the same offsets in the original."""
    if text.isascii():
        return text
    out = []
    for char in text:
        folded = unicodedata.normalize("NFKC", char) if not char.isascii() else char
        out.append("'" if char in "’‘" else folded if len(folded) == 1 else char)
    return "".join(out)


def _name_parts(name: str) -> list[str]:
    """A name and its capitalised parts of three letters or more ("Kari Nordmann", "Kari", "Nordmann")."""
    parts = [p for p in name.split() if len(p) >= 3 and p[0].isupper()]
    return [name, *parts]


def _known_names(text: str, names: Iterable[str]) -> list[_Finding]:
    wanted = [re.escape(n) for n in names if n]
    if not wanted:
        return []
    pattern = re.compile(rf"(?<![\w'])(?:{'|'.join(wanted)})(?![\w])")
    return [("name", m.start(), m.end()) for m in pattern.finditer(text)]


def _find_all(text: str) -> list[_Finding]:
    folded = _fold(text)
    found = [finding for detect in _DETECTORS for finding in detect(folded)]
    if any(char in _ZERO_WIDTH for char in text):
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


def _pattern(kind: str, pattern: re.Pattern[str], accept: Callable[[str], bool] | None = None) -> _Detector:
    """Every match of `pattern` (its group `v` if it has one) that `accept` takes."""
    group = "v" if "v" in pattern.groupindex else 0

    def find(text: str) -> list[_Finding]:
        return [
            (kind, m.start(group), m.end(group))
            for m in pattern.finditer(text)
            if accept is None or accept(m.group(group))
        ]

    return find


def _anywhere(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern tried at every position, so a number that fails its check cannot hide the next one
    ("07700900123 4111 1111 1111 1111": the run starting with the phone number is no card)."""
    return re.compile(rf"(?=(?P<v>{pattern.pattern}))", pattern.flags)


def _after_keyword(kind: str, keywords: str, value: str, accept: Callable[[str], bool]) -> _Detector:
    """A value shortly after a word that says what it is ("my phone number is …", "født …")."""
    pattern = re.compile(rf"(?i:\b(?:{keywords}))(?!\w)[^\n\d]{{0,30}}?(?<![\w])(?P<v>{value})", re.VERBOSE)
    return _pattern(kind, pattern, accept)


def _before_keyword(kind: str, value: str, keywords: str) -> _Detector:
    """A value shortly before the word that says what it is ("am 7. Juli 1979 geboren")."""
    pattern = re.compile(rf"(?<![\w])(?P<v>{value})[^\n\d]{{0,20}}?(?i:\b(?:{keywords}))(?!\w)", re.VERBOSE)
    return _pattern(kind, pattern)


def _digit_count(low: int, high: int) -> Callable[[str], bool]:
    return lambda value: low <= len(_digits(value)) <= high


def _digits(value: str) -> list[int]:
    return [int(c) for c in value if c.isdigit()]


def _compact(value: str) -> str:
    return re.sub(r"[\s.-]", "", value)


# -- emails, urls, online identifiers

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_TLDS = r"com|org|net|no|lt|de|fr|uk|io|eu|info|me|us|edu|gov|co|nl|se|dk|fi|biz"
_AT = r"(?:\s?[\[(<{]\s?(?:at|@|ät|arobase|alfakrøll|krøllalfa|eta)\s?[\])>}]\s?|\s(?:at|ät|arobase|alfakrøll|krøllalfa|eta)\s|\s@\s)"
_DOT = r"(?:\s?[\[(<{]\s?(?:dot|punkt|punktum|point|taškas)\s?[\])>}]\s?|\s(?:dot|punkt|punktum|point|taškas)\s|\.)"
# "jane dot doe at example dot com", "jane(at)example.com": the spelled-out forms people use to dodge filters.
_SPELLED_EMAIL = re.compile(
    rf"(?i)(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*?{_DOT}(?:{_TLDS})(?![\w-])"
)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'«»]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{16,}")
_PROFILE_HOSTS = (
    r"linkedin\.com|facebook\.com|fb\.com|m\.facebook\.com|instagram\.com|twitter\.com|x\.com|tiktok\.com"
    r"|github\.com|threads\.net|bsky\.app|vk\.com|xing\.com|mastodon\.social"
)
# A profile address names a person even without a query string, with or without the scheme.
_PROFILE_URL = re.compile(
    rf"(?<![\w.@/-])(?:https?://)?(?:[\w-]+\.)*(?:{_PROFILE_HOSTS})/[^\s<>\"'«»]+", re.IGNORECASE
)
_HANDLE = re.compile(r"(?<![\w.@/+-])@[A-Za-z_][A-Za-z0-9_.]{1,29}(?<![.])(?![\w@-])")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(
    r"(?<![\w:])(?=[0-9A-Fa-f:]*[0-9A-Fa-f]:)[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])"
)


def _urls(text: str) -> list[_Finding]:
    """URLs that carry something personal: a query string, a token-like path, a login or a profile."""
    found = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING)
        rest = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE)
        host, _, path = rest.partition("/")
        personal = "@" in host or bool(re.search(r"[?#][^\s]", url)) or _has_token(path)
        if personal:
            found.append(("url", match.start(), match.start() + len(url)))
    for match in _PROFILE_URL.finditer(text):
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


_CARD = re.compile(rf"{_NUM_BEFORE}\d(?:[ -]?\d){{12,18}}{_NUM_AFTER}")
# An IBAN: country, check digits, then groups; the longest prefix whose mod-97 check holds is the number.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{1,4}){3,9}(?![A-Za-z0-9])")
_KONTONR = re.compile(rf"{_NUM_BEFORE}\d{{4}}(?P<sep>[. ])\d{{2}}(?P=sep)\d{{5}}{_NUM_AFTER}")
_SSN = re.compile(rf"{_NUM_BEFORE}\d{{3}}(?P<sep>[- ])\d{{2}}(?P=sep)\d{{4}}{_NUM_AFTER}")
# Nine bare digits pass the Dutch 11-test one time in eleven, so only the dotted form stands alone.
_BSN = re.compile(rf"{_NUM_BEFORE}\d{{4}}\.\d{{2}}\.\d{{3}}{_NUM_AFTER}")
# Eleven digits, maybe split after the birth date: a Norwegian birth number or a Lithuanian personal code.
_BIRTH_NUMBER = re.compile(rf"{_NUM_BEFORE}\d{{6}} ?\d{{5}}{_NUM_AFTER}")
_NIR = re.compile(
    rf"{_NUM_BEFORE}[12] ?\d{{2}} ?\d{{2}} ?(?:\d{{2}}|2A|2B) ?\d{{3}} ?\d{{3}} ?\d{{2}}{_NUM_AFTER}"
)
# A UK National Insurance number; prefixes that are never issued are left out.
_NINO = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"(?:[ ]?\d{2}){3}[ ]?[A-D](?![A-Za-z0-9])"
)


def _ibans(text: str) -> list[_Finding]:
    found = []
    for match in _anywhere(_IBAN).finditer(text):
        value = match.group("v")
        ends = [len(value), *[m.start() for m in re.finditer(" ", value)][::-1]]
        end = next((e for e in ends if iban.is_valid(value[:e])), None)
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
_DOCUMENT_NUMBER = r"(?=(?:[A-Z]*\d){3})[A-Z0-9]{6,10}(?![\w])"


# -- dates of birth

_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december"
    r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
    r"|januar|februar|mars|mai|juni|juli|oktober|desember|märz|maerz|dezember"
    r"|janvier|février|fevrier|avril|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
    r"|sausio|vasario|kovo|balandžio|gegužės|birželio|liepos|rugpjūčio|rugsėjo|spalio|lapkričio|gruodžio"
)
_DATE_VALUE = rf"""(?:
    \d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})
  | \d{{4}}[./-]\d{{1,2}}[./-]\d{{1,2}}
  | \d{{1,2}}\.\s?\d{{1,2}}\.\s?\d{{4}}
  | \d{{1,2}}(?:st|nd|rd|th|er|\.)?(?:\sof)?\s(?i:{_MONTHS})\.?,?\s\d{{4}}
  | (?i:{_MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?,?\s\d{{4}}
  | (?i:{_MONTHS})\s\d{{4}}
  | \d{{4}}\sm\.\s(?i:{_MONTHS})\s\d{{1,2}}\s?d\.
  | \d{{8}}
)(?![\w])"""
_BIRTH_WORDS = (
    r"born|birth\w*|dob|d\.o\.b|birthday|født|fødd|fødselsdato\w*|fødselsdag\w*|geboren|geburtsdatum\w*"
    r"|geburtstag|née?|naissance|gimiau|gimusi|gimęs|gimimo\sdata|gimtadien\w*"
)


# -- phones

# At most 20 digits per candidate keeps long runs of numbers linear; no phone number is longer.
_PHONE = re.compile(r"(?<![\w+.,:/(-])(?:\+|\()?\d(?:(?:[ .\-/]|\)[ \-]?|[ ]\()?\d){0,19}(?![\w]|[.,:/-]\d)")
_DATE = re.compile(r"\d{1,2}([./-])\d{1,2}\1\d{2,4}|\d{4}([./-])\d{1,2}\2\d{1,2}")
_PHONE_WORDS = (
    r"phone|mobile|cell|tel\.?|tlf\.?|telefon\w*|mobil\w*|handy\w*|portable|téléphone|telefono|telefonas"
    r"|mob\.|call\sme\son|ring\sme\son|whatsapp|sms"
)


def _phones(text: str) -> list[_Finding]:
    """Phone numbers; a run of numbers that is not one may end in one ("in 2019 06 1837 2264")."""
    found = []
    for match in _PHONE.finditer(text):
        value = match.group()
        starts = [0] + [m.start() for m in re.finditer(r"(?<=[ .\-/])[+(]?\d", value)]
        # A number may also be followed by one that is not part of it ("+47 912 34 567 192.168.1.23").
        ends = [len(value), *[m.start() for m in re.finditer(r"[ .\-/]", value)][::-1]]
        digits_before = [0]
        for char in value:
            digits_before.append(digits_before[-1] + char.isdigit())
        position = 0
        for start in (k for k in starts if k >= position):
            fits = (e for e in ends if e > start and 8 <= digits_before[e] - digits_before[start] <= 15)
            end = next((e for e in fits if _is_phone(value[start:e])), None)
            if end is not None:
                found.append(("phone", match.start() + start, match.start() + end))
                position = end
    return found


def _is_phone(value: str) -> bool:
    """Phone-number shapes: international prefix, area code in brackets, trunk 0, US, Norwegian and
    Lithuanian groups."""
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
        # Unspaced, ten digits or an eleven-digit mobile (UK 07…, German 015…-017…).
        mobile = re.match(r"07|01[5-7]", value) is not None
        return 9 <= n <= 12 and (len(groups) > 1 or n == 10 or mobile) and (n < 12 or mobile)
    one_separator = len(set(re.findall(r"\D", value))) <= 1
    us = groups in ([3, 3, 4], [1, 3, 3, 4]) and one_separator and (len(groups) == 3 or digits[0] == 1)
    norwegian = (groups in ([3, 2, 3], [2, 2, 2, 2])) and " " in value and digits[0] >= 2
    lithuanian = digits[0] == 8 and n == 9 and groups in ([2, 3, 4], [1, 3, 5])
    return us or norwegian or lithuanian


# -- street addresses, post boxes and postcodes

_UPPER = "A-ZÀ-ÖØ-ÞĄČĘĖĮŠŲŪŽ"
_WORD = rf"[{_UPPER}][^\W\d_]*"
_HOUSE = r"\d{1,4}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?"
_COMPOUND_SUFFIX = (
    r"straat|laan|weg|gracht|plein|kade|singel|dijk|veien|vegen|gaten|gata|gate|vei|straße|strasse|allee"
    r"|gasse|platz|damm|ufer|plassen|plass|torget|torg|stien|bakken"
)
_SEPARATE_WORD = (
    r"gaten|gata|gate|veien|vegen|vei|allé|alle|plass|torg|Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse"
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
        [{_UPPER}][^\W\d_]*?(?:{_COMPOUND_SUFFIX})[ ]{_HOUSE}
      | (?:{_WORD}[ ]){{1,3}}(?:{_SEPARATE_WORD})[ ]{_HOUSE}
      | (?:{_WORD}[ ]){{1,3}}(?:{_ENGLISH_SUFFIX})\.?[ ]{_HOUSE}
      | (?<![\d.,:/-]){_HOUSE},?[ ](?:{_WORD}[ ]){{1,3}}(?:{_ENGLISH_SUFFIX})\b\.?
      | (?<![\d.,:/-]){_HOUSE}(?:[ ]?(?:bis|ter))?,?[ ](?i:{_FRENCH_WAY})[ ]
            (?:(?:de[ ]la|de|du|des|la|le)[ ]|[ld]')*{_WORD}(?:[ -]{_WORD})*
      | (?i:p\.?[ ]?o\.?[ ]box|post[ ]office[ ]box|postboks|postfach|boîte[ ]postale|b\.p\.|bp
            |case[ ]postale|pašto[ ]dėžutė|a/d)[ ]\d{{1,6}}(?:[ ]\d{{1,4}}){{0,2}}
    ){_ADDRESS_TAIL}{_NUM_AFTER}""",
    re.VERBOSE,
)
_POSTCODE = re.compile(rf"(?<![\w-]){_UK_POSTCODE}(?![\w])|(?<![\w-])LT-\d{{5}}(?![\w])")


# -- names after a self-introduction

_INTRO = re.compile(
    r"(?i:\b(?:my\sname\sis|my\sname's|i'm|i\sam|call\sme|jeg\sheter|mitt\snavn\ser|navnet\smitt\ser"
    r"|je\sm'appelle|mon\snom\sest|je\ssuis|ich\sheiße|ich\sheisse|mein\sname\sist|mano\svardas(?:\syra)?"
    r"|vadinuosi|aš\sesu))[,:]?[ ]+"
)
_NAME_PART = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_PARTICLES = frozenset(
    ["van", "von", "de", "der", "den", "da", "du", "le", "la", "di", "del", "af", "zu", "ten"]
)
# Capitalised words that follow "I'm" or "je suis" and are not names.
_NOT_NAMES = frozenset(
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
        "norsk",
        "lietuvis",
        "lietuvė",
        "français",
        "française",
        "deutsch",
        "deutscher",
        "deutsche",
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
    for intro in _INTRO.finditer(text):
        position, end, words = intro.end(), None, 0
        while words < 4:
            match = _NAME_PART.match(text, position)
            if match is None:
                break
            word = match.group()
            if end is not None and word.casefold() in _PARTICLES:
                position = match.end() + 1
                continue
            if not word[0].isupper() or len(word) < 2 or (words == 0 and word.casefold() in _NOT_NAMES):
                break
            end, words = match.end(), words + 1
            if text[end : end + 1] != " ":
                break
            position = end + 1
        if end is not None:
            found.append(("name", intro.end(), end))
    return found


_DETECTORS: list[_Detector] = [
    _urls,
    _pattern("email", _EMAIL),
    _pattern("email", _SPELLED_EMAIL),
    _pattern("card", _anywhere(_CARD), _is_card),
    _ibans,
    _pattern("account", _anywhere(_KONTONR), lambda v: kontonr.is_valid(_compact(v))),
    _after_keyword("account", _ACCOUNT_WORDS, r"\d[\d .-]{4,30}\d", _digit_count(6, 30)),
    _pattern("national_id", _anywhere(_SSN), _is_ssn),
    _pattern("national_id", _anywhere(_BSN), lambda v: bsn.is_valid(_compact(v))),
    _pattern("national_id", _anywhere(_BIRTH_NUMBER), _is_birth_number),
    _pattern("national_id", _anywhere(_NIR), lambda v: nir.is_valid(_compact(v))),
    _pattern("national_id", _NINO),
    _after_keyword("national_id", _NATIONAL_ID_WORDS, r"\d[\d -]{7,16}\d", _digit_count(9, 15)),
    _after_keyword("id_document", _DOCUMENT_WORDS, _DOCUMENT_NUMBER, lambda v: True),
    _after_keyword("date_of_birth", _BIRTH_WORDS, _DATE_VALUE, lambda v: True),
    _before_keyword("date_of_birth", _DATE_VALUE, r"geboren|gimęs|gimusi|født"),
    _pattern("street_address", _ADDRESS),
    _pattern("street_address", _POSTCODE),
    _phones,
    _after_keyword("phone", _PHONE_WORDS, r"\+?\(?\d[\d ()./-]{6,20}\d", _digit_count(8, 15)),
    _pattern("ip_address", _IPV4, _is_ip),
    _pattern("ip_address", _IPV6, _is_ip),
    _pattern("handle", _HANDLE),
    _names,
]
