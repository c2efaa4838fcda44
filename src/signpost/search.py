"""``Searcher``: hybrid retrieval (dense + BM25) fused with the learned layer, reasons; one batch code path."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from signpost import fusion, present, safety, triage
from signpost.config import Settings
from signpost.corpus import document_text, fingerprint, load_corpus
from signpost.embed import Encoder, SentenceTransformerEncoder
from signpost.errors import QueryError
from signpost.index import Collection, open_index
from signpost.learned import Learned
from signpost.training import training_fingerprint
from signpost.types import OPEN_AUDIENCE, Answers, Filters, Hit, Mode, Question, Resource, Risk, SearchResponse

#: Subtracted from the score of a service for another nation than the one the text names: below every
#: eligible one (scores are at most a few units), in its own order, still there if nothing else is.
ELSEWHERE = 100.0


@dataclass(frozen=True)
class Tuning:
    """Retrieval knobs (docs/relevance.md); the learned layer's own weights come from training."""

    understand: bool = True  # False: plain retrieval (the baselines in `signpost eval`), no learned ranking
    fusion: Literal["weighted", "rrf"] = "weighted"  # weighted won on both dev sets (docs/relevance.md)
    dense_weight: float = 0.6
    phrase_share: float = 0.5  # share of the dense signal from the best-matching helps_with phrase
    confident_cosine: float = 0.38  # without a learned scope check: best cosine below this is not confident
    reason_cosine: float = 0.42
    strong_cosine: float = 0.5  # without a learned scorer: cosine that makes a "strong match"
    strong_probability: float = 0.5  # with it: calibrated probability that makes a "strong match"


def dense_signal(collection: Collection, vectors: np.ndarray, phrase_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Per document, a blend of the record's cosine and its best phrase's cosine; and the phrase cosines."""
    doc = collection.dense_scores(vectors)
    phrases = collection.phrase_scores(vectors)
    if phrases.shape[1] == 0:
        return doc, phrases
    return (1 - phrase_share) * doc + phrase_share * collection.best_phrase(phrases), phrases


def hybrid_scores(dense: np.ndarray, lexical: np.ndarray, mode: Mode, tuning: Tuning) -> np.ndarray:
    """The retrieval score each mode ranks by; hybrid fuses both sides, by default a convex mix of
    min-max normalised scores, or reciprocal rank fusion."""
    if mode == "dense":
        return dense.astype(np.float64)
    if mode == "lexical":
        return lexical.astype(np.float64)
    weights = [tuning.dense_weight, 1 - tuning.dense_weight]
    if tuning.fusion == "rrf":
        return fusion.rrf([dense, lexical], [2 * w for w in weights])
    return fusion.weighted([dense, lexical], weights)


@dataclass(frozen=True)
class _Query:
    """One query as understood before ranking."""

    text: str  # cleaned, as the person wrote it
    truncated: bool
    augmented: str  # plus spelling corrections and the plain words for jargon: what gets embedded
    cues: tuple[triage.Cue, ...]


@dataclass(frozen=True)
class _Judged:
    """The query-level judgements for one query."""

    risk: Risk
    confident: bool
    needs: tuple[str, ...]


@dataclass
class Searcher:
    """Answers free-text descriptions of a doctor's problem with ranked, explained resources."""

    resources: Sequence[Resource]
    collection: Collection
    encoder: Encoder
    settings: Settings = field(default_factory=Settings)
    tuning: Tuning = field(default_factory=Tuning)
    learned: Learned | None = None

    def __post_init__(self) -> None:
        self._by_id = {r.id: r for r in self.resources}
        self._speller: triage.Speller | None = None
        self._lock = threading.Lock()
        if self.learned is not None and self.learned.resource_ids != tuple(r.id for r in self.resources):
            raise ValueError("the learned layer was trained for another list of resources")

    @classmethod
    def load(
        cls,
        corpus_dir: Path | str | None = None,
        index_dir: Path | str | None = None,
        *,
        settings: Settings | None = None,
        encoder: Encoder | None = None,
    ) -> Searcher:
        """The corpus and a matching index (the repository's by default); refuses a stale index.

        With a ``training/`` folder the index must carry the judgements trained on exactly that text.
        """
        settings = settings or Settings()
        if corpus_dir is not None:
            settings = replace(settings, corpus_dir=Path(corpus_dir))
        if index_dir is not None:
            settings = replace(settings, index_dir=Path(index_dir))
        resources = load_corpus(settings.corpus_dir)
        trained_on = training_fingerprint(settings.training_dir) if settings.training_dir else None
        collection, manifest, arrays = open_index(
            settings.index_dir, fingerprint(resources), settings.model, trained_on
        )
        learned = Learned.restore(arrays, manifest["learned"]) if arrays else None
        encoder = encoder or SentenceTransformerEncoder(settings.model)
        return cls(resources, collection, encoder, settings, learned=learned)

    def resource(self, resource_id: str) -> Resource:
        """The corpus record with this id (``KeyError`` if there is none)."""
        return self._by_id[resource_id]

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        mode: Mode = "hybrid",
        filters: Filters | None = None,
        answers: Answers | None = None,
    ) -> SearchResponse:
        """One query; the same path as ``search_many``."""
        return self.search_many([query], k, mode=mode, filters=filters, answers=answers)[0]

    def search_many(
        self,
        queries: Sequence[str],
        k: int = 5,
        *,
        mode: Mode = "hybrid",
        filters: Filters | None = None,
        answers: Answers | None = None,
    ) -> list[SearchResponse]:
        """Rank resources for every query in one batch (one model call for all of them).

        ``filters`` narrow the candidates before ranking, so up to ``k`` eligible resources always come
        back. ``answers`` (to the question back) count as if the text had said them.
        """
        if not queries:
            return []  # nothing to embed or judge (the n-gram hashers refuse an empty batch)
        understood = [self._understand(query, *triage.told(answers)) for query in queries]
        # The crisis gate reads each sentence too: embed them in the same model call as the queries.
        pieces = [(row, p) for row, q in enumerate(understood) for p in safety.segments(q.text)[1:]]
        if self.learned is None:
            pieces = []
        encoded = self.encoder.encode([q.augmented for q in understood] + [p for _, p in pieces])
        vectors = encoded[: len(understood)]
        dense, phrases, retrieval = self._retrieve(understood, vectors, mode)
        judged = self._judge(understood, vectors, encoded[len(understood) :], pieces, dense)
        scores, probabilities = retrieval, None
        if self.learned is not None and self.tuning.understand:
            probabilities = self.learned.ranker.proba(vectors)
            scores = self.learned.fusion.combine(probabilities, fusion.minmax(retrieval), self._prior(understood))
        if self.tuning.understand:  # another nation's service goes below every other, never away
            scores = scores - ELSEWHERE * np.array([triage.elsewhere(self.resources, q.cues) for q in understood])
        if filters is not None:
            scores[:, [not filters.allows(r) for r in self.resources]] = -np.inf
        return [
            self._respond(
                query, judged[row], scores[row], dense[row], phrases[row],
                None if probabilities is None else probabilities[row], k, filters,
            )
            for row, query in enumerate(understood)
        ]  # fmt: skip

    def signals(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What the learned layer is trained on, computed exactly as a search computes it: each text's
        vector, its retrieval scores scaled to 0..1, and its eligibility prior per resource."""
        understood = [self._understand(text) for text in texts]
        vectors = self.encoder.encode([q.augmented for q in understood])
        _, _, retrieval = self._retrieve(understood, vectors, "hybrid")
        return vectors, fusion.minmax(retrieval), self._prior(understood)

    def _retrieve(
        self, understood: Sequence[_Query], vectors: np.ndarray, mode: Mode
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dense scores, phrase scores and the mode's retrieval scores, ``(queries, resources)`` each."""
        dense, phrases = dense_signal(self.collection, vectors, self.tuning.phrase_share)
        lexical = self.collection.lexical.scores([q.augmented for q in understood])
        return dense, phrases, hybrid_scores(dense, lexical, mode, self.tuning)

    def _prior(self, understood: Sequence[_Query]) -> np.ndarray:
        """The eligibility prior from each query's situation cues, ``(queries, resources)``."""
        return np.array([triage.eligibility(self.resources, q.cues) for q in understood])

    def _understand(self, raw: str, told: str = "", told_cues: tuple[triage.Cue, ...] = ()) -> _Query:
        """Clean the text, correct spelling, expand jargon, find the situation cues; the words and cues
        ``told`` in answer to the question back are read with the text."""
        text, truncated = triage.clean(raw, self.settings.max_query_chars)
        if not any(ch.isalnum() for ch in text):
            raise QueryError(f"nothing to search for in {raw[:40]!r}: describe the problem in words")
        if not self.tuning.understand:
            return _Query(text, truncated, text, triage.situation(text))
        fixes = self._spelling().corrections(text)
        augmented = triage.expand(" ".join([text, *fixes, told]).strip())
        return _Query(text, truncated, augmented, triage.situation(augmented) + told_cues)

    def _judge(
        self,
        understood: Sequence[_Query],
        vectors: np.ndarray,
        piece_vectors: np.ndarray,
        pieces: Sequence[tuple[int, str]],
        dense: np.ndarray,
    ) -> list[_Judged]:
        """Risk, scope and needs per query: learned when the index carries the learned layer, else the
        rule layer alone for risk and the retrieval cosine for scope."""
        if self.learned is None:
            return [
                _Judged(
                    "urgent" if safety.unmistakable(q.text) else "none",
                    bool(dense[row].max() >= self.tuning.confident_cosine) if dense.size else False,
                    (),
                )
                for row, q in enumerate(understood)
            ]
        needs = self.learned.named_needs(vectors)
        judged = self.learned.judge([q.text for q in understood], vectors, pieces, piece_vectors)
        # Urgent text is always answered; a calm-line "concern" does not overrule the scope check.
        return [_Judged(risk, risk == "urgent" or in_scope, needs[row]) for row, (risk, in_scope) in enumerate(judged)]

    def _spelling(self) -> triage.Speller:
        """Built on first use: it needs the model's tokenizer vocabulary."""
        with self._lock:
            if self._speller is None:
                corpus_text = [document_text(r) for r in self.resources]
                self._speller = triage.Speller(corpus_text, self.encoder.vocabulary())
            return self._speller

    def _respond(
        self,
        query: _Query,
        judged: _Judged,
        scores: np.ndarray,
        dense: np.ndarray,
        phrases: np.ndarray,
        probabilities: np.ndarray | None,
        k: int,
        filters: Filters | None,
    ) -> SearchResponse:
        order = [i for i in np.argsort(-scores, kind="stable") if np.isfinite(scores[i])][: max(k, 0)]
        t = self.tuning
        hits = tuple(
            Hit(
                id=self.resources[i].id,
                name=self.resources[i].name,
                score=float(scores[i]),
                resource=self.resources[i],
                reasons=self._reasons(int(i), query, phrases),
                strong=judged.confident
                and bool(
                    dense[i] >= t.strong_cosine if probabilities is None else probabilities[i] >= t.strong_probability
                ),
            )
            for i in order
        )
        nations = present.placed_in(query.cues, filters)
        return SearchResponse(
            query=query.text,
            results=hits,
            risk=judged.risk,
            confident=judged.confident,
            truncated=query.truncated,
            cues=tuple(cue.label for cue in query.cues),
            needs=judged.needs,
            starting_points=() if judged.confident else present.starting_points(nations),
            urgent_help=present.urgent_help(nations),
            questions=_questions(query.cues, filters, hits[:5]) if judged.confident else (),
        )

    def _reasons(self, index: int, query: _Query, phrases: np.ndarray) -> tuple[str, ...]:
        """Plain-English why: the situations it helps with that match, and the eligibility cues it fits."""
        resource = self.resources[index]
        reasons: list[str] = []
        if phrases.size:
            starts = self.collection.phrase_starts
            first = int(starts[index])
            mine = phrases[first : first + len(resource.helps_with)]
            ranked = np.argsort(-mine)
            matched = [j for j in ranked[:2] if mine[j] >= self.tuning.reason_cosine] or list(ranked[:1])
            reasons += [f"Helps with: {resource.helps_with[j]}" for j in matched]
        for cue in query.cues:
            if set(cue.nations) & set(resource.nations) and "UK-wide" not in resource.nations:
                reasons.append(f"For doctors {cue.label}")
            if set(cue.audience) & set(resource.audience):
                reasons.append(f"For {', '.join(sorted(set(cue.audience) & set(resource.audience)))}")
        return tuple(dict.fromkeys(reasons))


def _questions(cues: Sequence[triage.Cue], filters: Filters | None, top: Sequence[Hit]) -> tuple[Question, ...]:
    """What to ask back: where the doctor works, when a single-nation resource is among the best
    matches and neither the text nor a filter says; who the search is for, when a resource open only
    to some groups is among them and nothing says who is asking."""
    asked: list[Question] = []
    if not present.placed_in(cues, filters) and any("UK-wide" not in hit.resource.nations for hit in top):
        asked.append("where")
    known = any(cue.audience or cue.label in triage.ASKER_LABELS for cue in cues) or bool(filters and filters.audience)
    if not known and any(not set(hit.resource.audience) & OPEN_AUDIENCE for hit in top):
        asked.append("who")
    return tuple(asked)
