# One task runner. Every target that runs code depends on `install`, so a fresh
# clone needs nothing but `make demo` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test test-postgres test-fast lint format bench clean docs

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/ekkyo demo

# The whole suite on SQLite, then every database test again on PostgreSQL
# (EKKYO_TEST_DATABASE_URL; .ci/run starts a server and sets it).
test: install lint
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory test-postgres

test-postgres: install
	@if [ -n "$$EKKYO_TEST_DATABASE_URL" ]; then \
		DATABASE_URL="$$EKKYO_TEST_DATABASE_URL" $(BIN)/python -m pytest --db-only -q; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI must set EKKYO_TEST_DATABASE_URL (see .ci/run)"; exit 1; \
	else \
		echo "PostgreSQL pass skipped: set EKKYO_TEST_DATABASE_URL=postgres://... to run it"; \
	fi

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

# Every benchmark, full size, each recording a dated entry in bench/RESULTS.md. Most need
# Debian's prometheus/promtool, PostgreSQL (EKKYO_TEST_DATABASE_URL) and wrk, as CI has;
# run one with `--quick` for a smoke run. Expect well over half an hour in all.
BENCHES := engine csv_read push_ingest worker_tick prometheus_pull compile_rules \
	notify_outage web soak
bench: install
	@for b in $(BENCHES); do \
		if [ -f bench/$$b.py ]; then \
			echo "=== bench/$$b.py"; $(BIN)/python bench/$$b.py --record || exit 1; \
		fi; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache

docs: install
	$(BIN)/python -m ekkyo.cli._docgen > docs/cli.md
