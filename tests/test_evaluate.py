"""Metrics against hand-computed values, and the dev-set floors that catch a real regression."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest

from signpost.evaluate import Case, baselines, case_metrics, evaluate_beir, evaluate_cases, load_beir, load_cases
from signpost.types import Hit, Resource, Risk, SearchResponse


def _resource(rid: str) -> Resource:
    return Resource(
        id=rid, name=rid, provider="p", summary="s", description="d", helps_with=("h",), audience=("all doctors",),
        nations=("UK-wide",), kind="helpline", topics=("money",), confidential="unknown",
        reviewed=date(2026, 11, 1), sources=("tests",),
    )  # fmt: skip


def _response(ids: list[str], *, risk: Risk = "none", confident: bool = True) -> SearchResponse:
    hits = tuple(Hit(i, i, 1.0 / (n + 1), _resource(i)) for n, i in enumerate(ids))
    return SearchResponse("q", hits, risk, confident)


def test_case_metrics_by_hand() -> None:
    cases = [
        Case("q1", "a", {"x": 2, "y": 1}, ("t",)),
        Case("q2", "b", {"z": 2}, ("crisis",)),
        Case("q3", "c", {}, ("out-of-scope",)),
    ]
    responses = [
        _response(["y", "x", "w"]),
        _response(["w", "v", "u", "t", "s", "z"], risk="concern"),
        _response(["w"], risk="urgent", confident=False),
    ]
    m = case_metrics(cases, responses)
    ideal = 2 + 1 / math.log2(3)
    q1 = (1 + 2 / math.log2(3)) / ideal
    assert m["ndcg@5"] == pytest.approx((q1 + 0.0) / 2, abs=1e-4)
    assert m["recall@5"] == pytest.approx(0.5)
    assert m["mrr@10"] == pytest.approx((1 + 1 / 6) / 2, abs=1e-4)
    assert m["p@1"] == pytest.approx(0.5)
    assert m["grade2_top3"] == pytest.approx(0.5)
    assert m["crisis_caught"] == 1.0 and m["crisis_urgent"] == 0.0
    assert m["urgent_false_alarms"] == 1 and m["any_false_alarms"] == 1
    assert m["out_of_scope_flagged"] == 1.0 and m["in_scope_flagged"] == 0.0


def test_dev_set_floors(searcher, shared: Path) -> None:
    """Floors a little under today's figures (docs/relevance.md): a real regression fails, noise does not."""
    report = evaluate_cases(searcher, load_cases(shared / "eval" / "dev.jsonl"))
    print(report)
    assert report["mode"] == "final"
    assert report["ndcg@5"] >= 0.85
    assert report["recall@5"] >= 0.84
    assert report["mrr@10"] >= 0.93
    assert report["grade2_top3"] >= 0.90
    assert report["crisis_caught"] >= 0.75
    assert report["urgent_false_alarms"] <= 1
    assert report["out_of_scope_flagged"] >= 0.80
    assert report["in_scope_flagged"] <= 0.05


def test_each_layer_earns_its_place(searcher, shared: Path) -> None:
    """Hybrid beats either retriever alone, and the learned layer beats plain hybrid."""
    cases = load_cases(shared / "eval" / "dev.jsonl")
    plain = baselines(searcher)
    ndcg = {mode: evaluate_cases(plain, cases, mode=mode)["ndcg@5"] for mode in ("dense", "lexical", "hybrid")}
    ndcg["final"] = evaluate_cases(searcher, cases)["ndcg@5"]
    print(ndcg)
    assert ndcg["hybrid"] > max(ndcg["dense"], ndcg["lexical"])
    assert ndcg["final"] > ndcg["hybrid"] + 0.05


def test_beir_runs_the_same_engine(tmp_path: Path, encoder) -> None:
    """A three-document BEIR folder: the loader, every mode and the trec metrics, end to end."""
    (tmp_path / "qrels").mkdir()
    docs = [
        {"_id": "d1", "title": "Vitamin D", "text": "Vitamin D supplements and bone density in older adults."},
        {"_id": "d2", "title": "Statins", "text": "Statin therapy lowers LDL cholesterol and heart attack risk."},
        {"_id": "d3", "title": "Sugar", "text": "Sugary drinks and the risk of type 2 diabetes."},
    ]
    (tmp_path / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in docs))
    queries = [
        {"_id": "q1", "text": "does cholesterol medicine prevent heart attacks"},
        {"_id": "q2", "text": "soda diabetes"},
    ]
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td2\t2\nq2\td3\t1\n")
    report = evaluate_beir(load_beir(tmp_path, "test"), encoder, modes=("dense", "lexical", "hybrid"))
    assert report["dense"]["ndcg@10"] == 1.0 and report["hybrid"]["ndcg@10"] == 1.0
    assert report["hybrid"]["queries"] == 2 and report["lexical"]["recall@100"] == 1.0
