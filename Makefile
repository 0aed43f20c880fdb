# Two commands for a fresh machine: `make run` and `make test`. Everything else builds on them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export LRS_HOST ?= 127.0.0.1
export LRS_PORT ?= 8080

.PHONY: run test lint format install clean schemas demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p data
	$(BIN)/python -m service serve

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schemas: $(STAMP)  # regenerate the JSON Schemas committed under schemas/
	$(BIN)/python -m schemas.generate

demo: $(STAMP)  # load deploy/examples into the LRS that `make run` started, print outcome x KPI
	$(BIN)/python -m deploy.examples.demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
