"""The JSON HTTP API (``signpost serve``): FastAPI over one warm ``Searcher`` per worker process.

Every request passes one guard before the routes (a body cap, the optional per-client rate limit,
an access log line that never holds text a person typed, a JSON 500 for a bug); the routes answer
with exactly the objects ``signpost search --json`` prints.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import time
import traceback
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signpost import __version__
from signpost.config import Settings
from signpost.errors import QueryError, SignpostError
from signpost.search import Searcher
from signpost.types import ASKERS, AUDIENCES, KINDS, NATIONS, UK_PLACES, Answers, Filters, SearchResponse

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_QUERIES = 64  # the CLI's stdin batch: one model call
MAX_K = 57  # every resource in the corpus
#: Batches a worker runs at once: one in the model (torch already spreads it over the cores) while
#: another does its Python steps; more only split the cores between torch's thread pools.
SEARCHES_AT_ONCE = 2
NOTHING_TO_SEARCH = "nothing to search for: describe the problem in words"
#: How ``serve`` hands its options to the worker processes uvicorn spawns (they import the app by name).
_OPTIONS_ENV = "SIGNPOST_SERVE_OPTIONS"
#: Server messages to stderr, one line each; uvicorn's own access log is off (it prints query strings).
_LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}},
    "loggers": {
        name: {"handlers": ["stderr"], "level": "INFO", "propagate": False} for name in ("uvicorn", "signpost")
    },
}


def _has_words(text: str) -> str:
    """Refuse text with nothing to search, saying so without repeating it."""
    if not any(ch.isalnum() for ch in text):
        raise ValueError(NOTHING_TO_SEARCH)
    return text


Query = Annotated[str, AfterValidator(_has_words)]


class SearchFilters(BaseModel):
    """Narrow the candidates before ranking; an empty or absent list does not narrow that field."""

    model_config = ConfigDict(extra="forbid", strict=True)

    nations: list[Literal[NATIONS]] = Field(default_factory=list)
    audience: list[Literal[AUDIENCES]] = Field(default_factory=list)
    kinds: list[Literal[KINDS]] = Field(default_factory=list)

    def to_filters(self) -> Filters:
        return Filters(frozenset(self.nations), frozenset(self.audience), frozenset(self.kinds))


class SearchAnswers(BaseModel):
    """Answers to the question back (a response's ``questions``), read as if the text had said them."""

    model_config = ConfigDict(extra="forbid", strict=True)

    nation: Literal[UK_PLACES] | None = Field(None, description="where the doctor works")
    asker: Literal[ASKERS] | None = Field(None, description="who the search is for")

    def to_answers(self) -> Answers:
        return Answers(self.nation, self.asker)


class SearchRequest(BaseModel):
    """One ``query``, or a batch of ``queries`` answered in one model call and in order."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"query": "ST4 in Cardiff, drinking too much and behind on rent", "k": 5}]},
    )

    query: Query | None = Field(None, description="the problem in the doctor's own words; long text is cut")
    queries: list[Query] | None = Field(None, min_length=1, max_length=MAX_QUERIES)
    k: int = Field(5, ge=1, le=MAX_K, description="how many results per query")
    filters: SearchFilters = Field(default_factory=SearchFilters)
    answers: SearchAnswers = Field(default_factory=SearchAnswers)

    @model_validator(mode="after")
    def _one_or_many(self) -> SearchRequest:
        if (self.query is None) == (self.queries is None):
            raise ValueError("send either 'query' (one text) or 'queries' (a list), not both")
        return self


class ErrorBody(BaseModel):
    """What every 4xx and 5xx carries: one line that says what to fix, never the query text."""

    error: str


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _ready(request: Request) -> Searcher:
    """This worker's searcher, or 503 with the reason it did not load (missing or stale index)."""
    state = request.app.state
    if state.searcher is None:
        raise HTTPException(503, state.not_ready)
    return state.searcher


Ready = Annotated[Searcher, Depends(_ready)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": meaning}
    for status, meaning in {
        400: "the body is not valid JSON or not UTF-8",
        413: f"the body is over {MAX_BODY_BYTES // 1024} KB",
        422: "a field is missing, of the wrong type or out of range, or a query has no words",
        429: "this client is over the rate limit (see Retry-After)",
        503: "the index is missing or stale",
    }.items()
}


async def search(body: SearchRequest, request: Request) -> dict[str, Any]:
    """Rank resources for a problem described in words: the same object as one line of
    `signpost search --json`, or `{"responses": [...]}` in order for `queries`. Text over the
    length limit is cut and the answer says `"truncated": true`."""
    texts = [body.query] if body.queries is None else body.queries
    try:
        responses = await request.app.state.batcher.search(
            texts, body.k, body.filters.to_filters(), body.answers.to_answers()
        )
    except QueryError:  # text whose words vanish when cleaned (e.g. only invisible characters)
        raise HTTPException(422, NOTHING_TO_SEARCH) from None
    if body.queries is None:
        return responses[0].to_dict()
    return {"responses": [response.to_dict() for response in responses]}


async def resources(searcher: Ready) -> dict[str, Any]:
    """Every resource in the corpus, full records, in id order."""
    return {"resources": [resource.to_dict() for resource in searcher.resources]}


async def resource(resource_id: str, searcher: Ready) -> dict[str, Any]:
    """One resource's full record."""
    try:
        return searcher.resource(resource_id).to_dict()
    except KeyError:
        raise HTTPException(404, "no resource has this id; GET /v1/resources lists them") from None


async def healthz() -> dict[str, str]:
    """The process is up (it may still be without an index: see /readyz)."""
    return {"status": "ok"}


async def readyz(request: Request) -> dict[str, Any] | JSONResponse:
    """The index loaded and matched the corpus, model and training text when this worker started."""
    state = request.app.state
    if state.searcher is None:
        return _error(503, state.not_ready)
    return {"status": "ready", "resources": len(state.searcher.resources)}


@dataclass(eq=False)
class _Ask:
    """One request's texts waiting for the model, and where its answer goes."""

    texts: list[str]
    k: int
    filters: Filters
    answers: Answers
    answer: asyncio.Future[list[SearchResponse]]

    @property
    def kind(self) -> tuple[int, Filters, Answers]:
        """What asks must share to be answered in one call."""
        return self.k, self.filters, self.answers


class _Batcher:
    """Requests waiting at the same moment with the same ``k``, filters and answers go to the model as one
    ``search_many`` batch: 8 queries in one call take about a third of the time of 8 calls."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self.waiting: list[_Ask] = []
        self.runners: set[asyncio.Task[None]] = set()  # held here: the event loop keeps only weak references

    async def search(self, texts: list[str], k: int, filters: Filters, answers: Answers) -> list[SearchResponse]:
        """The responses for ``texts``, in order; ``QueryError`` if one of them has nothing to search."""
        ask = _Ask(texts, k, filters, answers, asyncio.get_running_loop().create_future())
        self.waiting.append(ask)
        if len(self.runners) < SEARCHES_AT_ONCE:
            runner = asyncio.create_task(self._run())
            self.runners.add(runner)
            runner.add_done_callback(self.runners.discard)
        return await ask.answer

    async def _run(self) -> None:
        try:
            while batch := self._take():
                await self._answer(batch)
        finally:  # at once, not in a done-callback: an ask arriving in between would find no runner
            self.runners.discard(asyncio.current_task())  # type: ignore[arg-type]

    def _take(self) -> list[_Ask]:
        """The oldest waiting ask and the others like it, up to ``MAX_QUERIES`` texts in all."""
        self.waiting = [ask for ask in self.waiting if not ask.answer.done()]  # done: its client went away
        if not self.waiting:
            return []
        first, batch, size = self.waiting[0], [], 0
        for ask in self.waiting:
            if ask.kind == first.kind and size + len(ask.texts) <= MAX_QUERIES:
                batch.append(ask)
                size += len(ask.texts)
        self.waiting = [ask for ask in self.waiting if ask not in batch]
        return batch

    async def _answer(self, batch: list[_Ask]) -> None:
        """One model call for the batch, and every ask settled whatever happens; if a text has nothing
        to search, one call per ask, so that only its own request fails."""
        first = batch[0]
        texts = [text for ask in batch for text in ask.texts]
        try:
            responses = await anyio.to_thread.run_sync(
                partial(self.searcher.search_many, texts, first.k, filters=first.filters, answers=first.answers)
            )
        except QueryError as exc:
            if len(batch) == 1:
                _fail(batch, exc)
                return
            for ask in batch:
                await self._answer([ask])
            return
        except Exception as exc:
            _fail(batch, exc)
            return
        except asyncio.CancelledError:
            for ask in batch:
                ask.answer.cancel()
            raise
        for ask in batch:
            if not ask.answer.done():
                ask.answer.set_result(responses[: len(ask.texts)])
            responses = responses[len(ask.texts) :]


def _fail(batch: list[_Ask], error: Exception) -> None:
    for ask in batch:
        if not ask.answer.done():
            ask.answer.set_exception(error)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load and warm the searcher before the worker accepts a connection, so no request pays for it."""
    try:
        app.state.searcher = Searcher.load(settings=app.state.settings)
        app.state.searcher.search("warm up the model and the spelling dictionary")
        app.state.batcher = _Batcher(app.state.searcher)
        app.state.not_ready = None
        log.info("ready: %d resources", len(app.state.searcher.resources))
    except SignpostError as exc:
        app.state.searcher, app.state.not_ready = None, str(exc)
        log.error("not ready: %s", exc)
    yield


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return _error(exc.status_code, str(exc.detail), exc.headers)


async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    """Where and what, from the validation errors; never the input itself (it may be the query)."""
    problems = []
    for error in exc.errors()[:5]:
        if error["type"] == "json_invalid":
            return _error(400, f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'unreadable')})")
        where = ".".join(str(part) for part in error["loc"] if part != "body")
        if not where and error["type"] == "model_attributes_type":
            return _error(422, "the body must be a JSON object, sent as Content-Type: application/json")
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return _error(422, "; ".join(problems))


class _RateLimit:
    """A token bucket per client address: ``per_minute`` requests, refilled evenly, in this worker."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when counted)

    def wait(self, client: str, now: float) -> float:
        """0 if the request may go ahead (it takes a token), else the seconds until it may."""
        if len(self.buckets) > 10_000:  # forget clients whose bucket has refilled: it holds no state
            self.buckets = {c: b for c, b in self.buckets.items() if self._level(b, now) < self.capacity}
        tokens = self._level(self.buckets.get(client, (self.capacity, now)), now)
        if tokens >= 1:
            self.buckets[client] = (tokens - 1, now)
            return 0.0
        self.buckets[client] = (tokens, now)
        return (1 - tokens) / self.per_second

    def _level(self, bucket: tuple[float, float], now: float) -> float:
        tokens, then = bucket
        return min(self.capacity, tokens + (now - then) * self.per_second)


class _Guard:
    """What every request passes first: the rate limit on /v1/; the body cap and UTF-8 check (read
    here, so a huge upload stops at 64 KB); an access line naming the route template only (a path or
    query string may hold what a person typed); a JSON 500 logged by exception type and frames only."""

    def __init__(self, app: ASGIApp, rate_limit: int = 0) -> None:
        self.app = app
        self.limit = _RateLimit(rate_limit) if rate_limit > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 0

        async def send_noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            refusal, body = self._over_limit(scope), b""
            if refusal is None:
                body, refusal = await _read_body(scope, receive)
            if refusal is None:
                await self.app(scope, _replay(body, receive), send_noted)
            else:
                await refusal(scope, receive, send_noted)
        except Exception as exc:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            log.error("%s %s failed with %s:\n%s", scope["method"], _route(scope), type(exc).__name__, frames)
            if not status:
                await _error(500, "internal error; the server log has the details")(scope, receive, send_noted)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("%s %s %s %.1f ms", scope["method"], _route(scope), status or "-", elapsed)

    def _over_limit(self, scope: Scope) -> JSONResponse | None:
        """A 429 when this client has used up its requests to /v1/."""
        if self.limit is None or not scope["path"].startswith("/v1/"):
            return None
        wait = self.limit.wait(scope["client"][0] if scope.get("client") else "-", time.monotonic())
        if not wait:
            return None
        seconds = math.ceil(wait)
        return _error(429, f"too many requests; try again in {seconds} s", {"Retry-After": str(seconds)})


async def _read_body(scope: Scope, receive: Receive) -> tuple[bytes, JSONResponse | None]:
    """The request body, read no further than one byte past the cap; or why it is refused."""
    too_big = _error(413, f"the body is over {MAX_BODY_BYTES // 1024} KB")
    if int(dict(scope["headers"]).get(b"content-length", b"0")) > MAX_BODY_BYTES:
        return b"", too_big
    chunks, size, more = [], 0, True
    while more and size <= MAX_BODY_BYTES:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
    body = b"".join(chunks)
    if size > MAX_BODY_BYTES:
        return body, too_big
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return body, _error(400, "the body is not valid UTF-8")
    return body, None


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the app the body already read, then the connection's later messages (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


def _route(scope: Scope) -> str:
    """The route template a request matches (``/v1/resources/{resource_id}``), or ``-``."""
    route = scope.get("route")
    if route is None:
        route = next((r for r in scope["app"].routes if r.matches(scope)[0] is not Match.NONE), None)
    return getattr(route, "path", "-")


def create_app(settings: Settings | None = None, *, cors_origins: Sequence[str] = (), rate_limit: int = 0) -> FastAPI:
    """The API for one worker; its searcher loads when the server starts the app, not here.

    ``cors_origins`` lets browser pages on those origins call it (none by default);
    ``rate_limit`` is requests per minute per client address, 0 for no limit.
    """
    app = FastAPI(
        title="Signpost",
        version=__version__,
        description="Find the right support for a UK doctor in difficulty, from a plain-language description.",
        lifespan=_lifespan,
    )
    app.state.settings = settings or Settings()
    app.state.searcher, app.state.not_ready = None, "starting"
    unready = {503: _ERRORS[503]}
    ready = [Depends(_ready)]
    app.add_api_route(
        "/v1/search", search, methods=["POST"], dependencies=ready, response_model=None, responses=_ERRORS
    )
    app.add_api_route("/v1/resources", resources, methods=["GET"], response_model=None, responses=unready)
    app.add_api_route(
        "/v1/resources/{resource_id}",
        resource,
        methods=["GET"],
        response_model=None,
        responses={404: {"model": ErrorBody}, **unready},
    )
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/readyz", readyz, methods=["GET"], response_model=None, responses=unready)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_middleware(_Guard, rate_limit=rate_limit)
    if cors_origins:  # outside the guard, so a 413 or 429 still reaches the page with its headers
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    return app


def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    cors_origins: Sequence[str] = (),
    rate_limit: int = 0,
) -> None:
    """Run the API under uvicorn until interrupted; every worker process loads its own searcher."""
    import uvicorn

    # uvicorn's workers import the app by name, so the options travel to them in the environment.
    fields = {key: str(value) if isinstance(value, Path) else value for key, value in asdict(settings).items()}
    os.environ[_OPTIONS_ENV] = json.dumps(
        {"settings": fields, "cors_origins": list(cors_origins), "rate_limit": rate_limit}
    )
    uvicorn.run(
        "signpost.api:_worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=_LOGGING,
    )


def _worker_app() -> FastAPI:
    """uvicorn's factory in each worker: the app ``serve`` was asked for."""
    options = json.loads(os.environ[_OPTIONS_ENV])
    fields = {
        key: Path(value) if key.endswith("_dir") and value else value for key, value in options["settings"].items()
    }
    return create_app(Settings(**fields), cors_origins=options["cors_origins"], rate_limit=options["rate_limit"])
