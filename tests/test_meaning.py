"""Likeness in meaning, by the static embedding the `wordllama` wheel ships (no download, no model call)."""

from __future__ import annotations

import pytest

from cjgen import meaning
from cjgen.errors import ModelError
from cjgen.wording import content_words


def test_texts_that_say_one_thing_in_other_words_are_alike_and_unrelated_ones_are_not() -> None:
    same = ("The app keeps crashing on my phone", "The mobile application freezes constantly")
    unrelated = ("The invoice never shows the tax", "My daughter rides it to school now")
    assert not content_words(same[0]) & content_words(same[1])  # no shared word to go by
    alike = meaning.similarities(same)[0][1]
    apart = meaning.similarities(unrelated)[0][1]
    assert alike > 0.3 > 0.1 > apart


def test_the_matrix_is_square_and_symmetric_with_ones_on_the_diagonal() -> None:
    texts = ["Nobody ever called me back", "I never got a reply from anyone", "The bike is great"]
    sim = meaning.similarities(texts)
    assert len(sim) == 3 and all(len(row) == 3 for row in sim)
    assert all(abs(sim[k][k] - 1.0) < 1e-5 for k in range(3))
    assert all(abs(sim[i][j] - sim[j][i]) < 1e-6 for i in range(3) for j in range(3))
    assert meaning.similarities([]) == []


def test_a_text_with_nothing_to_embed_is_alike_to_nothing() -> None:
    sim = meaning.similarities(["", "The bike is great"])
    assert sim[0] == [0.0, 0.0] and sim[1][0] == 0.0


def test_a_package_without_its_model_files_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    meaning._model.cache_clear()
    monkeypatch.setattr(meaning, "WEIGHTS", "weights/missing.safetensors")
    try:
        with pytest.raises(ModelError, match=r"missing\.safetensors.*reinstall"):
            meaning.similarities(["a text"])
    finally:
        meaning._model.cache_clear()
