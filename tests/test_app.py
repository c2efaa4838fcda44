"""The Streamlit script's states through streamlit.testing (the real searcher, no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from signpost.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app.py")


def ask(query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_area[0].input(query)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_first_view_has_form_and_privacy_note() -> None:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception
    assert at.text_area[0].label == "What's going on?"
    assert any("never stored or logged" in c.value for c in at.caption)
    assert not at.error


def test_query_gives_result_cards() -> None:
    at = ask("I've lost thousands on online betting and can't stop")
    text = markdown(at)
    assert "### GamCare" in text
    assert "Why this was suggested" in text and "Who it is for" in text
    assert not at.error


def test_crisis_query_shows_urgent_box_before_results() -> None:
    at = ask("I can't go on anymore, I've been thinking about ending my life")
    assert at.error, "the urgent-help box is missing"
    box = at.error[0].value
    for needle in ("999", "116 123", "111", "85258"):
        assert needle in box
    assert "### " in markdown(at)


def test_empty_query_is_a_gentle_prompt() -> None:
    at = ask("   ")
    assert at.info and "Type a few words" in at.info[0].value
    assert "### " not in markdown(at)


def test_out_of_scope_says_so() -> None:
    at = ask("how do I renew my passport")
    assert at.warning and "Nothing in our list is a clear match" in at.warning[0].value


def test_missing_index_is_a_clear_message_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNPOST_INDEX", str(tmp_path / "no-index"))
    at = ask("stress at work")
    assert at.error and "run `signpost build`" in at.error[0].value
