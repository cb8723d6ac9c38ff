"""Whiteboard stickies: every quote in exactly one group, stable ids, only reviewed items by default."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from cjgen.board import BOARD_COLUMNS, quote_id, to_board
from cjgen.cli import app
from cjgen.render import render
from cjgen.review import apply_review
from cjgen.schema import JourneyMap
from factories import empty_map, sample_map


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def accepted(journey: JourneyMap, *item_ids: str) -> JourneyMap:
    for item_id in item_ids:
        journey = apply_review(journey, item_id, "accept")
    return journey


def test_only_accepted_and_edited_items_by_default() -> None:
    journey = sample_map()
    board = rows(to_board(journey))
    reviewed = {i.id for i in journey.items() if i.review.status in ("accepted", "edited")}
    on_board = {r["item"] for r in board if r["type"] == "item"}
    # Personas and stages are the board's frame, not stickies.
    assert on_board == reviewed - {p.id for p in journey.personas} - {s.id for s in journey.stages}
    assert on_board  # the sample has accepted and edited lane items
    assert "pp-address" not in {r["item"] for r in rows(to_board(journey, include_pending=True))}


def test_include_pending_adds_unreviewed_items_never_rejected() -> None:
    journey = sample_map()
    journey.pain_points[2].review.status = "needs-review"
    assert "pp-silence" not in {r["id"] for r in rows(to_board(journey))}
    board = rows(to_board(journey, include_pending=True))
    statuses = {r["status"] for r in board}
    assert statuses == {"pending", "accepted", "edited", "needs-review"}
    assert "pp-fees" in {r["id"] for r in board}


def test_every_quote_sits_in_exactly_one_group() -> None:
    journey = sample_map()
    board = rows(to_board(journey, include_pending=True))
    quotes = [r for r in board if r["type"] == "quote"]
    assert len({r["id"] for r in quotes}) == len(quotes)
    placed = [p for p in board if p["type"] == "item"]
    cited = {quote_id(e) for i in journey.items() if i.id in {p["id"] for p in placed} for e in i.evidence}
    assert {r["id"] for r in quotes} >= cited
    # A passage backing several items names the others, so no link is lost.
    shared = next(r for r in quotes if r["also_backs"])
    assert shared["item"] not in shared["also_backs"].split("; ")


def test_rows_carry_group_participant_and_source() -> None:
    board = rows(to_board(sample_map(), include_pending=True))
    assert list(board[0]) == list(BOARD_COLUMNS)
    fees = next(r for r in board if r["id"] == "pp-fees")
    assert (fees["group"], fees["lane"], fees["colour"]) == ("Research · Pain points", "Pain points", "red")
    assert fees["text"] == "Fees are hard to find and compare (severity 2/3)"
    quote = next(r for r in board if r["type"] == "quote" and r["item"] == "pp-fees")
    assert quote["group"] == "Research · Pain points"
    assert quote["participant"] in {"P1", "P3", "P4"} and quote["source"].startswith(quote["participant"])
    assert quote["turn"].isdigit() and quote["text"].startswith('"')


def test_groups_follow_stage_order_then_lanes() -> None:
    journey = sample_map()
    groups = list(dict.fromkeys(r["stage"] for r in rows(to_board(journey, include_pending=True))))
    names = [s.name for s in journey.stages]
    assert [g for g in groups if g in names] == [n for n in names if n in groups]


def test_ids_are_stable_across_versions_and_reviews() -> None:
    journey = sample_map()
    before = rows(to_board(journey, include_pending=True))
    after = rows(to_board(accepted(journey, "pp-fees", "pp-sync"), include_pending=True))
    assert [r["id"] for r in before] == [r["id"] for r in after]


def test_formulas_stay_text() -> None:
    journey = accepted(sample_map(), "pp-fees")
    journey.pain_points[0].statement = "=HYPERLINK(1)"
    fees = next(r for r in rows(to_board(journey)) if r["id"] == "pp-fees")
    assert fees["text"].startswith("'=")


def test_empty_map_is_the_header() -> None:
    assert to_board(empty_map()).splitlines() == [",".join(BOARD_COLUMNS)]


def test_cli_exports_a_saved_map_as_a_board(tmp_path: Path) -> None:
    saved = tmp_path / "map.json"
    saved.write_text(render(accepted(sample_map(), "pp-fees"), "json"), encoding="utf-8")
    result = CliRunner().invoke(app, ["export", str(saved), "-o", str(tmp_path / "map.board.csv")])
    assert result.exit_code == 0, result.output
    board = rows((tmp_path / "map.board.csv").read_text(encoding="utf-8"))
    assert "pp-fees" in {r["id"] for r in board}
    assert "pp-sync" not in {r["id"] for r in board}
    result = CliRunner().invoke(
        app, ["export", str(saved), "-f", "board", "--include-pending", "-o", str(tmp_path / "all.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "pp-sync" in {r["id"] for r in rows((tmp_path / "all.csv").read_text(encoding="utf-8"))}


def test_cli_names_a_file_that_is_not_a_map(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "m"}', encoding="utf-8")
    result = CliRunner().invoke(app, ["export", str(bad), "-f", "board"])
    assert result.exit_code == 2
    assert "bad.json: title" in result.output and "cjgen map -f json" in result.output
