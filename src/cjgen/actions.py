"""Actions: the steps participants say they took ("I called them.", "So I booked it online."), verbatim.

An action is what the speaker did, or does as a habit, not what they wish, would do, could do or think. A
sentence says which by its grammar: a first-person subject with a verb of doing in a past form ("I called",
"we've booked", "I had to ring"), or a habit ("I always ring"). Code finds such sentences, in the languages the
rest of cjgen reads, rather than the labeller: asked "is this an action?", a small model also says yes to
wishes that name a step ("Let me cancel in the app."). Among an interview's actions, those the labeller found
most clearly an action come first, one per answer, and a step too short to say what it was about ("I called
them.") is passed over. The item's text is the sentence from its subject on, so an action is faithful by
construction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cjgen.findings import Moment, calibrated, moments_kept, sentence_moments
from cjgen.group import SAYS_WHAT
from cjgen.label import SentenceLabel
from cjgen.wording import (
    as_statement,
    content_words,
    cut_short,
    said_once,
    says_nothing_of_the_service,
    stems,
    unabandoned,
    without_lone_marks,
)

# An action's text: the clause from its subject on, cut at a clause boundary past this many words.
MAX_WORDS = 18
# A step in fewer content words does not say what it was about ("I called them.", "We left."), and a light
# verb, a filler or a word that stands for a thing without naming it names nothing ("I've done that more than
# once.", "I had to get him up to speed.", "I used that one.").
MIN_CONTENT_WORDS = 2
_LIGHT = frozenset(
    [
        "did",
        "done",
        "doing",
        "does",
        "get",
        "got",
        "gotten",
        "getting",
        "make",
        "made",
        "making",
        "put",
        "set",
        "take",
        "took",
        "taken",
        "once",
        "more",
        "though",
        "thing",
        "things",
        "stuff",
        "something",
        "again",
        "way",
        # words that stand for a thing without naming it ("I used that one.", "I talked to someone.")
        "one",
        "ones",
        "someone",
        "somebody",
        "anyone",
        "anything",
        "everyone",
        "everything",
        "few",
        "whatever",
        "through",
        "myself",
        "ourselves",
        "themselves",
    ]
)
_LIGHT_STEMS = stems(_LIGHT)

# Verbs in a past form that report a state of mind or a feeling, not a step (thoughts and feelings have lanes
# of their own), and auxiliaries that say nothing was done.
_NOT_DOING_EN = (
    r"thought|felt|knew|wondered|liked|loved|hated|wanted|needed|wished|hoped|expected|assumed|believed"
    r"|worried|preferred|enjoyed|feared|realised|realized|remembered|agreed|guessed|figured|supposed|meant"
    r"|envisioned|imagined|pictured|considered|noticed|learned|learnt"
    # what was said in the interview itself ("the benefits I mentioned earlier")
    r"|mentioned|described"
    r"|seemed|appreciated|understood|forgot|missed|lived|was|were|had|did|could|would|should|might|used\sto"
)
_DOING_EN = (
    r"(?:[a-z]{3,}ed|used|went|got|took|made|gave|came|saw|found|sent|paid|told|rang|bought|chose|wrote|left"
    r"|put|set|spoke|met|drove|rode|brought|kept|began|ran|sat|stood|caught|hit|read|signed|booked|called"
    r"|filled|logged|clicked|typed|emailed|texted|messaged|googled|picked|dropped|switched|moved|gone"
    r"|gotten|taken|given|spoken|chosen|written|rung|done|seen)"
)
_ADVERB_EN = (
    r"(?:just|then|also|first|finally|eventually|immediately|actually|basically|quickly|already|even|still"
    r"|literally|ended\sup|had\sto|decided\sto|tried\sto|managed\sto|went\sahead\sand|went\sand"
    r"|have|'ve|had|'d\salready)"
)
_HABIT_EN = r"(?:always|usually|normally|often|sometimes|now|generally|typically)"
_NOT_A_VERB_EN = (
    r"think|feel|know|like|love|hate|want|need|wish|hope|guess|mean|am|was|have|had|would|could|should|will"
    r"|can|do|don't|did|didn't|never|just|really|also|still"
)
# A subject after "if" or "unless" tells of what would be, not of a step taken ("I guess if I clicked …"), one
# after "what" names a thing ("what I put in feels redundant"), and one after a doubt denies the step ("I don't
# think I've even gone into my records").
_UNLESS_EN = (
    r"(?<!\bif\s)(?<!\bunless\s)(?<!\bwhat\s)(?<!n't\sthink\s)(?<!not\sthink\s)(?<!n't\sbelieve\s)"
    r"(?<!not\ssure\s)(?<!n't\srecall\s)"
)
_ENGLISH = re.compile(
    # "I've got two kids" owns, "I've got to call" and "I got a reply" do.
    rf"{_UNLESS_EN}\b(?:i|we)(?:'ve\s(?!got\s(?!to\b))|\s(?!have\sgot\s(?!to\b)))"
    rf"(?:{_ADVERB_EN}\s){{0,2}}(?!(?:{_NOT_DOING_EN})\b){_DOING_EN}\b"
    rf"|{_UNLESS_EN}\b(?:i|we)\s(?:{_HABIT_EN}|(?:had|decided|tried|managed|needed|got)\sto)\s"
    rf"(?!(?:{_NOT_A_VERB_EN})\b)[a-z]{{3,}}\b"
)
# Norwegian puts the verb second: "Så ringte jeg", "Nå ringer jeg heller resepsjonen". A past form (-te, -de,
# -dde, -et, or a strong verb) next to the subject, or a present one (-er) when a word of habit says it is one.
_NOT_DOING_NO = (
    r"tenkte|trodde|mente|gjorde|allerede|f[oø]lte|likte|syntes|h[aå]pet|visste|lurte|ville|skulle|kunne"
    r"|burde|hadde|var|dette|denne|siste|beste|f[oø]rste|neste|gjerne|kanskje|egentlig|bare|alle|helt|litt|nok|ikke"
)
_PAST_NO = r"(?:[a-zæøå]{2,}(?:te|de|dde|et)|gikk|fikk|tok|ga|kom|fant|skrev|sa|m[aå]tte)"
_NORWEGIAN = re.compile(
    rf"\b(?:jeg|vi)\s(?!(?:{_NOT_DOING_NO})\b){_PAST_NO}\b|(?<!\bhvis\s)\b(?!(?:{_NOT_DOING_NO})\b){_PAST_NO}"
    rf"\s(?:jeg|vi)\b|\b(?:n[aå]|alltid|vanligvis|ofte)\s[a-zæøå]{{3,}}er\s(?:jeg|vi)\b"
    rf"|\b(?:jeg|vi)\s(?:pleier\s[aå]|alltid|vanligvis|ofte)\s[a-zæøå]{{3,}}\b"
)
# German: a perfect ("ich habe … gebucht") or a simple past ("ich buchte", "dann rief ich an").
_NOT_DOING_DE = r"dachte|f[uü]hlte|hoffte|wusste|glaubte|wollte|sollte|konnte|m[oö]chte|w[uü]rde|h[aä]tte|war"
_GERMAN = re.compile(
    rf"\b(?:ich|wir)\s(?:habe|hab|haben|bin|sind)\b(?:\s\S+){{0,5}}\sge[a-zäöüß]{{3,}}(?:t|en)\b"
    rf"|\b(?:ich|wir)\s(?!(?:{_NOT_DOING_DE})\b)[a-zäöüß]{{3,}}te\b"
    rf"|\b(?!(?:{_NOT_DOING_DE})\b)[a-zäöüß]{{3,}}te\s(?:ich|wir)\b"
)
# French: the passé composé ("j'ai appelé", "on a réservé", "nous avons pris").
_NOT_DOING_FR = r"pens[ée]|cru|senti|esp[ée]r[ée]|voulu|aim[ée]|ador[ée]|d[ée]test[ée]|eu|d[uû]|pu|su"
_FRENCH = re.compile(
    rf"(?:\bj'ai|\bnous\savons|\bon\sa)\s(?:\S+\s)?(?!(?:{_NOT_DOING_FR})\b)"
    rf"[a-zàâçéèêëîïôûù]{{2,}}(?:é|ée|és|i|is|it|u|ert|ris|ait)\b"
)
# Lithuanian marks the person on the verb: a first-person past ends in -au/-iau (a conditional in -čiau).
_NOT_DOING_LT = (
    r"galvojau|maniau|nor[eė]jau|jau[cč]iausi|tik[eė]jausi|bijojau|nerimavau|supratau|daugiau|labiau"
    r"|geriau|ma[zž]iau|toliau|v[eė]liau|anks[cč]iau|ar[cč]iau|da[zž]niau|kaip|jau"
)
_LITHUANIAN = re.compile(rf"\b(?!(?:{_NOT_DOING_LT})\b)[a-ząčęėįšųūž]{{4,}}(?<!či)au\b")
_LANGUAGES = (_ENGLISH, _NORWEGIAN, _GERMAN, _FRENCH, _LITHUANIAN)
# A sentence opening with a condition or a wish is not a step taken ("If I had called them …").
_HYPOTHETICAL = re.compile(r"^(?:if|maybe|perhaps|hvis|kanskje|wenn|falls|si|jei)\b")


def _plain(text: str) -> str:
    """The sentence as matched: one space between words, straight apostrophes, lower case (same length)."""
    return " ".join(text.replace("’", "'").split()).lower()


# A subject after "which", or after "that" where no verb of saying or knowing comes before it, opens a clause
# that tells which thing is meant ("the address that I typed in might be …"), not a step taken; after "said
# that", "knew that" the step is told ("I knew that I had called them"), and "so that" tells what for.
_THAT_CLAUSE_VERBS = frozenset(
    [
        "said",
        "says",
        "say",
        "told",
        "tell",
        "knew",
        "know",
        "think",
        "thought",
        "found",
        "find",
        "realized",
        "realised",
        "noticed",
        "sure",
        "mean",
        "meant",
        "guess",
        "felt",
        "feel",
        "saw",
        "see",
        "heard",
        "hear",
        "so",
        "glad",
    ]
)


def _relative(plain: str, start: int) -> bool:
    """Whether the subject at `start` opens a clause that tells which thing is meant (`_THAT_CLAUSE_VERBS`)."""
    before = plain[:start].split()[-2:]
    if not before or before[-1] not in ("that", "which"):
        return False
    return before[-1] == "which" or len(before) < 2 or before[0].strip(",") not in _THAT_CLAUSE_VERBS


def _steps(pattern: re.Pattern[str], plain: str) -> int | None:
    """Where the pattern first finds a step in the sentence, past the subjects of clauses that tell which thing
    is meant (`_relative`, for English)."""
    for found in pattern.finditer(plain):
        if pattern is not _ENGLISH or not _relative(plain, found.start()):
            return found.start()
    return None


def action_start(text: str) -> int | None:
    """Where the step a sentence reports begins (its subject, or its verb where the verb comes first), or None
    when the sentence reports no step the speaker took."""
    plain = _plain(text)
    if _HYPOTHETICAL.match(plain.lstrip("\"'“ ")):
        return None
    starts = [start for pattern in _LANGUAGES if (start := _steps(pattern, plain)) is not None]
    return min(starts) if starts else None


def is_action(text: str) -> bool:
    return action_start(text) is not None


# A subject right after one of these opens a clause that hangs on another ("Immediately when I got home …, I
# went to the VA"): where the main clause follows, the step is told from the conjunction on.
_CONJUNCTIONS = "when whenever if after before once since because while until as though"
_SUBORDINATING = frozenset(_CONJUNCTIONS.split())
_SUBJECT = re.compile(r"\b(?:I|we|they|he|she|you)\b", re.IGNORECASE)
# Words that open what a clause before them says is (not) known ("… tell you when …", "… remember if …"), and
# words that deny it.
_ASKS_WHICH = frozenset(["when", "where", "if", "whether", "why", "how", "what", "which", "who"])
_NEGATION = re.compile(r"n't\b|n’t\b|\b(?:not|never|no)\b", re.IGNORECASE)


def action_text(text: str) -> str:
    """The step as the participant said it: the sentence from its subject on ("So now I always ring." → "I
    always ring."), or from the conjunction before it where that subject opens a clause the main one follows
    ("Immediately when I got home I went to the VA." → "When I got home I went to the VA."), cut at a clause
    boundary when long, a caption's lone colon gone, a phrase said twice said once and a clause the speaker
    abandoned left out (`said_once`, `unabandoned`). Only cut, never reworded."""
    text = unabandoned(said_once(" ".join(without_lone_marks(text).split())), SAYS_WHAT)
    start = _step_start(text)
    before = text[:start].rstrip()
    conjunction = before.rsplit(" ", 1)[-1]
    if conjunction.strip(",").casefold() in _SUBORDINATING and len(_SUBJECT.findall(text, start)) >= 2:
        start = len(before) - len(conjunction)
    elif (
        (framing := _SUBJECT.search(before)) is not None
        and conjunction.casefold() in _ASKS_WHICH
        and _NEGATION.search(before)
    ):
        # The step is what a clause before it denies knowing ("I can't even tell you when I have gone to the site
        # …", "I don't remember if I called"): shown from there, or it would say what the speaker did not. After
        # a clause that asserts ("I was still working when I applied"), the step is told from its subject on.
        start = framing.start()
    return _shown_from(text, start)


def _shown_from(text: str, start: int) -> str:
    return as_statement(cut_short(text[start:], MAX_WORDS, shortest=4, fallback=MAX_WORDS))


def _step_start(text: str) -> int:
    """Where the step begins in a sentence of single spaces (`action_start`), or 0."""
    return (action_start(text) if len(_plain(text)) == len(text) else None) or 0


def _step_words(text: str) -> set[str]:
    """The content words of the step a sentence reports, from its subject on, as far as it would be shown."""
    text = " ".join(text.split())
    return content_words(_shown_from(text, _step_start(text))) - _LIGHT_STEMS


def action_moments(labels: Sequence[SentenceLabel]) -> list[Moment]:
    """One interview's actions, each one sentence: at most one per answer, those the labeller found most
    clearly an action first, in interview order."""
    lift = calibrated(labels)
    found = [
        lab
        for lab in labels
        if is_action(lab.sentence.text)
        and not says_nothing_of_the_service(lab.sentence.text)
        and len(_step_words(lab.sentence.text)) >= MIN_CONTENT_WORDS
    ]

    def clearness(lab: SentenceLabel) -> float:
        return lift[lab.sentence.id]["action"]

    per_turn: dict[int, SentenceLabel] = {}
    for lab in sorted(found, key=clearness, reverse=True):
        per_turn.setdefault(lab.sentence.turn_index, lab)  # one per answer, its clearest
    strongest = list(per_turn.values())[: moments_kept("action", len(labels))]
    return sentence_moments("action", strongest, clearness)
