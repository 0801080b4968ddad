# Two commands for a fresh machine (see README):
#   make run   - install, migrate, import the hierarchy + demo data, serve on :5000
#   make test  - install and run every test (SQLite, and PostgreSQL when installed)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := run.py
# The browser tests drive Debian's chromium; Playwright must never download one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: run test install translations clean-db bench fuzz

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d translations -l th

# run.py migrates and loads the hierarchy and demo data itself (idempotent).
run: install
	MASKLOG_CONFIG=demo PORT=$(PORT) $(BIN)/python run.py

test: install
	$(BIN)/python -m pytest

clean-db:
	rm -f instance/masklog.db

# Every benchmark in one run, one table (~15 min on 2 cores; needs PostgreSQL
# server binaries and redis-server). Not part of `make test`.
bench: install
	$(BIN)/python bench/run.py

# The fuzzing of every form and API endpoint (part of `make test` at 25 examples
# per group) at 500 examples per group: ~20x longer. Not part of `make test`.
fuzz: install
	MASKLOG_FUZZ_EXAMPLES=$${MASKLOG_FUZZ_EXAMPLES:-500} $(BIN)/python -m pytest tests/http/test_fuzz_forms.py tests/http/test_api_schemathesis.py
