"""What a person reads: the urgent-help box, the privacy line and result-card wording, shared by CLI and app."""

from __future__ import annotations

from signpost.types import Hit, Resource

URGENT_TITLE = "If you might act on thoughts of ending your life, get help now"
URGENT_HELP: tuple[str, ...] = (
    "Call 999 or go to A&E if your life is at risk right now.",
    "Samaritans: call 116 123, free, any time, day or night.",
    "NHS 111: in England choose the mental health option; in Wales call 111 and press 2; "
    "in Scotland call NHS 24 on 111.",
    "Shout: text SHOUT to 85258 for text support, any time.",
)
PRIVACY_NOTE = "Your words are processed on this server only to find matches. They are never stored or logged."
NO_MATCH = (
    "Nothing in our list is a clear match for that. These are good general starting points, "
    "or try describing the problem in different words."
)
GENERAL_STARTING_POINTS: tuple[str, ...] = ("bma-wellbeing-services", "nhs-practitioner-health")


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
