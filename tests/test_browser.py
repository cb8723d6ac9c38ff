"""The review page in a real browser: Debian's Chromium driven by selenium, against a served map.

Skipped when Chromium or its driver is not installed (`.ci/run` installs both); nothing is downloaded.
The map comes from the bike case run with the scripted gold model, and the revision adds its sixth interview.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from cjgen.pipeline import open_runtime
from cjgen.schema import JourneyMap
from cjgen.service import create_app
from cjgen.service.local import free_port
from cjgen.settings import Settings
from cjgen.store import Store
from oracle import GoldOracle

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="needs Debian's chromium and chromium-driver"),
    pytest.mark.enable_socket,
    pytest.mark.allow_hosts(["127.0.0.1"]),
    pytest.mark.timeout(300),
]
if CHROMIUM and DRIVER:
    from selenium import webdriver
    from selenium.common.exceptions import (
        NoSuchElementException,
        StaleElementReferenceException,
        WebDriverException,
    )
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.ui import Select, WebDriverWait

CASE = Path(__file__).resolve().parents[1] / "evals" / "cases" / "bike-subscription"
KEY = "browser-test-key"
# P5 comes later: its moments join findings P2 and P3 share, so the revision changes accepted items.
FIRST_FIVE = ("P1.txt", "P2.txt", "P3.txt", "P4.txt", "P6.srt")


@dataclass
class Served:
    base: str
    journey: JourneyMap

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, headers={"X-API-Key": KEY}, timeout=60)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The service on a free port of 127.0.0.1, holding a map of the first five interviews."""
    oracle = GoldOracle(CASE)

    def runtime() -> object:
        return open_runtime(model=oracle.model(), use_cache=False)

    store = Store(f"sqlite:///{tmp_path / 'service.sqlite3'}")
    app = create_app(Settings(api_keys=KEY, rate_limit_per_minute=0), runtime_factory=runtime, store=store)  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=60) as api:
            transcripts = [
                {"name": n, "content": (CASE / "transcripts" / n).read_text(encoding="utf-8")}
                for n in FIRST_FIVE
            ]
            brief = (CASE / "brief.md").read_text(encoding="utf-8")
            job = finished(api, api.post("/v1/maps", json={"brief": brief, "transcripts": transcripts}))
            journey = JourneyMap.model_validate(api.get(f"/v1/maps/{job['map_id']}").json())
        yield Served(base, journey)
    finally:
        server.should_exit = True
        thread.join(10)


def finished(api: httpx.Client, queued: httpx.Response) -> dict[str, object]:
    """The job the request queued, once it is over."""
    assert queued.status_code == 202, queued.text
    deadline = time.monotonic() + 120
    while (job := api.get(f"/v1/jobs/{queued.json()['id']}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == "done", job
    return dict(job)


def browser() -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,1400"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(DRIVER))


@pytest.fixture
def open_browser() -> Iterator[Callable[[], WebDriver]]:
    drivers: list[WebDriver] = []

    def start() -> WebDriver:
        drivers.append(browser())
        return drivers[-1]

    yield start
    for driver in drivers:
        driver.quit()


def wait(driver: WebDriver, what: Callable[[WebDriver], object], seconds: float = 30) -> object:
    # A reload may replace an element between finding and reading it: that is "not yet", not a failure.
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)).until(what)


def sign_in(driver: WebDriver, served: Served) -> None:
    driver.get(f"{served.base}/review/{served.journey.id}")
    driver.find_element(By.ID, "key").send_keys(KEY)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    ready(driver)
    assert "key" not in driver.current_url and KEY not in driver.current_url


def ready(driver: WebDriver) -> None:
    """The page is loaded and its controls are in place."""
    wait(driver, lambda d: "reviewing" in (d.find_element(By.TAG_NAME, "body").get_attribute("class") or ""))


def version(driver: WebDriver) -> int:
    return int(
        driver.find_element(By.CSS_SELECTOR, 'meta[name="cjgen-review"]').get_attribute("data-version") or 0
    )


def until_version(driver: WebDriver, wanted: int) -> None:
    wait(driver, lambda d: _version_or_none(d) == wanted)
    ready(driver)


def _version_or_none(driver: WebDriver) -> int | None:
    try:
        return version(driver)
    except (StaleElementReferenceException, NoSuchElementException):  # the page is reloading
        return None
    except WebDriverException as exc:
        # Chromium's driver reports an element of the page being replaced this way too, mid-reload.
        if "does not belong to the document" in str(exc):
            return None
        raise


def card(driver: WebDriver, item_id: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'article[data-item="{item_id}"]')


def press(element: WebElement, label: str, *, keyboard: bool = False) -> None:
    """Press the button with this label inside `element`: a click, or focus and Enter."""
    found = next(b for b in element.find_elements(By.TAG_NAME, "button") if b.text == label)
    if keyboard:
        found.send_keys(Keys.ENTER)
    else:
        found.click()


def status_of(driver: WebDriver, item_id: str) -> str:
    """The item's review status as shown (the tag is styled in capitals)."""
    return card(driver, item_id).find_element(By.CSS_SELECTOR, ".status-tag").text.lower()


def history(driver: WebDriver) -> list[str]:
    return [li.text for li in driver.find_elements(By.CSS_SELECTOR, "li.history-event")]


def test_accept_edit_attach_reload_and_see_versions_and_history(
    served: Served, open_browser: Callable[[], WebDriver], tmp_path: Path
) -> None:
    driver = open_browser()
    sign_in(driver, served)
    start = version(driver)
    first, second = [p.id for p in served.journey.pain_points if p.evidence][:2]

    press(card(driver, first), "Accept", keyboard=True)
    until_version(driver, start + 1)
    assert "accepted" in status_of(driver, first)
    # After the reload the keyboard is back on the item it was on.
    assert driver.switch_to.active_element.get_attribute("class") == "act-accept"
    assert first == driver.execute_script("return document.activeElement.closest('article').dataset.item")

    press(card(driver, second), "Edit…", keyboard=True)
    statement = driver.switch_to.active_element  # the form opens with its first field focused
    assert statement.get_attribute("name") == "statement"
    statement.send_keys(Keys.CONTROL, "a")
    statement.send_keys("Support answers come a day late")
    press(card(driver, second), "Save edit", keyboard=True)
    until_version(driver, start + 2)
    assert "Support answers come a day late" in card(driver, second).text

    sentence = driver.find_element(By.CSS_SELECTOR, "li[data-sentence]")
    sentence_id = sentence.get_attribute("data-sentence")
    Select(sentence.find_element(By.CSS_SELECTOR, "select")).select_by_value(first)
    press(sentence, "Attach as evidence")
    until_version(driver, start + 3)

    driver.refresh()
    ready(driver)
    assert version(driver) == start + 3
    assert f"version {start + 3}" in driver.find_element(By.ID, "review-h").text
    assert not driver.find_elements(By.CSS_SELECTOR, f'li[data-sentence="{sentence_id}"]')
    events = history(driver)
    assert [e.split()[1] for e in events] == ["attach", "edit", "accept"]
    assert "statement → Support answers come a day late" in events[1]
    shot = os.environ.get("CJGEN_REVIEW_SCREENSHOT") or str(tmp_path / "review.png")
    driver.execute_script("document.getElementById('review').scrollIntoView()")
    driver.save_screenshot(shot)


def test_an_opportunitys_owner_is_filled_in_on_the_page(
    served: Served, open_browser: Callable[[], WebDriver]
) -> None:
    """The map leaves an opportunity's owner and metric empty; the reviewer fills them in."""
    driver = open_browser()
    sign_in(driver, served)
    start = version(driver)
    opportunity = next(o for o in served.journey.opportunities if o.owner is None and o.metric is None)
    press(card(driver, opportunity.id), "Edit…")
    card(driver, opportunity.id).find_element(By.NAME, "owner").send_keys("Support team")
    press(card(driver, opportunity.id), "Save edit")
    until_version(driver, start + 1)
    assert "Support team" in card(driver, opportunity.id).text
    with served.api() as api:
        stored = JourneyMap.model_validate(api.get(f"/v1/maps/{served.journey.id}").json())
    edited = next(o for o in stored.opportunities if o.id == opportunity.id)
    assert (edited.owner, edited.metric, edited.review.status) == ("Support team", None, "edited")


def test_a_personas_goals_are_edited_one_a_line_on_the_page(
    served: Served, open_browser: Callable[[], WebDriver]
) -> None:
    """Goals are found by their words, so a passing one may be shown; the reviewer rewrites the list."""
    driver = open_browser()
    sign_in(driver, served)
    start = version(driver)
    persona = served.journey.personas[0]
    press(card(driver, persona.id), "Edit…")
    goals = card(driver, persona.id).find_element(By.NAME, "goals")
    goals.send_keys(Keys.CONTROL, "a")
    goals.send_keys("Get to work on time", Keys.ENTER, "  ", Keys.ENTER, "Pay one price all year")
    press(card(driver, persona.id), "Save edit")
    until_version(driver, start + 1)
    assert "Pay one price all year" in card(driver, persona.id).text
    with served.api() as api:
        stored = JourneyMap.model_validate(api.get(f"/v1/maps/{served.journey.id}").json())
    edited = next(p for p in stored.personas if p.id == persona.id)
    assert (edited.goals, edited.review.status) == (
        ["Get to work on time", "Pay one price all year"],
        "edited",
    )


def test_a_revision_keeps_decisions_and_flags_an_item_for_re_review(
    served: Served, open_browser: Callable[[], WebDriver]
) -> None:
    driver = open_browser()
    sign_in(driver, served)
    accepted = [p.id for p in served.journey.pain_points if p.evidence]
    for n, item_id in enumerate(accepted, start=1):
        press(card(driver, item_id), "Accept")
        until_version(driver, served.journey.version + n)
    with served.api() as api:
        later = CASE / "transcripts" / "P5.vtt"
        added = {"name": later.name, "content": later.read_text(encoding="utf-8")}
        finished(api, api.post(f"/v1/maps/{served.journey.id}/revisions", json={"transcripts": [added]}))
    driver.refresh()
    ready(driver)
    assert version(driver) == served.journey.version + len(accepted) + 1
    tags = {
        item_id: status_of(driver, item_id)
        for item_id in accepted
        if driver.find_elements(By.CSS_SELECTOR, f'article[data-item="{item_id}"]')
    }
    assert any("accepted" in t for t in tags.values()), tags
    assert any("needs re-review" in t for t in tags.values()), tags
    revise = history(driver)[0]
    assert (
        revise.split()[1] == "revise" and "inputs added: P5.vtt" in revise and "needs re-review: " in revise
    )


def test_two_sessions_edit_one_item_and_neither_edit_is_lost(
    served: Served, open_browser: Callable[[], WebDriver]
) -> None:
    first, second = open_browser(), open_browser()
    sign_in(first, served)
    sign_in(second, served)
    item_id = next(p.id for p in served.journey.pain_points if p.evidence)
    start = version(first)

    def edit(driver: WebDriver, wording: str) -> None:
        press(card(driver, item_id), "Edit…")
        box = card(driver, item_id).find_element(By.CSS_SELECTOR, 'textarea[name="statement"]')
        box.clear()
        box.send_keys(wording)
        press(card(driver, item_id), "Save edit")

    edit(first, "Wording from the first tab")
    until_version(first, start + 1)
    edit(second, "Wording from the second tab")  # this page still shows the version before
    status = second.find_element(By.ID, "review-status")
    wait(second, lambda d: "Not saved" in status.text)
    assert f"now at version {start + 1}" in status.text
    assert version(second) == start  # nothing reloaded under the reviewer's feet
    press(status, f"Apply my change to version {start + 1}")
    until_version(second, start + 2)
    first.refresh()
    ready(first)
    edits = [e for e in history(first) if e.split()[1] == "edit"]
    assert any("Wording from the first tab" in e for e in edits)
    assert any("Wording from the second tab" in e for e in edits)
    assert "Wording from the second tab" in card(first, item_id).text


def test_merge_split_move_and_remove_quotes_from_the_page(
    served: Served, open_browser: Callable[[], WebDriver]
) -> None:
    driver = open_browser()
    sign_in(driver, served)
    start = version(driver)
    pains = [p for p in served.journey.pain_points if len(p.evidence) >= 2]
    a, b = pains[0].id, pains[1].id

    for item_id in (a, b):
        card(driver, item_id).find_element(By.CSS_SELECTOR, "input.select-merge").click()
    driver.find_element(By.ID, "merge-selected").click()
    until_version(driver, start + 1)
    assert not driver.find_elements(By.CSS_SELECTOR, f'article[data-item="{b}"]')

    press(card(driver, a), "Split…")
    form = card(driver, a).find_element(By.CSS_SELECTOR, "form.split-form")
    form.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    form.find_element(By.CSS_SELECTOR, "input[name=text]").send_keys("Split off in the browser")
    press(form, "Split off the chosen quotes")
    until_version(driver, start + 2)
    assert "Split off in the browser" in driver.page_source

    card(driver, a).find_element(By.CSS_SELECTOR, "details.evidence summary").click()  # open the quotes
    quote = card(driver, a).find_element(By.CSS_SELECTOR, "li[data-quote]")
    key = quote.get_attribute("data-quote")
    target = pains[2].id
    Select(quote.find_element(By.CSS_SELECTOR, "select")).select_by_value(target)
    press(quote, "Move quote")
    until_version(driver, start + 3)
    assert card(driver, target).find_elements(By.CSS_SELECTOR, f'li[data-quote="{key}"]')

    card(driver, target).find_element(By.CSS_SELECTOR, "details.evidence summary").click()
    moved = card(driver, target).find_element(By.CSS_SELECTOR, f'li[data-quote="{key}"]')
    press(moved, "Remove quote")
    until_version(driver, start + 4)
    assert not card(driver, target).find_elements(By.CSS_SELECTOR, f'li[data-quote="{key}"]')
    assert [e.split()[1] for e in history(driver)] == ["remove-quote", "move-quote", "split", "merge"]
