"""Interview notes in question-and-answer form, and notes with no structure at all.

Notetakers write `- Question? *answer` (sometimes without the `*`, sometimes `*Question? answer`),
`**Question?**` headings with the answer in paragraphs below, or `Question: *answer`. The question becomes an
interviewer turn and the answer a participant turn; answer text is kept exactly as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cjgen.ingest.labels import Label, is_interviewer_label, is_team_note
from cjgen.ingest.lines import Line, bulleted_label, looks_like_heading, neighbours, non_blank
from cjgen.ingest.parsed import Draft, is_placeholder

_BULLET = re.compile(r"^[ \t]*(?:[-–—•·]|\d{1,3}[.)](?=[ \t]))[ \t]*")
# An answer set apart as a Markdown quote (`> Yes, I have.`): all answer, whatever it asks.
_QUOTE_MARK = re.compile(r"[ \t]*>[ \t]*")
_STAR = re.compile(r"\*(?!\*)[ \t]*")
# The `*` that separates a question from its answer: after `?` or `:` (`Question? *answer`, `Topic: *answer`),
# and not the start of an emphasis that closes later on the line (`I said: *sigh*`).
_SEPARATOR = re.compile(r"([?:])[ \t]*\*(?![*\s]*[^*\n]*\*)[ \t]*")
_WORD = re.compile(r"[^\W_]")
_TAG = re.compile(r"[ \t]*</?[a-z]+\s*/?>", re.IGNORECASE)
# A dot inside a word (`VA.gov`, `3.5`) ends no sentence.
_FIRST_QUESTION = re.compile(r"(?:[^.!?\n]|\.(?=[^\W_]))*?\?+")
# A question in emphasis that opens the line, its answer after it (`**Did you apply online?** Yes, last May.`).
# It may ask two things (`**Do you get benefits? Which ones?**`).
# A question in emphasis, which may hold the guide's stage note in italics (`**(*On Profile*) How would you …?**`).
_EMPHASISED_QUESTION = re.compile(
    r"(?P<em>\*{1,3}|_{1,2})(?P<question>(?:[^*_\n]|(?<=\()\*[^*\n]+\*(?=\)))+?\?+[)\]]?)(?P=em)(?![*_])"
)
_SENTENCE_END = re.compile(r"[.!?]\s+[A-Z“\"]")
_QUOTES = '"“”«»'
_COLONS = re.compile(r"[ \t]*:*")
MAX_QUESTION_WORDS = 40
MAX_TOPIC_WORDS = 6
# `- Prompt: answer` in notes: the notetaker's short prompt ("What was hard:", "Thoughts:") before the answer.
MAX_PROMPT_WORDS = 10
# Without a bullet, only a paragraph that opens with a topic of a few words, capitalised ("Challenges: One of
# the things …", "Trackpad on air: I like it …"), is a prompt and its answer; longer, it may be speech.
MAX_TOPIC_PROMPT_WORDS = 4
# ... and names a topic: no pronoun, auxiliary or connective, which speech before a colon has ("Then it came:").
_SPEECH_WORDS = (
    "i you he she it we they me him her us them my our their this that then so and but well because "
    "is was were are am be been have has had do did does said came went got"
)
_NOT_IN_A_TOPIC = frozenset(_SPEECH_WORDS.split())
_PROMPT_END = re.compile(r":[ \t]+(?=\S)")
# Some notetakers end the prompt with a dash on its last word instead (`- Why- it was quicker`, `- Confusing- no`):
# then it must name a topic in a few words, and not be an answer's first word ("- Yes- it was").
_PROMPT_DASH = re.compile(r"(?<=[^\W\d_])-[ \t]+(?=\S)")
_REMARK = re.compile(r"[ \t]*(?:\([^()\[\]\n]{1,80}\)|\[[^()\[\]\n]{1,80}\])[ \t]*")
_NOT_A_PROMPT = frozenset(
    ["yes", "no", "yeah", "yep", "nope", "okay", "ok", "um", "uh", "oh", "hmm", "right", "sure", "maybe"]
)
# An answer in emphasis from end to end (`*Sure, no problem.*`, `_Yes._`): the emphasis is the notetaker's.
# A space may stand before the closing mark (`**… the next morning. **`).
_WRAPPED = re.compile(r"(?P<em>\*{1,2}|_)(?P<inner>[^*_\n]*[^*_\s])[ \t]*(?P=em)")
_CLOSING = re.compile(r"\*{1,2}|_{1,2}")
# The notetaker's word for what follows (`Response: Only infrequently …`, `Answer: yes`): no one said it.
_ANSWER_MARK = re.compile(r"(?:responses?|answers?|reply|replies)[ \t]*:[ \t]*(?=\S)", re.IGNORECASE)
# A line that is one bracketed note (`- [Researcher note: stop sharing the screen]`, `[Click "Continue"]`), or one
# in parentheses (`- (Looks in the Health and Benefits menu and doesn't see it)`, `- (No response)`): the
# notetaker's, what they saw or did not get down, not the participant's words.
_NOTE = re.compile(r"\[[^\[\]\n]*\]|\([^()\n]*\)\.?")
# The research team's note in parentheses, inside an answer or on a line of its own (`… updated. (Samara's
# notes: Took a few seconds to update)`, `(Note: she meant the app)`): what the notetaker saw or thought, not
# what the participant said. It may hold parentheses of its own, and may run to the line's end unclosed.
_TEAM_NOTE = re.compile(
    r"\([*_]*(?:[^\W\d_][\w.’'-]*[ \t]+){0,2}notes?[*_]*[ \t]*:[^()\n]*(?:\([^()\n]*\)[^()\n]*)*(?:\)|$)",
    re.IGNORECASE,
)
_AFTER_NOTE = re.compile(r"[ \t]*[.,;:]*")  # the mark the answer's sentence ended with, after the note
# A sentence put as a question to "you": a question word and the verb before its subject ("How often do you
# go?", "What about other times you've gone there"), or the verb first ("Did you apply?", "Would you use it").
_PUT_AS_A_QUESTION = re.compile(
    r"(?:(?:so|and|okay|ok|alright|now)[,]?\s+)?"
    r"(?:(?:how|what|why|where|when|which|who)\b(?:\s+\w+){0,3}?\s+(?:do|does|did|is|are|was|were|can|could"
    r"|would|will|have|has|should)\s+you\b|what\sabout\s.*\byou(?:'ve|'d|\s)"
    r"|(?:do|did|can|could|would|will|have|are|were)\s+you\b)",
    re.IGNORECASE,
)

# A guide's branch or note for the moderator (`If yes, probe on how …`, `- If no…`, `[If yes] What were you
# looking for?`, `If YES:`, `Skip if Veteran described …`, `Probe: What doesn't make sense?`, `If applicable,
# ask how …`): the conversation guide's line, as a notetaker typing into it leaves it. A participant says "if
# so" or "if not", not "if yes".
_NEXT_QUESTION = re.compile(r"[ \t:,;.…\-–—]*(?:[^.!?\n]|\.(?=[^\W_]))+?\?+")
_BRANCH = re.compile(
    r"[*_]*(?:\[?if[ \t]+(?:yes|no)\b\]?(?=[ \t]*(?:[,:;.…\-–—]|\]|$))|skip[ \t]+if\b"
    r"|probe(?:[ \t]+questions?)?(?=[ \t]*[:(])|if[ \t]+applicable,|depending[ \t]+on[ \t]+(?:the|their)[ \t]+answer\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QA:
    """Offsets into the line: the question (may be empty) and the answer (may be empty)."""

    question: tuple[int, int] | None
    answer: tuple[int, int] | None
    bulleted: bool


def _one_question(text: str) -> bool:
    return (
        bool(text.strip())
        and len(text.split()) <= MAX_QUESTION_WORDS
        and _SENTENCE_END.search(text) is None
        and not any(q in text for q in _QUOTES)
    )


def _asked_in_emphasis(text: str) -> bool:
    return len(text.split()) <= MAX_QUESTION_WORDS and not any(q in text for q in _QUOTES)


def _span(line: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and line[start].isspace():
        start += 1
    while end > start and line[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _said(line: str, start: int, end: int) -> tuple[int, int] | None:
    """An answer's span, after any HTML line breaks that open it (`<br>Yes.`), inside the emphasis that wraps
    all of it and after the notetaker's own mark for an answer (`*Response: Sure, no problem.*`), or None where
    it holds no word: the `**` that closes a question written over two lines (`**Do you use it?` / `If so,
    how often?**`), or a template's placeholder (`NOTES`)."""
    while (tag := _TAG.match(line, start, end)) is not None:
        start = tag.end()
    span = _span(line, start, end)
    if span is not None and (wrapped := _WRAPPED.fullmatch(line, *span)) is not None:
        span = _span(line, wrapped.start("inner"), wrapped.end("inner"))
    if span is not None and (mark := _ANSWER_MARK.match(line, *span)) is not None:
        span = _span(line, mark.end(), span[1])
    if span is None or is_placeholder(line[span[0] : span[1]]):
        return None
    return span if _WORD.search(_TAG.sub("", line[span[0] : span[1]])) else None


def _closed(line: str, end: int) -> int:
    """Where a question that ends at `end` ends with the bracket that closes it: a notetaker's bracketed
    prompt (`- [How does the participant search?] This is nice …`, `- (*Did you know?*) I tried …`, its
    emphasis closed before the bracket) is all question."""
    at = end
    while line[at : at + 1] in ("*", "_"):
        at += 1
    closer = line[at : at + 1]
    opener = {")": "(", "]": "["}.get(closer)
    if opener is None or line.count(opener, 0, end) <= line.count(closer, 0, end):
        return end
    return at + 1


def parse_qa(line: str) -> QA:
    """Split a notes line into question and answer; a line without a question is all answer."""
    at = 0
    bullet = _BULLET.match(line)
    if bullet:
        at = bullet.end()
    quoted = _QUOTE_MARK.match(line, at)
    if quoted:
        return QA(None, _said(line, quoted.end(), len(line)), False)
    star = _STAR.match(line, at)
    if star and not line.startswith("**", at):
        at = star.end()
    marked = bullet is not None or star is not None
    end = len(line)
    emphasised = _EMPHASISED_QUESTION.match(line, at)
    if emphasised and _asked_in_emphasis(emphasised["question"]):
        asked = _span(line, emphasised.start("question"), emphasised.end("question"))
        return QA(asked, _said(line, emphasised.end(), end), True)
    separator = _SEPARATOR.search(line, at)
    if separator:
        question = line[at : separator.start() + 1]
        limit = MAX_QUESTION_WORDS if separator[1] == "?" else MAX_TOPIC_WORDS
        if question.strip() and len(question.split()) <= limit and not _SENTENCE_END.search(question):
            asked_to = _closed(line, separator.start() + 1)  # `(*Did you know?*) I tried …`
            return QA(_span(line, at, asked_to), _said(line, max(separator.end(), asked_to), end), marked)
    first = _FIRST_QUESTION.match(line, at)
    if first and _one_question(first.group(0)):
        asked_to = _questions_end(line, _closed(line, first.end()), at)
        # `Question?: answer`: the colon is the notetaker's separator, not the answer's.
        rest = _said(line, _COLONS.match(line, asked_to).end(), end)  # type: ignore[union-attr]
        if marked or rest is None:
            return QA(_span(line, at, asked_to), rest, marked)
    return QA(None, _said(line, at, end), marked)


def _questions_end(line: str, asked_to: int, start: int) -> int:
    """Where a question that ends at `asked_to` ends with the questions after it, where nothing else follows on
    the line (`3. How might it have been better? Any challenges?`): a guide's question put two ways is one
    question, and a notes answer is never only questions back."""
    at = asked_to
    while question := _NEXT_QUESTION.match(line, at):
        at = _closed(line, question.end())
    rest = line[at:]
    if at == asked_to or rest.strip(" \t*_") or len(line[start:at].split()) > MAX_QUESTION_WORDS:
        return asked_to
    return at


def prompt_and_answer(line: str, answer: tuple[int, int], *, bulleted: bool = True) -> QA | None:
    """A bulleted notes answer that opens with the notetaker's prompt and a colon (`- What was hard: the
    forms`), or a paragraph that opens with a short capitalised topic (`Challenges: one of the things …`,
    `bulleted=False`), split into that prompt and the answer; None when it does not (a sentence before the
    colon, a bracketed note, a speaker id such as `P4:`).

    Only in notes, where every bullet is a question or an answer: in a transcript `Name: …` is a speaker."""
    start, end = answer
    colon = _PROMPT_END.search(line, start, end)
    # A dash prompt may follow the notetaker's remark on what the participant did (`- (Opens the menu) Why- …`).
    remark = _REMARK.match(line, start, end)
    after = remark.end() if remark else start
    dash = _PROMPT_DASH.search(line, after, end) if bulleted else None
    if (
        dash is not None
        and (colon is None or dash.start() < colon.start())
        and _dash_prompt(line[after : dash.start()])
    ):
        return QA(_span(line, start, dash.start() + 1), _span(line, dash.end(), end), True)
    if colon is None:
        return None
    prompt = line[start : colon.start()]
    if (
        not prompt.strip()
        or len(prompt.split()) > (MAX_PROMPT_WORDS if bulleted else MAX_TOPIC_PROMPT_WORDS)
        or not (bulleted or _names_a_topic(prompt))
        or prompt.lstrip()[0] in "[("
        or prompt.count("(") != prompt.count(")")  # the colon is inside a remark: `updated. (Note: slow)`
        or prompt.count("[") != prompt.count("]")
        or _names_a_speaker(prompt)
        or "?" in prompt
        or _SENTENCE_END.search(prompt)
        or any(q in prompt for q in _QUOTES)
    ):
        return None
    return QA(_span(line, start, colon.start() + 1), _span(line, colon.end(), end), True)


def _dash_prompt(prompt: str) -> bool:
    """ "Why", "Clarification", "Why in account settings": a prompt that ends with a dash names a topic in a few
    words."""
    words = re.findall(r"[\w'’]+", prompt.casefold())
    return (
        0 < len(words) <= MAX_TOPIC_PROMPT_WORDS
        and len(prompt.split()) == len(words)
        and _names_a_topic(prompt)
        and not any(w in _NOT_A_PROMPT or w.isdigit() for w in words)
    )


def _names_a_topic(prompt: str) -> bool:
    """ "Challenges", "Trackpad on air": capitalised, a few words, none that speech is made of."""
    words = re.findall(r"[\w'’]+", prompt.casefold())
    return prompt.lstrip()[0].isupper() and not any(w in _NOT_IN_A_TOPIC for w in words)


def _names_a_speaker(prompt: str) -> bool:
    """ "P4", "Participant 2": a speaker id, not a prompt."""
    return len(prompt.split()) <= 2 and any(c.isdigit() for c in prompt)


def is_question_line(line: Line) -> bool:
    if line.kind == "question":
        return True
    return line.kind in ("text", "label") and parse_qa(line.text).question is not None


def question_turn(line: Line, interviewer: str) -> Draft:
    """The interviewer's turn for a question heading (`**Question?**`, `### Question?`)."""
    return Draft(interviewer, line.text[line.span[0] : line.span[1]], role="interviewer")


def notes_turns(lines: list[Line], interviewer: str) -> list[Draft]:
    """Turns of Q&A notes: questions, the notetaker's bracketed notes and the guide's notes for the moderator
    (`_BRANCH`) to the interviewer, everything else to the participant."""
    turns: list[Draft] = []

    def asked(line: Line, span: tuple[int, int]) -> None:
        turns.append(Draft(interviewer, line.text[span[0] : span[1]], role="interviewer"))

    for i, line, gap in non_blank(lines):
        if line.kind in ("skip", "clock"):
            continue
        if line.kind == "question":
            turns.append(question_turn(line, interviewer))
            continue
        labelled = _labelled(line)
        qa = labelled or parse_qa(line.text)
        if qa.question is None and not qa.bulleted and _is_section(lines, i):
            continue
        lead_in = qa.answer
        if qa.question is None and lead_in is not None:
            if qa.bulleted and line.kind == "text":
                qa = prompt_and_answer(line.text, lead_in) or qa
            elif gap and not qa.bulleted:  # `Topic: …` reads as a label candidate too
                qa = prompt_and_answer(line.text, lead_in, bulleted=False) or qa
        if qa.question is None and qa.answer is not None and _NOTE.fullmatch(line.text, *qa.answer):
            asked(line, qa.answer)
            continue
        if qa.answer is not None and qa.question is not None and _BRANCH.match(line.text, qa.question[0]):
            qa = _branch(line.text, (qa.question[0], qa.answer[1]))  # `[If no] Why? And then? It was slow.`
        elif qa.answer is not None and _BRANCH.match(line.text, qa.answer[0]):
            if qa.question is not None:  # `Did you fill in a form? If yes, probe on …: answer`
                asked(line, qa.question)
            qa = _branch(line.text, qa.answer)
        if qa.question is not None:
            asked(line, qa.question)
        if qa.answer is None:
            continue
        for n, (noted, span) in enumerate(_apart_from_notes(line.text, qa.answer)):
            if noted:
                asked(line, span)
                continue
            last = turns[-1] if turns else None
            # A line that names who said it (`- **Veteran:** …`) starts an answer of its own, without its label.
            follows = (
                n == 0
                and qa.question is None
                and labelled is None
                and last is not None
                and last.role == "participant"
            )
            if follows and gap and not qa.bulleted and _follow_up(lines, i, span):
                asked(line, span)
                continue
            if follows and last is not None and _outdented(line, last):
                # Where the notetaker names who gave an answer (`   - **Veteran:** …`), a bulleted line less
                # indented than it is back at the guide's level: the moderator's next step (`- Now click Cancel.`).
                asked(line, span)
                continue
            if follows and last is not None:
                # More of the same answer: the whole line, its bullet kept, so that the turn stays one stretch
                # of the file and a quote across two of its lines is still the file's text.
                # The emphasis that closes it too, where it opens inside the line (`*Fine, mostly.*`).
                closed = _CLOSING.match(line.text, span[1])
                last.text += ("\n\n" if gap else "\n") + line.text[: closed.end() if closed else span[1]]
            else:
                indent = _indent(line) if labelled is not None else None
                turns.append(Draft(None, line.text[span[0] : span[1]], role="participant", indent=indent))
    return turns


def _indent(line: Line) -> int:
    return len(line.text) - len(line.text.lstrip())


def _outdented(line: Line, answer: Draft) -> bool:
    """Whether a bulleted notes line stands less indented than the first line of the labelled answer before it."""
    return (
        answer.indent is not None and _BULLET.match(line.text) is not None and _indent(line) < answer.indent
    )


def _apart_from_notes(line: str, said: tuple[int, int]) -> list[tuple[bool, tuple[int, int]]]:
    """The answer's stretches in order, each marked True where it is the team's note (`_TEAM_NOTE`), False
    where it is the participant's; stretches that hold no word are left out."""
    pieces: list[tuple[bool, tuple[int, int]]] = []
    at, end = said
    for note in _TEAM_NOTE.finditer(line, at, end):
        before = _span(line, at, note.start())
        if before is not None and _WORD.search(line, *before):
            pieces.append((False, before))
        pieces.append((True, (note.start(), note.end())))
        at = _AFTER_NOTE.match(line, note.end(), end).end()  # type: ignore[union-attr]  # matches empty
    after = _span(line, at, end)
    if after is not None and (not pieces or _WORD.search(line, *after)):
        pieces.append((False, after))
    return pieces


def _branch(line: str, said: tuple[int, int]) -> QA:
    """A guide's branch line (`_BRANCH`) as the interviewer's, with the answer a notetaker typed after it apart:
    after the questions that follow the branch (`[If no:] How would you find out? It would take a while.`), or
    after its colon (`If yes, probe on how it was done: I had forms mailed to me.`)."""
    start, end = said
    asked = branch = _BRANCH.match(line, start).end()  # type: ignore[union-attr]  # the caller matched it
    while question := _NEXT_QUESTION.match(line, asked, end):
        asked = _closed(line, question.end())
    if asked > branch and (answer := _span(line, asked, end)):
        return QA(_span(line, start, asked), answer, True)
    colon = _PROMPT_END.search(line, start, end)
    if colon is None:
        return QA(said, None, True)
    return QA(_span(line, start, colon.start() + 1), _span(line, colon.end(), end), True)


def _follow_up(lines: list[Line], i: int, said: tuple[int, int]) -> bool:
    """A paragraph of its own after an answer's first, that ends by asking (`Okay. There's one more thing I want
    to show you. Does this line up with what you'd expect?`): the interviewer's next question, written without
    a mark, not more of the answer."""
    line = lines[i]
    if line.kind != "text" or (i + 1 < len(lines) and lines[i + 1].kind != "blank"):
        return False
    text = line.text[said[0] : said[1]].rstrip(_QUOTES + ")]*_ ")
    if len(text.split()) > MAX_QUESTION_WORDS:
        return False
    # Or one sentence put as a question, its mark left off (`What about other times you've gone on the site`).
    return text.endswith("?") or (
        _SENTENCE_END.search(text) is None and _PUT_AS_A_QUESTION.match(text) is not None
    )


def _labelled(line: Line) -> QA | None:
    """A line of notes that names who said it in emphasis (`- **Veteran:** Yes, I do.`, `**Moderator**: Why?`),
    or the interviewer's or the team's line under its plain label (`> M: And then?`, `Note: …`): the words
    after the label are the interviewer's where the label is theirs or the team's, else an answer. Unemphasised, any other `Word: …` in notes
    is more often the notetaker's prompt (`prompt_and_answer`)."""
    label: Label | None = line.label if line.kind == "label" else bulleted_label(line)
    if label is None or label.start_s is not None:
        return None
    theirs = is_interviewer_label(label.name) or is_team_note(label.name)
    said = _span(line.text, label.length, len(line.text)) if label.explicit or theirs else None
    if said is None:
        return None
    return QA(said, None, True) if theirs else QA(None, said, True)


def _is_section(lines: list[Line], i: int) -> bool:
    """A short unpunctuated line leading into questions or another heading."""
    before, after = neighbours(lines, i)
    leads_on = after is None or after.kind in ("skip", "question") or is_question_line(after)
    if not leads_on and after is not None:
        leads_on = looks_like_heading(after.text, strict=False) or _BULLET.match(after.text) is not None
    if not leads_on:
        return False
    # Right under an answer line only a title-case heading counts: a short answer may stand on its own line.
    strict = before is not None and before.kind not in ("blank", "skip")
    return looks_like_heading(lines[i].text, strict=strict)


def _is_title(lines: list[Line], i: int) -> bool:
    """The first line of the file, short and unpunctuated, standing alone."""
    first = next(k for k in range(i + 1) if lines[k].kind != "blank")
    alone = i + 1 >= len(lines) or lines[i + 1].kind == "blank"
    return i == first and alone and looks_like_heading(lines[i].text, strict=False)


def paragraph_turns(lines: list[Line]) -> list[Draft]:
    """Notes without speakers or questions: each paragraph is a participant turn; headings are left out."""
    turns: list[Draft] = []
    after_heading = True
    for i, line, gap in non_blank(lines):
        starts = gap or after_heading
        if (
            line.kind in ("skip", "clock", "question")
            or (starts and _is_section(lines, i))
            or _is_title(lines, i)
        ):
            after_heading = True
            continue
        text = line.text.rstrip()
        if starts or not turns:
            turns.append(Draft(None, text, role="participant"))
        else:
            turns[-1].text += "\n" + text
        after_heading = False
    return turns
