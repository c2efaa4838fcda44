"""End to end: a real `streamlit run app.py` on a free local port, driven by Debian's Chromium."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from e2e import ROOT, ask, launch_chromium, serve_app
from signpost import present

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"
#: Worry without a plain statement of intent: the committed model rates it "concern" (tests/test_safety.py).
CONCERN_TEXT = "some days I wonder if everyone would cope fine without me"


@pytest.fixture(scope="module")
def server():
    with serve_app() as app:
        yield app.url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    yield page
    page.close()


def test_typing_a_problem_shows_the_expected_resources(server: str, page) -> None:
    ask(page, server, "I'm a GP in serious debt after losing my job")
    page.get_by_role("heading", name="The Cameron Fund").wait_for(timeout=60_000)
    assert page.get_by_text("Why this was suggested").first.is_visible()
    levels = page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1])")
    assert levels[0] == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels  # no skipped level
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('input,textarea,select,button')]"
        ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.innerText.trim()"
        " && e.type !== 'hidden' && e.offsetParent !== null).length"
    )
    assert unlabelled == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)


def test_crisis_text_shows_urgent_box_above_results(server: str, page) -> None:
    ask(page, server, "I can't go on, I want to end my life tonight")
    urgent = page.locator("text=Samaritans: call 116 123 >> visible=true").first  # not the collapsed "Need help now?"
    urgent.wait_for(timeout=60_000)
    first_card = page.get_by_text("Why this was suggested").first
    first_card.wait_for(timeout=60_000)
    assert urgent.bounding_box()["y"] < first_card.bounding_box()["y"]
    assert not page.get_by_text(present.CONCERN_LINE).is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "crisis.png"), full_page=True)


@pytest.mark.parametrize(
    ("text", "calm_line"),
    [(CONCERN_TEXT, True), ("how do I apply for less than full time training", False)],
)
def test_concern_shows_the_calm_line_and_none_shows_neither(server: str, page, text: str, calm_line: bool) -> None:
    ask(page, server, text)
    page.get_by_text("Why this was suggested").first.wait_for(timeout=60_000)
    assert page.get_by_text(present.CONCERN_LINE).is_visible() is calm_line
    assert not page.locator("text=Samaritans: call 116 123 >> visible=true").count()  # never the urgent box


def test_ctrl_enter_submits(server: str, page) -> None:
    page.goto(server)
    box = page.get_by_role("textbox", name="What's going on?")
    box.wait_for(timeout=60_000)
    box.fill("addicted to codeine and scared")
    box.press("Control+Enter")
    page.get_by_role("heading", name="Sick Doctors Trust").wait_for(timeout=60_000)


def test_html_and_script_are_shown_as_text(server: str, page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> bullied at work"
    ask(page, server, hostile)
    page.get_by_text("Why this was suggested").first.wait_for(timeout=60_000)
    assert page.get_by_role("textbox", name="What's going on?").input_value() == hostile
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []


def test_a_filter_changes_the_results(server: str, page) -> None:
    ask(page, server, "anxious and low, not sleeping")
    page.get_by_role("heading", name="NHS Practitioner Health").wait_for(timeout=60_000)
    page.get_by_role("combobox", name="Where you work").click()
    page.get_by_role("option", name="Wales").click()
    page.keyboard.press("Escape")
    page.get_by_role("heading", name="Canopi").wait_for(timeout=60_000)
    page.get_by_role("heading", name="NHS Practitioner Health").wait_for(state="detached", timeout=60_000)


@pytest.mark.parametrize("width", [375, 320])  # a phone, and a 1280-px screen at 400 % zoom
def test_narrow_screens_have_no_horizontal_scroll(server: str, browser, width: int) -> None:
    phone = browser.new_page(viewport={"width": width, "height": 812}, device_scale_factor=2, is_mobile=True)
    ask(phone, server, "I'm a GP in serious debt after losing my job")
    phone.get_by_text("Why this was suggested").first.wait_for(timeout=60_000)
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"narrow-{width}.png"), full_page=True)
    phone.close()
    assert overflow <= 0


def test_every_request_stays_on_the_local_server(server: str, page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    ask(page, server, "burnt out and dreading every shift")
    page.get_by_text("Why this was suggested").first.wait_for(timeout=60_000)
    outside = [url for url in requests if not url.startswith((server, "data:", "blob:"))]
    assert requests and outside == []


def test_the_server_is_warm_before_anyone_connects() -> None:
    """`signpost app` loads the model and index as it starts, not on the first search."""
    with serve_app() as app:
        deadline = time.monotonic() + 120
        while "ready: model and index loaded" not in app.output() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "ready: model and index loaded" in app.output(), app.output()[-2000:]


def test_question_back_reranks_in_place(server: str, page) -> None:
    text = "anxious and low, not sleeping"  # no place named, and England's NHS Practitioner Health fits
    ask(page, server, text)
    page.get_by_role("heading", name="NHS Practitioner Health").wait_for(timeout=60_000)
    where = page.get_by_role("radiogroup", name=present.WHERE_QUESTION)
    where.wait_for(timeout=10_000)
    assert page.get_by_role("radiogroup", name=present.WHO_QUESTION).is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "question-back.png"), full_page=True)
    where.get_by_role("radio", name="Wales").click()
    canopi = page.get_by_role("heading", name="Canopi")
    canopi.wait_for(timeout=60_000)
    names = page.evaluate("[...document.querySelectorAll('h4')].map(h => h.innerText.trim())")
    assert "NHS Practitioner Health" not in names, names  # England's own service, below every Welsh and UK one
    assert page.get_by_role("textbox", name="What's going on?").input_value() == text  # same page, same text
    assert page.get_by_text("For doctors in Wales").first.is_visible()  # the answer is read as the text would be


def test_the_list_downloads_as_plain_text_without_the_words_typed(server: str, page) -> None:
    text = "I'm being investigated by the GMC and I can't sleep"
    ask(page, server, text)
    page.get_by_text("Why this was suggested").first.wait_for(timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("button", name=present.DOWNLOAD_LABEL).click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "signpost-suggestions.txt"
    first = page.evaluate("document.querySelector('h4').innerText.trim()")
    assert saved.splitlines()[2].startswith(f"1. {first}")
    for needle in ("   Why: Helps with: ", "   Phone: 020 7383 6707", "   Website: https://", "Samaritans"):
        assert needle in saved
    assert text not in saved


def test_phone_numbers_are_tel_links(server: str, page) -> None:
    ask(page, server, "I'm being investigated by the GMC and I can't sleep")
    link = page.locator("a[href='tel:02073836707']").first
    link.wait_for(timeout=60_000)
    assert link.inner_text().startswith("020 7383 6707")
