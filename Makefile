# Signpost: `make run` serves the app, `make test` runs every test; both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501
# Loopback only: queries are people's words. `make run HOST=0.0.0.0` serves the network (a deployment).
HOST ?= 127.0.0.1
SHARED ?= ../shared
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.DEFAULT_GOAL := help
.PHONY: help install browser index run test lint format eval screenshot loadtest loadtest-api bench audit clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# CPU PyTorch first: resolved from scratch, `torch` pulls a multi-GB CUDA build.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) ## create .venv and install Signpost with its test tools (idempotent)

browser: ## install Debian's Chromium for the browser tests, when missing
	@test -x /usr/bin/chromium || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

index: $(STAMP) ## build the index if the corpus or model changed (skips when current)
	$(BIN)/signpost build

run: index ## set everything up and serve the app on http://$(HOST):$(PORT) (HOST=0.0.0.0 to serve the network)
	$(BIN)/signpost app --host $(HOST) --port $(PORT)

test: index browser ## set everything up and run ruff and the whole test suite
	$(BIN)/ruff check src tests app.py scripts
	$(BIN)/ruff format --check src tests app.py scripts
	$(BIN)/pytest

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check src tests app.py scripts
	$(BIN)/ruff format --check src tests app.py scripts

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests app.py scripts
	$(BIN)/ruff format src tests app.py scripts

eval: index ## relevance on the dev set and NFCorpus (test split), all modes side by side
	$(BIN)/signpost eval $(SHARED)/eval/dev.jsonl
	$(BIN)/signpost eval --beir $(SHARED)/benchmarks/nfcorpus --split test

screenshot: index browser ## refresh docs/screenshot.png from a real browser
	$(BIN)/python scripts/screenshot.py docs/screenshot.png

bench: index ## benchmarks (latency, throughput, cold start, build, memory, 10k-1M scale); several minutes
	$(BIN)/signpost bench --beir $(SHARED)/benchmarks/nfcorpus

loadtest: index browser ## first search, warm searches in Chromium, then 20 sessions for 2 minutes: latency, errors, server CPU
	$(BIN)/python scripts/loadtest.py --sessions 20 --seconds 120

loadtest-api: index ## 50 clients on the HTTP API for 60 s (locust, own server); p95, requests/s; fails on any error
	$(BIN)/locust -f scripts/locustfile.py --headless --users 50 --spawn-rate 50 --run-time 60s --only-summary

audit: $(STAMP) ## check installed dependencies for known vulnerabilities (needs PyPI's JSON API; fails if any package cannot be checked)
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off

clean: ## remove the virtual environment and caches (keeps the committed index)
	rm -rf $(VENV) .pytest_cache .ruff_cache .cache test-artifacts
