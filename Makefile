# ALL Navigator. `make run` and `make test` do all set-up on a fresh machine.
# `make run` serves the web app on http://$(HOST):$(PORT) (PORT=8080 make run to change it).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE ?= examples/patients/first-relapse-cd19-positive.yaml
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM := /usr/bin/chromium

.PHONY: setup run example test lint typecheck unit browser screenshots bench soak clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

run: setup
	@echo "ALL Navigator: open http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(BIN)/allnav serve --host $(HOST) --port $(PORT)

example: setup
	$(BIN)/allnav assess $(EXAMPLE)

# The browser tests drive Debian's chromium (Playwright cannot download browsers here) and the
# PDF needs Pango. Installed when missing and we are root; otherwise the browser tests fail
# with a message saying what to install (they never skip).
browser:
	@if [ ! -x $(CHROMIUM) ] || ! ldconfig -p | grep -q libpangoft2-1.0.so.0; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
	      chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; \
	  else \
	    echo "warning: $(CHROMIUM) or Pango is missing and we are not root: as root, run" \
	         "apt-get install -y chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core" >&2; \
	  fi; \
	fi

screenshots: setup browser
	$(BIN)/python scripts/screenshots.py

lint: setup
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/lint-imports

typecheck: setup
	$(BIN)/mypy

# Branch coverage of src/allnav, the CLI tests' subprocesses included (pyproject's
# [tool.coverage]); the report fails under the floor set there.
unit: setup browser
	rm -rf .coverage-data
	$(BIN)/coverage run -m pytest -q
	$(BIN)/coverage combine -q
	$(BIN)/coverage report

test: lint typecheck unit

bench: setup
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_fhir.py
	$(BIN)/python bench/bench_trials.py
	$(BIN)/python bench/bench_cds.py
	$(BIN)/python bench/bench_screen.py

# 200 clients mixing pages, PDF, API and CDS calls for 60 s against a real server on loopback
# (errors, p99 per route against /healthz, memory per worker). Not part of `make test`.
soak: setup
	$(BIN)/python bench/bench_soak.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage-data
