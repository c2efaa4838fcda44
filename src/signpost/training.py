"""Labelled text in ``training/``: load and validate the crisis, scope and situation sets; their fingerprint.

Every line names its writer and its family, so cross-validation can hold out whole writers (a random
split of one writer's near-duplicates flatters) and report per family.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signpost.errors import SignpostError

CRISIS_FILE, SCOPE_FILE, QUERIES_FILE = "crisis.jsonl", "scope.jsonl", "queries.jsonl"
#: The learned layer's shape, part of the fingerprint: bump it when what training produces changes,
#: so an index trained by older code is refused and rebuilt rather than half understood.
LAYER_FORMAT = 5


class TrainingError(SignpostError):
    """A training line is malformed; the message names the file, the line and the field."""


@dataclass(frozen=True)
class Labelled:
    """A text with a yes/no judgement: at risk (crisis set) or in scope (scope set)."""

    text: str
    positive: bool
    family: str
    writer: str


@dataclass(frozen=True)
class Situation:
    """A described situation and the resources that fit it: id -> grade (2 best, 1 useful); empty = out of scope.

    ``crisis`` is a reader's judgement of whether its writer's own life is at risk (``None`` when
    not judged): ordinary queries teach the crisis gate what everyday searches look like.
    """

    text: str
    relevant: Mapping[str, int]
    family: str
    writer: str
    crisis: bool | None = None


@dataclass(frozen=True)
class TrainingSet:
    """The three sets the learned layer trains on, and a fingerprint of their content."""

    crisis: tuple[Labelled, ...]
    scope: tuple[Labelled, ...]
    situations: tuple[Situation, ...]
    fingerprint: str

    def judged_rows(self) -> list[int]:
        """Indices of the situations judged for crisis (the rows ``judged_queries`` is made of)."""
        return [i for i, s in enumerate(self.situations) if s.crisis is not None]

    def judged_queries(self) -> tuple[Labelled, ...]:
        """The situations judged for crisis, as crisis examples (family ``ordinary_query`` or ``query_at_risk``)."""
        judged = (self.situations[i] for i in self.judged_rows())
        return tuple(
            Labelled(s.text, bool(s.crisis), "query_at_risk" if s.crisis else "ordinary_query", s.writer)
            for s in judged
        )

    def scope_examples(self) -> tuple[Labelled, ...]:
        """The scope set plus every situation (in scope when it has a relevant resource)."""
        derived = tuple(Labelled(s.text, bool(s.relevant), s.family, s.writer) for s in self.situations)
        return self.scope + derived


def load_training(directory: Path, resource_ids: Collection[str]) -> TrainingSet:
    """Read ``crisis.jsonl``, ``scope.jsonl`` and ``queries.jsonl`` from ``directory``, validating every line."""
    directory = Path(directory)
    known = frozenset(resource_ids)
    digest = hashlib.sha256(f"layer {LAYER_FORMAT}".encode())
    sets: dict[str, list[Any]] = {}
    for name, parse in (
        (CRISIS_FILE, lambda row, fail: _labelled(row, "crisis", fail)),
        (SCOPE_FILE, lambda row, fail: _labelled(row, "in_scope", fail)),
        (QUERIES_FILE, lambda row, fail: _situation(row, known, fail)),
    ):
        path = directory / name
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise TrainingError(f"{path}: cannot read the training file ({exc.strerror})") from exc
        digest.update(name.encode() + b"\0" + raw + b"\0")
        sets[name] = _parse_lines(path, raw, parse)
    return TrainingSet(tuple(sets[CRISIS_FILE]), tuple(sets[SCOPE_FILE]), tuple(sets[QUERIES_FILE]), digest.hexdigest())


def training_fingerprint(directory: Path) -> str:
    """The fingerprint ``load_training`` would give, without parsing (for the stale-index check)."""
    digest = hashlib.sha256(f"layer {LAYER_FORMAT}".encode())
    for name in (CRISIS_FILE, SCOPE_FILE, QUERIES_FILE):
        path = Path(directory) / name
        try:
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
        except OSError as exc:
            raise TrainingError(f"{path}: cannot read the training file ({exc.strerror})") from exc
    return digest.hexdigest()


def _parse_lines(
    path: Path, raw: bytes, parse: Callable[[dict[str, Any], Callable[[str], TrainingError]], Any]
) -> list:
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise TrainingError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue

        def fail(problem: str, number: int = number) -> TrainingError:
            return TrainingError(f"{path}:{number}: {problem}")

        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise fail(f"not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise fail("a line must be a JSON object")
        out.append(parse(row, fail))
    if not out:
        raise TrainingError(f"{path}: no training lines")
    return out


def _text(row: dict[str, Any], field: str, fail: Callable[[str], TrainingError]) -> str:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        raise fail(f"field '{field}': must be non-empty text")
    return value.strip()


def _labelled(row: dict[str, Any], label: str, fail: Callable[[str], TrainingError]) -> Labelled:
    if not isinstance(row.get(label), bool):
        raise fail(f"field '{label}': must be true or false")
    return Labelled(_text(row, "text", fail), row[label], _text(row, "family", fail), _text(row, "writer", fail))


def _situation(row: dict[str, Any], known: frozenset[str], fail: Callable[[str], TrainingError]) -> Situation:
    relevant = row.get("relevant")
    if not isinstance(relevant, dict):
        raise fail("field 'relevant': must be an object of resource id -> grade")
    for key, grade in relevant.items():
        if key not in known:
            raise fail(f"field 'relevant': '{key}' is not a resource id in the corpus")
        if grade not in (1, 2) or isinstance(grade, bool):
            raise fail(f"field 'relevant': grade of '{key}' must be 1 or 2")
    crisis = row.get("crisis")
    if crisis is not None and not isinstance(crisis, bool):
        raise fail("field 'crisis': must be true or false when given")
    return Situation(
        _text(row, "query", fail), dict(relevant), _text(row, "family", fail), _text(row, "writer", fail), crisis
    )
