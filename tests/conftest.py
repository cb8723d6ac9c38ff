"""Tests never reach a network or a real model, except those marked `local_model` (the embedded model).

Sockets are disabled by pytest-socket (see pyproject addopts); building a real backend is refused here too,
and every test gets its own cache dir.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "evals" / "cases"


@pytest.fixture(autouse=True)
def isolated(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_model = request.node.get_closest_marker("local_model") is not None
    if not real_model:  # the embedded model stays joined in the user cache dir; everything else is per test
        monkeypatch.setenv("CJGEN_CACHE_DIR", str(tmp_path / "cache"))
    for name in (
        "OPENAI_API_KEY",
        "CJGEN_API_KEY",
        "CJGEN_BASE_URL",
        "OPENAI_BASE_URL",
        "CJGEN_BACKEND",
        "CJGEN_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)
    if not real_model:

        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("tests must inject a scripted model; real model backends are off")

        monkeypatch.setattr("cjgen.pipeline.make_model", refuse)


@pytest.fixture
def bike() -> Path:
    return CASES / "bike-subscription"
