"""The console script as a whole process: argument, stdin and --json; user errors are one line, exit 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from signpost.config import PROJECT_ROOT

SIGNPOST = [sys.executable, "-m", "signpost"]


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*SIGNPOST, *args], input=stdin, capture_output=True, timeout=120, cwd=PROJECT_ROOT)


def test_help_lists_commands_and_examples() -> None:
    out = run("--help")
    assert out.returncode == 0
    assert b"build" in out.stdout and b"search" in out.stdout and b"Examples:" in out.stdout


def test_search_argument_readable() -> None:
    out = run("search", "--k", "3", "unsafe rota and no breaks")
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    assert text.startswith("1. ") and "\n3. " in text and "\n4. " not in text


@pytest.mark.parametrize("source", ["-", None])
def test_search_stdin_json_lines_in_order(source: str | None) -> None:
    queries = ["LTFT application", "", "gambling debts", "I want to end my life"]
    args = ["search", "--json", "--k", "2"] + ([source] if source else [])
    out = run(*args, stdin="\n".join(queries).encode() + b"\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [row["query"] for row in rows] == [q for q in queries if q]
    for row in rows:
        assert set(row) >= {"query", "risk", "crisis", "confident", "results"}
        assert len(row["results"]) == 2
        assert set(row["results"][0]) >= {"id", "name", "score", "reasons"}
    assert rows[0]["risk"] == "none" and rows[-1]["risk"] == "urgent"  # the middle one may get the calm line
    assert [row["crisis"] for row in rows] == [row["risk"] == "urgent" for row in rows]


def test_a_bad_line_in_a_batch_loses_no_other_line() -> None:
    out = run("search", "--json", "--k", "1", "-", stdin=b"LTFT application\n???\ngambling debts\n")
    assert out.returncode == 1  # some line failed: said by the status, and on stderr
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [row["query"] for row in rows] == ["LTFT application", "???", "gambling debts"]
    assert "nothing to search for" in rows[1]["error"] and rows[0]["results"] and rows[2]["results"]
    assert out.stderr.decode().count("signpost: error:") == 1


def test_invalid_utf8_on_stdin_is_not_fatal() -> None:
    out = run("search", "--json", "-", stdin=b"debts \xff\xfe and stress\n")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["results"]


def test_empty_query_is_one_line_error() -> None:
    out = run("search", "   ")
    assert out.returncode == 1
    assert out.stderr.decode().count("\n") == 1 and out.stderr.startswith(b"signpost: error: nothing to search for")


def test_missing_index_is_one_line_error(tmp_path: Path) -> None:
    out = run("search", "--index", str(tmp_path / "none"), "stress")
    assert out.returncode == 1
    err = out.stderr.decode()
    assert err.count("\n") == 1 and "no index here; run `signpost build`" in err and "Traceback" not in err


def test_bad_corpus_is_one_line_error(tmp_path: Path, tiny_corpus: Path) -> None:
    (tiny_corpus / "beta-fund.yaml").write_text("id: beta-fund\nname: Beta\n")
    out = run("build", "--corpus", str(tiny_corpus), "--index", str(tmp_path / "index"))
    assert out.returncode == 1
    assert out.stderr.decode().count("\n") == 1 and b"field 'provider': missing" in out.stderr
    assert not (tmp_path / "index" / "manifest.json").exists()


def test_build_then_search_another_corpus(tmp_path: Path, tiny_corpus: Path, tiny_training: Path) -> None:
    index = tmp_path / "index"
    wrong = run("build", "--corpus", str(tiny_corpus), "--index", str(index))  # the repository's training text
    assert wrong.returncode == 1 and b"is not a resource id in the corpus" in wrong.stderr
    first = run("build", "--corpus", str(tiny_corpus), "--index", str(index), "--training", str(tiny_training))
    assert first.returncode == 0 and b"index built: 3 resources with the learned layer" in first.stdout
    again = run("build", "--corpus", str(tiny_corpus), "--index", str(index), "--training", str(tiny_training))
    assert b"index up to date" in again.stdout
    where = ["--corpus", str(tiny_corpus), "--index", str(index), "--training", str(tiny_training)]
    found = run("search", "--json", *where, "behind on rent")
    assert json.loads(found.stdout)["results"][0]["id"] == "beta-fund"
    edited = tiny_corpus / "alpha-helpline.yaml"
    edited.write_text(edited.read_text().replace("anxiety before shifts", "panic attacks"))
    stale = run("search", *where, "panic")
    assert stale.returncode == 1 and b"corpus has changed since the index was built" in stale.stderr
