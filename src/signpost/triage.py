"""The rules that stay rules: cleaning text, plain words for jargon, spelling hints, and the doctor's
situation (nation from place names, stage, specialty, who is asking) with the eligibility prior it gives.

Judgements that rules got wrong on unseen text (crisis, scope, needs, which resource fits) are
learned instead (``signpost.learned``). Each cue here is explainable on a result card.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from signpost.types import OPEN_AUDIENCE, Answers, Resource

# ---------------------------------------------------------------- normalising


_CONTROL = dict.fromkeys(c for c in range(0x20) if chr(c) not in "\t\n\r")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean(text: str, limit: int) -> tuple[str, bool]:
    """NFC text without control or invisible characters, whitespace collapsed, cut to ``limit``.

    Returns the text and whether it was cut, so the caller can say so.
    """
    text = unicodedata.normalize("NFC", text).translate(_CONTROL).replace("\x7f", " ")
    text = " ".join(_INVISIBLE.sub("", text).split())
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut), True


#: The word lists behind these rules live in a data file, so adding a place or an acronym is an edit
#: to data, not to code.
_DATA = yaml.safe_load((Path(__file__).parent / "data" / "situation.yaml").read_text(encoding="utf-8"))

#: Jargon and slang a doctor types, with the words the corpus uses; appended to the query so
#: both the embedding and BM25 see them. Keys are matched as whole words, case-insensitively.
EXPANSIONS: dict[str, str] = {row["pattern"]: row["words"] for row in _DATA["expansions"]}
_EXPANSION_PATTERNS = [(re.compile(rf"(?<![\w&])(?:{key})(?![\w&])", re.I), value) for key, value in EXPANSIONS.items()]


def expand(text: str) -> str:
    """The text plus the plain words for any jargon or slang it uses."""
    extra = [value for pattern, value in _EXPANSION_PATTERNS if pattern.search(text)]
    return f"{text} ({'; '.join(dict.fromkeys(extra))})" if extra else text


# ---------------------------------------------------------------- situation cues


@dataclass(frozen=True)
class Cue:
    """One thing the text says about the writer's situation, and which corpus values it points to."""

    label: str
    nations: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    weight: float = 1.0  # how much eligibility it proves: "in training" covers most doctors, "a GP" few


_CUE_TABLE = [
    (Cue(row["label"], nations=(row["nation"],)), re.compile(row["pattern"], re.I)) for row in _DATA["nations"]
] + [
    (
        Cue(row["label"], audience=tuple(row["audience"]), weight=row.get("weight", 1.0)),
        re.compile(row["pattern"], re.I),
    )
    for row in _DATA["roles"]
]


def situation(text: str) -> tuple[Cue, ...]:
    """The nation, role, specialty and who-is-asking cues in ``text``, in table order."""
    found = [cue for cue, pattern in _CUE_TABLE if pattern.search(text)]
    if any(c.nations == ("Northern Ireland",) for c in found):
        found = [c for c in found if c.nations != ("Ireland",)]
    return tuple(found)


#: Each answer to "Who is this for?" in the words a person would have written, and the cue they raise.
#: "me" is what a search assumes, so it adds no words; its cue says the question was answered.
_ASKERS = {
    "me": ("", Cue("asking for themselves")),
    "a colleague": ("I am asking about a colleague, a doctor.", None),
    "family": ("I am asking for my family: my partner is a doctor.", None),
}
#: Cues that say who the search is for.
ASKER_LABELS = frozenset({"asking about a colleague", "a family member", "an employer", "asking for themselves"})


def told(answers: Answers | None) -> tuple[str, tuple[Cue, ...]]:
    """The answers to the question back as the words a person would have added to their text, and the
    cues only an answer gives. They are then read like the text itself: "Wales" moves the ranking
    exactly as "I work in Wales" would."""
    if answers is None:
        return "", ()
    words, cue = _ASKERS[answers.asker] if answers.asker else ("", None)
    if answers.nation:
        words = f"I work in {answers.nation}. {words}"
    return words.strip(), (cue,) if cue else ()


def cue_nations(cues: Iterable[Cue]) -> set[str]:
    return {nation for cue in cues for nation in cue.nations}


def cue_audience(cues: Iterable[Cue]) -> set[str]:
    return {group for cue in cues for group in cue.audience}


def eligibility(resources: Sequence[Resource], cues: Sequence[Cue]) -> np.ndarray:
    """Per resource, +1 for each way the text shows the doctor fits a restricted resource (nation,
    group) and -1 for each way it shows they do not; 0 where the text says nothing.

    Its weight in the ranking is learned (``signpost.ranker``). A family member writing fits a resource
    open to families, but a restricted resource's families are those of its own group (the Cameron
    Fund's are GPs' families), so there it needs the group as well.
    """
    nations, audience = cue_nations(cues), cue_audience(cues)
    personal = audience - {"employers", "families"}
    prior = np.zeros(len(resources))
    for i, resource in enumerate(resources):
        groups = set(resource.audience)
        if nations and "UK-wide" not in resource.nations:
            prior[i] += 1.0 if nations & set(resource.nations) else -1.0
        if resource.kind == "report for employers":
            prior[i] += 1.0 if "employers" in audience else 0.0
        elif personal and not groups & OPEN_AUDIENCE:
            matched = groups & personal
            prior[i] += max(c.weight for c in cues if set(c.audience) & matched) if matched else -1.0
        if "families" in audience & groups and groups & (OPEN_AUDIENCE | personal):
            prior[i] += 1.0
    return prior


def elsewhere(resources: Sequence[Resource], cues: Sequence[Cue]) -> np.ndarray:
    """Per resource, whether the text places the doctor in a nation and the resource serves only
    others: Northern Ireland's deanery is no help to a trainee in Cardiff, whatever else matches."""
    nations = cue_nations(cues)
    return np.array([bool(nations) and not ({"UK-wide", *nations} & set(r.nations)) for r in resources])


# ---------------------------------------------------------------- spelling


_WORD = re.compile(r"[a-z]{5,}")


class Speller:
    """Adds the likely intended word for a misspelt one ("anxeity" → "anxiety").

    ``domain`` words (the corpus's, and the jargon this module expands) win over ``general`` ones
    (the model tokenizer's whole words) at equal distance; a correction is appended, never
    substituted, so an unknown but correct word costs nothing.
    """

    def __init__(self, domain: Iterable[str], general: Iterable[str] = ()) -> None:
        self._tiers = [_by_initial(words_of(domain) | _JARGON), _by_initial(words_of(general))]
        self._known = frozenset(w for tier in self._tiers for group in tier.values() for w in group)

    def corrections(self, text: str) -> list[str]:
        """Known words very close to the unknown words of ``text``."""
        import difflib

        found = []
        for word in dict.fromkeys(_WORD.findall(text.lower())):
            if word in self._known:
                continue
            for tier in self._tiers:
                match = difflib.get_close_matches(word, tier.get(word[0], []), n=1, cutoff=0.8)
                if match:
                    found.append(match[0])
                    break
        return found


def _by_initial(words: set[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for word in sorted(words):
        grouped.setdefault(word[0], []).append(word)
    return grouped


def words_of(texts: Iterable[str]) -> set[str]:
    """Lower-case words of five letters or more, the ones worth spell-checking against."""
    return {w for text in texts for w in _WORD.findall(text.lower())}


_JARGON = words_of(list(EXPANSIONS) + list(EXPANSIONS.values()))
