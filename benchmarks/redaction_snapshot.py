"""What redaction makes of the test corpora, the example transcripts and the adversarial units, to check
that a change meant only to make redaction faster changes nothing it produces.

    python benchmarks/redaction_snapshot.py before.json --units units.json   # on the old code
    python benchmarks/redaction_snapshot.py after.json --units units.json    # on the new code
    python benchmarks/redaction_snapshot.py --compare before.json after.json

Every string in tests/data/*.yaml (and each corpus sentence with its value filled in) is redacted as a
text, with and without known names; every example transcript as a transcript (with and without known
speaker names) and as one text; every adversarial unit repeated to 3,000 characters (the units are kept in
`--units` on the first run, so both runs use the same ones even if the patterns changed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from cjgen.ingest import load_transcript  # noqa: E402
from cjgen.redact import RedactedText, redact_text, redact_transcript  # noqa: E402


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _record(redacted: RedactedText) -> list[Any]:
    return [redacted.text, [(s.kind, s.start, s.end, s.new_start, s.new_end) for s in redacted.spans]]


def snapshot(units_path: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted((ROOT / "tests" / "data").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        texts = list(_strings(data))
        if isinstance(data, list):
            texts += [
                str(entry["text"]).replace("{}", str(entry["value"]))
                for entry in data
                if isinstance(entry, dict) and "text" in entry and "value" in entry
            ]
        for i, text in enumerate(texts):
            out[f"{path.name}:{i}"] = _record(redact_text(text))
            out[f"{path.name}:{i}:names"] = _record(redact_text(text, ["Kari", "Kari Nordmann", "Dr"]))
    for path in sorted((ROOT / "evals" / "cases").glob("*/transcripts/*")):
        name = str(path.relative_to(ROOT))
        transcript = load_transcript(path)
        for key, known in [("transcript", ()), ("transcript-known", ("Sarah", "Tom", "mark"))]:
            redacted = redact_transcript(transcript, known=known).redacted
            out[f"{key}:{name}"] = [
                [turn.text, [(s.start, s.end) for s in turn.segments]] for turn in redacted.turns
            ]
        out[f"text:{name}"] = _record(redact_text("\n".join(turn.text for turn in transcript.turns)))
    if units_path is not None:
        from test_redact import adversarial_units, repeat_to

        if not units_path.exists():
            units_path.write_text(json.dumps(adversarial_units(), ensure_ascii=False), encoding="utf-8")
        for name, unit in json.loads(units_path.read_text(encoding="utf-8")).items():
            redacted = redact_text(repeat_to(unit, 3_000))
            digest = hashlib.sha256(json.dumps(_record(redacted), ensure_ascii=False).encode()).hexdigest()
            out[f"unit:{name}"] = digest
    return out


def compare(before: dict[str, Any], after: dict[str, Any]) -> int:
    differ = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
    print(f"{len(before)} entries before, {len(after)} after, {len(differ)} differ")
    for key in differ[:20]:
        print(f"{key}\n  before: {str(before.get(key))[:300]}\n  after:  {str(after.get(key))[:300]}")
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--units", type=Path)
    parser.add_argument("--compare", type=Path, nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        before, after = (json.loads(path.read_text(encoding="utf-8")) for path in args.compare)
        sys.exit(compare(before, after))
    if args.out is None:
        parser.error("give a file to write the snapshot to, or --compare BEFORE AFTER")
    result = snapshot(args.units)
    args.out.write_text(json.dumps(result, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    print(f"{len(result)} entries written to {args.out}")


if __name__ == "__main__":
    main()
