"""The HTTP API as a real `signpost serve` process on a free port, driven by httpx: the contract, every
bad input (a 4xx with one JSON error, never a 500), readiness with a stale index, CORS, the rate
limit, the privacy marker in the server's own output, and twenty concurrent clients."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from e2e import free_port, running
from signpost.bench import bench_queries
from signpost.config import MAX_QUERY_CHARS, Settings
from signpost.corpus import load_corpus

SIGNPOST = [sys.executable, "-m", "signpost"]
MARKER = f"zq{uuid.uuid4().hex}"  # found nowhere in the server's output if no query text is logged
ORIGIN = "https://intranet.example.nhs.uk"


@contextmanager
def serve(log: Path, *args: str) -> Iterator[str]:
    """`signpost serve` on a free loopback port, its output in ``log``; yields its URL once it answers."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "SIGNPOST_CORS_ORIGINS"}
    env |= {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*SIGNPOST, "serve", "--port", str(port), *args], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    with running(process, f"{url}/healthz", log.read_text, timeout=120):
        yield url


@pytest.fixture(scope="module")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api") / "server.log"


@pytest.fixture(scope="module")
def client(server_log: Path) -> Iterator[httpx.Client]:
    """The repository's corpus and index (or ``SIGNPOST_*``'s), served with the defaults, warm."""
    with serve(server_log) as url, httpx.Client(base_url=url, timeout=60) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        yield client


@pytest.fixture(scope="module")
def unready(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second server, on a corpus copy with one record edited since the index was built, with CORS
    for one origin and a limit of 3 requests a minute per client."""
    folder = tmp_path_factory.mktemp("stale")
    corpus = folder / "corpus"
    shutil.copytree(Settings.from_env().corpus_dir, corpus)
    record = corpus / "gamcare.yaml"
    record.write_text(record.read_text().replace("problem gambling", "problem gambling and betting"))
    with serve(folder / "server.log", "--corpus", str(corpus), "--cors-origin", ORIGIN, "--rate-limit", "3") as url:
        yield url


def test_single_and_batch_answers_are_the_cli_json_lines(client: httpx.Client) -> None:
    queries = ["LTFT application", "I want to end my life", "gambling debts"]
    cli = subprocess.run(
        [*SIGNPOST, "search", "--json", "--k", "3", "-"], input="\n".join(queries).encode(), capture_output=True
    )
    assert cli.returncode == 0, cli.stderr
    lines = [json.loads(line) for line in cli.stdout.splitlines()]
    batch = client.post("/v1/search", json={"queries": queries, "k": 3})
    assert batch.status_code == 200 and batch.json() == {"responses": lines}
    single = client.post("/v1/search", json={"query": queries[1], "k": 3})
    assert single.status_code == 200 and single.json() == lines[1]
    assert lines[1]["risk"] == "urgent" and [len(line["results"]) for line in lines] == [3, 3, 3]


def test_filters_narrow_the_candidates(client: httpx.Client) -> None:
    records = {record["id"]: record for record in client.get("/v1/resources").json()["resources"]}
    kinds = ["helpline", "peer support"]
    body = {"query": "burnt out and anxious", "k": 57, "filters": {"nations": ["Scotland"], "kinds": kinds}}
    hits = client.post("/v1/search", json=body).json()["results"]
    assert 0 < len(hits) < len(records)
    for hit in hits:
        record = records[hit["id"]]
        assert record["kind"] in kinds and {"Scotland", "UK-wide"} & set(record["nations"])


def test_answers_to_the_question_back_rerank_as_in_python(client: httpx.Client, searcher) -> None:
    from signpost.types import Answers

    plain = client.post("/v1/search", json={"query": "anxious and low, not sleeping", "k": 6}).json()
    assert plain["questions"] == ["where", "who"]
    body = {"query": "anxious and low, not sleeping", "k": 6, "answers": {"nation": "Wales", "asker": "me"}}
    answered = client.post("/v1/search", json=body).json()
    expected = searcher.search(body["query"], k=6, answers=Answers("Wales", "me"))
    assert [hit["id"] for hit in answered["results"]] == [hit.id for hit in expected.results]
    assert answered["questions"] == [] and "in Wales" in answered["cues"]
    wrong = client.post("/v1/search", json={**body, "answers": {"nation": "Ireland"}})
    assert wrong.status_code == 422 and "answers.nation" in wrong.json()["error"]


def test_resources_list_one_record_and_404(client: httpx.Client) -> None:
    listed = client.get("/v1/resources").json()["resources"]
    assert [record["id"] for record in listed] == [r.id for r in load_corpus(Settings.from_env().corpus_dir)]
    one = client.get(f"/v1/resources/{listed[0]['id']}")
    assert one.status_code == 200 and one.json() == listed[0]
    missing = client.get("/v1/resources/no-such-resource")
    assert missing.status_code == 404 and list(missing.json()) == ["error"]


def test_long_text_is_cut_and_the_answer_says_so(client: httpx.Client) -> None:
    reply = client.post("/v1/search", json={"query": "debts and stress " * 1000})
    assert reply.status_code == 200
    assert reply.json()["truncated"] and len(reply.json()["query"]) <= MAX_QUERY_CHARS and reply.json()["results"]


def test_health_readiness_and_documentation(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json()["status"] == "ready"
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/search", "/v1/resources", "/v1/resources/{resource_id}", "/healthz", "/readyz"} <= paths.keys()


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


BAD = {
    "empty query": (_json({"query": ""}), 422, "query: nothing to search for"),
    "whitespace query": (_json({"query": " \t\n "}), 422, "query: nothing to search for"),
    "punctuation only": (_json({"query": "?!"}), 422, "nothing to search for"),
    "blank query in a batch": (_json({"queries": [MARKER, "  "]}), 422, "queries.1: nothing to search for"),
    "query not text": (_json({"query": 42}), 422, "query:"),
    "k as text": (_json({"query": MARKER, "k": "5"}), 422, "k:"),
    "k fractional": (_json({"query": MARKER, "k": 2.5}), 422, "k:"),
    "queries not a list": (_json({"queries": MARKER}), 422, "queries:"),
    "filters not an object": (_json({"query": MARKER, "filters": ["England"]}), 422, "filters:"),
    "body not an object": (_json([MARKER]), 422, "JSON object"),
    "unknown field": (_json({"query": MARKER, "colour": "red"}), 422, "colour:"),
    "neither query nor queries": (_json({"k": 3}), 422, "either 'query'"),
    "both query and queries": (_json({"query": MARKER, "queries": [MARKER]}), 422, "either 'query'"),
    "k zero": (_json({"query": MARKER, "k": 0}), 422, "k:"),
    "k over 57": (_json({"query": MARKER, "k": 58}), 422, "k:"),
    "unknown nation": (_json({"query": MARKER, "filters": {"nations": ["Narnia"]}}), 422, "filters.nations.0:"),
    "unknown audience": (_json({"query": MARKER, "filters": {"audience": ["nurses"]}}), 422, "filters.audience.0:"),
    "unknown kind": (_json({"query": MARKER, "filters": {"kinds": ["app"]}}), 422, "filters.kinds.0:"),
    "unknown filter": (_json({"query": MARKER, "filters": {"colour": []}}), 422, "filters.colour:"),
    "no queries": (_json({"queries": []}), 422, "queries:"),
    "65 queries": (_json({"queries": [MARKER] * 65}), 422, "queries:"),
    "body over 64 KB": (_json({"query": f"{MARKER} debts " * 2000}), 413, "over 64 KB"),
    "invalid UTF-8": (f'{{"query": "{MARKER} '.encode() + b'\xff\xfe"}', 400, "UTF-8"),
    "invalid JSON": (f'{{"query": "{MARKER}'.encode(), 400, "not valid JSON"),
}


@pytest.mark.parametrize(("body", "status", "says"), BAD.values(), ids=BAD.keys())
def test_bad_input_is_a_4xx_with_one_json_error(client: httpx.Client, body: bytes, status: int, says: str) -> None:
    reply = client.post("/v1/search", content=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == status, reply.text
    assert list(reply.json()) == ["error"] and says in reply.json()["error"]
    assert MARKER not in reply.text


def test_body_over_64_kb_without_a_length_is_refused_too(client: httpx.Client) -> None:
    chunks = iter([b'{"query": "'] + [b"debts " * 1000] * 20 + [b'"}'])  # sent chunked: no Content-Length
    reply = client.post("/v1/search", content=chunks, headers={"Content-Type": "application/json"})
    assert reply.status_code == 413 and "over 64 KB" in reply.json()["error"]


def test_stale_index_is_not_ready_and_says_why(unready: str) -> None:
    assert httpx.get(f"{unready}/healthz").status_code == 200
    ready = httpx.get(f"{unready}/readyz")
    assert ready.status_code == 503 and "the corpus has changed since the index was built" in ready.json()["error"]
    search = httpx.post(f"{unready}/v1/search", json={"query": "gambling debts"})
    assert search.status_code == 503 and search.json() == ready.json()


def test_cors_only_for_configured_origins(client: httpx.Client, unready: str) -> None:
    preflight = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    assert "access-control-allow-origin" not in client.options("/v1/search", headers=preflight).headers
    assert "access-control-allow-origin" not in client.get("/healthz", headers={"Origin": ORIGIN}).headers
    allowed = httpx.options(f"{unready}/v1/search", headers=preflight)
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    other = httpx.options(f"{unready}/v1/search", headers={**preflight, "Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_rate_limit_answers_429_per_client(client: httpx.Client, unready: str) -> None:
    # uvicorn takes the client address from X-Forwarded-For when the connection is from 127.0.0.1.
    me, neighbour = {"X-Forwarded-For": "192.0.2.1"}, {"X-Forwarded-For": "192.0.2.2"}
    replies = [httpx.get(f"{unready}/v1/resources", headers=me) for _ in range(4)]
    assert [reply.status_code for reply in replies] == [503, 503, 503, 429]
    assert "too many requests" in replies[-1].json()["error"] and int(replies[-1].headers["Retry-After"]) > 0
    assert httpx.get(f"{unready}/v1/resources", headers=neighbour).status_code == 503  # not held back
    assert httpx.get(f"{unready}/readyz", headers=me).status_code == 503  # probes are not limited
    assert all(client.get("/v1/resources", headers=me).status_code == 200 for _ in range(5))  # off by default


def test_one_unsearchable_text_fails_only_its_own_request(client: httpx.Client) -> None:
    """Its words are all past the length limit, so it has nothing to search once cut; sent among
    others at the same moment (the server batches them), only its own request fails."""
    unsearchable = "!" * (MAX_QUERY_CHARS + 500) + " debts"
    bodies = [{"query": unsearchable if n == 5 else "gambling debts"} for n in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        replies = list(pool.map(lambda body: client.post("/v1/search", json=body), bodies))
    assert [reply.status_code for reply in replies] == [422 if n == 5 else 200 for n in range(12)]
    assert "nothing to search for" in replies[5].json()["error"]


def _ranking(reply: httpx.Response) -> list[str]:
    return [hit["id"] for hit in reply.json()["results"]]


def test_twenty_clients_send_400_requests_without_an_error(client: httpx.Client) -> None:
    """The server batches concurrent requests together: each still gets its own answer."""
    queries = bench_queries(20)
    alone = {query: _ranking(client.post("/v1/search", json={"query": query})) for query in queries}

    def one_client(number: int) -> list[tuple[bool, float]]:
        answered = []
        with httpx.Client(base_url=client.base_url, timeout=60) as own:
            for turn in range(20):
                query = queries[(number + turn) % 20]
                started = time.perf_counter()
                reply = own.post("/v1/search", json={"query": query})
                right = reply.status_code == 200 and _ranking(reply) == alone[query]
                answered.append((right, time.perf_counter() - started))
        return answered

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = [answer for answered in pool.map(one_client, range(20)) for answer in answered]
    elapsed = time.perf_counter() - started
    p95 = statistics.quantiles([seconds for _, seconds in answers], n=100)[94]
    errors = sum(not right for right, _ in answers)
    rate = len(answers) / elapsed
    print(f"\n20 clients, {len(answers)} requests: {errors} errors, p95 {p95 * 1000:.0f} ms, {rate:.1f} requests/s")
    assert len(answers) == 400 and errors == 0


def test_no_query_text_in_the_server_output_or_error_messages(client: httpx.Client, server_log: Path) -> None:
    text = f"{MARKER} drinking too much and behind on rent"
    assert client.post("/v1/search", json={"query": text}).json()["query"] == text  # answered, to the asker only
    assert client.post("/v1/search", json={"queries": [text, text]}).status_code == 200
    refused = [
        client.post("/v1/search", json={"query": text, "k": 99}),
        client.post("/v1/search", json={"queries": [text, "!"]}),
        client.post("/v1/search", content=text.encode(), headers={"Content-Type": "application/json"}),
        client.get(f"/v1/resources/{MARKER}"),
        client.get("/v1/search", params={"q": text}),
    ]
    assert [reply.status_code for reply in refused] == [422, 422, 400, 404, 405]
    assert all(MARKER not in reply.text for reply in refused)
    deadline = time.monotonic() + 10
    while "GET /v1/search 405" not in server_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    output = server_log.read_text()
    assert "POST /v1/search 200" in output and "GET /v1/resources/{resource_id} 404" in output  # it does log
    assert MARKER not in output
