"""`cjgen inspect`: how each transcript is read, as text or JSON, with one clear line for a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cjgen.cli import app

DATA = Path(__file__).parent / "data" / "ingest"
runner = CliRunner()


def test_inspect_shows_format_speakers_roles_words_and_warnings() -> None:
    result = runner.invoke(app, ["inspect", str(DATA / "companion.txt"), str(DATA / "names_only.txt")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{DATA / 'companion.txt'}: speaker labels (verbatim), participant P05"
    assert lines[1].split() == ["Interviewer", "interviewer", "2", "turns", "15", "words"]
    assert lines[3].split() == ["Partner", "participant", "1", "turns", "7", "words"]
    assert "words: interviewer 15, participant 32" in result.output
    assert "warning: no interviewer label found; 'Kim' asks most of the questions" in result.output
    assert result.output.count("no interviewer label found") == 1  # said once, by name


def test_inspect_json_and_the_interviewer_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CJGEN_INTERVIEWER", "")  # restored after the test, as the option sets it
    result = runner.invoke(app, ["inspect", "--json", "--interviewer", "Dana", str(DATA / "names_only.txt")])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["format"] == "speaker labels"
    assert {s["speaker"]: s["role"] for s in report["speakers"]} == {
        "Kim": "participant",
        "Dana": "interviewer",
    }
    assert report["warnings"] == [
        "3 of 3 participant turns end with '?': check that the interviewer is recognised (--interviewer NAME)"
    ]


def test_inspect_bad_file_gets_one_line_and_exit_code_2(tmp_path: Path) -> None:
    bad = tmp_path / "P1.json"
    bad.write_text("[" * 3000)
    result = runner.invoke(app, ["inspect", str(DATA / "otter.txt"), str(bad)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(bad) in errors[0] and "deeper than" in errors[0]
    assert "Traceback" not in result.output


def test_summarize_names_a_study_that_is_not_a_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["summarize", str(DATA / "otter.txt"), "--study", str(tmp_path / "missing")])
    assert result.exit_code == 2
    assert f"error: {tmp_path / 'missing'}: is not a folder" in result.output
    assert "Traceback" not in result.output


def test_inspect_names_an_interview_given_twice_as_a_map_would(tmp_path: Path) -> None:
    copy = tmp_path / "otter.txt"
    copy.write_bytes((DATA / "otter.txt").read_bytes())
    result = runner.invoke(app, ["inspect", str(DATA / "otter.txt"), str(copy)])
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and str(copy) in errors[0] and "give each interview once" in errors[0]
    assert result.output.startswith(f"{DATA / 'otter.txt'}:")  # the first copy is reported as read


def test_a_folder_stands_for_the_transcripts_in_it(tmp_path: Path) -> None:
    for name in ("P10.txt", "P2.txt", "P1.txt"):
        (tmp_path / name).write_text(f"Interviewer: How was it?\n{name[:-4]}: It was slow to book.\n")
    (tmp_path / "notes.pages").write_bytes(b"PK\x03\x04 not a transcript")
    (tmp_path / ".hidden.txt").write_text("P9: left out\n")
    result = runner.invoke(app, ["inspect", "--json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [Path(r["path"]).name for r in json.loads(result.output)] == ["P1.txt", "P2.txt", "P10.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["inspect", str(empty)])
    assert result.exit_code == 2 and "holds no transcript files" in result.output
