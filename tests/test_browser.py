"""End to end: a real `streamlit run app.py` on a free local port, driven by Debian's Chromium."""

from __future__ import annotations

import pytest

from e2e import ROOT, ask, launch_chromium, serve_app

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def server():
    with serve_app() as url:
        yield url


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
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)


def test_crisis_text_shows_urgent_box_above_results(server: str, page) -> None:
    ask(page, server, "everyone would be better off without me")
    urgent = page.get_by_text("Samaritans: call 116 123")
    urgent.wait_for(timeout=60_000)
    first_card = page.get_by_text("Why this was suggested").first
    first_card.wait_for(timeout=60_000)
    assert urgent.bounding_box()["y"] < first_card.bounding_box()["y"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "crisis.png"), full_page=True)
