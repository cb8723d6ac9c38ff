"""How a label head does on the eval cases, before a run: which gold sentences it reads as problems and good
moments, and which of them become moments.

    python evals/distill/check_head.py --eval-states eval_states.npz                  # the shipped head
    python evals/distill/check_head.py --eval-states eval_states.npz --head new.npz   # and another
    python evals/distill/check_head.py --eval-states eval_states.npz --fit --also evals/distill/implicit

The first call reads every eval sentence's states at the head's layer as a run reads them (one evaluation
per chunk of the label prompt's interview; about 25 minutes for the five committed cases on 2 cores) and keeps
them in `--eval-states`; later calls reuse them, so comparing heads takes seconds. `--fit` also fits a head the
way `train_head.py` does (its layer, state and L2 strength given here), on the training interviews' states
(`--train-states`, read and kept the same way).

Per case and head:
- pain / delight AUC: the head's probability against "the sentence lies in a gold quote of that kind";
- flagged / kept: of the gold pain sentences, those the head flags as a problem at all, and those among the
  interview's moments (`cjgen.findings.select_moments`);
- items: gold pain points with at least one sentence among the moments (what a map can find at most).

What a map shows also depends on grouping, stages and ranking: a head that gains here still needs the eval.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))

import train_head

from cjgen.eval.gold import GoldCase, load_case
from cjgen.findings import MIN_LIFT, calibrated, select_moments
from cjgen.ingest import load_transcripts
from cjgen.label import SentenceLabel
from cjgen.pipeline import _typed, open_runtime, redacted_source
from cjgen.readout import HEAD_FILE, LabelHead, head_from, label_head
from cjgen.sentences import Sentence
from same_point import _plain

CASES = Path(__file__).parents[1] / "cases"
GOLD_KINDS = {"pain": "pain_points", "delight": "delights"}


def read_case_states(names: Sequence[str], layer: int) -> dict[str, Any]:
    """Every labelled sentence of the cases' transcripts, as a run reads it: its mean and last-token state at
    `layer`, and where it was said."""
    runtime = open_runtime(backend="local")
    mean: list[Any] = []
    last: list[Any] = []
    meta: list[dict[str, Any]] = []
    for name in names:
        case = load_case(CASES / name)
        loaded, pseudonyms = _typed(load_transcripts(list(case.transcripts.values())))
        for transcript in loaded:
            redacted = redacted_source(transcript, True, pseudonyms.label_names).redacted
            for wanted, read in train_head.chunk_states(runtime.model, redacted, [layer]):
                mean += read.mean[layer]
                last += read.last[layer]
                meta += [
                    {
                        "case": name,
                        "source": redacted.id,
                        "participant": transcript.participant_id,
                        "id": s.id,
                        "turn": s.turn_index,
                        "start": s.start,
                        "end": s.end,
                        "text": s.text,
                    }
                    for s in wanted
                ]
            print(f"{name} {redacted.id}: {len(meta)} sentences so far", file=sys.stderr, flush=True)
    return {"layer": layer, "mean": np.array(mean), "last": np.array(last), "meta": json.dumps(meta)}


def gold_items(case: GoldCase, kind: str, participant: str, text: str) -> list[int]:
    """The gold items of `kind` whose quotes by this participant hold the sentence."""
    said = _plain(text)
    if len(said) <= 8:
        return []
    items = getattr(case, GOLD_KINDS[kind])
    return [
        k
        for k, item in enumerate(items)
        if any(said in _plain(q.quote) for q in item.evidence if q.participant == participant)
    ]


def score_case(
    case: GoldCase, meta: Sequence[dict[str, Any]], probabilities: np.ndarray, baseline: Sequence[float]
) -> dict[str, Any]:
    """One case's figures for one head's probabilities (rows of pain, delight, action, other per sentence)."""
    by_source: dict[str, list[SentenceLabel]] = {}
    for row, p in zip(meta, probabilities, strict=True):
        sentence = Sentence(row["id"], row["turn"], row["start"], row["end"], row["text"])
        label = SentenceLabel(
            sentence,
            row["participant"],
            row["source"],
            float(p[0]),
            float(p[1]),
            float(p[2]),
            "",
            (float(baseline[0]), float(baseline[1]), float(baseline[2])),
        )
        by_source.setdefault(row["source"], []).append(label)
    held = {kind: [gold_items(case, kind, r["participant"], r["text"]) for r in meta] for kind in GOLD_KINDS}
    figures: dict[str, Any] = {
        f"{kind}_auc": train_head.auc(probabilities[:, k], np.array([bool(i) for i in held[kind]]))
        for k, kind in enumerate(GOLD_KINDS)
    }
    pain_items = {(r["source"], r["id"]): items for r, items in zip(meta, held["pain"], strict=True)}
    gold = flagged = kept = 0
    touched: set[int] = set()
    for labels in by_source.values():
        lift = calibrated(labels)
        moments = {s.id for m in select_moments(labels, "pain") for s in m.sentences}
        for lab in labels:
            items = pain_items[lab.source_id, lab.sentence.id]
            if not items:
                continue
            up = lift[lab.sentence.id]
            gold += 1
            flagged += up["pain"] >= MIN_LIFT and up["pain"] == max(up.values())
            if lab.sentence.id in moments:
                kept += 1
                touched.update(items)
    figures |= {
        "gold_pain_sentences": gold,
        "flagged": flagged,
        "kept": kept,
        "items": f"{len(touched)}/{len(case.pain_points)}",
    }
    return figures


def fitted_head(args: argparse.Namespace) -> tuple[str, tuple[np.ndarray, ...], list[float]]:
    """A head fitted as `train_head.py` fits one, and its usual answer over its training."""
    states, y, _, _ = train_head.kept_states(args.train_states, [train_head.HERE, *args.also])
    x = train_head.features(states, args.layer, args.feature)
    head = train_head.fit(x, y, args.l2)
    baseline = train_head.predict(head, x).mean(axis=0)[:3]
    return f"fitted (layer {args.layer}, {args.feature}, L2 {args.l2})", head, [float(b) for b in baseline]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-states", type=Path, required=True, help="the eval sentences' states (.npz)")
    parser.add_argument("--cases", nargs="*", help="cases to read and show (default: all with transcripts)")
    parser.add_argument("--head", type=Path, action="append", default=[], help="a head file to compare")
    parser.add_argument("--fit", action="store_true", help="also fit a head on the training interviews")
    parser.add_argument("--train-states", type=Path, help="the training interviews' states (.npz)")
    parser.add_argument("--also", type=Path, action="append", default=[], help="a further training folder")
    parser.add_argument("--layer", type=int, default=20)
    parser.add_argument("--feature", choices=train_head.FEATURES, default="both")
    parser.add_argument("--l2", type=float, default=0.3)
    args = parser.parse_args()
    shipped = label_head()
    heads: list[tuple[str, LabelHead]] = [(HEAD_FILE, shipped)] if shipped else []
    heads += [(str(path), head_from(path.read_bytes())) for path in args.head]
    layer = heads[0][1].layer if heads else args.layer
    if any(h.layer != layer for _, h in heads) or (args.fit and args.layer != layer):
        raise SystemExit("every head compared must read the same layer as the eval states")
    names = args.cases or sorted(p.name for p in CASES.iterdir() if (p / "transcripts").is_dir())
    if args.eval_states.is_file():
        saved = dict(np.load(args.eval_states))
        if int(saved["layer"]) != layer:
            raise SystemExit(f"{args.eval_states} holds layer {int(saved['layer'])}, not {layer}: delete it")
    else:
        saved = read_case_states(names, layer)
        np.savez_compressed(args.eval_states, **saved)
    meta = json.loads(str(saved["meta"]))
    scored: list[tuple[str, np.ndarray, list[float]]] = [
        (name, np.array(h.probabilities(saved["mean"], saved["last"])), list(h.baseline)) for name, h in heads
    ]
    if args.fit:
        name, fitted, baseline = fitted_head(args)
        parts = {"mean": [saved["mean"]], "last": [saved["last"]], "both": [saved["mean"], saved["last"]]}
        scored.append(
            (name, train_head.predict(fitted, np.concatenate(parts[args.feature], axis=1)), baseline)
        )
    print(
        "| case | head | pain AUC | delight AUC | gold pain sentences flagged / kept | gold pain items kept |"
    )
    print("|---|---|---|---|---|---|")
    for case_name in [c for c in dict.fromkeys(r["case"] for r in meta) if c in (args.cases or [c])]:
        rows = [k for k, r in enumerate(meta) if r["case"] == case_name]
        case = load_case(CASES / case_name)
        for name, probabilities, baseline in scored:
            f = score_case(case, [meta[k] for k in rows], probabilities[rows], baseline)
            print(
                f"| {case_name} | {name} | {f['pain_auc']:.3f} | {f['delight_auc']:.3f} | "
                f"{f['flagged']} / {f['kept']} of {f['gold_pain_sentences']} | {f['items']} |"
            )


if __name__ == "__main__":
    main()
