"""Value objects the library hands out: a corpus ``Resource``, a ranked ``Hit``, a ``SearchResponse``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Confidentiality = Literal[True, False, "unknown"]
Mode = Literal["dense", "lexical", "hybrid"]
#: How much the text suggests the writer's own life is at risk: the urgent-help box, a calm line, or nothing.
Risk = Literal["urgent", "concern", "none"]
MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")

#: The kinds of need a resource meets (corpus ``topics``) and a text can express, with their labels.
TOPICS: dict[str, str] = {
    "mental-health": "Mental health and wellbeing",
    "addiction": "Alcohol or drugs",
    "gambling": "Gambling",
    "money": "Money worries",
    "regulatory": "GMC, complaints and legal processes",
    "workplace": "Hours, pay and working conditions",
    "bullying": "Bullying, undermining or discrimination",
    "concerns": "Raising concerns",
    "training": "Training and exams",
    "career": "Career decisions",
    "health": "Physical health, pregnancy and returning to work",
    "identity": "LGBT+ support",
    "employer": "Supporting staff (for employers)",
    "ethics": "Ethical dilemmas in practice",
}


@dataclass(frozen=True)
class Resource:
    """One curated support resource, as validated from ``corpus/<id>.yaml``."""

    id: str
    name: str
    provider: str
    summary: str
    description: str
    helps_with: tuple[str, ...]
    audience: tuple[str, ...]
    nations: tuple[str, ...]
    kind: str
    topics: tuple[str, ...]
    confidential: Confidentiality
    url: str | None = None
    aliases: tuple[str, ...] = ()
    eligibility: str | None = None
    contact: str | None = None
    note: str | None = None

    @property
    def is_local_role(self) -> bool:
        """Roles inside the doctor's own organisation (the source page's "first place to seek advice")."""
        return self.kind == "local role"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields, lists for tuples."""
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}


#: Nations that a UK-wide resource covers (Ireland is a separate jurisdiction).
UK_NATIONS = frozenset({"England", "Scotland", "Wales", "Northern Ireland"})
#: Audience values that do not restrict who may use a resource.
OPEN_AUDIENCE = frozenset({"all doctors", "healthcare staff", "BMA members"})


@dataclass(frozen=True)
class Filters:
    """What a person narrowed the search to; empty sets mean no narrowing on that field."""

    nations: frozenset[str] = frozenset()
    audience: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def allows(self, resource: Resource) -> bool:
        """A resource passes when it serves a chosen nation, is open to a chosen group and is a chosen kind."""
        served = set(resource.nations) | (UK_NATIONS if "UK-wide" in resource.nations else set())
        if self.nations and not self.nations & served:
            return False
        if self.audience and not (self.audience & set(resource.audience) or OPEN_AUDIENCE & set(resource.audience)):
            return False
        return not self.kinds or resource.kind in self.kinds


@dataclass(frozen=True)
class Hit:
    """One ranked suggestion and the plain-English reasons it was made."""

    id: str
    name: str
    score: float
    resource: Resource
    reasons: tuple[str, ...] = ()
    strong: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON contract for one result."""
        return {
            "id": self.id,
            "name": self.name,
            "score": round(self.score, 4),
            "strong": self.strong,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class SearchResponse:
    """Everything one query gets back: ranked hits plus the query-level judgements."""

    query: str
    results: tuple[Hit, ...]
    risk: Risk
    confident: bool
    truncated: bool = False
    cues: tuple[str, ...] = field(default=())
    needs: tuple[str, ...] = field(default=())  # topic keys (``TOPICS``), most likely first
    starting_points: tuple[str, ...] = field(default=())  # resource ids offered when not confident

    @property
    def crisis(self) -> bool:
        """The urgent-help box comes first."""
        return self.risk == "urgent"

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON contract for one query."""
        out: dict[str, Any] = {
            "query": self.query,
            "risk": self.risk,
            "crisis": self.crisis,
            "confident": self.confident,
            "truncated": self.truncated,
            "cues": list(self.cues),
            "needs": list(self.needs),
            "results": [hit.to_dict() for hit in self.results],
        }
        if not self.confident:
            out["starting_points"] = list(self.starting_points)
        return out
