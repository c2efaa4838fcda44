"""The training loader: every line is validated, named on error, and fingerprinted."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from signpost.config import PROJECT_ROOT
from signpost.corpus import load_corpus
from signpost.training import TrainingError, load_training, training_fingerprint

IDS = ("alpha-helpline", "beta-fund", "gamma-role")


def test_fixture_loads_with_writers_and_families(tiny_training: Path) -> None:
    data = load_training(tiny_training, IDS)
    assert len(data.crisis) == 16 and {e.writer for e in data.crisis} == {"writer-a", "writer-b"}
    assert sum(e.positive for e in data.crisis) == 8
    # The scope set gains every situation: in scope when something fits it.
    assert len(data.scope_examples()) == len(data.scope) + len(data.situations)
    assert data.fingerprint == training_fingerprint(tiny_training)


def test_judged_queries_become_crisis_examples_and_unjudged_ones_do_not(tiny_training: Path) -> None:
    path = tiny_training / "queries.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows[0]["crisis"], rows[1]["crisis"] = False, True
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    judged = load_training(tiny_training, IDS).judged_queries()
    assert [(e.text, e.positive, e.family, e.writer) for e in judged] == [
        (rows[0]["query"], False, "ordinary_query", rows[0]["writer"]),
        (rows[1]["query"], True, "query_at_risk", rows[1]["writer"]),
    ]


def test_the_repository_training_text_meets_the_brief() -> None:
    """The issue's floors: 1,500 crisis lines half at risk, 800 scope lines, 3,000 situations with
    at least 40 per resource and 200 out of scope, all from several writers."""
    resources = load_corpus(PROJECT_ROOT / "corpus")
    data = load_training(PROJECT_ROOT / "training", [r.id for r in resources])
    assert len(data.crisis) >= 1500
    assert 0.4 <= sum(e.positive for e in data.crisis) / len(data.crisis) <= 0.6
    assert len(data.scope) >= 800 or len(data.scope) + sum(not s.relevant for s in data.situations) >= 800
    assert len(data.situations) >= 3000
    assert sum(not s.relevant for s in data.situations) >= 200
    assert all(s.crisis is not None for s in data.situations)  # every query was read for crisis
    for resource in resources:
        assert sum(resource.id in s.relevant for s in data.situations) >= 40, resource.id
    for examples in (data.crisis, data.scope, data.situations):
        assert len({e.writer for e in examples}) >= 2


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("crisis.jsonl", "{not json", "crisis.jsonl:1: not JSON"),
        ("crisis.jsonl", '{"text": "x", "crisis": "yes", "family": "f", "writer": "w"}', "field 'crisis'"),
        ("crisis.jsonl", '{"text": "x", "crisis": true, "family": "f"}', "field 'writer'"),
        ("scope.jsonl", '{"text": "", "in_scope": true, "family": "f", "writer": "w"}', "field 'text'"),
        ("queries.jsonl", '{"query": "q", "relevant": {"nope": 2}, "family": "f", "writer": "w"}', "'nope' is not"),
        ("queries.jsonl", '{"query": "q", "relevant": {"beta-fund": 3}, "family": "f", "writer": "w"}', "grade"),
        ("queries.jsonl", '{"query": "q", "relevant": [], "family": "f", "writer": "w"}', "field 'relevant'"),
        (
            "queries.jsonl",
            '{"query": "q", "relevant": {}, "family": "f", "writer": "w", "crisis": 1}',
            "field 'crisis'",
        ),
    ],
)
def test_a_bad_line_is_named(tiny_training: Path, name: str, line: str, message: str) -> None:
    (tiny_training / name).write_text(line + "\n", encoding="utf-8")
    with pytest.raises(TrainingError, match=re.escape(message)) as error:
        load_training(tiny_training, IDS)
    assert name in str(error.value)


def test_missing_file_and_bad_encoding_are_named(tiny_training: Path) -> None:
    (tiny_training / "scope.jsonl").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(TrainingError, match=r"scope\.jsonl: not UTF-8"):
        load_training(tiny_training, IDS)
    (tiny_training / "scope.jsonl").unlink()
    with pytest.raises(TrainingError, match=r"scope\.jsonl: cannot read"):
        load_training(tiny_training, IDS)


def test_any_edit_changes_the_fingerprint(tiny_training: Path) -> None:
    before = training_fingerprint(tiny_training)
    row = {"text": "one more line", "crisis": False, "family": "f", "writer": "writer-a"}
    with (tiny_training / "crisis.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")
    assert training_fingerprint(tiny_training) != before
