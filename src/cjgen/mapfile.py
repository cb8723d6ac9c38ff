"""Read a map back from its JSON export (`cjgen map -f json`), and find the files it was made from."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from cjgen.errors import InputError
from cjgen.ingest import BRIEF_SUFFIXES, TRANSCRIPT_SUFFIXES
from cjgen.ingest.files import MAX_FILE_BYTES
from cjgen.schema import JourneyMap

_INPUT_SUFFIXES = frozenset(BRIEF_SUFFIXES + TRANSCRIPT_SUFFIXES)


def load_map(path: Path) -> JourneyMap:
    """A map from a JSON file written by cjgen; `InputError` naming the file and the first bad field."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(where, "no such file; give a map saved with `cjgen map -f json`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            where, f"cannot be read ({exc}); give a map saved with `cjgen map -f json`"
        ) from None
    try:
        return JourneyMap.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(the file)"
        raise InputError(
            f"{where}: {field}", f"{first['msg']}; this is not a map saved with `cjgen map -f json`"
        ) from None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _nearby(paths: Sequence[Path]) -> list[Path]:
    """Input-like files in the folders of `paths`, their parents, and two levels below those (a study keeps
    its brief and a `transcripts/` folder side by side, and maps in a folder of their own)."""
    roots = list(dict.fromkeys(folder for p in paths for folder in (p.parent, p.parent.parent)))
    found: list[Path] = []
    for root in roots:
        for pattern in ("*", "*/*", "*/*/*"):
            found += [
                f
                for f in sorted(root.glob(pattern))
                if f.suffix.lower() in _INPUT_SUFFIXES and f.is_file() and f.stat().st_size <= MAX_FILE_BYTES
            ]
    return list(dict.fromkeys(found))


def revision_inputs(
    journey: JourneyMap, map_path: Path, given: Sequence[Path]
) -> tuple[Path | None, list[Path]]:
    """The brief and transcripts for the next version of `journey`: the files given, plus the map's earlier
    inputs found (by content) next to the map or next to the files given. A transcript given with the name of
    an earlier one replaces it. `InputError` names an earlier input that cannot be found."""
    inputs = journey.provenance.inputs
    brief_input = next((f for f in inputs if f.kind == "brief"), None)
    brief = next((p for p in given if brief_input and p.name == brief_input.path), None)
    transcripts = [p for p in given if p != brief]
    by_digest: dict[str, Path] = {}
    for candidate in _nearby([map_path, *given]):
        by_digest.setdefault(_digest(candidate), candidate)
    replaced = {p.name for p in transcripts}
    earlier: list[Path] = []
    for f in inputs:
        if (f.kind == "brief" and brief is not None) or (f.kind == "transcript" and f.path in replaced):
            continue
        found = by_digest.get(f.sha256)
        if found is None:
            raise InputError(
                str(map_path),
                f"its {f.kind} {f.path} was not found (unchanged) near the map or the files given; "
                "give it on the command line",
            )
        if f.kind == "brief":
            brief = found
        elif found not in transcripts:
            earlier.append(found)
    if brief_input is None:
        brief = None
    return brief, earlier + transcripts
