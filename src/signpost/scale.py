"""Synthetic collections up to a million rows: what the vector index and BM25 cost, and how exact HNSW is.

The vectors are a mixture of Gaussians on the unit sphere (about 100 rows a cluster), because text
embeddings cluster by topic; points spread uniformly over a 384-d sphere have no near neighbours at
all, which no approximate index (and no real corpus) resembles. Queries come from the same mixture.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

DIMENSION = 384
_EF_LADDER = (16, 32, 64, 128, 256, 512)


def synthetic_vectors(rows: int, seed: int, centres: np.ndarray) -> np.ndarray:
    """``rows`` unit vectors: a random centre each, plus noise as large as the centre."""
    rng = np.random.default_rng(seed)
    picked = centres[rng.integers(0, len(centres), rows)]
    noisy = picked + rng.standard_normal(picked.shape, dtype=np.float32) / np.sqrt(DIMENSION)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def synthetic_texts(rows: int, seed: int) -> list[str]:
    """Twelve words a document from a Zipf-like 20,000-word vocabulary, for BM25."""
    rng = np.random.default_rng(seed)
    words = rng.zipf(1.3, size=(rows, 12)) % 20_000
    return [" ".join(f"w{w}" for w in row) for row in words]


def _p50_ms(index: Any, queries: np.ndarray, k: int = 10) -> float:
    times = []
    for query in queries:
        start = time.perf_counter()
        index.search(query[None, :], k)
        times.append(time.perf_counter() - start)
    return round(float(np.median(times)) * 1e3, 3)


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return round(float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found, exact, strict=True)])), 4)


def measure(rows: int, queries: int = 100) -> dict[str, Any]:
    """Exact and HNSW index at one size, the engine's automatic choice, and BM25 over generated text."""
    import faiss

    from signpost.index import HNSW_EF_CONSTRUCTION, HNSW_M, planned_index
    from signpost.lexical import LexicalIndex

    rng = np.random.default_rng(rows)
    centres = rng.standard_normal((max(rows // 100, 10), DIMENSION), dtype=np.float32) / np.sqrt(DIMENSION)
    data = synthetic_vectors(rows, 1, centres)
    probe = synthetic_vectors(queries, 2, centres)

    start = time.perf_counter()
    flat = faiss.IndexFlatIP(DIMENSION)
    flat.add(data)
    flat_build = time.perf_counter() - start
    _, exact = flat.search(probe, 10)
    report: dict[str, Any] = {
        "rows": rows,
        "flat": {
            "build_s": round(flat_build, 2),
            "memory_mib": round(data.nbytes / 2**20, 1),
            "p50_ms": _p50_ms(flat, probe),
            "recall@10": 1.0,
        },
    }
    del flat
    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(DIMENSION, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    hnsw.add(data)
    hnsw_build = time.perf_counter() - start
    ladder = []
    for ef in _EF_LADDER:
        hnsw.hnsw.efSearch = ef
        ladder.append({"efSearch": ef, "recall@10": _recall(hnsw.search(probe, 10)[1], exact), "p50_ms": _p50_ms(hnsw, probe)})  # fmt: skip
    chosen = next((step for step in ladder if step["recall@10"] >= 0.95), ladder[-1])
    report["hnsw"] = {
        "build_s": round(hnsw_build, 2),
        "memory_mib": round(faiss.serialize_index(hnsw).nbytes / 2**20, 1),
        **chosen,
        "ladder": ladder,
    }
    del hnsw
    report["engine_choice"] = planned_index(rows)
    texts = synthetic_texts(rows, 3)
    start = time.perf_counter()
    lexical = LexicalIndex.build(texts)
    bm25_build = time.perf_counter() - start
    bm25_times = []
    for text in synthetic_texts(20, 4):
        start = time.perf_counter()
        lexical.scores([text])
        bm25_times.append(time.perf_counter() - start)
    report["bm25"] = {"build_s": round(bm25_build, 2), "p50_ms": round(float(np.median(bm25_times)) * 1e3, 3)}
    return report


def scale(sizes: Sequence[int]) -> list[dict[str, Any]]:
    """``measure`` at each size, smallest first."""
    return [measure(rows) for rows in sorted(sizes)]
