"""``Searcher``: hybrid retrieval (dense + BM25), situation-aware re-ranking, reasons; one batch code path."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signpost import fusion, triage
from signpost.config import Settings
from signpost.corpus import fingerprint, load_corpus
from signpost.embed import Encoder, SentenceTransformerEncoder
from signpost.errors import QueryError
from signpost.index import Collection, open_index
from signpost.types import Hit, Mode, Resource, SearchResponse

log = logging.getLogger(__name__)

#: Audience values that do not restrict who may use a resource.
_OPEN_AUDIENCE = frozenset({"all doctors", "healthcare staff", "BMA members"})


@dataclass(frozen=True)
class Tuning:
    """The ranking knobs, tuned on the dev set and NFCorpus dev (see docs/relevance.md)."""

    dense_weight: float = 0.6
    phrase_share: float = 0.5  # share of the dense signal from the best-matching helps_with phrase
    eligible_bonus: float = 0.15
    ineligible_penalty: float = 0.3
    unstated_penalty: float = 0.08
    confident_cosine: float = 0.38  # best phrase or record cosine below this, and no lexical hit: not confident
    reason_cosine: float = 0.42
    strong_cosine: float = 0.5


def dense_signal(collection: Collection, vectors: np.ndarray, phrase_share: float) -> np.ndarray:
    """Per document: a blend of the record's cosine and its best phrase's cosine."""
    doc = collection.dense_scores(vectors)
    phrases = collection.phrase_scores(vectors)
    if phrases.shape[1] == 0 or collection.phrase_owner is None:
        return doc
    best = np.full_like(doc, -1.0)
    np.maximum.at(best, (slice(None), collection.phrase_owner), phrases)
    return (1 - phrase_share) * doc + phrase_share * best


def hybrid_scores(dense: np.ndarray, lexical: np.ndarray, mode: Mode, dense_weight: float) -> np.ndarray:
    """The retrieval score each mode ranks by; hybrid is a convex mix of min-max normalised scores."""
    if mode == "dense":
        return dense.astype(np.float64)
    if mode == "lexical":
        return lexical.astype(np.float64)
    return fusion.weighted([dense, lexical], [dense_weight, 1 - dense_weight])


@dataclass
class Searcher:
    """Answers free-text descriptions of a doctor's problem with ranked, explained resources."""

    resources: Sequence[Resource]
    collection: Collection
    encoder: Encoder
    settings: Settings = field(default_factory=Settings)
    tuning: Tuning = field(default_factory=Tuning)

    def __post_init__(self) -> None:
        self._by_id = {r.id: r for r in self.resources}

    @classmethod
    def load(
        cls,
        corpus_dir: Path | str | None = None,
        index_dir: Path | str | None = None,
        *,
        settings: Settings | None = None,
    ) -> Searcher:
        """The corpus and a matching index (the repository's by default); refuses a stale index."""
        settings = settings or Settings()
        if corpus_dir is not None or index_dir is not None:
            settings = Settings(
                corpus_dir=Path(corpus_dir or settings.corpus_dir),
                index_dir=Path(index_dir or settings.index_dir),
                model=settings.model,
                max_query_chars=settings.max_query_chars,
            )
        resources = load_corpus(settings.corpus_dir)
        collection, _ = open_index(settings.index_dir, fingerprint(resources), settings.model)
        return cls(resources, collection, SentenceTransformerEncoder(settings.model), settings)

    def resource(self, resource_id: str) -> Resource:
        """The corpus record with this id (``KeyError`` if there is none)."""
        return self._by_id[resource_id]

    def search(self, query: str, k: int = 5, *, mode: Mode = "hybrid") -> SearchResponse:
        """One query; the same path as ``search_many``."""
        return self.search_many([query], k, mode=mode)[0]

    def search_many(self, queries: Sequence[str], k: int = 5, *, mode: Mode = "hybrid") -> list[SearchResponse]:
        """Rank resources for every query in one batch (one model call for all of them)."""
        cleaned = [triage.clean(q, self.settings.max_query_chars) for q in queries]
        for (text, _), raw in zip(cleaned, queries, strict=True):
            if not any(ch.isalnum() for ch in text):
                raise QueryError(f"nothing to search for in {raw[:40]!r}: describe the problem in words")
        texts = [triage.expand(text) for text, _ in cleaned]
        vectors = self.encoder.encode(texts)
        dense = dense_signal(self.collection, vectors, self.tuning.phrase_share)
        lexical = self.collection.lexical.scores(texts)
        phrases = self.collection.phrase_scores(vectors)
        scores = hybrid_scores(dense, lexical, mode, self.tuning.dense_weight)
        return [
            self._respond(text, truncated, scores[row], dense[row], lexical[row], phrases[row], k)
            for row, (text, truncated) in enumerate(cleaned)
        ]

    def _respond(
        self,
        text: str,
        truncated: bool,
        scores: np.ndarray,
        dense: np.ndarray,
        lexical: np.ndarray,
        phrases: np.ndarray,
        k: int,
    ) -> SearchResponse:
        cues = triage.situation(text)
        adjusted = scores + self._eligibility(cues)
        order = np.argsort(-adjusted, kind="stable")[: max(k, 0)]
        crisis = triage.is_crisis(text)
        best_cosine = float(dense.max()) if dense.size else 0.0
        confident = crisis or best_cosine >= self.tuning.confident_cosine  # a crisis is always in scope
        hits = tuple(
            Hit(
                id=self.resources[i].id,
                name=self.resources[i].name,
                score=float(adjusted[i]),
                resource=self.resources[i],
                reasons=self._reasons(int(i), cues, phrases),
                strong=bool(confident and dense[i] >= self.tuning.strong_cosine),
            )
            for i in order
        )
        return SearchResponse(
            query=text,
            results=hits,
            crisis=crisis,
            confident=confident,
            truncated=truncated,
            cues=tuple(cue.label for cue in cues),
        )

    def _eligibility(self, cues: Sequence[triage.Cue]) -> np.ndarray:
        """Additive prior per resource: up when the text shows the doctor is eligible, down when not."""
        t = self.tuning
        nations, audience = triage.cue_nations(cues), triage.cue_audience(cues)
        employer = "employers" in audience
        prior = np.zeros(len(self.resources))
        for i, r in enumerate(self.resources):
            if "UK-wide" not in r.nations:
                if nations & set(r.nations):
                    prior[i] += t.eligible_bonus
                elif nations:
                    prior[i] -= t.ineligible_penalty
                elif set(r.nations) != {"England"}:
                    prior[i] -= t.unstated_penalty
            groups = set(r.audience)
            if r.kind == "report for employers":
                prior[i] += t.eligible_bonus if employer else -t.ineligible_penalty
            elif groups & audience - {"employers"}:
                prior[i] += t.eligible_bonus
            elif not groups & _OPEN_AUDIENCE:
                prior[i] -= t.ineligible_penalty if audience - {"employers"} else t.unstated_penalty
        return prior

    def _reasons(self, index: int, cues: Sequence[triage.Cue], phrases: np.ndarray) -> tuple[str, ...]:
        """Plain-English why: the situations it helps with that match, and the eligibility cues it fits."""
        resource = self.resources[index]
        reasons: list[str] = []
        owner = self.collection.phrase_owner
        if owner is not None and phrases.size:
            mine = np.flatnonzero(owner == index)
            ranked = mine[np.argsort(-phrases[mine])]
            matched = [j for j in ranked[:2] if phrases[j] >= self.tuning.reason_cosine] or list(ranked[:1])
            reasons += [f"Helps with: {resource.helps_with[j - mine[0]]}" for j in matched]
        for cue in cues:
            if set(cue.nations) & set(resource.nations) and "UK-wide" not in resource.nations:
                reasons.append(f"For doctors {cue.label}")
            if set(cue.audience) & set(resource.audience):
                reasons.append(f"For {', '.join(sorted(set(cue.audience) & set(resource.audience)))}")
        return tuple(dict.fromkeys(reasons))
