"""Refresh the README's screenshot: the real app answering a real question in Debian's Chromium."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from playwright.sync_api import sync_playwright

from e2e import ask, launch_chromium, serve_app

QUESTION = "ST4 in Cardiff, drinking too much and behind on rent"


def main(target: str) -> None:
    with serve_app() as app, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1100, "height": 1500})
        ask(page, app.url, QUESTION)
        page.get_by_text("Why this was suggested").first.wait_for(timeout=60_000)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=target, full_page=False)
        browser.close()
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")
