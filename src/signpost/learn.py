"""Linear models over sentence embeddings: fit, calibrate by grouped cross-validation, store as arrays.

SciPy's L-BFGS fits them at build time; a query is scored with one matrix product, and nothing is
unpickled: the models are arrays. Texts become features through the sentence embedding, optionally
joined by hashed character and word n-grams (TF-IDF), which catch what a mean-pooled embedding
blurs: "no thoughts of", "my patient", "kms", a misspelling.

A linear model draws one boundary; the training texts themselves draw a finer one. ``Blend`` joins a
linear model with a vote of a text's nearest training texts, so a near twin of a labelled look-alike
("I took an overdose in 2014, well now") is judged by that twin and not only by the words it shares
with the at-risk side.
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
        if sparse.issparse(features) and features.format == "csr" and self.weights.shape[1] == 1:
            # A query's row holds a few hundred of 262k columns: reading just their weights costs
            # 0.01 ms, where scipy's general product spends 0.14 ms setting up (equal to 1e-12, tested).
            rows = np.repeat(np.arange(features.shape[0]), np.diff(features.indptr))
            products = features.data * self.weights[features.indices, 0]
            return np.bincount(rows, weights=products, minlength=features.shape[0])[:, None] + self.bias
        return np.asarray(features @ self.weights) + self.bias

    def proba(self, features: np.ndarray | sparse.spmatrix) -> np.ndarray:
        """Calibrated probabilities, ``(rows, outputs)``."""
        return sigmoid(self.slope * self.logits(features) + self.intercept)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The model as named arrays, for ``np.savez_compressed`` (no pickles)."""
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
        """``[char TF-IDF | word TF-IDF | embedding]``, each block of unit length.

        Assembled as one CSR from plain arrays: for a single query, scipy's checks on each
        intermediate matrix cost more than the arithmetic (about 1 ms against 0.3 ms a search).
        """
        rows, width = len(texts), vectors.shape[1]
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # per block: values, columns, row lengths
        for offset, (hasher, idf) in enumerate(zip(_hashers(), self.idf, strict=True)):
            counts = hasher.transform(texts).tocsr()
            lengths = np.diff(counts.indptr)
            values = (1 + np.log(counts.data.astype(np.float64))) * idf[counts.indices]
            norms = np.sqrt(np.bincount(np.repeat(np.arange(rows), lengths), weights=values**2, minlength=rows))
            values /= np.repeat(np.where(norms > 0, norms, 1.0), lengths)
            parts.append((values, counts.indices.astype(np.int64) + offset * HASH_FEATURES, lengths))
        dense_columns = np.tile(np.arange(2 * HASH_FEATURES, 2 * HASH_FEATURES + width), rows)
        parts.append((vectors.astype(np.float64).ravel(), dense_columns, np.full(rows, width)))
        per_row = sum(lengths for _, _, lengths in parts)
        indptr = np.concatenate([[0], np.cumsum(per_row)])
        data, indices = np.empty(indptr[-1]), np.empty(indptr[-1], dtype=np.int64)
        before = indptr[:-1].copy()  # where each row's next block starts
        for values, columns, lengths in parts:
            within = np.arange(len(values)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            at = np.repeat(before, lengths) + within
            data[at], indices[at] = values, columns
            before += lengths
        shape = (rows, 2 * HASH_FEATURES + width)
        return sparse.csr_matrix((data, indices.astype(np.int32), indptr.astype(np.int32)), shape=shape)


#: A text's nearest training texts vote, each weighted by ``exp(SHARPNESS * similarity)``. Chosen by
#: leave-one-writer-out false alarms and out-of-scope recall among k 10 to 30, sharpness 5 to 80
#: (docs/safety.md); flat around these values. Embeddings are compared in their first ``COMPONENTS``
#: principal directions: a third of the memory read per search, and no loss in that
#: cross-validation (64 lost a point).
NEIGHBOURS, SHARPNESS, COMPONENTS = 20, 40.0, 128
#: A unanimous vote counts as this share, so its logit is bounded by ``VOTE_LIMIT``.
_SHARE_LIMIT = 1e-3
#: Rows voted on at a time: bounds the memory of the gathered postings.
_VOTE_BLOCK = 64


def _logit(p: np.ndarray | Sequence[float], limit: float = 1e-9) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), limit, 1 - limit)
    return np.log(p / (1 - p))


VOTE_LIMIT = float(_logit([1 - _SHARE_LIMIT])[0])


def _word_block(features: sparse.csr_matrix) -> sparse.csr_matrix:
    return features[:, HASH_FEATURES : 2 * HASH_FEATURES]


def _vector_block(features: sparse.csr_matrix) -> np.ndarray:
    return features[:, 2 * HASH_FEATURES :].toarray().astype(np.float32)


def _project(vectors: np.ndarray, projection: np.ndarray) -> np.ndarray:
    projected = vectors @ projection
    return projected / np.maximum(np.linalg.norm(projected, axis=1, keepdims=True), 1e-12)


def _gather(rows: sparse.csr_matrix, postings: sparse.csr_matrix) -> np.ndarray:
    """``rows @ postings`` as a dense array, read from the postings of the rows' own n-grams only.

    The same product as scipy's, about seven times faster for a query of a few dozen n-grams, where
    scipy's set-up costs more than the work (tested against it)."""
    starts = postings.indptr[rows.indices]
    lengths = postings.indptr[rows.indices + 1] - starts
    at = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    owner = np.repeat(np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr)), lengths)
    width = postings.shape[1]
    weights = np.repeat(rows.data, lengths) * postings.data[at]
    flat = np.bincount(owner * width + postings.indices[at], weights=weights, minlength=rows.shape[0] * width)
    return flat.reshape(rows.shape[0], width)


@functools.cache
def _blas() -> object:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@dataclass(frozen=True)
class Neighbours:
    """Labelled training texts, compared on word n-grams and the embedding (the character n-grams
    would triple the stored size for no gain in cross-validation); cosine is the mean of the two."""

    postings: sparse.csr_matrix  # (HASH_FEATURES, texts): by n-gram, so a query reads only its own rows
    projection: np.ndarray  # (dimension, COMPONENTS): the training embeddings' principal directions
    vectors: np.ndarray  # (texts, COMPONENTS), projected unit rows (float16 on disk)
    labels: np.ndarray  # (texts,) bool
    groups: np.ndarray  # (texts,) writer index, to hold a writer's own texts out in cross-validation

    @classmethod
    def of(cls, features: sparse.csr_matrix, labels: np.ndarray, groups: np.ndarray) -> Neighbours:
        """The texts behind ``features``, with their labels and writer indices."""
        postings = _word_block(features).T.tocsr().astype(np.float32)
        vectors = _vector_block(features)
        _, _, directions = np.linalg.svd(vectors - vectors.mean(axis=0), full_matrices=False)
        projection = np.ascontiguousarray(directions[:COMPONENTS].T, dtype=np.float32)
        return cls(postings, projection, _project(vectors, projection), labels.astype(bool), groups.astype(np.int32))

    def vote(self, features: sparse.csr_matrix, groups: Sequence[int] | None = None) -> np.ndarray:
        """The similarity-weighted share of positive neighbours per row, as a logit; with ``groups``
        (a writer index per row) a row's own writer's texts are left out (cross-validation)."""
        out = np.zeros(features.shape[0])
        k = min(NEIGHBOURS, len(self.labels))
        for start in range(0, features.shape[0], _VOTE_BLOCK):
            block = features if features.shape[0] <= _VOTE_BLOCK else features[start : start + _VOTE_BLOCK]
            # One BLAS thread: a threaded product leaves OpenBLAS spinning on both cores, and the
            # next model call ran several times slower (a search went from 18 ms to 90 ms).
            with _blas().limit(limits=1, user_api="blas"):
                dense = _project(_vector_block(block), self.projection) @ self.vectors.T
            sims = 0.5 * (_gather(_word_block(block), self.postings) + dense)
            if groups is not None:
                sims[np.asarray(groups[start : start + _VOTE_BLOCK])[:, None] == self.groups[None, :]] = -np.inf
            nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            near = np.take_along_axis(sims, nearest, 1)
            weight = np.exp(SHARPNESS * (near - near.max(axis=1, keepdims=True)))
            share = (weight * self.labels[nearest]).sum(axis=1) / weight.sum(axis=1)
            out[start : start + len(share)] = share
        return _logit(out, _SHARE_LIMIT)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}.postings.data": self.postings.data.astype(np.float16),
            f"{prefix}.postings.indices": self.postings.indices.astype(np.int32),
            f"{prefix}.postings.indptr": self.postings.indptr.astype(np.int64),
            f"{prefix}.projection": self.projection,
            f"{prefix}.vectors": self.vectors.astype(np.float16),
            f"{prefix}.labels": self.labels,
            f"{prefix}.groups": self.groups,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Neighbours:
        labels = np.asarray(arrays[f"{prefix}.labels"], dtype=bool)
        postings = sparse.csr_matrix(
            (
                np.asarray(arrays[f"{prefix}.postings.data"], dtype=np.float32),
                arrays[f"{prefix}.postings.indices"],
                arrays[f"{prefix}.postings.indptr"],
            ),
            shape=(HASH_FEATURES, len(labels)),
        )
        return cls(
            postings,
            np.asarray(arrays[f"{prefix}.projection"], dtype=np.float32),
            np.asarray(arrays[f"{prefix}.vectors"], dtype=np.float32),
            labels,
            np.asarray(arrays[f"{prefix}.groups"]),
        )


@dataclass(frozen=True)
class Blend:
    """A linear model's logit and the neighbours' vote, joined by a logistic fitted on both as
    scored out of fold: its output is a calibrated probability."""

    model: Linear
    neighbours: Neighbours
    stack: Linear  # two inputs: the model's logit, the vote's logit

    def proba(self, features: sparse.csr_matrix, decide: Sequence[float] = ()) -> np.ndarray:
        """Calibrated probabilities, ``(rows,)``.

        Given thresholds to ``decide``, the neighbours vote only where the linear model leaves a
        row undecided. Where no vote could carry the probability across any of those thresholds,
        the row gets its vote-neutral probability: on the same side of every threshold as the exact
        one. The decisions are exact, and a search with a clear answer skips the vote.
        """
        logits = self.model.logits(features)[:, 0]
        votes = np.zeros(len(logits))
        undecided = np.ones(len(logits), dtype=bool)
        if len(decide):
            (linear, vote), bias = self.stack.weights[:, 0].astype(np.float64), float(self.stack.bias[0])
            centre, swing = linear * logits + bias, abs(vote) * VOTE_LIMIT
            cuts = _logit(decide)
            undecided = ((centre[:, None] - swing < cuts) & (cuts <= centre[:, None] + swing)).any(axis=1)
        if undecided.all():
            votes = self.neighbours.vote(features)  # a query's usual case: no rows to pick out
        elif undecided.any():
            votes[undecided] = self.neighbours.vote(features[undecided])
        return self.stack.proba(np.column_stack([logits, votes]))[:, 0]

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            **self.model.arrays(f"{prefix}.model"),
            **self.neighbours.arrays(prefix),
            **self.stack.arrays(f"{prefix}.stack"),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str) -> Blend:
        return cls(
            Linear.from_arrays(arrays, f"{prefix}.model"),
            Neighbours.from_arrays(arrays, prefix),
            Linear.from_arrays(arrays, f"{prefix}.stack"),
        )


def blend(
    features: sparse.csr_matrix,
    targets: np.ndarray,
    groups: Sequence[str],
    *,
    c: float,
    score: tuple[sparse.csr_matrix, Sequence[str]] | None = None,
    weights: np.ndarray | None = None,
) -> tuple[Blend, np.ndarray, np.ndarray | None]:
    """Fit a ``Blend``; return it with its out-of-fold probabilities for the training rows and, given
    ``score`` (other rows and their writers, e.g. windows of the training texts), for those rows.

    Out of fold means both parts never saw the row's writer: the linear model is refitted without
    it and the vote leaves its texts out. The stack's three numbers are fitted on those scores.
    ``weights`` weigh rows in the linear model and the stack (the vote counts every text once).
    """
    y = targets.astype(float)
    names, own = np.unique(np.asarray(groups), return_inverse=True)
    writer = {name: i for i, name in enumerate(names.tolist())}
    neighbours = Neighbours.of(features, y > 0, own)
    rows, row_groups = score if score is not None else (features[:0], [])
    logits = out_of_fold(
        features,
        y,
        groups,
        c=c,
        weights=weights,
        score=(sparse.vstack([features, rows], format="csr"), [*groups, *row_groups]),
    )[:, 0]
    votes = neighbours.vote(features, own)
    stack = fit(np.column_stack([logits[: len(y)], votes]), y, c=1.0, balanced=False, weights=weights)
    oof = stack.proba(np.column_stack([logits[: len(y)], votes]))[:, 0]
    scored = None
    if score is not None:
        scored = stack.proba(
            np.column_stack([logits[len(y) :], neighbours.vote(rows, [writer[g] for g in row_groups])])
        )[:, 0]
    return Blend(fit(features, y, c=c, weights=weights), neighbours, stack), oof, scored
