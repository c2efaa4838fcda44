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

import numpy as np

from signpost.types import OPEN_AUDIENCE, Resource

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


#: Jargon and slang a doctor types, with the words the corpus uses; appended to the query so
#: both the embedding and BM25 see them. Keys are matched as whole words, case-insensitively.
EXPANSIONS: dict[str, str] = {
    r"ltft": "less than full time training, part-time flexible working",
    r"ftp|f2p": "fitness to practise",
    r"mpts": "Medical Practitioners Tribunal Service hearing",
    r"arcp": "annual review of competence progression in training",
    r"tpd": "training programme director",
    r"es": "educational supervisor",
    r"cs": "clinical supervisor",
    r"oh|ohs": "occupational health",
    r"ftsu|ftsug": "Freedom to Speak Up Guardian, raising concerns",
    r"gosw": "Guardian of safe working hours",
    r"mdo|mdu|mps|mddus": "medical defence organisation, medico-legal support",
    r"sas": "specialty and specialist doctor",
    r"mhps": "Maintaining High Professional Standards disciplinary investigation",
    r"pas?": "programmed activities in a job plan",
    r"a ?& ?e|ed|em": "emergency medicine, emergency department",
    r"icu|itu|hdu": "intensive care medicine",
    r"o ?& ?g|obs (?:and|&) gynae|obs ?gyn(?:ae)?": "obstetrics and gynaecology",
    r"paeds|peds": "paediatrics, paediatrician",
    r"psych": "psychiatry",
    r"gp": "general practitioner",
    r"gps": "general practitioners",
    r"reg": "registrar",
    r"f1|fy1|f2|fy2": "foundation doctor in training",
    r"(?:st|ct|imt|acct|gpst|str)\d": "specialty trainee doctor in training",
    r"sho": "junior doctor",
    r"mrcp|mrcs|frca|mrcog|mrcpch|mrcpsych|mrcgp|fcem|frcem": "royal college membership exam",
    r"cct": "certificate of completion of training",
    r"oop[etrc]?": "time out of training",
    r"aa": "Alcoholics Anonymous 12-step recovery",
    r"benzos?": "benzodiazepine drug dependence",
    r"coke": "cocaine",
    r"on the sauce|boozing|booze|hammered|pissed every night": "drinking too much alcohol",
    r"skint|broke|brassic": "no money, financial hardship",
    r"knackered|shattered|running on empty": "exhausted and fatigued",
    r"fed up|gutted": "low mood",
    r"betting|bookies|slots|casino": "gambling",
    r"bailiffs?": "debt",
    r"whistle-?blow(?:ing|er)?": "raising concerns, speaking up",
    r"med student|medic student": "medical student",
    r"lgbtq?\+?|queer|gay|lesbian|bisexual|trans|transgender|non-binary": "LGBT",
}
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


_NATION_CUES: tuple[tuple[str, str, str], ...] = (
    ("Northern Ireland", "in Northern Ireland", r"northern ireland|belfast|derry|londonderry|nimdta|\bni\b"),
    ("Ireland", "in Ireland", r"(?<!northern )ireland|(?<!northern )irish|dublin|cork|galway|limerick|\bhse\b|rcpi"),
    ("Wales", "in Wales", r"wales|welsh|cardiff|swansea|newport|wrexham|bangor|aberystwyth|heiw|cymru"),
    ("Scotland", "in Scotland", r"scotland|scottish|glasgow|edinburgh|aberdeen|dundee|inverness|\bnes\b"),
    (
        "England",
        "in England",
        r"england|english trust|london|manchester|birmingham|leeds|liverpool|sheffield|bristol|newcastle|nottingham|"
        r"leicester|oxford|cambridge|southampton|brighton|\bnhse\b",
    ),
)
_ROLE_CUES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "a GP",
        ("GPs",),
        r"\bgps?\b|general practi\w+|gp partner|partner at (?:the|my|our) (?:surgery|practice)|senior partner",
    ),
    ("a surgeon", ("surgeons", "surgical teams"), r"surg(?:eon|ical|ery)\b|mrcs|orthopaedic|ortho\b|urolog|vascular"),
    ("an anaesthetist", ("anaesthetists",), r"anaesth\w*|anesth\w*|frca"),
    (
        "in emergency medicine",
        ("emergency medicine doctors",),
        r"\ba ?& ?e\b|\bed\b|emergency (?:medicine|department)|\bem\b|rcem",
    ),
    ("in intensive care", ("intensive care doctors",), r"\bicu\b|\bitu\b|intensive care|critical care"),
    (
        "in obstetrics and gynaecology",
        ("obstetricians and gynaecologists",),
        r"\bo ?& ?g\b|obs (?:and|&) gynae|obstetric\w*|gynae\w*|midwi\w*|labour ward",
    ),
    ("in paediatrics", ("paediatricians",), r"paed\w*|pediatric\w*|child health|neonat\w*"),
    ("in psychiatry", ("psychiatrists",), r"psychiatr\w*|\bpsych\b|rcpsych"),
    ("a physician", ("physicians",), r"physician|mrcp|\bimt\b|medical registrar|general medicine"),
    (
        "in pharmaceutical medicine",
        ("pharmaceutical physicians",),
        r"pharmaceutical|pharma\b|clinical trials?|trial data",
    ),
    (
        "in training",
        ("doctors in training", "foundation doctors"),
        r"trainee|training|\bf[y]?[12]\b|foundation|\b(?:st|ct|imt|gpst|str)\d|registrar|\breg\b|\bsho\b|junior doctor|resident doctor|arcp",
    ),
    (
        "a medical student",
        ("medical students",),
        r"medical student|med student|medical school|\bmedic\b|final year|student",
    ),
    ("retired", ("retired doctors",), r"retir\w*|pension"),
    ("a dentist", ("dentists",), r"dentist|dental"),
    (
        "LGBT",
        ("LGBT doctors",),
        r"lgbt\w*|\bgay\b|lesbian|bisexual|\btrans\b|transgender|non-binary|queer|misgender\w*",
    ),
    (
        "a family member",
        ("families",),
        r"my (?:husband|wife|partner|son|daughter|dad|father|mum|mother) (?:is|was) a (?:doctor|gp|consultant|surgeon)|widow\w*|"
        r"(?:husband|wife|partner) (?:was|is) a (?:hospital )?(?:doctor|consultant|gp|surgeon)",
    ),
    (
        "an employer",
        ("employers",),
        r"our (?:\w+ )?(?:trust|department|hospital|staff|doctors|consultants|team|practice)|as an employer|medical director and|"
        r"frameworks? for employers|support (?:our|my) staff|as a (?:department|team|trust|organisation)",
    ),
    # Someone asking for a colleague: no resource is closed to them, but the answer should say so.
    (
        "asking about a colleague",
        (),
        r"(?:my|a) colleague|(?:my|a) friend (?:at work|who is a doctor)|someone on my team",
    ),
)
_CUE_TABLE = [(Cue(label, nations=(nation,)), re.compile(pattern, re.I)) for nation, label, pattern in _NATION_CUES] + [
    (Cue(label, audience=audience, weight=0.5 if label == "in training" else 1.0), re.compile(pattern, re.I))
    for label, audience, pattern in _ROLE_CUES
]


def situation(text: str) -> tuple[Cue, ...]:
    """The nation, role, specialty and who-is-asking cues in ``text``, in table order."""
    found = [cue for cue, pattern in _CUE_TABLE if pattern.search(text)]
    if any(c.nations == ("Northern Ireland",) for c in found):
        found = [c for c in found if c.nations != ("Ireland",)]
    return tuple(found)


def cue_nations(cues: Iterable[Cue]) -> set[str]:
    return {nation for cue in cues for nation in cue.nations}


def cue_audience(cues: Iterable[Cue]) -> set[str]:
    return {group for cue in cues for group in cue.audience}


def eligibility(resources: Sequence[Resource], cues: Sequence[Cue]) -> np.ndarray:
    """Per resource, +1 for each way the text shows the doctor fits a restricted resource (nation,
    group) and -1 for each way it shows they do not; 0 where the text says nothing.

    Its weight in the ranking is learned (``signpost.ranker``). "families" alone says nothing: a
    restricted resource's families are those of its own group (the Cameron Fund's are GPs' families).
    """
    nations, audience = cue_nations(cues), cue_audience(cues)
    personal = audience - {"employers", "families"}
    prior = np.zeros(len(resources))
    for i, resource in enumerate(resources):
        if nations and "UK-wide" not in resource.nations:
            prior[i] += 1.0 if nations & set(resource.nations) else -1.0
        if resource.kind == "report for employers":
            prior[i] += 1.0 if "employers" in audience else 0.0
        elif personal and not set(resource.audience) & OPEN_AUDIENCE:
            matched = set(resource.audience) & personal
            prior[i] += max(c.weight for c in cues if set(c.audience) & matched) if matched else -1.0
    return prior


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
