"""Who a participant is, in their own words: the sentences of an interview's opening in which they speak of
themselves ("I'm a nurse, I work nights on the ward"), found by their words, not asked.

An interview opens by asking who the participant is, so what they say of themselves there describes them better
than the problems the map finds later: it shows under their persona and in a one-interview summary. Asides about
the call ("Sorry, I'm just making tea") and sentences that lean on what was said before are not such sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cjgen.wording import opens_mid_thought, says_nothing_of_the_service

if TYPE_CHECKING:
    from cjgen.label import SentenceLabel

# Words of wanting that say no want of the participant's: what they do on the screen in front of them (the
# moment's task), a want with nothing wanted, a facilitator's request or steering, a hedge or courtesy. Neither a
# goal nor who one is.
NOT_A_WANT = re.compile(
    r"\b(?:want|need|like|trying|try)\sto\s(?:just\s)?(?:click|tap|scroll|press|select|hit|type|drag|zoom|refresh"
    r"|open\sthe\s(?:tab|link|menu)|go\sback|go\sup|go\sdown)\b"
    # a want with nothing wanted: what it refers to was said before ("I don't want to, because of the kids")
    r"|\b(?:want|wanted|need|needed|like|love)\sto(?:\s*[,.;!]|\s*$|\s(?:because|but|and|so|or)\b)"
    # in the middle of a task or a sentence: what they look for, try to recall or picture right now ("I'm trying to
    # see if …", "I'm trying to think how to put it", "I'm trying to imagine what it might look like")
    r"|\btrying\sto\s(?:see\sif|see\swhere|remember|recall|think|read|find\sthe|figure\sout\swhere|imagine"
    r"|picture|make\ssense\sof|wrap\smy\shead)\b"
    # a request to the listener, or steering the conversation: a facilitator's words, not a want ("I'd like you to
    # open a new tab", "I want to ask about …", "I'd like to talk about your experience")
    r"|\b(?:like|want|need|wanted)\s(?:you|everyone|all\sof\syou)\sto\b"
    r"|\b(?:like|want|wanted)\sto\s(?:just\s)?(?:talk\sabout|talk\sa\slittle|ask|emphasi[sz]e|remind|thank|introduce"
    r"|confirm|double-check|start\sby|begin\sby|be\ssure\sto\send|be\ssure\sbefore|get\sstarted|go\sover)\b"
    # a hedge or courtesy, not a want ("I want to say it was May", "I don't want to be unkind")
    r"|\bwant\sto\s(?:say|sound|complain|be\s(?:rude|unkind|mean|negative|harsh|unfair|honest))\b"
    # courtesy about the call ("I hope you're well", "I hope this all works", "I hope it was useful")
    r"|\bhope\s(?:that\s)?(?:you|everyone|i\s(?:was|wasn|helped)|(?:this|that|it)\s(?:all\s)?(?:works|helps|is\suseful"
    r"|was\suseful|'s\suseful))",
    re.IGNORECASE,
)


def straight(text: str) -> str:
    """Curly apostrophes made straight, runs of spaces one."""
    return " ".join(text.replace("’", "'").split())


ABOUT_PER_INTERVIEW = 2
ABOUT_WORDS = 8
OPENING_SHARE = 5  # the first fifth of an interview: where it asks who the participant is
_SELF = re.compile(r"\b(?:i|i'm|i've|my|we|we're|we've|our)\b", re.IGNORECASE)
# A question about the person ("Tell me a bit about yourself", "What do you do?", "Background:").
_ABOUT_YOU = re.compile(
    r"\b(?:yourself|about\syou\b|who\syou\sare|what\sdo\syou\sdo|your\s(?:work|job|role|family|background"
    r"|household|situation|service)|background|introduce|deg\sselv|hva\sjobber|über\ssich|vous\sprésenter"
    r"|apie\ssave)",
    re.IGNORECASE,
)
# Words that say who one is: what one is, does, did, where one lives, one's household ("I'm a nurse", "I served
# 23 years", "my wife and I"), in the languages the rest of cjgen reads.
_WHO = re.compile(
    r"\bi(?:'m|\sam)\s(?:a|an|the|retired|married|single|still|currently|now|from|originally|working|disabled"
    r"|self-employed|\d+)\b|\bi\s(?:work|worked|live|lived|served|retired|joined|enlisted|grew\sup|teach|taught"
    r"|study|studied|spent|did\s\d+|was\s(?:in|a|an|born)|have\s(?:been|served|worked|lived)|used\sto\swork)\b"
    r"|\bi've\s(?:been|lived|worked|served)\b|\bmy\s(?:wife|husband|partner|kids|children|son|daughter|family|job"
    r"|mom|mother|dad|father)\b|\bwe\s(?:live|moved)\b|\byears?\sold\b"
    r"|\bjeg\s(?:er|jobber|bor|har\sjobbet)\b|\bich\s(?:bin|arbeite|wohne)\b|\bje\s(?:suis|travaille|vis|habite)\b"
    r"|\b(?:esu|dirbu|gyvenu)\b",
    re.IGNORECASE,
)
# An apology or a word about the call itself, as openings have ("Sorry, I'm just making tea"), the session's
# own introduction ("… colleagues on the line observing and taking notes"), and words addressed to the listener
# ("if this applies to you"): one who tells who they are speaks of themselves ("you know" aside).
_ASIDE = re.compile(
    r"^(?:sorry|excuse|unnskyld|entschuldig|pardon|atsiprašau)|\b(?:wifi|wi-fi|connection|background\snoise"
    r"|camera|microphone|on\smute|video\scall|one\sof\sthese|taking\snotes|on\sthe\sline|observing|guiding\syou"
    r"|this\ssession|the\ssession|record\sthis|recording)\b|\b(?:you|your|yours)\b(?!\sknow)",
    re.IGNORECASE,
)


def is_about(text: str) -> bool:
    """A sentence in which the participant speaks of themselves, not an aside about the call, and that does not
    lean on what was said before ("Which is about nine kilometres from my flat.")."""
    said = straight(text)
    return (
        len(said.split()) >= ABOUT_WORDS
        and not said.endswith("?")
        and _SELF.search(said) is not None
        and _ASIDE.search(said) is None
        and NOT_A_WANT.search(said) is None
        and not says_nothing_of_the_service(said)
        and not opens_mid_thought(said)
    )


def about_labels(labels: Sequence[SentenceLabel]) -> list[SentenceLabel]:
    """How a participant says who they are: sentences of the interview's opening that speak of themselves and
    answer a question about them (an interview opens by asking), else that say what they are, do or did ("I'm a
    nurse"), in interview order. None where the opening has no such sentence: a first-person sentence about
    anything else would describe nobody."""
    opening = labels[: max(ABOUT_PER_INTERVIEW, len(labels) // OPENING_SHARE)]
    found = [lab for lab in opening if is_about(lab.sentence.text)]
    asked = [lab for lab in found if _ABOUT_YOU.search(lab.question)]
    told = [lab for lab in found if lab not in asked and _WHO.search(straight(lab.sentence.text))]
    chosen = {id(lab) for lab in (asked + told)[:ABOUT_PER_INTERVIEW]}
    return [lab for lab in found if id(lab) in chosen]
