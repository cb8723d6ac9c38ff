"""The command line: clear one-line errors, the schema, and nothing written when a run fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cjgen.cli
from cjgen.models import ScriptedChatModel
from cjgen.pipeline import open_runtime
from cjgen.schema import JourneyMap
from oracle import GoldOracle

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def test_checked_in_schema_matches_the_code() -> None:
    checked_in = json.loads((ROOT / "schema" / "journey-map.schema.json").read_text())
    assert checked_in == JourneyMap.model_json_schema(mode="serialization"), (
        "run: cjgen schema -o schema/journey-map.schema.json"
    )


def test_schema_command_prints_the_schema() -> None:
    result = runner.invoke(cjgen.cli.app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"] == "JourneyMap"


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedChatModel:
    model = ScriptedChatModel(responder=lambda *_: "not json at all")
    monkeypatch.setattr(cjgen.cli, "open_runtime", lambda **kw: open_runtime(model=model, use_cache=False))
    return model


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "not found"),
        (b"", "empty"),
        (b"\x00\x01\x02binary\x00", "binary"),
        (b"# Only a title\n\n---\n", "no text found"),
    ],
)
def test_bad_transcripts_get_one_line_naming_the_file(
    tmp_path: Path, scripted: ScriptedChatModel, content: bytes | None, expected: str
) -> None:
    brief = tmp_path / "brief.md"
    brief.write_text("# A brief\nWe run a service.")
    transcript = tmp_path / "P1.txt"
    if content is not None:
        transcript.write_bytes(content)
    out = tmp_path / "map.html"
    result = runner.invoke(cjgen.cli.app, ["map", str(brief), str(transcript), "-o", str(out)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "P1.txt" in result.output and expected in result.output.casefold()
    assert not out.exists()


def test_unknown_extension_lists_the_supported_ones(tmp_path: Path, scripted: ScriptedChatModel) -> None:
    brief = tmp_path / "brief.md"
    brief.write_text("# A brief")
    odd = tmp_path / "P1.pages"
    odd.write_text("P1: hello")
    result = runner.invoke(cjgen.cli.app, ["map", str(brief), str(odd)])
    assert result.exit_code == 2
    assert "P1.pages" in result.output and ".vtt" in result.output and ".pdf" in result.output


def test_a_model_that_never_answers_validly_is_one_line_and_writes_nothing(
    tmp_path: Path, scripted: ScriptedChatModel
) -> None:
    case = ROOT / "evals" / "cases" / "bike-subscription"
    out = tmp_path / "map.json"
    result = runner.invoke(
        cjgen.cli.app, ["map", str(case / "brief.md"), str(case / "transcripts" / "P1.txt"), "-o", str(out)]
    )
    assert result.exit_code == 2
    assert "error: service:" in result.output and "not valid JSON" in result.output  # the first step asked
    assert not out.exists() and not list(tmp_path.iterdir())


def test_no_backend_says_how_to_install_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cjgen.models.local_available", lambda: False)
    case = ROOT / "evals" / "cases" / "bike-subscription"
    result = runner.invoke(cjgen.cli.app, ["summarize", str(case / "transcripts" / "P1.txt")])
    assert result.exit_code == 2
    assert "cjgen[local]" in result.output and "CJGEN_BASE_URL" in result.output


def _run_with_the_gold_model(
    monkeypatch: pytest.MonkeyPatch, case: Path, args: list[str], out: Path
) -> JourneyMap:
    """Run a command with the case's gold model, expect success, and read the map it wrote to `out`."""
    model = GoldOracle(case).model()
    monkeypatch.setattr(cjgen.cli, "open_runtime", lambda **kw: open_runtime(model=model, use_cache=False))
    result = runner.invoke(cjgen.cli.app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return JourneyMap.model_validate_json(out.read_text(encoding="utf-8"))


def test_draft_writes_the_map_and_its_run_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = ROOT / "evals" / "cases" / "brief-only"
    out = tmp_path / "draft.json"
    journey = _run_with_the_gold_model(
        monkeypatch, case, ["draft", str(case / "brief.md"), "-t", "blueprint"], out
    )
    assert journey.map_type == "service-blueprint" and journey.blueprint
    report = json.loads((tmp_path / "draft.run.json").read_text(encoding="utf-8"))
    assert report["outputs"] == [str(out)]


def test_map_takes_a_folder_of_transcripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = ROOT / "evals" / "cases" / "bike-subscription"
    args = ["map", str(case / "brief.md"), str(case / "transcripts")]
    journey = _run_with_the_gold_model(monkeypatch, case, args, tmp_path / "map.json")
    expected = sorted(p.name for p in (case / "transcripts").iterdir())
    assert sorted(Path(i.path).name for i in journey.provenance.inputs if i.kind == "transcript") == expected
