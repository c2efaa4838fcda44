"""The public search API with the real model and the committed index."""

from __future__ import annotations

import pytest

from signpost import QueryError, SearchResponse


def test_response_contract(searcher) -> None:
    response = searcher.search("I keep getting bullied by my consultant", k=5)
    assert isinstance(response, SearchResponse)
    assert len(response.results) == 5
    scores = [hit.score for hit in response.results]
    assert scores == sorted(scores, reverse=True)
    for hit in response.results:
        assert hit.id == hit.resource.id and hit.name == hit.resource.name
        assert hit.reasons and all(isinstance(reason, str) and reason for reason in hit.reasons)
    assert response.confident and response.risk == "none" and not response.crisis
    data = response.to_dict()
    assert set(data) >= {"query", "risk", "crisis", "confident", "results"} and "starting_points" not in data
    assert set(data["results"][0]) >= {"id", "name", "score", "reasons"}


def test_search_is_search_many_of_one(searcher) -> None:
    queries = ["LTFT application", "gambling debts", "GMC investigation letter"]
    batch = searcher.search_many(queries, k=4)
    assert [r.query for r in batch] == queries
    for query, response in zip(queries, batch, strict=True):
        single = searcher.search(query, k=4)
        assert [h.id for h in single.results] == [h.id for h in response.results]
        assert [h.score for h in single.results] == pytest.approx([h.score for h in response.results], abs=1e-5)
    assert searcher.search_many([]) == []  # an empty batch is an empty answer, not a crash


@pytest.mark.parametrize("k", [0, 1, 57, 100])
def test_k_is_respected(searcher, k: int) -> None:
    assert len(searcher.search("stress at work", k=k).results) == min(k, 57)


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "?!.,", "\x00\x01"])
def test_nothing_to_search_is_a_clear_error(searcher, query: str) -> None:
    with pytest.raises(QueryError, match="nothing to search for"):
        searcher.search(query)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("LTFT", "flexible-working-champion"),
        ("MPTS hearing on my own", "mpts-doctor-contact-service"),
        ("my consultant keeps humiliating me", "rcsed-letsremoveit"),
        ("I have a gambling problem", "gamcare"),
        ("GP in financial hardship", "cameron-fund"),
        ("doctor in Wales with anxiety", "canopi"),
        ("I've been hitting the bottle hard since my divorce", "sick-doctors-trust"),
        ("I need a lawyer because a patient is suing me", "medical-defence-organisations"),
        (
            "my practice partner is having an affair with a patient and I don't know who to tell",
            "freedom-to-speak-up-guardian",
        ),
        ("I can't stop betting on football and I've maxed out my credit cards", "gamcare"),
    ],
)
def test_clear_needs_find_their_resource_in_the_top_three(searcher, query: str, expected: str) -> None:
    assert expected in [hit.id for hit in searcher.search(query, k=3).results]


def test_crisis_and_confidence_flags(searcher) -> None:
    urgent = searcher.search("I want to end my life")
    assert urgent.risk == "urgent" and urgent.crisis and urgent.to_dict()["crisis"] is True
    # At most the calm line for a question about a patient (issue 9: a recall-first threshold does not alarm)
    assert searcher.search("my patient took an overdose").risk != "urgent"
    outside = searcher.search("how do I renew my passport")
    assert not outside.confident and outside.to_dict()["starting_points"] == list(outside.starting_points)


@pytest.mark.parametrize(
    ("query", "england_only"),
    [
        ("how do I renew my passport", True),
        ("how do I renew my passport, I live in Glasgow", False),
        ("where can I buy a cheap sofa in Swansea", False),
    ],
)
def test_starting_points_follow_the_nation(searcher, query: str, england_only: bool) -> None:
    response = searcher.search(query)
    assert not response.confident
    assert ("nhs-practitioner-health" in response.starting_points) is england_only
    assert response.starting_points[0] == "bma-wellbeing-services"


def test_out_of_scope_texts_are_flagged(searcher) -> None:
    for text in (
        "my mum's GP keeps cancelling her appointments, how do I complain",
        "what's the maximum dose of gentamicin in renal impairment",
        "student nurse looking for a hardship grant",
    ):
        assert not searcher.search(text).confident, text


def test_long_text_is_cut_and_said(searcher) -> None:
    response = searcher.search("I am exhausted and anxious. " * 2000)
    assert response.truncated and response.results


def test_modes_differ_but_share_the_contract(searcher) -> None:
    for mode in ("dense", "lexical", "hybrid"):
        response = searcher.search("exception reporting", k=3, mode=mode)
        assert len(response.results) == 3


@pytest.mark.parametrize(
    ("query", "topics"),
    [
        ("drinking too much, debts piling up and a letter from the GMC", {"addiction", "money", "regulatory"}),
        ("gambling debts and bailiffs at the door", {"gambling", "money"}),
    ],
)
def test_every_need_gets_a_resource_in_the_top_results(searcher, query: str, topics: set[str]) -> None:
    response = searcher.search(query, k=5)
    assert set(response.needs) >= topics
    covered = {topic for hit in response.results for topic in hit.resource.topics}
    assert covered >= topics


def test_situation_moves_eligible_resources_up(searcher) -> None:
    wales = [h.id for h in searcher.search("junior doctor in Cardiff with anxiety", k=3).results]
    assert "canopi" in wales
    england = [h.id for h in searcher.search("junior doctor in Manchester with anxiety", k=5).results]
    assert "canopi" not in england
    surgeon = [h.id for h in searcher.search("surgeon struggling after a complication", k=3).results]
    assert "rcseng-confidential-support" in surgeon


def test_reciprocal_rank_fusion_is_a_working_alternative(searcher) -> None:
    from dataclasses import replace

    rrf = replace(searcher, tuning=replace(searcher.tuning, fusion="rrf"))
    response = rrf.search("unsafe rota and no breaks", k=5)
    assert len(response.results) == 5 and "guardian-of-safe-working" in [h.id for h in response.results]


@pytest.mark.parametrize(
    "text",
    [
        "ST4 in Cardiff, drinking too much and behind on rent",
        "trainee in Glasgow failing exams",
        "GP in Belfast, burnt out",
    ],
)
def test_a_service_for_another_nation_never_outranks_an_eligible_one(searcher, text: str) -> None:
    response = searcher.search(text, k=10)
    placed = {n for cue in searcher._understand(text).cues for n in cue.nations}
    assert placed
    for hit in response.results:  # 57 resources: there are always ten that serve the doctor's nation
        assert {"UK-wide", *placed} & set(hit.resource.nations), (hit.id, hit.resource.nations)
