"""Speed of `cjgen map` on the bike-subscription example (6 interviews) with the embedded model.

Prints wall time by step, tokens and model calls, effective tokens (prompt + 7.4 x output: one generated token
costs about 7.4 prompt tokens here), the share of non-model work, a cached re-run, and the naive one-prompt
baseline. The same run measures llama.cpp's raw prompt and generation throughput (the median of probes before
and after the map), and reports the pipeline's model time as a ratio to what that throughput predicts for its
tokens: this machine's speed varies up to 3x between days, and the ratio holds where seconds do not.

    python benchmarks/bench_map.py [--case evals/cases/bike-subscription] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from cjgen.baseline import naive_map
from cjgen.eval.metrics import COMPLETION_TOKEN_WEIGHT, effective_tokens
from cjgen.pipeline import generate_map_from_files, open_runtime
from cjgen.render import FORMATS, render
from cjgen.schema import ModelCall
from cjgen.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


PROBES = 3  # the throughput probe runs this many times before the map and as many after it


def throughputs(llama: object) -> list[tuple[float, float]]:
    """`throughput` measured PROBES times: one probe's rate moves by a third between minutes on a shared machine."""
    return [throughput(llama) for _ in range(PROBES)]


def throughput(llama: object) -> tuple[float, float]:
    """llama.cpp's raw prompt (prefill) and generation rates in tokens/s, measured now."""
    text = "The quick brown fox jumps over the lazy dog. " * 100
    started = time.perf_counter()
    out = llama.create_completion(text, max_tokens=1)  # type: ignore[attr-defined]
    prefill = out["usage"]["prompt_tokens"] / (time.perf_counter() - started)
    started = time.perf_counter()
    out = llama.create_completion("Write a long story about a bicycle.", max_tokens=64, temperature=0.0)  # type: ignore[attr-defined]
    generation = out["usage"]["completion_tokens"] / (time.perf_counter() - started)
    llama.reset()  # type: ignore[attr-defined]
    return prefill, generation


def peak_mib() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def model_seconds(calls: list[ModelCall]) -> float:
    return sum(c.seconds for c in calls if not c.cached)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", type=Path, default=ROOT / "evals" / "cases" / "bike-subscription")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    brief = args.case / "brief.md"
    transcripts = sorted((args.case / "transcripts").iterdir())
    words = sum(len(t.read_text(encoding="utf-8").split()) for t in transcripts)

    cache_dir = Path(tempfile.mkdtemp(prefix="cjgen-bench-"))
    settings = Settings(cache_dir=cache_dir)
    started = time.perf_counter()
    runtime = open_runtime(backend="local", settings=settings, use_cache=True)
    load_s = time.perf_counter() - started

    llama = runtime.model._llama  # type: ignore[attr-defined]
    probes = throughputs(llama)
    started = time.perf_counter()
    journey = generate_map_from_files(brief, transcripts, runtime=runtime)
    render_started = time.perf_counter()
    for fmt in FORMATS:
        render(journey, fmt)
    render_s = time.perf_counter() - render_started
    wall = time.perf_counter() - started
    probes += throughputs(llama)
    # The median of the probes before and after the run: the machine's speed while the map was made.
    prefill = statistics.median(p for p, _ in probes)
    generation = statistics.median(g for _, g in probes)
    calls = journey.provenance.calls
    in_model = model_seconds(calls)
    prompt_tokens = journey.provenance.prompt_tokens
    completion_tokens = journey.provenance.completion_tokens
    effective = effective_tokens(prompt_tokens, completion_tokens)
    predicted = prompt_tokens / prefill + completion_tokens / generation

    rerun_started = time.perf_counter()
    again = generate_map_from_files(brief, transcripts, runtime=runtime)
    for fmt in FORMATS:
        render(again, fmt)
    rerun_s = time.perf_counter() - rerun_started

    rows: list[tuple[str, str]] = [
        ("input", f"{len(transcripts)} interviews, {words} words"),
        ("model load", f"{load_s:.1f} s"),
    ]
    for call in calls:
        rows.append(
            (
                f"  {call.step} (attempt {call.attempt})",
                f"{call.seconds:.1f} s, {call.prompt_tokens} in / {call.completion_tokens} out",
            )
        )
    rows += [
        ("render (5 formats)", f"{render_s:.2f} s"),
        ("pipeline wall (excl. load)", f"{wall:.1f} s"),
        ("model calls", f"{journey.provenance.model_calls}"),
        ("tokens", f"{prompt_tokens} in / {completion_tokens} out"),
        ("effective tokens", f"{effective:,.0f} (prompt + {COMPLETION_TOKEN_WEIGHT} x output)"),
        (
            "llama.cpp throughput",
            f"prefill {prefill:.0f} tok/s ({min(p for p, _ in probes):.0f}-{max(p for p, _ in probes):.0f}), "
            f"generation {generation:.1f} tok/s ({min(g for _, g in probes):.1f}-{max(g for _, g in probes):.1f}); "
            f"median of {len(probes)} probes before and after",
        ),
        ("model time / predicted", f"{in_model:.1f} s / {predicted:.1f} s = {in_model / predicted:.2f}x"),
        ("non-model work", f"{wall - in_model:.2f} s = {100 * (wall - in_model) / wall:.2f} % of wall"),
        ("cached re-run", f"{rerun_s:.2f} s, {again.provenance.model_calls} model calls"),
        ("pain points / delights", f"{len(journey.pain_points)} / {len(journey.delights)}"),
        ("peak memory (process)", f"{peak_mib():,.0f} MiB"),
    ]
    result: dict[str, object] = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores",
        "model": runtime.model_name,
        "load_s": round(load_s, 2),
        "wall_s": round(wall, 2),
        "model_s": round(in_model, 2),
        "render_s": round(render_s, 3),
        "rerun_s": round(rerun_s, 3),
        "calls": [c.model_dump(mode="json") for c in calls],
        "model_calls": journey.provenance.model_calls,
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "effective_tokens": round(effective),
        "prefill_tok_s": round(prefill, 1),
        "generation_tok_s": round(generation, 2),
        "probes_tok_s": [[round(p, 1), round(g, 2)] for p, g in probes],
        "predicted_model_s": round(predicted, 1),
        "model_time_ratio": round(in_model / predicted, 2),
        "peak_rss_mib": round(peak_mib()),
    }
    if not args.skip_baseline:
        baseline_started = time.perf_counter()
        try:
            naive = naive_map(runtime, brief, transcripts)
            naive_calls = naive.provenance.calls
            outcome = f"{len(naive.pain_points)} pain points"
        except Exception as exc:  # the baseline failing is a result too
            naive_calls, outcome = [], f"failed: {exc}"
        baseline_s = time.perf_counter() - baseline_started
        tokens_in = sum(c.prompt_tokens for c in naive_calls)
        tokens_out = sum(c.completion_tokens for c in naive_calls)
        rows.append(
            (
                "naive baseline",
                f"{baseline_s:.1f} s, {len(naive_calls)} call(s), {tokens_in} in / {tokens_out} out, {outcome}",
            )
        )
        rows.append(("pipeline / baseline wall", f"{wall / baseline_s:.2f}x"))
        result["baseline"] = {
            "wall_s": round(baseline_s, 2),
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "outcome": outcome,
        }

    width = max(len(k) for k, _ in rows)
    print(f"cjgen map benchmark — {runtime.model_name} on {result['machine']}")
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"map-local-{date.today().isoformat()}.json"
    target.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
