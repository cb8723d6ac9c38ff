"""Wording helpers every step shares: content words, how alike two word sets are, and finishing a short
text as a sentence. Nothing here calls a model or knows a step."""

from __future__ import annotations

import re

from cjgen.schema import ChannelKind

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


def content_words(text: str) -> set[str]:
    """Lower-cased content words with a light suffix strip, for comparing two short texts."""
    words = set()
    for word in _WORD.findall(text.casefold()):
        if word in _STOP:
            continue
        for suffix in ("ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        words.add(word)
    return words


def overlap(a: set[str], b: set[str]) -> float:
    """Shared content words, normalised by both sizes (1.0 for identical sets)."""
    if not a or not b:
        return 0.0
    return float(len(a & b) / (len(a) * len(b)) ** 0.5)


def supported_share(statement: str, source: str) -> float:
    """The share of a statement's content words that `source` also holds (1.0 for a statement with none)."""
    words = content_words(statement)
    return len(words & content_words(source)) / len(words) if words else 1.0


_LONE_COLON = re.compile(r"(?:^|(?<=\s)):(?=\s|$)")


def without_lone_colons(text: str) -> str:
    """`it sucks because  : not that …` → `it sucks because   not that …` (a colon with no word before it)."""
    return _LONE_COLON.sub(" ", text)


def as_statement(text: str) -> str:
    """A description as a finished sentence: first letter capitalised, one full stop, no stray quotes, and no
    colon standing alone between words (a machine transcript's mark between caption segments)."""
    text = " ".join(without_lone_colons(text).strip().strip("\"'“”").lstrip(":;, ").split())
    text = re.sub(
        r"^(the )?(participant|customer|user)s?( \w+)? (says|said|feels|felt|mentions|mentioned) (that )?",
        "",
        text,
        flags=re.IGNORECASE,
    )
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text.rstrip(",;:") + "."


# Words that name a channel, in the languages the examples are written in; matched on word starts.
CHANNEL_WORDS: dict[ChannelKind, tuple[str, ...]] = {
    "app": ("app", "apps", "appen", "application"),
    "web": ("website", "web", "site", "online", "portal", "nettside", "nettsiden", "page"),
    "email": ("email", "e-mail", "mail", "inbox", "e-post", "eposten", "newsletter"),
    "phone": ("phone", "call", "called", "calling", "rang", "ring", "ringte", "telefon", "hotline"),
    "chat": ("chat", "whatsapp", "messenger", "chatbot", "bot", "robot"),
    "sms": ("sms", "text message", "texted", "melding"),
    "in person": ("in person", "office", "reception", "store", "shop", "desk", "resepsjonen", "face to face"),
    "delivery": ("delivery", "delivered", "courier", "van", "driver", "levering"),
    "social": ("facebook", "instagram", "reddit", "youtube", "tiktok", "linkedin", "social media"),
    "word of mouth": ("friend", "friends", "colleague", "neighbour", "neighbor", "word of mouth", "venn"),
    "search": ("google", "googled", "search", "searched"),
    "post": ("letter", "post", "mailed", "fax", "brev"),
    "press": ("newspaper", "advert", "ad", "billboard", "radio", "tv", "podcast"),
}


def channels_in(text: str) -> list[ChannelKind]:
    folded = f" {text.casefold()} "
    return [
        kind
        for kind, words in CHANNEL_WORDS.items()
        if any(re.search(rf"\b{re.escape(w)}\b", folded) for w in words)
    ]


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
    r"\b(?:(?:many )?thank(?:s| you)(?: (?:so|very) much)?(?: (?:again|all))?"
    r"(?: for (?:having me|asking|your time|your help|the help|everything|this|that))?|cheers|"
    r"(?:it'?s )?my pleasure|you'?re welcome|glad (?:i|to|we) (?:can |could )?(?:help|be of help)|"
    r"(?:you )?have a (?:great|good|nice|lovely) (?:day|one|evening|weekend)|nice (?:to meet|meeting|talking)"
    r"(?: to)?(?: you)?|good ?bye|bye|see you|take care|i hope (?:it|this|that) (?:was|is|helps|helped)"
    r"(?: helpful)?|ha det(?: bra)?|tusen takk|takk|danke(?: schön| sehr)?|tschüss|auf wiedersehen|"
    r"merci(?: beaucoup)?|au revoir|bonne journée|ačiū|viso gero)\b",
    re.IGNORECASE,
)
# "No problem" is courtesy only said on its own ("Sure, no problem."): "It was no problem at all." is an answer.
_NO_PROBLEM = re.compile(r"^\W*(?:(?:yes|yeah|sure|so|hi|oh|well|okay|ok)\W+)*no problem\W*$", re.IGNORECASE)
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


def says_nothing_of_the_service(sentence: str) -> bool:
    """A sentence that is courtesy alone ("Thank you so much. Have a great day.") or a bare "no" to a
    question ("Not that I can recall."): a labeller that reads it in the light of the question may flag it,
    but it is no problem, good moment or action of the participant's. Anything that names more is kept."""
    sentence = sentence.replace("\u2019", "'")
    if _NO_PROBLEM.match(sentence):
        return True
    rest = _COURTESY.sub(" ", sentence)
    if rest != sentence and not content_words(rest) - _FILLER:
        return True
    if _DENIAL_OPENS.match(sentence) is None:
        return False
    words = _WORDS_OF_ANSWER.findall(sentence.casefold())
    return all(word in _DENIAL_WORDS or word.isdigit() for word in words)
