"""What a person reads: the urgent-help box, the privacy line and result-card wording, shared by CLI and app."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from signpost.types import NATIONS, TOPICS, Filters, Hit, Resource, SearchResponse

if TYPE_CHECKING:
    from signpost.triage import Cue

URGENT_TITLE = "If you might act on thoughts of ending your life, get help now"
EMERGENCY = "Call 999 or go to A&E if your life is at risk right now."
SAMARITANS = "Samaritans: call 116 123, free, any time, day or night."
SHOUT = "Shout: text SHOUT to 85258 for text support, any time."
#: Each nation's own urgent mental-health route (shared/reviews/anchors-services.md, section 5.1).
#: Breathing Space (Scotland) is left out until its current hours can be stated.
NATION_ROUTES: dict[str, str] = {
    "England": "In England: call NHS 111 and choose the mental health option.",
    "Wales": "In Wales: call 111 and press 2.",
    "Scotland": "In Scotland: call NHS 24 on 111.",
    "Northern Ireland": "In Northern Ireland: call Lifeline on 0808 808 8000, free, any time.",
}
#: Offered only when the text or a filter says Ireland: its emergency numbers (HSE), and Samaritans there.
IRELAND_ROUTE = "In Ireland: call 112 or 999 in an emergency; Samaritans answer on 116 123 there too, free."
#: Every doctor line says it of itself; so must a directory (anchors-services.md, section 5.2).
DIRECTORY_NOTE = "Signpost is a directory, not a crisis service: nobody here reads what you type or can send help."
#: The calm line for ``risk == "concern"``: the same numbers, offered, not pressed.
CONCERN_LINE = (
    "If any of this includes thoughts of ending your life, you can talk to someone now: "
    "Samaritans on 116 123 (free, any time), or text SHOUT to 85258. In an emergency call 999."
)
PRIVACY_NOTE = "Your words are used on this server only to find matches. They are never saved to disk or logged."
NO_MATCH = (
    "Nothing in our list is a clear match for that. These are good general starting points, "
    "or try describing the problem in different words."
)
#: Open to every doctor in the UK, first; then a nation's own service, offered only where it can help.
GENERAL_STARTING_POINTS: tuple[str, ...] = ("bma-wellbeing-services", "dochealth")
NATION_STARTING_POINTS: dict[str, str] = {"England": "nhs-practitioner-health", "Wales": "canopi"}


def placed_in(cues: Sequence[Cue], filters: Filters | None = None) -> tuple[str, ...]:
    """The nations the doctor placed themselves in, by a filter or by what they wrote, in a fixed order."""
    named = {n for cue in cues for n in cue.nations} | set(filters.nations if filters else ())
    return tuple(n for n in NATIONS if n in named)


def urgent_help(nations: Iterable[str] = ()) -> tuple[str, ...]:
    """The urgent-help lines: emergency first, then the given nations' own routes, then the UK-wide
    lines, then the other nations' routes (all four UK nations when none is given)."""
    named = set(nations)
    given = [n for n in NATIONS if n in named and n != "UK-wide"]
    own = [IRELAND_ROUTE if n == "Ireland" else NATION_ROUTES[n] for n in given]
    others = [line for n, line in NATION_ROUTES.items() if n not in given]
    return (EMERGENCY, *own, SAMARITANS, SHOUT, *others) if own else (EMERGENCY, SAMARITANS, *others, SHOUT)


def starting_points(nations: Sequence[str]) -> tuple[str, ...]:
    """Where to start when nothing fits clearly: UK-wide services, then the given nations' own; a
    single-nation service (NHS Practitioner Health is England's) only when the doctor did not place
    themselves in another nation."""
    places = nations or ("England",)
    return GENERAL_STARTING_POINTS + tuple(NATION_STARTING_POINTS[n] for n in places if n in NATION_STARTING_POINTS)


def audience_text(resource: Resource) -> str:
    """'Who it is for' in one line: audience, then nations."""
    nations = ", ".join(resource.nations).replace("UK-wide", "across the UK")
    return f"{', '.join(resource.audience)} ({nations})"


def confidentiality_text(resource: Resource) -> str:
    """The ``confidential`` fact in plain words, with its limit when it has one; never more than the facts say."""
    if resource.confidential == "yes, with limits":
        return f"Confidential, with limits: {resource.confidentiality_limits}"
    return {
        "yes": "Confidential",
        "no": "Not confidential",
        "not a contact service": "Not a contact service (published information)",
    }.get(resource.confidential, "Confidentiality not stated: ask when you make contact")


def facts(resource: Resource) -> list[tuple[str, str]]:
    """What a doctor checks before making contact, as (label, text) in reading order: who it is for,
    limits, confidentiality, phone, website and the caveat ("Good to know"). The app's cards, the
    CLI's results and ``signpost show`` all read this one list."""
    rows = [("Who it is for", audience_text(resource))]
    rows += [("Check first", resource.eligibility)] if resource.eligibility else []
    rows.append(("Confidentiality", confidentiality_text(resource)))
    rows += [("Phone", resource.contact)] if resource.contact else []
    rows += [("Website", resource.url)] if resource.url else []
    rows += [("Good to know", resource.note)] if resource.note else []
    return rows


def phone_link(contact: str) -> str | None:
    """A ``tel:`` address for the first number in a contact line, so a phone can dial it in one tap."""
    number = re.search(r"\d[\d ]{5,}\d", contact)
    return f"tel:{number.group().replace(' ', '')}" if number else None


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#$~|])")


def _md(text: str) -> str:
    """Corpus text shown as written: Markdown, LaTeX ($) and colour directives in it are escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def card_markdown(hit: Hit) -> str:
    """A result card as one Markdown block, so the page sends and draws one element per card.

    Calm on purpose: the name, then provider and match strength in grey, the summary, why it was
    suggested, who it is for and its confidentiality on one line, and only then what needs checking
    (limits, caveats); the phone is a ``tel:`` link and the website a link named for the service.
    """
    resource = hit.resource
    byline = " · ".join([*_provider(resource), *([strength_label(hit)] if hit.reasons else [])])
    lines = [
        f"#### {_md(resource.name)}",
        *([f":gray[{_md(byline)}]"] if byline else []),
        "",
        _md(resource.summary),
        "",
    ]
    if hit.reasons:
        lines.append(f"*Why this was suggested:* {_md(why_text(hit.reasons))}  ")
    fact = dict(facts(resource))
    lines.append(f"For {_md(fact['Who it is for'])} · {_md(fact['Confidentiality'])}  ")
    lines += [f"{label}: {_md(fact[label])}  " for label in ("Check first", "Good to know") if label in fact]
    links = []
    if "Phone" in fact:
        link = phone_link(fact["Phone"])
        links.append(f"Phone: [{_md(fact['Phone'])}]({link})" if link else f"Phone: {_md(fact['Phone'])}")
    if "Website" in fact:
        links.append(f"[{_md(resource.name)} website]({fact['Website'].replace(')', '%29')})")
    lines += [" · ".join(links)] if links else []
    return "\n".join(lines)


def plain_list(response: SearchResponse, resources: Sequence[Resource] = (), today: date | None = None) -> str:
    """The suggestions as plain text to keep: each name, why, who it is for, phone and website, and the
    urgent-help lines (first when the text was judged urgent, as on the page; last otherwise). Made
    from the response alone (``resources`` are the starting points shown when nothing fitted); the
    person's own words are left out, so the file is safe to leave on a shared computer."""
    hits = list(response.results) if response.confident else [Hit(r.id, r.name, 0.0, r) for r in resources]
    when = (today or date.today()).strftime("%-d %B %Y")
    urgent = ["If you need help now:", *(f"- {line}" for line in response.urgent_help or urgent_help()), DIRECTORY_NOTE]
    out = [f"Signpost: support suggestions ({when})", "", *([*urgent, ""] if response.crisis else [])]
    for number, hit in enumerate(hits, 1):
        resource = hit.resource
        out.append(" · ".join([f"{number}. {resource.name}", *_provider(resource)]))
        out += [f"   Why: {why_text(hit.reasons)}"] if hit.reasons else []
        fact = dict(facts(resource))
        out.append(f"   For: {fact['Who it is for']}. {fact['Confidentiality']}.")
        out += [f"   {label}: {fact[label]}" for label in ("Phone", "Website") if label in fact]
        out.append("")
    return "\n".join(out if response.crisis else [*out, *urgent]) + "\n"


_HELPS = "Helps with: "


def why_text(reasons: Sequence[str]) -> str:
    """The reasons in one sentence: "Helps with: debt; rent arrears. For GPs." rather than a list."""
    helps = [r.removeprefix(_HELPS) for r in reasons if r.startswith(_HELPS)]
    rest = [r for r in reasons if not r.startswith(_HELPS)]
    return ". ".join([*([_HELPS + "; ".join(helps)] if helps else []), *rest]) + "."


def _provider(resource: Resource) -> list[str]:
    """The provider, unless it only repeats the name."""
    return (
        []
        if resource.provider.lower().removeprefix("the ") == resource.name.lower().removeprefix("the ")
        else [resource.provider]
    )


def strength_label(hit: Hit) -> str:
    """A simple label instead of a raw score."""
    return "Strong match" if hit.strong else "Possible match"


WHERE_QUESTION = "Where do you work?"
WHO_QUESTION = "Who is this for?"
#: The question back's choices, as shown; the values are ``types.ASKERS``.
ASKER_CHOICES: dict[str, str] = {"me": "Me", "a colleague": "A colleague", "family": "Family"}
DOWNLOAD_LABEL = "Download this list"

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

    A resource that meets two needs is shown under the likelier need; local roles are shown apart. The
    groups come in the order of their best result, so the best match always leads the page.
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
    groups.sort(key=lambda group: hits.index(group[1][0]))
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
