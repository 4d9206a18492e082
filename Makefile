# Chengnuo (承诺) — developer tasks.  `make` / `make help` lists them.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: help install lock deploy-check run worker api test test-fast chaos lint bench bench-scale clean-data

help:
	@echo "承诺 Chengnuo — make targets:"
	@echo "  make install     create .venv and install the pinned requirements.lock and the project; re-runs when either changes"
	@echo "  make lock        pin every dependency again (requirements.lock, from pyproject.toml; pip-compile)"
	@echo "  make run         Temporal dev server + worker + API (http://127.0.0.1:8000, UI http://127.0.0.1:8233)"
	@echo "  make worker      run only the Temporal worker (expects Temporal at \$$TEMPORAL_ADDRESS)"
	@echo "  make api         run only the API on http://127.0.0.1:8000"
	@echo "  make test        run the whole test suite  (extra pytest args: make test ARGS='-k foo -x')"
	@echo "  make test-fast   the inner loop: the suite without the slow, e2e, chaos and browser tests (under two minutes)"
	@echo "  make chaos       fault tests (tests/chaos) with 64 clients for \$$CHAOS_SECONDS (default 180 s), figures printed"
	@echo "  make lint        ruff check (imports sorted) + ruff format --check + mypy (strict for workflows/, api/, services/)"
	@echo "  make deploy-check the compose file through the Compose v2 parser (pinned images, none deprecated) and the Dockerfile through hadolint"
	@echo "  make bench       whole lives over HTTP at 32 clients against a bare Temporal twin, as ratios"
	@echo "  make bench-scale the read model at 100,000 cases: workbenches, lists, a case page, a year's figures (p50/p95; SQLite and PostgreSQL);"
	@echo "                   then 2,000 running cases on a real stack: the rate and each process's memory"
	@echo "  make clean-data  delete ./data (local SQLite DB and Temporal state)"

$(STAMP): pyproject.toml requirements.lock
	@if command -v python3.11 >/dev/null 2>&1; then \
		python3.11 -m venv $(VENV); \
	else \
		echo "python3.11 not found, falling back to python3"; \
		python3 -m venv $(VENV); \
	fi
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.lock
	$(VENV)/bin/pip install -q --no-deps -e .
	touch $@

install: $(STAMP)

deploy-check: $(STAMP)
	$(PY) scripts/deploy_check.py

lock: $(STAMP)
	$(VENV)/bin/pip-compile -q --extra dev --strip-extras --no-emit-index-url -o requirements.lock pyproject.toml

run: $(STAMP)
	$(PY) scripts/run_dev.py

worker: $(STAMP)
	$(PY) worker.py

api: $(STAMP)
	$(PY) -m uvicorn api.main:app --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(PY) -m pytest -q $(ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not (slow or e2e or chaos or browser)" $(ARGS)

# `make test` runs the same faults with 45 s of load; here the load lasts a few minutes.
chaos: $(STAMP)
	CHAOS_SECONDS=$${CHAOS_SECONDS:-180} $(PY) -m pytest -q -s tests/chaos $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy workflows activities api services db figures security audit letters console credit catalogue ops worker.py config.py cli.py bench

bench: $(STAMP)
	$(PY) -m bench.lifecycle $(ARGS)
	$(PY) -m bench.replay

bench-scale: $(STAMP)
	$(PY) -m bench.scale $(ARGS)
	$(PY) -m bench.running $(RUNNING_ARGS)

clean-data:
	rm -rf data
