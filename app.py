"""Signpost's Streamlit page: widgets and layout only; every decision is made in the signpost package."""

from __future__ import annotations

import logging

import streamlit as st

from signpost import Filters, Hit, Searcher, SearchResponse, Settings, SignpostError, present
from signpost.types import AUDIENCES, KINDS, NATIONS

st.set_page_config(page_title="Signpost: support for doctors", layout="centered")
log = logging.getLogger("signpost.app")


@st.cache_resource(show_spinner="Loading the search engine…")
def load_searcher(settings: Settings) -> Searcher:
    """One searcher for every session: the model and index are read once (never mutated)."""
    return Searcher.load(settings=settings)


def ask(text: str) -> None:
    st.session_state.query = text
    st.session_state.asked = text


def clear() -> None:
    st.session_state.query = ""
    st.session_state.asked = None


def urgent_box(lines: tuple[str, ...]) -> None:
    st.error(f"**{present.URGENT_TITLE}**\n\n" + "\n".join(f"- {line}" for line in lines))
    st.caption(present.DIRECTORY_NOTE)


def card(hit: Hit) -> None:
    resource = hit.resource
    with st.container(border=True):
        st.markdown(f"#### {resource.name}")
        label = f" · {present.strength_label(hit)}" if hit.reasons else ""
        st.caption(f"{resource.provider}{label}")
        st.write(resource.summary)
        if hit.reasons:
            st.markdown("**Why this was suggested**\n" + "\n".join(f"- {reason}" for reason in hit.reasons))
        for label, text in present.facts(resource):
            if label == "Phone" and (link := present.phone_link(text)):
                st.markdown(f"**Phone:** [{text}]({link})")
            elif label != "Website":  # the website is the button below
                st.markdown(f"**{label}:** {text}")
        if resource.url:
            st.link_button(f"Visit the {resource.name} website", resource.url)


def answer(searcher: Searcher, response: SearchResponse) -> None:
    if response.risk == "urgent":
        urgent_box(response.urgent_help)
        st.session_state.urgent_shown = True  # "Need help now?" stays open for the rest of the session
    elif response.risk == "concern":
        st.info(present.CONCERN_LINE)
    if response.truncated:
        st.info("Your text was long, so only its beginning was used for the search.")
    st.header("Suggestions")
    if not response.confident:
        st.warning(present.NO_MATCH)
        for resource_id in response.starting_points:
            resource = searcher.resource(resource_id)
            card(Hit(resource.id, resource.name, 0.0, resource))
        return
    if not response.results:
        st.info("No resource fits the filters you chose. Clear a filter in the sidebar to see more.")
    for title, hits in present.need_groups(response):
        st.subheader(title or "Best matches")
        for hit in hits:
            card(hit)
    local = present.local_hits(response)
    if local:
        st.subheader(present.LOCAL_HEADING)
        st.caption(present.LOCAL_INTRO)
        for hit in local:
            card(hit)


def search(filters: Filters) -> None:
    asked = st.session_state.get("asked")
    if asked is None:
        return
    if not asked.strip():
        st.info("Type a few words about what is happening, then press Find support.")
        return
    try:
        searcher = load_searcher(Settings.from_env())
        response = searcher.search(asked, k=6, filters=filters)
    except SignpostError as exc:
        st.error(str(exc))
    except Exception as exc:  # never a traceback on the page, never the query in a log
        log.error("search failed: %s", type(exc).__name__)
        st.error("Something went wrong while searching. Please try again.")
    else:
        answer(searcher, response)


def browse(filters: Filters) -> None:
    st.header("All resources")
    try:
        searcher = load_searcher(Settings.from_env())
    except SignpostError as exc:
        st.error(str(exc))
        return
    groups = present.browse(searcher.resources, filters)
    st.caption(f"{sum(map(len, groups.values()))} of {len(searcher.resources)} resources match the filters.")
    for kind, resources in groups.items():
        st.subheader(kind.capitalize())
        for resource in resources:
            with st.expander(resource.name):
                card(Hit(resource.id, resource.name, 0.0, resource))


with st.sidebar:
    st.markdown("**Narrow the results**")  # not a heading: the sidebar comes before the page title
    filters = Filters(
        nations=frozenset(
            st.multiselect("Where you work", [n for n in NATIONS if n != "UK-wide"], placeholder="Any nation")
        ),
        audience=frozenset(st.multiselect("Who it is for", AUDIENCES, placeholder="Anyone")),
        kinds=frozenset(st.multiselect("Kind of help", KINDS, placeholder="Any kind")),
    )

st.title("Signpost")
st.write(
    "Support for UK doctors in difficulty. Describe what is going on in your own words, "
    "and Signpost suggests the organisations and people best placed to help."
)
with st.expander("Need help now?", expanded=st.session_state.get("urgent_shown", False)):
    urgent_box(present.urgent_help(filters.nations))

# One view at a time (not tabs): a search then renders only its results, not all 57 records as well.
view = st.radio("View", ["Find support", "Browse all resources"], horizontal=True, label_visibility="collapsed")
if view == "Find support":
    with st.form("ask"):
        st.text_area(
            "What's going on?",
            key="query",
            placeholder=f"For example: {present.EXAMPLES[0]}",
            height=150,
            help="Press Ctrl+Enter (or ⌘+Enter) to search.",
        )
        st.form_submit_button("Find support", type="primary", on_click=lambda: ask(st.session_state.query))
    st.caption(present.PRIVACY_NOTE)
    st.button("Clear", on_click=clear, help="Empty the text and the results (for shared computers).")
    if st.session_state.get("asked") is None:
        st.markdown("**Or try an example:**")
        for number, example in enumerate(present.EXAMPLES):
            st.button(example, key=f"example-{number}", on_click=ask, args=(example,))
    search(filters)
else:
    browse(filters)
