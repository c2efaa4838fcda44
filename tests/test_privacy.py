"""A query is never kept: a unique marker searched through the CLI, the API and the real app is
found nowhere afterwards, in logs or in any file written under the repository, temp or home."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from e2e import ask, launch_chromium, serve_app
from signpost.config import PROJECT_ROOT

pytestmark = pytest.mark.browser


def _files_written_since(roots: list[Path], since: float) -> list[Path]:
    found = []
    for root in roots:
        for folder, _, names in os.walk(root, onerror=lambda _: None):
            if "/proc" in folder or "/.venv/" in f"{folder}/":
                continue
            for name in names:
                path = Path(folder) / name
                try:
                    if path.is_file() and path.stat().st_mtime >= since:
                        found.append(path)
                except OSError:
                    continue
    return found


def test_marker_query_leaves_no_trace(searcher) -> None:
    marker = f"zq{uuid.uuid4().hex}"
    text = f"{marker} I am drinking too much and behind on rent"
    since = time.time() - 1

    searcher.search(text)  # the API
    cli = subprocess.run(
        [sys.executable, "-m", "signpost", "search", "--json", "-"], input=text.encode(), capture_output=True
    )
    assert cli.returncode == 0 and marker not in cli.stderr.decode()

    from playwright.sync_api import sync_playwright

    with serve_app(keep_log=True) as app, sync_playwright() as playwright:  # the real app, typed in a real browser
        browser = launch_chromium(playwright)
        page = browser.new_page()
        ask(page, app.url, text)
        page.get_by_text("Why this was suggested").first.wait_for(timeout=60_000)
        browser.close()
    control = Path(tempfile.gettempdir()) / f"signpost-control-{uuid.uuid4().hex}.txt"
    control.write_text(f"control {marker[::-1]}")  # proves the search below would find a leak
    roots = [PROJECT_ROOT, Path(tempfile.gettempdir()), Path.home()]
    written = _files_written_since(roots, since)
    try:
        assert [p for p in written if marker[::-1].encode() in p.read_bytes()] == [control]
        assert any(p.name.startswith("signpost-streamlit-") for p in written)  # the app server's own log
        leaks = [p for p in written if marker.encode() in p.read_bytes()]
        assert leaks == []
    finally:
        control.unlink()
        for log in Path(tempfile.gettempdir()).glob("signpost-streamlit-*.log"):
            log.unlink()
