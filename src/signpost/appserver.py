"""Serving the Streamlit page warm: one searcher per process, loaded as the server starts.

Streamlit runs ``app.py`` only when a browser connects, so a model loaded there makes the first person
wait for it (over 5 s on two cores). ``signpost app`` loads the searcher and runs one search in a
background thread while Streamlit starts; the page asks ``shared_searcher`` for it and gets the same
one. Run any other way (``streamlit run app.py``), the page loads it on the first search instead.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from pathlib import Path

from signpost.config import PROJECT_ROOT, Settings
from signpost.errors import SignpostError
from signpost.search import Searcher

log = logging.getLogger("signpost.app")
#: The page script; the package is installed editable from the repository (``config.PROJECT_ROOT``).
APP_SCRIPT = PROJECT_ROOT / "app.py"
#: Searched once at start-up, so the first person's search costs what every later one does. A fixed
#: text, never anyone's words.
WARM_UP_TEXT = "burnt out and struggling to cope with work"
#: Streamlit forces a full garbage collection after every script run; with the model's objects in
#: the heap that cost about 200 ms of CPU a search (py-spy, docs/performance.md). Python's own
#: collector still runs, and ``gc.freeze`` keeps the model out of its full scans. Headless: a server
#: opens no browser and asks no questions on its terminal (a first run would prompt for an email).
STREAMLIT_OPTIONS = {
    "runner.postScriptGC": "false",
    "browser.gatherUsageStats": "false",
    "server.headless": "true",
}

_lock = threading.Lock()
_searchers: dict[Settings, Searcher] = {}


def shared_searcher(settings: Settings) -> Searcher:
    """The process's searcher for ``settings``, loaded once; callers that arrive while it loads wait."""
    with _lock:
        if settings not in _searchers:
            _searchers[settings] = Searcher.load(settings=settings)
        return _searchers[settings]


def warm(settings: Settings) -> bool:
    """Load the searcher and search once; then freeze what is loaded out of the collector's scans.

    A failure (a stale index, say) is logged and left for the page to report in its own words when
    someone searches: the server still starts.
    """
    started = time.perf_counter()
    try:
        shared_searcher(settings).search(WARM_UP_TEXT)
    except SignpostError as exc:
        log.error("the search engine did not load: %s", exc)
        return False
    gc.collect()
    gc.freeze()
    log.info("ready: model and index loaded in %.1f s", time.perf_counter() - started)
    return True


def run(settings: Settings, host: str, port: int, script: Path = APP_SCRIPT) -> None:
    """Start loading the searcher, then run Streamlit on ``script`` (this blocks until it stops)."""
    threading.Thread(target=warm, args=(settings,), name="signpost-warm-up", daemon=True).start()
    from streamlit.web import cli as streamlit_cli  # after the warm-up has started: it needs every second

    options = {**STREAMLIT_OPTIONS, "server.address": host, "server.port": str(port)}
    flags = [part for name, value in options.items() for part in (f"--{name}", value)]
    streamlit_cli.main(["run", str(script), *flags], prog_name="streamlit")
