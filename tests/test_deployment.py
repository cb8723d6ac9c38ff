"""The README's deployment page, run as written: its commands start the service and two workers on PostgreSQL,
and a map job goes through them.

The page's install and start lines for PostgreSQL are those `.ci/run` runs; this test runs the rest (from
`createdb` on) in bash, on a database name and port of its own. The workers' model is the openai backend
pointed at a fake OpenAI-compatible server on loopback answering from the gold oracle. Skipped when no
PostgreSQL is reachable.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest

from fake_openai import FakeOpenAI, free_port, wait_until_up
from oracle import GoldOracle
from test_service_processes import POSTGRES_SOCKET_DIR, postgres_url
from test_workers import REQUEST

ROOT = Path(__file__).resolve().parents[1]
BIKE = ROOT / "evals" / "cases" / "bike-subscription"
SERVED_BY_CI = ("apt-get ", "pg_ctlcluster ", "su postgres ")

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"]), pytest.mark.timeout(300)]
__all__ = ["postgres_url"]  # checks that PostgreSQL is reachable (skips otherwise)


def page_commands() -> list[str]:
    """The commands of the README's one-machine deployment."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### One machine", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "the README's deployment page has no command block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_page_starts_with_what_ci_runs_and_the_rest_is_cjgen_on_postgresql() -> None:
    commands = page_commands()
    assert [c for c in commands if c.startswith(SERVED_BY_CI)] == commands[:3]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert (
        "apt-get install -y -qq postgresql" in ci and "pg_ctlcluster" in ci and "createuser --superuser" in ci
    )
    assert any(c.startswith("cjgen serve") for c in commands)
    assert sum(c.startswith("cjgen worker") for c in commands) == 2


def test_a_map_job_goes_through_the_processes_the_page_starts(postgres_url: str, tmp_path: Path) -> None:
    database = "cjgen_deploy_" + uuid.uuid4().hex[:8]
    port = free_port()
    script = "\n".join(
        command.replace(" cjgen\n", f" {database}\n")
        .replace("/cjgen?", f"/{database}?")
        .replace("8000", str(port))
        for command in (c + "\n" for c in page_commands()[3:])
    )
    script = "set -e\n" + script + "wait\n"
    with FakeOpenAI(GoldOracle(BIKE).respond) as model:
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # cjgen
            "USER": _user(),
            "CJGEN_BACKEND": "openai",
            "CJGEN_MODEL": "fake-model",
            "CJGEN_BASE_URL": model.base_url,
            # No worker is stopped here: a heartbeat slow enough that a loaded machine's late beat never has
            # another worker take a live worker's task again (each task is counted once below).
            "CJGEN_WORKER_HEARTBEAT_S": "5",
            "CJGEN_RATE_LIMIT_PER_MINUTE": "0",
        }
        log = (tmp_path / "deployment.log").open("w")
        shell = subprocess.Popen(
            ["bash", "-c", script], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until_up(f"{base}/healthz", shell, tmp_path / "deployment.log", 90)
            with httpx.Client(base_url=base, timeout=30) as client:
                job = client.post("/v1/maps", json=REQUEST).json()
                deadline = time.monotonic() + 180
                while job["status"] in ("queued", "running") and time.monotonic() < deadline:
                    time.sleep(0.3)
                    job = client.get(f"/v1/jobs/{job['id']}").json()
                assert job["status"] == "done", (job, (tmp_path / "deployment.log").read_text()[-3000:])
                journey = client.get(f"/v1/maps/{job['map_id']}").json()
            assert journey["pain_points"] and journey["provenance"]["backend"] == "openai"
            assert model.refused == []
            with psycopg.connect(host=POSTGRES_SOCKET_DIR, dbname=database) as connection:
                tasks = connection.execute(
                    "SELECT task_name FROM procrastinate_jobs WHERE status = 'succeeded'"
                )
                ran = sorted(name for (name,) in tasks)
            assert ran == ["cjgen:finish", "cjgen:plan"] + ["cjgen:read"] * len(REQUEST["transcripts"])
        finally:
            os.killpg(shell.pid, signal.SIGTERM)
            shell.wait(timeout=60)
            with psycopg.connect(host=POSTGRES_SOCKET_DIR, dbname="postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _user() -> str:
    import getpass

    return os.environ.get("CJGEN_TEST_POSTGRES_USER") or getpass.getuser()
