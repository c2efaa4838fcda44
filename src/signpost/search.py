"""``Searcher``: hybrid retrieval (dense + BM25), situation-aware re-ranking, reasons; one batch code path."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from signpost import fusion, triage
from signpost.config import Settings
from signpost.corpus import document_text, fingerprint, load_corpus
from signpost.embed import Encoder, SentenceTransformerEncoder
from signpost.errors import QueryError
from signpost.index import Collection, open_index
from signpost.types import OPEN_AUDIENCE, Filters, Hit, Mode, Resource, SearchResponse

#: Kinds a doctor reads rather than contacts: for someone in difficulty, a service beats a page.
_READING = frozenset({"guidance web resource", "campaign", "report for employers"})


@dataclass(frozen=True)
class Tuning:
    """The ranking knobs, tuned on the dev set and NFCorpus dev (see docs/relevance.md)."""

    understand: bool = True  # False: plain retrieval (the baselines in `signpost eval`), no situation layer
    fusion: Literal["weighted", "rrf"] = "weighted"  # weighted won on both dev sets (docs/relevance.md)
    dense_weight: float = 0.6
    phrase_share: float = 0.5  # share of the dense signal from the best-matching helps_with phrase
    need_bonus: float = 0.35  # resource meets a kind of need the text expresses
    reading_share: float = 0.25  # share of that bonus for a page to read rather than a service to contact
    eligible_bonus: float = 0.2  # the text shows the doctor belongs to the resource's restricted audience
    ineligible_penalty: float = 0.3  # the text shows the doctor is outside it
    unstated_penalty: float = 0.25  # restricted resource, nothing in the text says either way
    confident_cosine: float = 0.38  # best cosine below this and no need recognised: not confident
    reason_cosine: float = 0.42
    strong_cosine: float = 0.5


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
    crisis: bool
    needs: tuple[str, ...]
    cues: tuple[triage.Cue, ...]


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
        self._speller: triage.Speller | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        corpus_dir: Path | str | None = None,
        index_dir: Path | str | None = None,
        *,
        settings: Settings | None = None,
        encoder: Encoder | None = None,
    ) -> Searcher:
        """The corpus and a matching index (the repository's by default); refuses a stale index."""
        settings = settings or Settings()
        if corpus_dir is not None:
            settings = replace(settings, corpus_dir=Path(corpus_dir))
        if index_dir is not None:
            settings = replace(settings, index_dir=Path(index_dir))
        resources = load_corpus(settings.corpus_dir)
        collection, _ = open_index(settings.index_dir, fingerprint(resources), settings.model)
        return cls(resources, collection, encoder or SentenceTransformerEncoder(settings.model), settings)

    def resource(self, resource_id: str) -> Resource:
        """The corpus record with this id (``KeyError`` if there is none)."""
        return self._by_id[resource_id]

    def search(
        self, query: str, k: int = 5, *, mode: Mode = "hybrid", filters: Filters | None = None
    ) -> SearchResponse:
        """One query; the same path as ``search_many``."""
        return self.search_many([query], k, mode=mode, filters=filters)[0]

    def search_many(
        self, queries: Sequence[str], k: int = 5, *, mode: Mode = "hybrid", filters: Filters | None = None
    ) -> list[SearchResponse]:
        """Rank resources for every query in one batch (one model call for all of them).

        ``filters`` narrow the candidates before ranking, so up to ``k`` eligible resources always come back.
        """
        understood = [self._understand(query) for query in queries]
        texts = [q.augmented for q in understood]
        vectors = self.encoder.encode(texts)
        dense, phrases = dense_signal(self.collection, vectors, self.tuning.phrase_share)
        lexical = self.collection.lexical.scores(texts)
        scores = hybrid_scores(dense, lexical, mode, self.tuning)
        if filters is not None:
            scores[:, [not filters.allows(r) for r in self.resources]] = -np.inf
        return [self._respond(query, scores[row], dense[row], phrases[row], k) for row, query in enumerate(understood)]

    def _understand(self, raw: str) -> _Query:
        """Clean the text, run the crisis gate, correct spelling, expand jargon, find needs and cues."""
        text, truncated = triage.clean(raw, self.settings.max_query_chars)
        if not any(ch.isalnum() for ch in text):
            raise QueryError(f"nothing to search for in {raw[:40]!r}: describe the problem in words")
        crisis = triage.is_crisis(text)
        if not self.tuning.understand:
            return _Query(text, truncated, text, crisis, (), ())
        fixes = self._spelling().corrections(text)
        augmented = triage.expand(" ".join([text, *fixes]))
        if crisis:
            augmented += f" ({triage.CRISIS_NEED})"
        needs = triage.needs(augmented)
        if crisis and "mental-health" not in needs:
            needs = ("mental-health", *needs)
        return _Query(text, truncated, augmented, crisis, needs, triage.situation(augmented))

    def _spelling(self) -> triage.Speller:
        """Built on first use: it needs the model's tokenizer vocabulary."""
        with self._lock:
            if self._speller is None:
                corpus_text = [document_text(r) for r in self.resources]
                self._speller = triage.Speller(corpus_text, self.encoder.vocabulary())
            return self._speller

    def _respond(
        self, query: _Query, scores: np.ndarray, dense: np.ndarray, phrases: np.ndarray, k: int
    ) -> SearchResponse:
        adjusted = scores + self._eligibility(query.cues) + self._need_prior(query.needs)
        ranked = [i for i in np.argsort(-adjusted, kind="stable") if np.isfinite(adjusted[i])]
        order = self._diversify(ranked, query.needs)[: max(k, 0)]
        best_cosine = float(dense.max()) if dense.size else 0.0
        confident = query.crisis or (
            not triage.is_out_of_scope(query.text)
            and (best_cosine >= self.tuning.confident_cosine or bool(query.needs))
        )
        hits = tuple(
            Hit(
                id=self.resources[i].id,
                name=self.resources[i].name,
                score=float(adjusted[i]),
                resource=self.resources[i],
                reasons=self._reasons(int(i), query, phrases),
                strong=confident
                and (
                    bool(set(query.needs) & set(self.resources[i].topics))
                    or bool(dense[i] >= self.tuning.strong_cosine)
                ),
            )
            for i in order
        )
        return SearchResponse(
            query=query.text,
            results=hits,
            crisis=query.crisis,
            confident=confident,
            truncated=query.truncated,
            cues=tuple(cue.label for cue in query.cues),
            needs=query.needs,
        )

    def _need_prior(self, needs: Sequence[str]) -> np.ndarray:
        """Up for resources that meet a kind of need the text expresses."""
        wanted, t = set(needs), self.tuning
        return np.array(
            [
                t.need_bonus * (t.reading_share if r.kind in _READING else 1.0) if wanted & set(r.topics) else 0.0
                for r in self.resources
            ]
        )

    def _diversify(self, order: Sequence[int], needs: Sequence[str]) -> list[int]:
        """With several needs, the best resource for each comes first, so no need is crowded out."""
        ranked = [int(i) for i in order]
        if len(needs) < 2:
            return ranked
        leaders: list[int] = []
        for topic in needs:
            best = next((i for i in ranked if topic in self.resources[i].topics and i not in leaders), None)
            if best is not None:
                leaders.append(best)
        leaders.sort(key=ranked.index)
        return leaders + [i for i in ranked if i not in leaders]

    def _eligibility(self, cues: Sequence[triage.Cue]) -> np.ndarray:
        """Additive prior per resource: up when the text shows the doctor is eligible, down when not."""
        t = self.tuning
        nations, audience = triage.cue_nations(cues), triage.cue_audience(cues)
        # Who the doctor is. "families" alone says nothing: a restricted resource's families are
        # those of its own group (the Cameron Fund's are GPs' families).
        personal = audience - {"employers", "families"}
        prior = np.zeros(len(self.resources))
        for i, r in enumerate(self.resources):
            if "UK-wide" not in r.nations:
                if nations & set(r.nations):
                    prior[i] += t.eligible_bonus
                elif nations:
                    prior[i] -= t.ineligible_penalty
                elif set(r.nations) != {"England"}:
                    prior[i] -= t.unstated_penalty
            if r.kind == "report for employers":
                prior[i] += t.eligible_bonus if "employers" in audience else -t.ineligible_penalty
            elif not set(r.audience) & OPEN_AUDIENCE:
                prior[i] += self._audience_prior(set(r.audience), personal, cues)
        return prior

    def _audience_prior(self, groups: set[str], personal: set[str], cues: Sequence[triage.Cue]) -> float:
        """For a resource restricted to ``groups``: up if the text places the doctor in one, down if elsewhere."""
        t = self.tuning
        matched = groups & personal
        if matched:
            return t.eligible_bonus * max(c.weight for c in cues if set(c.audience) & matched)
        return -t.ineligible_penalty if personal else -t.unstated_penalty

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
