"""Every example case reads right: each file loads, every gold quote lies in a participant turn of its participant,
and no participant turn holds an interviewer's labelled line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from cjgen.ingest import load_transcripts
from cjgen.schema import Transcript

CASES_DIR = Path(__file__).resolve().parents[1] / "evals" / "cases"
CASES = sorted(p for p in CASES_DIR.iterdir() if (p / "gold.yaml").is_file())
_CLOCK = r"[\[(]?\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?[\])]?"
_ROLE = r"(?:interviewer|moderator|researcher|facilitator|host|int|mod|m|i|q)(?:[ _-]?\d+)?"
# An interviewer label at the start of a line, in any of the styles ingest reads: `Moderator:`, `**M:**`,
# `00:01 Int:`, `[Moderator] :`, `> M:`, `<br>M:`, or a line holding only the role (`Moderator`).
INTERVIEWER_LINE = re.compile(
    rf"^[ \t]*(?:>[ \t]*)?(?:<br\s*/?>[ \t]*)*(?:{_CLOCK}[ \t]*)?(?:\*{{1,3}}|_{{1,2}})?\[?{_ROLE}\]?"
    rf"(?:\*{{1,3}}|_{{1,2}})?[ \t]*(?:{_CLOCK})?[ \t]*(?:\*{{1,3}}|_{{1,2}})?:"
    r"|^[ \t]*(?:interviewer|moderator|researcher|facilitator)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


def _gold(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((case / "gold.yaml").read_text(encoding="utf-8"))
    return data


def _quotes(gold: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in ("pain_points", "delights"):
        for item in gold.get(key) or []:
            for quote in item.get("evidence") or []:
                yield quote["participant"], quote["quote"]
    for item in gold.get("contradictions") or []:
        for quote in item.get("sides") or []:
            yield quote["participant"], quote["quote"]


def _transcripts(case: Path) -> dict[str, Transcript]:
    """The case's files read together, as a study (guide text shared across files goes to the interviewer)."""
    files = _gold(case).get("transcripts") or {}
    return dict(zip(files, load_transcripts([case / file for file in files.values()]), strict=True))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_every_file_of_the_case_loads(case: Path) -> None:
    listed = set((_gold(case).get("transcripts") or {}).values())
    on_disk = {str(p.relative_to(case)) for p in (case / "transcripts").glob("*")} if listed else set()
    assert listed == on_disk
    for pid, transcript in _transcripts(case).items():
        assert transcript.participant_id == pid
        assert transcript.participant_turns()


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_gold_quotes_lie_in_participant_turns_of_their_participant(case: Path) -> None:
    transcripts = _transcripts(case)
    quotes = list(_quotes(_gold(case)))
    missing = [
        (pid, quote)
        for pid, quote in quotes
        if not any(quote in turn.text for turn in transcripts[pid].participant_turns())
    ]
    assert missing == []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_no_participant_turn_holds_an_interviewer_line(case: Path) -> None:
    for transcript in _transcripts(case).values():
        interviewers = {t.speaker for t in transcript.turns if t.role == "interviewer"}
        named = re.compile(
            "|".join(rf"^[ \t]*(?:\*\*)?{re.escape(name)}(?:\*\*)?[ \t]*:" for name in interviewers)
            or "(?!)",
            re.MULTILINE,
        )
        for turn in transcript.participant_turns():
            assert INTERVIEWER_LINE.search(turn.text) is None, (transcript.id, turn.index, turn.text[:200])
            assert named.search(turn.text) is None, (transcript.id, turn.index, turn.text[:200])
