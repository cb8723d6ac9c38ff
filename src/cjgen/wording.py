"""Wording helpers every step shares: content words, how alike two word sets are, and finishing a short
text as a sentence. Nothing here calls a model or knows a step."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise, takewhile

import snowballstemmer  # type: ignore[import-untyped,unused-ignore]

from cjgen.schema import ChannelKind
from cjgen.sentences import LIST_BULLET

_WORD = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset(
    [
        "the",
        "and",
        "but",
        "for",
        "you",
        "your",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "not",
        "this",
        "that",
        "with",
        "from",
        "they",
        "them",
        "then",
        "there",
        "what",
        "when",
        "which",
        "would",
        "could",
        "should",
        "about",
        "just",
        "like",
        "really",
        "very",
        "some",
        "been",
        "being",
        "into",
        "also",
        "than",
        "because",
        "yeah",
        "okay",
        # sounds of hesitation and assent, however spelled, say nothing of what it is about
        "hmm",
        "hmmm",
        "umm",
        "ummm",
        "uhh",
        "uhm",
        "ehh",
        "mhm",
        "mmhmm",
        "mmm",
        "huh",
        "ahh",
        "ohh",
        "yep",
        "yup",
        "nope",
        "participant",
        "participants",
        "experience",
        "service",
        "which",
        "was",
        "frustrating",
        "annoying",
        "enjoyed",
        "good",
        "great",
        "bad",
    ]
)


_ENGLISH = snowballstemmer.stemmer("english")
_STEMMING = threading.Lock()


@lru_cache(maxsize=1 << 16)  # a study repeats its words: each is stemmed once
def stem(word: str) -> str:
    """A lower-cased word's Snowball stem: "message", "messages" and "messaging" are one word, as are
    "quick" and "quickly". The stemmer keeps state while it works, so it stems one word at a time."""
    with _STEMMING:
        return str(_ENGLISH.stemWord(word))


def stems(words: Iterable[str]) -> frozenset[str]:
    """The stems of a list of words, to take out of `content_words`."""
    return frozenset(stem(word) for word in words)


def content_words(text: str) -> set[str]:
    """The stems of a text's content words (three letters or more, not in the stop list), for comparing
    two short texts word by word whatever form each word takes."""
    return {stem(word) for word in _WORD.findall(text.casefold()) if word not in _STOP}


def counted(n: int, noun: str) -> str:
    """`n` and the noun, plural where `n` is not one: "1 participant", "3 participants"."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def overlap(a: set[str], b: set[str]) -> float:
    """Shared content words, normalised by both sizes (1.0 for identical sets)."""
    if not a or not b:
        return 0.0
    return float(len(a & b) / (len(a) * len(b)) ** 0.5)


# A statement that opens mid-thought leans on words its reader has not seen: a pronoun or a connective that
# points back ("Isn't that a bit odd?", "They came, they took it.", "Because I didn't have one."), or it
# asks instead of saying. A researcher names the thing; the quote's sentence before it would have.
_MID_THOUGHT = re.compile(
    r"^\W*(?:which|that|that's|this|these|those|it|it's|its|he|he's|she|she's|they|they're|them|their|or"
    r"|(?:be)?cause(?!\s+of\b)|same"
    # a phrase that places it after or beside what was said before ("Before that it was fine.")
    r"|(?:before|after|besides|other than|apart from|except for|on top of|because of|due to|like)"
    r"\s+(?:that|this|it|those|them))\b",
    re.IGNORECASE,
)


def opens_mid_thought(statement: str) -> bool:
    return bool(_MID_THOUGHT.match(statement)) or asks(statement)


def asks(statement: str) -> bool:
    """A question ("Isn't that a bit odd?"), not a claim."""
    return statement.rstrip(" .…").endswith("?")


# Words a written sentence uses to stand for what a quote was about without naming it: no sign of a topic when
# grouping, but a claim when a name adds them ("The service was quick and easy." for "It was quick and easy.":
# the kiosk, the clinic or the app?), so a name is checked for them too (`supported_share(..., referents=True)`).
REFERENTS = frozenset({"service", "experience"})


def supported_share(statement: str, source: str, *, referents: bool = False) -> float:
    """The share of a statement's content words that `source` also holds (1.0 for a statement with none);
    with `referents`, the words in REFERENTS count as content words too."""
    words, held = content_words(statement), content_words(source)
    if referents:
        words |= _referents(statement)
        held |= _referents(source)
    return len(words & held) / len(words) if words else 1.0


def _referents(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.casefold()) if word in REFERENTS}


# A colon or a Markdown quote mark with no word next to it: a machine transcript's mark between caption segments
# (`it sucks because  : not that …`), or the `>` a notes answer's next line opens with.
_LONE_MARK = re.compile(r"(?:^|(?<=\s))[:>](?=\s|$)")


def without_lone_marks(text: str) -> str:
    """`it sucks because  : not that …` → `it sucks because   not that …`, `down. > You know` → `down.   You
    know` (`_LONE_MARK`)."""
    return _LONE_MARK.sub(" ", text)


# Up to three words said again after a comma, as speech restarts ("I've, I've missed …", "It was, it was all
# …"), and two or three said again without one, as a stutter ("I went to the to the website"): said once. A
# doubled single word without a comma may be grammar ("I had had enough", "I know that that …"), except a word
# grammar never doubles ("green lit from from the start").
_RESTART = re.compile(r"\b((?:[\w'’]+\s+){0,2}[\w'’]+)(?:,\s+\1\b)+", re.IGNORECASE)
_STUTTER = re.compile(
    r"\b((?:[\w'’]+\s+){1,2}[\w'’]+|(?:the|an?|to|of|in|on|at|for|from|with|by|i|we|they|he|she|my|and|but|or))"
    r"(?:\s+\1\b)+",
    re.IGNORECASE,
)
# "I mean", "you know" or "um" set apart by commas inside a sentence: an aside that says nothing. Before a clause
# of its own ("…, through here, I mean, I've tapped …") the comma stays; inside one ("I was worried, you know,
# about the stairs") both go.
_ASIDE = re.compile(r",\s+(?:i\s+mean|you\s+know|um+|uh+|erm)\s*,\s+(?P<next>[\w'’]+)", re.IGNORECASE)
_OPENS_A_CLAUSE = frozenset(
    [
        "i",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "we",
        "we're",
        "we've",
        "they",
        "they're",
        "he",
        "she",
        "it",
        "it's",
        "that's",
        "there",
        "there's",
        "you",
        "you're",
    ]
)


def _without_aside(aside: re.Match[str]) -> str:
    following = aside["next"]
    return (", " if following.casefold().replace("’", "'") in _OPENS_A_CLAUSE else " ") + following


# A clause joined on at a sentence's end that the speaker abandoned at "to" ("…, and I'd prefer to." before
# starting again).
_ABANDONED = re.compile(r",?\s+(?:and|but|so)\s+(?:[\w'’]+\s+){1,3}to\W*$", re.IGNORECASE)


# A whole clause said again after "and" ("I would like to know who it is with and I would like to know who it is
# with."): a notetaker's or speaker's repeat, said once.
_SAID_TWICE = re.compile(r"^(?P<once>\W*\w.{10,}?)[,;]?\s+(?:and\s+)?(?P=once)(?P<end>\W*)$", re.IGNORECASE)


def said_once(sentence: str) -> str:
    """`sentence` as a statement shows it: a clause, a restarted or a stuttered phrase said once, and an "I mean"
    or "you know" aside left out. Only cut."""
    sentence = _SAID_TWICE.sub(r"\g<once>\g<end>", sentence)
    return _ASIDE.sub(_without_aside, _STUTTER.sub(r"\1", _RESTART.sub(r"\1", sentence)))


def unabandoned(sentence: str, keeps: int) -> str:
    """`sentence` without a clause at its end that the speaker abandoned (`_ABANDONED`), where what is left holds
    at least `keeps` content words."""
    abandoned = _ABANDONED.search(sentence)
    if abandoned is None or len(content_words(sentence[: abandoned.start()])) < keeps:
        return sentence
    return sentence[: abandoned.start()]


_PARTNER = {'"': '"', "'": "'", "“": "”", "”": "“"}


def _unquoted(text: str) -> str:
    """Without the quote marks around the whole text, nor a lone mark at either end that has no partner in
    it; the marks of a quote inside it stay (`states "Call me" or "Contact me."`)."""
    text = text.strip()
    while len(text) >= 2 and text[0] in _PARTNER and text[-1] in _PARTNER:
        text = text[1:-1].strip()
    if text[:1] in _PARTNER and _PARTNER[text[0]] not in text[1:]:
        text = text[1:]
    if text[-1:] in _PARTNER and _PARTNER[text[-1]] not in text[:-1]:
        text = text[:-1]
    return text.strip()


# A name that tells of "the customer" or "the participant" instead of saying what happened: the model's
# framing, in words no one said (a study of patients or veterans has no "customer").
_THE_SPEAKER = r"(?:the|a|this|one)\s+(?P<who>customer|participant|user|interviewee|respondent|client)s?\b"
_OF_THE_SPEAKER = re.compile(rf"^\W*{_THE_SPEAKER}", re.IGNORECASE)
_SPEAKER_ANYWHERE = re.compile(rf"\b{_THE_SPEAKER}", re.IGNORECASE)


def of_the_speaker(statement: str, said: str = "") -> bool:
    """Whether a statement opens by telling of the person who spoke ("The customer was …"), or tells of them
    further on in a word the quote `said` does not hold ("… is not on the participant's side" for "… is not
    on my side")."""
    if _OF_THE_SPEAKER.search(statement):
        return True
    held = stems(_WORD.findall(said.casefold()))
    return any(stem(m["who"].casefold()) not in held for m in _SPEAKER_ANYWHERE.finditer(statement))


def repeats_itself(statement: str, words: int = 3) -> bool:
    """Whether a statement says the same run of `words` words twice ("… because it was still an issue, and it's
    still an issue."), or the same two content words one after the other twice, in any form ("Online refill
    prescriptions made it easier to refill prescriptions online."): a small model looping, not a participant
    restarting (a quote's key clause keeps that)."""
    said = re.findall(r"[\w']+", statement.casefold())
    runs = [tuple(said[n : n + words]) for n in range(len(said) - words + 1)]
    if len(set(runs)) < len(runs):
        return True
    named = [stem(word) for word in _WORD.findall(statement.casefold()) if word not in _STOP]
    pairs = list(pairwise(named))
    return len(set(pairs)) < len(pairs)


# Two words offered as alternatives ("easy or hard", "easy or difficult to find").
_EITHER_OR = re.compile(r"\b([^\W\d_]{3,})\s+or\s+([^\W\d_]{3,})\b")


def takes_a_side(statement: str, quote: str) -> bool:
    """Whether a statement says one of two words its quote only offers as alternatives: "It was hard to check
    on." from "Trying to think if it was easy or hard to check on", "… was difficult" from the question "How easy
    or difficult was it …" typed into the answer. The speaker chose neither, or the other."""
    said = {stem(word) for word in _WORD.findall(statement.casefold())}
    heard = [stem(word) for word in _WORD.findall(quote.casefold())]
    for either, other in _EITHER_OR.findall(quote.casefold()):
        a, b = stem(either), stem(other)
        for chosen, left in ((a, b), (b, a)):
            if chosen in said and left not in said and heard.count(chosen) == 1 and chosen not in _STOP:
                return True
    return False


# What opens a notes line before the words said: its list bullet, and a notetaker's probe label of a few words
# joined to the answer by a dash (`- Why- It lets you …`, `Clarification- Like the form number …`).
_PROBE = re.compile(rf"^(?:{LIST_BULLET.pattern})?(?:[A-Z][\w']*(?: [\w']+){{0,3}}- (?=\S))?")


def as_statement(text: str) -> str:
    """A description as a finished sentence: first letter capitalised, one full stop, no stray quotes or
    Markdown emphasis, and no colon standing alone between words (a machine transcript's mark between caption
    segments)."""
    text = re.sub(r"([.!?…](\*\*|__))\.\s*$", r"\1", without_lone_marks(text))  # "Do it.**." → "Do it.**"
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = " ".join(_PROBE.sub("", _unquoted(text).lstrip(":;, ")).split())
    text = re.sub(
        r"^(the )?(participant|customer|user)s?( \w+)? (says|said|feels|felt|mentions|mentioned) (that )?",
        "",
        text,
        flags=re.IGNORECASE,
    )
    if not text:
        return text
    text = text[0].upper() + text[1:]
    # A backslash at the end is a notetaker's slip of the key next to Enter ("… and things...I \").
    return text if re.search(r"[.!?…][\"'”’)]*$", text) else text.rstrip(",;:\\ ") + "."


# Words that name a channel, in the languages the examples are written in; matched on word starts. An
# "application" is most often a form one fills in (a benefit's, a loan's), not a phone's app: it names none.
CHANNEL_WORDS: dict[ChannelKind, tuple[str, ...]] = {
    "app": ("app", "apps", "appen"),
    "web": ("website", "web", "site", "online", "portal", "nettside", "nettsiden", "page"),
    "email": ("email", "e-mail", "mail", "inbox", "e-post", "eposten", "newsletter"),
    "phone": ("phone", "call", "called", "calling", "rang", "ring", "ringte", "telefon", "hotline"),
    "chat": ("chat", "whatsapp", "messenger", "chatbot", "bot", "robot"),
    "sms": ("sms", "text message", "texted", "melding"),
    "in person": ("in person", "office", "reception", "store", "shop", "desk", "resepsjonen", "face to face"),
    "kiosk": ("kiosk", "kiosks", "ticket machine", "check-in machine", "self-service machine", "automat"),
    "delivery": ("delivery", "delivered", "courier", "van", "driver", "levering"),
    "social": ("facebook", "instagram", "reddit", "youtube", "tiktok", "linkedin", "social media"),
    "word of mouth": ("friend", "friends", "colleague", "neighbour", "neighbor", "word of mouth", "venn"),
    "search": ("google", "googled", "search", "searched"),
    "post": ("letter", "post", "mailed", "fax", "brev"),
    # What is printed or filled in on paper, not sent: a paper form, a printout, a pamphlet.
    "paper": (
        "paper",
        "paperwork",
        "printed",
        "printout",
        "print-out",
        "print out",
        "pamphlet",
        "pamphlets",
        "brochure",
        "leaflet",
        "flyer",
        "handbook",
        "papir",
        "papirskjema",
    ),
    "press": ("newspaper", "advert", "ad", "billboard", "radio", "tv", "podcast"),
}


# Two-letter channel words written in capitals as a matter of course ("TV"); any other in capitals is an acronym
# ("a caregiver when AD", active duty), not the channel.
_ACRONYM_CHANNELS = frozenset(("tv",))
# Phrases in which a channel word names something else (the word in `w`): an app store is no shop one walks
# into, a one-stop shop no shop at all, a video call no phone call, what a thing is called, or being called by
# one's name, no call, and the phone one does something on is the device, not a call.
_NAMES_ANOTHER = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\b(?:app|play|google play|microsoft|windows)\s+(?P<w>store)\b",
        r"\bone[\s-]stop[\s-](?P<w>shop)\b",
        r"\b(?:zoom|video|teams|skype|facetime|conference|webex)\s+(?P<w>call(?:s|ed|ing)?)\b",
        r"\b(?:is|was|are|were|it's|it’s|what's|what’s|so|be|been|being)\s+(?P<w>called)\b",
        r"\b(?P<w>call(?:s|ed|ing)?)(?:\s+(?:me|us|you|him|her|them))?\s+by\s+(?:my|our|your|his|her|their)?\s*name\b",
        r"\b(?:on|from|onto|with)\s+(?:my|his|her|your|their|our)\s+(?P<w>phones?)\b",
        r"\b(?:my|his|her|your|their|our)\s+(?P<w>phone)(?:'s)?\s+(?:screen|battery|camera|service|settings)\b",
    )
)


@lru_cache(maxsize=256)
def _naming_another(text: str) -> frozenset[tuple[int, int]]:
    """Where the text's channel words name something else (`_NAMES_ANOTHER`): found once per text, not once per
    channel word looked for in it."""
    return frozenset(m.span("w") for pattern in _NAMES_ANOTHER for m in pattern.finditer(text))


def _channel_word(word: str, text: str) -> re.Match[str] | None:
    """Where a channel word stands in a text, in any case; one followed by a number is not the channel ("post
    9/11", "page 3"), nor a short one in capitals that is not written so ("AD"), nor one in a phrase that
    names something else (the store of "the app store", "a video call", "it's called")."""
    elsewhere = _naming_another(text)
    for found in re.finditer(rf"\b{re.escape(word)}\b(?![\s-]*\d)", text, re.IGNORECASE):
        acronym = len(word) <= 2 and found.group().isupper() and word not in _ACRONYM_CHANNELS
        inside = found.span() in elsewhere
        if not acronym and not inside:
            return found
    return None


def channels_in(text: str) -> list[ChannelKind]:
    return [kind for kind, words in CHANNEL_WORDS.items() if any(_channel_word(w, text) for w in words)]


# Channel words that are verbs ("I rang them"), with the noun that names what they used.
CHANNEL_VERBS = {
    "called": "phone call",
    "calling": "phone call",
    "rang": "phone call",
    "ring": "phone call",
    "ringte": "phone call",
    "texted": "text message",
    "mailed": "letter",
    "googled": "search",
    "searched": "search",
    "delivered": "delivery",
    "printed": "printout",
}
# Words that never name which channel it was: pronouns, articles, prepositions, common verbs and adverbs,
# and adjectives of size or judgement ("a little email" is an email).
_NOT_A_NAME = frozenset(
    [
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "i’d",
        "i’ll",
        "i’m",
        "i’ve",
        "me",
        "my",
        "mine",
        "we",
        "us",
        "our",
        "you",
        "your",
        "he",
        "him",
        "his",
        "she",
        "her",
        "they",
        "them",
        "their",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "the",
        "a",
        "an",
        "some",
        "any",
        "every",
        "each",
        "all",
        "no",
        "not",
        "on",
        "in",
        "at",
        "to",
        "by",
        "via",
        "through",
        "from",
        "for",
        "of",
        "with",
        "over",
        "into",
        "onto",
        "off",
        "out",
        "up",
        "and",
        "or",
        "but",
        "so",
        "then",
        "also",
        "just",
        "really",
        "even",
        "still",
        "only",
        "own",
        "same",
        "other",
        "another",
        "different",
        "one",
        "first",
        "next",
        "last",
        "new",
        "old",
        "is",
        "was",
        "be",
        "been",
        "are",
        "were",
        "am",
        "have",
        "has",
        "had",
        "do",
        "did",
        "does",
        "can",
        "could",
        "would",
        "will",
        "should",
        "use",
        "used",
        "using",
        "went",
        "go",
        "going",
        "got",
        "get",
        "getting",
        "checked",
        "check",
        "saw",
        "see",
        "seen",
        "sent",
        "send",
        "there",
        "here",
        "where",
        "when",
        "which",
        "who",
        "whom",
        "whose",
        "what",
        "how",
        "why",
        "again",
        "too",
        "back",
        "now",
        "today",
        "yesterday",
        "before",
        "after",
        "later",
        "once",
        "twice",
        "ever",
        "never",
        "always",
        "already",
        "yet",
        "well",
        "right",
        "away",
        "anyway",
        "instead",
        "either",
        "though",
        "please",
        "maybe",
        "between",
        "about",
        "around",
        "during",
        "without",
        "within",
        "across",
        "against",
        "along",
        "among",
        "behind",
        "below",
        "beside",
        "beyond",
        "inside",
        "outside",
        "since",
        "toward",
        "towards",
        "under",
        "until",
        "upon",
        "little",
        "big",
        "small",
        "long",
        "short",
        "quick",
        "whole",
        "simple",
        "weird",
        "strange",
        "nice",
        "good",
        "great",
        "bad",
        "normal",
        "usual",
        "proper",
        "real",
    ]
)
# Words that open a noun phrase: after one, a plain word before a channel word says which one it is
# ("the exercise app"); without one it is as likely a verb ("find it online").
_DETERMINERS = frozenset(
    ("the", "a", "an", "my", "your", "his", "her", "its", "our", "their", "this", "that")
)
# Channel words that say how, not what: nothing next to them names the channel ("checked in online").
_ADVERBIAL_CHANNELS = frozenset(("online", "in person", "face to face", "word of mouth"))
_PHRASE_TOKEN = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")


def _names_which(token: str, before: str = "") -> bool:
    """Whether a word next to a channel word says which one it is ("the VA website", "WhatsApp support"): a
    name, or a plain word that follows `before`, a word that opens a noun phrase."""
    folded = token.casefold()
    if folded in _NOT_A_NAME or folded.endswith(("ly", "ing")):
        return False
    if token[0].isupper():
        return True
    return bool(content_words(token)) and not folded.endswith("ed") and before.casefold() in _DETERMINERS


def channel_phrase(kind: ChannelKind, text: str) -> str | None:
    """The participant's own name for a channel of `kind` in `text`: its channel word with the words next to
    it that say which one ("I went on the VA website" → "VA website", "an SMS confirmation" → "SMS
    confirmation"), or what a verb says they used ("I rang them" → "phone call"). None when there is none."""
    found = [m for word in CHANNEL_WORDS.get(kind, ()) for m in [_channel_word(word, text)] if m is not None]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    word = match.group(0).casefold()
    if word in CHANNEL_VERBS:
        return CHANNEL_VERBS[word]
    if word in _ADVERBIAL_CHANNELS:
        return match.group(0)
    tokens = list(_PHRASE_TOKEN.finditer(text))
    inside = [k for k, t in enumerate(tokens) if t.start() < match.end() and t.end() > match.start()]
    if not inside:
        return match.group(0)
    first, last = inside[0], inside[-1]

    def joined(a: int, b: int) -> bool:  # nothing but a space between two tokens
        return not text[tokens[a].end() : tokens[b].start()].strip()

    while (
        first > 0
        and inside[0] - first < 2
        and joined(first - 1, first)
        and _names_which(tokens[first - 1].group(), tokens[first - 2].group() if first > 1 else "")
    ):
        first -= 1
    # A word after it names which one only where a clause goes on past it ("an SMS confirmation right away",
    # "WhatsApp support, then"): in "the app kept logging me out" or "the app works." it is the verb.
    after = last + 1
    if (
        after + 1 < len(tokens)
        and joined(last, after)
        and _names_which(tokens[after].group(), "the")
        and not re.search(r"['’]", tokens[after].group())
        and (
            text[tokens[after].end() : tokens[after + 1].start()].strip()[:1] in (",", ";", "(")
            or (joined(after, after + 1) and tokens[after + 1].group().casefold() in _NOT_A_NAME)
        )
    ):
        last = after
    return text[tokens[first].start() : tokens[last].end()]


def channel_name(kind: ChannelKind, texts: Sequence[str]) -> str:
    """What the texts most often call a channel of `kind` (the longer name on a tie), else the kind."""
    said = [p for p in (channel_phrase(kind, t) for t in texts) if p]
    if not said:
        return kind
    counts = Counter(p.casefold() for p in said)
    return max(said, key=lambda p: (counts[p.casefold()], len(p.split())))


_CLAUSE_ENDS = (",", ";", ":", "–", "—")
# Words a statement cut short does not end on: they leave a phrase open ("… said they will …", "… with someone
# who had …"). Words that can close one stay ("I checked in with them …", "I liked it …").
_OPEN_ENDED = frozenset(
    " ".join(
        [
            "a an the my your his her its our their",
            "and or but nor so because if then than that which who whom whose when where while as",
            "to of for with from by at into onto",
            "i he she we they",
            "am is are was were be been being have has had do does did",
            "will would can could shall should may might must not said says say",
            "can't don't doesn't didn't won't isn't wasn't aren't weren't couldn't wouldn't shouldn't haven't",
            "how what why whether some any every each no all this these those such very really just",
        ]
    ).split()
)
_ELLIPSIS = ("...", "…")
CUT_MARK = " …"  # what `cut_short` and `first_words` end a text they cut with


def breaks_off(text: str) -> bool:
    """Whether a sentence stops mid-phrase with an ellipsis ("I don't like how you can't..."): the speaker
    broke off, or a cut left a phrase open; no claim a reader can sign."""
    text = text.rstrip(" \"'”’")
    if not text.endswith(_ELLIPSIS):
        return False
    words = text.rstrip(".… ").split()
    return not words or words[-1].casefold().strip(",;:") in _OPEN_ENDED


# A clause of its own opens where one of these joins a subject to what was said ("… a headache and frustration
# and you have to drive all the way …", "… this way, and I could do it, but it was painful").
_JOINS = frozenset(["and", "but", "so"])
_SUBJECTS = frozenset(
    [
        "i",
        "i'm",
        "i've",
        "i'd",
        "i'll",
        "you",
        "you're",
        "you've",
        "we",
        "we're",
        "we've",
        "they",
        "they're",
        "they've",
        "he",
        "he's",
        "she",
        "she's",
        "it",
        "it's",
        "there",
        "there's",
    ]
)


def _clause_boundary(words: Sequence[str], n: int) -> bool:
    """Whether a clause ends after the first `n` words: at a mark, or before the joining words ("and", "and
    so") and subject of a clause of its own."""
    if words[n - 1].endswith(_CLAUSE_ENDS):
        return True
    before, *after = (w.casefold().replace("’", "'").strip(",;:") for w in words[n - 1 : n + 3])
    joins = len(list(takewhile(_JOINS.__contains__, after)))
    return before not in _JOINS and 0 < joins < len(after) and after[joins] in _SUBJECTS


def cut_short(text: str, limit: int, *, shortest: int, fallback: int) -> str:
    """`text` where it has at most `limit` words. Else, marked as cut: its words up to its last clause
    boundary that fits (`_clause_boundary`), from `shortest` words on; where it has none, its first `fallback`
    words, less those at the end that leave a phrase open. Only cut, never reworded."""
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    cuts = [n for n in range(shortest, limit + 1) if _clause_boundary(words, n)]
    kept = words[: cuts[-1]] if cuts else words[:fallback]
    while not cuts and len(kept) > shortest and kept[-1].casefold() in _OPEN_ENDED:
        kept.pop()
    return " ".join(kept).rstrip("".join(_CLAUSE_ENDS)) + CUT_MARK


def first_words(text: str, words: int) -> str:
    """The text's first `words` words, one space between them, with an ellipsis when it goes on."""
    parts = text.split()
    return " ".join(parts[:words]) + (CUT_MARK if len(parts) > words else "")


def whole_sentences(text: str) -> str:
    """Drop a trailing fragment that the length limit cut off ("… They may also")."""
    text = text.strip()
    if text.endswith((".", "!", "?")) or ". " not in text:
        return text
    return text[: text.rindex(". ") + 1]


def whole_answer(answer: str, max_words: int) -> str:
    """A short answer as whole sentences; "" when the token cap cut it off and no whole sentence is left."""
    text = " ".join(answer.strip().strip("\"'“”").split())
    if len(text.split()) > max_words and not text.endswith((".", "!", "?")):
        text = whole_sentences(text)
        if not text.endswith((".", "!", "?")):
            return ""
    return text


# Courtesy that says nothing of the service: thanks, farewells, "glad I could help", in the languages the
# interviews are held in.
_COURTESY = re.compile(
    # "No problem" is courtesy where it opens the sentence ("Sure, no problem.", "No problem, glad to help."):
    # "It was no problem at all." is an answer.
    r"^\W*(?:(?:yes|yeah|sure|so|hi|oh|well|okay|ok)\W+)*no problem\b|"
    r"\b(?:(?:many )?thank(?:s| you)(?: (?:so|very) much)?(?: (?:again|all))?"
    r"(?: for (?:having me|asking|your time|your help|the help|everything|this|that))?|cheers|"
    r"(?:it'?s )?my pleasure|you'?re welcome"
    r"|glad (?:that )?(?:i|to|we) (?:can |could |was able to |were able to )?(?:help|be of help)|"
    r"(?:you )?have a (?:great|good|nice|lovely) (?:day|one|evening|weekend)|nice (?:to meet|meeting|talking)"
    r"(?: to)?(?: you)?|good ?bye|bye|see you|take care|i hope (?:it|this|that) (?:was|is|helps|helped)"
    r"(?: helpful)?|ha det(?: bra)?|tusen takk|takk|danke(?: schön| sehr)?|tschüss|auf wiedersehen|"
    r"merci(?: beaucoup)?|au revoir|bonne journée|ačiū|viso gero)\b",
    re.IGNORECASE,
)
# The research team's script, left in a participant's turn where notes were typed into the conversation guide:
# its lines speak to the participant of their opinions and feedback, and of recording the session, as no
# participant speaks to a researcher ("We use the recordings to confirm that we have captured your opinions
# accurately."). A participant's "your feedback form" names the service's form, and stays.
_RESEARCH_SCRIPT = re.compile(
    r"\byour\s(?:honest\s)?(?:opinions?|feedback)\b(?!\s(?:form|survey|page|button|link|section|email|tool))"
    r"|\bwe\suse\sthe\srecordings?\b|\brecord(?:ing)?\s(?:my\sscreen|the\saudio|(?:the\s)?screen\sand\s(?:the\s)?audio)\b"
    r"|\bno\sright\sor\swrong\sanswers?\b|\bwon't\shurt\smy\sfeelings\b|\bwe\sare\snot\stesting\syou"
    # the session's own recording switched on or off ("I have started recording.", "I'll stop the recording now")
    r"|\b(?:start|started|starting|stop|stopped|stopping|pause|paused|end|ended)\s(?:the\s|this\s)?recording"
    r"(?=[*_]*\s*(?:[.,;:!?]|$|now\b|(?:this|the)\s(?:session|call|interview)\b))"
    # the moderator's thanks at the close ("we really appreciate you taking the time to share your thoughts")
    r"|\bappreciate\s(?:you|your)\staking\sthe\stime\b|\bshare\syour\sthoughts\swith\sus\b"
    # the notetaker's note of what the research team did or saw, left in the answer ("Moderator helped navigate
    # to the files page.", "**Note**: he's reading the page."): a participant speaks to the moderator as "you"
    r"|^\W*(?:the\s)?(?:moderator|facilitator|interviewer|note-?taker)s?\b(?!\s(?:is|was|were|are)\b)"
    r"|^\W*notes?\W{0,4}:"
    # a usability test's disclaimer ("This is a demo tool that may not function exactly the way you expect.")
    r"|\b(?:prototypes?|demo)\b[^.!?]{0,40}\b(?:may|might|will)\s(?:not|n't)\s(?:function|work)\b[^.!?]{0,30}\bexpect"
    # ... and its forewarning of what will and will not respond ("Some areas of the prototype will be clickable,
    # and some will not."): a participant tells what is or is not clickable
    r"|\bwill\s(?:not\s)?be\sclickable\b",
    re.IGNORECASE,
)
# Words that may stand with courtesy and add nothing to it ("Yes, thank you so much, all of you").
_FILLER = frozenset(
    [
        "yes",
        "yeah",
        "yep",
        "okay",
        "well",
        "sure",
        "great",
        "good",
        "nice",
        "lovely",
        "wonderful",
        "much",
        "lot",
        "all",
        "again",
        "too",
        "very",
        "really",
        "so",
        "everyone",
        "everybody",
        "both",
        "you",
        "alright",
        "right",
        "then",
    ]
)
_FILLER_STEMS = stems(_FILLER)
# A bare "no" to a question ("No, not at this moment.", "Not that I can recall.", "No I have never used it.",
# "Not in the last 14 years."): it opens with a denial and holds no word but these, so it names nothing.
# A denial that goes on to name anything ("No, it never worked.", "Not really, too expensive.") is kept.
_DENIAL_OPENS = re.compile(
    r"^\W*(?:(?:um|uh|well|oh|so|honestly)\W+)*(?:no|nope|nah|not|nothing|never|none)\b", re.IGNORECASE
)
_DENIAL_WORDS = frozenset(
    [
        "no",
        "nope",
        "nah",
        "not",
        "never",
        "nothing",
        "none",
        "i",
        "we",
        "it",
        "that",
        "there",
        "they",
        "this",
        "these",
        "have",
        "has",
        "had",
        "haven't",
        "hasn't",
        "hadn't",
        "do",
        "did",
        "don't",
        "didn't",
        "doesn't",
        "was",
        "is",
        "am",
        "are",
        "wasn't",
        "isn't",
        "aren't",
        "weren't",
        "can",
        "could",
        "can't",
        "cannot",
        "couldn't",
        "recall",
        "remember",
        "think",
        "know",
        "of",
        "really",
        "at",
        "all",
        "completely",
        "quite",
        "yet",
        "so",
        "far",
        "moment",
        "time",
        "point",
        "right",
        "now",
        "sure",
        "to",
        "be",
        "honest",
        "honestly",
        "from",
        "the",
        "top",
        "my",
        "head",
        "off",
        "in",
        "last",
        "year",
        "years",
        "month",
        "months",
        "week",
        "weeks",
        "day",
        "days",
        "um",
        "uh",
        "well",
        "oh",
        "yeah",
        "yes",
        "okay",
        "ok",
        "used",
        "tried",
        "seen",
        "heard",
        "that's",
        "about",
    ]
)
_WORDS_OF_ANSWER = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")


# A liking of "that" or "it" with nothing else ("I like that.", "Oh, I love it!", "That's great."): what was liked
# is in the question, not in the words, and a finding worded from them says nothing.
_BARE_LIKING = re.compile(
    r"^\W*(?:(?:oh|yeah|yes|well|okay|ok|wow|so)\W+)*(?:i\s+(?:really\s+|do\s+)?(?:like|love)\s+(?:that|it|this)"
    r"|(?:that|it|this)(?:'s|\s+is|\s+was)\s+(?:really\s+|very\s+|so\s+)?(?:great|nice|cool|awesome|good|neat|lovely))"
    r"(?:\W+(?:a\s+lot|too|though|actually))*\W*$",
    re.IGNORECASE,
)


def says_nothing_of_the_service(sentence: str) -> bool:
    """A sentence that is courtesy alone ("Thank you so much. Have a great day."), a bare "no" to a
    question ("Not that I can recall."), a bare liking of "that" ("I like that.": `_BARE_LIKING`) or a line of
    the research team's script left in the participant's notes (`_RESEARCH_SCRIPT`): a labeller that reads it in
    the light of the question may flag it, but it is no problem, good moment or action of the participant's.
    Anything that names more is kept."""
    sentence = sentence.replace("\u2019", "'")
    if _RESEARCH_SCRIPT.search(sentence) or _BARE_LIKING.match(" ".join(sentence.split())):
        return True
    rest = _COURTESY.sub(" ", sentence)
    if rest != sentence and not content_words(rest) - _FILLER_STEMS:
        return True
    if _DENIAL_OPENS.match(sentence) is None:
        return False
    words = _WORDS_OF_ANSWER.findall(sentence.casefold())
    return all(word in _DENIAL_WORDS or word.isdigit() for word in words)


# A verdict that something was merely acceptable ("Delivery was fine.", "It was pretty routine.", "It worked."):
# satisfied, not delighted. Researchers read it as the stage going as expected, not as a good moment, and a
# labeller that reads it as good fills the good moments with the stages nobody remarked on.
_LUKEWARM = re.compile(
    r"^\W*(?:(?:yeah|yes|well|oh|so|and|but|honestly|um|uh|overall|generally|i\s+think|i\s+guess|i\s+suppose"
    r"|for\s+the\s+most\s+part|all\s+in\s+all|on\s+the\s+whole)\W+)*"
    r"(?:(?:it|that|this|everything|(?:the\s+)?[^\W\d_]+(?:\s+[^\W\d_]+)?)\s+(?:was|is|went|were|seemed|seems)\s+"
    r"(?:(?:all|just|pretty|quite|perfectly)\s+)?"
    r"(?:fine|okay|ok|alright|all\s+right|not\s+bad|average|so-so|normal|routine|standard|as\s+expected)"
    r"|it\s+worked)"
    r"(?:\W+(?:i\s+guess|i\s+suppose|anyway|actually|really|overall|i\s+think))*\W*$",
    re.IGNORECASE,
)


def only_lukewarm(sentence: str) -> bool:
    """Whether a sentence says no more than that something was acceptable (`_LUKEWARM`): "The pickup was
    fine.", "It was okay.", not "It was fine and the driver was lovely." nor "Should be fine, take a picture."."""
    return _LUKEWARM.match(" ".join(sentence.replace("\u2019", "'").split())) is not None
