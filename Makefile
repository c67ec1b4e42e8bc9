# One entry point for humans and CI. Targets are named for intent.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATABASE ?= sqlite
export REDRESS_TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

LINT_PATHS := libs services tests $(wildcard bench)

.PHONY: run test lint format bench migrate soak clean browser

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/redress up --database $(DATABASE)

# The case-history page is tested in Debian's headless Chromium, driven by Playwright;
# Playwright never downloads a browser of its own.
BROWSER := /usr/bin/chromium
$(BROWSER):
	test -x $(BROWSER) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

browser: $(BROWSER)

test: $(STAMP) $(BROWSER) lint
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy libs/domain

format: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

migrate: $(STAMP)
	$(BIN)/redress migrate

# Issue 2's comparison (raw / CRUD / Redress), then the auditor's history and verify, the ADR
# round trip, the whole system under a mixed CRM workload, and what an export costs.
# BENCH_ARGS=--quick for a shorter first part.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.history
	$(BIN)/python -m bench.adr
	$(BIN)/python -m bench.adr --postgres $(REDRESS_TEST_DATABASE_URL)
	$(BIN)/python -m bench.follower
	$(BIN)/python -m bench.system
	$(BIN)/python -m bench.exports

# The fault tests (tests/faults), longer: more clients and journeys, every service killed
# five times over, a longer provider outage. `make test` runs them with bounded counts.
soak: $(STAMP)
	REDRESS_SOAK=1 $(BIN)/pytest -q -p no:cacheprovider tests/faults

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
