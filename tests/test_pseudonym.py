"""Speaker labels and file names that hold names never reach a prompt, an export, the store or a log line."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

import cjgen.pseudonym
from cjgen.ingest import load_brief, load_transcripts
from cjgen.pipeline import build_summary, generate_map, open_runtime
from cjgen.pseudonym import (
    file_hash,
    installation_key,
    may_hold_name,
    name_free_stem,
    pseudonymise,
    pseudonymise_run,
)
from cjgen.redact import redact_transcript
from cjgen.render import FORMATS, render
from cjgen.schema import Transcript, Turn
from cjgen.settings import Settings
from cjgen.store import Store
from oracle import GoldOracle

KEY = b"k" * 32
# Invented for these tests; spelled so that no ordinary word contains them.
INTERVIEWER_NAME = "Ingeborg Solheimsvik"
NAMES = {
    "P1.txt": ("Sigrid Aasvold.txt", "Sigrid Aasvold"),
    "P2.txt": ("interview_tomasz_wierzbicki_final.txt", "Tomasz Wierzbicki"),
    "P3.txt": ("Halvard Brekkestad.json", "Halvard Brekkestad"),
    "P4.txt": ("p4_kestutis.txt", "P4"),
}


@pytest.fixture(autouse=True)
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "pseudonym.key"
    monkeypatch.setattr(cjgen.pseudonym, "KEY_FILE", path)
    return path


@pytest.mark.parametrize(
    "stem",
    [
        "P1",
        "P03",
        "01_P03_transcript_clean",
        "interview-2024-03-05",
        "Session 2 (final)",
        "R12_notes_v2",
        "ID7",
        "client_03_session_two",
        "Teilnehmer 4 Gespräch",
    ],
)
def test_codes_dates_and_file_words_hold_no_name(stem: str) -> None:
    assert not may_hold_name(stem)


@pytest.mark.parametrize(
    "stem",
    ["Ola Hansen", "interview_kari_nordmann", "KariNordmann", "kari2", "P3 - Jonas", "Interviewer (Kim)"],
)
def test_any_other_word_may_be_a_name(stem: str) -> None:
    assert may_hold_name(stem)


def test_a_name_free_stem_keeps_the_codes_and_file_words() -> None:
    assert name_free_stem("interview_P3_kari_nordmann") == "interview_P3"
    assert name_free_stem("Ola Hansen") == ""


def turn(index: int, speaker: str, role: str, text: str) -> Turn:
    return Turn(index=index, speaker=speaker, role=role, text=text)


def transcript(file_name: str, participant_id: str, *speakers: tuple[str, str]) -> Transcript:
    turns = tuple(
        turn(i, s, r, "What happened then?" if r == "interviewer" else "It broke every week, so I gave up.")
        for i, (s, r) in enumerate(speakers)
    )
    return Transcript(
        id=file_name, path=f"/study/{file_name}", participant_id=participant_id, sha256="0", turns=turns
    )


def test_named_speakers_become_codes_and_roles_and_codes_stay() -> None:
    named = transcript(
        "Ola Hansen.txt",
        "Ola Hansen",
        ("Kim Berg", "interviewer"),
        ("Ola Hansen", "participant"),
        ("Ola Hansen", "participant"),
        ("Maria (carer)", "participant"),
    )
    coded = transcript("P1.txt", "P1", ("Moderator", "interviewer"), ("P1", "participant"))
    first, second = pseudonymise([named, coded], key=lambda: KEY)
    assert second == coded.model_copy(update={"path": "P1.txt"}), "folders may be named after people too"
    assert first.participant_id == "P2"  # P1 is taken by the other interview
    assert [t.speaker for t in first.turns] == ["Interviewer", "P2", "P2", "Companion"]
    assert first.id == "P2.txt"
    assert first.path == f"file-{file_hash('Ola Hansen.txt', KEY)}.txt"
    assert "Ola" not in first.model_dump_json() and "Kim" not in first.model_dump_json()


def test_names_a_speaker_label_held_are_redacted_where_the_text_says_them() -> None:
    said = transcript(
        "Ola Hansen.txt",
        "Ola Hansen",
        ("Kim Berg", "interviewer"),
        ("Ola Hansen", "participant"),
        ("Kim Berg", "interviewer"),
        ("Ola Hansen", "participant"),
    )
    texts = [
        "Thanks for coming, Ola. How was the delivery?",
        "It came late, and Kim will know why: the battery was empty.",
        "Sorry to hear that. Will you keep the bike, ola?",
        "I will keep it, I mark the days until the new battery comes.",
    ]
    said = said.model_copy(
        update={
            "turns": tuple(t.model_copy(update={"text": x}) for t, x in zip(said.turns, texts, strict=True))
        }
    )
    (coded,), run = pseudonymise_run([said], key=lambda: KEY)
    assert run.label_names[coded.id] == {"Ola", "Hansen", "Kim", "Berg"}
    redacted = [t.text for t in redact_transcript(coded, run.label_names[coded.id]).redacted.turns]
    assert redacted == [
        "Thanks for coming, [NAME]. How was the delivery?",
        "It came late, and [NAME] will know why: the battery was empty.",
        # Only the capitalised form: in lower case a label's word is more often a word ("will", "mark").
        "Sorry to hear that. Will you keep the bike, ola?",
        "I will keep it, I mark the days until the new battery comes.",
    ]
    # Labels that hold no name give no words to redact.
    _, run = pseudonymise_run([transcript("P1.txt", "P1", ("Moderator", "interviewer"))])
    assert run.label_names == {}


def test_pseudonymising_twice_changes_nothing_more() -> None:
    named = [
        transcript(
            "Ola Hansen.txt", "Ola Hansen", ("Kim Berg", "interviewer"), ("Ola Hansen", "participant")
        ),
        transcript("interview_kari.txt", "interview_kari", ("Kari", "participant"), ("Jonas", "participant")),
    ]
    once = pseudonymise(named, key=lambda: KEY)
    assert pseudonymise(once, key=lambda: KEY) == once


def test_the_main_speaker_takes_the_code_a_file_name_gives() -> None:
    (pseudo,) = pseudonymise(
        [transcript("P3_kari.txt", "P3", ("Interviewer", "interviewer"), ("Kari", "participant"))],
        key=lambda: KEY,
    )
    assert pseudo.participant_id == "P3"
    assert [t.speaker for t in pseudo.turns] == ["Interviewer", "P3"]
    assert pseudo.id == "P3.txt"


def test_one_name_in_two_interviews_is_one_pseudonym_and_two_names_are_two() -> None:
    sessions = [
        transcript(f"session{n}.json", name, ("Interviewer", "interviewer"), (name, "participant"))
        for n, name in ((1, "Kari"), (2, "Kari"), (3, "Jonas"))
    ]
    pseudonymised, run = pseudonymise_run(sessions, key=lambda: KEY)
    assert [t.participant_id for t in pseudonymised] == ["P1", "P1", "P2"]
    # A participant list names people as the files did: its ids map to the same codes, new ones to new codes.
    assert [run.participant(p) for p in ("kari", "Jonas", "P9", "Lise")] == ["P1", "P2", "P9", "P3"]
    assert run.names >= {"Kari", "Jonas", "Lise"}


def test_the_installation_key_is_made_once_and_kept_private(key_file: Path) -> None:
    key = installation_key()
    assert installation_key() == key and len(key) == 32
    assert key_file.stat().st_mode & 0o077 == 0


def test_no_key_is_made_when_no_file_name_needs_hashing(key_file: Path) -> None:
    pseudonymise([transcript("P1.txt", "P1", ("Interviewer", "interviewer"), ("Kari", "participant"))])
    assert not key_file.exists()


# ------------------------------------------------------------------------------------------ end to end


def _otter(text: str, speakers: dict[str, str]) -> str:
    """`Label: text` lines rewritten as Otter blocks: `Name  0:10` then the text on the next line."""
    out = []
    for n, line in enumerate(text.split("\n\n")):
        label, _, said = line.partition(": ")
        out.append(f"{speakers.get(label, label)}  {n // 60}:{n % 60:02d}\n{said.strip()}")
    return "\n\n".join(out) + "\n"


def _named_case(bike: Path, into: Path) -> list[Path]:
    """Four bike interviews, each with names in its speaker labels or its file name, in three formats."""
    paths = []
    for source, (file_name, speaker) in NAMES.items():
        text = (bike / "transcripts" / source).read_text(encoding="utf-8").strip()
        code = Path(source).stem
        # The interviewer says the name the participant's label holds, and the participant the interviewer's.
        text = text.replace("Interviewer: ", f"Interviewer: Thanks, {speaker.split()[0]}. ", 1)
        text = text.replace(f"{code}: ", f"{code}: Well, {INTERVIEWER_NAME.split()[0]}, ", 1)
        labels = {"Interviewer": INTERVIEWER_NAME, code: speaker}
        target = into / file_name
        if file_name.endswith(".json"):
            turns = [
                {"speaker": labels.get(label, label), "text": said}
                for label, _, said in (block.partition(": ") for block in text.split("\n\n"))
            ]
            target.write_text(json.dumps(turns), encoding="utf-8")
        elif source == "P2.txt":
            target.write_text(_otter(text, labels), encoding="utf-8")
        else:
            text = re.sub(r"^Interviewer:", f"**{INTERVIEWER_NAME}:**", text, flags=re.M)
            target.write_text(re.sub(rf"^{code}:", f"{speaker}:", text, flags=re.M), encoding="utf-8")
        paths.append(target)
    return paths


def _names_in(text: str) -> set[str]:
    words = {w for _, (f, s) in NAMES.items() for w in re.findall(r"[a-z]{5,}", f"{f} {s}".casefold())}
    words -= {"interview", "final"}
    words |= {w.casefold() for w in INTERVIEWER_NAME.split()}
    # Whole words, also inside `a_b` file names (where `\b` sees no boundary).
    return {w for w in words if re.search(rf"(?<![^\W_]){w}(?![^\W_])", text, re.IGNORECASE)}


@pytest.mark.parametrize("interviewers", [[INTERVIEWER_NAME], None], ids=["named", "guessed"])
def test_names_in_labels_and_file_names_reach_no_prompt_export_store_or_log(
    bike: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, interviewers: list[str] | None
) -> None:
    paths = _named_case(bike, tmp_path)
    model = GoldOracle(bike).model()
    runtime = open_runtime(model=model, settings=Settings(concurrency=2), use_cache=False)
    caplog.set_level(logging.DEBUG)
    transcripts = load_transcripts(paths, interviewers=interviewers)
    # Reading names no one, the file names included.
    assert not _names_in("\n".join(r.getMessage() for r in caplog.records))
    caplog.clear()
    journey = generate_map(load_brief(bike / "brief.md"), transcripts, runtime=runtime)
    store = Store(f"sqlite:///{tmp_path / 'maps.sqlite3'}")
    store.save_map(journey, note="generated")
    stored = store.get_map(journey.id).model_dump_json()
    store.close()
    assert journey.all_evidence(), "the run must cite quotes for this test to mean anything"
    prompts = "\n".join(str(m.content) for request in model.requests for m in request)
    exports = {fmt: render(journey, fmt, include_pending=True) for fmt in FORMATS}
    database = (tmp_path / "maps.sqlite3").read_bytes().decode("utf-8", "replace")
    for where, text in {
        "prompts": prompts,
        **exports,
        "store": stored + database,
        "log": caplog.text,
    }.items():
        assert not _names_in(text), where
    # The quotes still say who spoke and where they come from, as codes.
    assert {e.participant_id for e in journey.all_evidence()} <= {"P1", "P2", "P3", "P4"}
    assert {f.path for f in journey.provenance.inputs if f.kind == "transcript"} >= {
        f"file-{file_hash('Sigrid Aasvold.txt', installation_key())}.txt"
    }


def test_a_summary_shows_the_pseudonymous_source(bike: Path, tmp_path: Path) -> None:
    (path,) = [p for p in _named_case(bike, tmp_path) if p.name.startswith("Sigrid")]
    runtime = open_runtime(model=GoldOracle(bike).model(), use_cache=False)
    summary = build_summary(load_transcripts([path], interviewers=[INTERVIEWER_NAME])[0], runtime.start())
    assert (summary.source_id, summary.participant_id) == ("P1.txt", "P1")
    assert not _names_in(summary.model_dump_json())


def test_the_service_keeps_names_in_file_names_and_labels_out_of_its_log_jobs_and_store(
    bike: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from test_service_safety import client_for, wait_for_key

    files = _named_case(bike, tmp_path)
    body = {
        "brief": (bike / "brief.md").read_text(encoding="utf-8"),
        "transcripts": [{"name": p.name, "content": p.read_text(encoding="utf-8")} for p in files],
    }
    only_asking = {"name": "Halvard Brekkestad notes.txt", "content": f"{INTERVIEWER_NAME}: How was it?\n"}
    caplog.set_level(logging.DEBUG)
    seen = []
    with client_for(tmp_path, GoldOracle(bike).model) as client:
        job = client.post("/v1/maps", json=body).json()
        while job["status"] in ("queued", "running"):
            seen.append(json.dumps(client.get(f"/v1/jobs/{job['id']}").json()))
            job = client.get(f"/v1/jobs/{job['id']}").json()
        map_id = wait_for_key(client, job["id"], {})["map_id"]
        failed = client.post("/v1/maps", json={"transcripts": [only_asking]}).json()
        while failed["status"] in ("queued", "running"):
            failed = client.get(f"/v1/jobs/{failed['id']}").json()
        seen += [json.dumps(failed), client.get(f"/v1/maps/{map_id}").text]
        seen += [client.get(f"/v1/maps/{map_id}/export/{fmt}").text for fmt in FORMATS]
        summary = client.post("/v1/transcripts/summarize", json=body["transcripts"][0])
        seen.append(summary.text)
    assert failed["status"] == "failed" and "only interviewer turns" in failed["error"]
    assert summary.status_code == 200
    database = (tmp_path / "service.sqlite3").read_bytes().decode("utf-8", "replace")
    for where, text in {"answers": "\n".join(seen), "store": database, "log": caplog.text}.items():
        assert not _names_in(text), where
