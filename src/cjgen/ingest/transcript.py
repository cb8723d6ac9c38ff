"""From parsed turns to a `Transcript`: roles, participant id, huge turns split, limits and warnings."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from cjgen.errors import InputError
from cjgen.ingest.labels import is_id_like, is_interviewer_label, is_participant_label, split_who
from cjgen.ingest.parsed import Draft, Parsed, is_placeholder, without_html_breaks
from cjgen.schema import Segment, Transcript, Turn

# Half an extraction chunk: one turn never fills a model call by itself.
MAX_TURN_WORDS = 1000
MAX_TURNS = 20_000
_QUESTION_SHARE = 0.25
_GUESS_SHARE = 0.4
# A participant-side speaker with this share of the side's words is one of its main voices (`role_warnings`).
_GROUP_SHARE = 0.15
_WORD = re.compile(r"\S+")
_FILE_ID = re.compile(r"[Pp]\d{1,4}")
# The participant's number spelled out in a file name: `participant-4-notes.md`, `052023_participant2_transcripts`.
_FILE_WORD_ID = re.compile(
    r"(?<![^\W_])(?:participant|respondent|interviewee)[ _-]?(\d{1,4})(?![^\W_])", re.IGNORECASE
)


def assign_roles(parsed: Parsed, interviewers: Sequence[str]) -> None:
    """Roles from the override, a metadata header, or the label; a guess (with a warning) when none says."""
    chosen = {n.strip().casefold() for n in interviewers if n.strip()}
    named_interviewers = {n.casefold() for n in parsed.interviewer_names}
    named_participants = {n.casefold() for n in parsed.participant_names}
    open_turns = [d for d in parsed.drafts if d.role is None and d.speaker is not None]
    for draft in open_turns:
        name = (draft.speaker or "").casefold()
        if chosen:
            interviewer = name in chosen
        elif name in named_interviewers or name in named_participants:
            interviewer = name in named_interviewers
        else:
            interviewer = is_interviewer_label(draft.speaker or "")
        draft.role = "interviewer" if interviewer else "participant"
    if not chosen and open_turns and all(d.role == "participant" for d in open_turns):
        _guess_interviewer(parsed, open_turns, named_participants)


def _guess_interviewer(parsed: Parsed, turns: list[Draft], named_participants: set[str]) -> None:
    """With two or more named speakers and no interviewer label, the one who mostly asks questions."""
    by_speaker: dict[str, list[Draft]] = {}
    for draft in turns:
        by_speaker.setdefault(draft.speaker or "", []).append(draft)
    if len(by_speaker) < 2:
        return
    shares = {
        name: sum(d.text.rstrip().endswith("?") for d in group) / len(group)
        for name, group in by_speaker.items()
        if not is_participant_label(name) and name.casefold() not in named_participants and len(group) >= 2
    }
    if not shares:
        return
    best = max(shares, key=lambda n: shares[n])
    others = [s for n, s in shares.items() if n != best]
    if shares[best] < _GUESS_SHARE or any(s * 2 > shares[best] for s in others):
        return
    for draft in by_speaker[best]:
        draft.role = "interviewer"
    # The warning is logged, so it names no speaker (a label may be a name); `cjgen inspect` shows who.
    parsed.warnings.append(
        "no interviewer label found; the speaker who asks most of the questions is read as the interviewer "
        "(`cjgen inspect` shows who; use --interviewer NAME to choose)"
    )
    parsed.remarks.append(
        f"no interviewer label found; '{best}' asks most of the questions and is read as the interviewer "
        "(use --interviewer NAME to choose)"
    )


def split_long_turns(drafts: list[Draft], max_words: int = MAX_TURN_WORDS) -> list[Draft]:
    """A turn longer than `max_words` becomes several turns of the same speaker, cut between paragraphs,
    lines, sentences or cues, so that no single turn overflows the model's context."""
    out: list[Draft] = []
    for draft in drafts:
        if len(_WORD.findall(draft.text)) <= max_words:
            out.append(draft)
            continue
        for start, end in _pieces(draft, max_words):
            segments = [
                Segment(
                    start=max(s.start, start) - start,
                    end=min(s.end, end) - start,
                    start_s=s.start_s,
                    end_s=s.end_s,
                )
                for s in draft.segments
                if s.start < end and s.end > start
            ]
            first = segments[0].start_s if segments else draft.start_s if start == 0 else None
            last = segments[-1].end_s if segments else draft.end_s if end == len(draft.text) else None
            out.append(Draft(draft.speaker, draft.text[start:end], first, last, segments, role=draft.role))
    return out


def _pieces(draft: Draft, max_words: int) -> list[tuple[int, int]]:
    text = draft.text
    word_ends = [m.end() for m in _WORD.finditer(text)]
    cue_starts = [s.start for s in draft.segments]
    pieces: list[tuple[int, int]] = []
    start = 0
    while start < len(text):
        first = bisect.bisect_right(word_ends, start)
        if len(word_ends) - first <= max_words:
            pieces.append((start, _trimmed_end(text, start, len(text))))
            break
        cut = _cut(text, start, word_ends[first + max_words - 1], cue_starts)
        pieces.append((start, _trimmed_end(text, start, cut)))
        start = cut
        while start < len(text) and text[start].isspace():
            start += 1
    return [(a, b) for a, b in pieces if b > a]


def _trimmed_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _cut(text: str, start: int, window: int, cue_starts: list[int]) -> int:
    """Where to end a piece that may reach `window`: a cue start, else a paragraph, line, sentence, space."""
    floor = start + (window - start) // 3
    cues = [c for c in cue_starts if floor < c <= window]
    if cues:
        return cues[-1]
    for pattern in (r"\n\s*\n", r"\n", r"[.!?…][\"'”’)\]]*\s", r"\s"):
        ends = [m.end() for m in re.finditer(pattern, text[floor:window])]
        if ends:
            return floor + ends[-1]
    return window


def participant_id_for(path: Path, parsed: Parsed, given: str | None) -> str:
    """The id given, else one the file declares, else a code among its speakers, else one in its file name."""
    if given:
        return given
    if parsed.participant_id:
        return parsed.participant_id
    speakers = {d.speaker for d in parsed.drafts if d.role == "participant" and d.speaker is not None}
    # `P4` or `Participant (P4)`: the code itself.
    codes = sorted({c for s in speakers for c in (s, split_who(s)[1]) if c is not None and is_id_like(c)})
    if len(codes) == 1:
        return codes[0]
    return file_code(path) or path.stem


def file_code(path: Path) -> str | None:
    """A participant code in a file's name (`01_P03_transcript_clean.txt` → `P03`, `participant-4-notes.md` →
    `P4`), or None."""
    tokens = [t for t in re.split(r"[\W_]+", path.stem) if t]
    spelled = _FILE_WORD_ID.search(path.stem)
    from_name = (
        [t for t in tokens if _FILE_ID.fullmatch(t)]
        or ([f"P{spelled[1]}"] if spelled else [])
        or [t for t in tokens if is_id_like(t)]
    )
    return from_name[0] if from_name else None


def one_code_per_person(read: list[tuple[Transcript, Parsed]]) -> list[tuple[Transcript, Parsed]]:
    """A study's files that read as one participant, checked against their file names: a notetaker's template
    labels every file's participant `P1:`, and the map would count the study as one person. Where each such
    file's name holds a code of its own, that code is its participant id; where the names do not tell them
    apart, each file gets a warning. Files of one code (two sessions with one person) stay as they are."""
    by_id: dict[str, list[int]] = {}
    for k, (transcript, _) in enumerate(read):
        by_id.setdefault(transcript.participant_id, []).append(k)
    out = list(read)
    for pid, shared in by_id.items():
        codes = [file_code(Path(read[k][0].path)) for k in shared]
        if len(shared) < 2 or (None not in codes and len(set(codes)) == 1):
            continue
        distinct = None not in codes and len(set(codes)) == len(codes)
        for k, code in zip(shared, codes, strict=True):
            transcript, parsed = read[k]
            if distinct and code is not None:
                parsed.warnings.append(
                    f"its participant label reads as {pid}, as in {len(shared) - 1} other file(s) of the study; "
                    f"read as {code}, the code in its file name"
                )
                out[k] = (transcript.model_copy(update={"participant_id": code}), parsed)
            else:
                parsed.warnings.append(
                    f"{len(shared)} files read as participant {pid} and count as one person; if they are "
                    "different people, give each its own code in its file name or labels"
                )
    return out


def role_warnings(turns: Sequence[Turn]) -> list[str]:
    warnings: list[str] = []
    participant = [t for t in turns if t.role == "participant"]
    if not any(t.role == "interviewer" for t in turns):
        warnings.append(
            "no interviewer turns found: every turn is read as the participant's; "
            "name the interviewer with --interviewer NAME if one speaker asks the questions"
        )
    # A turn joined from a speaker's consecutive lines or cues counts each of them.
    pieces = [t.text[s.start : s.end] for t in participant for s in t.segments] + [
        t.text for t in participant if not t.segments
    ]
    asking = sum(piece.rstrip().endswith("?") for piece in pieces)
    if asking >= 3 and asking >= _QUESTION_SHARE * len(pieces):
        warnings.append(
            f"{asking} of {len(pieces)} participant turns end with '?': check that the interviewer is "
            "recognised (--interviewer NAME)"
        )
    words: Counter[str] = Counter()
    for turn in participant:
        words[turn.speaker] += len(turn.text.split())
    talking = [s for s, n in words.items() if n >= _GROUP_SHARE * sum(words.values())]
    if len(talking) >= 3:
        # A companion beside the participant is one more voice; three or more who each say this much are a
        # group, and every count of people in the map would take them for one.
        warnings.append(
            f"{len(talking)} speakers each say {_GROUP_SHARE:.0%} or more of the participant side's words (a "
            "group session?): they are counted as one participant; give each person a file of their own to "
            "count them apart"
        )
    return warnings


def build_transcript(
    path: Path, raw: bytes, parsed: Parsed, participant_id: str | None, interviewers: Sequence[str]
) -> Transcript:
    where = str(path)
    assign_roles(parsed, interviewers)
    for draft in parsed.drafts:
        without_html_breaks(draft)
    # A labelled line a notes template left unfilled ("**Participant:** Notes here") is no one's words.
    said = [d for d in parsed.drafts if d.text.strip() and not is_placeholder(d.text)]
    drafts = split_long_turns(said)
    if len(drafts) != len(said):
        added = len(drafts) - len(said)
        parsed.warnings.append(f"turns over {MAX_TURN_WORDS} words were split ({added} more turns)")
    if len(drafts) > MAX_TURNS:
        raise InputError(
            where,
            f"holds {len(drafts):,} turns, over the {MAX_TURNS:,} limit; split it into one file per interview",
        )
    parsed.drafts = drafts
    pid = participant_id_for(path, parsed, participant_id)
    turns = tuple(
        Turn(
            index=i,
            speaker=d.speaker if d.speaker is not None else pid,
            role=d.role or "participant",
            text=d.text,
            start_s=d.start_s,
            end_s=d.end_s,
            segments=tuple(d.segments),
        )
        for i, d in enumerate(drafts)
    )
    if not any(t.role == "participant" for t in turns):
        # Names no speaker: a label may be a name, and the service keeps a failed job's error.
        speakers = len(dict.fromkeys(t.speaker for t in turns))
        raise InputError(
            where,
            f"only interviewer turns found ({speakers} speaker(s); `cjgen inspect` shows them); "
            "label the participant's turns with their code, e.g. 'P1: ...'",
        )
    parsed.warnings.extend(w for w in role_warnings(turns) if parsed.kind == "verbatim")
    return Transcript(
        id=path.name,
        path=where,
        participant_id=pid,
        sha256=hashlib.sha256(raw).hexdigest(),
        turns=turns,
        kind=parsed.kind,
    )


def main_speaker(transcript: Transcript) -> str | None:
    """The participant-side speaker with the most words; others on that side are companions."""
    words: Counter[str] = Counter()
    for turn in transcript.participant_turns():
        words[turn.speaker] += len(turn.text.split())
    return words.most_common(1)[0][0] if words else None
