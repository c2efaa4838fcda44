"""Helpers to run the real app and a real browser, shared by the browser tests and `make screenshot`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class App:
    """A running app server: where to reach it, its process id (for CPU figures) and its log file."""

    url: str
    pid: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serve_app(env: dict[str, str] | None = None, timeout: float = 90, keep_log: bool = False) -> Iterator[App]:
    """`signpost app` (Streamlit, its search engine loaded at start) on a free loopback port; yields it
    once healthy, stops it after.

    The server's output goes to a log file in the temp folder (a pipe nobody reads could fill and
    stall the server); ``keep_log`` leaves it there for the privacy test to search.
    """
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="signpost-streamlit-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "signpost", "app", "--port", str(port)],
        cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    app = App(f"http://127.0.0.1:{port}", process.pid, Path(log.name))
    try:
        with running(process, f"{app.url}/_stcore/health", app.output, timeout):
            yield app
    finally:
        log.close()
        if not keep_log:
            app.log.unlink(missing_ok=True)


@contextmanager
def running(process: subprocess.Popen, health: str, output: Callable[[], str], timeout: float) -> Iterator[None]:
    """Wait until ``health`` answers 200 (a clear error with the server's output if it dies or takes
    longer than ``timeout``), then stop the process when the block ends, killing it if it hangs."""
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(health, timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{health} did not come up: {output()[-2000:]}") from None
                time.sleep(0.3)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def launch_chromium(playwright):
    """Debian's Chromium with the flags this machine needs (Playwright's own download does not work here)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Debian's chromium is missing: run `make browser`")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def ask(page, url: str, query: str) -> None:
    """Open the app, type ``query`` into the problem box and submit the form."""
    page.goto(url)
    box = page.get_by_role("textbox", name="What's going on?")
    box.wait_for(timeout=60_000)
    box.fill(query)
    page.get_by_role("button", name="Find support").click()
