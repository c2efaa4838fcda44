"""Build, save and load the FAISS and BM25 indexes with their manifest; refuse a stale or corrupt index."""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from signpost.corpus import document_text, fingerprint
from signpost.embed import Encoder
from signpost.errors import IndexNotReadyError
from signpost.lexical import LexicalIndex
from signpost.types import Resource

if TYPE_CHECKING:
    import faiss

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
#: Below this many rows an exact flat index answers in under ~2 ms on 2 cores; above it, HNSW.
EXACT_BELOW = 30_000
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 64
#: How many candidates an approximate index returns for fusion with BM25.
APPROXIMATE_CANDIDATES = 1000
FORMAT = 2
REBUILD = "run `signpost build` (or `make index`) to rebuild it"
_VERSIONED = ("signpost", "sentence-transformers", "transformers", "torch", "faiss-cpu", "bm25s", "numpy")


@dataclass(frozen=True)
class Collection:
    """Searchable vectors and BM25 for ``count`` documents, plus optional per-document phrase vectors.

    Phrases (a resource's ``helps_with`` situations) are embedded one by one because a doctor's
    sentence usually matches one situation, which a whole-record vector dilutes.
    """

    dense: faiss.Index
    lexical: LexicalIndex
    phrases: faiss.Index | None = None
    phrase_owner: np.ndarray | None = None

    @property
    def count(self) -> int:
        return int(self.dense.ntotal)

    def dense_scores(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine of each query with every document, ``(queries, count)``."""
        return _all_scores(self.dense, self._dense_matrix, vectors)

    def phrase_scores(self, vectors: np.ndarray) -> np.ndarray:
        """Cosine of each query with every phrase, ``(queries, phrases)``; empty when there are none."""
        if self.phrases is None:
            return np.zeros((len(vectors), 0), dtype=np.float32)
        return _all_scores(self.phrases, self._phrase_matrix, vectors)

    def best_phrase(self, phrase_scores: np.ndarray) -> np.ndarray:
        """Each document's best phrase score, ``(queries, count)``; phrases are stored grouped by owner."""
        return np.maximum.reduceat(phrase_scores, self.phrase_starts, axis=1)

    @functools.cached_property
    def phrase_starts(self) -> np.ndarray:
        """Where each document's phrases begin (computed once, not per query); document i's phrases
        are ``phrase_starts[i]`` up to ``phrase_starts[i + 1]``."""
        owner = self.phrase_owner
        assert owner is not None and len(owner) and np.all(np.diff(owner) >= 0)
        return np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])

    @functools.cached_property
    def _dense_matrix(self) -> np.ndarray | None:
        return _exact_rows(self.dense)

    @functools.cached_property
    def _phrase_matrix(self) -> np.ndarray | None:
        return _exact_rows(self.phrases)


def _exact_rows(index: faiss.Index | None) -> np.ndarray | None:
    """An exact index's rows as one array: below a few thousand rows a matrix product beats a search."""
    return index.reconstruct_n(0, index.ntotal) if index is not None and is_exact(index) else None


def _all_scores(index: faiss.Index, matrix: np.ndarray | None, vectors: np.ndarray) -> np.ndarray:
    """Inner product with every row (exact: one matrix product) or with an approximate index's best
    candidates, scattered back to row order; rows that are not candidates score -1, below any cosine."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if matrix is not None:
        return vectors @ matrix.T
    scores, ids = index.search(vectors, min(index.ntotal, APPROXIMATE_CANDIDATES))
    out = np.full((len(vectors), index.ntotal), -1.0, dtype=np.float32)
    found = ids >= 0
    out[np.nonzero(found)[0], ids[found]] = scores[found]
    return out


def is_exact(index: faiss.Index) -> bool:
    import faiss

    return isinstance(index, faiss.IndexFlat)


def planned_index(rows: int) -> str:
    """The index the engine builds for ``rows`` vectors: exact below ``EXACT_BELOW``, HNSW above."""
    return "flat-ip" if rows < EXACT_BELOW else f"hnsw-ip(M={HNSW_M},efSearch={HNSW_EF_SEARCH})"


def vector_index(vectors: np.ndarray) -> faiss.Index:
    """The planned index over ``vectors`` (``docs/performance.md`` measured both kinds).

    On unit vectors inner product is cosine similarity.
    """
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if planned_index(len(vectors)) == "flat-ip":
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def build_collection(
    texts: Sequence[str],
    encoder: Encoder,
    phrases: Sequence[Sequence[str]] | None = None,
    *,
    progress: bool = False,
) -> Collection:
    """Embed and BM25-index ``texts`` (and each document's ``phrases``) in memory."""
    dense = vector_index(encoder.encode(texts, progress=progress))
    phrase_index = owner = None
    if phrases is not None:
        flat = [phrase for group in phrases for phrase in group]
        owner = np.repeat(np.arange(len(phrases), dtype=np.int32), [len(group) for group in phrases])
        phrase_index = vector_index(encoder.encode(flat, progress=progress))
    return Collection(dense, LexicalIndex.build(texts), phrase_index, owner)


@dataclass(frozen=True)
class BuildResult:
    """What ``build_index`` did: ``built`` is False when the index was already current."""

    built: bool
    manifest: dict[str, Any]


#: Trains the learned layer against a freshly built collection: its arrays and what the manifest records.
Trainer = Callable[[Collection], tuple[dict[str, np.ndarray], dict[str, Any]]]


def build_index(
    resources: Sequence[Resource],
    encoder: Encoder,
    index_dir: Path,
    *,
    progress: bool = False,
    train: Trainer | None = None,
    training_fingerprint: str | None = None,
) -> BuildResult:
    """Write the index for ``resources`` (and the learned layer ``train`` makes against it); skip when
    the manifest already matches; never leave a half index.

    New files get build-specific names and the manifest, which names them, is replaced last in one
    ``os.replace``: a build killed at any moment leaves the previous manifest pointing at complete files.
    """
    index_dir = Path(index_dir)
    corpus_print = fingerprint(resources)
    try:
        current = _read_manifest(index_dir) if (index_dir / MANIFEST).exists() else None
    except IndexNotReadyError:  # an older format or a damaged manifest: rebuild over it
        current = None
    if (
        current
        and current.get("fingerprint") == corpus_print
        and current.get("model") == encoder.name
        and current.get("training_fingerprint") == training_fingerprint
    ):
        try:
            open_index(index_dir, corpus_print, encoder.name, training_fingerprint)
            return BuildResult(False, current)
        except IndexNotReadyError:
            log.info("index files do not match their manifest; rebuilding")
    index_dir.mkdir(parents=True, exist_ok=True)
    collection = build_collection(
        [document_text(r) for r in resources], encoder, [r.helps_with for r in resources], progress=progress
    )
    stamp = f"{corpus_print}:{encoder.name}:{training_fingerprint}:{datetime.now(UTC).isoformat()}"
    build_id = hashlib.sha256(stamp.encode()).hexdigest()[:12]
    files = {
        "dense": f"dense-{build_id}.faiss",
        "phrases": f"phrases-{build_id}.faiss",
        "phrase_owner": f"phrase-owner-{build_id}.npy",
        "bm25": f"bm25-{build_id}",
    }
    learned: tuple[dict[str, np.ndarray], dict[str, Any]] | None = None
    if train is not None:
        learned = train(collection)
        files["learned"] = f"learned-{build_id}.npz"
    _write_collection(collection, index_dir, files, learned[0] if learned else None)
    manifest = {
        "format": FORMAT,
        "model": encoder.name,
        "dimension": int(collection.dense.d),
        "fingerprint": corpus_print,
        "count": collection.count,
        "phrase_count": int(collection.phrases.ntotal) if collection.phrases is not None else 0,
        "index_type": planned_index(collection.count),
        "files": files,
        "checksums": {key: _checksum(index_dir / name) for key, name in files.items()},
        "versions": _versions(),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_fingerprint": training_fingerprint,
    }
    if learned is not None:
        manifest["learned"] = learned[1]
    _atomic_write(index_dir / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    _remove_unreferenced(index_dir, set(files.values()))
    return BuildResult(True, manifest)


def _write_collection(
    collection: Collection, index_dir: Path, files: dict[str, str], learned: dict[str, np.ndarray] | None
) -> None:
    import faiss

    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=index_dir))
    try:
        faiss.write_index(collection.dense, str(staging / files["dense"]))
        faiss.write_index(collection.phrases, str(staging / files["phrases"]))
        np.save(staging / files["phrase_owner"], collection.phrase_owner, allow_pickle=False)
        collection.lexical.save(staging / files["bm25"])
        if learned is not None:
            np.savez_compressed(staging / files["learned"], **learned)
        for name in files.values():
            os.replace(staging / name, index_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_unreferenced(index_dir: Path, keep: set[str]) -> None:
    """Delete earlier builds' files (only the names this module writes)."""
    for path in index_dir.iterdir():
        if path.name in keep or path.name == MANIFEST:
            continue
        ours = path.name.split("-")[0] in {"dense", "phrases", "phrase", "bm25", "learned", ".staging"}
        if ours or path.name.startswith(f".{MANIFEST}."):  # a manifest write cut short by a kill
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def open_index(
    index_dir: Path, corpus_fingerprint: str, model: str, training_fingerprint: str | None = None
) -> tuple[Collection, dict[str, Any], dict[str, np.ndarray]]:
    """Load the index in ``index_dir`` if, and only if, it was built from this corpus with this model
    (and trained on this ``training/``, when one is given): the collection, the manifest and the
    learned layer's arrays (empty when it was built without one)."""
    import faiss

    index_dir = Path(index_dir)
    manifest = _read_manifest(index_dir)
    if manifest.get("model") != model:
        raise IndexNotReadyError(
            f"{index_dir / MANIFEST}: index was built with model '{manifest.get('model')}', "
            f"but '{model}' is configured; {REBUILD}"
        )
    if manifest.get("fingerprint") != corpus_fingerprint:
        raise IndexNotReadyError(f"{index_dir / MANIFEST}: the corpus has changed since the index was built; {REBUILD}")
    if manifest.get("training_fingerprint") != training_fingerprint:
        change = (
            "has changed since" if training_fingerprint and manifest.get("training_fingerprint") else "differs from"
        )
        raise IndexNotReadyError(
            f"{index_dir / MANIFEST}: the training text {change} what the index was built with; {REBUILD}"
        )
    files: dict[str, str] = manifest["files"]
    for key, name in files.items():
        path = index_dir / name
        if not path.exists():
            raise IndexNotReadyError(f"{path}: index file missing; {REBUILD}")
        if _checksum(path) != manifest["checksums"].get(key):
            raise IndexNotReadyError(f"{path}: index file is corrupt (checksum differs from the manifest); {REBUILD}")
    try:
        dense = faiss.read_index(str(index_dir / files["dense"]))
        phrases = faiss.read_index(str(index_dir / files["phrases"]))
        owner = np.load(index_dir / files["phrase_owner"], allow_pickle=False)
        lexical = LexicalIndex.load(index_dir / files["bm25"])
        learned = {}
        if "learned" in files:
            with np.load(index_dir / files["learned"], allow_pickle=False) as stored:
                learned = {key: stored[key] for key in stored.files}
    except (RuntimeError, OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise IndexNotReadyError(f"{index_dir}: cannot read the index files ({exc}); {REBUILD}") from exc
    if dense.d != manifest["dimension"] or dense.ntotal != manifest["count"] or lexical.size != manifest["count"]:
        raise IndexNotReadyError(f"{index_dir / MANIFEST}: index files disagree with the manifest; {REBUILD}")
    if len(owner) != phrases.ntotal:
        raise IndexNotReadyError(
            f"{index_dir / files['phrase_owner']}: phrase owners disagree with the phrases; {REBUILD}"
        )
    if ("learned" in files) != ("learned" in manifest):
        raise IndexNotReadyError(f"{index_dir / MANIFEST}: learned layer files and manifest disagree; {REBUILD}")
    return Collection(dense, lexical, phrases, owner), manifest, learned


def _read_manifest(index_dir: Path) -> dict[str, Any]:
    path = index_dir / MANIFEST
    if not path.exists():
        raise IndexNotReadyError(f"{path}: no index here; {REBUILD}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexNotReadyError(f"{path}: manifest is unreadable or corrupt ({exc}); {REBUILD}") from exc
    needed = {"format", "model", "dimension", "fingerprint", "count", "files", "checksums"}
    if not isinstance(manifest, dict) or not needed <= manifest.keys() or manifest["format"] != FORMAT:
        raise IndexNotReadyError(f"{path}: manifest is from another version or incomplete; {REBUILD}")
    return manifest


def _checksum(path: Path) -> str:
    """SHA-256 of a file, or of a directory's files in name order."""
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")) if path.is_dir() else [path]:
        if item.is_file():
            digest.update(item.name.encode())
            digest.update(item.read_bytes())
    return digest.hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)


def _versions() -> dict[str, str]:
    import platform

    found = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
