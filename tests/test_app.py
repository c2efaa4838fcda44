"""Every state of the Streamlit page through streamlit.testing (the real searcher, no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from signpost import present
from signpost.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def ask(query: str, at: AppTest | None = None) -> AppTest:
    at = at or start()
    at.text_area(key="query").input(query)
    button(at, "Find support").click()
    at.run()
    assert not at.exception, at.exception
    return at


def find(at: AppTest):
    """The main area (the "Find support" view unless another was chosen)."""
    return at.main


def errors(at: AppTest) -> list[str]:
    """Error boxes in the main area, less the permanent "Need help now?" box, which always comes first."""
    values = [e.value for e in at.main.error]
    assert at.expander[0].label == "Need help now?" and values[0] == at.expander[0].error[0].value
    return values[1:]


def text_of(block) -> str:
    return "\n".join(m.value for m in block.markdown)


def headings(block) -> list[str]:
    return [h.value for h in block.subheader]


def test_first_view_has_form_examples_privacy_and_help_now() -> None:
    at = start()
    assert at.text_area(key="query").label == "What's going on?"
    assert any("never saved to disk or logged" in c.value for c in at.caption)
    assert {b.label for b in at.button} >= {"Find support", "Clear", *present.EXAMPLES}
    assert not errors(at)
    help_now = at.expander[0]
    assert help_now.label == "Need help now?" and "116 123" in help_now.error[0].value
    assert [s.label for s in at.sidebar.multiselect] == ["Where you work", "Who it is for", "Kind of help"]


def test_query_gives_result_cards() -> None:
    at = ask("I've lost thousands on online betting and can't stop")
    text = text_of(find(at))
    assert "#### GamCare" in text
    assert "Why this was suggested" in text and "For all doctors, families (across the UK)" in text
    assert "**" not in text.split("#### GamCare")[1]  # calm cards: no bold labels
    assert not errors(at)


def test_several_needs_are_grouped() -> None:
    at = ask("drinking too much, debts piling up and a letter from the GMC")
    titles = headings(find(at))
    assert "Alcohol or drugs" in titles and "GMC, complaints and legal processes" in titles
    assert titles.index("Alcohol or drugs") < titles.index("Money worries")


def test_local_roles_have_their_own_section() -> None:
    at = ask("my rota is unsafe and I keep staying hours after my shift")
    titles = headings(find(at))
    assert present.LOCAL_HEADING in titles
    assert "#### Guardian of Safe Working Hours" in text_of(find(at))


def test_filters_narrow_the_search_itself() -> None:
    at = start()
    at.sidebar.multiselect[0].select("Wales")
    at.sidebar.multiselect[2].select("mental health service")
    at = ask("anxious and low, not sleeping", at)
    text = text_of(find(at))
    assert "#### Canopi" in text
    assert "NHS Practitioner Health" not in text  # England only: filtered out, not just ranked down


def test_example_button_runs_a_search() -> None:
    at = start()
    button(at, present.EXAMPLES[2]).click()
    at.run()
    assert at.text_area(key="query").value == present.EXAMPLES[2]
    assert "#### " in text_of(find(at))


def test_crisis_query_shows_urgent_box_before_results() -> None:
    at = ask("I can't go on, I want to end my life tonight")
    assert errors(at), "the urgent-help box is missing"
    for needle in ("999", "116 123", "111", "85258"):
        assert needle in errors(at)[0]
    assert "#### " in text_of(find(at))
    assert not any(i.value == present.CONCERN_LINE for i in find(at).info)


def test_urgent_help_follows_the_nation_and_says_what_signpost_is_not() -> None:
    at = ask("GP in Derry, I've written letters to my kids and I'm going to end my life tonight")
    box = errors(at)[0]
    assert box.index("Lifeline on 0808 808 8000") < box.index("Samaritans")  # Northern Ireland's route first
    assert any(c.value == present.DIRECTORY_NOTE for c in at.main.caption)


def test_cards_show_caveats_limits_and_a_phone_link() -> None:
    at = ask("my manager referred me to occupational health and I'm worried what they'll tell her")
    text = text_of(find(at))
    assert " · Confidential, with limits: reports fitness for work" in text  # one line with who it is for
    at = ask("I'm being investigated by the GMC and I can't sleep")
    text = text_of(find(at))
    assert "Phone: [020 7383 6707 (first contact Monday to Friday, 9am to 5pm)](tel:02073836707)" in text
    assert "Good to know: Commissioned by the GMC" in text


def test_need_help_now_stays_open_after_urgent_help_was_shown() -> None:
    at = start()
    assert not at.expander[0].proto.expanded
    at = ask("I can't go on, I want to end my life tonight", at)
    at = ask("how do I apply for less than full time training", at)
    assert at.expander[0].label == "Need help now?" and at.expander[0].proto.expanded


def test_clear_empties_text_and_results() -> None:
    at = ask("bullied by my consultant")
    assert "#### " in text_of(find(at))
    button(at, "Clear").click()
    at.run()
    assert at.text_area(key="query").value == ""
    assert "#### " not in text_of(find(at))


def test_empty_query_is_a_gentle_prompt() -> None:
    at = ask("   ")
    assert find(at).info and "Type a few words" in find(at).info[0].value
    assert "#### " not in text_of(find(at))


def test_out_of_scope_says_so_and_offers_starting_points() -> None:
    at = ask("I'm a patient and want to complain about my GP surgery")
    tab = find(at)
    assert tab.warning and "Nothing in our list is a clear match" in tab.warning[0].value
    assert "#### NHS Practitioner Health" in text_of(tab)  # no nation given: England's service is offered


def test_starting_points_never_offer_england_only_help_elsewhere() -> None:
    at = start()
    at.sidebar.multiselect[0].select("Scotland")
    at = ask("I'm a patient and want to complain about my GP surgery", at)
    tab = find(at)
    assert tab.warning and "NHS Practitioner Health" not in text_of(tab) and "#### DocHealth" in text_of(tab)


def test_long_text_is_cut_with_a_visible_note() -> None:
    at = ask("I am exhausted and anxious about work. " * 3000)
    assert any("only its beginning was used" in i.value for i in find(at).info)


def test_browse_lists_all_57_and_follows_filters() -> None:
    at = start()
    at.radio[0].set_value("Browse all resources").run()
    browse = [e for e in at.main.expander if e.label != "Need help now?"]
    assert any("57 of 57 resources" in c.value for c in at.main.caption)
    assert len(browse) == 57
    at.sidebar.multiselect[1].select("GPs")
    at.run()
    narrowed = [e for e in at.main.expander if e.label != "Need help now?"]
    assert len(narrowed) < 57 and any(e.label == "The Cameron Fund" for e in narrowed)


def test_missing_index_is_a_clear_message_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_INDEX", str(tmp_path / "no-index"))
    at = ask("stress at work")
    assert errors(at) and "run `signpost build`" in errors(at)[0]
