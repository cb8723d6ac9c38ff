"""Run the pipeline and the naive baseline on every gold case and score both with the same code."""

from __future__ import annotations

import os
import platform
import re
import time
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from pathlib import Path

from cjgen import __version__
from cjgen.ask import Runtime
from cjgen.baseline import naive_map
from cjgen.errors import CjgenError
from cjgen.evaluate import CaseScore, GoldCase, load_case, results_table, score_case, write_results
from cjgen.pipeline import draft_map, generate_map
from cjgen.render import FORMATS, render
from cjgen.schema import JourneyMap

Log = Callable[[str], None]


def case_dirs(root: Path, only: Sequence[str] | None = None) -> list[Path]:
    found = sorted(p.parent for p in root.glob("*/gold.yaml"))
    if only:
        found = [p for p in found if p.name in only]
    if not found:
        raise CjgenError(f"{root}: no cases found (expected folders with a gold.yaml)")
    return found


def _outputs(journey: JourneyMap | None) -> dict[str, str]:
    if journey is None:
        return {}
    return {f"map.{fmt}": render(journey, fmt) for fmt in FORMATS}


def _score(
    case: GoldCase, build: Callable[[], JourneyMap], log: Log, system: str, keep: Path | None = None
) -> CaseScore:
    started = time.perf_counter()
    journey: JourneyMap | None
    try:
        journey = build()
        valid = True
    except CjgenError as exc:
        log(f"  {system}: no valid map ({exc})")
        journey, valid = None, False
    seconds = time.perf_counter() - started
    if keep is not None and journey is not None:
        keep.mkdir(parents=True, exist_ok=True)
        (keep / f"{system}-{case.name}.json").write_text(render(journey, "json"), encoding="utf-8")
    score = score_case(case, journey, _outputs(journey), schema_valid=valid, wall_seconds=seconds)
    log(f"  {system}: done in {seconds:.0f}s")
    return score


def _label(runtime: Runtime) -> str:
    name = Path(runtime.model_name).stem if "/" in runtime.model_name else runtime.model_name
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{runtime.backend}-{name}")


def run_eval(
    cases_root: Path,
    out_dir: Path,
    runtime: Runtime,
    *,
    baseline: bool = True,
    only: Sequence[str] | None = None,
    log: Log = lambda _: None,
) -> tuple[Path, Path, str]:
    runs: dict[str, list[CaseScore]] = {"cjgen": []}
    if baseline:
        runs["naive"] = []
    maps = out_dir / "maps" / _label(runtime)  # the scored maps, to look at next to their scores
    for folder in case_dirs(cases_root, only):
        case = load_case(folder)
        transcripts = list(case.transcripts.values())
        log(f"case {folder.name}: {len(transcripts)} transcript(s)")
        brief = case.brief
        if brief is None:
            raise CjgenError(f"{folder}: gold.yaml names no brief")
        if transcripts:
            build = partial(generate_map, brief, transcripts, runtime=runtime)
            runs["cjgen"].append(_score(case, build, log, "cjgen", maps))
            if baseline:
                runs["naive"].append(
                    _score(case, partial(naive_map, runtime, brief, transcripts), log, "naive", maps)
                )
        else:
            runs["cjgen"].append(_score(case, partial(draft_map, brief, runtime=runtime), log, "cjgen", maps))
    metadata = {
        "backend": runtime.backend,
        "model": runtime.model_name,
        "cjgen": __version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "cache": "on" if runtime.cache else "off",
    }
    json_path, md_path = write_results(runs, out_dir, _label(runtime), metadata=metadata, day=date.today())
    return json_path, md_path, results_table(runs)
