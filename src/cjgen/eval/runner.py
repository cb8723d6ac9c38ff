"""Run systems over gold cases and score each run; or re-score the maps an earlier run saved, with no model.

A system is anything that turns a gold case into a journey map (the pipeline, the naive baseline, a folder of
saved maps). This module never calls a model itself, so scoring stays independent of the pipeline.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from cjgen.errors import CjgenError
from cjgen.eval.gold import GoldCase, load_case
from cjgen.eval.report import report_tables, write_results
from cjgen.eval.score import CaseScore, score_case
from cjgen.render import FORMATS, render
from cjgen.schema import JourneyMap

Log = Callable[[str], None]
System = Callable[[GoldCase], JourneyMap]
Runs = dict[str, list[CaseScore]]

MAPS_FOLDER = "maps"  # under the results folder: the scored maps, one folder per run label


def case_dirs(root: Path, only: Sequence[str] | None = None) -> list[Path]:
    """The case folders (those with a gold.yaml) under root, optionally only the named ones."""
    found = sorted(p.parent for p in root.glob("*/gold.yaml"))
    if only:
        unknown = sorted(set(only) - {p.name for p in found})
        if unknown:
            raise CjgenError(f"{root}: no such case: {', '.join(unknown)}")
        found = [p for p in found if p.name in only]
    if not found:
        raise CjgenError(f"{root}: no cases found (expected folders with a gold.yaml)")
    return found


def load_cases(root: Path, only: Sequence[str] | None = None) -> list[GoldCase]:
    return [load_case(folder) for folder in case_dirs(root, only)]


def map_outputs(journey: JourneyMap | None) -> dict[str, str]:
    """Every rendered format of the map: where planted personal data must not appear."""
    if journey is None:
        return {}
    return {f"map.{fmt}": render(journey, fmt) for fmt in FORMATS}


def saved_map_path(maps_dir: Path, system: str, case: str) -> Path:
    return maps_dir / f"{system}-{case}.json"


RAN_FILE = "ran.json"  # in a folder of kept maps: which systems ran on which cases, a map kept or not


def _ran(maps_dir: Path) -> dict[str, list[str]]:
    path = maps_dir / RAN_FILE
    if not path.exists():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CjgenError(f"{path}: not a record of runs ({exc}); delete it to score every saved map") from exc
    return found if isinstance(found, dict) else {}


def _note_run(maps_dir: Path, system: str, case: str) -> None:
    ran = _ran(maps_dir)
    if case not in ran.setdefault(system, []):
        ran[system].append(case)
    (maps_dir / RAN_FILE).write_text(json.dumps(ran, indent=1) + "\n", encoding="utf-8")


def run_system(
    case: GoldCase, system: System, name: str, *, log: Log = lambda _: None, keep: Path | None = None
) -> CaseScore:
    """Build one map (timed), keep it under `keep` if given, and score it; an error scores as no valid map."""
    started = time.perf_counter()
    journey: JourneyMap | None
    try:
        journey = system(case)
        valid = True
    except CjgenError as exc:
        log(f"  {name}: no valid map ({exc})")
        journey, valid = None, False
    seconds = time.perf_counter() - started
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        if journey is not None:
            saved_map_path(keep, name, case.name).write_text(render(journey, "json"), encoding="utf-8")
        _note_run(keep, name, case.name)
    score = score_case(case, journey, map_outputs(journey), schema_valid=valid, wall_seconds=seconds)
    log(f"  {name}: done in {seconds:.0f}s")
    return score


def run_cases(
    cases: Sequence[GoldCase],
    systems: Callable[[GoldCase], Mapping[str, System]],
    *,
    log: Log = lambda _: None,
    keep: Path | None = None,
) -> Runs:
    """Each case through the systems `systems(case)` names for it; scores by system, in case order."""
    runs: Runs = {}
    for case in cases:
        log(f"case {case.name}: {len(case.transcripts)} transcript(s)")
        for name, system in systems(case).items():
            runs.setdefault(name, []).append(run_system(case, system, name, log=log, keep=keep))
    return runs


def saved_systems(maps_dir: Path, cases: Sequence[GoldCase]) -> list[str]:
    """The systems with a saved map of any of the cases: `<system>-<case>.json`."""
    found: set[str] = set()
    for case in cases:
        suffix = f"-{case.name}.json"
        found |= {p.name.removesuffix(suffix) for p in maps_dir.glob(f"*{suffix}")}
    return sorted(found)


def _saved(maps_dir: Path, name: str) -> System:
    def load(case: GoldCase) -> JourneyMap:
        path = saved_map_path(maps_dir, name, case.name)
        if not path.exists():  # the run produced no valid map, so none was kept
            raise CjgenError(f"{path}: no saved map")
        try:
            return JourneyMap.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:  # e.g. saved by an older schema: scored as no valid map, and said so
            raise CjgenError(f"{path}: not a journey map ({exc.error_count()} errors)") from exc

    return load


def rescore(
    cases_root: Path,
    maps_dir: Path,
    out_dir: Path,
    *,
    only: Sequence[str] | None = None,
    log: Log = lambda _: None,
    tag: str | None = None,
) -> tuple[Path, Path, str]:
    """Score the maps an earlier run kept in `maps_dir`; results are labelled with that folder's name (and
    `tag`, to keep a day's rescorings apart).

    A case a system ran on but kept no map of scores as no valid map, as it did in the run; a case the run did
    not put to that system (`ran.json`) is not scored for it. Seconds are those the saved run's own step clock
    recorded, since nothing is run now.
    """
    if not maps_dir.is_dir():
        raise CjgenError(f"{maps_dir}: no such folder of saved maps")
    cases = load_cases(cases_root, only)
    names = saved_systems(maps_dir, cases)
    if not names:
        raise CjgenError(f"{maps_dir}: no saved maps of these cases (expected <system>-<case>.json)")
    ran = _ran(maps_dir)

    def systems(case: GoldCase) -> dict[str, System]:
        # A system the saved run did not run on this case (one that runs only where a case has a participant
        # list) is not scored on it; without a record, every system counts as run on every case.
        return {name: _saved(maps_dir, name) for name in names if not ran or case.name in ran.get(name, [])}

    runs = run_cases(cases, systems, log=log)
    for scores in runs.values():
        for score in scores:
            score.cost.wall_seconds = sum(score.cost.step_seconds.values())
    metadata = {"rescored": str(maps_dir), "systems": ", ".join(names)}
    json_path, md_path = write_results(runs, out_dir, maps_dir.name, metadata=metadata, tag=tag)
    return json_path, md_path, report_tables(runs)
