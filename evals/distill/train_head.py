"""Train the label head that reads sentence labels from the embedded model's hidden states.

    python evals/distill/train_head.py            # read states, cross-validate, write src/cjgen/data/label_head.npz
    python evals/distill/train_head.py --check    # cross-validate only
    python evals/distill/train_head.py --also evals/distill/implicit   # train on a further set too

The interviews here are written for training and are not eval cases. Each `NAME.labels.json` labels every
participant sentence of `NAME.txt|.md` (pain, delight, action, other) by id, as `cjgen.sentences` numbers them.
States are read exactly as a run reads them (`cjgen.label.labels_from_states`: the label prompt's interview,
redacted), so the head sees at training what it sees in use. The head is a multinomial logistic regression on
standardised states, fitted with Adam. Leaving out one writer's interviews at a time (the file name's prefix
before the first "-") chooses its strength of regularisation, the layer it reads, and which state of a sentence:
the mean over its tokens, its last token's, or both side by side.

The same file carries the axes a run reads what a sentence *means* along (`cjgen.readout.LabelHead.meanings`):
the layer's mean states, each interview's own mean taken out (what every sentence of one conversation shares),
scaled per unit, and the first MEANING_AXES principal axes of these, whitened, so that no one axis rules the
cosine between two moments. Grouping compares moments of different participants by it (`cjgen.group`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cjgen.ingest import load_transcripts
from cjgen.label import CHUNK_WORDS, chunk_turns, label_prompt, labelled, state_spans
from cjgen.local import PACKAGED_NAME
from cjgen.pipeline import _typed, open_runtime, redacted_source
from cjgen.readout import HEAD_FILE
from cjgen.schema import Transcript
from cjgen.sentences import Sentence, number_sentences

HERE = Path(__file__).parent
KINDS = ("pain", "delight", "action", "other")
FEATURES = ("mean", "last", "both")
LAYERS = (12, 16, 20, 23)  # of the embedded model's 28; the last one's output holds only what is asked
STRENGTHS = (0.1, 0.3, 1.0)
STEPS = 300
MEANING_AXES = 64

States = dict[str, np.ndarray]  # "mean12", "last12", ... → one row per sentence


def labelled_files(folders: Sequence[Path]) -> list[Path]:
    """The interviews of these folders that have a `.labels.json` beside them."""
    return sorted(
        p
        for folder in folders
        for p in folder.iterdir()
        if p.with_suffix(".labels.json").is_file() and p.suffix != ".json"
    )


def read_states(folders: Sequence[Path] = (HERE,)) -> tuple[States, np.ndarray, list[str], list[str]]:
    """(states by layer and kind, label index, writer, interview) for every labelled sentence of every
    interview in `folders`."""
    files = labelled_files(folders)
    loaded, pseudonyms = _typed(load_transcripts(files))
    runtime = open_runtime(backend="local")
    model = runtime.model
    rows: dict[str, list[np.ndarray]] = {
        f"{kind}{layer}": [] for kind in ("mean", "last") for layer in LAYERS
    }
    labels, writers, interviews = [], [], []
    for path, transcript in zip(files, loaded, strict=True):
        gold = {r["id"]: r["label"] for r in json.loads(path.with_suffix(".labels.json").read_text())}
        redacted = redacted_source(transcript, True, pseudonyms.label_names).redacted
        for wanted, read in chunk_states(model, redacted, LAYERS, only=gold.keys()):
            for layer in LAYERS:
                rows[f"mean{layer}"] += read.mean[layer]
                rows[f"last{layer}"] += read.last[layer]
            labels += [KINDS.index(gold[s.id]) for s in wanted]
            writers += [path.name.split("-")[0]] * len(wanted)
            interviews += [path.stem] * len(wanted)
        print(f"{path.name}: {len(labels)} sentences so far", file=sys.stderr, flush=True)
    return {k: np.array(r) for k, r in rows.items()}, np.array(labels), writers, interviews


def chunk_states(
    model: Any, redacted: Transcript, layers: Sequence[int], only: Collection[str] | None = None
) -> Iterator[tuple[list[Sentence], Any]]:
    """Per chunk of a (redacted) transcript as a run reads it, its labelled sentences (those with an id in
    `only`, where given) and their states at `layers`: the label prompt's interview evaluated once
    (`cjgen.label.labels_from_states`)."""
    for chunk in chunk_turns(redacted.turns, number_sentences(redacted), CHUNK_WORDS):
        wanted = [s for s in labelled(chunk) if only is None or s.id in only]
        if wanted:
            prompt = label_prompt(redacted, chunk)
            interview, spans = state_spans(prompt, wanted)
            yield wanted, model.read_states(prompt.system, interview, spans, layers)


def kept_states(
    path: Path | None, folders: Sequence[Path]
) -> tuple[States, np.ndarray, list[str], list[str]]:
    """`read_states` of `folders`, or what an earlier call kept in `path`; read states are kept there when
    it is given."""
    if path and path.is_file():
        with np.load(path) as saved:
            if "interviews" not in saved.files:
                raise SystemExit(f"{path} has no interview names (written by an older version): delete it")
            states = {k: saved[k] for k in saved.files if k not in ("labels", "writers", "interviews")}
            return states, saved["labels"], list(saved["writers"]), list(saved["interviews"])
    states, y, writers, interviews = read_states(folders)
    if path:
        arrays: dict[str, Any] = {
            "labels": y,
            "writers": np.array(writers),
            "interviews": np.array(interviews),
            **states,
        }
        np.savez_compressed(path, **arrays)
    return states, y, writers, interviews


def features(states: States, layer: int, feature: str) -> np.ndarray:
    """One row per sentence: the layer's mean state, last-token state, or both side by side."""
    parts = {"mean": ["mean"], "last": ["last"], "both": ["mean", "last"]}[feature]
    return np.concatenate([states[f"{part}{layer}"] for part in parts], axis=1)


def fit(x: np.ndarray, y: np.ndarray, strength: float) -> tuple[np.ndarray, ...]:
    x = x.astype(np.float64)
    centre, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - centre) / scale
    weights, bias = np.zeros((z.shape[1], len(KINDS))), np.zeros(len(KINDS))
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias)]
    target = np.eye(len(KINDS))[y]
    for step in range(1, STEPS + 1):
        p = softmax(z @ weights + bias)
        grads = (z.T @ (p - target) / len(z) + strength * weights, (p - target).mean(axis=0))
        for k, (param, grad) in enumerate(zip((weights, bias), grads, strict=True)):
            m, v = moments[2 * k], moments[2 * k + 1]
            m[:] = 0.9 * m + 0.1 * grad
            v[:] = 0.999 * v + 0.001 * grad * grad
            param -= 0.01 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return centre, scale, weights, bias


def predict(head: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    centre, scale, weights, bias = head
    return softmax(((x - centre) / scale) @ weights + bias)


def softmax(scores: np.ndarray) -> np.ndarray:
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Mann-Whitney AUC, ties counted half."""
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return float("nan")
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def meaning_axes(mean: np.ndarray, interviews: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(scale, axes): each interview's mean taken out, per-unit scale, then whitened principal axes."""
    x = mean.astype(np.float64)
    owner = np.array(interviews)
    for name in set(interviews):
        x[owner == name] -= x[owner == name].mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    z = x / scale
    _, spread, axes = np.linalg.svd(z - z.mean(axis=0), full_matrices=False)
    return scale, axes[:MEANING_AXES] * (np.sqrt(len(z)) / spread[:MEANING_AXES, None])


def cross_validate(x: np.ndarray, y: np.ndarray, writers: list[str], strength: float) -> dict[str, float]:
    held: dict[str, list[float]] = {k: [] for k in KINDS[:3]}
    for writer in sorted(set(writers)):
        out = np.array([w == writer for w in writers])
        p = predict(fit(x[~out], y[~out], strength), x[out])
        for k, kind in enumerate(KINDS[:3]):
            held[kind].append(auc(p[:, k], y[out] == k))
    return {kind: float(np.mean(v)) for kind, v in held.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="cross-validate only; write nothing")
    parser.add_argument(
        "--states", type=Path, help="an .npz of read states: reused if it exists, else written"
    )
    parser.add_argument(
        "--also",
        type=Path,
        action="append",
        default=[],
        help="a further folder of labelled interviews to train on (its file prefixes are further sets)",
    )
    args = parser.parse_args()
    states, y, writers, interviews = kept_states(args.states, [HERE, *args.also])
    print(f"{len(y)} sentences: " + ", ".join(f"{k} {int((y == i).sum())}" for i, k in enumerate(KINDS)))
    scores = {}
    for layer, feature, strength in itertools.product(LAYERS, FEATURES, STRENGTHS):
        by_kind = cross_validate(features(states, layer, feature), y, writers, strength)
        scores[layer, feature, strength] = by_kind
        held = ", ".join(f"{k} {v:.3f}" for k, v in by_kind.items())
        print(f"layer {layer}, {feature} state, L2 {strength}: held-out writer AUC {held}", flush=True)
    layer, feature, best = max(scores, key=lambda c: scores[c]["pain"] + scores[c]["delight"])
    if args.check:
        return
    x = features(states, layer, feature)
    centre, scale, weights, bias = fit(x, y, best)
    meaning_scale, axes = meaning_axes(states[f"mean{layer}"], interviews)
    target = Path(__file__).parents[2] / "src" / "cjgen" / "data" / HEAD_FILE
    np.savez_compressed(
        target,
        model=PACKAGED_NAME,
        layer=layer,
        feature=feature,
        centre=centre.astype(np.float32),
        scale=scale.astype(np.float32),
        weights=weights.astype(np.float32),
        bias=bias.astype(np.float32),
        # The head's usual answer, which a run takes as each kind's baseline (`cjgen.findings.calibrated`).
        baseline=predict((centre, scale, weights, bias), x).mean(axis=0)[:3].astype(np.float32),
        meaning_scale=meaning_scale.astype(np.float32),
        meaning_axes=axes.astype(np.float32),
    )
    print(f"wrote {target} (layer {layer}, {feature} state, L2 {best})")


if __name__ == "__main__":
    main()
