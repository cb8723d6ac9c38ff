"""Maps written by an older version still load, from a file and from the database.

Older versions marked each quote `repaired` (a model's near-miss quote snapped to the source) and counted
repaired and interviewer quotes; quotes are now cited only by sentence id, so those fields are dropped on load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy

from cjgen.mapfile import load_map
from cjgen.schema import JourneyMap
from cjgen.store import Store
from factories import sample_map


def _as_written_before(journey: JourneyMap) -> str:
    """The map's JSON as an older version wrote it: `repaired` on every quote, and its grounding counts."""

    def mark(node: Any) -> Any:
        if isinstance(node, dict):
            marked = {k: mark(v) for k, v in node.items()}
            return {**marked, "repaired": True} if "quote" in node and "turn_index" in node else marked
        if isinstance(node, list):
            return [mark(v) for v in node]
        return node

    data = mark(journey.model_dump(mode="json"))
    data["provenance"]["grounding"].update(repaired=2, interviewer_rejected=1)
    return json.dumps(data)


def test_an_older_map_file_loads_without_the_retired_fields(tmp_path: Path) -> None:
    journey = sample_map()
    older = _as_written_before(journey)
    assert older.count('"repaired": true') >= sum(len(item.evidence) for item in journey.items()) > 0
    path = tmp_path / "map.json"
    path.write_text(older, encoding="utf-8")
    loaded = load_map(path)
    assert loaded == journey
    assert "repaired" not in loaded.model_dump_json()


def test_an_older_map_in_the_database_loads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cjgen.sqlite3'}"
    store = Store(url)
    version = store.save_map(sample_map())
    journey = store.get_map(sample_map().id)
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sqlalchemy.text("UPDATE map_versions SET json = :json WHERE map_id = :id AND version = :version"),
            {"json": _as_written_before(journey), "id": journey.id, "version": version},
        )
    engine.dispose()
    assert store.get_map(journey.id) == journey
