# The two sacred commands: `make demo` and `make test`. Everything installs itself into .venv.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench dev lint fmt clean mutation

$(STAMP): pyproject.toml constraints.txt $(wildcard */__init__.py)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test,bench]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m pipelines.demo

# fast checks first: lint, the layer rule (import-linter contracts in pyproject.toml), types (files in
# pyproject [tool.mypy]), then the tests
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadgroup

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# The UI and the daemon on the instance at DAGSTER_HOME (default .dagster-home; the demo's runs:
# `make dev DAGSTER_HOME=$PWD/data/demo/dagster-home`). Webserver and daemon are started directly:
# `dagster dev` is superseded by `dg dev` and warns at every start.
DAGSTER_HOME ?= $(CURDIR)/.dagster-home
DEV_PORT ?= 3000
dev: $(STAMP)
	# links config/dagster.yaml, or config/dagster-postgres.yaml when PBW_DAGSTER_PG_URL is set (as `pbw` does)
	DAGSTER_HOME=$(abspath $(DAGSTER_HOME)) $(BIN)/python -c 'from pipelines.instance import dagster_home; dagster_home()'
	export DAGSTER_HOME=$(abspath $(DAGSTER_HOME)); \
	$(BIN)/dagster-daemon run -m pipelines.definitions & daemon=$$!; trap 'kill $$daemon' EXIT; \
	$(BIN)/dagster-webserver -h 127.0.0.1 -p $(DEV_PORT) -m pipelines.definitions

lint: $(STAMP)
	$(BIN)/ruff check .

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) data reports .dagster .dagster-home .mypy_cache .import_linter_cache

mutation: $(STAMP)
	$(BIN)/python -m mutation.run
