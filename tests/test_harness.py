"""`cjgen eval`'s runner on every example case with the scripted gold oracle: results are written and the
scores of a perfect model are what they should be; the naive baseline is scored by the same code; the maps a
run keeps score the same again without a model."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage
from typer.testing import CliRunner

import cjgen.cli
from cjgen.errors import CjgenError, InputError
from cjgen.eval.runner import MAPS_FOLDER, case_dirs, rescore
from cjgen.harness import cpu_features, run_eval, run_label
from cjgen.models import ScriptedChatModel
from cjgen.pipeline import open_runtime
from oracle import GoldOracle, step_of

CASES = Path(__file__).resolve().parents[1] / "evals" / "cases"


class PerCase:
    """Routes each request to the oracle of the case whose brief or interview the prompt shows."""

    def __init__(self) -> None:
        self.oracles = {
            case.name: GoldOracle(case) for case in CASES.iterdir() if (case / "gold.yaml").exists()
        }
        self.briefs = {name: (CASES / name / "brief.md").read_text()[:200] for name in self.oracles}

    def respond(self, messages: list[BaseMessage], kwargs: dict[str, Any]) -> Any:
        prompt = str(messages[1].content)
        if step_of(kwargs) == "naive":
            # The naive baseline: quote the first participant line it sees, as such a model might.
            return {
                "personas": [],
                "stages": ["Use"],
                "pain_points": [
                    {
                        "statement": "It was slow",
                        "stage": "Use",
                        "quotes": [{"participant": "P1", "quote": "An invented complaint"}],
                    }
                ],
                "delights": [],
            }
        for name, brief in self.briefs.items():
            if brief.split("\n")[0] in prompt or self._interview_of(name, prompt):
                return self.oracles[name].respond(messages, kwargs)
        raise AssertionError("prompt matches no case")

    def _interview_of(self, name: str, prompt: str) -> bool:
        first = re.search(r"\[\d+\.\d+\] ([^\[\n]{12,60}?) ?(?:\[|$)", prompt, re.M) or re.search(
            r'^(?:\S+ said: )?"([^"\n]{12,60})', prompt, re.M
        )
        transcripts = CASES / name / "transcripts"
        return (
            bool(first)
            and transcripts.exists()
            and any(
                # A prompt shows a sentence's whitespace made single (a notes bullet's tab, `-\tMy name …`).
                " ".join(first.group(1).split()) in " ".join(t.read_text().split())
                for t in transcripts.iterdir()  # type: ignore[union-attr]
            )
        )


def test_eval_writes_results_and_scores_the_oracle_and_the_baseline(tmp_path: Path) -> None:
    router = PerCase()
    runtime = open_runtime(model=ScriptedChatModel(responder=router.respond), use_cache=False)
    json_path, md_path, table = run_eval(CASES, tmp_path, runtime)
    record = json.loads(json_path.read_text())
    assert json_path.name.startswith("ScriptedChatModel-") or json_path.name.startswith("scripted-")
    assert "| cjgen |" in md_path.read_text() and "| naive |" in table
    ours = {c["case"]: c for c in record["systems"]["cjgen"]["cases"]}
    naive = {c["case"]: c for c in record["systems"]["naive"]["cases"]}
    bike = ours["bike-subscription"]
    assert bike["valid"] and bike["quotes"]["fabricated"] == 0
    # Perfect labels; grouping by the participants' own words brings back all but at most one planted pain.
    pains = bike["pain_points"]
    assert pains["matched"] >= pains["gold_total"] - 1 and pains["precision"] >= 0.75, pains
    assert pains["shotgun"] <= 1  # one group may still join answers to one guide question about three things
    assert bike["pii"]["leaks"] == 0 and not bike["injection"]["followed"]
    assert bike["persona_ari"] == 1.0
    # With the study's participant list, the personas are its groups: the gold's groups, exactly.
    listed = {c["case"]: c for c in record["systems"]["cjgen-listed"]["cases"]}
    assert sorted(listed) == [
        "bike-subscription",
        "clinic-booking",
        "va-caregiver-discovery",
        "va-direct-deposit-usability",
        "va-transition-benefits",
    ]
    assert all(c["persona_ari"] == 1.0 for c in listed.values()), listed
    assert ours["brief-only"]["brief"]["all_assumption"]
    assert naive["bike-subscription"]["quotes"]["fabricated"] >= 1


def test_saved_maps_are_rescored_without_a_model(tmp_path: Path) -> None:
    router = PerCase()
    runtime = open_runtime(model=ScriptedChatModel(responder=router.respond), use_cache=False)
    two = ["bike-subscription", "clinic-booking"]
    json_path, _, _ = run_eval(CASES, tmp_path / "run", runtime, only=two)
    maps = tmp_path / "run" / MAPS_FOLDER / run_label(runtime)
    (maps / "naive-clinic-booking.json").unlink()  # as if that run had produced no valid map
    args = ["eval", str(CASES), "--out", str(tmp_path / "again"), "--rescore", str(maps), "--tag", "again"]
    result = CliRunner().invoke(cjgen.cli.app, [*args, *(a for name in two for a in ("--case", name))])
    assert result.exit_code == 0, result.output
    assert "pain detect" in result.stdout
    (again,) = (tmp_path / "again").glob("*.json")
    assert again.name.endswith("-again.json")  # the tag keeps a day's rescorings apart
    before, after = json.loads(json_path.read_text()), json.loads(again.read_text())
    assert after["metadata"]["rescored"] == str(maps)
    for system in ("cjgen", "naive"):
        for old, new in zip(
            before["systems"][system]["cases"], after["systems"][system]["cases"], strict=True
        ):
            if system == "naive" and old["case"] == "clinic-booking":
                assert not new["valid"] and new["pain_points"]["matched"] == 0
                continue
            reviewer = (
                "coherence",
                "statements",
                "empty_items",
                "emotions",
                "actions",
                "touchpoints",
                "thoughts",
            )
            for key in (
                "valid",
                "quotes",
                "pain_points",
                "delights",
                "persona_ari",
                "diagnostics",
                *reviewer,
            ):
                assert new[key] == old[key], (system, old["case"], key)
            assert new["cost"]["effective_tokens"] == old["cost"]["effective_tokens"]
    # Which system ran on which case is kept with the maps: a case a system was not run on is not scored for it.
    ran = json.loads((maps / "ran.json").read_text())
    assert sorted(ran["cjgen-listed"]) == two and sorted(ran["naive"]) == two
    (maps / "ran.json").write_text(json.dumps({**ran, "naive": ["bike-subscription"]}))
    args = ["eval", str(CASES), "--out", str(tmp_path / "third"), "--rescore", str(maps)]
    result = CliRunner().invoke(cjgen.cli.app, [*args, *(a for name in two for a in ("--case", name))])
    assert result.exit_code == 0, result.output
    (third,) = (tmp_path / "third").glob("*.json")
    scored = json.loads(third.read_text())["systems"]
    assert [c["case"] for c in scored["naive"]["cases"]] == ["bike-subscription"]
    assert [c["case"] for c in scored["cjgen"]["cases"]] == two


def test_unknown_case_names_are_an_error() -> None:
    with pytest.raises(CjgenError, match="no such case: bike"):
        case_dirs(CASES, ["bike", "clinic-booking"])


def test_a_saved_map_that_does_not_load_scores_as_no_map(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "cjgen-clinic-booking.json").write_text("{}", encoding="utf-8")
    said: list[str] = []
    json_path, _, table = rescore(CASES, maps, tmp_path, only=["clinic-booking"], log=said.append)
    (case,) = json.loads(json_path.read_text())["systems"]["cjgen"]["cases"]
    assert not case["valid"] and case["diagnostics"]["pain_points"]["detection"] == 0.0
    assert any("not a journey map" in line for line in said) and "| cjgen | clinic-booking | no |" in table


def test_results_say_which_cpu_kernels_the_model_ran_on(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma avx512f amx_tile\n", encoding="utf-8")
    assert cpu_features(info) == "avx2 avx512f amx_tile"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2\n", encoding="utf-8")
    assert cpu_features(info).startswith("none of avx2")
    assert cpu_features(tmp_path / "absent") == "unknown"
    # Another line that merely contains the word ("vmx flags") is not the CPU's flag list.
    info.write_text("processor\t: 0\nvmx flags\t: ept vpid\n", encoding="utf-8")
    assert cpu_features(info).startswith("none of avx2")


def test_a_tag_keeps_a_days_runs_apart(tmp_path: Path) -> None:
    router = PerCase()
    runtime = open_runtime(model=ScriptedChatModel(responder=router.respond), use_cache=False)
    one = ["clinic-booking"]
    plain, _, _ = run_eval(CASES, tmp_path, runtime, only=one, baseline=False)
    tagged, tagged_md, _ = run_eval(CASES, tmp_path, runtime, only=one, baseline=False, tag="fresh-clinic")
    assert tagged.name == plain.name.removesuffix(".json") + "-fresh-clinic.json"
    assert tagged_md.with_suffix(".json") == tagged and plain.exists()
    assert (
        tmp_path / MAPS_FOLDER / f"{run_label(runtime)}-fresh-clinic" / "cjgen-clinic-booking.json"
    ).is_file()
    with pytest.raises(InputError, match="--tag"):
        run_eval(CASES, tmp_path, runtime, only=one, tag="../elsewhere")


def test_a_rescoring_tag_that_cannot_name_a_file_is_refused(tmp_path: Path) -> None:
    args = ["eval", str(CASES), "--out", str(tmp_path), "--rescore", str(tmp_path), "--tag", "a/b"]
    result = CliRunner().invoke(cjgen.cli.app, args)
    assert result.exit_code != 0
    assert "--tag" in result.output and "names files" in result.output
    assert not list(tmp_path.glob("*.json"))
