"""Revisions: a new run becomes the next version of a reviewed map; decisions follow the evidence."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cjgen.cli
from cjgen.ingest import load_transcript
from cjgen.pipeline import open_runtime
from cjgen.review import apply_review, find_item
from cjgen.revise import carry_decisions, revised_inputs
from cjgen.schema import JourneyMap, LeftOut, PainPoint, Transcript
from cjgen.validate import check_map
from factories import E_ID_DOCS, E_ID_WAIT, ev, sample_map
from oracle import GoldOracle

runner = CliRunner()
NEW_QUOTE = ev("P4", 22, "nobody told me the checks were done, I found out when the card arrived")


def reviewed() -> JourneyMap:
    """The sample map as a reviewer left it: decisions on three pain points."""
    journey = sample_map()
    journey.provenance.inputs = [
        f.model_copy(update={"path": f.path.removeprefix("transcripts/")}) for f in journey.provenance.inputs
    ]
    journey = apply_review(journey, "pp-silence", "accept", reviewer="maria")
    journey = apply_review(journey, "pp-sync", "edit", edits={"statement": "Exports break the books"})
    return journey


def rerun(journey: JourneyMap) -> JourneyMap:
    """What a new run over the same inputs gives: the same evidence, fresh ids in another order, no decisions."""
    fresh = journey.model_copy(deep=True)
    fresh.pain_points = [
        p.model_copy(update={"id": f"pain{n}", "review": type(p.review)()})
        for n, p in enumerate(reversed(fresh.pain_points), start=1)
    ]
    for o in fresh.opportunities:
        o.addresses = []
    return fresh


def pain(journey: JourneyMap, item_id: str) -> PainPoint:
    found = find_item(journey, item_id)[2]
    assert isinstance(found, PainPoint)
    return found


def test_decisions_follow_the_evidence_not_the_ids_or_order() -> None:
    old = reviewed()
    revised, report = carry_decisions(old, rerun(old))
    assert pain(revised, "pp-silence").review.status == "accepted"
    assert pain(revised, "pp-sync").statement == "Exports break the books"  # the reviewer's wording stays
    assert pain(revised, "pp-address").review.status == "rejected"
    assert {c.id for c in report.carried} >= {"pp-silence", "pp-sync", "pp-address", "pp-form"}
    assert report.added == [] and report.needs_review == [] and report.removed == []
    assert revised.id == old.id and revised.version == old.version + 1


def test_new_evidence_marks_a_reviewed_item_for_re_review() -> None:
    old = reviewed()
    new = rerun(old)
    silence = next(p for p in new.pain_points if E_ID_WAIT in p.evidence)
    silence.evidence.append(NEW_QUOTE)
    revised, report = carry_decisions(old, new)
    item = pain(revised, "pp-silence")
    assert item.review.status == "needs-review"
    assert "new evidence from P4 turn 22" in (item.review.note or "")
    assert "was accepted" in (item.review.note or "")
    assert NEW_QUOTE in item.evidence
    assert [c.id for c in report.needs_review] == ["pp-silence"]


def test_a_rejected_item_stays_out_unless_new_evidence_appears() -> None:
    old = reviewed()
    assert pain(carry_decisions(old, rerun(old))[0], "pp-address").review.status == "rejected"
    new = rerun(old)
    address = next(p for p in new.pain_points if p.evidence == [E_ID_DOCS])
    address.evidence.append(NEW_QUOTE)
    revised, report = carry_decisions(old, new)
    back = pain(revised, "pp-address")
    assert back.review.status == "needs-review"
    assert "rejected before; back with new evidence" in (back.review.note or "")
    assert report.needs_review[0].was == "rejected"


def test_new_items_are_pending_and_pending_items_take_the_new_wording() -> None:
    old = reviewed()
    new = rerun(old)
    fees = next(p for p in new.pain_points if p.evidence == pain(old, "pp-fees").evidence)
    fees.statement = "Fees are hidden"
    new.pain_points.append(PainPoint(id="pain-new", stage_id="verify", statement="New", evidence=[NEW_QUOTE]))
    revised, report = carry_decisions(old, new)
    assert pain(revised, "pp-fees").statement == "Fees are hidden"
    added = report.added[0]
    assert added.id == "pain-new" and pain(revised, added.id).review.status == "pending"
    assert added.id not in {i.id for i in old.items()}


def test_a_reviewed_item_the_run_misses_stays_while_its_source_is_unchanged() -> None:
    old = reviewed()
    new = rerun(old)
    new.pain_points = [p for p in new.pain_points if E_ID_WAIT not in p.evidence]
    revised, report = carry_decisions(old, new)
    assert pain(revised, "pp-silence").review.status == "accepted"
    assert [c.id for c in report.kept] == ["pp-silence"]
    # Once the interview it quotes is replaced, its quotes can no longer be checked: it goes.
    new.provenance.inputs = [
        f.model_copy(update={"sha256": "ff" * 32}) if f.path == E_ID_WAIT.source_id else f
        for f in new.provenance.inputs
    ]
    revised, report = carry_decisions(old, new)
    assert "pp-silence" not in {p.id for p in revised.pain_points}
    assert "pp-silence" in {r.id for r in report.removed}


def test_left_out_sentences_now_cited_drop_out() -> None:
    old = reviewed()
    new = rerun(old)
    cited = pain(old, "pp-fees").evidence[0]
    new.left_out = [
        LeftOut(id="s-" + q.key(), label="pain", strength=0.3, evidence=q) for q in (cited, NEW_QUOTE)
    ]
    revised, _ = carry_decisions(old, new)
    assert [lo.evidence for lo in revised.left_out] == [NEW_QUOTE]


# --------------------------------------------------------------------------------------------- end to end


def test_cli_revise_keeps_decisions_and_flags_what_changed(
    bike: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oracle = GoldOracle(bike)
    monkeypatch.setattr(
        cjgen.cli, "open_runtime", lambda **kw: open_runtime(model=oracle.model(), use_cache=False)
    )
    folder = tmp_path / "study"
    shutil.copytree(bike, folder)
    interviews = sorted((folder / "transcripts").iterdir())
    # The fifth interview comes later, from elsewhere: its moments join findings that others share.
    fifth = interviews.pop(4)
    later = tmp_path / fifth.name
    fifth.rename(later)
    saved = tmp_path / "map.json"
    made = runner.invoke(
        cjgen.cli.app, ["map", str(folder / "brief.md"), *map(str, interviews), "-o", str(saved)]
    )
    assert made.exit_code == 0, made.output
    journey = JourneyMap.model_validate_json(saved.read_text(encoding="utf-8"))
    decided = journey
    for item in journey.pain_points:
        if item.basis == "observed":
            decided = apply_review(decided, item.id, "accept", reviewer="maria")
    saved.write_text(decided.model_dump_json(), encoding="utf-8")

    revised_run = runner.invoke(cjgen.cli.app, ["map", "--revise", str(saved), str(later)])

    assert revised_run.exit_code == 0, revised_run.output
    revised = JourneyMap.model_validate_json(saved.read_text(encoding="utf-8"))
    assert revised.id == journey.id and revised.version == decided.version + 1
    assert check_map(revised) == []
    assert later.name in {f.path for f in revised.provenance.inputs}
    statuses = {p.id: p.review.status for p in revised.pain_points}
    assert "accepted" in statuses.values() and "needs-review" in statuses.values()
    report = json.loads((tmp_path / "map.run.json").read_text(encoding="utf-8"))["revision"]
    assert report["inputs_added"] == [later.name]
    assert {c["id"] for c in report["carried"] if c["type"] == "pain_points"} == {
        i for i, s in statuses.items() if s == "accepted"
    } - {c["id"] for c in report["kept"]}
    assert "needs re-review" in revised_run.output and "decisions carried over" in revised_run.output


def test_cli_revise_names_an_input_it_cannot_find(bike: Path, tmp_path: Path) -> None:
    saved = tmp_path / "map.json"
    journey = reviewed()
    saved.write_text(journey.model_dump_json(), encoding="utf-8")
    result = runner.invoke(
        cjgen.cli.app, ["map", "--revise", str(saved), str(bike / "transcripts" / "P1.txt")]
    )
    assert result.exit_code == 2
    assert "map.json: its brief brief.md was not found" in " ".join(result.output.split())


def test_cli_diff_shows_what_a_review_changed(tmp_path: Path) -> None:
    old = sample_map()
    pain, dropped = old.pain_points[0], old.pain_points[-1]
    assert pain.id != dropped.id
    edited = apply_review(old, pain.id, "edit", edits={"statement": "Deliveries come late."}, note="shorter")
    before, after = tmp_path / "v1.json", tmp_path / "v2.json"
    before.write_text(old.model_dump_json(), encoding="utf-8")
    after.write_text(edited.model_dump_json(), encoding="utf-8")

    result = runner.invoke(cjgen.cli.app, ["diff", str(before), str(after), "--exit-code"])
    assert result.exit_code == 1
    assert f"version {old.version} → {edited.version}" in result.output
    assert f"~ pain_points {pain.id}" in result.output
    assert f"statement: {pain.statement} → Deliveries come late." in result.output
    assert "review.status: pending → edited" in result.output

    as_json = json.loads(runner.invoke(cjgen.cli.app, ["diff", str(before), str(after), "--json"]).output)
    assert as_json["changed"][0]["id"] == pain.id and not as_json["added"] and not as_json["removed"]

    fewer = edited.model_copy(update={"pain_points": edited.pain_points[:-1]})
    after.write_text(fewer.model_dump_json(), encoding="utf-8")
    result = runner.invoke(cjgen.cli.app, ["diff", str(before), str(after)])
    assert result.exit_code == 0, result.output
    assert f"- pain_points {dropped.id}" in result.output

    same = runner.invoke(cjgen.cli.app, ["diff", str(before), str(before), "--exit-code"])
    assert same.exit_code == 0 and "no changes" in same.output

    missing = runner.invoke(cjgen.cli.app, ["diff", str(before), str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "nope.json" in missing.output


def test_a_new_interview_with_a_template_label_is_not_merged_into_a_kept_participant(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A revision adds interviews to the kept ones; a new file labelled `P1:` like every file of the study
    takes the code in its name, unless its name says it is P1 again (one more session) or holds no code."""

    def read(name: str) -> Transcript:
        path = tmp_path / name
        path.write_text(
            "Interviewer: How was booking?\nP1: Slow, it took three calls to book.\n", encoding="utf-8"
        )
        return load_transcript(path).model_copy(update={"path": name, "id": name})

    kept = [read("P1.txt")]
    with caplog.at_level("WARNING"):
        revised = revised_inputs(kept, [read("P7.txt"), read("P1-followup.txt"), read("notes-b.txt")])
    assert [t.participant_id for t in revised] == ["P1", "P7", "P1", "P1"]
    assert "P7.txt: its participant label reads as P1, whom the map already has; read as P7" in caplog.text
    assert (
        "notes-b.txt: reads as participant P1, whom the map already has, and counts as the same person"
        in (caplog.text)
    )
    assert "P1-followup.txt" not in caplog.text
