"""Read a map back from its JSON export (`cjgen map -f json`), with errors that name the file and field."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from cjgen.errors import InputError
from cjgen.schema import JourneyMap


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
