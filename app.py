"""Signpost's Streamlit page: widgets and layout only; every decision is made in the signpost package."""

from __future__ import annotations

import logging

import streamlit as st

from signpost import Filters, Hit, Resource, Searcher, SearchResponse, Settings, SignpostError, appserver, present
from signpost.types import ASKERS, AUDIENCES, KINDS, NATIONS, UK_PLACES, Answers

st.set_page_config(page_title="Signpost: support for doctors", layout="centered")
log = logging.getLogger("signpost.app")


@st.cache_resource(show_spinner="Loading the search engine…")
def load_searcher(settings: Settings) -> Searcher:
    """One searcher for every session (never mutated); `signpost app` has usually loaded it at start."""
    return appserver.shared_searcher(settings)


def ask(text: str | None) -> None:
    """A new text (or none, to clear): its answers to the question back go with the old one."""
    st.session_state.query = text or ""
    st.session_state.asked = text
    for key in ("where", "who"):
        st.session_state.pop(key, None)


def urgent_box(lines: tuple[str, ...]) -> None:
    st.error(f"**{present.URGENT_TITLE}**\n\n" + "\n".join(f"- {line}" for line in lines))
    st.caption(present.DIRECTORY_NOTE)


def card(hit: Hit) -> None:
    with st.container(border=True):  # one Markdown element per card: cheap to send and to draw
        st.markdown(present.card_markdown(hit))


def answer(searcher: Searcher, response: SearchResponse) -> None:
    if response.risk == "urgent":
        urgent_box(response.urgent_help)
        st.session_state.urgent_shown = True  # "Need help now?" stays open for the rest of the session
    elif response.risk == "concern":
        st.info(present.CONCERN_LINE)
    if response.truncated:
        st.info("Your text was long, so only its beginning was used for the search.")
    st.header("Suggestions")
    starting = [searcher.resource(resource_id) for resource_id in response.starting_points]
    if not response.confident:
        st.warning(present.NO_MATCH)
        for resource in starting:
            card(Hit(resource.id, resource.name, 0.0, resource))
        keep(response, starting)
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
    question_back(response)
    keep(response, starting)


def question_back(response: SearchResponse) -> None:
    """One compact question when the best matches depend on it; an answer re-ranks this fragment only."""
    where = "where" in response.questions or st.session_state.get("where")
    who = "who" in response.questions or st.session_state.get("who")
    if where:
        st.segmented_control(present.WHERE_QUESTION, UK_PLACES, key="where")
    if who:
        st.segmented_control(present.WHO_QUESTION, ASKERS, format_func=present.ASKER_CHOICES.get, key="who")


def keep(response: SearchResponse, starting: list[Resource]) -> None:
    """The list as a text file, made only when the button is pressed; the page does not rerun."""
    st.download_button(
        present.DOWNLOAD_LABEL,
        lambda: present.plain_list(response, starting),
        file_name="signpost-suggestions.txt",
        mime="text/plain",
        on_click="ignore",
        icon=":material/download:",
    )


@st.fragment
def search(filters: Filters) -> None:
    """The answer to the text asked. A fragment: the question back re-ranks here, not the whole page."""
    asked = st.session_state.get("asked")
    if asked is None:
        return
    if not asked.strip():
        st.info("Type a few words about what is happening, then press Find support.")
        return
    try:
        searcher = load_searcher(Settings.from_env())
        answers = Answers(st.session_state.get("where"), st.session_state.get("who"))
        response = searcher.search(asked, k=6, filters=filters, answers=answers)
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
    st.button("Clear", on_click=ask, args=(None,), help="Empty the text and the results (for shared computers).")
    if st.session_state.get("asked") is None:
        st.markdown("**Or try an example:**")
        for number, example in enumerate(present.EXAMPLES):
            st.button(example, key=f"example-{number}", on_click=ask, args=(example,))
    search(filters)
else:
    browse(filters)
