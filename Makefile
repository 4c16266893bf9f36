# `make build` sets everything up (system packages, .venv) and builds every leaflet;
# `make test` sets up the same way and runs the tests; `make edit` serves the leaflets and
# opens the browser editor. All are safe to run again.
PYTHON := .venv/bin/python

.PHONY: build test check extract edit setup setup-test

build: setup
	$(PYTHON) build.py build

test: setup-test
	$(PYTHON) -m pytest

check: setup
	$(PYTHON) build.py check

extract: setup
	$(PYTHON) build.py extract

edit: setup
	$(PYTHON) build.py serve --open

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test
