"""What each step of a map costs, against the size of the study: the maps of an eval run.

A map's provenance records every model call with its step and tokens, so the cost of a map is known without
timing it. This script reads the maps `cjgen eval --out DIR` wrote (DIR/maps/<model>/cjgen-<case>.json, one
DIR per case or one for all) and adds up effective tokens (prompt + 7.4 x output) per step, next to the
study's size: interviews, participant words, labelled sentences and the moments read from them. Cost that
grows faster than the study shows as a rising cost per interview or per thousand words.

Run the eval on an empty response cache for these figures (`CJGEN_CACHE_DIR=$(mktemp -d) cjgen eval …`): a
call answered from the cache reports the tokens it cost when it was first asked, and an answer cached while
the model did not hold the interview (a stage question asked after a label read that came from the cache)
counts the whole interview again.

    python benchmarks/step_cost.py EVAL_OUT... [--cases evals/cases] [--out benchmarks/results/step-cost-DATE.json]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from cjgen.eval.gold import load_case
from cjgen.eval.metrics import effective_tokens
from cjgen.ingest import load_transcripts
from cjgen.schema import JourneyMap, ModelCall

ROOT = Path(__file__).resolve().parents[1]

# The steps a call's `step` names (`extract:P1.txt` is the label read of P1), in the order a run takes them.
STEPS = {
    "plan": ("service", "stages", "segments", "split"),
    "labels": ("extract",),
    "persona": ("persona",),
    "stage": ("stage",),
    "synthesis": ("name", "opportunities", "contradiction", "reask"),
}


def step_of(call: ModelCall) -> str:
    name = call.step.split(":", 1)[0]
    return next((step for step, names in STEPS.items() if name in names), "other")


def effective(calls: Sequence[ModelCall]) -> float:
    return sum(effective_tokens(c.prompt_tokens, c.completion_tokens) for c in calls)


def case_cost(case_dir: Path, journey: JourneyMap, transcripts: Sequence[Path]) -> dict[str, object]:
    loaded = load_transcripts(transcripts)
    words = sum(len(t.text.split()) for tr in loaded for t in tr.turns if t.role == "participant")
    calls = journey.provenance.calls
    labelled = sum(int(c.params.get("questions") or 0) for c in calls if step_of(c) == "labels")
    per_step = {
        step: round(effective([c for c in calls if step_of(c) == step])) for step in [*STEPS, "other"]
    }
    total = round(effective(calls))
    return {
        "case": case_dir.name,
        "interviews": len(loaded),
        "participant_words": words,
        "labelled_sentences": labelled,
        "moments": journey.provenance.grounding.observations_total,
        "calls": len(calls),
        "effective_tokens": per_step | {"total": total},
        "per_interview": round(total / max(1, len(loaded))),
        "per_1k_words": round(1000 * total / max(1, words)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", type=Path, nargs="+", help="folders `cjgen eval --out` wrote")
    parser.add_argument("--cases", type=Path, default=ROOT / "evals" / "cases")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    maps = {p.stem.removeprefix("cjgen-"): p for run in args.runs for p in run.glob("maps/*/cjgen-*.json")}
    rows = []
    for case_dir in sorted(p for p in args.cases.iterdir() if (p / "gold.yaml").is_file()):
        found = maps.get(case_dir.name)
        if found is None:
            continue
        journey = JourneyMap.model_validate_json(found.read_text(encoding="utf-8"))
        rows.append(case_cost(case_dir, journey, list(load_case(case_dir).transcripts.values())))
    if not rows:
        raise SystemExit(f"no map of a case in {args.cases} under {', '.join(map(str, args.runs))}")
    steps = [*STEPS, "other"]
    head = ["case", "interviews", "participant words", "labelled sentences", "moments", *steps, "total"]
    print("| " + " | ".join([*head, "per interview", "per 1k words"]) + " |")
    print("|---" * (len(head) + 2) + "|")
    for row in rows:
        tokens = row["effective_tokens"]
        assert isinstance(tokens, dict)
        cells = [
            row["case"],
            row["interviews"],
            f"{row['participant_words']:,}",
            f"{row['labelled_sentences']:,}",
            row["moments"],
            *(f"{tokens[s]:,}" for s in [*steps, "total"]),
            f"{row['per_interview']:,}",
            f"{row['per_1k_words']:,}",
        ]
        print("| " + " | ".join(str(c) for c in cells) + " |")
    out = args.out or ROOT / "benchmarks" / "results" / f"step-cost-{date.today().isoformat()}.json"
    out.write_text(json.dumps({"date": date.today().isoformat(), "cases": rows}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
