"""The learned resource scorer: a calibrated classifier per resource over the query embedding, fused
with dense + BM25 retrieval and the eligibility prior. The fusion weights are the ones that rank
held-out writers best (leave one writer out), never the dev set's.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from signpost import learn
from signpost.training import Situation

C = 1.0
LEARNED_GRID = tuple(round(x, 2) for x in np.arange(0.0, 1.01, 0.1))
PRIOR_GRID = (0.0, 0.05, 0.1, 0.2, 0.3)


@dataclass(frozen=True)
class Fusion:
    """``score = learned * p + (1 - learned) * retrieval + prior * eligibility``."""

    learned: float
    prior: float

    def combine(self, probabilities: np.ndarray, retrieval: np.ndarray, eligibility: np.ndarray) -> np.ndarray:
        return self.learned * probabilities + (1 - self.learned) * retrieval + self.prior * eligibility


def targets(situations: Sequence[Situation], ids: Sequence[str]) -> np.ndarray:
    """``(situations, resources)``: 1 where the resource was judged useful or best."""
    column = {resource_id: j for j, resource_id in enumerate(ids)}
    out = np.zeros((len(situations), len(ids)))
    for i, situation in enumerate(situations):
        for resource_id in situation.relevant:
            out[i, column[resource_id]] = 1.0
    return out


def ndcg_at(grades: Mapping[str, int], ranking: Sequence[str], k: int = 5) -> float:
    """nDCG@k with linear gains (trec_eval's ``ndcg_cut``)."""
    gain = sum(grades.get(doc, 0) / np.log2(rank + 2) for rank, doc in enumerate(ranking[:k]))
    ideal = sum(g / np.log2(rank + 2) for rank, g in enumerate(sorted(grades.values(), reverse=True)[:k]))
    return float(gain / ideal) if ideal else 0.0


def rank_metrics(situations: Sequence[Situation], scores: np.ndarray, ids: Sequence[str]) -> dict[str, float]:
    """Mean nDCG@5 and the share with a grade-2 resource in the top 3."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :5]
    ndcg, top3 = [], []
    for situation, row in zip(situations, order, strict=True):
        ranking = [ids[j] for j in row]
        ndcg.append(ndcg_at(situation.relevant, ranking))
        top3.append(any(situation.relevant.get(doc) == 2 for doc in ranking[:3]))
    return {"ndcg@5": round(float(np.mean(ndcg)), 4), "grade2_top3": round(float(np.mean(top3)), 4)}


def train_ranker(
    situations: Sequence[Situation],
    vectors: np.ndarray,
    retrieval: np.ndarray,
    eligibility: np.ndarray,
    ids: Sequence[str],
) -> tuple[learn.Linear, Fusion, dict[str, Any]]:
    """Fit the per-resource classifiers on in-scope situations; choose the fusion on their
    leave-one-writer-out probabilities; report cross-validated figures overall and per writer."""
    keep = [i for i, s in enumerate(situations) if s.relevant]
    situations = [situations[i] for i in keep]
    vectors, retrieval, eligibility = vectors[keep], retrieval[keep], eligibility[keep]
    y = targets(situations, ids)
    writers = [s.writer for s in situations]
    model, oof = learn.calibrated(vectors, y, writers, c=C)
    best: tuple[float, Fusion] | None = None
    for learned, prior in itertools.product(LEARNED_GRID, PRIOR_GRID):
        fusion = Fusion(learned, prior)
        score = rank_metrics(situations, fusion.combine(oof, retrieval, eligibility), ids)["ndcg@5"]
        if best is None or score > best[0] + 1e-9:
            best = (score, fusion)
    assert best is not None
    fusion = best[1]
    runs = {
        "retrieval": Fusion(0.0, 0.0).combine(oof, retrieval, eligibility),
        "retrieval+prior": Fusion(0.0, fusion.prior).combine(oof, retrieval, eligibility),
        "learned": oof,
        "fused": fusion.combine(oof, retrieval, eligibility),
    }
    report: dict[str, Any] = {
        "situations": len(situations),
        "fusion": {"learned": fusion.learned, "prior": fusion.prior},
        "cv": {name: rank_metrics(situations, scores, ids) for name, scores in runs.items()},
        "cv_by_writer": {},
    }
    for writer in sorted(set(writers)):
        rows = [i for i, w in enumerate(writers) if w == writer]
        report["cv_by_writer"][writer] = {
            "n": len(rows),
            **rank_metrics([situations[i] for i in rows], runs["fused"][rows], ids),
        }
    return model, fusion, report
