"""Load test of the HTTP API with locust: clients searching a real `signpost serve` on localhost.

Without ``--host`` it starts its own server on a free loopback port (waiting for /readyz) and stops it
at the end. Each client sends its next request as soon as the last is answered (no think time), so
requests/s is the server's capacity. Prints p95 and requests/s; any failed request fails the run.

    make loadtest-api   # = locust -f scripts/locustfile.py --headless --users 50 --spawn-rate 50 --run-time 60s
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from locust import HttpUser, constant, events, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from e2e import free_port
from signpost.bench import bench_queries

QUERIES = bench_queries(40)
NATIONS = ["England", "Scotland", "Wales", "Northern Ireland"]
_server: subprocess.Popen[bytes] | None = None


class Doctor(HttpUser):
    """Mostly one search (k = 5, as a front end would fix it; a quarter narrowed to a nation), some
    batches of 8, some record reads."""

    wait_time = constant(0)

    @task(17)
    def search(self) -> None:
        body: dict = {"query": random.choice(QUERIES), "k": 5}
        if random.random() < 0.25:
            body["filters"] = {"nations": [random.choice(NATIONS)]}
        self._post(body, "/v1/search")

    @task(2)
    def batch(self) -> None:
        self._post({"queries": random.sample(QUERIES, 8), "k": 5}, "/v1/search [batch of 8]")

    @task(1)
    def record(self) -> None:
        self.client.get("/v1/resources/nhs-practitioner-health", name="/v1/resources/{id}")

    def _post(self, body: dict, name: str) -> None:
        with self.client.post("/v1/search", json=body, name=name, catch_response=True) as reply:
            answers = reply.json().get("responses", [reply.json()]) if reply.status_code == 200 else []
            if not answers or not all(answer.get("results") for answer in answers):
                reply.failure(f"status {reply.status_code} or a response without results")


@events.init.add_listener
def start_server(environment: Environment, **_: object) -> None:
    global _server
    if environment.host:
        return
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [sys.executable, "-m", "signpost", "serve", "--port", str(port)]
    _server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    environment.host = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not _ready(environment.host):
        if _server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"signpost serve is not ready at {environment.host}: check `curl .../readyz`")
        time.sleep(0.5)


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@events.quitting.add_listener
def report(environment: Environment, **_: object) -> None:
    total = environment.stats.total
    p95 = total.get_response_time_percentile(0.95)
    print(
        f"\nAPI load: {environment.parsed_options.num_users} clients, {total.num_requests} requests, "
        f"{total.num_failures} errors, p95 {p95:.0f} ms, {total.total_rps:.1f} requests/s"
    )
    if total.num_failures:
        environment.process_exit_code = 1
    if _server is not None:
        _server.terminate()
        _server.wait(timeout=20)
