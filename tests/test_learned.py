"""The learned layer end to end on the tiny fixtures: trained by the build, stored, refused when stale."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from signpost import IndexNotReadyError, Searcher, Settings, learn
from signpost.build import build
from signpost.learn import Blend, Neighbours, TextFeatures, _gather, blend, fit, platt, sigmoid


def _settings(corpus: Path, training: Path | None, index: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=index, training_dir=training)


def test_build_trains_stores_and_search_uses_it(
    tiny_corpus: Path, tiny_training: Path, tmp_path: Path, encoder
) -> None:
    settings = _settings(tiny_corpus, tiny_training, tmp_path / "index")
    result = build(settings, encoder)
    assert result.built and "learned" in result.manifest
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text())
    assert manifest["training_fingerprint"] and manifest["files"]["learned"].endswith(".npz")
    assert set(manifest["learned"]["cv"]) == {"risk", "scope", "needs", "ranking"}
    cv = manifest["learned"]["cv"]
    assert set(cv["risk"]["writers"]) == set(cv["scope"]["by_writer"]) == {"writer-a", "writer-b"}
    assert all(0 <= figure["caught"] <= 1 for figure in cv["risk"]["writers"].values())
    searcher = Searcher.load(settings=settings, encoder=encoder)
    assert searcher.learned is not None
    response = searcher.search("can't pay the rent, bailiffs at the door", k=3)
    assert response.results[0].id == "beta-fund"
    assert response.risk in ("urgent", "concern", "none")
    assert not build(settings, encoder).built  # current: nothing to do


def test_training_change_is_refused_until_rebuilt(
    tiny_corpus: Path, tiny_training: Path, tmp_path: Path, encoder
) -> None:
    settings = _settings(tiny_corpus, tiny_training, tmp_path / "index")
    build(settings, encoder)
    with (tiny_training / "crisis.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"text": "new line", "crisis": False, "family": "f", "writer": "writer-a"}) + "\n")
    with pytest.raises(IndexNotReadyError, match="training text has changed"):
        Searcher.load(settings=settings, encoder=encoder)
    assert build(settings, encoder).built
    assert Searcher.load(settings=settings, encoder=encoder).learned is not None


def test_index_without_learned_layer_is_refused_when_training_exists(
    tiny_corpus: Path,
    tiny_training: Path,
    tmp_path: Path,
    encoder,
) -> None:
    plain = _settings(tiny_corpus, None, tmp_path / "index")
    build(plain, encoder)
    assert Searcher.load(settings=plain, encoder=encoder).learned is None  # the general engine alone
    with pytest.raises(IndexNotReadyError, match="training text differs"):
        Searcher.load(settings=_settings(tiny_corpus, tiny_training, tmp_path / "index"), encoder=encoder)


def test_fit_separates_and_platt_calibrates() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5))
    y = (x[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(float)
    model = fit(x, y, c=1.0)
    assert ((model.logits(x)[:, 0] > 0) == (y > 0)).mean() > 0.9
    slope, intercept = platt(model.logits(x), y)
    p = sigmoid(slope * model.logits(x) + intercept)[:, 0]
    assert abs(p.mean() - y.mean()) < 0.02  # calibrated: mean probability matches the base rate


def test_fit_matches_scikit_learn() -> None:
    """The joint L-BFGS solves scikit-learn's own objective: same coefficients."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4))
    y = (x @ np.array([1.0, -2.0, 0.5, 0.0]) + rng.normal(size=300) > 0.5).astype(float)
    ours = fit(x, y, c=0.5)
    theirs = LogisticRegression(C=0.5, class_weight="balanced", max_iter=5000, tol=1e-8).fit(x, y)
    np.testing.assert_allclose(ours.weights[:, 0], theirs.coef_[0], atol=2e-3)
    assert ours.bias[0] == pytest.approx(theirs.intercept_[0], abs=2e-3)


def test_text_features_are_unit_blocks_and_deterministic() -> None:
    features = TextFeatures.fit(["no thoughts of self-harm", "my patient took an overdose", "kms"])
    vectors = np.eye(2, 384, dtype=np.float32)
    x = features.transform(["no thoughts of self-harm", "kms lol"], vectors)
    assert x.shape == (2, 2 * features.idf.shape[1] + 384)
    width = features.idf.shape[1]
    for start in (0, width):
        block = x[:, start : start + width].toarray()
        np.testing.assert_allclose(np.linalg.norm(block, axis=1), 1.0, atol=1e-6)
    assert (features.transform(["kms lol"], vectors[1:]) != x[1]).nnz == 0


def test_text_with_no_words_still_gets_features() -> None:
    """A segment of punctuation only has character n-grams but no word: its word block stays empty."""
    features = TextFeatures.fit(["a few words", "more words here"])
    x = features.transform(["words", "!!!"], np.zeros((2, 384), dtype=np.float32))
    assert x.shape[0] == 2 and np.isfinite(x.data).all()


def _features(texts: list[str], seed: int = 0) -> sparse.csr_matrix:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(len(texts), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return TextFeatures.fit(texts).transform(texts, vectors)


def test_neighbours_vote_for_their_label_and_leave_a_writer_out() -> None:
    """A text's twin decides its vote, unless the twin is the same writer's (cross-validation)."""
    texts = ["i took an overdose last night", "i took an overdose in 2014 and i am well now"] * 2
    x = _features(texts)
    labels = np.array([True, False, True, False])
    near = Neighbours.of(x, labels, np.array([0, 0, 1, 1]))
    votes = near.vote(x)
    assert votes[0] > 0 > votes[1]  # identical twins vote for their own label
    crossed = Neighbours.of(x, np.array([True, False, False, True]), np.array([0, 0, 1, 1]))
    held_out = crossed.vote(x, [0, 0, 1, 1])  # writer a's rows see only writer b's texts, and vice versa
    assert held_out[0] < 0 < held_out[1]


def test_blend_is_calibrated_round_trips_and_is_scored_out_of_fold() -> None:
    rng = np.random.default_rng(2)
    words = ["tired", "rota", "overdose", "rope", "patient", "teaching", "goodbye", "well now"]
    texts = [" ".join(rng.choice(words, size=4)) + f" {i}" for i in range(240)]
    y = np.array([("rope" in t or "goodbye" in t) and "patient" not in t for t in texts], dtype=float)
    writers = [f"w{i % 4}" for i in range(240)]
    x = _features(texts)
    model, oof, scored = blend(x, y, writers, c=4.0, score=(x[:10], writers[:10]))
    assert oof.shape == (240,) and scored is not None and scored.shape == (10,)
    np.testing.assert_allclose(scored, oof[:10])  # the same rows scored either way agree
    assert abs(oof.mean() - y.mean()) < 0.05 and ((oof > 0.5) == (y > 0)).mean() > 0.85
    restored = Blend.from_arrays(model.arrays("risk"), "risk")
    np.testing.assert_allclose(restored.proba(x), model.proba(x), atol=1e-3)  # float16 on disk
    exact = model.proba(x)
    for cuts in ((0.2, 0.9), (0.5,), (0.05, 0.35, 0.6)):  # the vote skipped only where it cannot change a decision
        fast = model.proba(x, decide=cuts)
        assert all(((fast >= cut) == (exact >= cut)).all() for cut in cuts)


def test_gathered_postings_equal_the_sparse_product() -> None:
    rng = np.random.default_rng(3)
    rows = sparse.random(5, 300, density=0.05, format="csr", random_state=rng)
    postings = sparse.random(300, 40, density=0.1, format="csr", random_state=rng)
    np.testing.assert_allclose(_gather(rows, postings), (rows @ postings).toarray(), atol=1e-12)
    np.testing.assert_allclose(_gather(rows[:0], postings), np.zeros((0, 40)))


def test_linear_logits_of_sparse_rows_equal_the_sparse_product() -> None:
    """The one-output fast path over a CSR's own columns gives scipy's product, empty rows included."""
    rng = np.random.default_rng(5)
    rows = sparse.random(6, 500, density=0.03, format="csr", random_state=rng)
    rows = sparse.vstack([rows, sparse.csr_matrix((1, 500))], format="csr")
    model = learn.Linear(rng.normal(size=(500, 1)).astype(np.float32), np.array([0.3]), np.ones(1), np.zeros(1))
    expected = np.asarray(rows @ model.weights) + model.bias
    np.testing.assert_allclose(model.logits(rows), expected, atol=1e-12)
    np.testing.assert_allclose(model.logits(rows.toarray()), expected, atol=1e-6)
    assert model.logits(rows)[-1, 0] == 0.3


def test_text_features_equal_the_plain_scipy_composition() -> None:
    """The one-pass assembly gives what hashing, TF-IDF, row norms and hstack give step by step."""
    texts = ["no thoughts of self-harm, just exhausted", "", "!!!", "my patient took an overdose overdose", "kms"]
    features = TextFeatures.fit(texts)
    vectors = np.random.default_rng(4).normal(size=(len(texts), 384)).astype(np.float32)
    blocks = []
    for hasher, idf in zip(learn._hashers(), features.idf, strict=True):
        tfidf = hasher.transform(texts).tocsr().astype(np.float64)
        tfidf.data = (1 + np.log(tfidf.data)) * idf[tfidf.indices]
        norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
        blocks.append(sparse.diags(1 / np.where(norms > 0, norms, 1.0)) @ tfidf)
    expected = sparse.hstack([*blocks, sparse.csr_matrix(vectors)], format="csr")
    np.testing.assert_allclose(features.transform(texts, vectors).toarray(), expected.toarray(), atol=1e-12)
