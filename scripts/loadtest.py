"""Load test: many simultaneous browser sessions searching the real app on localhost.

Bounded in sessions, searches and seconds; it stops by itself and prints JSON with the error count
and latency percentiles (from pressing "Find support" to the first result card).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from playwright.async_api import async_playwright

from e2e import CHROMIUM, FLAGS, serve_app
from signpost.bench import bench_queries

QUERIES = bench_queries(20)


async def session(browser, url: str, number: int, until: float, limit: int, latencies: list, errors: list) -> None:
    page = await browser.new_page()
    try:
        await page.goto(url)
        box = page.get_by_role("textbox", name="What's going on?")
        await box.wait_for(timeout=120_000)
        for turn in range(limit):
            if time.monotonic() > until:
                break
            try:
                await page.get_by_role("button", name="Clear").click()
                await page.get_by_text("Why this was suggested").first.wait_for(state="detached", timeout=60_000)
                await box.fill(QUERIES[(number + turn) % len(QUERIES)])
                started = time.monotonic()
                await page.get_by_role("button", name="Find support").click()
                await page.get_by_text("Why this was suggested").first.wait_for(timeout=60_000)
                latencies.append(time.monotonic() - started)
                if await page.get_by_text("Something went wrong").count():
                    errors.append("error message on the page")
            except Exception as exc:  # a load test counts failures rather than stopping at the first
                errors.append(type(exc).__name__)
    finally:
        await page.close()


async def main(sessions: int, seconds: float, limit: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    with serve_app() as url:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            until = time.monotonic() + seconds
            started = time.monotonic()
            await asyncio.gather(*(session(browser, url, n, until, limit, latencies, errors) for n in range(sessions)))
            elapsed = time.monotonic() - started
            await browser.close()
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "sessions": sessions,
        "seconds": round(elapsed, 1),
        "searches": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "searches_per_second": round(len(latencies) / elapsed, 2),
        "p50_s": round(cuts[49], 3),
        "p95_s": round(cuts[94], 3),
        "max_s": round(max(latencies, default=0.0), 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--limit", type=int, default=500, help="most searches per session")
    args = parser.parse_args()
    report = asyncio.run(main(args.sessions, args.seconds, args.limit))
    print(json.dumps(report))
    sys.exit(1 if report["errors"] else 0)
