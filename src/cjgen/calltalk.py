"""Talk about the research call itself: the stretch of a remote session in which the interviewer walks the
participant through sharing a screen, opening a link or finding the meeting app.

What a participant says there ("I don't know what this is.", "It went to sleep.", "All I'm seeing is a
message and I don't know what it wants me to do.") sounds like trouble, and a labeller reads it as trouble with
the service. It is trouble with the call. Such a stretch opens at an interviewer turn that names the call's
mechanics (`CALL`) and holds the participant turns after it, until the interviewer asks a real question again
(a question of `QUESTION_WORDS` words or more, or a long turn, that names no mechanics), the participant speaks at
length, or `STRETCH_TURNS` turns have passed. A participant who names the meeting app in an answer of their own
("… like this video meeting") opens no stretch: in a study of video appointments the app is the service, and a
chat is a service's chat unless it is the meeting app's.

The turns stay in the transcript (a summary, the sources and the quotes of other steps read them as they are);
they are only not searched for problems, good moments, thoughts, steps and goals.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cjgen.schema import Turn

# The mechanics of a remote session that the participant must work, in the languages the rest of cjgen reads:
# sharing their screen, the meeting app's window, link and chat, whether they are seen or heard, a phone's
# screen-sharing permissions. An interviewer who shares their own screen shows something to react to: what the
# participant says of it is research.
CALL = re.compile(
    r"\b(?:share\syour\s(?:whole\s|entire\s)?screen|screen[\s-]?shar\w*"
    r"|start(?:ed)?\ssharing|sharing\s(?:your|the)\sscreen"
    r"|(?:zoom|teams|webex|google\smeet|skype)\s(?:app|application|meeting|call|window|chat|link|toolbar)"
    r"|(?:back|switch|go|get|return)\s(?:back\s)?(?:in)?to\s(?:the\s|your\s)?(?:zoom|teams|webex|skype)\b"
    r"|(?:within|inside|in)\s(?:the\s)?zoom\b"
    r"|(?:send|sent|paste|pasted|drop|dropped|put)\s(?:you\s)?(?:a|the|another|that)\s(?:link|url)"
    r"|can\syou\s(?:see|hear)\s(?:me|my\sscreen|the\sscreen|it\snow)"
    r"|(?:your|the)\s(?:camera|microphone|mic|audio|video)\s(?:is|was|on|off)"
    r"|display\s(?:over|on\stop\sof)\sother\sapps|screen\srecording|start\sbroadcast"
    # Norwegian, German, French, Lithuanian
    r"|del(?:e|er)\s(?:skjerm(?:en)?|din\sskjerm)|skjermdeling"
    r"|bildschirm\s(?:teilen|freigeben)|bildschirmfreigabe"
    r"|partag(?:er|ez)\s(?:votre|ton|l')\s?écran|partage\sd'écran"
    r"|(?:bendrinti|bendrinkite)\sekraną)",
    re.IGNORECASE,
)
# Telling the participant to stop sharing ends the set-up: the task on the screen is over.
STOP = re.compile(r"\bstop\s(?:the\s)?(?:screen[\s-]?)?shar(?:e|ing)\b", re.IGNORECASE)
QUESTION_WORDS = 8
LONG_TURN_WORDS = 25  # an interviewer turn this long that names no mechanics sets a task or asks anew
STRETCH_TURNS = 12
# Set-up talk is short ("Okay, I'm there.", "It's asking me to allow …"): a participant who speaks at more length
# than this is telling something, and the set-up is over.
SETUP_WORDS = 60
_QUESTION = re.compile(r"[^.?!]*\?")


def _asks_anew(text: str) -> bool:
    """An interviewer turn that is back to the research: its last question is of some length and names no
    mechanics of the call ("… you can unmute and ask. Anything else you'd like to tell us about …?"), or, with
    no such question, it is long and names none."""
    asked = [q for q in _QUESTION.findall(text) if len(q.split()) >= QUESTION_WORDS]
    if asked:
        return CALL.search(asked[-1]) is None
    return len(text.split()) >= LONG_TURN_WORDS and CALL.search(text) is None


def call_turns(turns: Sequence[Turn]) -> frozenset[int]:
    """The indexes of the participant turns that answer the set-up of the call itself."""
    aside: set[int] = set()
    opened: int | None = None
    for position, turn in enumerate(turns):
        if turn.role == "interviewer":
            if STOP.search(turn.text) or _asks_anew(turn.text):
                opened = None
            elif CALL.search(turn.text):
                opened = position
        elif opened is not None:
            if position - opened > STRETCH_TURNS or len(turn.text.split()) > SETUP_WORDS:
                opened = None
            else:
                aside.add(turn.index)
    return frozenset(aside)
