"""BM25 (bm25s) over the same texts the dense side embeds: the lexical half of hybrid search."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import bm25s

#: Lucene's defaults for short documents; NFCorpus confirmed them (SOURCE.md: k1=0.9, b=0.4).
K1, B = 0.9, 0.4


@functools.cache
def _bm25s():
    """bm25s, imported on first use; it sets its own logger to DEBUG on import, which would print
    progress chatter through any application's handler, so put it back to WARNING."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


_local = threading.local()


def _stemmer():
    """A Snowball stemmer per thread: PyStemmer's objects are not safe to share across threads."""
    if not hasattr(_local, "stemmer"):
        import Stemmer

        _local.stemmer = Stemmer.Stemmer("english")
    return _local.stemmer


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, English-stopworded, Snowball-stemmed tokens (the same for documents and queries)."""
    return _bm25s().tokenize(list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class LexicalIndex:
    """A BM25 index that scores every document for a query (dense arrays fuse simply with the dense side)."""

    def __init__(self, retriever: bm25s.BM25) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        retriever = _bm25s().BM25(k1=K1, b=B, method="lucene")
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        return cls(_bm25s().BM25.load(str(directory), mmap=False, allow_pickle=False))

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), allow_pickle=False)

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def scores(self, queries: Sequence[str]) -> np.ndarray:
        """A ``(len(queries), size)`` float32 array of BM25 scores; zeros for a query with no known term."""
        out = np.zeros((len(queries), self.size), dtype=np.float32)
        for row, tokens in enumerate(tokenize(queries)):
            ids = self._retriever.get_tokens_ids(tokens)
            if ids:
                out[row] = self._retriever.get_scores_from_ids(ids)
        return out
