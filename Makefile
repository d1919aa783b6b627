# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
# The first interpreter that actually runs and is 3.11 or 3.12 (pyenv shims may exist
# for versions that are not selected).
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] <= (3, 12) else 1)' >/dev/null 2>&1 \
	&& { command -v $$p; break; }; done)
ifeq ($(PYTHON),)
PYTHON := python3
endif
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test test-pg bench venv e2e-deps clean

$(BIN)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 11) <= v <= (3, 12) else "Python 3.11 or 3.12 is required (found %d.%d); set PYTHON=/path/to/python3.12" % v)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(BIN)/.installed

run: venv
	PORT=$(PORT) $(BIN)/flask --app wsgi run-all --port $(PORT)

# Everything, on the embedded engines (SQLite file, embedded Redis); browser tests
# run when Chromium is installed and are skipped with a message otherwise.
test: venv
	$(BIN)/pytest -q

bench: venv
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache tests/artifacts
