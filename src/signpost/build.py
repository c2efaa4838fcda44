"""``signpost build``: the index, then the learned layer trained against it, written together."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from signpost import learned
from signpost.config import Settings
from signpost.corpus import load_corpus
from signpost.embed import Encoder
from signpost.index import BuildResult, Collection, build_index
from signpost.search import Searcher
from signpost.training import load_training

log = logging.getLogger(__name__)


def build(settings: Settings, encoder: Encoder, *, progress: bool = False) -> BuildResult:
    """Build (or confirm current) the index for the settings' corpus, trained on its ``training/``.

    The learned layer is trained on signals computed by the very ``Searcher`` code a query runs
    through, against the collection just built, so training and search cannot drift apart.
    """
    resources = load_corpus(settings.corpus_dir)
    data = load_training(settings.training_dir, [r.id for r in resources]) if settings.training_dir else None

    def train(collection: Collection) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        assert data is not None
        started = time.perf_counter()
        searcher = Searcher(resources, collection, encoder, settings)
        model, report = learned.train(resources, data, searcher.signals, encoder)
        log.info("trained the learned layer in %.1f s", time.perf_counter() - started)
        return model.arrays(), {**model.info(), "cv": report}

    return build_index(
        resources,
        encoder,
        settings.index_dir,
        progress=progress,
        train=train if data is not None else None,
        training_fingerprint=data.fingerprint if data is not None else None,
    )
