"""Record what a map was made from, to replay its later steps in code (`replay.py`).

    python evals/whatif/record.py CASE [--cases evals/cases] [--out /tmp/whatif]

Makes CASE's map as `cjgen eval` does (with the configured model and the response cache: from a warm cache no
model call is made) and saves, per interview, the redacted source, every sentence's label and meaning, and
the pain points' and good moments' staged moments, and the map's synthesis context, to OUT/CASE.pkl. The eval
makes the map twice, without and with the participant list; what the first made is kept.
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cjgen.read as read
import cjgen.synthesize as synthesize
from cjgen.harness import run_eval
from cjgen.pipeline import open_runtime

HERE = Path(__file__).resolve().parent


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case")
    parser.add_argument("--cases", type=Path, default=HERE.parent / "cases")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "whatif")
    args = parser.parse_args(argv)
    sources: dict[str, dict[str, Any]] = {}
    context: list[Any] = []
    label, stage, findings = read.label_transcript, read.stage_moments, synthesize.findings_of

    def labelled(runtime: Any, source: Any, segments: Sequence[Any] = ()) -> Any:
        reading = label(runtime, source, segments)
        sources.setdefault(
            source.original.id,
            {"source": source, "labels": reading.labels, "sentences": reading.sentences},
        )
        return reading

    def staged(runtime: Any, source: Any, chunks: Any, batches: Any, stages: Any) -> Any:
        out = stage(runtime, source, chunks, batches, stages)
        sources[source.original.id].setdefault("staged", out[0])  # the pain points' and good moments' batch
        return out

    def found(ctx: Any, kind: str, limit: int) -> Any:
        if not context:
            context.append(ctx)
        return findings(ctx, kind, limit)

    read.label_transcript, read.stage_moments, synthesize.findings_of = labelled, staged, found
    try:
        run_eval(
            args.cases, args.out / "eval", open_runtime(), baseline=False, only=[args.case], tag="whatif"
        )
    finally:
        read.label_transcript, read.stage_moments, synthesize.findings_of = label, stage, findings
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"{args.case}.pkl"
    with target.open("wb") as f:
        pickle.dump({"sources": sources, "ctx": context[0]}, f)
    print(f"{len(sources)} interviews recorded in {target}")


if __name__ == "__main__":
    main()
