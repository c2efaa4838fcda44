"""The crisis gate and situation cues, table-driven on both sides of every rule."""

from __future__ import annotations

import pytest

from signpost.triage import (
    Speller,
    clean,
    cue_audience,
    cue_nations,
    expand,
    is_crisis,
    is_out_of_scope,
    needs,
    situation,
)

CRISIS = [
    "I want to end it",
    "I want to kill myself",
    "I can't go on anymore, I've been thinking about ending my life",
    "want to die tonight",
    "everyone would be better off without me",
    "I've been looking at how many tablets it would take",
    "I'm an anaesthetist and I've been thinking about taking drugs from theatre to end it.",
    "GP in Wales, suicidal after my MPTS hearing, cant cope",
    "I don't want to be alive any more",
    "there's no point in living like this",
    "I have been self-harming again",
    "I've written a letter to my family in case I'm not here",
    "thinking of jumping off the multi-storey after my shift",
    "I've been stockpiling pills, enough to end it",
    "I keep thinking everyone would be better off if I wasn't here",
]
NOT_CRISIS = [
    "my patient took an overdose last night and I feel guilty",
    "suicide risk assessment training for FY1s",
    "not suicidal, just exhausted",
    "I'm not suicidal but I'm burnt out",
    "how do I do a suicide risk assessment on a patient",
    "drinking too much after shifts",
    "I want to end my contract early",
    "I want to end it with my partner",
    "I'm dying to get a day off",
    "the rota is killing me",
    "lost a colleague to suicide last year and our team needs support",
    "my GMC hearing is next week and I'm terrified",
    "she told the ward she wants to die, the patient is on a section",
]


@pytest.mark.parametrize("text", CRISIS)
def test_crisis_fires(text: str) -> None:
    assert is_crisis(text)


@pytest.mark.parametrize("text", NOT_CRISIS)
def test_crisis_does_not_fire(text: str) -> None:
    assert not is_crisis(text)


@pytest.mark.parametrize(
    ("text", "nations", "audience"),
    [
        ("ST4 in Cardiff, drinking too much", {"Wales"}, {"doctors in training", "foundation doctors"}),
        ("Belfast F1 struggling", {"Northern Ireland"}, {"doctors in training", "foundation doctors"}),
        ("trainee in Dublin feeling burnt out", {"Ireland"}, {"doctors in training", "foundation doctors"}),
        ("Scottish consultant surgeon", {"Scotland"}, {"surgeons", "surgical teams"}),
        ("GP partner struggling with stress", set(), {"GPs"}),
        ("my husband is a doctor and drinks", set(), {"families"}),
        ("My husband was a hospital consultant and died last year", set(), {"families"}),
        ("retired docter money problems", set(), {"retired doctors"}),
        (
            "A&E reg feeling burnt out",
            set(),
            {"emergency medicine doctors", "doctors in training", "foundation doctors"},
        ),
        ("how can our emergency department keep its consultants", set(), {"emergency medicine doctors", "employers"}),
        ("bullying at work", set(), set()),
        ("colleague smells of alcohol on ward rounds", set(), set()),
    ],
)
def test_situation_cues(text: str, nations: set[str], audience: set[str]) -> None:
    cues = situation(text)
    assert cue_nations(cues) == nations
    assert cue_audience(cues) == audience


def test_who_is_asking() -> None:
    assert "asking about a colleague" in [c.label for c in situation("I'm worried my colleague is drinking on shift")]
    assert "a family member" in [c.label for c in situation("my wife is a GP and she is exhausted")]
    assert "an employer" in [c.label for c in situation("how can our department support staff wellbeing")]


def test_expand_adds_plain_words_for_jargon_only_as_whole_words() -> None:
    assert "less than full time" in expand("LTFT application")
    assert "fitness to practise" in expand("FtP hearing support")
    assert "emergency medicine" in expand("A&E reg")
    assert expand("bed shortage") == "bed shortage"  # 'ed' inside a word is not the ED


def test_clean_strips_controls_and_invisibles_and_cuts() -> None:
    assert clean("a\x00b\u200bc\x07 d\n\te", 100) == ("abc d e", False)
    text, cut = clean("word " * 100, 50)
    assert cut and len(text) <= 50 and not text.endswith(" ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drinking, debts and a GMC letter", ("addiction", "money", "regulatory")),
        ("boozing every night and now behind on rent", ("addiction", "money")),
        ("my consultant humiliates me on ward rounds", ("bullying",)),
        ("want to go less than full time after maternity leave", ("training", "health")),
        ("how can our trust support staff wellbeing", ("employer", "mental-health")),
        ("what time is it", ()),
    ],
)
def test_needs_in_the_order_raised(text: str, expected: tuple[str, ...]) -> None:
    assert needs(text) == expected


def test_speller_appends_the_intended_domain_word() -> None:
    speller = Speller(["anxiety", "gambling complaint tribunal"], general=["compliant", "pregnant"])
    assert speller.corrections("anxeity before on call") == ["anxiety"]
    assert speller.corrections("GMC complant") == ["complaint"]  # the domain word wins a tie
    assert speller.corrections("pregant and gambing") == ["pregnant", "gambling"]
    assert speller.corrections("tribunal anxiety") == []  # known words are left alone


@pytest.mark.parametrize(
    ("text", "outside"),
    [
        ("I'm a patient and want to complain about my GP", True),
        ("amoxicillin dose for a child", True),
        ("I'm a patient safety lead and I'm being bullied", False),
        ("my patient complained about me", False),
    ],
)
def test_patient_side_text_is_out_of_scope(text: str, outside: bool) -> None:
    assert is_out_of_scope(text) is outside
