"""What a person reads: the urgent-help box, the privacy line and result-card wording, shared by CLI and app."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from signpost.types import TOPICS, Filters, Hit, Resource, SearchResponse

if TYPE_CHECKING:
    from signpost.triage import Cue

URGENT_TITLE = "If you might act on thoughts of ending your life, get help now"
URGENT_HELP: tuple[str, ...] = (
    "Call 999 or go to A&E if your life is at risk right now.",
    "Samaritans: call 116 123, free, any time, day or night.",
    "NHS 111: in England choose the mental health option; in Wales call 111 and press 2; "
    "in Scotland call NHS 24 on 111.",
    "Shout: text SHOUT to 85258 for text support, any time.",
)
#: The calm line for ``risk == "concern"``: the same numbers, offered, not pressed.
CONCERN_LINE = (
    "If any of this includes thoughts of ending your life, you can talk to someone now: "
    "Samaritans on 116 123 (free, any time), or text SHOUT to 85258. In an emergency call 999."
)
PRIVACY_NOTE = "Your words are processed on this server only to find matches. They are never stored or logged."
NO_MATCH = (
    "Nothing in our list is a clear match for that. These are good general starting points, "
    "or try describing the problem in different words."
)
#: Open to every doctor in the UK, first; then the England-only service, offered only where it can help.
GENERAL_STARTING_POINTS: tuple[str, ...] = ("bma-wellbeing-services", "dochealth")
ENGLAND_STARTING_POINT = "nhs-practitioner-health"


def starting_points(cues: Sequence[Cue], filters: Filters | None = None) -> tuple[str, ...]:
    """Where to start when nothing fits clearly; an England-only service only when the doctor did
    not place themselves (by text or filter) in another nation."""
    nations = {n for cue in cues for n in cue.nations} | set(filters.nations if filters else ())
    england = not nations or "England" in nations
    return GENERAL_STARTING_POINTS + ((ENGLAND_STARTING_POINT,) if england else ())


def audience_text(resource: Resource) -> str:
    """'Who it is for' in one line: audience, then nations."""
    nations = ", ".join(resource.nations).replace("UK-wide", "across the UK")
    return f"{', '.join(resource.audience)} ({nations})"


def confidentiality_text(resource: Resource) -> str:
    """Plain wording for the ``confidential`` field, never overstating it."""
    return {True: "Confidential", False: "Not a contact service (published guidance)"}.get(
        resource.confidential, "Confidentiality not stated: ask when you make contact"
    )


def strength_label(hit: Hit) -> str:
    """A simple label instead of a raw score."""
    return "Strong match" if hit.strong else "Possible match"


LOCAL_HEADING = "People in your organisation who can help"
LOCAL_INTRO = "Your own department is usually the first place to seek advice: these roles know the local picture."
EXAMPLES: tuple[str, ...] = (
    "ST4 in Cardiff, drinking too much and behind on rent",
    "My consultant keeps undermining me in front of the team",
    "The GMC has opened an investigation and I can't sleep",
    "Can I train less than full time? I have caring responsibilities",
)


def need_groups(response: SearchResponse) -> list[tuple[str, list[Hit]]]:
    """Results under each need the text raised (several needs), or one untitled group (one need).

    A resource that meets two needs is shown under the first; local roles are shown apart.
    """
    hits = [hit for hit in response.results if not hit.resource.is_local_role]
    if len(response.needs) < 2:
        return [("", hits)]
    groups: list[tuple[str, list[Hit]]] = []
    placed: set[str] = set()
    for topic in response.needs:
        members = [h for h in hits if topic in h.resource.topics and h.id not in placed]
        placed |= {h.id for h in members}
        if members:
            groups.append((TOPICS[topic], members))
    rest = [h for h in hits if h.id not in placed]
    return groups + ([("Also worth a look", rest)] if rest else [])


def local_hits(response: SearchResponse) -> list[Hit]:
    """The local-department roles among the results, for their own section."""
    return [hit for hit in response.results if hit.resource.is_local_role]


def browse(resources: Iterable[Resource], filters: Filters | None = None) -> dict[str, list[Resource]]:
    """Every resource the filters allow, grouped by kind of help, kinds and names in order."""
    grouped: dict[str, list[Resource]] = {}
    for resource in sorted(resources, key=lambda r: (r.kind, r.name.lower())):
        if filters is None or filters.allows(resource):
            grouped.setdefault(resource.kind, []).append(resource)
    return grouped
