"""One cached searcher serves every session: concurrent searches give exactly the sequential answers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from signpost.bench import bench_queries

QUERIES = bench_queries(10)  # ten different problems, the same the benchmarks use


def test_sixteen_threads_match_sequential_results(searcher) -> None:
    jobs = [QUERIES[(thread + n) % len(QUERIES)] for thread in range(16) for n in range(100)]
    expected = {q: [(h.id, round(h.score, 5)) for h in searcher.search(q, k=5).results] for q in QUERIES}

    def run(query: str) -> tuple[str, list[tuple[str, float]]]:
        return query, [(h.id, round(h.score, 5)) for h in searcher.search(query, k=5).results]

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(run, jobs))
    assert len(answers) == 1600
    mismatches = [query for query, got in answers if got != expected[query]]
    assert mismatches == []
