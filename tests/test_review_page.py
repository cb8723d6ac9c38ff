"""The review page as served: sign-in without a key in a URL, a strict policy, CSRF-safe changes, history."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from cjgen.schema import JourneyMap
from cjgen.service import create_app
from cjgen.service.deps import owner_of
from cjgen.service.local import open_review, store_path
from cjgen.service.routes.page import PAGE_POLICY
from cjgen.settings import Settings
from cjgen.store import Store
from factories import sample_map

KEY = "reviewer-key-1"
MAP_ID = "map-ledgerline-onboarding"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = Store(f"sqlite:///{tmp_path / 'service.sqlite3'}")
    app = create_app(Settings(api_keys=KEY, rate_limit_per_minute=0), store=store)
    store.save_map(sample_map(), owner=owner_of(KEY.encode()))
    with TestClient(app) as client:
        yield client


def signed_in(client: TestClient) -> str:
    """Sign in through the form; the page's CSRF token."""
    response = client.post(
        "/review/login",
        content=f"key={KEY}&next=/review/{MAP_ID}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == f"/review/{MAP_ID}"
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=strict" in response.headers["set-cookie"].lower()
    page = client.get(f"/review/{MAP_ID}")
    assert page.status_code == 200
    found = re.search(r'data-csrf="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_the_page_asks_for_the_key_in_a_form_not_a_url(client: TestClient) -> None:
    response = client.get(f"/review/{MAP_ID}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/review/login")
    form = client.get(response.headers["location"])
    assert 'method="post"' in form.text and 'type="password"' in form.text
    wrong = client.post(
        "/review/login", content="key=nope", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert wrong.status_code == 401 and "Unknown API key" in wrong.text


def test_the_page_runs_no_inline_script_and_ships_its_own_files(client: TestClient) -> None:
    signed_in(client)
    page = client.get(f"/review/{MAP_ID}")
    assert page.headers["content-security-policy"] == PAGE_POLICY
    assert (
        "script-src 'self';" in PAGE_POLICY
        and "unsafe-inline" not in PAGE_POLICY.split("script-src")[1].split(";")[0]
    )
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)  # every script is a file
    assert re.findall(r'<script src="([^"]+)"', page.text) == [
        "/review/static/map.js",
        "/review/static/review.js",
    ]
    for name in ("map.js", "review.js", "map.css", "review.css"):
        assert client.get(f"/review/static/{name}").status_code == 200
    assert client.get("/review/static/map.html.j2").status_code == 404
    assert "cdn" not in client.get("/review/static/review.js").text.lower()


def test_changes_need_the_sessions_csrf_token_and_if_match(client: TestClient) -> None:
    csrf = signed_in(client)
    url = f"/v1/maps/{MAP_ID}/items/pp-fees/review"
    without = client.post(url, json={"decision": "accept"}, headers={"If-Match": '"1"'})
    assert without.status_code == 403 and "X-CSRF-Token" in without.text
    done = client.post(url, json={"decision": "accept"}, headers={"If-Match": '"1"', "X-CSRF-Token": csrf})
    assert done.status_code == 200 and done.headers["etag"] == '"2"'
    stale = client.post(url, json={"decision": "reject"}, headers={"If-Match": '"1"', "X-CSRF-Token": csrf})
    assert stale.status_code == 409 and stale.headers["etag"] == '"2"'
    page = client.get(f"/review/{MAP_ID}").text
    assert "version 2" in page and 'class="action">accept</b>' in page


def test_history_shows_who_when_and_the_edit(client: TestClient) -> None:
    csrf = signed_in(client)
    headers = {"If-Match": '"1"', "X-CSRF-Token": csrf}
    body = {
        "decision": "edit",
        "edits": {"statement": "Fees are hidden"},
        "note": "clearer",
        "reviewer": "Maria",
    }
    assert (
        client.post(f"/v1/maps/{MAP_ID}/items/pp-fees/review", json=body, headers=headers).status_code == 200
    )
    page = client.get(f"/review/{MAP_ID}").text
    event = page.split('class="history-event"')[1].split("</li>")[0]
    assert "Maria (key-" in event and "statement → Fees are hidden" in event and "clearer" in event
    assert "<time datetime=" in event


def test_the_standalone_export_stays_read_only(client: TestClient) -> None:
    signed_in(client)
    exported = client.get(f"/v1/maps/{MAP_ID}/export/html").text
    assert "review.js" not in exported and 'name="cjgen-review"' not in exported
    assert 'http-equiv="Content-Security-Policy"' in exported


def test_cjgen_review_opens_with_a_launch_link_and_keeps_decisions_next_to_the_map(tmp_path: Path) -> None:
    map_file = tmp_path / "map.json"
    map_file.write_text(sample_map().model_dump_json(), encoding="utf-8")
    local = open_review(map_file)
    assert store_path(map_file).exists()
    with TestClient(local.app) as client:
        assert client.get(f"/review/{MAP_ID}", follow_redirects=False).status_code == 303
        assert client.get("/review/open?token=wrong").status_code == 403
        opened = client.get(f"/review/open?token={local.token}", follow_redirects=False)
        assert opened.headers["location"] == f"/review/{MAP_ID}"  # the token stays out of the address bar
        page = client.get(opened.headers["location"])
        csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        version = local.opened_version
        assert f'data-version="{version}"' in page.text
        headers = {"If-Match": f'"{version}"', "X-CSRF-Token": csrf}
        assert (
            client.post(
                f"/v1/maps/{MAP_ID}/items/pp-fees/review", json={"decision": "accept"}, headers=headers
            ).status_code
            == 200
        )
    assert local.reviewed() is not None and local.reviewed().version == version + 1  # type: ignore[union-attr]
    # Opened again (a new server, a new key): the decisions are still there.
    again = open_review(map_file)
    assert again.latest().pain_points[0].review.status == "accepted"


def test_a_revised_map_file_becomes_the_stores_next_version(tmp_path: Path) -> None:
    map_file = tmp_path / "map.json"
    map_file.write_text(sample_map().model_dump_json(), encoding="utf-8")
    first = open_review(map_file)
    stored = first.latest()
    revised = stored.model_copy(update={"version": stored.version + 1, "summary": "With a sixth interview."})
    map_file.write_text(revised.model_dump_json(), encoding="utf-8")
    again = open_review(map_file)
    assert again.latest().version == stored.version + 1
    assert again.latest().summary == "With a sixth interview."
    # An older file than the store (the store has decisions the file lacks) does not go back in time.
    map_file.write_text(stored.model_dump_json(), encoding="utf-8")
    assert open_review(map_file).latest().version == stored.version + 1


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
@pytest.mark.timeout(120)
def test_cjgen_review_in_one_command_writes_the_reviewed_map_back(tmp_path: Path) -> None:
    map_file = tmp_path / "map.json"
    map_file.write_text(sample_map().model_dump_json(), encoding="utf-8")
    command = [
        sys.executable,
        "-c",
        "from cjgen.cli import app; app()",
        "review",
        str(map_file),
        "--no-browser",
    ]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        shown = ""
        while "open " not in shown:
            line = server.stderr.readline()
            assert line, "cjgen review stopped before it printed its link"
            shown += line
        link = re.search(r"http://127\.0\.0\.1:\d+/review/open\?token=\S+", shown)
        assert link, shown
        with httpx.Client(follow_redirects=True, timeout=30) as browser:
            page = browser.get(link.group(0))
            assert page.status_code == 200 and "token" not in str(page.url)
            csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            version = int(re.search(r'data-version="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
            base = str(page.url).split("/review/")[0]
            done = browser.post(
                f"{base}/v1/maps/{MAP_ID}/items/pp-fees/review",
                json={"decision": "accept"},
                headers={"If-Match": f'"{version}"', "X-CSRF-Token": csrf},
            )
            assert done.status_code == 200, done.text
    finally:
        server.send_signal(signal.SIGINT)
        _, rest = server.communicate(timeout=30)
    assert "wrote version" in rest, shown + rest
    written = JourneyMap.model_validate_json(map_file.read_text(encoding="utf-8"))
    assert written.version == version + 1
    assert next(p for p in written.pain_points if p.id == "pp-fees").review.status == "accepted"
