"""Thoughts: what participants say went through their minds ("I thought …", "I was worried …"), verbatim.

A thought is found by the words that report one's own thinking, wondering, worrying, doubting or hoping, in the
languages the rest of cjgen reads, not asked of the model: such a sentence says what it is. Its own words are
the item's text, so a thought is faithful by construction. Among an interview's thoughts, those the labeller
found most charged (most clearly a problem or a good moment) come first: a thought that carries a feeling is
the one a journey map shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cjgen.findings import Moment, charged_moments
from cjgen.label import SentenceLabel

PER_INTERVIEW = 3
MIN_WORDS = 6
# First person, past or reported thinking, matched after curly apostrophes are made straight. "I think" alone is
# left out: it mostly hedges an opinion.
_CUES = (
    # English, with a word or two of manner between ("I just assumed", "I was really worried")
    r"i\s(?:(?:just|always|honestly|really|actually|originally|initially|first|never|even|also|kind\sof"
    r"|sort\sof)\s){0,2}"
    r"(?:thought|wondered|was\swondering|worried|was\s(?:(?:really|so|very|a\sbit|a\slittle|kind\sof)\s)?"
    r"(?:worried|afraid|scared|nervous|anxious|confused|unsure|not\ssure|hoping|thinking)|wasn't\ssure|felt"
    r"|figured|assumed|hoped|expected|kept\sthinking|remember\sthinking|didn't\sknow\s(?:if|whether)"
    r"|had\sno\sidea|said\sto\smyself|was\slike)|my\sfirst\sthought|it\sfelt\slike"
    # Norwegian
    r"|jeg\s(?:tenkte|lurte\sp[aå]|var\s(?:redd|bekymret|usikker|nerv[oø]s|spent)|f[oø]lte|trodde|h[aå]pet"
    r"|visste\sikke\s(?:om|hva))"
    # German
    r"|ich\s(?:dachte|habe\sgedacht|fragte\smich|habe\smich\sgefragt|war\s(?:besorgt|unsicher|nerv[oö]s)"
    r"|hatte\s(?:angst|sorge|das\sgef[uü]hl)|hoffte|wusste\snicht\s(?:ob|was))"
    # French
    r"|je\s(?:pensais|croyais|me\sdemandais|me\ssuis\sdemand[ée]|n'[ée]tais\spas\ss[uû]re?|savais\spas)"
    r"|j'(?:ai\spens[ée]|avais\speur|[ée]tais\s(?:inqui[eè]te?|s[uû]re?|nerveux|nerveuse)|esp[ée]rais)"
    # Lithuanian
    r"|(?:pa)?galvojau|maniau|svars[cč]iau|nerimavau|bijojau|nebuvau\stikr[ai]s?|jau[cč]iausi|tik[eė]jausi"
)
_THOUGHT = re.compile(rf"(?<![\w'])(?:{_CUES})(?![\w])", re.IGNORECASE)


# Words after the cue that say what the thought was: "… but I just saw that and I was like," stops at its cue.
SAID_AFTER = 2
_WORD = re.compile(r"[^\W_]+")


def is_thought(text: str) -> bool:
    """A sentence that reports the speaker's own thinking and says what it was, not a question put to
    someone."""
    text = " ".join(text.replace("’", "'").split())
    if len(text.split()) < MIN_WORDS or text.endswith("?"):
        return False
    return any(len(_WORD.findall(text, cue.end())) >= SAID_AFTER for cue in _THOUGHT.finditer(text))


def thought_moments(labels: Sequence[SentenceLabel]) -> list[Moment]:
    """One interview's thoughts, each one sentence, the most charged first, in interview order."""
    return charged_moments("thought", labels, is_thought, PER_INTERVIEW)
