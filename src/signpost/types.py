"""Value objects the library hands out: a corpus ``Resource`` (and its schema), a ranked ``Hit``, a ``SearchResponse``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

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


NATIONS = ("England", "Scotland", "Wales", "Northern Ireland", "Ireland", "UK-wide")
AUDIENCES = (
    "all doctors", "doctors in training", "foundation doctors", "medical students", "GPs",
    "surgeons", "surgical teams", "anaesthetists", "emergency medicine doctors",
    "intensive care doctors", "obstetricians and gynaecologists", "paediatricians", "physicians",
    "psychiatrists", "pharmaceutical physicians", "dentists", "families", "employers",
    "retired doctors", "LGBT doctors", "BMA members", "healthcare staff",
)  # fmt: skip
KINDS = (
    "local role", "helpline", "counselling/therapy", "mental health service", "addiction service",
    "peer support", "financial help", "advice and representation", "training support",
    "guidance web resource", "campaign", "report for employers",
)  # fmt: skip
#: What a doctor can expect of confidentiality, never more than the facts say; "yes, with limits"
#: carries its limit in one line (``confidentiality_limits``).
Confidentiality = Literal["yes", "yes, with limits", "no", "not a contact service", "unknown"]


def _one_line(value: str) -> str:
    """Folded YAML and stray spaces become one clean line; blank text is refused."""
    value = " ".join(value.split())
    if not value:
        raise ValueError("must be non-empty text")
    return value


Text = Annotated[str, AfterValidator(_one_line)]
Texts = Annotated[tuple[Text, ...], Field(min_length=1)]


class Resource(BaseModel):
    """One curated support resource, as validated from ``corpus/<id>.yaml`` (corpus/README.md).

    The schema is this model: ``signpost schema`` prints it as JSON Schema for editors, and a
    malformed record is refused with the file, the record and the field named."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Text
    name: Text
    provider: Text
    summary: Text = Field(description="one line read on a result card")
    description: Text = Field(description="what it offers, in our own words, from the sources' facts")
    helps_with: Texts = Field(description="situations it fits, in the words a doctor would use")
    audience: tuple[Literal[AUDIENCES], ...] = Field(min_length=1)
    nations: tuple[Literal[NATIONS], ...] = Field(min_length=1)
    kind: Literal[KINDS]
    topics: tuple[Literal[tuple(TOPICS)], ...] = Field(min_length=1)
    confidential: Confidentiality
    confidentiality_limits: Text | None = Field(None, description="the limit, in one line, when 'yes, with limits'")
    reviewed: date = Field(description="when a person last checked these facts against the sources")
    sources: Texts = Field(description="the pages (or shared files) the facts rest on")
    url: Text | None = Field(None, description="only an address ../shared/websites.tsv confirms")
    aliases: tuple[Text, ...] = ()
    eligibility: Text | None = Field(None, description="a limit a doctor must know before contacting")
    contact: Text | None = Field(None, description="a phone line from the confirmed list (corpus/phones.tsv)")
    note: Text | None = Field(None, description="renamings, closures and changes: shown as 'Good to know'")

    @field_validator("confidential", mode="before")
    @classmethod
    def _yaml_yes_no(cls, value: Any) -> Any:
        """YAML reads a bare ``yes`` or ``no`` as a boolean; take it as the word that was written."""
        return {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value

    @model_validator(mode="after")
    def _limits_go_with_limited(self) -> Resource:
        if (self.confidential == "yes, with limits") != (self.confidentiality_limits is not None):
            raise ValueError("confidentiality_limits is given exactly when confidential is 'yes, with limits'")
        return self

    @property
    def is_local_role(self) -> bool:
        """Roles inside the doctor's own organisation (the source page's "first place to seek advice")."""
        return self.kind == "local role"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields: lists for tuples, ISO dates."""
        return self.model_dump(mode="json")


#: Nations that a UK-wide resource covers (Ireland is a separate jurisdiction).
#: The four nations, in the order they are offered (the question back, the urgent-help routes).
UK_PLACES = ("England", "Scotland", "Wales", "Northern Ireland")
UK_NATIONS = frozenset(UK_PLACES)
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


#: "Who is this for?", answered under the results: the writer, a colleague of theirs, or their family.
Asker = Literal["me", "a colleague", "family"]
ASKERS: tuple[Asker, ...] = ("me", "a colleague", "family")
#: The questions a search may ask back when the best matches depend on them: where the doctor works
#: ("where") and who the search is for ("who").
Question = Literal["where", "who"]


@dataclass(frozen=True)
class Answers:
    """What a person told Signpost in answer to its question back; read exactly as if they had written it."""

    nation: str | None = None
    asker: Asker | None = None


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
    urgent_help: tuple[str, ...] = field(default=())  # the urgent-help lines, in the order for the doctor's nation
    questions: tuple[Question, ...] = field(default=())  # what to ask back: the best matches depend on it

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
            "questions": list(self.questions),
            "results": [hit.to_dict() for hit in self.results],
        }
        if self.risk != "none":
            out["urgent_help"] = list(self.urgent_help)
        if not self.confident:
            out["starting_points"] = list(self.starting_points)
        return out
