"""``signpost check``: facts that go stale. Records not reviewed for a year, web addresses the shared
list does not confirm, and phone numbers (in records or the urgent-help lines) not in the confirmed list.

Loading already refuses a malformed record; this catches a well-formed record that is no longer true,
or was never confirmed, which no schema can see.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from signpost import present
from signpost.corpus import read_table
from signpost.types import Resource

#: A record whose facts nobody has checked for this long is reported.
REVIEW_EVERY = timedelta(days=365)
WEBSITES_FILE, PHONES_FILE = "websites.tsv", "phones.tsv"
#: A UK or Irish number as written in a record (0 and 9 to 11 more digits; years and ages do not match).
_RECORD_PHONE = re.compile(r"(?<![\d/])0\d{2,4}(?:[ -]?\d{2,4}){1,3}(?![\d/])")
#: Any run of digits in the urgent-help lines, short codes included (999, 111, 116 123, 85258).
_ANY_NUMBER = re.compile(r"\d{3,}(?: \d{3,})*")


@dataclass(frozen=True)
class Problem:
    """One finding: which record (or ``urgent help``), which field, and what to do."""

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message}"


def check(
    resources: Sequence[Resource],
    websites: Path,
    phones: Path,
    today: date | None = None,
) -> list[Problem]:
    """Every stale review date, unconfirmed address and unconfirmed number, in record order."""
    today = today or date.today()
    confirmed_urls = {row["id"]: row["url"] for row in read_table(websites, ("id", "url"), "the confirmed list")}
    confirmed_numbers = {
        _digits(row["number"]) for row in read_table(phones, ("number", "service", "source"), "the confirmed list")
    }
    problems: list[Problem] = []
    for resource in resources:
        if today - resource.reviewed > REVIEW_EVERY:
            problems.append(
                Problem(
                    resource.id, "reviewed", f"last reviewed {resource.reviewed}, over a year ago: recheck the facts"
                )
            )
        if resource.url and resource.url != confirmed_urls.get(resource.id):
            problems.append(Problem(resource.id, "url", f"{resource.url} is not the address {websites.name} confirms"))
        for field in ("contact", "summary", "description", "eligibility", "note"):
            for number in _RECORD_PHONE.findall(getattr(resource, field) or ""):
                if _digits(number) not in confirmed_numbers:
                    problems.append(Problem(resource.id, field, f"phone number {number} is not in {phones.name}"))
    for line in present.urgent_help(["Ireland"]):  # every route: the four nations' and Ireland's
        for number in _ANY_NUMBER.findall(line):
            if _digits(number) not in confirmed_numbers:
                problems.append(Problem("urgent help", "line", f"number {number} is not in {phones.name}"))
    return problems


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)
