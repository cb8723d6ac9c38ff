"""Text transcripts (.txt .md .docx): labelled turns, Q&A notes, or plain notes, whichever the file is.

A labelled line starts a turn and unlabelled lines continue it; titles, metadata header blocks and section
headings are never turns. A file that reads mostly as `Question? *answer` lines is read as notes; a file with
neither labels nor questions is the participant's notes, with a warning.
"""

from __future__ import annotations

import re
from collections import Counter

from cjgen.ingest.labels import (
    CLOCK,
    Label,
    accepted_labels,
    is_id_like,
    is_interviewer_label,
    is_metadata_key,
    is_participant_label,
    is_role_key,
    is_team_note,
    name_like,
    names_in,
)
from cjgen.ingest.lines import (
    Line,
    bulleted_label,
    classify_all,
    looks_like_heading,
    neighbours,
    non_blank,
)
from cjgen.ingest.notes import is_question_line, notes_turns, paragraph_turns, question_turn
from cjgen.ingest.parsed import Draft, Parsed, one_turn_per_run

INTERVIEWER = "Interviewer"
# An interview has a few speakers; time-first lines naming more are captions with short remarks, not speakers.
MAX_CLOCK_FIRST_SPEAKERS = 6
_LEADING_CLOCK = re.compile(rf"^[ \t]*[\[(]?{CLOCK}")
# `Q: How was it? A: Fine.` on one line: the answer label inside an interviewer's one-letter-label line.
_INLINE_ANSWER = re.compile(r"[ \t]+(?P<em>\*\*|__)?(?P<name>A|R)(?P=em)?:[ \t]+")
_ONE_LETTER_QUESTION = frozenset({"q", "i", "m"})
# A speaker's name alone on its line: up to four words, each capitalised (or a code such as `P3`).
_NAME_LINE = re.compile(
    r"(?:[A-Z][\w.'’\-]*|[A-Za-z]{1,4}\d{1,4})(?:[ ](?:[A-Z][\w.'’\-]*|\d{1,3}|\([\w ]{1,30}\))){0,3}"
)


def read_text(text: str) -> Parsed:
    lines = _name_lines_as_headers(_bullets_as_labels(classify_all(text)))
    parsed = Parsed([], "")
    _read_metadata_header(lines, parsed)
    labels = [line.label for line in lines if line.kind == "label" and line.label is not None]
    speakers = accepted_labels(labels, allow_single=False)
    headers = _header_speakers(lines)
    labelled = sum(1 for line in lines if _starts_turn(line, speakers, headers))
    questions = sum(
        1 for line in lines if is_question_line(line) and not _starts_turn(line, speakers, headers)
    )
    if questions > labelled:
        parsed.drafts = notes_turns(lines, INTERVIEWER)
        parsed.format = "Q&A notes"
        parsed.kind = "notes"
    elif labelled or headers or len(labels) >= 2:  # one lone `Word:` line in notes is text, not a speaker
        parsed.drafts = one_turn_per_run(_labelled_turns(lines, accepted_labels(labels) | headers, parsed))
        parsed.format = _labelled_format(lines, headers)
    else:
        parsed.drafts = paragraph_turns(lines)
        parsed.format = "unlabelled notes"
        parsed.kind = "notes"
        parsed.warnings.append(
            "no speaker labels or questions found: the whole file is read as the participant's notes "
            "(quotes from it are marked as notes); label turns like 'P1: ...' and 'Interviewer: ...' if it is "
            "a transcript"
        )
    return parsed


def _name_lines_as_headers(lines: list[Line]) -> list[Line]:
    """A transcript whose turns open with the speaker's name alone on a line (`Mary Jones`, then the text on
    the next lines): such a line is a speaker header where two names or more each open two paragraphs or more,
    and name lines open most of the file's paragraphs, as a conversation's speakers do; a lone heading
    (`Background`) or a short answer in notes does not qualify."""
    if any(line.kind in ("label", "header") for line in lines):
        return lines
    opens = [
        i
        for i, line in enumerate(lines)
        if line.kind == "text"
        and (i == 0 or lines[i - 1].kind == "blank")
        and i + 1 < len(lines)
        and lines[i + 1].kind == "text"
    ]
    named = {i: lines[i].text.strip() for i in opens if _NAME_LINE.fullmatch(lines[i].text.strip())}
    counts = Counter(named.values())
    speakers = {name for name, n in counts.items() if n >= 2}
    if len(speakers) < 2 or sum(counts[n] for n in speakers) * 2 < len(opens):
        return lines
    return [
        Line("header", line.text, label=Label(named[i], True, None, len(line.text)))
        if named.get(i) in speakers
        else line
        for i, line in enumerate(lines)
    ]


def _bullets_as_labels(lines: list[Line]) -> list[Line]:
    """A transcript written as a list (`- Interviewer: …` / `- P4: …`) reads as labelled turns when its
    bulleted labels name both sides of the conversation: an interviewer role and a participant (a role or a
    code). A notetaker's `- What was hard: the forms` lines name no speaker, so notes stay notes."""
    found = {i: label for i, line in enumerate(lines) if (label := bulleted_label(line)) is not None}
    speakers = accepted_labels(found.values(), allow_single=False)
    asks = any(is_interviewer_label(name) for name in speakers)
    answers = any(is_participant_label(name) or is_id_like(name) for name in speakers)
    if not (asks and answers):
        return lines
    return [
        Line("label", line.text, label=found[i]) if i in found and found[i].name in speakers else line
        for i, line in enumerate(lines)
    ]


def _starts_turn(line: Line, speakers: set[str], headers: set[str]) -> bool:
    if line.label is None:
        return False
    return (line.kind == "label" and line.label.name in speakers) or (
        line.kind == "header" and line.label.name in headers
    )


def _header_speakers(lines: list[Line]) -> set[str]:
    """Names of `Name  0:03` lines taken as speakers: recurring, a role, or more than one such line. A line
    with the time first (`[00:01:11] Name`) may be a caption's time and a short remark instead (`00:05 Okay`),
    so those names count only where few recur, as a conversation's speakers do."""
    headers = [line.label for line in lines if line.kind == "header" and line.label is not None]
    names = Counter(label.name for label in headers if not label.clock_first)
    several = sum(names.values()) >= 2
    found = {n for n, k in names.items() if k >= 2 or several or is_role_key(n)}
    timed_first: Counter[str] = Counter()
    for i, line in enumerate(lines):
        if line.kind == "header" and line.label is not None and line.label.clock_first:
            _, after = neighbours(lines, i)
            # A speaker's words follow on their own line; a caption's next line is timed again.
            speaks = after is not None and after.kind == "text" and not _LEADING_CLOCK.match(after.text)
            timed_first[line.label.name if speaks else ""] += 1
    if "" not in timed_first and len(timed_first) <= MAX_CLOCK_FIRST_SPEAKERS:
        found |= {n for n, k in timed_first.items() if k >= 2 or is_role_key(n)}
    return found


def _read_metadata_header(lines: list[Line], parsed: Parsed) -> None:
    """Mark the `Key: value` lines before the first turn as skipped, keeping the names they give roles.

    `Moderator: Kim` counts as metadata only in a block that also has other keys (`Date:`), or when the value is
    a participant code; on its own it may be the first turn ("Interviewer: Welcome").
    """
    block: list[tuple[int, str, str, bool]] = []  # line index, key, value, whether the key is a role
    for i, line in enumerate(lines):
        if line.kind in ("header", "question") or (line.kind == "text" and is_question_line(line)):
            break
        if line.kind != "label" or line.label is None:
            continue
        name, value = line.label.name, line.text[line.label.length :]
        metadata = is_metadata_key(name) or any(is_metadata_key(w) for w in name.split())
        role = len(name) >= 3 and is_role_key(name) and name_like(value)
        if not (metadata or role):
            break
        block.append((i, name, value, not metadata))
    keyed = any(not is_role for *_, is_role in block)
    for i, name, value, is_role in block:
        if is_role and not keyed and not all(is_id_like(v) for v in names_in(value)):
            continue
        lines[i] = Line("skip", lines[i].text)
        _record_roles(name, value, parsed)


def _record_roles(key: str, value: str, parsed: Parsed) -> None:
    words = [w.casefold().rstrip("s") for w in key.split()]
    if not value.strip():
        return
    if any(is_interviewer_label(w) and len(w) >= 3 for w in words):
        parsed.add_names(True, names_in(value))
    elif any(is_participant_label(w) and len(w) >= 3 for w in words) or "id" in words or "code" in words:
        value_names = names_in(value)
        ids = [v for v in value_names if is_id_like(v)]
        if ids and parsed.participant_id is None:
            parsed.participant_id = ids[0]
        parsed.add_names(False, [v for v in value_names if not is_id_like(v)])


def _labelled_format(lines: list[Line], headers: set[str]) -> str:
    if headers:
        timed = any(
            line.kind == "header" and line.label is not None and line.label.start_s is not None
            for line in lines
        )
        return "speaker and time lines (Otter, Teams)" if timed else "speaker name lines"
    timed = any(line.label is not None and line.label.start_s is not None for line in lines)
    return "timestamped speaker labels" if timed else "speaker labels"


def _labelled_turns(lines: list[Line], speakers: set[str], parsed: Parsed) -> list[Draft]:
    turns: list[Draft] = []
    clock: float | None = None
    preamble = 0
    for i, line, gap in non_blank(lines):
        if line.kind == "clock":
            clock = line.clock
        elif line.kind == "question":
            turns.append(question_turn(line, INTERVIEWER))
        elif line.label is not None and line.label.name in speakers:
            turns.extend(_start_turn(line, line.label, clock))
            clock = None
        elif turns and line.label is not None and is_team_note(line.label.name):
            # The team's remark inside the conversation (`Observer: …`), never the turn it interrupts.
            turns.append(Draft(line.label.name, line.text[line.label.length :].rstrip(), role="interviewer"))
        elif _bare_label(line, speakers):
            turns.append(Draft(line.text.strip(), "", start_s=clock))
            clock = None
        elif line.kind == "skip":
            continue
        elif not turns:
            preamble += 1
        elif not (gap and _is_section(lines, i, speakers)):
            turns[-1].text += "\n\n" if gap and turns[-1].text else "\n" if turns[-1].text else ""
            turns[-1].text += line.text.rstrip()
    if preamble:
        parsed.remarks.append(
            f"{preamble} line(s) before the first speaker label were left out as a title or preamble"
        )
    for turn in turns:
        turn.text = turn.text.rstrip()
    return [turn for turn in turns if turn.text]


def _bare_label(line: Line, speakers: set[str]) -> bool:
    """A line holding only a role label that heads turns elsewhere in the file (`Moderator`, no colon): the
    turn's text follows on the next lines."""
    name = line.text.strip()
    return line.kind == "text" and name in speakers and is_role_key(name)


def _start_turn(line: Line, label: Label, clock: float | None) -> list[Draft]:
    start_s = label.start_s if label.start_s is not None else clock
    text = line.text[label.length :].rstrip() if line.kind == "label" else ""
    answer = _INLINE_ANSWER.search(text) if label.name.casefold() in _ONE_LETTER_QUESTION else None
    if answer is None:
        return [Draft(label.name, text, start_s=start_s)]
    return [
        Draft(label.name, text[: answer.start()], start_s=start_s),
        Draft(answer["name"], text[answer.end() :]),
    ]


def _is_section(lines: list[Line], i: int, speakers: set[str]) -> bool:
    """A title-case line between a blank line and the next turn: a section heading inside a transcript."""
    _, after = neighbours(lines, i)
    leads_into_turn = after is not None and (
        after.kind in ("skip", "question") or (after.label is not None and after.label.name in speakers)
    )
    return leads_into_turn and looks_like_heading(lines[i].text, strict=True)
