"""First-use set-up of the embedded model: joining its packaged parts, checking them, and loading the model.

On a fresh install the model's 22 packaged parts are joined into the cache dir once and checked against
their SHA-256; every run then loads the joined file. This measures both from an empty cache dir (a new
temporary one, so the user's cache is not touched), next to a baseline measured in the same run: copying the
same parts into one file without hashing them (what the disk allows), so the join's cost shows as a ratio
whatever this machine's speed today. The figures are set against the requirement: first-use set-up within
60 s.

    python benchmarks/bench_setup.py [--out benchmarks/results/setup-DATE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from datetime import date
from pathlib import Path

from cjgen.local import _CHUNK, _part_files, load_local_model, packaged_model_path
from cjgen.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 60.0  # the most first-use set-up may take


def copy_parts(target: Path) -> tuple[float, int]:
    """Seconds to copy every part into one file, unhashed, and the bytes copied: the disk's share of the join."""
    started = time.perf_counter()
    size = 0
    with target.open("wb") as out:
        for part in _part_files():
            with part.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    size += out.write(chunk)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / f"setup-{date.today()}.json"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cjgen-setup-") as folder:
        cache = Path(folder)
        read_s, size = copy_parts(cache / "baseline.bin")
        started = time.perf_counter()
        model = packaged_model_path(cache)
        join_s = time.perf_counter() - started
        started = time.perf_counter()
        packaged_model_path(cache)
        again_s = time.perf_counter() - started
        chat = load_local_model(Settings(cache_dir=cache))
        load_s = chat.load_seconds
        joined = model.stat().st_size
    record = {
        "date": str(date.today()),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()} {platform.release()}",
        "model_bytes": joined,
        "parts_bytes_copied": size,
        "copy_parts_s": round(read_s, 2),
        "join_and_check_s": round(join_s, 2),
        "join_over_copy": round(join_s / read_s, 2) if read_s else None,
        "already_joined_s": round(again_s, 4),
        "model_load_s": round(load_s, 2),
        "first_use_s": round(join_s + load_s, 2),
        "limit_s": LIMIT_S,
        "within_limit": join_s + load_s <= LIMIT_S,
    }
    print(f"model: {joined / 1e9:.2f} GB in {len(_part_files())} parts")
    print(f"copy the parts, unhashed (baseline): {read_s:6.2f} s")
    print(f"join and check SHA-256:          {join_s:6.2f} s  ({record['join_over_copy']}x the copy)")
    print(f"second run (already joined):     {again_s:6.4f} s")
    print(f"load the model:                  {load_s:6.2f} s")
    print(f"first-use set-up:                {join_s + load_s:6.2f} s  (limit {LIMIT_S:.0f} s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
