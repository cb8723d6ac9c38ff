"""The service's reviewer changes and revisions, over the scripted gold model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cjgen.schema import JourneyMap
from oracle import GoldOracle
from test_service import BRIEF, CASE, make_client, runtime_factory, wait_for


def whole(name: str) -> dict[str, str]:
    return {"name": name, "content": (CASE / "transcripts" / name).read_text(encoding="utf-8")}


FIRST_FIVE = [whole(n) for n in ("P1.txt", "P2.txt", "P3.txt", "P4.txt", "P5.vtt")]
# Without P5, whose moments join findings P2 and P3 share: a revision that adds it changes accepted items.
ALL_BUT_P5 = [whole(n) for n in ("P1.txt", "P2.txt", "P3.txt", "P4.txt", "P6.srt")]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    oracle = GoldOracle(CASE)
    with make_client(tmp_path, runtime_factory(oracle.model)) as client:
        yield client


def made(client: TestClient, transcripts: list[dict[str, str]] = FIRST_FIVE) -> JourneyMap:
    queued = client.post("/v1/maps", json={"brief": BRIEF, "transcripts": transcripts})
    job = wait_for(client, queued.json()["id"])
    assert job["status"] == "done", job
    return JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())


def post(client: TestClient, path: str, body: dict[str, Any], version: int) -> Any:
    return client.post(path, json=body, headers={"If-Match": f'"{version}"'})


def test_left_out_lists_and_attaches_with_if_match(client: TestClient) -> None:
    journey = made(client)
    listed = client.get(f"/v1/maps/{journey.id}/left-out").json()
    assert listed["strong_sentences"] == journey.provenance.strong_sentences
    first = listed["participants"][0]["sentences"][0]
    target = next(p for p in journey.pain_points if p.evidence).id
    url = f"/v1/maps/{journey.id}/left-out/{first['id']}/attach"
    done = post(client, url, {"item_id": target, "note": "same problem"}, journey.version)
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == f'"{journey.version + 1}"'
    item = next(p for p in done.json()["pain_points"] if p["id"] == target)
    assert item["evidence"][-1]["quote"] == first["evidence"]["quote"]
    # A second tab still on the old version is told, not silently overwritten.
    stale = post(client, url, {"item_id": target}, journey.version)
    assert stale.status_code == 409
    events = client.get(f"/v1/maps/{journey.id}/reviews").json()
    assert [(e["decision"], e["item_id"], e["note"]) for e in events] == [("attach", target, "same problem")]


def test_a_new_item_from_a_left_out_sentence(client: TestClient) -> None:
    journey = made(client)
    sentence = journey.left_out[0]
    stage = journey.stages[0].id
    done = post(client, f"/v1/maps/{journey.id}/left-out/{sentence.id}/item", {"stage_id": stage}, 1)
    assert done.status_code == 200, done.text
    revised = JourneyMap.model_validate(done.json())
    kind = revised.pain_points if sentence.label == "pain" else revised.delights
    assert kind[-1].evidence == [sentence.evidence]
    url = f"/v1/maps/{journey.id}/left-out/{journey.left_out[1].id}/item"
    bad = post(client, url, {"stage_id": "nowhere"}, 2)
    assert bad.status_code == 422 and "'nowhere' is not a stage" in bad.text
    used = post(client, f"/v1/maps/{journey.id}/left-out/{sentence.id}/item", {"stage_id": stage}, 2)
    assert used.status_code == 422 and "has no left-out sentence" in used.text


def test_merge_split_and_quotes(client: TestClient) -> None:
    journey = made(client)
    a, b = [p for p in journey.pain_points if p.evidence][:2]
    merged = post(client, f"/v1/maps/{journey.id}/merge", {"item_ids": [a.id, b.id]}, 1).json()
    keys = [e.key() for e in JourneyMap.model_validate(merged).pain_points[0].evidence]
    assert b.id not in {p["id"] for p in merged["pain_points"]}
    split = post(client, f"/v1/maps/{journey.id}/items/{a.id}/split", {"quotes": keys[-1:]}, 2)
    assert split.status_code == 200, split.text
    removed = post(client, f"/v1/maps/{journey.id}/items/{a.id}/quotes/{keys[0]}/remove", {}, 3)
    assert removed.status_code == 200, removed.text
    assert [e["decision"] for e in client.get(f"/v1/maps/{journey.id}/reviews").json()] == [
        "merge",
        "split",
        "remove-quote",
    ]


def test_a_revision_with_one_more_interview_keeps_decisions(client: TestClient) -> None:
    journey = made(client, ALL_BUT_P5)
    version = journey.version
    for item in [p for p in journey.pain_points if p.evidence]:
        reviewed = post(
            client, f"/v1/maps/{journey.id}/items/{item.id}/review", {"decision": "accept"}, version
        )
        assert reviewed.status_code == 200, reviewed.text
        version += 1
    queued = client.post(f"/v1/maps/{journey.id}/revisions", json={"transcripts": [whole("P5.vtt")]})
    assert queued.status_code == 202, queued.text
    job = wait_for(client, queued.json()["id"])
    assert (job["status"], job["map_id"]) == ("done", journey.id), job
    revised = JourneyMap.model_validate(client.get(f"/v1/maps/{journey.id}").json())
    assert revised.version == version + 1
    assert "P5.vtt" in {f.path for f in revised.provenance.inputs}
    statuses = [p.review.status for p in revised.pain_points]
    assert "accepted" in statuses and "needs-review" in statuses
    (revision,) = client.get(f"/v1/maps/{journey.id}/revisions").json()
    assert revision["edits"]["inputs_added"] == ["P5.vtt"]
    assert {c["id"] for c in revision["edits"]["needs_review"]} == {
        p.id for p in revised.pain_points if p.review.status == "needs-review"
    }
    diff = client.get(f"/v1/maps/{journey.id}/diff").json()
    assert diff["from_version"] == version and diff["changed"]


def test_the_participant_list_makes_the_personas_and_a_revision_keeps_it(client: TestClient) -> None:
    listed = [
        {"id": f"P{n}", "group": group, "attributes": {"recruited": "panel"}}
        for n, group in [
            (1, "Commuters"),
            (2, "Commuters"),
            (3, "Commuters"),
            (4, "Families"),
            (5, "Families"),
        ]
    ]
    queued = client.post("/v1/maps", json={"brief": BRIEF, "transcripts": FIRST_FIVE, "participants": listed})
    job = wait_for(client, queued.json()["id"])
    assert job["status"] == "done", job
    journey = JourneyMap.model_validate(client.get(f"/v1/maps/{job['map_id']}").json())
    groups = {p.name: sorted(p.participant_ids) for p in journey.personas}
    assert groups == {"Commuters": ["P1", "P2", "P3"], "Families": ["P4", "P5"]}
    # A revision given no list runs with the map's own; its new participant is in no group of it.
    queued = client.post(f"/v1/maps/{journey.id}/revisions", json={"transcripts": [whole("P6.srt")]})
    assert wait_for(client, queued.json()["id"])["status"] == "done"
    revised = JourneyMap.model_validate(client.get(f"/v1/maps/{journey.id}").json())
    groups = {p.name: sorted(p.participant_ids) for p in revised.personas}
    assert groups["Commuters"] == ["P1", "P2", "P3"] and groups["Families"] == ["P4", "P5"]
    assert "P6" in [pid for ids in groups.values() for pid in ids]


def test_a_revision_of_an_unknown_map_is_404(client: TestClient) -> None:
    response = client.post("/v1/maps/map-nope/revisions", json={"transcripts": [whole("P6.srt")]})
    assert response.status_code == 404


def test_a_revision_replaces_an_interview_of_the_same_name(client: TestClient) -> None:
    journey = made(client)
    shorter = whole("P5.vtt")
    shorter["content"] = "\n\n".join(shorter["content"].split("\n\n")[:12]) + "\n"
    queued = client.post(f"/v1/maps/{journey.id}/revisions", json={"transcripts": [shorter]})
    job = wait_for(client, queued.json()["id"])
    assert job["status"] == "done", job
    revised = JourneyMap.model_validate(client.get(f"/v1/maps/{journey.id}").json())
    assert [f.path for f in revised.provenance.inputs if f.kind == "transcript"].count("P5.vtt") == 1
    (revision,) = client.get(f"/v1/maps/{journey.id}/revisions").json()
    assert revision["edits"]["inputs_replaced"] == ["P5.vtt"] and revision["edits"]["inputs_added"] == []
