"""The crisis gate, by family, on short texts written for these tests (none is a training line)."""

from __future__ import annotations

import pytest

from signpost.safety import segments, unmistakable

AT_RISK = {
    "direct intent": "honestly I think I'm going to kill myself this weekend",
    "plan and means": "I've worked out which drugs from the theatre cupboard and how much",
    "farewell": "I've left letters for my boys and sorted who gets the dog",
    "passive wish": "I keep hoping I just won't wake up tomorrow",
    "burden": "my family would honestly be better off without me around",
    "self-harm now": "cut my thighs in the on-call room again tonight",
    "attempt made": "took 40 of my amitriptyline about an hour ago",
    "misspelt": "i want to kil myself im so done",
    "denial then disclosure": "I'm not suicidal, I just don't want to be here anymore",
    "euphemism": "I won't be a problem for anyone much longer, it's all arranged",
}
LOOK_ALIKES = {
    "patient": "how do I assess a patient who says he wants to end his life",
    "teaching": "preparing a teaching session for FY1s on suicide risk assessment",
    "colleague": "my registrar told me she's had thoughts of ending it, how can I help her",
    "bereavement": "a consultant in our department died by suicide and the team is struggling",
    "past resolved": "I had a suicide attempt at medical school ten years ago and I'm well now",
    "negated": "No thoughts of self-harm, just exhausted",
    "hyperbole": "this rota is going to be the death of me",
    "ordinary distress": "burnt out and crying in the car before every shift",
}


@pytest.mark.parametrize("family", AT_RISK)
def test_at_risk_text_is_caught(searcher, family: str) -> None:
    assert searcher.search(AT_RISK[family]).risk != "none"


@pytest.mark.parametrize("family", LOOK_ALIKES)
def test_look_alikes_raise_no_urgent_alarm(searcher, family: str) -> None:
    assert searcher.search(LOOK_ALIKES[family]).risk != "urgent"


@pytest.mark.parametrize("family", ["patient", "teaching", "negated"])
def test_clear_look_alikes_raise_nothing(searcher, family: str) -> None:
    assert searcher.search(LOOK_ALIKES[family]).risk == "none"


def test_the_issue_examples(searcher) -> None:
    assert searcher.search("I can't go on, I want to end my life tonight").risk == "urgent"
    assert searcher.search("No thoughts of self-harm, just exhausted").risk == "none"


def test_a_disclosure_at_the_end_of_a_long_rota_complaint_is_caught(searcher) -> None:
    complaint = (
        "The rota coordinator has put me on seven nights in a row again, the third time this rotation, "
        "and when I exception reported it nobody replied. My study leave was refused, my ARCP is in "
        "three weeks and my portfolio is nowhere near finished because every spare hour goes on covering gaps. "
    )
    text = complaint * (3000 // len(complaint)) + "Honestly I have decided to end my life after this block of nights."
    assert len(text) > 2900
    response = searcher.search(text)
    assert response.risk != "none"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I can't go on, I want to end my life tonight", True),
        ("I'm suicidal", True),
        ("I am not suicidal", False),
        ("I don't want to kill myself but I'm scared", False),
        ("not suicidal, but I am planning to take my own life", True),  # negation stays in its clause
        ("my patient said he wants to kill himself", False),
        ('she told me "I want to end my life"', False),
        ("this job could kill me", False),
    ],
)
def test_rule_layer_is_clause_scoped(text: str, expected: bool) -> None:
    assert unmistakable(text) is expected


def test_segments_are_whole_text_then_overlapping_windows() -> None:
    assert segments("one line only. Two sentences!") == ["one line only. Two sentences!"]
    long = " ".join(f"w{i}" for i in range(200))
    parts = segments(long)
    assert parts[0] == long and parts[1].split()[0] == "w0" and parts[2].split()[0] == "w20"
    assert all(len(w.split()) <= 40 for w in parts[1:]) and parts[-1].endswith("w199")
    assert len(segments(" ".join(["word"] * 100_000))) == 48  # bounded, whatever the length


def test_worry_without_a_plain_statement_is_a_concern(searcher) -> None:
    """The middle level: the calm line, not the urgent box (the browser test shows it on the page)."""
    assert searcher.search("some days I wonder if everyone would cope fine without me").risk == "concern"
