"""Benchmarks that print numbers: each figure beside its reference, measured in one process and run.

Latency beside the bare model encode (its floor) and beside what a developer would write instead
(sentence-transformers' ``util.semantic_search``); throughput; cold start beside Python start plus
model load; build; memory; and synthetic collections up to a million rows for the vector index.
Nothing here asserts on time: it reports.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from signpost.config import Settings
from signpost.search import Searcher

_SITUATIONS = (
    "drinking too much", "behind on rent", "bullied by my consultant", "under GMC investigation",
    "failed my exam again", "can't sleep before nights", "in debt from gambling", "want to go part time",
    "pregnant and on nights", "anxious all the time", "completely burnt out", "on an unsafe rota",
    "facing a complaint from a family", "asked for a coroner's statement", "given ARCP outcome 3",
    "lonely at my new hospital", "worried a colleague drinks on shift", "facing racial discrimination",
    "thinking of quitting medicine", "widowed and struggling with bills",
)  # fmt: skip
_CONTEXTS = (
    "", "I'm an FY1 and ", "GP in Leeds, ", "Surgical registrar, ", "Consultant anaesthetist: ",
    "Medical student - ", "ST3 in Glasgow, ", "Trainee in Cardiff, ", "Retired doctor, ", "Locum in Belfast, ",
)  # fmt: skip


def bench_queries(count: int) -> list[str]:
    """``count`` varied, deterministic problem descriptions (situations by who is writing)."""
    combos = [f"{c}{s}" for s in _SITUATIONS for c in _CONTEXTS]
    return [combos[(i * 37) % len(combos)] for i in range(count)]


def _percentiles(seconds: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(seconds, 50)) * 1e3, 3), "p95_ms": round(float(np.percentile(seconds, 95)) * 1e3, 3)}  # fmt: skip


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def latency(searcher: Searcher, queries: Sequence[str]) -> dict[str, Any]:
    """Warm single-query latency: the full search, the bare encode, and encode + util.semantic_search."""
    from sentence_transformers import util

    corpus = searcher.collection.dense.reconstruct_n(0, searcher.collection.count)
    searcher.search("warm up")
    searcher.encoder.encode(["warm up"])
    full, floor, naive = [], [], []
    for query in queries:
        full.append(_timed(lambda q=query: searcher.search(q)))
        floor.append(_timed(lambda q=query: searcher.encoder.encode([q])))
        naive.append(_timed(lambda q=query: util.semantic_search(searcher.encoder.encode([q]), corpus, top_k=5)))
    report = {"queries": len(queries), "search": _percentiles(full), "encode": _percentiles(floor)}
    report["semantic_search"] = _percentiles(naive)
    report["ratio_to_encode_p50"] = round(report["search"]["p50_ms"] / report["encode"]["p50_ms"], 3)
    return report


def throughput(searcher: Searcher, queries: Sequence[str], batches: Sequence[int]) -> dict[str, float]:
    """``search_many`` queries per second at each batch size."""
    out = {}
    for size in batches:
        total = max(size, 64)
        items = [queries[i % len(queries)] for i in range(total)]
        chunks = [items[i : i + size] for i in range(0, total, size)]
        seconds = _timed(lambda chunks=chunks: [searcher.search_many(chunk) for chunk in chunks])
        out[f"batch_{size}_qps"] = round(total / seconds, 1)
    return out


def _run_seconds(command: Sequence[str], repeats: int) -> tuple[float, int]:
    """Median wall time of a whole process, and its peak resident memory in KiB."""
    times, peak = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - start)
        peak = max(peak, usage.ru_maxrss)
        if status != 0:
            raise RuntimeError(f"{' '.join(command)} exited with status {status}")
    return round(float(np.median(times)), 3), peak


def cold_start(repeats: int) -> dict[str, Any]:
    """New-process timings: `signpost --help`, a first answer, and Python start + model load beside them."""
    cli = str(Path(sys.executable).with_name("signpost"))
    reference = "from signpost.embed import SentenceTransformerEncoder as E; E().encode(['x'])"
    help_s, _ = _run_seconds([cli, "--help"], repeats)
    first_s, first_rss = _run_seconds([cli, "search", "--k", "3", "stressed and not sleeping"], repeats)
    model_s, _ = _run_seconds([sys.executable, "-c", reference], repeats)
    return {
        "help_s": help_s,
        "first_answer_s": first_s,
        "python_and_model_load_s": model_s,
        "first_answer_ratio": round(first_s / model_s, 3),
        "cli_search_peak_rss_mib": round(first_rss / 1024, 1),
    }


class _TimedEncoder:
    """Wraps an encoder to measure the encode share of a build."""

    def __init__(self, encoder: Any) -> None:
        self.name, self._encoder, self.seconds = encoder.name, encoder, 0.0

    @property
    def dimension(self) -> int:
        return self._encoder.dimension

    def vocabulary(self) -> set[str]:
        return self._encoder.vocabulary()

    def encode(self, texts: Sequence[str], **kwargs: Any) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self._encoder.encode(texts, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start


def build_times(searcher: Searcher, beir: Path | None) -> dict[str, Any]:
    """`signpost build` of the catalogue into a fresh folder, and optionally of a BEIR corpus in memory."""
    from signpost.index import build_collection, build_index

    timed = _TimedEncoder(searcher.encoder)
    folder = Path(tempfile.mkdtemp(prefix="signpost-bench-"))
    try:
        total = _timed(lambda: build_index(searcher.resources, timed, folder))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report = {"catalogue": {"documents": len(searcher.resources), "total_s": round(total, 2), "encode_s": round(timed.seconds, 2)}}  # fmt: skip
    if beir is not None:
        from signpost.evaluate import load_beir

        texts = load_beir(beir, "test").doc_texts
        timed = _TimedEncoder(searcher.encoder)
        total = _timed(lambda: build_collection(texts, timed))
        report["beir"] = {"documents": len(texts), "total_s": round(total, 2), "encode_s": round(timed.seconds, 2)}
    return report


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def app_memory(searches: int) -> dict[str, float]:
    """Resident memory of a fresh process running the app (streamlit.testing), after the first search
    and after ``searches``; a process of its own, so earlier benchmarks' garbage does not count."""
    out = subprocess.run(
        [sys.executable, "-m", "signpost.bench", "app-memory", str(searches)],
        capture_output=True,
        check=True,
        timeout=900,
    )
    return json.loads(out.stdout)


def _app_memory_here(searches: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from signpost.config import PROJECT_ROOT

    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=120)
    at.run()
    readings = []
    for query in bench_queries(searches):
        at.text_area(key="query").input(query)
        next(b for b in at.button if b.label == "Find support").click()
        at.run()
        readings.append(_rss_mib())
    return {"searches": searches, "rss_after_first_mib": readings[0], "rss_after_last_mib": readings[-1], "growth": round(readings[-1] / readings[0] - 1, 3)}  # fmt: skip


def run(
    settings: Settings, *, quick: bool = False, beir: Path | None = None, sizes: Sequence[int] = ()
) -> dict[str, Any]:
    """Every benchmark; ``quick`` shrinks each to seconds (used by the test that proves they all report)."""
    from signpost.scale import scale

    searcher = Searcher.load(settings=settings)
    queries = bench_queries(30 if quick else 240)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "quick": quick,
        "latency": latency(searcher, queries),
        "throughput": throughput(searcher, queries, (1, 32) if quick else (1, 32, 256)),
        "cold_start": cold_start(1 if quick else 3),
        "build": build_times(searcher, None if quick else beir),
        "memory": app_memory(3 if quick else 100),
        "scale": scale(sizes or ((2_000,) if quick else (10_000, 100_000, 1_000_000))),
    }


def table(report: dict[str, Any]) -> str:
    """The report as aligned text, one figure a line, grouped by section."""
    lines = [f"signpost bench  {report['date']}  {report['machine']}"]

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else key, item)
        elif isinstance(value, list):
            for number, item in enumerate(value):
                walk(f"{prefix}[{number}]", item)
        else:
            lines.append(f"  {prefix:<52} {value}")

    walk("", {k: v for k, v in report.items() if k not in ("date", "machine")})
    return "\n".join(lines)


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report)


if __name__ == "__main__" and sys.argv[1:2] == ["app-memory"]:
    print(json.dumps(_app_memory_here(int(sys.argv[2]))))
