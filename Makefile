# Two commands for a fresh machine: `make run` and `make test`. Everything else builds on them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOAD_STAMP := $(VENV)/.installed-load
PRELOAD ?= 0
STORE_SIZES ?= $(PRELOAD)
BENCH_SECONDS ?= 10
BENCH_ARGS ?=
LOADTEST_ARGS ?= --users 40 --run-time 60s
CYCLES ?= 200
SEED ?=
CRASHTEST_ARGS ?= --max-kill 0.6 --lookups 100
# pytest-xdist workers of `make test` (0: one process); 4 suits 2 cores, as many tests wait on
# subprocesses, but a run on workers can still stall near its end (see README, Running the tests)
TEST_WORKERS ?= 4
export LRS_HOST ?= 127.0.0.1
export LRS_PORT ?= 8080

.PHONY: run test lint format install clean mongo-up mongo-down bench loadtest schemas demo audit crashtest fuzz promtool monitoring-check browser test-browser wrk
MONGO_STAMP := $(VENV)/.mongo-server
CLIENTS := tests/clients
CLIENTS_STAMP := $(CLIENTS)/node_modules/.installed
CONSOLE_TESTS := tests/console
AXE_STAMP := $(CONSOLE_TESTS)/node_modules/.installed
SSO_TESTS := tests/sso
SSO_STAMP := $(SSO_TESTS)/node_modules/.installed

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

$(LOAD_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[load]'
	touch $(LOAD_STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p data
	$(BIN)/python -m service serve

test: $(STAMP) $(MONGO_STAMP) $(CLIENTS_STAMP) $(AXE_STAMP) $(SSO_STAMP) browser wrk
	LRS_TEST_BROWSER=required LRS_TEST_WRK=required LRS_TEST_MONGODB_DATA=memory \
		scripts/mongo-server run $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup

# The console in a real headless Chromium; screenshots go to build/screenshots/
test-browser: $(STAMP) $(AXE_STAMP) browser
	LRS_TEST_BROWSER=required $(BIN)/python -m pytest -q $(CONSOLE_TESTS)

# Debian's Chromium and its WebDriver, installed when missing (needs root, as CI has)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# Debian's wrk, the bench's native HTTP loader, installed when missing; without it the bench
# runs its Python loader alone and says so (the bench's test then fails, as it requires wrk)
wrk:
	@command -v wrk >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; \
	} || echo "wrk could not be installed (apt-get install wrk)"

# axe-core for the console's accessibility checks, exactly as the lockfile says
$(AXE_STAMP): $(CONSOLE_TESTS)/package.json $(CONSOLE_TESTS)/package-lock.json
	cd $(CONSOLE_TESTS) && npm ci --no-audit --no-fund
	touch $(AXE_STAMP)

# The Node client libraries of tests/clients (xAPI.js, TinCanJS), exactly as the lockfile says
$(CLIENTS_STAMP): $(CLIENTS)/package.json $(CLIENTS)/package-lock.json
	cd $(CLIENTS) && npm ci --no-audit --no-fund
	touch $(CLIENTS_STAMP)

# oidc-provider, the OpenID Provider tests/sso signs in through, exactly as the lockfile says
$(SSO_STAMP): $(SSO_TESTS)/package.json $(SSO_TESTS)/package-lock.json
	cd $(SSO_TESTS) && npm ci --no-audit --no-fund
	touch $(SSO_STAMP)

# Prometheus's promtool from Debian's `prometheus` package, installed when missing (issue 20)
promtool:
	@command -v promtool >/dev/null || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends prometheus; }

# The shipped alert rules and scrape config parse and type-check (deploy/monitoring)
monitoring-check: promtool
	cd deploy/monitoring && promtool check rules alerts.yml && promtool check config prometheus.yml \
		&& promtool test rules alerts.test.yml

# The long fuzzing budget (issue 9); LRS_FUZZ_EXAMPLES=N sets the examples per fuzz target
fuzz: $(STAMP)
	LRS_FUZZ_PROFILE=fuzz $(BIN)/python -m pytest -q -p no:cacheprovider \
		tests/reliability/test_fuzz_openapi.py tests/reliability/test_fuzz_statements.py

# A MongoDB-wire-compatible server on 127.0.0.1:$${LRS_TEST_MONGODB_PORT:-27017} (issue 4).
$(MONGO_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[mongo-server]'
	touch $(MONGO_STAMP)

mongo-up: $(MONGO_STAMP)
	scripts/mongo-server up

mongo-down:
	scripts/mongo-server down

# Ingest and query benchmark against a server it starts itself, at each store size of one
# growing store: make bench STORE_SIZES=0,1000000,10000000 (PRELOAD=N: the one size N)
bench: $(LOAD_STAMP) wrk
	$(BIN)/python -m loadtests.bench --store-sizes $(STORE_SIZES) --seconds $(BENCH_SECONDS) \
		$(BENCH_ARGS)

# The locust scenarios, headless for a fixed time, against a server it starts itself
loadtest: $(LOAD_STAMP)
	$(BIN)/python -m loadtests.loadtest $(LOADTEST_ARGS)

# SIGKILL the served LRS during batch ingest CYCLES times; after each restart nothing
# acknowledged may be lost and no batch half stored (loadtests/crashtest.py --help; SEED picks the run)
crashtest: $(STAMP)
	$(BIN)/python -m loadtests.crashtest --cycles $(CYCLES) $(if $(SEED),--seed $(SEED)) $(CRASHTEST_ARGS)

lint: $(LOAD_STAMP)  # mypy checks loadtests/ against the real locust
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports  # the layering contracts of pyproject.toml

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schemas: $(STAMP)  # regenerate the JSON Schemas committed under schemas/
	$(BIN)/python -m schemas.generate

demo: $(STAMP)  # load a planted world into the LRS that `make run` started, print impact vs truth
	$(BIN)/python -m deploy.examples.demo

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(CLIENTS)/node_modules \
		$(CONSOLE_TESTS)/node_modules $(SSO_TESTS)/node_modules build

# Known vulnerabilities in every installed distribution but the project itself. --strict fails
# when any of them could not be checked (service unreachable, version unknown): no silent pass.
# An operator's target: it asks an advisory service on the internet, which CI does not contact.
audit: $(STAMP)
	$(BIN)/python -m pip freeze --all --exclude-editable > $(VENV)/audit-requirements.txt
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off \
		-r $(VENV)/audit-requirements.txt
