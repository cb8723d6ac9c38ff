"""The HTTP service, in process (FastAPI's TestClient), over a scripted model and a temporary SQLite file.

The scripted model answers every prompt with the smallest valid instance of the JSON schema the step sends
in `response_format`, so these tests follow the pipeline's output shapes without knowing them: enum values
(stage ids, sentence ids, participant ids, observation ids) are taken from the schema itself.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import docx
import openpyxl
import pytest
from fastapi.testclient import TestClient

from cjgen.ask import Runtime
from cjgen.errors import ModelError
from cjgen.models import ScriptedChatModel
from cjgen.pipeline import build_summary, open_runtime
from cjgen.render import FORMATS
from cjgen.schema import JourneyMap, TranscriptSummary
from cjgen.service import RateLimiter, create_app
from cjgen.settings import Settings
from cjgen.store import Store
from pdf_files import pdf_of
from schema_answers import scripted_model

CASE = Path(__file__).resolve().parents[1] / "evals" / "cases" / "bike-subscription"
BRIEF = (CASE / "brief.md").read_text(encoding="utf-8")


def runtime_factory(model_factory: Callable[[], ScriptedChatModel] = scripted_model) -> Callable[[], Runtime]:
    settings = Settings(concurrency=1, max_reasks=1)
    return lambda: open_runtime(model=model_factory(), settings=settings, use_cache=False)


# --------------------------------------------------------------------------------------------- fixtures


def excerpt(name: str, blocks: int = 9) -> dict[str, str]:
    """The opening of a real example interview: a few turns (or subtitle cues) keep the test quick."""
    text = (CASE / "transcripts" / name).read_text(encoding="utf-8")
    return {"name": name, "content": "\n\n".join(text.split("\n\n")[:blocks]) + "\n"}


TRANSCRIPTS = [excerpt("P1.txt"), excerpt("P2.txt"), excerpt("P5.vtt", 10)]


def make_client(tmp_path: Path, factory: Callable[[], Runtime] | None = None, **settings: Any) -> TestClient:
    store = Store(f"sqlite:///{tmp_path / 'service.sqlite3'}")
    app = create_app(
        Settings(**{"rate_limit_per_minute": 0, **settings}),
        runtime_factory=factory or runtime_factory(),
        store=store,
    )
    return TestClient(app)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path) as client:
        yield client


def wait_for(client: TestClient, job_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout_s} s")


def make_map(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/maps", json={"brief": BRIEF, "transcripts": TRANSCRIPTS, **body})
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/v1/jobs/{response.json()['id']}"
    job = wait_for(client, response.json()["id"])
    assert job["status"] == "done", job
    return job


# --------------------------------------------------------------------------------------------- maps


def test_map_job_runs_to_a_stored_map(client: TestClient) -> None:
    queued = client.post("/v1/maps", json={"brief": BRIEF, "transcripts": TRANSCRIPTS, "title": "Pedalpass"})
    assert queued.status_code == 202
    assert queued.json()["status"] in ("queued", "running", "done")
    job = wait_for(client, queued.json()["id"])
    assert (job["status"], job["progress"], job["error"]) == ("done", 1.0, None)

    response = client.get(f"/v1/maps/{job['map_id']}")
    assert response.status_code == 200
    journey = JourneyMap.model_validate(response.json())
    assert (journey.title, journey.version) == ("Pedalpass", 1)
    assert {p for persona in journey.personas for p in persona.participant_ids} == {"P1", "P2", "P5"}
    assert journey.pain_points and all(p.evidence for p in journey.pain_points if p.basis == "observed")
    assert [m["id"] for m in client.get("/v1/maps").json()] == [journey.id]


def test_every_export_format_has_its_content_type(client: TestClient) -> None:
    map_id = make_map(client)["map_id"]
    expected = {
        "html": "text/html",
        "md": "text/markdown",
        "json": "application/json",
        "csv": "text/csv",
        "mermaid": "text/plain",
        "board": "text/csv",
    }
    assert set(expected) == set(FORMATS)
    for fmt, content_type in expected.items():
        response = client.get(f"/v1/maps/{map_id}/export/{fmt}")
        assert response.status_code == 200, (fmt, response.text)
        assert response.headers["content-type"].startswith(content_type)
        assert response.text
    assert client.get(f"/v1/maps/{map_id}/export/html").text.lstrip().lower().startswith("<!doctype html")
    assert client.get(f"/v1/maps/{map_id}/export/mermaid").text.startswith("journey")
    assert JourneyMap.model_validate_json(client.get(f"/v1/maps/{map_id}/export/json").text).id == map_id


def test_review_makes_a_new_version_and_the_diff_shows_it(client: TestClient) -> None:
    map_id = make_map(client)["map_id"]
    pain = client.get(f"/v1/maps/{map_id}").json()["pain_points"][0]
    severity = 1 if pain["severity"] != 1 else 3  # a change whatever the map's first severity is

    response = client.post(
        f"/v1/maps/{map_id}/items/{pain['id']}/review",
        json={
            "decision": "edit",
            "edits": {"statement": "Clearer statement", "severity": severity},
            "reviewer": "ines",
        },
    )
    assert response.status_code == 200, response.text
    reviewed = JourneyMap.model_validate(response.json())
    assert reviewed.version == 2
    assert (reviewed.pain_points[0].statement, reviewed.pain_points[0].review.status) == (
        "Clearer statement",
        "edited",
    )
    assert client.get(f"/v1/maps/{map_id}").json()["version"] == 2
    assert client.get(f"/v1/maps/{map_id}", params={"version": 1}).json()["pain_points"][0] == pain
    versions = client.get(f"/v1/maps/{map_id}/versions").json()
    assert [v["version"] for v in versions] == [1, 2]

    diff = client.get(f"/v1/maps/{map_id}/diff", params={"from": 1, "to": 2}).json()
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert diff["added"] == diff["removed"] == []
    [changed] = diff["changed"]
    assert changed["id"] == pain["id"] and changed["type"] == "pain_points"
    fields = {c["field"]: (c["old"], c["new"]) for c in changed["changes"]}
    assert fields["statement"] == (pain["statement"], "Clearer statement")
    assert fields["severity"] == (pain["severity"], severity)
    assert fields["review.status"] == ("pending", "edited")
    assert client.get(f"/v1/maps/{map_id}/diff").json() == diff, "default: latest against the one before"

    events = client.get(f"/v1/maps/{map_id}/reviews").json()
    assert [(e["version"], e["item_id"], e["decision"], e["reviewer"]) for e in events] == [
        (2, pain["id"], "edit", "ines (anonymous)")
    ]


def test_brief_alone_is_drafted(client: TestClient) -> None:
    job = make_map(client, transcripts=[], map_type="future-state")
    journey = JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())
    assert journey.map_type == "future-state"
    assert journey.items() and all(item.basis == "assumption" for item in journey.items())


def test_a_model_that_never_answers_validly_fails_the_job(tmp_path: Path) -> None:
    factory = runtime_factory(lambda: ScriptedChatModel(responder=lambda *_: "not json"))
    with make_client(tmp_path, factory) as client:
        queued = client.post("/v1/maps", json={"brief": BRIEF, "transcripts": TRANSCRIPTS[:1]})
        job = wait_for(client, queued.json()["id"])
    assert job["status"] == "failed"
    assert job["map_id"] is None
    assert "not valid JSON" in job["error"]


def test_failed_job_messages_do_not_show_the_temporary_directory(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        bad = {"name": "P9.txt", "content": "Interviewer: hello?\nInterviewer: anyone there?\n"}
        job = wait_for(client, client.post("/v1/maps", json={"transcripts": [bad]}).json()["id"])
    assert job["status"] == "failed"
    assert job["error"].startswith("P9.txt: ")
    assert "cjgen-job" not in job["error"]


# ----------------------------------------------------------------------------------------- summaries, meta


def test_summarize_answers_with_grounded_quotes(client: TestClient) -> None:
    response = client.post("/v1/transcripts/summarize", json={**TRANSCRIPTS[0], "redact": True})
    assert response.status_code == 200, response.text
    summary = TranscriptSummary.model_validate(response.json())
    assert (summary.source_id, summary.participant_id) == ("P1.txt", "P1")
    source = TRANSCRIPTS[0]["content"]
    assert summary.quotes and all(q.quote in source for q in summary.quotes if not q.redacted)
    assert all(q.redacted for q in summary.quotes if q.quote not in source)


def as_base64(name: str, data: bytes) -> dict[str, str]:
    return {"name": name, "encoding": "base64", "content": base64.b64encode(data).decode("ascii")}


def docx_of(lines: list[str]) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def labelled_lines(content: str) -> list[str]:
    """A text transcript's labelled turns, one line each, as a Word or PDF export holds them."""
    return [" ".join(block.split()) for block in content.split("\n\n") if ":" in block]


def same_summary(summary: dict[str, Any], name: str) -> Any:
    """A summary as its text reads: its source file's name and its provenance left out, and a PDF's
    apostrophes as typed (a PDF font's standard encoding draws "'" as "’", and its text says so)."""
    text = json.dumps({k: v for k, v in summary.items() if k != "provenance"}, ensure_ascii=False)
    return json.loads(text.replace(name, "*").replace("’", "'"))


def test_word_and_pdf_transcripts_come_as_base64_and_read_as_their_text_does(
    client: TestClient,
) -> None:
    lines = labelled_lines(TRANSCRIPTS[0]["content"])
    as_text = client.post("/v1/transcripts/summarize", json={"name": "P1.txt", "content": "\n".join(lines)})
    assert as_text.status_code == 200, as_text.text
    for sent in (as_base64("P1.docx", docx_of(lines)), as_base64("P1.pdf", pdf_of([lines[:4], lines[4:]]))):
        response = client.post("/v1/transcripts/summarize", json=sent)
        assert response.status_code == 200, response.text
        summary = TranscriptSummary.model_validate(response.json())
        assert (summary.source_id, summary.participant_id) == (sent["name"], "P1")
        said = "\n".join(lines)
        assert summary.quotes and all(
            q.quote.replace("’", "'") in said for q in summary.quotes if not q.redacted
        )
        assert same_summary(response.json(), sent["name"]) == same_summary(as_text.json(), "P1.txt")


def test_a_table_of_turns_as_csv_text_or_an_excel_file_reads_as_its_lines_do(client: TestClient) -> None:
    lines = labelled_lines(TRANSCRIPTS[0]["content"])
    as_text = client.post("/v1/transcripts/summarize", json={"name": "P1.txt", "content": "\n".join(lines)})
    assert as_text.status_code == 200, as_text.text
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Speaker", "Text"])
    writer.writerows(line.split(": ", 1) for line in lines)
    response = client.post("/v1/transcripts/summarize", json={"name": "P1.csv", "content": out.getvalue()})
    assert response.status_code == 200, response.text
    assert same_summary(response.json(), "P1.csv") == same_summary(as_text.json(), "P1.txt")
    book = openpyxl.Workbook()
    for row in csv.reader(io.StringIO(out.getvalue())):
        book.active.append(row)
    sheet = io.BytesIO()
    book.save(sheet)
    response = client.post("/v1/transcripts/summarize", json=as_base64("P1.xlsx", sheet.getvalue()))
    assert response.status_code == 200, response.text
    assert same_summary(response.json(), "P1.xlsx") == same_summary(as_text.json(), "P1.txt")
    refused = client.post("/v1/transcripts/summarize", json={"name": "P1.csv", "content": "id,group\nP1,a\n"})
    assert refused.status_code == 422, refused.text
    assert "a speaker and a text column" in refused.text


def test_a_map_from_a_word_transcript_keeps_it_for_its_revision(client: TestClient) -> None:
    word = as_base64("P1.docx", docx_of(labelled_lines(TRANSCRIPTS[0]["content"])))
    job = make_map(client, transcripts=[word, TRANSCRIPTS[1]])
    journey = JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())
    assert {p for persona in journey.personas for p in persona.participant_ids} == {"P1", "P2"}
    assert any(e.source_id == "P1.docx" for p in journey.pain_points for e in p.evidence) or any(
        q.source_id == "P1.docx" for persona in journey.personas for q in persona.evidence
    )
    revision = client.post(f"/v1/maps/{job['map_id']}/revisions", json={"transcripts": [TRANSCRIPTS[2]]})
    assert revision.status_code == 202, revision.text
    done = wait_for(client, revision.json()["id"])
    assert done["status"] == "done", done
    revised = JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())
    assert {p for persona in revised.personas for p in persona.participant_ids} == {"P1", "P2", "P5"}


def test_a_text_file_in_another_encoding_comes_as_base64(client: TestClient) -> None:
    utf16 = TRANSCRIPTS[0]["content"].encode("utf-16")
    response = client.post("/v1/transcripts/summarize", json=as_base64("P1.txt", utf16))
    assert response.status_code == 200, response.text
    assert TranscriptSummary.model_validate(response.json()).participant_id == "P1"


_GUIDE = (
    "- How did you book your last visit? Did you go online or call? {}\n"
    "- Now we will pretend you are paying a bill on the new screen.\n"
    "Thanks so much for taking the time to talk with us today.\n"
)


def test_summarize_reads_its_transcript_with_the_study_it_is_given(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    notes = [
        {"name": f"P{n}.md", "content": _GUIDE.format(a)} for n, a in enumerate(["Online.", "By phone."], 1)
    ]
    study = [*notes, {"name": "P3.md", "content": _GUIDE.format("In person.")}]
    read: list[list[str]] = []

    def summary(transcript: Any, run: Any, redact: bool) -> TranscriptSummary:
        read.append([t.text for t in transcript.participant_turns()])
        return build_summary(transcript, run, redact=redact)

    monkeypatch.setattr("cjgen.service.routes.transcripts.build_summary", summary)
    assert client.post("/v1/transcripts/summarize", json=notes[0]).status_code == 200
    # the file itself may be among the study's: it is read once
    assert client.post("/v1/transcripts/summarize", json={**notes[0], "study": study}).status_code == 200
    alone, together = read
    assert any("Thanks so much for taking the time" in text for text in alone)
    assert together == ["Online."]
    bad = client.post(
        "/v1/transcripts/summarize",
        json={**notes[0], "study": [notes[1], {"name": "P4.md", "content": "Interviewer: only me here\n"}]},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["body", "study", 1, "content"]
    twice = client.post("/v1/transcripts/summarize", json={**notes[0], "study": [notes[1], notes[1]]})
    assert twice.status_code == 422 and "repeated: P2.md" in twice.json()["detail"][0]["msg"]


def test_interviewer_names_given_with_a_request_decide_who_is_the_participant(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two plain names, and the participant asks more than the interviewer: a guess gets it wrong."""
    text = (
        "Kim Lee: Tell me about the form you filled in.\n\n"
        "Mary Hart: Why would they ask that? What is it for? Who reads it?\n\n"
        "Kim Lee: Go on, tell me more about the payslips.\n\n"
        "Mary Hart: Why ask me for my payslips three times?\n"
    )
    read: list[list[str]] = []

    def summary(transcript: Any, run: Any, redact: bool) -> TranscriptSummary:
        read.append([t.speaker for t in transcript.participant_turns()])
        return build_summary(transcript, run, redact=redact)

    monkeypatch.setattr("cjgen.service.routes.transcripts.build_summary", summary)
    body = {"name": "P7.txt", "content": text}
    assert client.post("/v1/transcripts/summarize", json=body).status_code == 200
    given = client.post("/v1/transcripts/summarize", json={**body, "interviewers": ["Kim Lee"]})
    assert given.status_code == 200, given.text
    guessed, named = read
    assert set(guessed) == {"Kim Lee"} and set(named) == {"Mary Hart"}
    bad = client.post("/v1/maps", json={"brief": BRIEF, "interviewers": [""]})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "interviewers", 0]


def test_schema_and_health(client: TestClient) -> None:
    schema = client.get("/v1/schema").json()
    assert schema["title"] == "JourneyMap"
    # The schema of maps as they are served, counts computed on output included: what the CLI writes.
    checked_in = Path(__file__).resolve().parents[1] / "schema" / "journey-map.schema.json"
    assert schema == json.loads(checked_in.read_text(encoding="utf-8"))
    assert "quote_count" in schema["$defs"]["PainPoint"]["properties"]
    assert client.get("/healthz").json()["status"] == "ok"
    assert "/v1/maps" in client.get("/openapi.json").json()["paths"]


def test_no_model_backend_is_503_for_summaries(tmp_path: Path) -> None:
    def no_backend() -> Runtime:
        raise ModelError("no model backend available")

    with make_client(tmp_path, no_backend) as client:
        response = client.post("/v1/transcripts/summarize", json=TRANSCRIPTS[0])
    assert response.status_code == 503
    assert response.json() == {"detail": "no model backend available"}


def test_an_unexpected_error_is_a_plain_500(tmp_path: Path) -> None:
    def broken() -> Runtime:
        raise RuntimeError("secret internals")

    app = make_client(tmp_path, broken).app
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post("/v1/transcripts/summarize", json=TRANSCRIPTS[0])
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}


# --------------------------------------------------------------------------------------------- errors


def test_unknown_ids_are_404(client: TestClient) -> None:
    map_id = make_map(client, transcripts=[])["map_id"]
    for path in (
        "/v1/maps/map-nope",
        "/v1/maps/map-nope/versions",
        "/v1/maps/map-nope/export/html",
        "/v1/maps/map-nope/diff",
        f"/v1/maps/{map_id}?version=7",
        f"/v1/maps/{map_id}/diff?from=1&to=7",
        "/v1/jobs/job-nope",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert isinstance(response.json()["detail"], str)
    review = client.post("/v1/maps/map-nope/items/pain1/review", json={"decision": "accept"})
    assert review.status_code == 404


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"brief": BRIEF, "map_type": "someday"}, ["body", "map_type"]),
        (
            {"transcripts": [{"name": "../etc/passwd.txt", "content": "x"}]},
            ["body", "transcripts", 0, "name"],
        ),
        ({"transcripts": [{"name": "P1.pdf", "content": "x"}]}, ["body", "transcripts", 0, "content"]),
        ({"transcripts": [{"name": "P1.pages", "content": "x"}]}, ["body", "transcripts", 0, "name"]),
        ({"transcripts": [{"name": "P1.rtf", "content": "x"}]}, ["body", "transcripts", 0, "content"]),
        (
            {"transcripts": [{"name": "P1.docx", "encoding": "base64", "content": "not base64!"}]},
            ["body", "transcripts", 0, "content"],
        ),
        (
            {"transcripts": [{"name": "P1.txt", "content": "x" * 300_001}]},
            ["body", "transcripts", 0, "content"],
        ),
        (
            {"transcripts": [{"name": "P1.txt", "encoding": "gzip", "content": "x"}]},
            ["body", "transcripts", 0, "encoding"],
        ),
        ({"transcripts": [{"name": "P1.txt"}]}, ["body", "transcripts", 0, "content"]),
        (
            {"transcripts": [{"name": "P1.txt", "content": "a"}, {"name": "p1.TXT", "content": "b"}]},
            ["body", "transcripts"],
        ),
        ({"brief": BRIEF, "colour": "blue"}, ["body", "colour"]),
        ({}, ["body", "brief"]),
        (
            {"brief": BRIEF, "participants": [{"id": "P1", "group": "A"}, {"id": "P1", "group": "B"}]},
            ["body", "participants"],
        ),
        ({"brief": BRIEF, "participants": [{"id": "", "group": "A"}]}, ["body", "participants", 0, "id"]),
    ],
)
def test_bad_map_requests_are_422_with_the_field_path(
    client: TestClient, body: dict[str, Any], loc: list[Any]
) -> None:
    response = client.post("/v1/maps", json=body)
    assert response.status_code == 422, response.text
    assert loc in [e["loc"] for e in response.json()["detail"]]
    assert all(set(e) == {"loc", "msg", "type"} for e in response.json()["detail"])


def test_bad_reviews_and_formats_are_422_with_the_field_path(client: TestClient) -> None:
    journey = client.get(f"/v1/maps/{make_map(client)['map_id']}").json()
    pain_id = journey["pain_points"][0]["id"]
    base = f"/v1/maps/{journey['id']}"
    cases = [
        (
            f"{base}/items/{pain_id}/review",
            {"decision": "edit", "edits": {"evidence": []}},
            ["body", "edits", "evidence"],
        ),
        (
            f"{base}/items/{pain_id}/review",
            {"decision": "edit", "edits": {"severity": 9}},
            ["body", "edits", "severity"],
        ),
        (f"{base}/items/{pain_id}/review", {"decision": "maybe"}, ["body", "decision"]),
        (f"{base}/items/nothing/review", {"decision": "accept"}, ["path", "item_id"]),
    ]
    for url, body, loc in cases:
        response = client.post(url, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["loc"] == loc
    response = client.get(f"{base}/export/pdf")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "fmt"]
    assert client.get(f"{base}?version=0").json()["detail"][0]["loc"] == ["query", "version"]
    assert client.get(base).json()["version"] == 1, "refused reviews store nothing"


def test_summarize_of_an_unreadable_transcript_points_at_its_content(client: TestClient) -> None:
    response = client.post(
        "/v1/transcripts/summarize", json={"name": "P1.txt", "content": "Interviewer: only me here\n"}
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "content"]
    assert "speaker" in error["msg"]


def test_a_word_file_that_is_not_one_is_refused_at_its_content(client: TestClient) -> None:
    response = client.post("/v1/transcripts/summarize", json=as_base64("P1.docx", b"plain words, no zip"))
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "content"]
    assert ".docx" in error["msg"] or "Word" in error["msg"]


# --------------------------------------------------------------------------------------------- guards


def test_api_keys_are_required_when_configured(tmp_path: Path) -> None:
    with make_client(tmp_path, api_keys="key-one, key-two") as client:
        assert client.get("/v1/maps").status_code == 401
        assert client.get("/v1/maps", headers={"X-API-Key": "wrong"}).status_code == 401
        assert client.get("/v1/maps", headers={"Authorization": "Basic key-one"}).status_code == 401
        assert client.get("/v1/maps", headers={"X-API-Key": "key-one"}).status_code == 200
        assert client.get("/v1/maps", headers={"Authorization": "Bearer key-two"}).status_code == 200
        assert client.post("/v1/maps", json={}).status_code == 401, "auth before anything else"
        assert client.get("/healthz").status_code == 200


def test_large_bodies_are_413(tmp_path: Path) -> None:
    with make_client(tmp_path, max_request_bytes=2_000) as client:
        big = {"brief": "x" * 3_000}
        response = client.post("/v1/maps", json=big)
        assert response.status_code == 413
        assert "2000 bytes" in response.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"brief": "'
            for _ in range(10):
                yield b"y" * 500
            yield b'"}'

        streamed = client.post("/v1/maps", content=chunks(), headers={"Content-Type": "application/json"})
        assert streamed.status_code == 413
        assert client.post("/v1/maps", json={"brief": "small"}).status_code == 202


def test_rate_limit_is_429_with_retry_after(tmp_path: Path) -> None:
    with make_client(tmp_path, rate_limit_per_minute=3, api_keys="a,b") as client:
        limiter: RateLimiter = cast(Any, client.app).state.cjgen.limiter
        limiter.clock = lambda: 90.0  # mid-window: the requests cannot straddle two windows
        for _ in range(3):
            assert client.get("/v1/maps", headers={"X-API-Key": "a"}).status_code == 200
        limited = client.get("/v1/maps", headers={"X-API-Key": "a"})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert client.get("/v1/maps", headers={"X-API-Key": "b"}).status_code == 200, (
            "each key has its own window"
        )
        assert client.get("/healthz").status_code == 200


def test_rate_limit_window_resets_each_minute() -> None:
    limiter = RateLimiter(per_minute=2)
    assert limiter.retry_after("k", now=120.0) is None
    assert limiter.retry_after("k", now=130.0) is None
    assert limiter.retry_after("k", now=150.5) == 30
    assert limiter.retry_after("k", now=180.0) is None
    assert RateLimiter(per_minute=0).retry_after("k") is None


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CJGEN_API_KEYS", "alpha, beta,")
    monkeypatch.setenv("CJGEN_MAX_REQUEST_BYTES", "1000")
    monkeypatch.setenv("CJGEN_RATE_LIMIT_PER_MINUTE", "5")
    settings = Settings()
    assert settings.keys() == {"alpha", "beta"}
    assert (settings.max_request_bytes, settings.rate_limit_per_minute) == (1000, 5)
    assert "alpha" not in repr(settings)


class RecordingStore(Store):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.updates: list[tuple[float | None, str | None]] = []

    def update_job(self, job_id: str, **changes: Any) -> Any:
        self.updates.append((changes.get("progress"), changes.get("message")))
        return super().update_job(job_id, **changes)


def test_job_progress_follows_the_pipeline(tmp_path: Path) -> None:
    store = RecordingStore(f"sqlite:///{tmp_path / 'progress.sqlite3'}")
    app = create_app(Settings(rate_limit_per_minute=0), runtime_factory=runtime_factory(), store=store)
    with TestClient(app) as client:
        make_map(client)
    fractions = [p for p, _ in store.updates if p is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    messages = [m for _, m in store.updates if m]
    assert [m for m in messages if m.startswith("extracted: ")] == [
        "extracted: P1.txt",
        "extracted: P2.txt",
        "extracted: P5.vtt",
    ]
    assert any(m.startswith("synthesize: ") for m in messages)


def test_run_serves_the_app_with_uvicorn(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn
    from fastapi import FastAPI

    from cjgen.service import run

    served: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.update(app=app, **kw))
    run("0.0.0.0", 9000, Settings(database_url=f"sqlite:///{tmp_path / 'run.sqlite3'}"))
    assert isinstance(served["app"], FastAPI)
    assert (served["host"], served["port"]) == ("0.0.0.0", 9000)
