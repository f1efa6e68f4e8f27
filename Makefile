# Volmify — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: install run test test-sqlite test-postgres test-browser translations translations-compile seed bench soak lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Re-install only when the dependency list or the lock changes.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed translations-compile

translations-compile: | $(VENV)/.installed
	@$(BIN)/pybabel -q compile -d translations 2>/dev/null || $(BIN)/pybabel compile -d translations

run: install
	$(FLASK) db upgrade
	$(FLASK) seed demo
	$(FLASK) seed info --port $(PORT)
	PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)} $(FLASK) run --host 127.0.0.1 --port $(PORT)

seed: install
	$(FLASK) db upgrade
	$(FLASK) seed demo

# Everything: the lint (ruff, the import contract), then unit + web tests on SQLite, the same suite
# on a throwaway PostgreSQL, then the browser tests in headless Chromium. Installs system packages
# when root.
test: lint
	bash scripts/test.sh all

test-sqlite: install
	bash scripts/test.sh sqlite

test-postgres: install
	bash scripts/test.sh postgres

test-browser: install
	bash scripts/test.sh browser

# extract -> update -> compile
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _t -k _plural:1,2 --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics

bench: install
	bash scripts/bench.sh

# gunicorn (4 workers), a Celery worker, PostgreSQL and Redis on loopback under mixed traffic for
# SOAK_SECONDS (default 600); fails on any error, an undelivered email, the ledger or order rows.
soak: install
	$(BIN)/python scripts/soak.py

# ruff, and the layers contract of pyproject.toml (a back-edge between packages fails it).
lint: install
	$(BIN)/ruff check app tests
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
