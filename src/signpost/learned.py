"""The learned layer: every judgement Signpost learns from ``training/`` (risk, scope, needs, which
resource fits), trained together at build time and stored beside the index as plain arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from signpost import learn, ranker, safety
from signpost.embed import Encoder
from signpost.training import Labelled, TrainingSet
from signpost.types import TOPICS, Resource, Risk

#: At most this share of in-scope situations may be called out of scope in cross-validation.
SCOPE_FALSE_FLAGS = 0.025
#: Candidate thresholds for naming a need; the one with the best cross-validated micro-F1 is kept.
NEED_THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.1, 0.91, 0.05))
SCOPE_C = 32.0  # chosen among 2, 8 and 32 by leave-one-writer-out out-of-scope recall (docs/safety.md)
NEEDS_C = 1.0

#: Text to signals: the query vectors, the retrieval scores (0..1) and the eligibility prior per resource.
Signals = Callable[[Sequence[str]], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Learned:
    """The trained judgements; ``resource_ids`` fixes the column order of the ranker's outputs."""

    resource_ids: tuple[str, ...]
    features: learn.TextFeatures
    risk: safety.RiskModel
    scope: learn.Blend
    scope_threshold: float
    needs: learn.Linear
    need_threshold: float
    topics: tuple[str, ...]
    ranker: learn.Linear
    fusion: ranker.Fusion
    report: dict[str, Any] = field(default_factory=dict)  # the build's cross-validation, grouped by writer

    def judge(
        self, texts: Sequence[str], vectors: np.ndarray, pieces: Sequence[tuple[int, str]], piece_vectors: np.ndarray
    ) -> list[tuple[Risk, bool]]:
        """Per text, its risk level and whether it is in scope. ``pieces`` are the texts' further
        segments, as (row, text) with their vectors; one featurisation serves both judgements."""
        features = self.features.transform([*texts, *(p for _, p in pieces)], np.vstack([vectors, piece_vectors]))
        owners = np.array([*range(len(texts)), *(row for row, _ in pieces)], dtype=int)
        risks = self.risk.assess(texts, features, owners)
        in_scope = self.scope.proba(features[: len(texts)], decide=(self.scope_threshold,)) >= self.scope_threshold
        return list(zip(risks, in_scope.tolist(), strict=True))

    def named_needs(self, vectors: np.ndarray) -> list[tuple[str, ...]]:
        """Per row, the kinds of need (``TOPICS`` keys) the text expresses, most likely first."""
        proba = self.needs.proba(vectors)
        return [
            tuple(self.topics[j] for j in np.argsort(-row, kind="stable") if row[j] >= self.need_threshold)
            for row in proba
        ]

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "features.idf": self.features.idf,
            **self.risk.model.arrays("risk"),
            **self.scope.arrays("scope"),
            **self.needs.arrays("needs"),
            **self.ranker.arrays("ranker"),
        }

    def info(self) -> dict[str, Any]:
        """What the manifest records to rebuild this object from ``arrays()``."""
        return {
            "resource_ids": list(self.resource_ids),
            "risk_thresholds": {"concern": self.risk.concern, "urgent": self.risk.urgent},
            "scope_threshold": self.scope_threshold,
            "topics": list(self.topics),
            "need_threshold": self.need_threshold,
            "fusion": {"learned": self.fusion.learned, "prior": self.fusion.prior},
        }

    @classmethod
    def restore(cls, arrays: dict[str, np.ndarray], info: dict[str, Any]) -> Learned:
        thresholds = info["risk_thresholds"]
        return cls(
            resource_ids=tuple(info["resource_ids"]),
            features=learn.TextFeatures(arrays["features.idf"]),
            risk=safety.RiskModel(learn.Blend.from_arrays(arrays, "risk"), thresholds["concern"], thresholds["urgent"]),
            scope=learn.Blend.from_arrays(arrays, "scope"),
            scope_threshold=float(info["scope_threshold"]),
            needs=learn.Linear.from_arrays(arrays, "needs"),
            need_threshold=float(info["need_threshold"]),
            topics=tuple(info["topics"]),
            ranker=learn.Linear.from_arrays(arrays, "ranker"),
            fusion=ranker.Fusion(**info["fusion"]),
            report=info.get("cv", {}),
        )


def train(
    resources: Sequence[Resource], data: TrainingSet, signals: Signals, encoder: Encoder
) -> tuple[Learned, dict[str, Any]]:
    """Train every judgement; return it with the cross-validation report (grouped by writer)."""
    ids = tuple(r.id for r in resources)
    scope_examples = data.scope_examples()
    features = learn.TextFeatures.fit([e.text for e in (*data.crisis, *scope_examples)])

    crisis_vectors, _, _ = signals([e.text for e in data.crisis])
    situation_vectors, retrieval, eligibility = signals([s.text for s in data.situations])
    judged = data.judged_queries()
    gate_examples = (*data.crisis, *judged)
    gate_vectors = np.vstack([crisis_vectors, situation_vectors[data.judged_rows()]])
    pieces = [(i, piece) for i, e in enumerate(gate_examples) for piece in safety.segments(e.text)[1:]]
    piece_vectors = encoder.encode([p for _, p in pieces]) if pieces else crisis_vectors[:0]
    risk, risk_report = safety.train_risk(
        gate_examples,
        len(data.crisis),
        features,
        gate_vectors,
        [p for _, p in pieces] + [e.text for e in gate_examples],
        np.vstack([piece_vectors, gate_vectors]),
        np.array([i for i, _ in pieces] + list(range(len(gate_examples))), dtype=int),
    )

    scope_vectors, _, _ = signals([e.text for e in data.scope])
    scope_x = features.transform([e.text for e in scope_examples], np.vstack([scope_vectors, situation_vectors]))
    scope, scope_threshold, scope_report = _train_scope(scope_examples, scope_x)

    topics = tuple(TOPICS)
    by_id = {r.id: r for r in resources}
    in_scope = [i for i, s in enumerate(data.situations) if s.relevant]
    need_targets = np.array(
        [
            [any(t in by_id[r].topics for r, g in data.situations[i].relevant.items() if g == 2) for t in topics]
            for i in in_scope
        ],
        dtype=float,
    )
    needs, need_oof = learn.calibrated(
        situation_vectors[in_scope], need_targets, [data.situations[i].writer for i in in_scope], c=NEEDS_C
    )
    need_threshold, need_f1 = max(
        ((t, _micro_f1(need_oof >= t, need_targets > 0)) for t in NEED_THRESHOLDS), key=lambda x: x[1]
    )

    model, fusion, rank_report = ranker.train_ranker(data.situations, situation_vectors, retrieval, eligibility, ids)
    needs_report = {"threshold": need_threshold, "micro_f1": round(need_f1, 4)}
    report = {"risk": risk_report, "scope": scope_report, "needs": needs_report, "ranking": rank_report}
    learned = Learned(ids, features, risk, scope, scope_threshold, needs, need_threshold, topics, model, fusion, report)
    return learned, report


def _micro_f1(predicted: np.ndarray, actual: np.ndarray) -> float:
    hits = float((predicted & actual).sum())
    return 2 * hits / max(float(predicted.sum() + actual.sum()), 1.0)


def _train_scope(examples: Sequence[Labelled], x: sparse.csr_matrix) -> tuple[learn.Blend, float, dict[str, Any]]:
    """A calibrated in-scope classifier; its threshold lets at most ``SCOPE_FALSE_FLAGS`` of in-scope
    text through as out of scope (a wrong "no clear match" hides good answers)."""
    y = np.array([e.positive for e in examples], dtype=float)
    writers = [e.writer for e in examples]
    model, p, _ = learn.blend(x, y, writers, c=SCOPE_C)
    owner = np.array(writers)
    inside = np.sort(p[y == 1])
    threshold = float(inside[int(np.floor(SCOPE_FALSE_FLAGS * len(inside)))])
    report = {
        "threshold": round(threshold, 6),
        "in_scope": int((y == 1).sum()),
        "out_of_scope": int((y == 0).sum()),
        "in_scope_flagged": _flagged(p[y == 1], threshold),
        "out_of_scope_flagged": _flagged(p[y == 0], threshold),
        "by_family": {
            family: _flagged(p[[i for i, e in enumerate(examples) if e.family == family]], threshold)
            for family in sorted({e.family for e in examples if not e.positive})
        },
        "by_writer": {
            writer: {
                "out_of_scope_flagged": _flagged(p[(owner == writer) & (y == 0)], threshold),
                "in_scope_flagged": _flagged(p[(owner == writer) & (y == 1)], threshold),
            }
            for writer in sorted(set(writers))
        },
    }
    return model, threshold, report


def _flagged(scores: np.ndarray, threshold: float) -> float | None:
    """The share of ``scores`` below the in-scope threshold, or ``None`` for no scores at all."""
    return round(float((scores < threshold).mean()), 4) if len(scores) else None
