"""The store (maps, versions, reviews, jobs) and the pure review/diff functions it builds on."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cjgen.errors import CjgenError, InputError, NotFound, VersionConflict
from cjgen.review import FieldChange, ItemRef, apply_review, diff_maps
from cjgen.schema import JourneyMap, PainPoint, Stage
from cjgen.store import Store
from factories import brief_only_map, sample_map

AT = datetime(2025, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'cjgen.sqlite3'}")


def _pain(journey: JourneyMap, item_id: str) -> PainPoint:
    return next(p for p in journey.pain_points if p.id == item_id)


# --------------------------------------------------------------------------------------------- review


def test_accept_sets_the_review_on_a_new_map_one_version_on() -> None:
    journey = sample_map()
    reviewed = apply_review(journey, "pp-fees", "accept", note="matches our data", reviewer="ana", at=AT)

    review = _pain(reviewed, "pp-fees").review
    assert (review.status, review.note, review.reviewer, review.at) == (
        "accepted",
        "matches our data",
        "ana",
        AT,
    )
    assert reviewed.version == journey.version + 1
    assert _pain(journey, "pp-fees").review.status == "pending", "the given map is left unchanged"
    assert _pain(reviewed, "pp-fees").evidence == _pain(journey, "pp-fees").evidence


def test_reject_stamps_the_time_in_utc() -> None:
    reviewed = apply_review(sample_map(), "dl-card", "reject", note="not a delight")
    review = next(d for d in reviewed.delights if d.id == "dl-card").review
    assert review.status == "rejected"
    assert review.at is not None and review.at.tzinfo is not None


def test_edit_changes_text_fields_and_keeps_evidence() -> None:
    journey = sample_map()
    edits: dict[str, Any] = {"statement": "Fees are hidden", "severity": 3, "stage_id": "apply"}
    reviewed = apply_review(journey, "pp-fees", "edit", edits=edits, reviewer="ana")

    pain = _pain(reviewed, "pp-fees")
    assert (pain.statement, pain.severity, pain.stage_id) == ("Fees are hidden", 3, "apply")
    assert pain.review.status == "edited"
    assert pain.evidence == _pain(journey, "pp-fees").evidence
    assert pain.basis == "observed"


def test_an_opportunitys_owner_and_metric_are_set_and_cleared_by_an_edit() -> None:
    reviewed = apply_review(
        sample_map(),
        "op-sole-trader-form",
        "edit",
        edits={"owner": "Forms team", "metric": "Drop-off at step 2"},
    )
    opportunity = next(o for o in reviewed.opportunities if o.id == "op-sole-trader-form")
    assert (opportunity.owner, opportunity.metric) == ("Forms team", "Drop-off at step 2")
    cleared = apply_review(reviewed, "op-sole-trader-form", "edit", edits={"owner": None})
    assert next(o for o in cleared.opportunities if o.id == "op-sole-trader-form").owner is None
    with pytest.raises(InputError) as caught:
        apply_review(
            sample_map(), "pp-fees", "edit", edits={"owner": "Web team"}
        )  # pain points have no owner
    assert caught.value.where == "edits.owner"


@pytest.mark.parametrize(
    ("item_id", "edits", "where"),
    [
        ("pp-fees", {"evidence": []}, "edits.evidence"),
        ("pp-fees", {"id": "pp-other"}, "edits.id"),
        ("pp-fees", {"basis": "assumption"}, "edits.basis"),
        ("pp-fees", {"stage_id": "nowhere"}, "edits.stage_id"),
        ("pp-fees", {"persona_ids": ["persona-ghost"]}, "edits.persona_ids"),
        ("pp-fees", {"severity": 7}, "edits.severity"),
        ("pp-fees", {"score": 1}, "edits.score"),  # pain points have no score
        ("em-use-persona-solo", {"score": 5}, "edits.score"),
        ("pp-fees", {}, "edits"),
    ],
)
def test_invalid_edits_are_input_errors_naming_the_field(
    item_id: str, edits: dict[str, Any], where: str
) -> None:
    with pytest.raises(InputError) as caught:
        apply_review(sample_map(), item_id, "edit", edits=edits)
    assert caught.value.where == where


def test_unknown_item_and_edits_with_accept_are_refused() -> None:
    with pytest.raises(InputError, match="no item 'pp-nope'") as caught:
        apply_review(sample_map(), "pp-nope", "accept")
    assert caught.value.where == "item_id"
    with pytest.raises(InputError, match="edits go with the decision 'edit'"):
        apply_review(sample_map(), "pp-fees", "accept", edits={"statement": "x"})


# --------------------------------------------------------------------------------------------- diff


def test_diff_of_a_map_with_itself_is_empty() -> None:
    journey = sample_map()
    diff = diff_maps(journey, journey)
    assert diff.empty
    assert (diff.from_version, diff.to_version) == (journey.version, journey.version)


def test_diff_shows_changed_fields_with_old_and_new_values() -> None:
    old = sample_map()
    new = apply_review(old, "pp-fees", "edit", edits={"statement": "Fees are hidden"}, note="shorter", at=AT)
    diff = diff_maps(old, new)

    assert not diff.added and not diff.removed and diff.stage_order is None
    [change] = diff.changed
    assert (change.id, change.type) == ("pp-fees", "pain_points")
    assert change.changes == [
        FieldChange(field="statement", old="Fees are hard to find and compare", new="Fees are hidden"),
        FieldChange(field="review.status", old="pending", new="edited"),
        FieldChange(field="review.note", old=None, new="shorter"),
    ]


def test_diff_reports_added_removed_items_stage_order_and_map_fields() -> None:
    old = sample_map()
    new = old.model_copy(deep=True)
    new.version = old.version + 1
    new.title = "Ledgerline, revised"
    new.stages = [new.stages[1], new.stages[0], *new.stages[2:]]
    new.pain_points = [p for p in new.pain_points if p.id != "pp-branch"]
    new.pain_points.append(PainPoint(id="pp-new", stage_id="use", statement="New pain", basis="assumption"))

    diff = diff_maps(old, new)
    assert diff.added == [ItemRef(id="pp-new", type="pain_points")]
    assert diff.removed == [ItemRef(id="pp-branch", type="pain_points")]
    assert diff.stage_order is not None
    assert diff.stage_order.old[:2] == ["research", "apply"]
    assert diff.stage_order.new[:2] == ["apply", "research"]
    assert diff.map_changes == [FieldChange(field="title", old=old.title, new="Ledgerline, revised")]
    assert diff_maps(old, new) == diff, "deterministic"


def test_adding_a_stage_is_not_a_reorder() -> None:
    old = brief_only_map()
    new = old.model_copy(deep=True)
    new.stages.append(Stage(id="repeat", name="Repeat order", basis="assumption"))
    diff = diff_maps(old, new)
    assert diff.stage_order is None
    assert diff.added == [ItemRef(id="repeat", type="stages")]


# --------------------------------------------------------------------------------------------- store


def test_map_round_trips_and_new_saves_are_new_versions(store: Store) -> None:
    journey = sample_map()
    assert store.save_map(journey, note="first") == 1
    assert store.get_map(journey.id) == journey.model_copy(update={"version": 1})

    changed = journey.model_copy(update={"title": "Second take"})
    assert store.save_map(changed) == 2
    assert store.get_map(journey.id).title == "Second take"
    assert store.get_map(journey.id).version == 2
    assert store.get_map(journey.id, version=1).title == journey.title
    assert [(v.version, v.note) for v in store.versions(journey.id)] == [(1, "first"), (2, None)]


def test_list_maps_newest_first(store: Store) -> None:
    store.save_map(sample_map())
    store.save_map(brief_only_map())
    listed = store.list_maps()
    assert [m.id for m in listed] == ["map-brief-only", "map-ledgerline-onboarding"]
    assert listed[1].latest_version == 1
    assert listed[1].map_type == "service-blueprint"
    assert listed[0].created_at.tzinfo is not None


def test_unknown_ids_raise_not_found(store: Store) -> None:
    store.save_map(sample_map())
    with pytest.raises(NotFound):
        store.get_map("map-missing")
    with pytest.raises(NotFound, match="no version 9"):
        store.get_map("map-ledgerline-onboarding", version=9)
    with pytest.raises(NotFound):
        store.versions("map-missing")
    with pytest.raises(NotFound):
        store.get_job("job-missing")
    with pytest.raises(NotFound):
        store.record_review("map-missing", "pp-fees", "accept")
    assert issubclass(NotFound, CjgenError)


def test_record_review_saves_a_version_and_an_event(store: Store) -> None:
    store.save_map(sample_map())
    reviewed = store.record_review(
        "map-ledgerline-onboarding", "pp-fees", "edit", edits={"severity": 3}, note="worse", reviewer="ana"
    )
    assert reviewed.version == 2
    assert store.get_map(reviewed.id) == reviewed
    assert _pain(store.get_map(reviewed.id, 1), "pp-fees").review.status == "pending"

    store.record_review(reviewed.id, "dl-card", "reject")
    events = store.review_events(reviewed.id)
    assert [(e.version, e.item_id, e.decision, e.reviewer) for e in events] == [
        (2, "pp-fees", "edit", "ana"),
        (3, "dl-card", "reject", None),
    ]
    assert events[0].edits == {"severity": 3}
    assert store.versions(reviewed.id)[-1].note == "review: reject dl-card"


def test_a_refused_review_changes_nothing(store: Store) -> None:
    store.save_map(sample_map())
    with pytest.raises(InputError):
        store.record_review("map-ledgerline-onboarding", "pp-fees", "edit", edits={"evidence": []})
    assert [v.version for v in store.versions("map-ledgerline-onboarding")] == [1]
    assert store.review_events("map-ledgerline-onboarding") == []


def test_concurrent_reviews_each_get_their_own_version(store: Store) -> None:
    journey = sample_map()
    store.save_map(journey)
    ids = [p.id for p in journey.pain_points]
    threads = [
        threading.Thread(target=store.record_review, args=(journey.id, item_id, "accept")) for item_id in ids
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latest = store.get_map(journey.id)
    assert latest.version == 1 + len(ids)
    assert {p.review.status for p in latest.pain_points} == {"accepted"}


def test_job_lifecycle(store: Store) -> None:
    job = store.create_job("map")
    assert (job.status, job.progress, job.map_id, job.error) == ("queued", 0.0, None, None)

    store.update_job(job.id, status="running", progress=0.5, message="extracting")
    assert store.update_job(job.id, progress=0.2).progress == 0.5, "progress never goes back"
    assert store.update_job(job.id, progress=7).progress == 1.0
    done = store.update_job(job.id, status="done", map_id="map-x", message="saved")
    assert store.get_job(job.id) == done
    assert (done.status, done.map_id, done.message) == ("done", "map-x", "saved")
    assert done.updated_at >= done.created_at

    failed = store.update_job(store.create_job("map").id, status="failed", error="model unreachable")
    assert (failed.status, failed.error) == ("failed", "model unreachable")


def test_in_memory_database_is_shared_between_threads() -> None:
    store = Store("sqlite://")
    job = store.create_job("map")
    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.append(store.get_job(job.id).status))
    thread.start()
    thread.join()
    assert seen == ["queued"]


def test_in_memory_writers_in_many_threads_do_not_share_a_transaction() -> None:
    # One connection serves every thread of an in-memory database: one thread's commit must not end another's.
    store = Store("sqlite://")
    jobs = [store.create_job("map").id for _ in range(4)]
    errors: list[BaseException] = []

    def write(job_id: str) -> None:
        try:
            for step in range(40):
                store.update_job(job_id, status="running", progress=step / 40, message=f"step {step}")
                store.put_part(job_id, f"part-{step}", "x" * 200)
                store.get_job(job_id)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(job_id,)) for job_id in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {store.get_job(job_id).progress for job_id in jobs} == {39 / 40}


def test_default_url_is_a_sqlite_file_in_the_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("platformdirs.user_data_dir", lambda name: str(tmp_path / "data" / name))
    store = Store()
    assert store.url == f"sqlite:///{tmp_path / 'data' / 'cjgen' / 'cjgen.sqlite3'}"
    store.save_map(brief_only_map())
    assert (tmp_path / "data" / "cjgen" / "cjgen.sqlite3").is_file()


# --------------------------------------------------------------------------------------------- owners, versions


def test_a_map_of_another_owner_is_not_found(store: Store) -> None:
    journey = sample_map()
    store.save_map(journey, owner="key-a")
    assert store.get_map(journey.id, owner="key-a").id == journey.id
    assert store.get_map(journey.id).id == journey.id, "no owner given: every map (admin, library)"
    for read in (store.get_map, store.versions, store.review_events, store.map_info):
        with pytest.raises(NotFound):
            read(journey.id, owner="key-b")
    with pytest.raises(NotFound):
        store.record_review(journey.id, "pp-fees", "accept", owner="key-b")
    with pytest.raises(NotFound):
        store.save_map(journey, owner="key-b")
    assert store.list_maps(owner="key-b") == []
    assert [m.id for m in store.list_maps(owner="key-a")] == [journey.id]


def test_a_map_and_a_job_without_an_owner_are_seen_only_without_an_owner(store: Store) -> None:
    journey = sample_map()
    store.save_map(journey)  # as made before maps had owners
    job = store.create_job("map")
    for read in (store.get_map, store.versions, store.review_events, store.map_info, store.get_job):
        with pytest.raises(NotFound):
            read(job.id if read == store.get_job else journey.id, owner="key-a")
    with pytest.raises(NotFound):
        store.save_map(journey, owner="key-a")
    assert store.list_maps(owner="key-a") == []
    assert [m.id for m in store.list_maps()] == [journey.id]
    assert store.get_job(job.id).id == job.id


def test_a_released_idempotency_key_makes_a_new_job(store: Store) -> None:
    first, _ = store.create_or_get_job("map", owner="key-a", idempotency_key="k")
    store.release_key(first.id)
    again, created = store.create_or_get_job("map", owner="key-a", idempotency_key="k")
    assert created and again.id != first.id
    assert store.get_job(first.id).idempotency_key is None


def test_a_review_based_on_an_old_version_is_a_conflict(store: Store) -> None:
    journey = sample_map()
    store.save_map(journey)
    store.record_review(journey.id, "pp-fees", "accept", expected_version=1)
    with pytest.raises(VersionConflict) as raised:
        store.record_review(journey.id, "dl-card", "reject", expected_version=1)
    assert (raised.value.expected, raised.value.latest) == (1, 2)
    assert store.get_map(journey.id).version == 2


def test_a_write_that_lost_the_race_is_applied_to_the_winner(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process writes version 2 between this review's read and its write: nothing is overwritten."""
    journey = sample_map()
    store.save_map(journey)
    other = Store(store.url)
    real_get = Store.get_map
    raced = []

    def get_then_lose(self: Store, map_id: str, version: int | None = None, **kw: Any) -> JourneyMap:
        current = real_get(self, map_id, version, **kw)
        if self is store and not raced:
            raced.append(other.record_review(map_id, "dl-card", "reject"))
        return current

    monkeypatch.setattr(Store, "get_map", get_then_lose)
    reviewed = store.record_review(journey.id, "pp-fees", "accept")
    assert reviewed.version == 3
    latest = real_get(store, journey.id)
    assert _pain(latest, "pp-fees").review.status == "accepted"
    assert next(d for d in latest.delights if d.id == "dl-card").review.status == "rejected"
    with pytest.raises(VersionConflict):
        monkeypatch.setattr(Store, "get_map", real_get)
        store.record_review(journey.id, "pp-fees", "reject", expected_version=2)


def test_cancelled_and_failed_jobs_stay_so(store: Store) -> None:
    job = store.create_job("map")
    store.update_job(job.id, status="cancelled", only_if=("queued", "running"))
    late = store.update_job(job.id, status="done", map_id="map-x", only_if=("running",))
    assert (late.status, late.map_id) == ("cancelled", None)


def test_unfinished_jobs_of_a_silent_worker_fail(store: Store) -> None:
    alive = store.create_job("map", worker="alive", lease_s=60)
    silent = store.create_job("map", worker="silent", lease_s=0.01)
    overdue = store.create_job("map", worker="alive", lease_s=60, deadline_s=0.01)
    done = store.create_job("map", worker="silent", lease_s=0.01)
    store.update_job(done.id, status="done")
    time.sleep(0.05)
    store.renew_leases("alive", 60)
    assert sorted(store.fail_stale_jobs()) == sorted([silent.id, overdue.id])
    assert store.get_job(alive.id).status == "queued"
    assert "restart or crash" in (store.get_job(silent.id).error or "")
    assert "time limit" in (store.get_job(overdue.id).error or "")
    assert store.get_job(done.id).status == "done"


def test_an_idempotency_key_returns_the_earlier_job(store: Store) -> None:
    first, created = store.create_or_get_job("map", owner="key-a", idempotency_key="k", request_hash="h")
    again, created_again = store.create_or_get_job("map", owner="key-a", idempotency_key="k")
    other, created_other = store.create_or_get_job("map", owner="key-b", idempotency_key="k")
    assert created and not created_again and created_other
    assert again.id == first.id != other.id
    assert again.request_hash == "h"
    assert store.get_job(first.id, owner="key-a").id == first.id
    with pytest.raises(NotFound):
        store.get_job(first.id, owner="key-b")


# --------------------------------------------------------------------------------------------- migrations


def test_migrations_make_the_schema_the_code_expects(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    from cjgen.store import _Base

    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    Store(url).close()
    with create_engine(url).connect() as connection:
        context = MigrationContext.configure(connection)
        assert context.get_current_revision() == "0004"
        assert compare_metadata(context, _Base.metadata) == []


def test_a_database_made_before_migrations_is_upgraded_in_place(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    old_schema = (
        "CREATE TABLE maps (id VARCHAR(200) PRIMARY KEY, title TEXT NOT NULL, map_type VARCHAR(40) NOT NULL,"
        " latest_version INTEGER NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)",
        "CREATE TABLE map_versions (map_id VARCHAR(200) NOT NULL REFERENCES maps (id), version INTEGER NOT NULL,"
        " json TEXT NOT NULL, created_at DATETIME NOT NULL, note TEXT, PRIMARY KEY (map_id, version))",
        "CREATE TABLE review_events (id INTEGER PRIMARY KEY, map_id VARCHAR(200) NOT NULL, version INTEGER NOT NULL,"
        " item_id VARCHAR(200) NOT NULL, decision VARCHAR(20) NOT NULL, note TEXT, reviewer VARCHAR(200),"
        " edits TEXT, at DATETIME NOT NULL)",
        "CREATE TABLE jobs (id VARCHAR(64) PRIMARY KEY, kind VARCHAR(40) NOT NULL, status VARCHAR(20) NOT NULL,"
        " progress FLOAT NOT NULL, message TEXT NOT NULL, map_id VARCHAR(200), error TEXT,"
        " created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)",
        "INSERT INTO jobs VALUES ('old-job', 'map', 'running', 0.5, 'extract', NULL, NULL,"
        " '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
    )
    with engine.begin() as connection:
        for statement in old_schema:
            connection.execute(text(statement))
    engine.dispose()
    store = Store(url)
    assert store.get_job("old-job").status == "running"
    assert store.fail_stale_jobs() == ["old-job"], "a job from before leases has no live worker"
    store.save_map(sample_map(), owner="key-a")
    assert store.list_maps(owner="key-a")[0].owner == "key-a"


def test_a_revision_records_the_job_that_made_it_so_a_rerun_can_tell(store: Store) -> None:
    journey = sample_map()
    store.save_map(journey, note="generated")
    assert not store.revised_by(journey.id, "job-1")
    revised, _ = store.record_revision(journey.id, journey, job_id="job-1")
    assert revised.version == 2
    assert store.revised_by(journey.id, "job-1")
    assert not store.revised_by(journey.id, "job-2")
