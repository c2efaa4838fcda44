"""Every card tells the truth: the review's high defects stay fixed, confidentiality is said with its
limits, urgent help and starting points follow the nation, caveats are shown, and `signpost check`
catches what goes stale."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from signpost import Filters, present
from signpost.check import PHONES_FILE, WEBSITES_FILE, check
from signpost.config import PROJECT_ROOT
from signpost.corpus import load_corpus
from signpost.types import Resource
from test_cli import run

CORPUS = PROJECT_ROOT / "corpus"
RESOURCES = {resource.id: resource for resource in load_corpus(CORPUS)}


# ---------------------------------------------------------------- the four high defects


def test_occupational_health_says_what_it_tells_the_employer() -> None:
    wording = present.confidentiality_text(RESOURCES["occupational-health"])
    assert wording.startswith("Confidential, with limits: ") and "employer" in wording
    assert wording != "Confidential"


@pytest.mark.parametrize("nation", ["England", "Scotland", "Wales", "Northern Ireland"])
def test_urgent_help_has_a_route_for_every_nation_and_puts_the_doctors_first(nation: str) -> None:
    lines = present.urgent_help([nation])
    assert lines[0] == present.EMERGENCY and lines[1] == present.NATION_ROUTES[nation]
    assert all(route in lines for route in present.NATION_ROUTES.values())  # a traveller still finds theirs
    assert present.IRELAND_ROUTE not in lines


def test_northern_ireland_gets_lifeline_and_ireland_only_when_named() -> None:
    anywhere = present.urgent_help()
    assert any("Lifeline on 0808 808 8000" in line for line in anywhere)
    assert present.urgent_help(["Ireland"])[1] == present.IRELAND_ROUTE and present.IRELAND_ROUTE not in anywhere


@pytest.mark.parametrize(
    ("query", "nation_filter", "where", "offered"),
    [
        ("how do I renew my passport", None, "England", "nhs-practitioner-health"),
        ("how do I renew my passport, I live in Glasgow", None, "Scotland", None),
        ("where can I buy a cheap sofa in Swansea", None, "Wales", "canopi"),
        ("where can I buy a cheap sofa", "Northern Ireland", "Northern Ireland", None),
    ],
)
def test_no_clear_match_starting_points_follow_the_nation(searcher, query, nation_filter, where, offered) -> None:
    filters = Filters(nations=frozenset({nation_filter})) if nation_filter else None
    response = searcher.search(query, filters=filters)
    assert not response.confident and response.starting_points[0] == "bma-wellbeing-services"
    assert offered is None or offered in response.starting_points
    for resource_id in response.starting_points:  # every one serves where the doctor is
        assert {"UK-wide", where} & set(RESOURCES[resource_id].nations), resource_id


def test_every_note_is_shown_as_good_to_know() -> None:
    for resource in RESOURCES.values():
        shown = dict(present.facts(resource))
        assert shown.get("Good to know") == resource.note, resource.id


# ---------------------------------------------------------------- the wording and the facts


def test_confidentiality_wording_for_every_value() -> None:
    def with_value(value: str, limits: str | None = None) -> Resource:
        return RESOURCES["canopi"].model_copy(update={"confidential": value, "confidentiality_limits": limits})

    assert present.confidentiality_text(with_value("yes")) == "Confidential"
    assert present.confidentiality_text(with_value("yes, with limits", "may share if life is at risk")) == (
        "Confidential, with limits: may share if life is at risk"
    )
    assert present.confidentiality_text(with_value("no")) == "Not confidential"
    assert present.confidentiality_text(with_value("not a contact service")).startswith("Not a contact service")
    assert present.confidentiality_text(with_value("unknown")).startswith("Confidentiality not stated")


def test_no_web_page_asks_you_to_ask_about_confidentiality() -> None:
    for resource in RESOURCES.values():
        if resource.kind in ("guidance web resource", "report for employers", "campaign"):
            assert resource.confidential == "not a contact service", resource.id


@pytest.mark.parametrize(
    ("resource_id", "field", "expected"),
    [
        ("wales-deanery-psu", "provider", "Health Education and Improvement Wales (HEIW)"),
        ("hee-mental-wellbeing-report", "provider", "NHS England (formerly Health Education England)"),
        ("gmc-your-health-matters", "name", "Managing your health"),
        ("ni-professional-support-wellbeing", "provider", "NIMDTA"),
        ("dochealth", "eligibility", "Fees are charged"),
        ("bma-wellbeing-services", "eligibility", "Not an emergency service"),
        ("nhs-practitioner-health", "summary", "in England"),
        ("freedom-to-speak-up-guardian", "note", "not the local guardians'"),
    ],
)
def test_current_names_and_facts(resource_id: str, field: str, expected: str) -> None:
    assert expected in getattr(RESOURCES[resource_id], field)


def test_every_record_is_reviewed_and_sourced_and_passes_check(shared: Path) -> None:
    assert (CORPUS / WEBSITES_FILE).read_text() == (shared / "websites.tsv").read_text()
    assert check(list(RESOURCES.values()), CORPUS / WEBSITES_FILE, CORPUS / PHONES_FILE) == []
    assert all(resource.sources for resource in RESOURCES.values())


# ---------------------------------------------------------------- signpost check


def _plant(corpus: Path, **changes: object) -> None:
    path = corpus / "beta-fund.yaml"
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data))


@pytest.fixture
def lists(tiny_corpus: Path) -> Path:
    """Confirmed lists for the fixture corpus: its own addresses and one phone number."""
    rows = [f"{r.id}\t{r.url or ''}" for r in load_corpus(tiny_corpus)]
    (tiny_corpus / WEBSITES_FILE).write_text("id\turl\n" + "\n".join(rows) + "\n")
    numbers = ["0300 123 4567", "999", "111", "116 123", "85258", "0808 808 8000", "112"]
    (tiny_corpus / PHONES_FILE).write_text("number\tservice\tsource\n" + "".join(f"{n}\tx\ty\n" for n in numbers))
    return tiny_corpus


def test_check_catches_a_stale_record_and_an_unconfirmed_url(lists: Path) -> None:
    clean = run("check", "--corpus", str(lists), "--today", "2026-11-25")
    assert clean.returncode == 0 and b"no problems" in clean.stdout
    _plant(lists, reviewed=date(2024, 6, 1), url="https://example.org/unconfirmed")
    caught = run("check", "--corpus", str(lists), "--today", "2026-11-25")
    out = caught.stdout.decode()
    assert caught.returncode == 1 and "2 problems" in out
    assert "beta-fund: reviewed: last reviewed 2024-06-01" in out
    assert "beta-fund: url: https://example.org/unconfirmed is not the address websites.tsv confirms" in out


def test_check_catches_an_unconfirmed_phone_number_in_any_field(lists: Path) -> None:
    _plant(lists, contact="0300 123 4567 (weekdays)", note="Or ring 0207 946 0000 out of hours.")
    problems = check(load_corpus(lists), lists / WEBSITES_FILE, lists / PHONES_FILE, today=date(2026, 11, 25))
    assert [str(p) for p in problems] == ["beta-fund: note: phone number 0207 946 0000 is not in phones.tsv"]


def test_check_covers_the_urgent_help_numbers(lists: Path) -> None:
    (lists / PHONES_FILE).write_text("number\tservice\tsource\n999\tx\ty\n")
    problems = [str(p) for p in check(load_corpus(lists), lists / WEBSITES_FILE, lists / PHONES_FILE)]
    assert "urgent help: line: number 0808 808 8000 is not in phones.tsv" in problems


def test_check_without_its_lists_is_one_line_error(tiny_corpus: Path) -> None:
    result = run("check", "--corpus", str(tiny_corpus))
    assert result.returncode == 1 and b"cannot read the confirmed list" in result.stderr


# ---------------------------------------------------------------- CLI: show, schema, filters, JSON


def test_show_prints_the_facts_and_the_caveat() -> None:
    out = run("show", "rcpch-lifelong-careers").stdout.decode()
    assert "Good to know: The address is the best match found" in out and "Reviewed: 2026-" in out
    as_json = json.loads(run("show", "nhs-practitioner-health", "--json").stdout)
    assert as_json["contact"].startswith("0300 0303 300") and as_json["confidential"] == "yes, with limits"


def test_show_unknown_id_suggests_the_close_ones() -> None:
    result = run("show", "dochelth")
    assert result.returncode == 1 and b"no resource with id 'dochelth' (did you mean dochealth" in result.stderr


def test_schema_is_json_schema_with_the_vocabularies() -> None:
    schema = json.loads(run("schema").stdout)
    assert schema["title"] == "Resource" and "reviewed" in schema["required"]
    confidential = json.dumps(schema["properties"]["confidential"])
    assert "yes, with limits" in confidential and "not a contact service" in confidential


def test_readable_search_shows_eligibility_confidentiality_phone_and_website() -> None:
    out = run("search", "--k", "3", "I'm being investigated by the GMC and can't sleep").stdout.decode()
    assert "Confidentiality: " in out and "Who it is for: " in out and "Website: https://" in out
    assert re.search(r"Phone: 020 7383 6707", out)


def test_search_filters_are_the_apps() -> None:
    lines = run("search", "--json", "--nation", "Wales", "--kind", "mental health service", "struggling with anxiety")
    data = json.loads(lines.stdout)
    assert data["results"] and all(RESOURCES[hit["id"]].kind == "mental health service" for hit in data["results"])
    assert "nhs-practitioner-health" not in [hit["id"] for hit in data["results"]]
    bad = run("search", "--nation", "Atlantis", "stress")
    assert bad.returncode == 2 and b"invalid choice" in bad.stderr


def test_json_urgent_help_in_the_nations_order_only_when_at_risk() -> None:
    urgent, calm = (
        json.loads(line)
        for line in run("search", "--json", "-", stdin=b"GP in Belfast, I want to end my life\nLTFT application\n")
        .stdout.decode()
        .splitlines()
    )
    assert urgent["risk"] == "urgent" and urgent["urgent_help"][1].startswith("In Northern Ireland: call Lifeline")
    assert calm["risk"] == "none" and "urgent_help" not in calm
