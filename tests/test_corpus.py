"""Corpus loading: the real corpus is complete and sourced; every malformed record is named precisely."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from signpost.config import PROJECT_ROOT
from signpost.corpus import document_text, fingerprint, load_corpus
from signpost.errors import CorpusError

CORPUS = PROJECT_ROOT / "corpus"


def test_real_corpus_has_exactly_the_catalogue_ids(shared: Path) -> None:
    with (shared / "catalogue.tsv").open(encoding="utf-8") as handle:
        catalogue = {row["id"] for row in csv.DictReader(handle, delimiter="\t")}
    assert (CORPUS / "catalogue.tsv").read_text() == (shared / "catalogue.tsv").read_text()
    assert {r.id for r in load_corpus(CORPUS)} == catalogue
    assert len(catalogue) == 57


def test_every_url_is_one_the_shared_facts_confirm(shared: Path) -> None:
    with (shared / "websites.tsv").open(encoding="utf-8") as handle:
        confirmed = {row["id"]: row["url"] for row in csv.DictReader(handle, delimiter="\t")}
    for resource in load_corpus(CORPUS):
        assert resource.url == (confirmed[resource.id] or None), resource.id


def test_local_department_roles_are_local_roles(shared: Path) -> None:
    with (shared / "catalogue.tsv").open(encoding="utf-8") as handle:
        local = {row["id"] for row in csv.DictReader(handle, delimiter="\t") if row["provider"] == "Local department"}
    assert len(local) == 10
    assert {r.id for r in load_corpus(CORPUS) if r.is_local_role} == local


def test_document_text_and_fingerprint(tiny_corpus: Path) -> None:
    resources = load_corpus(tiny_corpus)
    text = document_text(resources[1])
    assert "Beta Fund" in text and "rent arrears" in text and "GPs" in text
    before = fingerprint(resources)
    path = tiny_corpus / "beta-fund.yaml"
    path.write_text(path.read_text().replace("grants to GPs", "grants to GPs and families"))
    assert fingerprint(load_corpus(tiny_corpus)) != before


def _edit(corpus: Path, name: str, change) -> None:
    path = corpus / f"{name}.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda d: d.pop("summary"), "summary", "missing"),
        (lambda d: d.update(colour="blue"), "colour", "unknown field"),
        (lambda d: d.update(helps_with="debts"), "helps_with", "must be a list of text, got str"),
        (lambda d: d.update(helps_with=[]), "helps_with", "must not be empty"),
        (lambda d: d.update(helps_with=["debts", 3]), "helps_with", "item 2: must be text, got int"),
        (lambda d: d.update(helps_with=["debts", "  "]), "helps_with", "item 2: must be non-empty text"),
        (lambda d: d.update(name=42), "name", "must be text"),
        (lambda d: d.update(confidential="maybe"), "confidential", "'maybe' is not one of: 'yes', 'yes, with limits'"),
        (lambda d: d.update(nations=["Atlantis"]), "nations", "'Atlantis' is not one of"),
        (lambda d: d.update(kind="therapy dog"), "kind", "'therapy dog' is not one of"),
        (lambda d: d.update(reviewed="last year"), "reviewed", "must be a date (YYYY-MM-DD)"),
        (lambda d: d.pop("sources"), "sources", "missing"),
        (lambda d: d.update(confidential="yes, with limits"), "confidential", "confidentiality_limits is given"),
        (lambda d: d.update(confidentiality_limits="tells HR"), "confidential", "exactly when confidential is"),
    ],
)
def test_malformed_record_names_file_record_and_field(tiny_corpus: Path, change, field: str, problem: str) -> None:
    _edit(tiny_corpus, "beta-fund", change)
    with pytest.raises(CorpusError) as caught:
        load_corpus(tiny_corpus)
    message = str(caught.value)
    assert "beta-fund.yaml" in message and f"field '{field}'" in message and problem in message
    assert "record 'beta-f" in message


def test_id_not_in_catalogue(tiny_corpus: Path) -> None:
    (tiny_corpus / "delta.yaml").write_text((tiny_corpus / "beta-fund.yaml").read_text().replace("beta-fund", "delta"))
    with pytest.raises(CorpusError, match=r"delta\.yaml: record 'delta': field 'id': not in the catalogue"):
        load_corpus(tiny_corpus)


def test_id_must_match_file_name(tiny_corpus: Path) -> None:
    (tiny_corpus / "gamma-role.yaml").rename(tiny_corpus / "gamma.yaml")
    with pytest.raises(CorpusError, match=r"gamma\.yaml: record 'gamma-role': field 'id': must equal the file name"):
        load_corpus(tiny_corpus)


def test_duplicate_id(tiny_corpus: Path) -> None:
    # The usual way in: a record copied to start a new one, its id left unchanged.
    (tiny_corpus / "beta-fund-copy.yaml").write_text((tiny_corpus / "beta-fund.yaml").read_text())
    with pytest.raises(
        CorpusError, match=r"beta-fund\.yaml: record 'beta-fund': field 'id': duplicate id, also used by beta-fund-copy"
    ):
        load_corpus(tiny_corpus)


def test_missing_record_for_catalogue_id(tiny_corpus: Path) -> None:
    (tiny_corpus / "gamma-role.yaml").unlink()
    with pytest.raises(CorpusError, match=r"no record for catalogue id.*gamma-role"):
        load_corpus(tiny_corpus)


def test_invalid_yaml_names_the_line(tiny_corpus: Path) -> None:
    (tiny_corpus / "alpha-helpline.yaml").write_text("id: alpha-helpline\nname: [unclosed\n")
    with pytest.raises(CorpusError, match=r"alpha-helpline\.yaml: not valid YAML at line"):
        load_corpus(tiny_corpus)


def test_not_a_mapping(tiny_corpus: Path) -> None:
    (tiny_corpus / "alpha-helpline.yaml").write_text("- just\n- a list\n")
    with pytest.raises(CorpusError, match="must be a mapping"):
        load_corpus(tiny_corpus)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="corpus folder not found"):
        load_corpus(tmp_path / "nowhere")
