"""`signpost bench --quick` runs end to end and reports every figure (values are not judged: no timing asserts)."""

from __future__ import annotations

import json
import subprocess
import sys

from signpost.bench import bench_queries
from signpost.config import PROJECT_ROOT
from signpost.scale import measure, synthetic_vectors


def test_quick_bench_reports_every_figure() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "signpost", "bench", "--quick", "--json"],
        capture_output=True,
        timeout=600,
        cwd=PROJECT_ROOT,
    )
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    report = json.loads(out.stdout)
    latency = report["latency"]
    for part in ("search", "encode", "semantic_search"):
        assert latency[part]["p50_ms"] > 0 and latency[part]["p95_ms"] >= latency[part]["p50_ms"]
    assert latency["ratio_to_encode_p50"] > 0
    assert set(report["throughput"]) == {"batch_1_qps", "batch_32_qps"}
    cold = report["cold_start"]
    assert {
        "help_s",
        "first_answer_s",
        "python_and_model_load_s",
        "first_answer_ratio",
        "cli_search_peak_rss_mib",
    } <= cold.keys()
    assert report["build"]["catalogue"]["documents"] == 57
    assert report["build"]["catalogue"]["encode_s"] <= report["build"]["catalogue"]["total_s"]
    assert report["memory"]["searches"] == 3 and report["memory"]["rss_after_last_mib"] > 0
    (size,) = report["scale"]
    assert size["rows"] == 2000 and size["flat"]["recall@10"] == 1.0 and size["engine_choice"] == "flat-ip"
    assert 0 < size["hnsw"]["recall@10"] <= 1 and size["bm25"]["p50_ms"] > 0


def test_bench_queries_are_varied_and_deterministic() -> None:
    queries = bench_queries(240)
    assert len(set(queries)) == 200 and queries == bench_queries(240)


def test_synthetic_vectors_are_unit_rows() -> None:
    import numpy as np

    centres = np.eye(4, 384, dtype=np.float32)
    rows = synthetic_vectors(50, 0, centres)
    assert rows.shape == (50, 384) and rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rows, axis=1), 1.0, rtol=1e-5)


def test_hnsw_past_the_threshold_is_what_the_engine_builds() -> None:
    report = measure(30_000, queries=20)
    assert report["engine_choice"].startswith("hnsw-ip") and report["hnsw"]["recall@10"] >= 0.9
