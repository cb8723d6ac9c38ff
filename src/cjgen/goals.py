"""Goals: what participants say they want, need or are trying to do ("I just need it to work every morning"),
verbatim, for the personas they belong to.

Like a thought, a goal is found by its words, not asked of the model: a first-person want, need, wish or
purpose ("… so I can …") says what it is, and so does a notetaker's line that opens with one ("Wants to …").
What the participant does on the screen in front of them ("I want to click on …") is the task of the moment,
not a goal; a facilitator's request left in a notes file ("I'd like you to open a new tab …"), a hedge ("I want
to say it was May") and a question put back to the interviewer are not goals either (`about.NOT_A_WANT`). Its own words, from the want on, are
the goal's text, so a goal is faithful by construction. Among an interview's goals, those the labeller found
most charged come first: a need said with feeling is the one a persona is known by.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cjgen.about import NOT_A_WANT, about_labels, straight
from cjgen.findings import Moment, charged_moments, sentence_moments
from cjgen.label import SentenceLabel

PER_INTERVIEW = 3
MIN_WORDS = 6  # of the goal, from its want on: "I need to go." says nothing of what is wanted
_ADVERBS = (
    r"(?:(?:just|really|only|still|also|always|definitely|honestly|actually|mostly|mainly|kind\sof)\s){0,2}"
)
# A first-person want, need or wish ("I just want", "I'd really like", "I don't want"), matched after curly
# apostrophes are made straight. It must open its clause: "what I need", "the forms that I needed" and "as quick
# as I'd like" name a thing, not a goal. What one does as a habit ("I try to explain …") and a need told as what
# happened ("I needed a scan, so I went in …") are not goals either; what one was trying to do, or wanted, is.
_WANTS = (
    # English
    rf"\bi\s{_ADVERBS}(?:(?:do\s?n[o']t|did\s?n[o']t|would\s?n[o']t|would|'d)\s{_ADVERBS})?"
    r"(?:want|wanted|need|wish|hope|prefer|like\sto|love\sto|rather|care\sabout|am\strying|was\strying"
    r"|have\sto\sbe\sable)\b"
    rf"|\bi'm\s{_ADVERBS}(?:trying|hoping)\b"
    rf"|\bi(?:'d|\swould)\s{_ADVERBS}(?:like|love|rather|prefer)\b"
    # Norwegian
    r"|\bjeg\s(?:vil\sha|vil|ønsker|trenger|håper|skulle\sønske|foretrekker)\b"
    # German
    r"|\bich\s(?:will|möchte|brauche|wünsche\smir|hoffe|hätte\sgern)\b"
    # French
    r"|\bje\s(?:veux|voudrais|souhaite|préfère|préférerais)\b|\bj'(?:ai\sbesoin|aimerais|espère)\b"
    # Lithuanian
    r"|\b(?:noriu|norėčiau|norėtųsi|man\sreikia|tikiuosi)\b"
)
# Wherever they stand: a stated aim, a purpose ("… so I can …"), and a notetaker's line that opens with the
# want ("Wants a receipt.", "Would like to see …").
_AIMS = (
    r"\bmy\s(?:main\s|only\s|biggest\s|first\s)?(?:goal|priority|aim)\s(?:is|was|would\sbe)\b"
    r"|\bmost\simportant\s(?:thing\s)?(?:to|for)\sme\b|\bso\s(?:that\s)?i\scan\b"
    r"|^(?:wants|needs|would\s(?:like|prefer|rather)|prefers|wishes|hopes)\b"
)
_WANT = re.compile(_WANTS, re.IGNORECASE)
# A need denied says what is not needed ("I didn't need the big one", "I don't really need it for work"): how the
# person uses the service, not what they want of it. (A want denied, "I don't want to wait", is a goal.)
_NO_NEED = re.compile(rf"n[o']t\s{_ADVERBS}need\b", re.IGNORECASE)
_AIM = re.compile(_AIMS, re.IGNORECASE)
# A sentence that stops on a word no sentence ends on ("I would like to know if.", "… to see the.") was cut
# off, by the speaker or by a transcriber's full stop: it does not say what is wanted.
_CUT_OFF = re.compile(r"\b(?:a|an|the|my|your|our|their|and|or|but|because|if)\W*$", re.IGNORECASE)
# What may stand before a want that opens its clause: nothing, a mark, or a word that joins or opens speech.
_OPENS = re.compile(
    r"(?:^|[,;:.!?()\-–—]|\b(?:and|but|so|because|cause|yeah|yes|no|well|honestly|personally|really|oh|um|uh"
    r"|now|then|also|though|plus|ok|okay|og|men|und|aber|et|mais|ir|bet))\s*$",
    re.IGNORECASE,
)


def goal_start(text: str) -> int | None:
    """Where the want of a goal sentence opens in `text` (its characters as given), or None for no goal."""
    said = straight(text)
    if said.endswith("?") or NOT_A_WANT.search(said) or _CUT_OFF.search(said):
        return None
    starts = [m.start() for m in _AIM.finditer(said)]
    starts += [
        m.start()
        for m in _WANT.finditer(said)
        if _OPENS.search(said[: m.start()]) and not _NO_NEED.search(m[0])
    ]
    for start in sorted(starts):
        if len(said[start:].split()) >= MIN_WORDS:
            # `said` collapsed the spaces of `text`: the same words before the want, counted in `text`.
            return _word_offset(text, len(said[:start].split()))
    return None


def _word_offset(text: str, words: int) -> int:
    spans = [m.start() for m in re.finditer(r"\S+", text)]
    return spans[words] if words < len(spans) else 0


def is_goal(text: str) -> bool:
    return goal_start(text) is not None


def goal_text(text: str) -> str:
    """The goal as the participant said it, from the want on ("So yeah, I just need it to …" → "I just need it
    to …"); a purpose clause keeps the sentence whole ("I got it so I can ride to work")."""
    start = goal_start(text)
    if start is None:
        return text
    rest = text[start:]
    return text if re.match(r"so\s", rest, re.IGNORECASE) else rest


def goal_moments(labels: Sequence[SentenceLabel]) -> list[Moment]:
    """One interview's goals, each one sentence, the most charged first, in interview order."""
    return charged_moments("goal", labels, is_goal, PER_INTERVIEW)


def about_moments(labels: Sequence[SentenceLabel]) -> list[Moment]:
    """How a participant says who they are (`about.about_labels`), each sentence a moment, in interview order."""
    return sentence_moments("about", about_labels(labels), lambda _: 0.0)
