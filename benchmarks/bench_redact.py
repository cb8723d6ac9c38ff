"""Speed of redaction on ordinary transcripts and on adversarial text, in milliseconds per megabyte.

Ordinary text: the example cases' transcripts, each case repeated to 1 MB. Adversarial text: every unit the
linear-time test builds from the redaction patterns' parts ("de la ", "a(dot)", digit runs, "Ab ", keywords
with filler, number words…) repeated to 10 KB; the slowest again at 100 KB and 1 MB, where a pattern
that is not linear would show (a quadratic one costs ten times more per MB at 1 MB than at 100 KB). Every
figure is also given as a ratio to plain text measured in the same run, since this machine's speed varies
with its load.

    python benchmarks/bench_redact.py [--slowest 12] [--out benchmarks/results/redact-DATE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from cjgen.ingest import load_transcript  # noqa: E402
from cjgen.redact import redact_transcript  # noqa: E402
from cjgen.schema import Transcript, Turn  # noqa: E402
from test_redact import adversarial_units, repeat_to, seconds  # noqa: E402

MB = 1_000_000


def ms_per_mb(text: str, runs: int = 1) -> float:
    return seconds(text, runs) * 1000 * MB / len(text)


def transcript_ms_per_mb(text: str) -> float:
    """redact_transcript on one turn per line of the text."""
    turns = tuple(
        Turn(index=i, speaker="P1", role="participant", text=line)
        for i, line in enumerate(line for line in text.splitlines() if line.strip())
    )
    transcript = Transcript(id="t.txt", path="t.txt", participant_id="P1", sha256="x", turns=turns)
    started = time.perf_counter()
    redact_transcript(transcript)
    return (time.perf_counter() - started) * 1000 * MB / len(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slowest", type=int, default=12)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / f"redact-{date.today()}.json"
    )
    args = parser.parse_args()
    args.out = args.out.resolve()

    cases = sorted((ROOT / "evals" / "cases").glob("*/transcripts"))
    plain = {
        case.parent.name: "\n".join(
            "\n".join(turn.text for turn in load_transcript(path).turns) for path in sorted(case.iterdir())
        )
        for case in cases
    }
    everything = "\n".join(plain.values())
    baseline = ms_per_mb(repeat_to(everything, MB), runs=2)
    ordinary = {name: ms_per_mb(repeat_to(text, MB)) for name, text in plain.items()}
    as_transcript = transcript_ms_per_mb(repeat_to(everything, MB))
    print(f"plain text, all cases: {baseline:.0f} ms/MB (redact_transcript: {as_transcript:.0f} ms/MB)")
    for name, cost in ordinary.items():
        print(f"  {name}: {cost:.0f} ms/MB ({cost / baseline:.2f}x plain)")

    units = adversarial_units()
    at_10k = {name: ms_per_mb(repeat_to(unit, 10_000)) for name, unit in units.items()}
    slowest = sorted(at_10k, key=at_10k.__getitem__, reverse=True)[: args.slowest]
    at_100k = {name: ms_per_mb(repeat_to(units[name], 100_000), runs=2) for name in slowest}
    at_1mb = {name: ms_per_mb(repeat_to(units[name], MB)) for name in slowest}
    median = sorted(at_10k.values())[len(at_10k) // 2]
    print(
        f"\nadversarial units: {len(units)}, median {median:.0f} ms/MB at 10 KB ({median / baseline:.2f}x plain)"
    )
    print("slowest: unit | ms/MB at 100 KB | ms/MB at 1 MB | growth | x plain at 1 MB")
    for name in slowest:
        growth = at_1mb[name] / at_100k[name]
        print(
            f"  {name} | {at_100k[name]:.0f} | {at_1mb[name]:.0f} | {growth:.2f} | {at_1mb[name] / baseline:.2f}"
        )

    result = {
        "date": str(date.today()),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "plain_ms_per_mb": round(baseline),
        "plain_redact_transcript_ms_per_mb": round(as_transcript),
        "cases_ms_per_mb": {name: round(cost) for name, cost in ordinary.items()},
        "adversarial_units": len(units),
        "adversarial_median_ms_per_mb_at_10kb": round(median),
        "adversarial_worst_ms_per_mb_at_10kb": round(max(at_10k.values())),
        "slowest_at_1mb": {
            name: {
                "ms_per_mb_100kb": round(at_100k[name]),
                "ms_per_mb_1mb": round(at_1mb[name]),
                "times_plain": round(at_1mb[name] / baseline, 2),
            }
            for name in slowest
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
