"""Shared fixtures: the real model and the real committed index, loaded once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from signpost import Searcher
from signpost.config import PROJECT_ROOT
from signpost.embed import SentenceTransformerEncoder

FIXTURE_CORPUS = Path(__file__).parent / "fixtures" / "corpus"
FIXTURE_TRAINING = Path(__file__).parent / "fixtures" / "training"
SHARED = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def encoder() -> SentenceTransformerEncoder:
    """The bundled all-MiniLM-L6-v2, loaded offline once."""
    return SentenceTransformerEncoder()


@pytest.fixture(scope="session")
def searcher(encoder: SentenceTransformerEncoder) -> Searcher:
    """The repository's corpus and committed index, with the shared encoder."""
    return Searcher.load(encoder=encoder)


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A writable copy of the three-record fixture corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def shared() -> Path:
    """``../shared`` beside the repository (CI always has it)."""
    assert SHARED.is_dir(), f"{SHARED} is missing: the evaluation material sits beside the repository"
    return SHARED


@pytest.fixture
def tiny_training(tmp_path: Path) -> Path:
    """A writable copy of the training fixture written for the three-record corpus (two writers)."""
    target = tmp_path / "training"
    shutil.copytree(FIXTURE_TRAINING, target)
    return target
