"""The service across processes: two processes reviewing one map on one database (SQLite, and PostgreSQL when
one is reachable on its unix socket), and a served process stopped by SIGTERM or killed mid-job."""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from cjgen.service import create_app
from cjgen.settings import Settings
from cjgen.store import Store
from factories import sample_map
from test_service import BRIEF, TRANSCRIPTS

TESTS = Path(__file__).parent
POSTGRES_SOCKET_DIR = os.environ.get("CJGEN_TEST_POSTGRES_SOCKET_DIR", "/var/run/postgresql")

REVIEWER = textwrap.dedent(
    """
    import json, sys, time
    from fastapi.testclient import TestClient
    from cjgen.service import create_app
    from cjgen.settings import Settings
    from cjgen.store import Store

    url, map_id, start_at, items = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4].split(",")

    def no_model():
        raise AssertionError("reviews need no model")

    app = create_app(Settings(rate_limit_per_minute=0), runtime_factory=no_model, store=Store(url))
    codes = []
    with TestClient(app, raise_server_exceptions=False) as client:
        time.sleep(max(0.0, start_at - time.time()))
        for n in range(20):
            url_ = f"/v1/maps/{map_id}/items/{items[n % len(items)]}/review"
            body = {"decision": "accept" if n % 2 else "reject"}
            headers = {}
            if n % 3 == 0:  # based on what this process last read: may be stale by now
                headers["If-Match"] = client.get(f"/v1/maps/{map_id}").headers["etag"]
            codes.append(client.post(url_, json=body, headers=headers).status_code)
    print(json.dumps(codes))
    """
)


def _review_from_two_processes(url: str, tmp_path: Path) -> None:
    store = Store(url)
    journey = sample_map().model_copy(update={"id": "map-" + uuid.uuid4().hex[:12]})
    store.save_map(journey, owner="anonymous")
    items = ",".join(p.id for p in journey.pain_points)
    script = tmp_path / "reviewer.py"
    script.write_text(REVIEWER, encoding="utf-8")
    start_at = str(time.time() + 4)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent / "src"), str(TESTS)])}
    workers = [
        subprocess.Popen(
            [sys.executable, str(script), url, journey.id, start_at, items],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    codes: list[int] = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        codes += json.loads(out.strip().splitlines()[-1])
    assert not [c for c in codes if c >= 500], codes
    assert set(codes) <= {200, 409}, codes
    accepted = codes.count(200)
    assert accepted >= 20, "reviews without If-Match always land"
    versions = [v.version for v in store.versions(journey.id)]
    assert versions == list(range(1, accepted + 2)), "every landed review made exactly one new version"
    events = store.review_events(journey.id)
    assert [e.version for e in events] == list(range(2, accepted + 2))
    store.close()


def test_two_processes_reviewing_one_sqlite_map_never_fail_or_overwrite(tmp_path: Path) -> None:
    _review_from_two_processes(f"sqlite:///{tmp_path / 'shared.sqlite3'}", tmp_path)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database on the local PostgreSQL (unix socket); the test is skipped when there is none."""
    psycopg = pytest.importorskip("psycopg")
    if not Path(POSTGRES_SOCKET_DIR).is_dir():
        pytest.skip(f"no PostgreSQL socket folder at {POSTGRES_SOCKET_DIR}")
    user = os.environ.get("CJGEN_TEST_POSTGRES_USER") or getpass.getuser()
    name = "cjgen_test_" + uuid.uuid4().hex[:8]
    try:
        admin = psycopg.connect(host=POSTGRES_SOCKET_DIR, dbname="postgres", user=user, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL reachable on {POSTGRES_SOCKET_DIR}: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://{user}@/{name}?host={POSTGRES_SOCKET_DIR}"
    with psycopg.connect(host=POSTGRES_SOCKET_DIR, dbname="postgres", user=user, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_two_processes_reviewing_one_postgres_map_never_fail_or_overwrite(
    postgres_url: str, tmp_path: Path
) -> None:
    _review_from_two_processes(postgres_url, tmp_path)


def test_the_store_works_on_postgres(postgres_url: str) -> None:
    store = Store(postgres_url)
    journey = sample_map()
    store.save_map(journey, owner="key-a")
    with pytest.raises(Exception, match="not found"):
        store.get_map(journey.id, owner="key-b")
    job, created = store.create_or_get_job("map", owner="key-a", idempotency_key="k1", worker="w", lease_s=30)
    again, created_again = store.create_or_get_job("map", owner="key-a", idempotency_key="k1")
    assert created and not created_again and again.id == job.id
    store.renew_leases("w", 30)
    assert store.fail_stale_jobs() == []
    store.close()


def test_two_processes_starting_on_a_new_database_both_come_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    start_at = time.time() + 3
    code = (
        "import sys, time; from cjgen.store import Store; "
        f"time.sleep(max(0.0, {start_at} - time.time())); Store(sys.argv[1]).list_maps()"
    )
    starters = [
        subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for starter in starters:
        _, err = starter.communicate(timeout=60)
        assert starter.returncode == 0, err


# --------------------------------------------------------------------------------------------- signals

SERVER = textwrap.dedent(
    """
    import sys
    import uvicorn
    from cjgen.pipeline import open_runtime
    from cjgen.service import create_app
    from cjgen.settings import Settings
    from schema_answers import slow_model

    url, socket_path = sys.argv[1], sys.argv[2]
    settings = Settings(database_url=url, rate_limit_per_minute=0, concurrency=1, max_reasks=1, job_lease_s=1)
    app = create_app(
        settings, runtime_factory=lambda: open_runtime(model=slow_model(1.0), settings=settings, use_cache=False)
    )
    uvicorn.run(app, uds=socket_path, log_level="warning")
    """
)


def _serve(tmp_path: Path, url: str) -> tuple[subprocess.Popen[str], httpx.Client]:
    script = tmp_path / "server.py"
    script.write_text(SERVER, encoding="utf-8")
    socket_path = tmp_path / "cjgen.sock"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent / "src"), str(TESTS)])}
    server = subprocess.Popen(
        [sys.executable, str(script), url, str(socket_path)], env=env, stderr=subprocess.PIPE, text=True
    )
    for _ in range(300):
        if socket_path.exists():
            break
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        time.sleep(0.1)
    client = httpx.Client(transport=httpx.HTTPTransport(uds=str(socket_path)), base_url="http://cjgen")
    return server, client


def _running_job(client: httpx.Client) -> str:
    job: dict[str, Any] = client.post(
        "/v1/maps", json={"brief": BRIEF, "transcripts": TRANSCRIPTS[:1]}
    ).json()
    for _ in range(200):
        if client.get(f"/v1/jobs/{job['id']}").json()["status"] == "running":
            return str(job["id"])
        time.sleep(0.05)
    raise AssertionError("the job never started")


def _after_restart(url: str, job_id: str) -> dict[str, Any]:
    app = create_app(Settings(rate_limit_per_minute=0), store=Store(url))
    with TestClient(app) as client:
        job: dict[str, Any] = client.get(f"/v1/jobs/{job_id}").json()
        return job


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_a_job_interrupted_by_a_signal_is_not_left_running(tmp_path: Path, stop: signal.Signals) -> None:
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    server, client = _serve(tmp_path, url)
    try:
        job_id = _running_job(client)
        server.send_signal(stop)
        server.wait(timeout=60)
    finally:
        client.close()
        if server.poll() is None:
            server.kill()
    if stop == signal.SIGKILL:
        time.sleep(1.5)  # the dead worker's lease runs out
    job = _after_restart(url, job_id)
    assert job["status"] in ("failed", "done"), job
    if job["status"] == "failed":
        assert "submit it again" in job["error"]
