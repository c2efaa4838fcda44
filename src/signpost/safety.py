"""The crisis gate: is the writer's own life at risk? A learned classifier over the text and its windows
(a linear model blended with the vote of the nearest labelled texts, ``learn.Blend``), a rule layer
for unmistakable statements, and three levels: ``urgent``, ``concern``, ``none``.

The classifier scores the whole text and each window of it, and the highest counts: a disclosure at
the end of a long complaint is not diluted, and text past the model's 256 word pieces is still read.
Thresholds are chosen by cross-validation grouped by writer, for recall first (missing a person at
risk is the worst failure; a calm line shown by mistake is cheap).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from signpost import learn
from signpost.training import Labelled
from signpost.types import Risk

#: Sentence ends and line breaks, for the rule layer, which reads one sentence at a time.
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
#: Overlapping windows of words, so a disclosure past the model's 256 word pieces is still read, with
#: the words around it: a lone sentence ("I tried to kill myself") loses the "in 2015, and I'm well
#: now" beside it. Windows beat single sentences by 14 points of false alarms at the same recall in
#: writer-grouped cross-validation (docs/safety.md).
WINDOW_WORDS, WINDOW_STEP, MAX_SEGMENTS = 40, 20, 48
#: Recall first: the calm line must catch at least this share of at-risk texts in cross-validation.
CONCERN_RECALL = 0.985
#: The urgent box may fire on at most this share of look-alikes in cross-validation.
URGENT_FALSE_ALARMS = 0.04
#: Regularisation, chosen among 0.5 to 32 by leave-one-writer-out AUC (docs/safety.md).
C = 8.0
#: Weight of an ordinary query judged for crisis (``queries.jsonl``) beside a written crisis line.
#: Ordinary queries teach the gate what everyday searches look like; at full weight they outnumber
#: the written look-alikes and pull the boundary towards them (docs/safety.md: 0.25 against 1).
QUERY_WEIGHT = 0.25


def segments(text: str) -> list[str]:
    """The whole text first, then overlapping windows of ``WINDOW_WORDS`` words when it is longer."""
    words = text.split()
    if len(words) <= WINDOW_WORDS:
        return [text]
    starts = range(0, len(words) - (WINDOW_WORDS - WINDOW_STEP), WINDOW_STEP)
    return [text, *(" ".join(words[i : i + WINDOW_WORDS]) for i in starts)][:MAX_SEGMENTS]


# ---------------------------------------------------------------- rules: only the unmistakable

#: A first-person statement of intent to die; anything less plain is left to the classifier.
_UNMISTAKABLE = re.compile(
    r"\b(?:"
    r"(?:want|wanna|going|gonna|plan(?:ning)?|decided|ready|tempted|about|trying|tried) to (?:kill|hang) my ?self"
    r"|i(?:'ll| will| am going to|'m going to|'m gonna) (?:kill|hang) my ?self"
    r"|(?:end|ending|take|taking) my (?:own )?life"
    r"|i(?:'m| am|m) (?:feeling |actively |so |really )?suicidal"
    r"|(?:feel|feeling) suicidal"
    r")\b",
    re.I,
)
#: Clause boundaries: negation in one clause says nothing about the next ("I can't go on, I want to end my life").
_CLAUSE = re.compile(r"[,;:.!?()\n]|\s(?:but|and|so|just|though|although|because|yet)\s|\s[-\u2013\u2014]\s", re.I)
_NEGATED = re.compile(r"\b(?:not|never|no|nothing|without|denies|deny|n't)\b|n't\b", re.I)
#: Someone else's words or risk: a quotation, a patient, or a third person in the sentence.
_NOT_MINE = re.compile(r"[\"“”]|\b(?:patients?|he|she|they|his|her|their|colleague|friend|son|daughter)\b", re.I)


def unmistakable(text: str) -> bool:
    """True when some clause says, in the writer's own voice and not negated, that they intend to die."""
    for sentence in _SENTENCE_END.split(text):
        if _NOT_MINE.search(sentence):
            continue
        for match in _UNMISTAKABLE.finditer(sentence):
            clause_start = max((m.end() for m in _CLAUSE.finditer(sentence, 0, match.start())), default=0)
            if not _NEGATED.search(sentence[clause_start : match.start()]):
                return True
    return False


# ---------------------------------------------------------------- the learned model


@dataclass(frozen=True)
class RiskModel:
    """A calibrated classifier of at-risk text and the two thresholds chosen for it."""

    model: learn.Blend
    concern: float
    urgent: float

    def assess(self, texts: Sequence[str], features: sparse.csr_matrix, owners: np.ndarray) -> list[Risk]:
        """The level of each text, given the features of its ``segments``: rows ``owners == i`` hold
        text ``i``'s segments (whole text included); its highest segment probability counts."""
        peak = np.zeros(len(texts))
        np.maximum.at(peak, owners, self.model.proba(features, decide=(self.concern, self.urgent)))
        return [
            level(float(p), unmistakable(text), self.concern, self.urgent) for p, text in zip(peak, texts, strict=True)
        ]


def level(probability: float, rule: bool, concern: float, urgent: float) -> Risk:
    if rule or probability >= urgent:
        return "urgent"
    return "concern" if probability >= concern else "none"


def train_risk(
    examples: Sequence[Labelled],
    written: int,
    features: learn.TextFeatures,
    vectors: np.ndarray,
    pieces: Sequence[str],
    piece_vectors: np.ndarray,
    piece_owner: np.ndarray,
) -> tuple[RiskModel, dict[str, Any]]:
    """Fit the classifier on whole texts; pick thresholds on leave-one-writer-out scores of every
    segment (as a search scores them); report cross-validated recall and false alarms per family.

    The first ``written`` examples are the crisis set, written half at risk and half look-alikes:
    thresholds are chosen and reported on them. The rest are ordinary queries judged for crisis,
    trained on at ``QUERY_WEIGHT`` and reported apart (how often an everyday search is alarmed).
    """
    y = np.array([e.positive for e in examples], dtype=float)
    writers = [e.writer for e in examples]
    x = features.transform([e.text for e in examples], vectors)
    x_pieces = features.transform(pieces, piece_vectors)
    weights = np.where(np.arange(len(examples)) < written, 1.0, QUERY_WEIGHT)
    model, _, scored = learn.blend(
        x, y, writers, c=C, weights=weights, score=(x_pieces, [writers[i] for i in piece_owner])
    )
    peak = np.zeros(len(examples))
    np.maximum.at(peak, piece_owner, scored)
    rules = np.array([unmistakable(e.text) for e in examples])
    concern, urgent = choose_thresholds(peak[:written], y[:written].astype(bool), rules[:written])
    report = risk_report(examples[:written], peak[:written], rules[:written], concern, urgent)
    levels = [level(p, r, concern, urgent) for p, r in zip(peak[written:], rules[written:], strict=True)]
    queries = [(e.positive, lvl) for e, lvl in zip(examples[written:], levels, strict=True)]
    calm = [lvl for positive, lvl in queries if not positive]
    report["ordinary_queries"] = {
        "n": len(calm),
        "urgent": round(sum(lvl == "urgent" for lvl in calm) / max(len(calm), 1), 4),
        "any": round(sum(lvl != "none" for lvl in calm) / max(len(calm), 1), 4),
        "at_risk": sum(positive for positive, _ in queries),
        "at_risk_missed": sum(positive and lvl == "none" for positive, lvl in queries),
    }
    return RiskModel(model, concern, urgent), {"concern": concern, "urgent": urgent, **report}


def choose_thresholds(peak: np.ndarray, at_risk: np.ndarray, rules: np.ndarray) -> tuple[float, float]:
    """``urgent``: the lowest threshold keeping urgent alarms on look-alikes within ``URGENT_FALSE_ALARMS``;
    ``concern``: the highest threshold still catching ``CONCERN_RECALL`` of at-risk texts, never above urgent."""
    calm = peak[~at_risk & ~rules]
    allowed = int(np.floor(URGENT_FALSE_ALARMS * (~at_risk).sum())) - int((rules & ~at_risk).sum())
    ordered = np.sort(calm)[::-1]
    urgent = float(ordered[max(allowed, 0)]) + 1e-6 if len(ordered) > max(allowed, 0) else 0.5
    risky = np.sort(peak[at_risk & ~rules])
    missable = int(np.floor((1 - CONCERN_RECALL) * at_risk.sum()))
    concern = float(risky[missable]) if len(risky) > missable else urgent
    return round(min(concern, urgent), 6), round(urgent, 6)


def risk_report(
    examples: Sequence[Labelled], peak: np.ndarray, rules: np.ndarray, concern: float, urgent: float
) -> dict[str, Any]:
    """Cross-validated figures at the chosen thresholds: overall and per family."""
    levels = [level(p, r, concern, urgent) for p, r in zip(peak, rules, strict=True)]
    families: dict[tuple[str, bool], list[Risk]] = defaultdict(list)
    for example, lvl in zip(examples, levels, strict=True):
        families[(example.family, example.positive)].append(lvl)
    at_risk = [lvl for e, lvl in zip(examples, levels, strict=True) if e.positive]
    calm = [lvl for e, lvl in zip(examples, levels, strict=True) if not e.positive]
    return {
        "at_risk": len(at_risk),
        "missed": sum(lvl == "none" for lvl in at_risk),
        "caught_urgent": round(sum(lvl == "urgent" for lvl in at_risk) / len(at_risk), 4),
        "look_alikes": len(calm),
        "urgent_false_alarms": round(sum(lvl == "urgent" for lvl in calm) / len(calm), 4),
        "any_false_alarms": round(sum(lvl != "none" for lvl in calm) / len(calm), 4),
        "families": {
            f"{family} ({'at risk' if positive else 'look-alike'})": {
                "n": len(lvls),
                "urgent": sum(lvl == "urgent" for lvl in lvls),
                "concern": sum(lvl == "concern" for lvl in lvls),
                "none": sum(lvl == "none" for lvl in lvls),
            }
            for (family, positive), lvls in sorted(families.items())
        },
        "writers": {
            writer: {
                "caught": _share(
                    [
                        lvl != "none"
                        for e, lvl in zip(examples, levels, strict=True)
                        if e.writer == writer and e.positive
                    ]
                ),
                "look_alikes_alarmed": _share(
                    [
                        lvl != "none"
                        for e, lvl in zip(examples, levels, strict=True)
                        if e.writer == writer and not e.positive
                    ]
                ),
            }
            for writer in sorted({e.writer for e in examples})
        },
    }


def _share(flags: Sequence[bool]) -> float | None:
    """The share of true flags, or ``None`` for none at all (a writer with no line of that side)."""
    return round(sum(flags) / len(flags), 4) if flags else None
