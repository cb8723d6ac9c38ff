"""A study's participant list: who was recruited into which group, with what attributes.

Real studies recruit by known groups (new and long-time customers, staff and clients, …). Given such a list,
the map's personas are those groups, exactly; without one, personas are inferred. The list is a CSV file
(commas, semicolons or tabs) or an Excel sheet with a header (`id`, `group`, then any attribute columns), or a
YAML file: a list of `{id, group, …}` mappings, or a mapping from each group to its ids. Ids are participant ids as cjgen reads them (`cjgen inspect` shows them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cjgen.errors import InputError
from cjgen.ingest.files import decode, read_bytes
from cjgen.ingest.table import Rows, sheet_rows, table_rows

SUFFIXES = (".csv", ".xlsx", ".yaml", ".yml")
ID_KEYS = ("id", "participant", "participant_id", "pid")
GROUP_KEYS = ("group", "persona", "segment", "cohort")
MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class Participant:
    id: str
    group: str
    attributes: dict[str, str] = field(default_factory=dict)


def load_participants(path: Path | str) -> list[Participant]:
    """Read a participant list (see the module doc); every problem names the file, the row and the field."""
    path = Path(path)
    where = str(path)
    raw = read_bytes(path, SUFFIXES, "participants")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        sheets = [rows for rows in sheet_rows(raw, where).values() if rows]
        listed = next((rows for rows in sheets if _names_columns(rows)), sheets[0] if sheets else [])
        return participants_from(_table(listed, where, "row"), where)
    text = decode(raw, where, "the participant list")
    rows = (
        _table(table_rows(text, suffix, where), where, "line")
        if suffix == ".csv"
        else _yaml_rows(text, where)
    )
    return participants_from(rows, where)


def participants_from(
    rows: Iterable[tuple[str, Mapping[str, Any]]], where: str = "participants"
) -> list[Participant]:
    """Participants from (row name, mapping) pairs, checked: one group per id, no empty id or group."""
    found: dict[str, Participant] = {}
    for row, values in rows:
        keys = {str(k).strip().casefold(): v for k, v in values.items() if k is not None}
        pid = _field(keys, ID_KEYS, where, row)
        group = _field(keys, GROUP_KEYS, where, row)
        if pid in found and found[pid].group != group:
            raise InputError(where, f"{row}: participant '{pid}' is in two groups; give each id one group")
        attributes = {k: _text(v) for k, v in keys.items() if k not in ID_KEYS + GROUP_KEYS and _text(v)}
        found[pid] = Participant(pid, group, attributes)
    if not found:
        raise InputError(where, "lists no participants; give rows with an 'id' and a 'group'")
    return list(found.values())


def _text(value: Any) -> str:
    return " ".join(str(value).split())[:MAX_VALUE_CHARS] if value is not None else ""


def _field(values: Mapping[str, Any], keys: tuple[str, ...], where: str, row: str) -> str:
    value = next((_text(values[k]) for k in keys if k in values), "")
    if not value:
        raise InputError(where, f"{row}: no '{keys[0]}' given; every row needs an 'id' and a 'group'")
    return value


def _names_columns(rows: Rows) -> bool:
    header = {cell.strip().casefold() for cell in rows[0][1]} if rows else set()
    return bool(header & set(ID_KEYS) and header & set(GROUP_KEYS))


def _table(rows: Rows, where: str, unit: str) -> list[tuple[str, Mapping[str, Any]]]:
    """A table's rows as mappings from its header's column names (its first row)."""
    if not _names_columns(rows):
        raise InputError(where, "the first line must name the columns, with 'id' and 'group' among them")
    header = rows[0][1]
    return [(f"{unit} {n}", dict(zip(header, cells, strict=False))) for n, cells in rows[1:]]


def _yaml_rows(text: str, where: str) -> list[tuple[str, Mapping[str, Any]]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(where, f"is not valid YAML ({exc}); see the participants file format") from None
    if isinstance(data, Mapping):
        # {group: [id, …]}
        rows: list[tuple[str, Mapping[str, Any]]] = []
        for group, ids in data.items():
            if not isinstance(ids, list):
                raise InputError(where, f"group '{group}': give a list of participant ids")
            rows += [(f"group '{group}'", {"id": pid, "group": group}) for pid in ids]
        return rows
    if isinstance(data, list) and all(isinstance(item, Mapping) for item in data):
        return [(f"item {n}", item) for n, item in enumerate(data, start=1)]
    raise InputError(where, "give a list of {id, group} mappings, or a mapping from each group to its ids")
