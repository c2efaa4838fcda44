"""Fusion is pure arithmetic: checked against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from signpost.fusion import minmax, ranks, rrf, weighted


def test_ranks_best_first_ties_by_position() -> None:
    assert ranks(np.array([[0.1, 0.9, 0.5, 0.5]])).tolist() == [[4, 1, 2, 3]]


def test_rrf_by_hand() -> None:
    dense = np.array([[0.9, 0.2, 0.5]])  # ranks 1, 3, 2
    lexical = np.array([[0.0, 3.0, 1.0]])  # ranks 3, 1, 2
    fused = rrf([dense, lexical])
    assert fused[0, 0] == pytest.approx(1 / (60 + 1) + 1 / (60 + 3))
    assert fused[0, 1] == pytest.approx(1 / (60 + 3) + 1 / (60 + 1))
    assert fused[0, 2] == pytest.approx(2 / (60 + 2))
    weighted_fused = rrf([dense, lexical], weights=[2.0, 1.0], k=10)
    assert weighted_fused[0, 0] == pytest.approx(2 / 11 + 1 / 13)


def test_minmax_and_constant_rows() -> None:
    assert minmax(np.array([[2.0, 4.0, 3.0]])).tolist() == [[0.0, 1.0, 0.5]]
    assert minmax(np.array([[0.0, 0.0]])).tolist() == [[0.0, 0.0]]


def test_weighted_by_hand() -> None:
    dense = np.array([[0.2, 0.6, 0.4]])  # normalised 0, 1, 0.5
    lexical = np.array([[5.0, 0.0, 10.0]])  # normalised 0.5, 0, 1
    fused = weighted([dense, lexical], [0.6, 0.4])
    assert fused[0].tolist() == pytest.approx([0.6 * 0 + 0.4 * 0.5, 0.6 * 1 + 0, 0.6 * 0.5 + 0.4 * 1])
