# One task runner. Every target that runs code depends on `install`, so a fresh
# clone needs nothing but `make demo` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-fast lint format typecheck bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/ekkyo demo

test: install lint
	$(BIN)/python -m pytest

# The quick loop before each commit: no real components, no slow tests.
test-fast: install
	$(BIN)/python -m pytest -m "not real and not slow" -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src/ekkyo/engine src/ekkyo/specs src/ekkyo/rules

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/csv_read.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
