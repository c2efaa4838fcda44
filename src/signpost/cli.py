"""The ``signpost`` command: parse arguments, call the library, print. No business logic here."""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signpost.config import Settings
from signpost.errors import QueryError, SignpostError
from signpost.types import AUDIENCES, KINDS, MODES, NATIONS, Filters, SearchResponse

if TYPE_CHECKING:
    from signpost.search import Searcher

_EXAMPLES = """\
Examples:
  signpost build
  signpost search "ST4 in Cardiff, drinking too much and behind on rent"
  signpost search --nation Scotland --kind helpline "can't stop gambling"
  signpost show nhs-practitioner-health
  signpost check
  printf 'LTFT application\\nGMC referral\\n' | signpost search --json -
  signpost eval ../shared/eval/dev.jsonl --by-tag
  signpost eval --crisis crisis-cases.jsonl
  signpost eval --cv
  signpost eval --beir ../shared/benchmarks/nfcorpus --split test
  signpost bench --beir ../shared/benchmarks/nfcorpus
  signpost app --port 8501
  signpost serve --port 8000 --workers 2
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signpost",
        description="Find the right support for a UK doctor in difficulty.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser("build", help="(re)build the index from the corpus; skips when current")
    build.add_argument("--corpus", type=Path, help="corpus folder (default: the repository's corpus/)")
    build.add_argument("--index", type=Path, help="index folder (default: the repository's index/)")
    build.add_argument("--training", type=Path, help="labelled training text (default: the repository's training/)")

    search = commands.add_parser("search", help="rank resources for a problem described in words")
    search.add_argument(
        "query", nargs="?", default="-", help="the problem; '-' or nothing reads one query per stdin line"
    )
    search.add_argument("--k", type=int, default=5, help="how many results (default 5)")
    search.add_argument("--json", action="store_true", help="one JSON object per query per line")
    search.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval mode (default hybrid)")
    search.add_argument("--corpus", type=Path, help="corpus folder")
    search.add_argument("--index", type=Path, help="index folder")
    search.add_argument("--training", type=Path, help="training text the index was built with")
    _filter_arguments(search)

    show = commands.add_parser("show", help="one resource's full record: who it is for, contact, caveats")
    show.add_argument("id", help="the resource id (as in search --json results)")
    show.add_argument("--json", action="store_true", help="the whole record as JSON")
    show.add_argument("--corpus", type=Path, help="corpus folder")

    check = commands.add_parser("check", help="report stale reviews, unconfirmed addresses and phone numbers")
    check.add_argument("--corpus", type=Path, help="corpus folder (its websites.tsv and phones.tsv are the lists)")
    check.add_argument("--websites", type=Path, help="confirmed addresses (default: the corpus's websites.tsv)")
    check.add_argument("--phones", type=Path, help="confirmed phone numbers (default: the corpus's phones.tsv)")
    check.add_argument("--today", type=date.fromisoformat, help="check as of this date (YYYY-MM-DD)")

    commands.add_parser("schema", help="print the corpus record's JSON Schema (for editors)")

    evaluate = commands.add_parser("eval", help="score the engine on graded cases or a BEIR data set")
    evaluate.add_argument("cases", nargs="?", type=Path, help="a JSON-lines case file (qid, query, relevant, tags)")
    evaluate.add_argument("--beir", type=Path, help="a BEIR folder instead of a case file")
    evaluate.add_argument("--crisis", type=Path, help="score the crisis gate on a file of {qid, query, crisis}")
    evaluate.add_argument(
        "--cv", action="store_true", help="the learned layer's cross-validation, grouped by writer (from the build)"
    )
    evaluate.add_argument("--split", default="test", choices=("test", "dev"), help="BEIR split (default test)")
    evaluate.add_argument("--k", type=int, default=10, help="results per query (default 10)")
    evaluate.add_argument(
        "--mode",
        choices=MODES,
        help="one retrieval mode with the full system (default: plain baselines and the full system)",
    )
    evaluate.add_argument("--by-tag", action="store_true", help="also break the metrics down per tag")
    evaluate.add_argument("--json", action="store_true", help="one JSON object per mode per line")
    evaluate.add_argument("--corpus", type=Path, help="corpus folder")
    evaluate.add_argument("--index", type=Path, help="index folder")
    evaluate.add_argument("--training", type=Path, help="training text the index was built with")
    bench = commands.add_parser("bench", help="measure latency, throughput, cold start, build, memory and scale")
    bench.add_argument("--quick", action="store_true", help="every figure, on small inputs (seconds, for tests)")
    bench.add_argument("--json", action="store_true", help="one JSON object instead of the table")
    bench.add_argument("--beir", type=Path, help="also time building this BEIR corpus (e.g. NFCorpus)")
    bench.add_argument("--sizes", help="synthetic collection sizes, comma-separated (default 10000,100000,1000000)")

    app = commands.add_parser("app", help="the Streamlit app, its search engine loaded as the server starts")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    app.add_argument("--port", type=int, default=8501, help="port (default 8501)")

    serve = commands.add_parser("serve", help="the JSON HTTP API (FastAPI on uvicorn); documentation at /docs")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="processes, each loading its own searcher (default 1)")
    serve.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        metavar="N",
        help="requests a minute per client address, in each worker (default 0: off)",
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        metavar="ORIGIN",
        help="let browser pages on this origin call the API; repeatable (default: SIGNPOST_CORS_ORIGINS, comma-separated, else none)",
    )
    serve.add_argument("--corpus", type=Path, help="corpus folder")
    serve.add_argument("--index", type=Path, help="index folder")
    serve.add_argument("--training", type=Path, help="training text the index was built with")
    return parser


def _filter_arguments(parser: argparse.ArgumentParser) -> None:
    """The app's sidebar filters, each repeatable."""
    places = [nation for nation in NATIONS if nation != "UK-wide"]
    parser.add_argument(
        "--nation", action="append", choices=places, metavar="NATION", help=f"one of: {', '.join(places)}"
    )
    parser.add_argument("--audience", action="append", choices=AUDIENCES, metavar="AUDIENCE", help="e.g. 'GPs'")
    parser.add_argument("--kind", action="append", choices=KINDS, metavar="KIND", help="e.g. helpline")


def _filters(args: argparse.Namespace) -> Filters | None:
    chosen = [frozenset(getattr(args, name) or ()) for name in ("nation", "audience", "kind")]
    return Filters(*chosen) if any(chosen) else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; user errors are one line on stderr and exit status 1."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="signpost: %(message)s")
    if args.version:
        from signpost import __version__

        print(__version__)
        return 0
    if args.command is None:
        _parser().print_help()
        return 0
    settings = Settings.from_env(
        corpus_dir=getattr(args, "corpus", None),
        index_dir=getattr(args, "index", None),
        training_dir=getattr(args, "training", None),
    )
    try:
        commands = {"build": _build, "search": _search, "show": _show, "check": _check, "schema": _schema}
        commands |= {"eval": _eval, "bench": _bench, "app": _app, "serve": _serve}
        return commands[args.command](args, settings)
    except SignpostError as exc:
        print(f"signpost: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader (e.g. `| head`) has gone: stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _build(args: argparse.Namespace, settings: Settings) -> int:
    from signpost.build import build
    from signpost.embed import SentenceTransformerEncoder

    result = build(settings, SentenceTransformerEncoder(settings.model), progress=sys.stderr.isatty())
    state = "built" if result.built else "up to date"
    learned = " with the learned layer" if "learned" in result.manifest else ""
    print(
        f"index {state}: {result.manifest['count']} resources{learned}, "
        f"model {result.manifest['model']} -> {settings.index_dir}"
    )
    return 0


def _queries(arg: str) -> Iterator[str]:
    """The argument, or one query per stdin line (bytes decoded leniently: bad UTF-8 is not fatal)."""
    if arg != "-":
        yield arg
        return
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").strip()
        if line:
            yield line


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from signpost.search import Searcher

    searcher = Searcher.load(settings=settings)
    if args.query != "-":
        _print_responses(searcher.search_many([args.query], args.k, mode=args.mode, filters=_filters(args)), args.json)
        return 0
    failed, batch = 0, []
    for query in _queries("-"):
        batch.append(query)
        if len(batch) == 64:
            failed += _answer_batch(searcher, batch, args)
            batch = []
    if batch:
        failed += _answer_batch(searcher, batch, args)
    return 1 if failed else 0


def _answer_batch(searcher: Searcher, batch: list[str], args: argparse.Namespace) -> int:
    """Answer a batch in one call; if a line has nothing to search, answer the rest one by one so
    no other line is lost, and report that line in its place. Returns how many lines failed."""
    try:
        _print_responses(searcher.search_many(batch, args.k, mode=args.mode, filters=_filters(args)), args.json)
        return 0
    except QueryError:
        pass
    failed = 0
    for query in batch:
        try:
            _print_responses([searcher.search(query, args.k, mode=args.mode, filters=_filters(args))], args.json)
        except QueryError as exc:
            failed += 1
            if args.json:
                print(json.dumps({"query": query, "error": str(exc)}, ensure_ascii=False), flush=True)
            print(f"signpost: error: {exc}", file=sys.stderr)
    return failed


def _print_responses(responses: list[SearchResponse], as_json: bool) -> None:
    from signpost import present

    for response in responses:
        if as_json:
            print(json.dumps(response.to_dict(), ensure_ascii=False), flush=True)
            continue
        if response.risk == "urgent":
            print(f"!! {present.URGENT_TITLE}")
            for line in response.urgent_help:
                print(f"!!   {line}")
            print(f"!! {present.DIRECTORY_NOTE}")
        elif response.risk == "concern":
            print(present.CONCERN_LINE)
        if not response.confident:
            print(present.NO_MATCH)
            print("   Starting points: " + ", ".join(response.starting_points))
        for rank, hit in enumerate(response.results, 1):
            print(f"{rank}. {hit.name} ({hit.resource.provider})  [{hit.score:.3f}]")
            print(f"   {hit.resource.summary}")
            for reason in hit.reasons:
                print(f"   - {reason}")
            for label, text in present.facts(hit.resource):
                print(f"   {label}: {text}")
        print()


def _show(args: argparse.Namespace, settings: Settings) -> int:
    """One record, read from the corpus alone: no index or model is needed to read the facts."""
    from signpost import present
    from signpost.corpus import load_corpus

    resources = {resource.id: resource for resource in load_corpus(settings.corpus_dir)}
    if args.id not in resources:
        close = difflib.get_close_matches(args.id, resources, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise SignpostError(f"no resource with id '{args.id}'{hint}")
    resource = resources[args.id]
    if args.json:
        print(json.dumps(resource.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{resource.name} ({resource.provider})\n{resource.summary}\n\n{resource.description}\n")
    for label, text in present.facts(resource):
        print(f"{label}: {text}")
    print(f"Reviewed: {resource.reviewed}; sources: {'; '.join(resource.sources)}")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from signpost.check import PHONES_FILE, WEBSITES_FILE, check
    from signpost.corpus import load_corpus

    resources = load_corpus(settings.corpus_dir)
    websites = args.websites or settings.corpus_dir / WEBSITES_FILE
    phones = args.phones or settings.corpus_dir / PHONES_FILE
    problems = check(resources, websites, phones, today=args.today)
    for problem in problems:
        print(problem)
    print(f"{len(resources)} records checked: {len(problems) or 'no'} problem{'s' * (len(problems) != 1)}")
    return 1 if problems else 0


def _schema(args: argparse.Namespace, settings: Settings) -> int:
    from signpost.types import Resource

    print(json.dumps(Resource.model_json_schema(), indent=2))
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from signpost import evaluate

    if args.cv:
        from signpost.search import Searcher

        learned = Searcher.load(settings=settings).learned
        if learned is None:
            raise SignpostError("this index was built without training text, so there is no cross-validation")
        print(json.dumps(learned.report, indent=None if args.json else 2))
        return 0
    if args.crisis:
        from signpost.search import Searcher

        rows = [evaluate.evaluate_crisis(Searcher.load(settings=settings), evaluate.load_crisis_cases(args.crisis))]
    elif args.beir:
        modes = [args.mode] if args.mode else list(MODES)
        from signpost.embed import SentenceTransformerEncoder

        data = evaluate.load_beir(args.beir, args.split)
        report = evaluate.evaluate_beir(data, SentenceTransformerEncoder(settings.model), modes=modes)
        rows = [{"mode": mode, **values} for mode, values in report.items()]
    elif args.cases:
        from signpost.search import Searcher

        searcher = Searcher.load(settings=settings)
        cases = evaluate.load_cases(args.cases)
        # Baselines first (plain retrieval), then the full system, last so `| tail -1` is the headline.
        runs = [(searcher, args.mode)] if args.mode else [(evaluate.baselines(searcher), m) for m in MODES]
        runs += [] if args.mode else [(searcher, "hybrid")]
        rows = [evaluate.evaluate_cases(s, cases, k=args.k, mode=m, by_tag=args.by_tag) for s, m in runs]
    else:
        raise SignpostError("give a case file or --beir DIR")
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        _print_table(rows)
    return 0


def _bench(args: argparse.Namespace, settings: Settings) -> int:
    from signpost import bench

    sizes = tuple(int(size) for size in args.sizes.split(",")) if args.sizes else ()
    report = bench.run(settings, quick=args.quick, beir=args.beir, sizes=sizes)
    print(bench.to_json(report) if args.json else bench.table(report))
    return 0


def _app(args: argparse.Namespace, settings: Settings) -> int:
    from signpost import appserver

    logging.getLogger("signpost.app").setLevel(logging.INFO)  # "ready: …" tells an operator it is warm
    appserver.run(settings, args.host, args.port)
    return 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from signpost.api import serve

    if args.workers < 1 or args.rate_limit < 0:
        raise SignpostError("--workers must be at least 1 and --rate-limit at least 0")
    listed = os.environ.get("SIGNPOST_CORS_ORIGINS", "").split(",")
    origins = args.cors_origin or [origin.strip() for origin in listed if origin.strip()]
    serve(
        settings, host=args.host, port=args.port, workers=args.workers, cors_origins=origins, rate_limit=args.rate_limit
    )
    return 0


def _print_table(rows: list[dict[str, Any]]) -> None:
    """Modes side by side, one metric per line; per-tag breakdowns after."""
    metrics = [key for key, value in rows[0].items() if key not in ("mode", "by_tag") and not isinstance(value, dict)]
    print(f"{'metric':<22}" + "".join(f"{row['mode']:>10}" for row in rows))
    for metric in metrics:
        print(f"{metric:<22}" + "".join(f"{_fmt(row.get(metric)):>10}" for row in rows))
    for row in rows:
        for tag, values in row.get("by_tag", {}).items():
            picked = ", ".join(f"{m}={_fmt(values.get(m))}" for m in ("queries", "ndcg@5", "grade2_top3"))
            print(f"[{row['mode']}] {tag:<18} {picked}")


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
