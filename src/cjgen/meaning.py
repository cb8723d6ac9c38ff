"""How alike two texts are in meaning, by a small static embedding model that ships inside a package.

Shared words say two answers are about the same thing only when people use the same words; "I want to talk to a
person" and "I like that I don't have to talk to anyone" share one. A static embedding (WordLlama's 256-dimension
`l2_supercat`, token vectors distilled from a large model's, averaged per text) places such texts close together
at a cost of microseconds per text and no model call. Its weights and tokenizer are part of the `wordllama`
wheel, so nothing is downloaded: they are loaded from the installed package, once per process.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from cjgen.errors import ModelError

WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
_lock = threading.Lock()


@cache
def _model() -> Any:
    try:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
        from wordllama.inference import WordLlamaInference
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ModelError("cjgen needs the `wordllama` package: reinstall cjgen") from exc
    root = Path(wordllama.__file__).parent
    weights, tokenizer = root / WEIGHTS, root / TOKENIZER
    missing = [str(p) for p in (weights, tokenizer) if not p.is_file()]
    if missing:
        raise ModelError(
            f"{', '.join(missing)}: the installed wordllama package lacks its model; reinstall it"
        )
    with safe_open(str(weights), framework="np", device="cpu") as f:
        embedding = f.get_tensor("embedding.weight")
    return WordLlamaInference(embedding, Tokenizer.from_file(str(tokenizer)), binary=False)


def similarities(texts: Sequence[str]) -> list[list[float]]:
    """Pairwise cosine similarity of the texts' embeddings (1.0 on the diagonal, except for a text with nothing
    to embed, which is 0.0 to everything)."""
    if not texts:
        return []
    import numpy as np

    with _lock:
        vectors = np.asarray(_model().embed(list(texts), norm=False), dtype=np.float64)
    lengths = np.linalg.norm(vectors, axis=1, keepdims=True)
    # A text with no known token (empty, or punctuation only) has no direction: alike to nothing.
    unit = np.divide(vectors, lengths, out=np.zeros_like(vectors), where=lengths > 0)
    return [[float(x) for x in row] for row in unit @ unit.T]
