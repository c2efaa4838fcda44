"""The rules that stay rules: cleaning, jargon, spelling, situation cues and the eligibility prior."""

from __future__ import annotations

import pytest

from signpost.triage import Speller, clean, cue_audience, cue_nations, eligibility, expand, situation


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


def test_speller_appends_the_intended_domain_word() -> None:
    speller = Speller(["anxiety", "gambling complaint tribunal"], general=["compliant", "pregnant"])
    assert speller.corrections("anxeity before on call") == ["anxiety"]
    assert speller.corrections("GMC complant") == ["complaint"]  # the domain word wins a tie
    assert speller.corrections("pregant and gambing") == ["pregnant", "gambling"]
    assert speller.corrections("tribunal anxiety") == []  # known words are left alone


def test_eligibility_prior_from_cues(searcher) -> None:
    """+1 per way the text shows the doctor fits a restricted resource, -1 per way it shows they do not."""
    ids = [r.id for r in searcher.resources]
    prior = dict(zip(ids, eligibility(searcher.resources, situation("GP in Cardiff, burnt out")), strict=True))
    assert prior["canopi"] == 1.0  # Wales
    assert prior["nhs-practitioner-health"] == -1.0  # England only
    assert prior["cameron-fund"] >= 1.0  # GPs
    assert prior["rcoa-wellbeing"] == -1.0  # anaesthetists only
    assert prior["bma-wellbeing-services"] == 0.0  # open to all, UK-wide
    assert not eligibility(searcher.resources, situation("stressed")).any()
