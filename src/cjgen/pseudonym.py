"""Pseudonymous speakers, participant ids and source files, before any step sees a transcript.

Speaker labels and file names are chosen by people, and people write names there (`Ola Hansen  0:10`,
`interview_kari.docx`). A label or a file stem is kept only when every word in it is a code, a number, a date,
a role or a common file word (`P3`, `Interviewer`, `interview_03_final`); anything else may hold a name, and is
replaced: the interviewer's label by `Interviewer`, the participant's by their participant id, a companion's by
`Companion`, and a participant id or source file that may hold a name by the next free code (`P1`, `P2`, …),
stable within a run. An unknown word is treated as a possible name: a study word such as `bike` in a file name
costs only a less telling source id.

The provenance keeps a transcript's file name without its folders, and a replaced file name only as a keyed
hash (HMAC-SHA-256 under a random key made once per installation and kept in the user data dir), so the user's
own installation can tell which file it was, while someone holding only the map cannot test guessed names
against it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import platformdirs

from cjgen.schema import Transcript

KEY_FILE = Path(platformdirs.user_data_dir("cjgen")) / "pseudonym.key"
INTERVIEWER = "Interviewer"
COMPANION = "Companion"


def _word_set(*lines: str) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


# Words that say what a file or a speaker is, never who: roles and groups, file and session words, recording
# tools, numbers, months and language codes, in the languages interviews come in most.
_ROLE_WORDS = _word_set(
    "interviewer interviewers moderator researcher facilitator host int mod interviewee participant participants",
    "respondent customer user speaker guest observer notetaker note taker companion partner spouse carer",
    "caregiver parent friend unknown client patient member staff employee agent student group cohort segment",
    "deltaker kunde teilnehmer dalyvis klientas klient",
)
_FILE_WORDS = _word_set(
    "interview interviews intervju entretien gespräch interviu pokalbis transcript transcripts transcription",
    "transkript transkription notes note notater notizen session sesjon sitzung call meeting recording audio",
    "video final clean cleaned edited raw draft copy kopi version rev part del round wave day week id nr no",
    "number am pm otter zoom teams meet export verbatim summary file pilot test study site panel diary",
    "usability workshop visit followup follow up en fr de nb nn lt",
    "one two three four five six seven eight nine ten first second third fourth fifth",
)
_MONTHS = _word_set(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august",
    "september october november december",
)
_SAFE_WORDS = _ROLE_WORDS | _FILE_WORDS | _MONTHS
# Letters and digits apart (`kari2` → `kari`, `2`); a short letter prefix to digits is a code (`P03`, `ID7`).
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_CODE_PREFIX = 2
# A file name already replaced by its hash (`file-0123456789abcdef.txt`): a second pass leaves it.
_HASH_PREFIX = "file-"
_HASHED = re.compile(rf"{_HASH_PREFIX}[0-9a-f]{{16}}")


def _words(text: str) -> list[tuple[str, bool]]:
    """Each run of letters, with whether digits follow it directly (the prefix of a code)."""
    return [
        (m.group(0), m.end() < len(text) and text[m.end()].isdigit())
        for m in _TOKEN.finditer(text)
        if not m.group(0).isdigit()
    ]


def may_hold_name(text: str) -> bool:
    """True unless every word of `text` is a code, a number, a date, a role or a common file word."""
    for word, before_digits in _words(text):
        plain = word.casefold()
        if len(plain) == 1 or plain in _SAFE_WORDS or (before_digits and len(plain) <= _CODE_PREFIX):
            continue
        return True
    return False


def loggable_name(path: str | PurePath, instead: str) -> str:
    """A file's name for a log line, or `instead` where its stem may hold a person's name (logs outlive the
    run and travel further than the map)."""
    name = PurePath(path).name
    return name if not may_hold_name(PurePath(name).stem) else instead


def name_words(text: str) -> list[str]:
    """The words of `text` that may be names (`Interviewer (Kim)` → `Kim`)."""
    return [word for word, _ in _words(text) if len(word) > 1 and may_hold_name(word)]


def name_free_stem(stem: str) -> str:
    """A file stem without the words that may be names (`interview_P3_kari` → `interview_P3`)."""
    parts = [p for p in re.split(r"[\W_]+", stem) if p and not may_hold_name(p)]
    return "_".join(parts)


# --------------------------------------------------------------------------------------------- keyed hash


def installation_key(path: Path | None = None) -> bytes:
    """This installation's random key for file-name hashes, made on first use (readable by the user only)."""
    path = path or KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (FileNotFoundError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(key.hex())
    return key


def file_hash(file_name: str, key: bytes) -> str:
    """A keyed hash of a file name: the same name gives the same hash on this installation only."""
    return hmac.new(key, file_name.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


# --------------------------------------------------------------------------------------------- run


@dataclass
class Pseudonyms:
    """The codes given out in one run, and the names they replaced (for redacting those names in the text)."""

    taken: set[str] = field(default_factory=set)
    ids: dict[str, str] = field(default_factory=dict)  # casefolded name → participant code
    names: set[str] = field(default_factory=set)
    # Transcript id → the name words its replaced speaker labels and participant id held, to be redacted
    # where they recur in its text ("Thanks, Kari" under the label `Kari Nordmann`).
    label_names: dict[str, set[str]] = field(default_factory=dict)
    _next: int = 1

    def participant(self, participant_id: str) -> str:
        """The id a participant has in this run: their own when it holds no name, else a code (a
        participant list's ids go through here too, so that they match the transcripts' ids)."""
        if may_hold_name(participant_id):
            return self.code_for(participant_id)
        self.taken.add(participant_id.casefold())  # never given to another participant
        return participant_id

    def code_for(self, name: str) -> str:
        known = self.ids.get(name.casefold())
        if known is not None:
            return known
        while f"P{self._next}".casefold() in self.taken:
            self._next += 1
        code = f"P{self._next}"
        self.taken.add(code.casefold())
        self.ids[name.casefold()] = code
        self.names.update(name_words(name))
        return code


def pseudonymise(
    transcripts: Sequence[Transcript], key: Callable[[], bytes] = installation_key
) -> list[Transcript]:
    """The transcripts with every speaker label, participant id and source file that may hold a name replaced.

    `key` is asked for only when a file name must be hashed.
    """
    return pseudonymise_run(transcripts, key)[0]


def pseudonymise_run(
    transcripts: Sequence[Transcript], key: Callable[[], bytes] = installation_key
) -> tuple[list[Transcript], Pseudonyms]:
    """`pseudonymise`, with the record of what was replaced."""
    run = Pseudonyms()
    for t in transcripts:
        run.taken.add(t.participant_id.casefold())
        run.taken.update(turn.speaker.casefold() for turn in t.turns)
        run.taken.add(PurePath(t.id).stem.casefold())
    out = [_transcript(t, run) for t in transcripts]
    said = [_label_names(original, t) for original, t in zip(transcripts, out, strict=True)]
    sources: Counter[str] = Counter(t.id for t in out if not may_hold_name(PurePath(t.id).stem))
    renamed = []
    for original, t in zip(transcripts, out, strict=True):
        stems = (PurePath(original.id).stem, PurePath(original.path).stem)
        if not any(may_hold_name(stem) and not _HASHED.fullmatch(stem) for stem in stems):
            # Folders are left out: a home folder is named after its user, a study's after its participants.
            file_name = PurePath(t.path).name
            renamed.append(t if file_name == t.path else t.model_copy(update={"path": file_name}))
            continue
        suffix = PurePath(original.id).suffix
        source_id = _free(f"{t.participant_id}{suffix}", sources)
        hashed = f"{_HASH_PREFIX}{file_hash(PurePath(original.path).name, key())}{suffix}"
        run.names.update(word for stem in stems for word in name_words(stem))
        renamed.append(t.model_copy(update={"id": source_id, "path": hashed}))
    for t, words in zip(renamed, said, strict=True):
        if words:
            run.label_names.setdefault(t.id, set()).update(words)
    return renamed, run


def _label_names(original: Transcript, renamed: Transcript) -> set[str]:
    """The name words of the labels and participant id that pseudonymising replaced in one transcript."""
    replaced = {
        before.speaker
        for before, after in zip(original.turns, renamed.turns, strict=True)
        if before.speaker != after.speaker
    }
    if renamed.participant_id != original.participant_id:
        replaced.add(original.participant_id)
    return {word for label in replaced for word in name_words(label)}


def _free(name: str, used: Counter[str]) -> str:
    """`name`, or `name` with a number before its suffix, not used before in the run."""
    path = PurePath(name)
    candidate, n = name, 1
    while used[candidate]:
        n += 1
        candidate = f"{path.stem}-{n}{path.suffix}"
    used[candidate] += 1
    return candidate


def _transcript(t: Transcript, run: Pseudonyms) -> Transcript:
    pid = run.participant(t.participant_id)
    speakers = _speakers(t, pid, run)
    if pid == t.participant_id and not speakers:
        return t
    turns = tuple(
        turn if turn.speaker not in speakers else turn.model_copy(update={"speaker": speakers[turn.speaker]})
        for turn in t.turns
    )
    return t.model_copy(update={"participant_id": pid, "turns": turns})


def _speakers(t: Transcript, pid: str, run: Pseudonyms) -> dict[str, str]:
    """Each speaker label that may hold a name, and what it becomes in this transcript."""
    words: Counter[str] = Counter()
    roles: dict[str, str] = {}
    for turn in t.turns:
        roles.setdefault(turn.speaker, turn.role)
        if turn.role == "participant":
            words[turn.speaker] += len(turn.text.split())
    kept = {s for s in roles if not may_hold_name(s) and s != t.participant_id}
    main = max(words, key=lambda s: words[s]) if words else None
    given: dict[str, str] = {}
    used = set(kept)
    for speaker in roles:
        if speaker in kept:
            continue
        if speaker == t.participant_id or (speaker == main and pid not in used):
            new = pid
        else:
            new = _numbered(INTERVIEWER if roles[speaker] == "interviewer" else COMPANION, used)
        used.add(new)
        if new != speaker:
            given[speaker] = new
            run.names.update(name_words(speaker))
    return given


def _numbered(label: str, used: set[str]) -> str:
    n = 1
    candidate = label
    while candidate in used:
        n += 1
        candidate = f"{label} {n}"
    return candidate
