# `make build` sets everything up (system packages, .venv) and builds every leaflet;
# `make test` sets up the same way and runs the tests. Both are safe to run again.
PYTHON := .venv/bin/python

.PHONY: build test check extract setup

build: setup
	$(PYTHON) build.py build

test: setup
	$(PYTHON) -m pytest

check: setup
	$(PYTHON) build.py check

extract: setup
	$(PYTHON) build.py extract

setup:
	@bash scripts/setup.sh
