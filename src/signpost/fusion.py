"""Pure functions that merge rankings and scores; no I/O, so they are tested by hand-computed values."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Cormack et al.'s constant; it damps the head of each list so no single ranker dominates.
RRF_K = 60


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each column in each row, best score first (ties broken by position)."""
    order = np.argsort(-scores, axis=-1, kind="stable")
    out = np.empty_like(order)
    rows = np.arange(scores.shape[0])[:, None]
    out[rows, order] = np.arange(1, scores.shape[-1] + 1)
    return out


def rrf(score_sets: Sequence[np.ndarray], weights: Sequence[float] | None = None, k: int = RRF_K) -> np.ndarray:
    """Reciprocal rank fusion: ``sum_i w_i / (k + rank_i(d))`` for every document, row-wise."""
    weights = [1.0] * len(score_sets) if weights is None else list(weights)
    fused = np.zeros(score_sets[0].shape, dtype=np.float64)
    for scores, weight in zip(score_sets, weights, strict=True):
        fused += weight / (k + ranks(scores))
    return fused


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale each row to [0, 1]; a constant row becomes all zeros (it carries no preference)."""
    low = scores.min(axis=-1, keepdims=True)
    span = scores.max(axis=-1, keepdims=True) - low
    return np.divide(scores - low, span, out=np.zeros_like(scores, dtype=np.float64), where=span > 0)


def weighted(score_sets: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Convex combination of min-max normalised scores, row-wise."""
    fused = np.zeros(score_sets[0].shape, dtype=np.float64)
    for scores, weight in zip(score_sets, weights, strict=True):
        fused += weight * minmax(scores.astype(np.float64))
    return fused
