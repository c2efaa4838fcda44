"""Signpost's Streamlit page: widgets and layout only; every decision is made in the signpost package."""

from __future__ import annotations

import logging

import streamlit as st

from signpost import Hit, Searcher, SearchResponse, Settings, SignpostError, present

st.set_page_config(page_title="Signpost: support for doctors", layout="centered")
log = logging.getLogger("signpost.app")


@st.cache_resource(show_spinner="Loading the search engine…")
def load_searcher(settings: Settings) -> Searcher:
    """One searcher for every session: the model and index are read once (never mutated)."""
    return Searcher.load(settings=settings)


def urgent_box() -> None:
    st.error(f"**{present.URGENT_TITLE}**\n\n" + "\n".join(f"- {line}" for line in present.URGENT_HELP))


def card(hit: Hit) -> None:
    resource = hit.resource
    with st.container(border=True):
        st.markdown(f"### {resource.name}")
        st.caption(f"{resource.provider} · {present.strength_label(hit)}")
        st.write(resource.summary)
        if hit.reasons:
            st.markdown("**Why this was suggested**\n" + "\n".join(f"- {reason}" for reason in hit.reasons))
        st.markdown(f"**Who it is for:** {present.audience_text(resource)}")
        if resource.eligibility:
            st.markdown(f"**Check first:** {resource.eligibility}")
        st.markdown(f"**{present.confidentiality_text(resource)}**")
        if resource.contact:
            st.markdown(f"**Phone:** {resource.contact}")
        if resource.url:
            st.link_button("Visit website", resource.url)


def answer(searcher: Searcher, response: SearchResponse) -> None:
    if response.crisis:
        urgent_box()
    if response.truncated:
        st.info("Your text was long, so only its beginning was used for the search.")
    if not response.confident:
        st.warning(present.NO_MATCH)
        for resource_id in present.GENERAL_STARTING_POINTS:
            resource = searcher.resource(resource_id)
            card(Hit(resource.id, resource.name, 0.0, resource))
        return
    st.subheader("Suggestions")
    for hit in response.results:
        card(hit)


st.title("Signpost")
st.write(
    "Support for UK doctors in difficulty. Describe what is going on in your own words, "
    "and Signpost suggests the organisations and people best placed to help."
)
with st.form("ask"):
    query = st.text_area(
        "What's going on?",
        placeholder="For example: ST4 in Cardiff, drinking too much and behind on rent",
        height=140,
    )
    submitted = st.form_submit_button("Find support", type="primary")
st.caption(present.PRIVACY_NOTE)

if submitted:
    if not query.strip():
        st.info("Type a few words about what is happening, then press Find support.")
    else:
        try:
            searcher = load_searcher(Settings.from_env())
            response = searcher.search(query, k=5)
        except SignpostError as exc:
            st.error(str(exc))
        except Exception as exc:  # never a traceback on the page, never the query in a log
            log.error("search failed: %s", type(exc).__name__)
            st.error("Something went wrong while searching. Please try again.")
        else:
            answer(searcher, response)
