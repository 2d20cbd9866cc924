# OK OCE Mart. `make run` serves the demo branch; `make test` runs every test.
# The venv's Python: the system's own (/usr/bin/python3) when it is 3.11 or newer and can
# make a venv, else python3 on PATH. A distribution's Python is built with profile-guided
# and link-time optimisation into one binary; a pyenv build (neither, and libpython as a
# shared library) cost a sale 15% more of the app's CPU (pos/README.md, "Which Python").
SYSTEM_PYTHON := $(shell /usr/bin/python3 -c 'import sys, ensurepip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo /usr/bin/python3)
PYTHON ?= $(or $(SYSTEM_PYTHON),python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MART_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: install run serve test test-sqlite test-sqlite-pages test-sqlite-a test-sqlite-b test-postgres test-postgres-a test-postgres-b lint translations compile-translations bench vendor clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) compile-translations

compile-translations: $(STAMP)
	$(BIN)/python tools/i18n.py compile


## Create or upgrade the SQLite database, load demo data, serve on http://127.0.0.1:5000
run: install
	$(BIN)/flask --app wsgi mart init
	MART_LOG_LEVEL=WARNING $(BIN)/flask --app wsgi mart seed-demo  # the logins, not 400 audit lines
	@echo ""
	@echo "Serving OK OCE Mart on http://127.0.0.1:5000  (Ctrl+C to stop)"
	MART_START_WORKERS=1 MART_BIND=127.0.0.1:5000 $(BIN)/gunicorn --config deploy/gunicorn.conf.py \
	  wsgi:app

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache  # the layers of docs/ARCHITECTURE.md (pyproject.toml)

## Every test: lint, then the suite on SQLite and on PostgreSQL (when one is reachable).
## Five runs side by side, each printing its report when it ends: on SQLite the browser
## and single-pass tests in one, the rest in two halves; on PostgreSQL (each run in a fresh
## database of its own; they skip what runs once: see tests/conftest.py) the reliability,
## roll-up and books tests in one, the other packages in another (the halves as CI timed
## them on 3 December: the first took 14:08, the second 11:53, before mart moved). Together
## they are every test on SQLite and every database-dependent one on PostgreSQL. (One
## run alone keeps about one core busy; five keep the two cores of CI busy.)
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider --durations=10
HALF_A := tests/reliability tests/rollup tests/books
test: install lint
	@echo "Running the suite on SQLite and on PostgreSQL side by side (a few minutes)..."
	@$(MAKE) --no-print-directory -j5 --output-sync=target \
	  test-sqlite-pages test-sqlite-a test-sqlite-b test-postgres-a test-postgres-b

## The whole suite on SQLite in one run.
test-sqlite: install
	$(PYTEST)

test-sqlite-pages: install
	$(PYTEST) -m "browser or single_pass"

test-sqlite-a: install
	$(PYTEST) -m "not browser and not single_pass" $(HALF_A)

test-sqlite-b: install
	$(PYTEST) -m "not browser and not single_pass" tests $(foreach d,$(HALF_A),--ignore=$(d))

## The whole suite on PostgreSQL in one run.
test-postgres: install
	@$(BIN)/python tests/pg_run.py $(PYTEST)

test-postgres-a: install
	@$(BIN)/python tests/pg_run.py $(PYTEST) $(HALF_A)

test-postgres-b: install
	@$(BIN)/python tests/pg_run.py $(PYTEST) tests $(foreach d,$(HALF_A),--ignore=$(d))

## Refresh the message catalogues after adding text to pages, then list what is untranslated.
translations: $(STAMP)
	$(BIN)/python tools/i18n.py update

bench: install
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

vendor:
	cd mart/static/vendor && npm pack --silent @picocss/pico@2.1.1 swagger-ui-dist@5.32.0 && \
	  echo "unpack as described in README.md"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
