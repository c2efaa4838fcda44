"""Load and validate ``corpus/``; the text each resource is indexed by; the corpus fingerprint."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import ValidationError

from signpost.errors import CorpusError
from signpost.types import Resource

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
    return tuple(row["id"] for row in read_table(path, ("id",), "the catalogue"))


def read_table(path: Path, columns: tuple[str, ...], what: str) -> list[dict[str, str]]:
    """The rows of a tab-separated list with the named columns, or a ``CorpusError`` saying what is wrong."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read {what} ({exc.strerror})") from exc
    missing = [column for column in columns if not rows or column not in rows[0]]
    if missing:
        raise CorpusError(f"{path}: {what} needs the column(s) {', '.join(missing)}")
    return rows


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
    try:
        resource = Resource.model_validate(data)
    except ValidationError as exc:
        raise CorpusError(f"{path}: record '{record}': {_first_problem(exc)}") from exc
    if resource.id not in set(catalogue):
        raise CorpusError(f"{path}: record '{record}': field 'id': not in the catalogue (catalogue.tsv)")
    return resource


#: Pydantic's words for a shape, in a corpus editor's words (YAML has lists, not tuples).
_SHAPES = {
    "tuple_type": "must be a list of text",
    "too_short": "must not be empty",
    "string_type": "must be text",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
}


def _first_problem(exc: ValidationError) -> str:
    """The schema's first complaint as "field 'x': what is wrong", in words a corpus editor can act on."""
    errors = exc.errors(include_url=False)
    # A misspelt field name is both unknown and leaves a required one missing: the typo is the cause.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    field, where = (str(error["loc"][0]), error["loc"][1:]) if error["loc"] else ("confidential", ())
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        message = "missing"
    elif kind == "extra_forbidden":
        message = f"unknown field (allowed: {', '.join(Resource.model_fields)})"
    elif kind == "literal_error":
        message = f"{value!r} is not one of: {error['msg'].removeprefix('Input should be ')}"
    elif kind in _SHAPES:
        message = f"{_SHAPES[kind]}, got {type(value).__name__} {value!r}"[:200]
    else:
        message = error["msg"].removeprefix("Value error, ")
    return f"field '{field}': " + (f"item {where[0] + 1}: " if where else "") + message


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
