"""JSON transcripts: a list of `{speaker, text, start?, end?}` or `{"participant_id": ..., "turns": [...]}`, and
the diarised output of speech-to-text services: `{"utterances": [...]}` (AssemblyAI; times in milliseconds),
`{"results": {"utterances": [...]}}` (Deepgram) and `{"segments": [...]}` (WhisperX), whose speakers may be
numbers or letters (`0`, `"A"`: read as `Speaker 0`, `Speaker A`).

Nesting depth is checked before parsing (deep nesting makes the parser recurse until it fails) and numbers
must be finite.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from cjgen.errors import InputError
from cjgen.ingest.files import normalise_newlines
from cjgen.ingest.labels import CLOCK, parse_clock
from cjgen.ingest.parsed import Draft, Parsed

MAX_JSON_DEPTH = 20
_SHAPE = (
    'expected a list of {speaker, text} objects, {"participant_id": ..., "turns": [...]}, or a speech-to-text '
    'service\'s {"utterances": [...]} or {"segments": [...]} with speakers'
)
_STRUCTURE = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _check_depth(text: str, where: str) -> None:
    depth = 0
    for token in _STRUCTURE.finditer(text):
        char = token.group(0)
        if char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise InputError(
                    where, f"nests JSON deeper than {MAX_JSON_DEPTH} levels; expected a flat list of turns"
                )
        elif char in "]}":
            depth -= 1


class _NonFinite(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def json_turns(text: str, where: str) -> Parsed:
    _check_depth(text, where)
    try:
        data: Any = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        problem = f"is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        raise InputError(where, problem) from exc
    except _NonFinite as exc:  # NaN, Infinity, -Infinity
        raise InputError(where, f"holds the non-finite number {exc}; give times as finite seconds") from exc
    except ValueError as exc:  # an integer too long to convert
        raise InputError(where, "holds a number too long to read; give times as seconds") from exc
    declared: str | None = None
    unit, form, diarised = 1.0, "JSON turns", False
    if isinstance(data, dict):
        declared = data.get("participant_id")
        if declared is not None and (not isinstance(declared, str) or not declared.strip()):
            raise InputError(where, "'participant_id' must be a non-empty string")
        results = data.get("results")
        if "turns" in data:
            data = data["turns"]
        elif isinstance(data.get("utterances"), list):
            data, unit, form, diarised = data["utterances"], 0.001, "JSON utterances (AssemblyAI)", True
        elif isinstance(results, dict) and isinstance(results.get("utterances"), list):
            data, form, diarised = results["utterances"], "JSON utterances (Deepgram)", True
        else:
            data, form, diarised = data.get("segments"), "JSON segments (WhisperX)", True
    if not isinstance(data, list):
        raise InputError(where, _SHAPE)
    turns: list[Draft] = []
    for n, item in enumerate(data):
        speaker = _speaker(item.get("speaker"), diarised) if isinstance(item, dict) else None
        body = item.get("text") if isinstance(item, dict) else None
        if speaker is None or not isinstance(body, str):
            raise InputError(where, f"turn {n} needs a 'speaker' and a 'text' string; {_SHAPE}")
        body = normalise_newlines(body).strip()
        if body:
            start_s = _json_time(item.get("start"), where, n, "start", unit)
            end_s = _json_time(item.get("end"), where, n, "end", unit)
            turns.append(Draft(speaker, body, start_s=start_s, end_s=end_s))
    parsed = Parsed(turns, form)
    parsed.participant_id = declared.strip() if declared else None
    return parsed


def _speaker(value: object, diarised: bool) -> str | None:
    """A turn's speaker: a name, or a speech-to-text service's speaker number or letter as `Speaker 0`,
    `Speaker A` (a bare letter would read as the `A` of Q/A notes); None when there is none."""
    if diarised and isinstance(value, int) and not isinstance(value, bool):
        return f"Speaker {value}"
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return f"Speaker {value}" if diarised and len(value) == 1 and value.isalpha() else value


def _json_time(value: object, where: str, n: int, key: str, unit: float = 1.0) -> float | None:
    """Seconds from a number (in `unit`s of a second) or a clock string."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value) * unit if isinstance(value, float) or abs(value) < 10**15 else math.inf
        if not math.isfinite(seconds) or seconds < 0:
            raise InputError(
                where, f"turn {n}: '{key}' must be finite, non-negative seconds, not {value!r:.40}"
            )
        return seconds
    if isinstance(value, str) and re.fullmatch(CLOCK, value.strip()):
        return parse_clock(value.strip())
    raise InputError(where, f"turn {n}: '{key}' must be seconds or a time like '00:01:02', not {value!r}")
