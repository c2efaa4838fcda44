"""Graded query sets in, metrics out: the Signpost case format and BEIR data sets (NFCorpus)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from signpost.embed import Encoder
from signpost.errors import SignpostError
from signpost.index import build_collection
from signpost.search import Searcher, Tuning, dense_signal, hybrid_scores
from signpost.types import Mode, Risk, SearchResponse

#: trec_eval measures behind the case-set report (MRR@10 is recip_rank over a run cut to 10).
_MEASURES = {"ndcg_cut.5", "recall.5", "recip_rank", "P.1"}


@dataclass(frozen=True)
class Case:
    """One graded query: ``relevant`` maps resource id to grade (2 best, 1 useful); empty = out of scope."""

    qid: str
    query: str
    relevant: dict[str, int]
    tags: tuple[str, ...]


def load_cases(path: Path) -> list[Case]:
    """Read a JSON-lines case file, naming the line of any malformed case."""
    return [
        Case(str(row["qid"]), str(row["query"]), dict(row.get("relevant") or {}), tuple(row.get("tags") or ()))
        for row in _jsonl(
            path, lambda row: "qid" in row and "query" in row and isinstance(row.get("relevant", {}), dict)
        )
    ]


def _jsonl(path: Path, valid: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The objects of a JSON-lines file; a line that is not JSON or fails ``valid`` stops the read, named."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SignpostError(f"{path}: cannot read the cases ({exc})") from exc
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SignpostError(f"{path}:{number}: not a case ({exc})") from exc
        if not isinstance(row, dict) or not valid(row):
            raise SignpostError(f"{path}:{number}: not a case (missing or mistyped fields)")
        rows.append(row)
    return rows


def _trec(
    qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], measures: set[str]
) -> dict[str, dict[str, float]]:
    import pytrec_eval

    return pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return round(float(np.mean(values)), 4) if values else None


def case_metrics(cases: Sequence[Case], responses: Sequence[SearchResponse]) -> dict[str, Any]:
    """nDCG@5, Recall@5, MRR@10, P@1, grade-2-in-top-3, crisis recall/false alarms, scope handling."""
    graded = [(c, r) for c, r in zip(cases, responses, strict=True) if c.relevant]
    qrels = {c.qid: {doc: int(g) for doc, g in c.relevant.items()} for c, _ in graded}
    run = {c.qid: {hit.id: float(10 - rank) for rank, hit in enumerate(r.results[:10])} for c, r in graded}
    for qid, ranked in run.items():
        if not ranked:  # k=0: trec_eval needs a ranking, even an empty-handed one
            run[qid] = {"__none__": 0.0}
    per_query = _trec(qrels, run, _MEASURES) if graded else {}
    best = [c for c, _ in graded if 2 in c.relevant.values()]
    top3 = {c.qid: any(c.relevant.get(h.id) == 2 for h in r.results[:3]) for c, r in graded}
    at_risk = [r for c, r in zip(cases, responses, strict=True) if "crisis" in c.tags]
    calm = [r for c, r in zip(cases, responses, strict=True) if "crisis" not in c.tags]
    outside = [r for c, r in zip(cases, responses, strict=True) if not c.relevant]
    return {
        "queries": len(cases),
        "ndcg@5": _mean(m["ndcg_cut_5"] for m in per_query.values()),
        "recall@5": _mean(m["recall_5"] for m in per_query.values()),
        "mrr@10": _mean(m["recip_rank"] for m in per_query.values()),
        "p@1": _mean(m["P_1"] for m in per_query.values()),
        "grade2_top3": _mean(float(top3[c.qid]) for c in best),
        **risk_metrics([r.risk for r in at_risk], [r.risk for r in calm]),
        "out_of_scope_flagged": _mean(float(not r.confident) for r in outside),
        "in_scope_flagged": _mean(float(not r.confident) for _, r in graded),
    }


def risk_metrics(at_risk: Sequence[Risk], calm: Sequence[Risk]) -> dict[str, Any]:
    """Caught = urgent or concern; false alarms counted per level on text with no risk to the writer."""
    return {
        "crisis_caught": _mean(float(r != "none") for r in at_risk),
        "crisis_urgent": _mean(float(r == "urgent") for r in at_risk),
        "urgent_false_alarms": sum(r == "urgent" for r in calm),
        "any_false_alarms": sum(r != "none" for r in calm),
    }


@dataclass(frozen=True)
class CrisisCase:
    """One text for the crisis gate: ``crisis`` is true when the writer's own life may be at risk."""

    qid: str
    query: str
    crisis: bool


def load_crisis_cases(path: Path) -> list[CrisisCase]:
    """Read a JSON-lines file of ``{qid, query, crisis}``, naming the line of any malformed case."""
    return [
        CrisisCase(str(row["qid"]), str(row["query"]), row["crisis"])
        for row in _jsonl(path, lambda row: isinstance(row.get("crisis"), bool) and "query" in row and "qid" in row)
    ]


def evaluate_crisis(searcher: Searcher, cases: Sequence[CrisisCase]) -> dict[str, Any]:
    """How many at-risk texts the gate catches, at which level, and how often it alarms the rest."""
    responses = searcher.search_many([c.query for c in cases], 1)
    at_risk = [r.risk for c, r in zip(cases, responses, strict=True) if c.crisis]
    calm = [r.risk for c, r in zip(cases, responses, strict=True) if not c.crisis]
    return {
        "mode": "crisis gate",
        "at_risk": len(at_risk),
        "missed": sum(r == "none" for r in at_risk),
        "look_alikes": len(calm),
        **risk_metrics(at_risk, calm),
        "urgent_false_alarm_rate": _mean(float(r == "urgent") for r in calm),
        "any_false_alarm_rate": _mean(float(r != "none") for r in calm),
    }


def evaluate_cases(
    searcher: Searcher, cases: Sequence[Case], *, k: int = 10, mode: Mode = "hybrid", by_tag: bool = False
) -> dict[str, Any]:
    """Run every case through ``searcher.search_many`` and score it; optionally per tag too."""
    responses = searcher.search_many([c.query for c in cases], k, mode=mode)
    # Plain retrieval is labelled by its mode; the full system (learned layer on) is "final".
    label = mode if not searcher.tuning.understand else "final" if mode == "hybrid" else f"final-{mode}"
    report: dict[str, Any] = {"mode": label, **case_metrics(cases, responses)}
    if by_tag:
        groups: dict[str, list[int]] = defaultdict(list)
        for i, case in enumerate(cases):
            for tag in case.tags:
                groups[tag].append(i)
        report["by_tag"] = {
            tag: case_metrics([cases[i] for i in rows], [responses[i] for i in rows])
            for tag, rows in sorted(groups.items())
        }
    return report


# ---------------------------------------------------------------- BEIR


@dataclass(frozen=True)
class BeirSet:
    """A BEIR-format data set: documents, the queries of one split and their graded judgements."""

    doc_ids: list[str]
    doc_texts: list[str]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir(directory: Path, split: str) -> BeirSet:
    """``corpus.jsonl[.gz]``, ``queries.jsonl`` and ``qrels/<split>.tsv`` from ``directory``."""
    directory = Path(directory)
    corpus_path = next((p for p in (directory / "corpus.jsonl.gz", directory / "corpus.jsonl") if p.exists()), None)
    qrels_path = directory / "qrels" / f"{split}.tsv"
    if corpus_path is None or not qrels_path.exists() or not (directory / "queries.jsonl").exists():
        raise SignpostError(f"{directory}: not a BEIR folder with corpus.jsonl, queries.jsonl and qrels/{split}.tsv")
    opener = gzip.open if corpus_path.suffix == ".gz" else open
    doc_ids, doc_texts = [], []
    with opener(corpus_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            doc_ids.append(str(doc["_id"]))
            doc_texts.append(f"{doc.get('title', '')} {doc.get('text', '')}".strip())
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with qrels_path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            qrels[row["query-id"]][row["corpus-id"]] = int(row["score"])
    queries = {}
    with (directory / "queries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            query = json.loads(line)
            if str(query["_id"]) in qrels:
                queries[str(query["_id"])] = query["text"]
    return BeirSet(doc_ids, doc_texts, queries, dict(qrels))


def baselines(searcher: Searcher) -> Searcher:
    """The same index and model with the learned layer off: plain dense, lexical and hybrid retrieval."""
    return replace(searcher, tuning=replace(searcher.tuning, understand=False))


def evaluate_beir(
    data: BeirSet, encoder: Encoder, *, modes: Sequence[Mode] = ("hybrid",), tuning: Tuning | None = None
) -> dict[str, dict[str, float]]:
    """nDCG@10 and Recall@100 per mode, with the same dense, BM25 and fusion code the Searcher uses."""
    tuning = tuning or Tuning()
    collection = build_collection(data.doc_texts, _CachedEncoder(encoder, data.doc_texts))
    qids = list(data.queries)
    texts = [data.queries[q] for q in qids]
    dense, _ = dense_signal(collection, encoder.encode(texts), tuning.phrase_share)
    lexical = collection.lexical.scores(texts)
    report = {}
    for mode in modes:
        scores = hybrid_scores(dense, lexical, mode, tuning)
        top = np.argsort(-scores, axis=1)[:, :100]
        run = {q: {data.doc_ids[j]: float(scores[row, j]) for j in top[row]} for row, q in enumerate(qids)}
        per_query = _trec(data.qrels, run, {"ndcg_cut.10", "recall.100"})
        report[mode] = {
            "ndcg@10": _mean(m["ndcg_cut_10"] for m in per_query.values()),
            "recall@100": _mean(m["recall_100"] for m in per_query.values()),
            "queries": len(per_query),
        }
    return report


class _CachedEncoder:
    """Document embeddings of a benchmark are the slow part of a BEIR run; keep them between runs.

    Only benchmark documents are cached (never a user's query), under ``.cache/`` in the repository.
    """

    def __init__(self, encoder: Encoder, texts: Sequence[str]) -> None:
        from signpost.config import PROJECT_ROOT

        self.name = encoder.name
        self._encoder = encoder
        key = hashlib.sha256((encoder.name + "\x00" + "\x00".join(texts)).encode()).hexdigest()[:16]
        self._path = PROJECT_ROOT / ".cache" / "beir" / f"{key}.npy"

    @property
    def dimension(self) -> int:
        return self._encoder.dimension

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if self._path.exists():
            return np.load(self._path, allow_pickle=False)
        vectors = self._encoder.encode(texts, batch_size=batch_size, progress=progress)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        np.save(self._path, vectors, allow_pickle=False)
        return vectors
