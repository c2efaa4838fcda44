"""Signpost: find the right support for a UK doctor in difficulty, from a plain-language description."""

from __future__ import annotations

from signpost.config import Settings
from signpost.errors import CorpusError, IndexNotReadyError, QueryError, SignpostError
from signpost.search import Searcher
from signpost.types import Filters, Hit, Resource, SearchResponse

__version__ = "0.1.0"
__all__ = [
    "CorpusError",
    "Filters",
    "Hit",
    "IndexNotReadyError",
    "QueryError",
    "Resource",
    "SearchResponse",
    "Searcher",
    "Settings",
    "SignpostError",
    "__version__",
]
