"""Load and validate ``corpus/``; the text each resource is indexed by; the corpus fingerprint."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from signpost.errors import CorpusError
from signpost.types import TOPICS, Resource

NATIONS = ("England", "Scotland", "Wales", "Northern Ireland", "Ireland", "UK-wide")
AUDIENCES = (
    "all doctors", "doctors in training", "foundation doctors", "medical students", "GPs",
    "surgeons", "surgical teams", "anaesthetists", "emergency medicine doctors",
    "intensive care doctors", "obstetricians and gynaecologists", "paediatricians", "physicians",
    "psychiatrists", "pharmaceutical physicians", "dentists", "families", "employers",
    "retired doctors", "LGBT doctors", "BMA members", "healthcare staff",
)  # fmt: skip
KINDS = (
    "local role", "helpline", "counselling/therapy", "mental health service", "addiction service",
    "peer support", "financial help", "advice and representation", "training support",
    "guidance web resource", "campaign", "report for employers",
)  # fmt: skip

_TEXT, _TEXTS = "text", "list of text"
#: field -> (shape, required, allowed values or None)
_SCHEMA: dict[str, tuple[str, bool, tuple[str, ...] | None]] = {
    "id": (_TEXT, True, None),
    "name": (_TEXT, True, None),
    "provider": (_TEXT, True, None),
    "summary": (_TEXT, True, None),
    "description": (_TEXT, True, None),
    "helps_with": (_TEXTS, True, None),
    "audience": (_TEXTS, True, AUDIENCES),
    "nations": (_TEXTS, True, NATIONS),
    "kind": (_TEXT, True, KINDS),
    "topics": (_TEXTS, True, tuple(TOPICS)),
    "confidential": ("confidentiality", True, None),
    "url": (_TEXT, False, None),
    "aliases": (_TEXTS, False, None),
    "eligibility": (_TEXT, False, None),
    "contact": (_TEXT, False, None),
    "note": (_TEXT, False, None),
}
CATALOGUE_FILE = "catalogue.tsv"


def load_corpus(corpus_dir: Path) -> list[Resource]:
    """Every ``*.yaml`` record in ``corpus_dir``, validated against the schema and the catalogue, by id."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: corpus folder not found")
    catalogue = read_catalogue(corpus_dir / CATALOGUE_FILE)
    parsed = [(path, parse_record(path, catalogue)) for path in sorted(corpus_dir.glob("*.yaml"))]
    seen: dict[str, Path] = {}
    for path, resource in parsed:
        if resource.id in seen:
            raise CorpusError(
                f"{path}: record '{resource.id}': field 'id': duplicate id, also used by {seen[resource.id].name}"
            )
        seen[resource.id] = path
    for path, resource in parsed:
        if resource.id != path.stem:
            raise CorpusError(f"{path}: record '{resource.id}': field 'id': must equal the file name '{path.stem}'")
    resources = {resource.id: resource for _, resource in parsed}
    missing = sorted(set(catalogue) - set(resources))
    if missing:
        raise CorpusError(f"{corpus_dir}: no record for catalogue id(s): {', '.join(missing)}")
    return [resources[key] for key in sorted(resources)]


def read_catalogue(path: Path) -> tuple[str, ...]:
    """The fixed resource ids (first column of ``catalogue.tsv``; evaluation sets refer to them)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the catalogue ({exc.strerror})") from exc
    if not rows or "id" not in rows[0]:
        raise CorpusError(f"{path}: the catalogue needs an 'id' column")
    return tuple(row["id"] for row in rows)


def parse_record(path: Path, catalogue: Iterable[str]) -> Resource:
    """One YAML file to a ``Resource``, or a ``CorpusError`` naming the file, record and field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path}: cannot read the file ({exc})") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise CorpusError(f"{path}: not valid YAML{line}") from exc
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: a record must be a mapping of field: value")
    record = str(data.get("id", path.stem))

    def fail(field: str, problem: str) -> CorpusError:
        return CorpusError(f"{path}: record '{record}': field '{field}': {problem}")

    for field in data:
        if field not in _SCHEMA:
            raise fail(str(field), f"unknown field (allowed: {', '.join(_SCHEMA)})")
    values: dict[str, Any] = {}
    for field, (shape, required, allowed) in _SCHEMA.items():
        if field not in data or data[field] is None:
            if required:
                raise fail(field, "missing")
            continue
        values[field] = _check_value(data[field], shape, allowed, lambda problem, f=field: fail(f, problem))
    if values["id"] not in set(catalogue):
        raise fail("id", "not in the catalogue (catalogue.tsv)")
    return Resource(**values)


def _check_value(value: Any, shape: str, allowed: tuple[str, ...] | None, fail: Any) -> Any:
    """Type-check one field value; tuples for lists so a ``Resource`` stays hashable and immutable."""
    if shape == "confidentiality":
        if value is True or value is False or value == "unknown":
            return value
        raise fail("must be true, false or unknown")
    if shape == _TEXT:
        if not isinstance(value, str) or not value.strip():
            raise fail(f"must be non-empty text, got {type(value).__name__}")
        if allowed is not None and value not in allowed:
            raise fail(f"'{value}' is not one of: {', '.join(allowed)}")
        return " ".join(value.split())
    if not isinstance(value, list) or not value:
        raise fail(f"must be a non-empty list of text, got {type(value).__name__}")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise fail(f"every item must be non-empty text, got {item!r}")
        if allowed is not None and item not in allowed:
            raise fail(f"'{item}' is not one of: {', '.join(allowed)}")
    return tuple(" ".join(item.split()) for item in value)


def document_text(resource: Resource) -> str:
    """The text a resource is embedded and BM25-indexed by: what it is, what it helps with, for whom."""
    parts = [
        f"{resource.name} ({resource.provider}).",
        " ".join(f"{alias}." for alias in resource.aliases),
        resource.summary,
        resource.description,
        "Helps with: " + "; ".join(resource.helps_with) + ".",
        "For: " + ", ".join(resource.audience) + " in " + ", ".join(resource.nations) + ".",
        resource.eligibility or "",
    ]
    return " ".join(part for part in parts if part)


def fingerprint(resources: Iterable[Resource]) -> str:
    """A SHA-256 of the records' canonical JSON: any edit to any field changes it."""
    canonical = json.dumps([r.to_dict() for r in resources], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
