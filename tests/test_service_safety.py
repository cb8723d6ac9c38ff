"""The service's guards: text-only briefs, owners, idempotent retries, bounded work, deadlines, cancel, restarts,
optimistic review concurrency, key checks and response headers."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from langchain_core.messages import BaseMessage
from sqlalchemy import update

import cjgen.pipeline
from cjgen.ask import Runtime
from cjgen.errors import ModelError
from cjgen.models import ScriptedChatModel
from cjgen.pipeline import open_runtime
from cjgen.schema import Transcript
from cjgen.service import create_app
from cjgen.settings import Settings
from cjgen.store import Store, _Job, _Map
from schema_answers import scripted_model, slow_model
from test_service import BRIEF, TRANSCRIPTS, make_map, wait_for

KEYS = {"a": {"X-API-Key": "key-a"}, "b": {"X-API-Key": "key-b"}, "admin": {"X-API-Key": "key-admin"}}


def factory_of(make: Callable[[], ScriptedChatModel]) -> Callable[[], Runtime]:
    settings = Settings(concurrency=1, max_reasks=1)
    return lambda: open_runtime(model=make(), settings=settings, use_cache=False)


def client_for(
    tmp_path: Path, make: Callable[[], ScriptedChatModel] = scripted_model, **settings: Any
) -> TestClient:
    store = Store(f"sqlite:///{tmp_path / 'service.sqlite3'}")
    app = create_app(
        Settings(**{"rate_limit_per_minute": 0, **settings}), runtime_factory=factory_of(make), store=store
    )
    return TestClient(app)


class Gate:
    """A scripted model that waits at a gate before every answer, so a test controls when work finishes."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.entered = threading.Event()

    def model(self) -> ScriptedChatModel:
        model = scripted_model()
        answer = model.responder
        assert answer is not None

        def gated(messages: Sequence[BaseMessage], kwargs: dict[str, Any]) -> Any:
            self.entered.set()
            self.open.wait(30)
            return answer(messages, kwargs)

        model.responder = gated
        return model


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.open.set()


def seen_by(model: ScriptedChatModel) -> str:
    return "\n".join(str(m.content) for request in model.requests for m in request)


# --------------------------------------------------------------------------------------------- the brief


def test_a_brief_that_names_a_server_file_is_just_text(tmp_path: Path) -> None:
    secret = tmp_path / "notes.txt"
    secret.write_text("Quarterly secrets: the vault code is 4711\n", encoding="utf-8")
    models: list[ScriptedChatModel] = []

    def recorded() -> ScriptedChatModel:
        models.append(scripted_model())
        return models[-1]

    with client_for(tmp_path, recorded) as client:
        for brief in (str(secret), "/etc/passwd"):
            job = make_map(client, brief=brief, transcripts=[])
            journey = client.get(f"/v1/maps/{job['map_id']}").json()
            assert journey["title"] == brief
            assert journey["provenance"]["inputs"][0]["path"] == "(text)"
    assert all("4711" not in seen_by(m) and "root:" not in seen_by(m) for m in models)


def test_the_title_of_a_redacted_brief_shows_no_personal_data(tmp_path: Path) -> None:
    brief = "Brief from ana.lopez@example.com, call +44 20 7946 0958\n\n" + BRIEF
    with client_for(tmp_path) as client:
        job = make_map(client, brief=brief, transcripts=TRANSCRIPTS[:1])
        title = client.get(f"/v1/maps/{job['map_id']}").json()["title"]
        html = client.get(f"/v1/maps/{job['map_id']}/export/html").text
    assert "ana.lopez@example.com" not in title and "7946" not in title
    assert "ana.lopez@example.com" not in html


# --------------------------------------------------------------------------------------------- ownership


def test_maps_belong_to_the_key_that_made_them(tmp_path: Path) -> None:
    with client_for(tmp_path, api_keys="key-a,key-b", admin_keys="key-admin") as client:
        job = client.post("/v1/maps", json={"brief": BRIEF}, headers=KEYS["a"]).json()
        map_id = wait_for_key(client, job["id"], KEYS["a"])["map_id"]
        assert client.get(f"/v1/jobs/{job['id']}", headers=KEYS["b"]).status_code == 404
        for path in ("", "/versions", "/reviews", "/export/html", "/diff"):
            assert client.get(f"/v1/maps/{map_id}{path}", headers=KEYS["b"]).status_code == 404, path
            assert client.get(f"/v1/maps/{map_id}{path}", headers=KEYS["a"]).status_code == 200, path
            assert client.get(f"/v1/maps/{map_id}{path}", headers=KEYS["admin"]).status_code == 200, path
        item = client.get(f"/v1/maps/{map_id}", headers=KEYS["a"]).json()["pain_points"][0]["id"]
        review = f"/v1/maps/{map_id}/items/{item}/review"
        assert client.post(review, json={"decision": "accept"}, headers=KEYS["b"]).status_code == 404
        assert client.get("/v1/maps", headers=KEYS["b"]).json() == []
        assert [m["id"] for m in client.get("/v1/maps", headers=KEYS["a"]).json()] == [map_id]
        assert [m["id"] for m in client.get("/v1/maps", headers=KEYS["admin"]).json()] == [map_id]


def wait_for_key(client: TestClient, job_id: str, headers: dict[str, str]) -> dict[str, Any]:
    for _ in range(600):
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] not in ("queued", "running"):
            assert job["status"] == "done", job
            return job
        time.sleep(0.05)
    raise AssertionError("job did not finish")


def test_the_same_request_twice_makes_two_maps_and_leaves_reviews_alone(tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        first = make_map(client, transcripts=[])["map_id"]
        item = client.get(f"/v1/maps/{first}").json()["pain_points"][0]["id"]
        accepted = client.post(f"/v1/maps/{first}/items/{item}/review", json={"decision": "accept"})
        assert accepted.status_code == 200
        second = make_map(client, transcripts=[], title="Someone else's")["map_id"]
        assert second != first
        kept = client.get(f"/v1/maps/{first}").json()
    assert kept["version"] == 2 and kept["title"] != "Someone else's"
    assert kept["pain_points"][0]["review"]["status"] == "accepted"


def test_the_reviewer_is_the_key_with_an_optional_display_name(tmp_path: Path) -> None:
    with client_for(tmp_path, api_keys="key-a") as client:
        job = client.post("/v1/maps", json={"brief": BRIEF}, headers=KEYS["a"]).json()
        map_id = wait_for_key(client, job["id"], KEYS["a"])["map_id"]
        item = client.get(f"/v1/maps/{map_id}", headers=KEYS["a"]).json()["pain_points"][0]["id"]
        for name in ("Ines", None):
            body = {"decision": "accept", "reviewer": name}
            assert client.post(
                f"/v1/maps/{map_id}/items/{item}/review", json=body, headers=KEYS["a"]
            ).is_success
        reviewers = [
            e["reviewer"] for e in client.get(f"/v1/maps/{map_id}/reviews", headers=KEYS["a"]).json()
        ]
    assert reviewers[0].startswith("Ines (key-") and reviewers[1].startswith("key-")
    assert reviewers[0].endswith(f"({reviewers[1]})")
    assert "key-a" not in "".join(reviewers), "the key itself is never shown"


def test_an_idempotency_key_makes_a_retried_post_return_the_same_job(tmp_path: Path) -> None:
    with client_for(tmp_path, api_keys="key-a,key-b") as client:
        body = {"brief": BRIEF}
        retry = {"Idempotency-Key": "order-42"}
        first = client.post("/v1/maps", json=body, headers={**KEYS["a"], **retry})
        again = client.post("/v1/maps", json=body, headers={**KEYS["a"], **retry})
        assert first.status_code == again.status_code == 202
        assert first.json()["id"] == again.json()["id"]
        other = client.post("/v1/maps", json=body, headers={**KEYS["b"], **retry})
        assert other.json()["id"] != first.json()["id"], "keys are per caller"
        changed = client.post("/v1/maps", json={"brief": "another"}, headers={**KEYS["a"], **retry})
        assert changed.status_code == 422
        assert changed.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
        wait_for_key(client, first.json()["id"], KEYS["a"])
        wait_for_key(client, other.json()["id"], KEYS["b"])


# --------------------------------------------------------------------------------------------- stalls


def test_summaries_are_bounded_and_never_stall_the_health_check(tmp_path: Path, gate: Gate) -> None:
    with (
        client_for(tmp_path, gate.model, summarize_workers=1, summarize_queue=1) as client,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        waiting = [
            pool.submit(client.post, "/v1/transcripts/summarize", json=TRANSCRIPTS[0]) for _ in range(2)
        ]
        assert gate.entered.wait(10)
        time.sleep(0.2)  # the second one is queued by now
        refused = client.post("/v1/transcripts/summarize", json=TRANSCRIPTS[0])
        started = time.perf_counter()
        assert client.get("/healthz").status_code == 200
        assert time.perf_counter() - started < 2
        gate.open.set()
        assert [f.result(30).status_code for f in waiting] == [200, 200]
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) > 0


def test_a_summary_past_its_time_limit_is_504(tmp_path: Path) -> None:
    with client_for(tmp_path, lambda: slow_model(0.3), summarize_timeout_s=0.1) as client:
        response = client.post("/v1/transcripts/summarize", json=TRANSCRIPTS[0])
    assert response.status_code == 504
    assert "time limit" in response.json()["detail"]


def test_the_job_queue_is_bounded(tmp_path: Path, gate: Gate) -> None:
    with client_for(tmp_path, gate.model, job_workers=1, job_queue=1) as client:
        jobs = [client.post("/v1/maps", json={"brief": BRIEF}) for _ in range(2)]
        refused = client.post("/v1/maps", json={"brief": BRIEF})
        gate.open.set()
        finished = [wait_for(client, j.json()["id"])["status"] for j in jobs]
    assert [j.status_code for j in jobs] == [202, 202]
    assert refused.status_code == 503 and int(refused.headers["retry-after"]) > 0
    assert finished == ["done", "done"]


def test_transcript_content_is_bounded(tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        huge = {"name": "P1.txt", "content": "P1: " + "word " * 70_000}
        response = client.post("/v1/maps", json={"transcripts": [huge]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "transcripts", 0, "content"]


def test_a_job_past_its_deadline_fails(tmp_path: Path) -> None:
    with client_for(tmp_path, lambda: slow_model(0.4), job_timeout_s=0.5) as client:
        job = wait_for(
            client, client.post("/v1/maps", json={"brief": BRIEF, "transcripts": TRANSCRIPTS}).json()["id"]
        )
        assert client.get("/v1/maps").json() == []
    assert job["status"] == "failed"
    assert "time limit" in job["error"]


def test_a_job_can_be_cancelled(tmp_path: Path, gate: Gate) -> None:
    with client_for(tmp_path, gate.model) as client:
        job = client.post("/v1/maps", json={"brief": BRIEF, "transcripts": TRANSCRIPTS}).json()
        assert gate.entered.wait(10)
        cancelled = client.delete(f"/v1/jobs/{job['id']}")
        gate.open.set()
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        time.sleep(0.5)
        assert client.get(f"/v1/jobs/{job['id']}").json()["status"] == "cancelled"
        assert client.get("/v1/maps").json() == [], "a cancelled job saves no map"
        assert client.delete("/v1/jobs/nope").status_code == 404


# --------------------------------------------------------------------------------------------- restarts


def test_a_job_left_running_by_a_stopped_service_fails_at_start_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    store = Store(url)
    job = store.create_job("map", owner="anonymous", worker="gone", lease_s=30)
    store.update_job(job.id, status="running")
    orphan = store.create_job("map", owner="anonymous")  # from before leases: no worker at all
    with store._sessions() as session:  # the worker stopped renewing a while ago
        session.get(_Job, job.id).lease_until = datetime.now(UTC) - timedelta(seconds=1)  # type: ignore[union-attr]
        session.commit()
    with client_for(tmp_path) as client:
        for job_id in (job.id, orphan.id):
            seen = client.get(f"/v1/jobs/{job_id}").json()
            assert seen["status"] == "failed"
            assert "restart or crash" in seen["error"]


def test_stopping_the_service_fails_its_unfinished_jobs(tmp_path: Path, gate: Gate) -> None:
    client = client_for(tmp_path, gate.model)
    with client:
        job = client.post("/v1/maps", json={"brief": BRIEF}).json()
        assert gate.entered.wait(10)
    gate.open.set()
    with client_for(tmp_path) as again:
        seen = again.get(f"/v1/jobs/{job['id']}").json()
    assert seen["status"] == "failed"
    assert "service stopped" in seen["error"]


# --------------------------------------------------------------------------------------------- reviews


def test_a_review_based_on_a_stale_version_is_409(tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        map_id = make_map(client, transcripts=[])["map_id"]
        read = client.get(f"/v1/maps/{map_id}")
        assert read.headers["etag"] == '"1"'
        items = [p["id"] for p in read.json()["pain_points"]]
        url = f"/v1/maps/{map_id}/items/{items[0]}/review"
        first = client.post(url, json={"decision": "accept"}, headers={"If-Match": read.headers["etag"]})
        assert first.status_code == 200 and first.headers["etag"] == '"2"'
        stale = client.post(url, json={"decision": "reject"}, headers={"If-Match": '"1"'})
        assert stale.status_code == 409 and stale.headers["etag"] == '"2"'
        field = client.post(url, json={"decision": "reject", "expected_version": 1})
        assert field.status_code == 409
        bad = client.post(url, json={"decision": "reject"}, headers={"If-Match": "yesterday"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["header", "If-Match"]
        latest = client.get(f"/v1/maps/{map_id}").json()
    assert latest["version"] == 2
    assert latest["pain_points"][0]["review"]["status"] == "accepted"


# --------------------------------------------------------------------------------------------- keys


def test_a_non_ascii_key_is_401_not_500(tmp_path: Path) -> None:
    with client_for(tmp_path, api_keys="key-a") as client:
        response = client.get("/v1/maps", headers={"X-API-Key": "kéy-ä".encode()})
        bearer = client.get("/v1/maps", headers={"Authorization": "Bearer ключ".encode()})
    assert response.status_code == 401
    assert bearer.status_code == 401


def test_wrong_keys_are_rate_limited(tmp_path: Path) -> None:
    with client_for(tmp_path, api_keys="key-a", failed_auth_per_minute=3) as client:
        codes = [client.get("/v1/maps", headers={"X-API-Key": f"guess-{n}"}).status_code for n in range(5)]
        limited = client.get("/v1/maps", headers={"X-API-Key": "guess-x"})
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
    assert int(limited.headers["retry-after"]) > 0


# --------------------------------------------------------------------------------------------- low


def test_edits_of_the_wrong_type_are_422(tmp_path: Path) -> None:
    with TestClient(client_for(tmp_path).app, raise_server_exceptions=False) as client:
        map_id = make_map(client, transcripts=[])["map_id"]
        item = client.get(f"/v1/maps/{map_id}").json()["pain_points"][0]["id"]
        url = f"/v1/maps/{map_id}/items/{item}/review"
        for edits in (
            {"stage_id": ["a", "b"]},
            {"statement": ["x"]},
            {"persona_ids": "p1"},
            {"severity": True},
        ):
            response = client.post(url, json={"decision": "edit", "edits": edits})
            assert response.status_code == 422, (edits, response.text)
        too_long = client.post(url, json={"decision": "edit", "edits": {"statement": "x" * 5000}})
        assert too_long.status_code == 422


def test_huge_version_numbers_are_422_not_a_database_error(tmp_path: Path) -> None:
    with TestClient(client_for(tmp_path).app, raise_server_exceptions=False) as client:
        map_id = make_map(client, transcripts=[])["map_id"]
        huge = "99999999999999999999"
        for url in (
            f"/v1/maps/{map_id}?version={huge}",
            f"/v1/maps/{map_id}/export/json?version={huge}",
            f"/v1/maps/{map_id}/diff?from={huge}",
            f"/v1/maps/{map_id}/diff?to=2147483648",
        ):
            response = client.get(url)
            assert response.status_code == 422, (url, response.status_code)


def test_summaries_show_no_server_paths(tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        summary = client.post("/v1/transcripts/summarize", json=TRANSCRIPTS[0]).json()
    paths = [i["path"] for i in summary["provenance"]["inputs"]]
    assert paths == ["P1.txt"]
    assert "cjgen-" not in str(summary) and str(tmp_path.anchor) + "tmp" not in str(summary)


def test_upstream_error_text_is_not_passed_on(tmp_path: Path) -> None:
    def failing() -> ScriptedChatModel:
        def fail(*_: Any) -> Any:
            raise RuntimeError("upstream said: internal host 10.1.2.3 token sk-live-123")

        return ScriptedChatModel(responder=fail)

    with client_for(tmp_path, failing) as client:
        job = wait_for(client, client.post("/v1/maps", json={"brief": BRIEF}).json()["id"])
        summary = client.post("/v1/transcripts/summarize", json=TRANSCRIPTS[0])
    assert job["status"] == "failed"
    assert summary.status_code == 502
    for shown in (job["error"], summary.text):
        assert "10.1.2.3" not in shown and "sk-live" not in shown
        assert "model backend" in shown


def test_html_exports_carry_a_content_security_policy_and_nosniff(tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        map_id = make_map(client, transcripts=[])["map_id"]
        html = client.get(f"/v1/maps/{map_id}/export/html")
        csv = client.get(f"/v1/maps/{map_id}/export/csv")
        health = client.get("/healthz")
    policy = html.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1]
    assert html.headers["x-content-type-options"] == "nosniff"
    assert csv.headers["content-security-policy"] == "default-src 'none'"
    assert health.headers["x-content-type-options"] == "nosniff"


def test_a_missing_model_backend_is_still_named(tmp_path: Path) -> None:
    def missing() -> Runtime:
        raise ModelError("no model backend available: install cjgen[local]")

    app = create_app(
        Settings(rate_limit_per_minute=0),
        runtime_factory=missing,
        store=Store(f"sqlite:///{tmp_path / 's.db'}"),
    )
    with TestClient(app) as client:
        response = client.post("/v1/transcripts/summarize", json=TRANSCRIPTS[0])
    assert response.status_code == 503
    assert "no model backend" in response.json()["detail"]


def test_a_job_cancelled_through_another_process_stops(tmp_path: Path, gate: Gate) -> None:
    """Two service processes on one database: the one running the job hears of the cancel by its heartbeat."""
    # A lease long enough that a busy machine's late heartbeat never lets the other process fail the job first.
    with (
        client_for(tmp_path, gate.model, job_lease_s=3.0) as runner,
        client_for(tmp_path, job_lease_s=3.0) as other,
    ):
        job = runner.post("/v1/maps", json={"brief": BRIEF, "transcripts": TRANSCRIPTS}).json()
        assert gate.entered.wait(30), runner.get(f"/v1/jobs/{job['id']}").json()
        assert other.delete(f"/v1/jobs/{job['id']}").json()["status"] == "cancelled"
        jobs = runner.app.state.cjgen.jobs  # type: ignore[attr-defined]
        active = next(iter(jobs._active.values()))
        assert settles(active.stop.is_set, 10)  # within a heartbeat or two (one a second)
        gate.open.set()
        assert settles(lambda: not jobs._active, 10)
        assert runner.get(f"/v1/jobs/{job['id']}").json()["status"] == "cancelled"
        assert runner.get("/v1/maps").json() == []


def settles(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Whether `condition` holds within `timeout_s` seconds, polled."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


# --------------------------------------------------------------------------------------------- holes


def test_an_idempotency_key_refused_with_a_full_queue_is_not_used_up(tmp_path: Path, gate: Gate) -> None:
    with client_for(tmp_path, gate.model, job_workers=1, job_queue=0) as client:
        busy = client.post("/v1/maps", json={"brief": BRIEF}).json()
        retry = {"Idempotency-Key": "order-7"}
        refused = client.post("/v1/maps", json={"brief": BRIEF}, headers=retry)
        gate.open.set()
        wait_for(client, busy["id"])
        again = client.post("/v1/maps", json={"brief": BRIEF}, headers=retry)
        assert refused.status_code == 503
        assert again.status_code == 202
        assert wait_for(client, again.json()["id"])["status"] == "done"


def test_an_idempotency_key_of_a_job_the_backend_failed_is_used_again(tmp_path: Path) -> None:
    calls = {"n": 0}

    def down_at_first() -> ScriptedChatModel:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ModelError("the model server at the configured URL did not answer")
        return scripted_model()

    with client_for(tmp_path, down_at_first) as client:
        retry = {"Idempotency-Key": "order-8"}
        first = wait_for(client, client.post("/v1/maps", json={"brief": BRIEF}, headers=retry).json()["id"])
        again = client.post("/v1/maps", json={"brief": BRIEF}, headers=retry).json()
        same = client.post("/v1/maps", json={"brief": BRIEF}, headers=retry).json()
        assert first["status"] == "failed"
        assert again["id"] != first["id"] and same["id"] == again["id"]
        assert wait_for(client, again["id"])["status"] == "done"


def test_after_too_many_wrong_keys_the_right_key_waits_too(tmp_path: Path) -> None:
    with client_for(tmp_path, api_keys="key-a", failed_auth_per_minute=3) as client:
        for n in range(3):
            assert client.get("/v1/maps", headers={"X-API-Key": f"guess-{n}"}).status_code == 401
        right = client.get("/v1/maps", headers=KEYS["a"])
    assert right.status_code == 429, "a guesser must not learn that a guess was right"
    assert int(right.headers["retry-after"]) > 0


def test_a_map_without_an_owner_is_seen_by_admin_keys_only(tmp_path: Path) -> None:
    with client_for(tmp_path, api_keys="key-a", admin_keys="key-admin") as client:
        job = client.post("/v1/maps", json={"brief": BRIEF}, headers=KEYS["a"]).json()
        map_id = wait_for_key(client, job["id"], KEYS["a"])["map_id"]
        store: Store = client.app.state.cjgen.store  # type: ignore[attr-defined]
        with store._sessions() as session:  # as a map made before maps had owners
            session.execute(update(_Map).where(_Map.id == map_id).values(owner=None))
            session.execute(update(_Job).where(_Job.id == job["id"]).values(owner=None))
            session.commit()
        assert client.get(f"/v1/maps/{map_id}", headers=KEYS["a"]).status_code == 404
        assert client.get(f"/v1/jobs/{job['id']}", headers=KEYS["a"]).status_code == 404
        assert client.get("/v1/maps", headers=KEYS["a"]).json() == []
        assert client.get(f"/v1/maps/{map_id}", headers=KEYS["admin"]).status_code == 200
        assert [m["id"] for m in client.get("/v1/maps", headers=KEYS["admin"]).json()] == [map_id]


def test_a_file_name_too_long_in_bytes_is_422_not_500(tmp_path: Path) -> None:
    # 116 letters of four bytes each: 468 bytes, over the 255 a file system allows in one name.
    with TestClient(client_for(tmp_path).app, raise_server_exceptions=False) as client:
        for too_long in ("\U00020000" * 116 + ".txt", "ख" * 100 + ".txt"):
            body = {"brief": BRIEF, "transcripts": [{"name": too_long, "content": TRANSCRIPTS[0]["content"]}]}
            response = client.post("/v1/maps", json=body)
            summary = client.post("/v1/transcripts/summarize", json={**body["transcripts"][0]})
            for answer in (response, summary):
                assert answer.status_code == 422, answer.text
                assert "bytes" in answer.json()["detail"][0]["msg"]


def test_only_health_and_the_api_description_answer_without_a_key(tmp_path: Path) -> None:
    """The description (/docs, /openapi.json) shows the API's shape, never data; everything else needs a key."""
    with client_for(tmp_path, api_keys="key-a", failed_auth_per_minute=0) as client:
        description = client.get("/openapi.json")
        assert description.status_code == 200
        assert client.get("/docs").status_code == 200
        operations = [
            (method, re.sub(r"\{[^}]+\}", "x", path))
            for path, methods in description.json()["paths"].items()
            for method in methods
            if path != "/healthz"
        ]
        assert len(operations) >= 10
        for method, path in operations:
            assert client.request(method, path).status_code == 401, f"{method} {path}"


def test_a_job_checks_its_deadline_between_redacting_transcripts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    redacted: list[str] = []
    real = cjgen.pipeline.redact_transcript

    def slow(transcript: Transcript, known: Iterable[str] = ()) -> Any:
        redacted.append(transcript.id)
        time.sleep(0.4)
        return real(transcript, known)

    monkeypatch.setattr(cjgen.pipeline, "redact_transcript", slow)
    with client_for(tmp_path, job_timeout_s=0.5) as client:
        job = client.post("/v1/maps", json={"brief": BRIEF, "transcripts": TRANSCRIPTS}).json()
        done = wait_for(client, job["id"])
    assert done["status"] == "failed" and "time limit" in done["error"]
    assert len(redacted) < len(TRANSCRIPTS), "redaction goes on past the job's deadline"
