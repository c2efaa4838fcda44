"""Linear models over sentence embeddings: fit, calibrate by grouped cross-validation, store as arrays.

SciPy's L-BFGS fits them at build time; a query is scored with one matrix product, and nothing is
unpickled: the models are arrays. Texts become features through the sentence embedding, optionally
joined by hashed character and word n-grams (TF-IDF), which catch what a mean-pooled embedding
blurs: "no thoughts of", "my patient", "kms", a misspelling.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -40, 40)))


@dataclass(frozen=True)
class Linear:
    """One logistic output per column, Platt-calibrated: ``p = sigmoid(slope * (x·w + b) + intercept)``."""

    weights: np.ndarray  # (features, outputs)
    bias: np.ndarray  # (outputs,)
    slope: np.ndarray  # (outputs,)
    intercept: np.ndarray  # (outputs,)

    def logits(self, features: np.ndarray | sparse.spmatrix) -> np.ndarray:
        return np.asarray(features @ self.weights) + self.bias

    def proba(self, features: np.ndarray | sparse.spmatrix) -> np.ndarray:
        """Calibrated probabilities, ``(rows, outputs)``."""
        return sigmoid(self.slope * self.logits(features) + self.intercept)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The model as named arrays, for ``np.savez`` (no pickles)."""
        return {f"{prefix}.{name}": getattr(self, name) for name in ("weights", "bias", "slope", "intercept")}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Linear:
        return cls(*(np.asarray(arrays[f"{prefix}.{name}"]) for name in ("weights", "bias", "slope", "intercept")))


def fit(
    features: np.ndarray | sparse.spmatrix,
    targets: np.ndarray,
    *,
    c: float,
    weights: np.ndarray | None = None,
    balanced: bool = True,
) -> Linear:
    """An uncalibrated L2 logistic regression per target column, all columns in one L-BFGS run.

    The objective is scikit-learn's (``C`` times the weighted log loss plus half the squared weights,
    bias unpenalised; ``balanced`` weighs each column's classes equally), solved jointly because the
    columns share their features: one matrix product per step serves all 57 resources.
    """
    from scipy.optimize import minimize

    y = targets.reshape(targets.shape[0], -1).astype(np.float64)
    n, d = features.shape
    m = y.shape[1]
    row_weight = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    sample = np.repeat(row_weight[:, None], m, axis=1)
    if balanced:
        positives = np.clip((y * sample).sum(axis=0), 1e-9, None)
        negatives = np.clip(((1 - y) * sample).sum(axis=0), 1e-9, None)
        total = sample.sum(axis=0)
        sample = sample * np.where(y > 0, total / (2 * positives), total / (2 * negatives))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[: d * m].reshape(d, m), theta[d * m :]
        z = np.asarray(features @ w) + b
        loss = sample * (np.logaddexp(0, z) - y * z)
        residual = sample * (sigmoid(z) - y)
        grad_w = c * np.asarray(features.T @ residual) + w
        return c * float(loss.sum()) + 0.5 * float((w * w).sum()), np.concatenate(
            [grad_w.ravel(), c * residual.sum(axis=0)]
        )

    result = minimize(objective, np.zeros(d * m + m), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    w, b = result.x[: d * m].reshape(d, m), result.x[d * m :]
    single = y.min(axis=0) == y.max(axis=0)  # a column with one class: a constant at that class
    w[:, single], b[single] = 0.0, np.where(y[0, single] > 0, 8.0, -8.0)
    return Linear(w.astype(np.float32), b, np.ones(m), np.zeros(m))


def out_of_fold(
    features: np.ndarray,
    targets: np.ndarray,
    groups: Sequence[str],
    *,
    c: float,
    weights: np.ndarray | None = None,
    score: tuple[np.ndarray, Sequence[str]] | None = None,
) -> np.ndarray:
    """Logits for every row from a model that never saw its group (leave one writer out).

    ``score`` gives other rows to score the same way (features and their groups), e.g. the
    sentences of the training texts; by default the training rows themselves are scored.
    """
    targets = targets.reshape(len(targets), -1)
    groups = np.asarray(groups)
    rows, row_groups = score if score is not None else (features, groups)
    row_groups = np.asarray(row_groups)
    out = np.zeros((rows.shape[0], targets.shape[1]))
    for group in sorted(set(groups.tolist())):
        held, scored = groups == group, row_groups == group
        model = fit(features[~held], targets[~held], c=c, weights=None if weights is None else weights[~held])
        out[scored] = model.logits(rows[scored])
    return out


def platt(logits: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column, the slope and intercept mapping out-of-fold logits to calibrated probabilities."""
    logits = logits.reshape(len(logits), -1)
    targets = targets.reshape(len(targets), -1)
    slope, intercept = np.ones(logits.shape[1]), np.zeros(logits.shape[1])
    for j in range(logits.shape[1]):
        if targets[:, j].min() == targets[:, j].max():
            continue
        model = fit(logits[:, [j]], targets[:, j], c=1e4, balanced=False)
        slope[j], intercept[j] = float(model.weights[0, 0]), float(model.bias[0])
    return slope, intercept


def calibrated(
    features: np.ndarray,
    targets: np.ndarray,
    groups: Sequence[str],
    *,
    c: float,
    weights: np.ndarray | None = None,
) -> tuple[Linear, np.ndarray]:
    """A model fitted on everything, calibrated on its grouped out-of-fold logits; and those
    out-of-fold probabilities (what thresholds and fusion weights are chosen on)."""
    oof = out_of_fold(features, targets, groups, c=c, weights=weights)
    slope, intercept = platt(oof, targets)
    model = fit(features, targets, c=c, weights=weights)
    return Linear(model.weights, model.bias, slope, intercept), sigmoid(slope * oof + intercept)


#: Hashed n-gram spaces: characters within words (spelling, slang) and words up to trigrams (negation, who).
CHAR_NGRAMS, WORD_NGRAMS, HASH_FEATURES = (2, 5), (1, 3), 2**17


@functools.cache
def _hashers() -> tuple[object, object]:
    """Built once: they are stateless, and constructing them per query cost more than using them."""
    from sklearn.feature_extraction.text import HashingVectorizer

    common = {"n_features": HASH_FEATURES, "alternate_sign": False, "norm": None, "lowercase": True}
    return (
        HashingVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, **common),
        HashingVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, token_pattern=r"(?u)\b\w+\b|n't", **common),
    )


@dataclass(frozen=True)
class TextFeatures:
    """Embedding plus TF-IDF of hashed n-grams; the IDF, learned from the training text, is its only state."""

    idf: np.ndarray  # (2, HASH_FEATURES): characters, words

    @classmethod
    def fit(cls, texts: Sequence[str]) -> TextFeatures:
        """Smoothed IDF of each hashed n-gram over ``texts`` (scikit-learn's formula; no labels used)."""
        n = len(texts)
        idf = [np.log((1 + n) / (1 + np.asarray((h.transform(texts) > 0).sum(axis=0)).ravel())) + 1 for h in _hashers()]
        return cls(np.vstack(idf).astype(np.float32))

    def transform(self, texts: Sequence[str], vectors: np.ndarray) -> sparse.csr_matrix:
        """``[char TF-IDF | word TF-IDF | embedding]``, each block of unit length."""
        blocks = []
        for hasher, idf in zip(_hashers(), self.idf, strict=True):
            tfidf = hasher.transform(texts).tocsr().astype(np.float64)
            tfidf.data = (1 + np.log(tfidf.data)) * idf[tfidf.indices]
            norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
            tfidf.data /= np.repeat(np.where(norms > 0, norms, 1.0), np.diff(tfidf.indptr))
            blocks.append(tfidf)
        return sparse.hstack([*blocks, sparse.csr_matrix(vectors)], format="csr")
