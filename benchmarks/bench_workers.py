"""Load and faults on the queue runner: map jobs from concurrent clients, run by 1 and by 3 worker processes.

The service (`CJGEN_RUNNER=queue`, uvicorn on loopback) and the workers (`tests/queue_worker.py`: `cjgen
worker` over the bike case's gold oracle, each answer after a random latency) share a fresh database on the
local PostgreSQL, which is also the task queue. Each job is a map of the bike brief with two interview
excerpts. Clients post with an Idempotency-Key and poll the job, retrying what the service could not answer.

In the run on 3 workers, one worker is killed with SIGKILL (and a new one started) and the database, queue
included, is restarted once. Checked after each run: every job ended `done` or `failed` with an error, none is
left unfinished (lost), and no map was saved twice. Then 50 concurrent readers fetch `GET /v1/maps/{id}`.

    python benchmarks/bench_workers.py [--jobs 200] [--clients 20] [--latency 0.05 0.15] \
        [--out benchmarks/results/workers-DATE.json]

It needs PostgreSQL on its unix socket (as `.ci/run` starts it) and the right to restart it
(`pg_ctlcluster`, as root).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "evals" / "cases" / "bike-subscription"
SOCKET_DIR = os.environ.get("CJGEN_TEST_POSTGRES_SOCKET_DIR", "/var/run/postgresql")


def excerpt(name: str, blocks: int = 9) -> dict[str, str]:
    text = (CASE / "transcripts" / name).read_text(encoding="utf-8")
    return {"name": name, "content": "\n\n".join(text.split("\n\n")[:blocks]) + "\n"}


REQUEST = {
    "brief": (CASE / "brief.md").read_text(encoding="utf-8"),
    "transcripts": [excerpt("P1.txt"), excerpt("P3.txt")],
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


@dataclass
class Cluster:
    """A fresh database on the local PostgreSQL, the service on it, and worker processes."""

    latency: tuple[float, float]
    name: str = field(default_factory=lambda: "cjgen_bench_" + uuid.uuid4().hex[:8])
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: Path = Path("/tmp")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{getpass.getuser()}@/{self.name}?host={SOCKET_DIR}"

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests")]),
            "CJGEN_DATABASE_URL": self.url,
            "CJGEN_RUNNER": "queue",
            "CJGEN_WORKER_HEARTBEAT_S": "1",
            "CJGEN_WORKER_CONCURRENCY": "2",
            "CJGEN_JOB_QUEUE": "100000",
            "CJGEN_JOB_TIMEOUT_S": "1200",
            "CJGEN_RATE_LIMIT_PER_MINUTE": "0",
            "CJGEN_TEST_NO_CACHE": "1",  # every job asks the model: equal jobs would otherwise hit the cache
            "CJGEN_CONCURRENCY": "2",
        }

    def create(self) -> None:
        with psycopg.connect(host=SOCKET_DIR, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(host=SOCKET_DIR, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def start_worker(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, str(ROOT / "tests" / "queue_worker.py"), str(CASE)]
        command += [str(self.latency[0]), str(self.latency[1] - self.latency[0])]
        log = (self.logs / f"worker{len(self.workers)}.log").open("wb")
        process = subprocess.Popen(command, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(process)
        return process

    def stop_workers(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


class Service:
    """The API in a thread of this process (uvicorn on loopback)."""

    def __init__(self, env: dict[str, str]) -> None:
        os.environ.update({k: v for k, v in env.items() if k.startswith("CJGEN_")})
        from cjgen.service import create_app

        # The service's own log is left out: it logs each request the restarted database refused.
        logging.getLogger("cjgen").setLevel(logging.CRITICAL)
        config = uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_level="critical")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def run_job(base: str, poll_s: float = 0.2, limit_s: float = 900.0) -> dict[str, Any]:
    """One client's job: post (again, with the same key, until the service answers), poll until it ends."""
    key = uuid.uuid4().hex
    started = time.perf_counter()
    retries = 0
    with httpx.Client(base_url=base, timeout=30) as client:
        job_id = None
        while job_id is None:
            try:
                answer = client.post("/v1/maps", json=REQUEST, headers={"Idempotency-Key": key})
                if answer.status_code in (200, 201, 202):
                    job_id = answer.json()["id"]
                    break
            except httpx.TransportError:
                pass
            retries += 1
            time.sleep(0.5)
        job: dict[str, Any] = {}
        while time.perf_counter() - started < limit_s:
            try:
                answer = client.get(f"/v1/jobs/{job_id}")
                if answer.status_code == 200:
                    job = answer.json()
                    if job["status"] in ("done", "failed", "cancelled"):
                        break
                else:
                    retries += 1
            except httpx.TransportError:
                retries += 1
            time.sleep(poll_s)
    return {
        "id": job_id,
        "status": job.get("status", "lost"),
        "error": job.get("error"),
        "map_id": job.get("map_id"),
        "seconds": time.perf_counter() - started,
        "client_retries": retries,
    }


def load(base: str, jobs: int, clients: int) -> tuple[list[dict[str, Any]], float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda _: run_job(base), range(jobs)))
    return results, time.perf_counter() - started


def faults(cluster: Cluster, base: str, total: int, events: list[str]) -> None:
    """Once a quarter of the jobs are done: SIGKILL a worker (and start a new one); at half: restart PostgreSQL."""
    from cjgen.store import Store

    store = Store(cluster.url)

    def done() -> int:
        with psycopg.connect(host=SOCKET_DIR, dbname=cluster.name) as connection:
            row = connection.execute(
                "SELECT count(*) FROM jobs WHERE status <> 'queued' AND status <> 'running'"
            ).fetchone()
            return int(row[0]) if row else 0

    def wait_until(count: int) -> None:
        while True:
            try:
                if done() >= count:
                    return
            except psycopg.OperationalError:
                pass
            time.sleep(0.2)

    wait_until(total // 4)
    victim = cluster.workers[0]
    victim.send_signal(signal.SIGKILL)
    events.append(f"{time.strftime('%H:%M:%S')} SIGKILL worker pid {victim.pid} with {done()} jobs ended")
    cluster.start_worker()
    wait_until(total // 2)
    version = sorted(os.listdir("/usr/lib/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
    began = time.perf_counter()
    subprocess.run(["pg_ctlcluster", version, "main", "restart"], check=True)
    events.append(
        f"{time.strftime('%H:%M:%S')} restarted PostgreSQL {version} in {time.perf_counter() - began:.1f} s"
    )
    store.close()


def check(cluster: Cluster, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Lost, finished twice, and how the jobs ended, from the database itself."""
    with psycopg.connect(host=SOCKET_DIR, dbname=cluster.name) as connection:
        statuses = dict(connection.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall())
        versions = connection.execute("SELECT count(*) FROM maps WHERE latest_version <> 1").fetchone()
        maps = connection.execute("SELECT count(*) FROM maps").fetchone()
        tasks = dict(
            connection.execute(
                "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"
            ).fetchall()
        )
        rerun = connection.execute("SELECT count(*) FROM procrastinate_jobs WHERE attempts > 1").fetchone()
    failed = [r for r in results if r["status"] == "failed"]
    return {
        "jobs_by_status": statuses,
        "lost": sum(1 for r in results if r["status"] not in ("done", "failed", "cancelled")),
        "finished_twice": int(versions[0]) if versions else 0,
        "maps_saved": int(maps[0]) if maps else 0,
        "failed_without_error": sum(1 for r in failed if not r["error"]),
        "errors": sorted({r["error"] for r in failed}),
        "tasks_by_status": tasks,
        "tasks_run_again": int(rerun[0]) if rerun else 0,
    }


def readers(base: str, map_ids: list[str], clients: int = 50, per_client: int = 20) -> dict[str, float]:
    def read(n: int) -> list[float]:
        times = []
        with httpx.Client(base_url=base, timeout=30) as client:
            for k in range(per_client):
                started = time.perf_counter()
                answer = client.get(f"/v1/maps/{map_ids[(n + k) % len(map_ids)]}")
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = [t for batch in pool.map(read, range(clients)) for t in batch]
    wall = time.perf_counter() - started
    return {
        "readers": clients,
        "requests": len(times),
        "p50_ms": round(percentile(times, 0.5) * 1000, 1),
        "p99_ms": round(percentile(times, 0.99) * 1000, 1),
        "requests_per_s": round(len(times) / wall, 1),
    }


def scenario(workers: int, args: argparse.Namespace, with_faults: bool, log_dir: Path) -> dict[str, Any]:
    log_dir.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(latency=tuple(args.latency), logs=log_dir)  # type: ignore[arg-type]
    cluster.create()
    events: list[str] = []
    try:
        for _ in range(workers):
            cluster.start_worker()
        with Service(cluster.env()) as base:
            chaos = (
                threading.Thread(target=faults, args=(cluster, base, args.jobs, events))
                if with_faults
                else None
            )
            if chaos:
                chaos.start()
            results, wall = load(base, args.jobs, args.clients)
            if chaos:
                chaos.join()
            seconds = [r["seconds"] for r in results if r["status"] == "done"]
            report: dict[str, Any] = {
                "workers": workers,
                "jobs": args.jobs,
                "clients": args.clients,
                "wall_s": round(wall, 1),
                "jobs_per_minute": round(60 * len(seconds) / wall, 1),
                "job_p50_s": round(percentile(seconds, 0.5), 2),
                "job_p99_s": round(percentile(seconds, 0.99), 2),
                "client_retries": sum(r["client_retries"] for r in results),
                "faults": events,
                **check(cluster, results),
            }
            maps = [r["map_id"] for r in results if r["map_id"]]
            if args.readers and maps:
                report["get_map"] = readers(base, maps)
        print(json.dumps(report, indent=1), flush=True)
        return report
    finally:
        cluster.stop_workers()
        cluster.drop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--latency", type=float, nargs=2, default=[0.05, 0.15], help="model answer seconds, min max"
    )
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / f"workers-{date.today()}.json"
    )
    args = parser.parse_args()
    logs = Path("/tmp") / f"cjgen-bench-{uuid.uuid4().hex[:6]}"
    one = scenario(1, args, with_faults=False, log_dir=logs / "one")
    three = scenario(3, args, with_faults=True, log_dir=logs / "three")
    result = {
        "date": str(date.today()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "model": f"scripted (gold oracle), each answer after {args.latency[0]}-{args.latency[1]} s at random",
        "job": "map: bike brief + two interview excerpts (P1.txt, P3.txt); worker concurrency 2",
        "one_worker": one,
        "three_workers_with_faults": three,
        "throughput_ratio": round(three["jobs_per_minute"] / one["jobs_per_minute"], 2),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}; worker logs in {logs}")


if __name__ == "__main__":
    main()
