"""Real files that ingest was not built from (`evals/ingest/corpus`, public research notes and transcripts of 14
studies in a dozen formats, see `evals/ingest/README.md`): every file loads or is refused with a clear error, no
interviewer's labelled line is left in a participant's turn, and names that speaker labels held are redacted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cjgen.errors import CjgenError
from cjgen.ingest import inspect_transcripts, load_transcripts
from cjgen.pseudonym import pseudonymise_run
from cjgen.redact import redact_transcript
from cjgen.stages import SERVICE_KINDS
from test_ingest_cases import INTERVIEWER_LINE

CORPUS = Path(__file__).resolve().parents[1] / "evals" / "ingest" / "corpus"
STUDIES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
# Notes of sessions that did not happen: a title, a date and one line saying why.
NO_SHOWS = {
    "identity-personalization-direct-deposit-research-uat/p1.md",
    "identity-personalization-direct-deposit-discovery-research-uat/p2.md",
}


def _files(study: Path) -> list[Path]:
    return sorted(f for f in study.iterdir() if f.is_file())


@pytest.mark.parametrize("study", STUDIES, ids=lambda p: p.name)
def test_every_file_is_read_or_refused_with_a_clear_error(study: Path) -> None:
    for path, report in zip(_files(study), inspect_transcripts(_files(study)), strict=True):
        where = f"{study.name}/{path.name}"
        if where in NO_SHOWS:
            assert (
                isinstance(report, CjgenError) and path.name in str(report) and "no text found" in str(report)
            )
            continue
        assert not isinstance(report, CjgenError), where
        assert report.words_by_role["participant"] > 0, where


@pytest.mark.parametrize("study", STUDIES, ids=lambda p: p.name)
def test_no_participant_turn_holds_an_interviewers_labelled_line(study: Path) -> None:
    files = [f for f in _files(study) if f"{study.name}/{f.name}" not in NO_SHOWS]
    for transcript in load_transcripts(files):
        for turn in transcript.participant_turns():
            assert INTERVIEWER_LINE.search(turn.text) is None, (transcript.id, turn.index, turn.text[:200])


def test_names_the_speaker_labels_held_are_redacted_wherever_they_are_said() -> None:
    """A label's name (`Kim:`) is replaced by a code, and the same name said in any turn is redacted."""
    checked = 0
    for study in STUDIES:
        files = [f for f in _files(study) if f"{study.name}/{f.name}" not in NO_SHOWS]
        typed, names = pseudonymise_run(load_transcripts(files))
        for transcript in typed:
            said = names.label_names.get(transcript.id, set())
            redacted = redact_transcript(transcript, said).redacted
            for name in said:
                named = re.compile(rf"\b{re.escape(name)}\b")
                assert not any(named.search(turn.text) for turn in redacted.turns), (transcript.id, name)
                assert all(name not in turn.speaker for turn in redacted.turns), (transcript.id, name)
                checked += 1
    assert checked >= 2


def test_every_study_has_the_kinds_of_service_a_reader_would_choose() -> None:
    """The service-kind check (`evals/service_kinds/check.py`) asks every corpus session, so every study names
    the kinds that count as right for it, each one of the scaffolds offered."""
    kinds = yaml.safe_load((CORPUS.parents[1] / "service_kinds" / "corpus_kinds.yaml").read_text())
    assert sorted(kinds) == [study.name for study in STUDIES]
    assert all(wanted and set(wanted) <= set(range(len(SERVICE_KINDS))) for wanted in kinds.values())
