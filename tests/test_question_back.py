"""The question back: asked only when the best matches depend on where the doctor works or who the
search is for, and an answer is read exactly as if the person had written it; and what the results
page renders from a response, the calm card and the list to keep (real model and index)."""

from __future__ import annotations

import pytest

from signpost import Filters, present
from signpost.types import Answers, Hit, SearchResponse

LOW = "anxious and low, not sleeping"  # no place, no role: England's Practitioner Health is among the best


def ids(response: SearchResponse) -> list[str]:
    return [hit.id for hit in response.results]


def test_both_questions_when_nothing_says_where_or_who(searcher) -> None:
    response = searcher.search(LOW, k=6)
    assert "nhs-practitioner-health" in ids(response)[:5]
    assert response.questions == ("where", "who")
    assert response.to_dict()["questions"] == ["where", "who"]


@pytest.mark.parametrize(
    ("text", "filters", "asked"),
    [
        ("anxious and low in Cardiff", None, "where"),  # the text names a place
        (LOW, Filters(nations=frozenset({"Scotland"})), "where"),  # a filter does
        ("my husband is a doctor and he is anxious and low", None, "who"),  # the text says who is asking
        ("GP, anxious and low, not sleeping", None, "who"),  # a role says it is for the writer
    ],
)
def test_a_question_the_text_or_a_filter_answered_is_not_asked(searcher, text, filters, asked) -> None:
    assert asked not in searcher.search(text, k=6, filters=filters).questions


def test_an_answered_place_reranks_as_the_written_place_does(searcher) -> None:
    answered = searcher.search(LOW, k=6, answers=Answers(nation="Wales"))
    written = searcher.search(f"{LOW}. I work in Wales.", k=6)
    assert ids(answered) == ids(written)
    assert "canopi" in ids(answered)[:3] and "nhs-practitioner-health" not in ids(answered)  # England's only
    assert "in Wales" in answered.cues and "where" not in answered.questions
    assert answered.query == LOW  # the answer is not put into the person's words


def test_a_family_answer_lifts_what_is_open_to_families(searcher) -> None:
    plain = searcher.search("struggling with money, behind on the rent", k=6)
    family = searcher.search("struggling with money, behind on the rent", k=6, answers=Answers(asker="family"))

    def open_to_families(response: SearchResponse) -> int:
        return sum("families" in hit.resource.audience for hit in response.results[:3])

    assert open_to_families(family) >= open_to_families(plain)
    assert "a family member" in family.cues and "who" not in family.questions


def test_me_answers_who_without_moving_anything(searcher) -> None:
    plain = searcher.search(LOW, k=6)
    me = searcher.search(LOW, k=6, answers=Answers(asker="me"))
    assert ids(me) == ids(plain) and "who" not in me.questions


def test_no_question_when_nothing_fits(searcher) -> None:
    response = searcher.search("where can I park my car at the hospital", k=6)
    assert not response.confident and response.questions == ()


def test_card_markdown_is_calm_and_shows_corpus_text_as_written(searcher) -> None:
    resource = searcher.resource("bma-wellbeing-services")
    odd = resource.model_copy(update={"summary": "Costs $5 *or* less_than [that](x) #1"})
    text = present.card_markdown(Hit(odd.id, odd.name, 1.0, odd, reasons=("Helps with: a", "Helps with: b")))
    assert r"Costs \$5 \*or\* less\_than \[that\](x) \#1" in text
    assert "*Why this was suggested:* Helps with: a; b." in text
    assert "](tel:03301231245)" in text and "**" not in text


def test_the_kept_list_leaves_out_the_words_and_puts_urgent_help_first_when_urgent(searcher) -> None:
    calm = searcher.search("GP in debt and behind on rent", k=3)
    text = present.plain_list(calm)
    assert "GP in debt" not in text and text.index("1. ") < text.index("If you need help now:")
    assert f"   Website: {calm.results[0].resource.url}" in text
    urgent = searcher.search("I can't go on, I want to end my life tonight", k=3)
    text = present.plain_list(urgent)
    assert urgent.crisis and text.index("If you need help now:") < text.index("1. ")
    assert "end my life" not in text


@pytest.mark.parametrize(
    "text",
    ["ST4 in Cardiff, drinking too much and behind on rent", "drinking too much, debts piling up and a GMC letter"],
)
def test_the_best_match_leads_the_page_whatever_the_needs(searcher, text: str) -> None:
    response = searcher.search(text, k=6)
    groups = present.need_groups(response)
    first = next(hit for hit in response.results if not hit.resource.is_local_role)
    assert groups[0][1][0] == first
