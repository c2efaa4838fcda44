"""How fast the app answers: the first search after start, warm searches in a browser, and the server under load.

Three phases against one `signpost app` server on localhost, printed as one JSON object:

1. **First search.** A few seconds after the server starts, Chromium opens the page, types and presses
   "Find support": seconds from the press to the first result card (target 1.5 s).
2. **Warm searches in the browser**, on the same page: p50 from the press to the cards (target 0.3 s).
3. **Load.** Sessions that speak Streamlit's own websocket protocol (``tests/stclient.py``) search back to
   back for a fixed time, so no browser shares the cores with the server: errors, p50 and p95 from the
   press to the end of the server's answer, and the server process's CPU per search (target 60 ms).

Bounded in sessions and seconds; it stops by itself and exits non-zero on any error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from playwright.async_api import async_playwright

from e2e import CHROMIUM, FLAGS, serve_app
from signpost.bench import bench_queries
from stclient import RESULT_MARK, Session

QUERIES = bench_queries(20)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int) -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def percentile(values: list[float], cut: int) -> float:
    return round(statistics.quantiles(values, n=100)[cut - 1] if len(values) > 1 else values[0], 3)


async def browser_phase(browser, url: str, started: float, delay: float, searches: int) -> dict:
    """The first search a few seconds after start, then warm ones, as a person does them in Chromium."""
    page = await browser.new_page()
    await page.goto(url)
    box = page.get_by_role("textbox", name="What's going on?")
    await box.wait_for(timeout=120_000)
    await asyncio.sleep(max(0.0, started + delay - time.monotonic()))
    times, pressed_at = [], []
    for turn in range(searches + 1):
        await page.get_by_role("button", name="Clear").click()
        await page.get_by_text(RESULT_MARK).first.wait_for(state="detached", timeout=60_000)
        await box.fill(QUERIES[turn % len(QUERIES)])
        pressed = time.monotonic()
        await page.get_by_role("button", name="Find support").click()
        await page.get_by_text(RESULT_MARK).first.wait_for(timeout=60_000)
        times.append(time.monotonic() - pressed)
        pressed_at.append(pressed - started)
    await page.close()
    warm = times[1:]
    return {
        "first_search_pressed_after_start_s": round(pressed_at[0], 1),
        "first_search_s": round(times[0], 3),
        "browser_searches": len(warm),
        "browser_p50_s": percentile(warm, 50),
    }


async def session(url: str, number: int, until: float, latencies: list, errors: list) -> None:
    client = Session(url)
    try:
        await client.open()
        turn = 0
        while time.monotonic() < until:
            run = await client.search(QUERIES[(number + turn) % len(QUERIES)])
            turn += 1
            latencies.append(run.seconds)
            if run.failed or not run.answered:
                errors.append("an error or no results on the page")
    except Exception as exc:  # a load test counts failures rather than stopping at the first
        errors.append(type(exc).__name__)
    finally:
        await client.close()


async def load_phase(url: str, pid: int, sessions: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    cpu_before, started = cpu_seconds(pid), time.monotonic()
    until = started + seconds
    await asyncio.gather(*(session(url, n, until, latencies, errors) for n in range(sessions)))
    elapsed, cpu = time.monotonic() - started, cpu_seconds(pid) - cpu_before
    return {
        "sessions": sessions,
        "seconds": round(elapsed, 1),
        "searches": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "searches_per_second": round(len(latencies) / elapsed, 2),
        "p50_s": percentile(latencies, 50) if latencies else None,
        "p95_s": percentile(latencies, 95) if latencies else None,
        "server_cpu_ms_per_search": round(1000 * cpu / max(len(latencies), 1), 1),
        "server_resident_mb": round(resident_mb(pid)),
    }


async def main(args: argparse.Namespace) -> dict:
    async with async_playwright() as playwright:
        # The person's browser is already running when the server starts, as it would be.
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        started = time.monotonic()
        with serve_app() as app:
            report = {
                "browser": await browser_phase(browser, app.url, started, args.first_after, args.browser_searches)
            }
            report["load"] = await load_phase(app.url, app.pid, args.sessions, args.seconds)
            ready = re.search(r"ready: model and index loaded in ([\d.]+) s", app.output())
            report["browser"]["engine_loaded_in_s"] = float(ready.group(1)) if ready else None
        await browser.close()
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20, help="simultaneous protocol sessions (default 20)")
    parser.add_argument("--seconds", type=float, default=120, help="length of the load phase (default 120)")
    parser.add_argument("--browser-searches", type=int, default=20, help="warm searches in Chromium (default 20)")
    parser.add_argument(
        "--first-after", type=float, default=5, help="press the first search this long after start (default 5 s)"
    )
    report = asyncio.run(main(parser.parse_args()))
    print(json.dumps(report))
    sys.exit(1 if report["load"]["errors"] else 0)
