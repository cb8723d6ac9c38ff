"""Map jobs through worker processes on the task queue (procrastinate on the local PostgreSQL, for real).

Workers are separate processes (`tests/queue_worker.py`: `cjgen worker` over the gold oracle, no real model);
the service runs in this process with `CJGEN_RUNNER=queue`. Skipped when no PostgreSQL is reachable.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from cjgen.errors import CjgenError
from cjgen.pipeline import open_runtime
from cjgen.schema import JourneyMap
from cjgen.service import create_app
from cjgen.service.queue import Worker, queue_conninfo
from cjgen.settings import Settings
from cjgen.store import Store
from oracle import GoldOracle
from test_service_processes import postgres_url

TESTS = Path(__file__).parent
BIKE = TESTS.parent / "evals" / "cases" / "bike-subscription"
REQUEST = {
    "brief": (BIKE / "brief.md").read_text(encoding="utf-8"),
    "transcripts": [
        {"name": path.name, "content": path.read_text(encoding="utf-8")}
        for path in sorted((BIKE / "transcripts").iterdir())
    ],
}

pytestmark = pytest.mark.timeout(300)
__all__ = ["postgres_url"]  # the fixture


def queue_settings(url: str, **more: Any) -> Settings:
    return Settings(
        database_url=url,
        runner="queue",
        rate_limit_per_minute=0,
        worker_heartbeat_s=1.0,
        job_lease_s=1.5,
        **more,
    )


@pytest.fixture
def workers(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Starts worker processes on the test's database; stops (kills) them all at the end."""
    started: list[subprocess.Popen[str]] = []
    monkeypatch.setenv("CJGEN_DATABASE_URL", postgres_url)
    monkeypatch.setenv("CJGEN_WORKER_HEARTBEAT_S", "1")
    monkeypatch.setenv("CJGEN_JOB_LEASE_S", "1.5")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent / "src"), str(TESTS)])}

    def start(delay_s: float = 0.0) -> subprocess.Popen[str]:
        command = [sys.executable, str(TESTS / "queue_worker.py"), str(BIKE), str(delay_s)]
        log = (tmp_path / f"worker{len(started)}.log").open("w")  # a file: a full pipe would stall it
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    for log in sorted(tmp_path.glob("worker*.log")):  # shown when a test fails
        print(log.name, log.read_text()[-3000:])


def service(url: str, tmp_path: Path, **more: Any) -> TestClient:
    settings = queue_settings(url, **more)
    return TestClient(create_app(settings, runtime_factory=_no_model, store=Store(url)))


def _no_model() -> Any:
    raise AssertionError("with the queue runner the service calls no model")


def wait_for(
    client: TestClient, job_id: str, timeout_s: float = 120.0, until: tuple[str, ...] = ()
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed", "cancelled") or job["status"] in until:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def in_process_map(tmp_path: Path) -> JourneyMap:
    """The same request through the in-process runner, with the oracle model; fills the response cache."""
    store = Store(f"sqlite:///{tmp_path / 'inprocess.sqlite3'}")
    settings = Settings(rate_limit_per_minute=0)
    factory = lambda: open_runtime(model=GoldOracle(BIKE).model(), settings=settings)  # noqa: E731
    with TestClient(create_app(settings, runtime_factory=factory, store=store)) as client:
        job = wait_for(client, client.post("/v1/maps", json=REQUEST).json()["id"])
        assert job["status"] == "done", job
        return JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())


def same_map(a: JourneyMap, b: JourneyMap) -> None:
    content = {"id", "provenance"}
    assert a.model_dump(exclude=content) == b.model_dump(exclude=content)
    assert a.provenance.grounding == b.provenance.grounding
    assert a.provenance.redaction == b.provenance.redaction
    assert a.provenance.unsupported == b.provenance.unsupported
    assert sorted(c.step for c in a.provenance.calls) == sorted(c.step for c in b.provenance.calls)


def tasks_of(url: str) -> list[tuple[str, str, int, int | None]]:
    """(task name, status, attempts, interview index of a read) of every task the queue holds."""
    with psycopg.connect(queue_conninfo(Settings(database_url=url))) as connection:
        rows = connection.execute(
            "SELECT task_name, status, attempts, args->>'index' FROM procrastinate_jobs ORDER BY id"
        )
        return [
            (str(name), str(status), int(attempts), None if index is None else int(index))
            for name, status, attempts, index in rows
        ]


def test_a_map_through_three_workers_equals_the_in_process_map_from_the_same_cache(
    postgres_url: str, workers: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    expected = in_process_map(tmp_path)
    for _ in range(3):
        workers()
    with service(postgres_url, tmp_path) as client:
        queued = client.post("/v1/maps", json=REQUEST)
        assert queued.status_code == 202, queued.text
        job = wait_for(client, queued.json()["id"])
        assert job["status"] == "done" and job["progress"] == 1.0, job
        made = JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())
    same_map(made, expected)
    assert all(c.cached for c in made.provenance.calls)  # every answer came from the shared cache
    tasks = tasks_of(postgres_url)
    for _ in range(100):  # a task run again (below) may still be finishing
        if not {status for _, status, *_ in tasks} & {"todo", "doing"}:
            break
        time.sleep(0.2)
        tasks = tasks_of(postgres_url)
    # One plan, a read per interview, one finish; on a loaded machine a worker whose heartbeat came late may
    # see a task of its own run again elsewhere, which changes nothing (the map above is saved once).
    assert {name for name, *_ in tasks} == {"cjgen:plan", "cjgen:read", "cjgen:finish"}
    read = sorted({index for name, _, _, index in tasks if name == "cjgen:read"})
    assert read == list(range(len(REQUEST["transcripts"])))
    assert {status for _, status, *_ in tasks} == {"succeeded"}
    assert [v.version for v in Store(postgres_url).versions(made.id)] == [1]


def test_a_worker_killed_mid_task_loses_nothing(
    postgres_url: str, workers: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    doomed = workers(delay_s=30.0)  # answers nothing in time: killed while it holds the plan task
    with service(postgres_url, tmp_path) as client:
        job_id = client.post("/v1/maps", json=REQUEST).json()["id"]
        wait_for(client, job_id, until=("running",))
        time.sleep(0.5)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=30)
        workers()
        workers()
        job = wait_for(client, job_id)
        assert job["status"] == "done", job
        made = JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())
        assert [v["version"] for v in client.get(f"/v1/maps/{made.id}/versions").json()] == [1]
    same_map(made, in_process_map(tmp_path))
    plan = [attempts for name, _, attempts, _ in tasks_of(postgres_url) if name == "cjgen:plan"]
    assert plan[0] >= 2  # the killed worker's task was given to another worker


def test_finishing_twice_changes_nothing(
    postgres_url: str, workers: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    workers()
    with service(postgres_url, tmp_path) as client:
        job = wait_for(client, client.post("/v1/maps", json=REQUEST).json()["id"])
        first = client.get(f"/v1/maps/{job['map_id']}").json()
    store = Store(postgres_url)
    # As if the worker was killed after saving the map, before the job said so: the task runs again.
    store.update_job(job["id"], status="running")
    settings = queue_settings(postgres_url)
    worker = Worker(settings, store, lambda: open_runtime(model=GoldOracle(BIKE).model(), settings=settings))
    worker.task(job["id"], worker.finish)
    again = store.get_job(job["id"])
    assert (again.status, again.map_id) == ("done", job["map_id"])
    assert [v.version for v in store.versions(job["map_id"])] == [1]
    assert store.get_map(job["map_id"]).model_dump(mode="json", exclude={"provenance"}) == {
        k: v for k, v in first.items() if k != "provenance"
    }


def test_a_cancelled_job_stops_and_saves_nothing(
    postgres_url: str, workers: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    workers(delay_s=0.3)
    with service(postgres_url, tmp_path) as client:
        job_id = client.post("/v1/maps", json=REQUEST).json()["id"]
        wait_for(client, job_id, until=("running",))
        assert client.delete(f"/v1/jobs/{job_id}").json()["status"] == "cancelled"
        time.sleep(3)  # the worker's runs notice and stop; no later task starts
        job = client.get(f"/v1/jobs/{job_id}").json()
        assert (job["status"], job["map_id"]) == ("cancelled", None)
        assert client.get("/v1/maps").json() == []


def test_a_job_past_its_deadline_fails_with_the_reason(
    postgres_url: str, workers: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    workers(delay_s=0.5)
    with service(postgres_url, tmp_path, job_timeout_s=2.0) as client:
        job = wait_for(client, client.post("/v1/maps", json=REQUEST).json()["id"])
    assert job["status"] == "failed" and "time limit" in job["error"], job


def test_the_queue_runner_needs_postgresql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import cjgen.cli

    sqlite = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    with pytest.raises(CjgenError, match="needs PostgreSQL"):
        queue_conninfo(Settings(database_url=sqlite))
    monkeypatch.setenv("CJGEN_DATABASE_URL", sqlite)
    result = CliRunner().invoke(cjgen.cli.app, ["worker"])
    assert result.exit_code == 2 and "CJGEN_QUEUE_URL" in result.output and "Traceback" not in result.output


def test_a_revision_through_the_workers_keeps_decisions(
    postgres_url: str, workers: Callable[..., subprocess.Popen[str]], tmp_path: Path
) -> None:
    workers()
    # With the study's participant list: a revision given none runs with the map's own.
    listed = [{"id": f"P{n}", "group": "Commuters" if n <= 3 else "Families"} for n in range(1, 7)]
    # P5 comes later: its moments join findings others share, so the revision changes accepted items.
    *before, fifth, sixth = REQUEST["transcripts"]
    first_five = {**REQUEST, "transcripts": [*before, sixth], "participants": listed}
    with service(postgres_url, tmp_path) as client:
        job = wait_for(client, client.post("/v1/maps", json=first_five).json()["id"])
        assert job["status"] == "done", job
        made = JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())
        version = made.version
        for pain in [p for p in made.pain_points if p.evidence]:
            reviewed = client.post(
                f"/v1/maps/{made.id}/items/{pain.id}/review",
                json={"decision": "accept"},
                headers={"If-Match": f'"{version}"'},
            )
            assert reviewed.status_code == 200, reviewed.text
            version += 1
        revision = wait_for(
            client, client.post(f"/v1/maps/{made.id}/revisions", json={"transcripts": [fifth]}).json()["id"]
        )
        assert (revision["status"], revision["map_id"]) == ("done", made.id), revision
        revised = JourneyMap.model_validate(client.get(f"/v1/maps/{made.id}").json())
        (logged,) = client.get(f"/v1/maps/{made.id}/revisions").json()
    assert revised.version == version + 1
    assert fifth["name"] in {f.path for f in revised.provenance.inputs}
    statuses = [p.review.status for p in revised.pain_points]
    assert "accepted" in statuses and "needs-review" in statuses
    assert logged["edits"]["inputs_added"] == [fifth["name"]]
    for journey, families in ((made, ["P4", "P6"]), (revised, ["P4", "P5", "P6"])):
        groups = {p.name: sorted(p.participant_ids) for p in journey.personas}
        assert (groups["Commuters"], groups["Families"]) == (["P1", "P2", "P3"], families)
