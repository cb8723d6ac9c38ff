"""Run the pipeline and the naive baseline on every gold case and score both with the same code."""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Sequence
from datetime import date
from functools import partial
from importlib import metadata as packages
from pathlib import Path

from cjgen.ask import Runtime
from cjgen.baseline import naive_map
from cjgen.errors import CjgenError, InputError
from cjgen.eval.gold import GoldCase
from cjgen.eval.report import report_tables, write_results
from cjgen.eval.runner import MAPS_FOLDER, Log, System, load_cases, run_cases
from cjgen.participants import SUFFIXES, load_participants
from cjgen.pipeline import draft_map_from_file, generate_map_from_files
from cjgen.version import __version__

_TAG = re.compile(r"[A-Za-z0-9._-]{1,60}")


def run_label(runtime: Runtime) -> str:
    """`<backend>-<model>`, safe as a file name: names the results files and the folder of kept maps."""
    name = Path(runtime.model_name).stem if "/" in runtime.model_name else runtime.model_name
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{runtime.backend}-{name}")


# A case folder may hold the study's participant list (who was recruited into which group): the pipeline then
# also runs with it, as a second system, so persona agreement is scored both with and without the list.
PARTICIPANTS_FILE = "participants"
LISTED = "cjgen-listed"


def participant_list(case: GoldCase) -> Path | None:
    """The case's participant list (`participants.csv`, `.yaml` or `.yml`), if it has one."""
    return next((p for s in SUFFIXES if (p := case.dir / f"{PARTICIPANTS_FILE}{s}").is_file()), None)


def _systems(case: GoldCase, runtime: Runtime, baseline: bool) -> dict[str, System]:
    brief = case.brief
    if brief is None:
        raise CjgenError(f"{case.dir}: gold.yaml names no brief")
    transcripts = list(case.transcripts.values())
    if not transcripts:
        return {"cjgen": lambda _: draft_map_from_file(brief, runtime=runtime)}
    systems: dict[str, System] = {
        "cjgen": lambda _: generate_map_from_files(brief, transcripts, runtime=runtime)
    }
    listed = participant_list(case)
    if listed is not None:
        systems[LISTED] = lambda _: generate_map_from_files(
            brief, transcripts, runtime=runtime, participants=load_participants(listed)
        )
    if baseline:
        systems["naive"] = lambda _: naive_map(runtime, brief, transcripts)
    return systems


# The instruction sets llama.cpp picks its CPU kernels by: the same model can answer a little differently with
# other kernels, and a greedy answer (a stage plan) can then change, so results say which ones they had.
CPU_FEATURES = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile")


def cpu_features(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """Which of `CPU_FEATURES` this machine reports ("avx2", "avx2 avx512f …"); "unknown" off Linux."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown"
    line = re.search(r"^flags\s*:(.*)$", text, re.MULTILINE)
    flags = set(line.group(1).split()) if line else set()
    return " ".join(f for f in CPU_FEATURES if f in flags) or "none of " + ", ".join(CPU_FEATURES)


def _version_of(package: str) -> str:
    try:
        return packages.version(package)
    except packages.PackageNotFoundError:
        return "not installed"


def check_tag(tag: str | None) -> None:
    """A run's tag names files: letters, digits, '.', '_' or '-' only."""
    if tag is not None and not _TAG.fullmatch(tag):
        raise InputError("--tag", f"{tag!r} must be letters, digits, '.', '_' or '-' (it names files)")


def run_eval(
    cases_root: Path,
    out_dir: Path,
    runtime: Runtime,
    *,
    baseline: bool = True,
    only: Sequence[str] | None = None,
    log: Log = lambda _: None,
    tag: str | None = None,
) -> tuple[Path, Path, str]:
    """Run and score every case (or `only` those named); write the results and return their paths and table.
    `tag` names this run apart from the day's others: in the results' file names and the kept maps' folder."""
    check_tag(tag)
    label = run_label(runtime)
    cases = load_cases(cases_root, only)
    runs = run_cases(
        cases,
        partial(_systems, runtime=runtime, baseline=baseline),
        log=log,
        keep=out_dir / MAPS_FOLDER / (f"{label}-{tag}" if tag else label),  # the scored maps, by their scores
    )
    metadata = {
        "backend": runtime.backend,
        "model": runtime.model_name,
        "cjgen": __version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "cache": "on" if runtime.cache else "off",
        **({"llama-cpp-python": _version_of("llama-cpp-python")} if runtime.backend == "local" else {}),
        "cpu features": cpu_features(),
    }
    json_path, md_path = write_results(runs, out_dir, label, metadata=metadata, day=date.today(), tag=tag)
    return json_path, md_path, report_tables(runs)
