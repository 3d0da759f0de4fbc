# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make demo   build .venv, install, run the demo on the embedded default (SQLite)
#   make test   build .venv, install with test extras, run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tracker demo

lint: $(STAMP)
	$(BIN)/ruff check .
	# The complexity rules hold for the modules already split to pass them.
	$(BIN)/ruff check --select PLR0911,PLR0912,PLR0915 projections/rotation projections/presidency.py events/dates.py
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_projections.py
	$(BIN)/python bench/bench_reports.py
	$(BIN)/python bench/bench_reminders.py
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_dates.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
