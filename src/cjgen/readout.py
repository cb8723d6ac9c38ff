"""Sentence labels read from the interview's own forward pass, with no question asked.

The embedded model evaluates each interview once; one layer's hidden state over each participant sentence
goes through a small linear head (multinomial logistic regression) that says how likely the sentence is a
problem, a good moment, an action or none of these. The head ships with the package
(`data/label_head.npz`); it was trained by `evals/distill/train_head.py` on labelled interviews that are not eval
cases, and it fits the packaged model only: any other model is asked the label questions instead.

The same pass gives each sentence a short vector of what it means (`LabelHead.meanings`): its mean state along
a few dozen axes that tell the training interviews' sentences apart, once what every sentence of one
conversation shares is taken out (`centred`). Two participants' moments about the same thing lie close in it,
closer than their words or a static embedding tell (measured in evals/README.md), so grouping uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

HEAD_FILE = "label_head.npz"


@dataclass(frozen=True)
class LabelHead:
    model: str  # the model whose hidden states it reads
    layer: int  # the layer whose output it reads
    feature: str  # "mean", "last" or "both": which state of a sentence it reads
    centre: Any
    scale: Any
    weights: Any  # hidden width (× 2 for "both") by the four kinds
    bias: Any
    baseline: tuple[float, float, float]  # its mean pain, delight and action probability over its training
    version: str  # a digest of the file, part of every cache key
    meaning_scale: Any = None  # per hidden unit; None: the file gives no meanings
    meaning_axes: Any = None  # axes by hidden width

    def probabilities(self, mean: Sequence[Any], last: Sequence[Any]) -> list[list[float]]:
        """Per sentence, the probability of each kind (pain, delight, action, other)."""
        import numpy as np

        if not len(mean):
            return []
        parts = {"mean": [mean], "last": [last], "both": [mean, last]}[self.feature]
        states = np.concatenate([np.asarray(p, dtype=np.float64) for p in parts], axis=1)
        scores = ((states - self.centre) / self.scale) @ self.weights + self.bias
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return [[float(p) for p in row] for row in scores / scores.sum(axis=1, keepdims=True)]

    def meanings(self, mean: Sequence[Any]) -> list[list[float]] | None:
        """Per sentence, its mean state along the meaning axes (not yet centred on its interview), or None
        where the head has no axes."""
        import numpy as np

        if self.meaning_axes is None:
            return None
        if not len(mean):
            return []
        states = np.asarray(mean, dtype=np.float64) / self.meaning_scale
        return [[round(float(v), 4) for v in row] for row in states @ self.meaning_axes.T]


def centred(vectors: Sequence[Sequence[float]]) -> list[tuple[float, ...]]:
    """Each vector less the mean of all of them: one interview's meanings, without what they all share."""
    if not vectors:
        return []
    width = len(vectors[0])
    mean = [sum(v[k] for v in vectors) / len(vectors) for k in range(width)]
    return [tuple(v[k] - mean[k] for k in range(width)) for v in vectors]


@cache
def label_head() -> LabelHead | None:
    """The shipped head, or None where the package has none."""
    found = resources.files("cjgen") / "data" / HEAD_FILE
    if not found.is_file():
        return None
    return head_from(found.read_bytes())


def head_from(raw: bytes) -> LabelHead:
    """A head from the bytes of its `.npz` file (what `evals/distill/train_head.py` writes)."""
    import hashlib
    import io

    import numpy as np

    with np.load(io.BytesIO(raw)) as data:
        return LabelHead(
            model=str(data["model"]),
            layer=int(data["layer"]),
            feature=str(data["feature"]),
            centre=data["centre"],
            scale=data["scale"],
            weights=data["weights"],
            bias=data["bias"],
            baseline=(float(data["baseline"][0]), float(data["baseline"][1]), float(data["baseline"][2])),
            version=hashlib.sha256(raw).hexdigest()[:16],
            meaning_scale=data["meaning_scale"] if "meaning_scale" in data.files else None,
            meaning_axes=data["meaning_axes"] if "meaning_axes" in data.files else None,
        )
