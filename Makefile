# jejak: `make demo` runs the whole product on a simulated shop; `make test` runs the tests.
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
ORACLES := $(VENV)/.oracles-$(shell cat requirements-oracles.lock | cksum | cut -d' ' -f1)

.PHONY: install oracles demo test test-fast fuzz bench bench-10m screenshots catalogue lint format java browser clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Test-only oracles other implementations' numbers are checked against; one compiles (g++).
$(ORACLES): $(STAMP) requirements-oracles.lock
	@command -v g++ >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq g++; }
	$(BIN)/python -m pip install --quiet -r requirements-oracles.lock
	rm -f $(VENV)/.oracles-*
	touch $(ORACLES)

oracles: $(ORACLES)

# Spark (the scale engine) needs a Java runtime; Debian's is installed when missing.
java:
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }

# Browser tests (the report, later the dashboard) use Debian's chromium, headless; the
# vendors' browser SDKs they load (RudderStack's) come from npm, pinned by tests/browser.
NPM_STAMP := tests/browser/node_modules/.installed-$(shell cat tests/browser/package-lock.json | cksum | cut -d' ' -f1)

$(NPM_STAMP): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	cd tests/browser && npm ci --no-audit --no-fund --silent
	touch $(NPM_STAMP)

browser: $(NPM_STAMP)
	@test -x /usr/bin/chromium || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

demo: install
	$(BIN)/jejak demo

# two workers (pytest-xdist): one takes every Spark test, each takes whole files (tests/conftest.py)
test: install oracles java browser
	$(BIN)/python -m pytest -q -n 2

# The API and collector fuzzers with fresh random cases (make test runs them derandomized).
fuzz: install oracles
	JEJAK_FUZZ=fresh $(BIN)/python -m pytest -q tests/test_api_schema.py tests/test_collector_fuzz.py

test-fast: install oracles
	$(BIN)/python -m pytest -q -m "not spark"

# They write docs/benchmarks.md and docs/benchmarks-10m.md; the simulated CSV is kept in
# /tmp/bench for the next run.
bench: install oracles
	$(BIN)/python benchmarks/bench.py --events 1000000

bench-10m: install oracles
	$(BIN)/python benchmarks/bench.py --events 10000000 --out docs/benchmarks-10m.md

# The README's pictures, from the demo's report and dashboard (after make demo).
screenshots: install browser
	$(BIN)/python docs/screenshots.py

# The Indonesian catalogue gains the words the code gained (new entries empty, for a
# translator; tests/test_language.py fails until each has its Indonesian).
CATALOGUE := src/jejak/locale/id/LC_MESSAGES/jejak.po
catalogue: install
	PYTHONPATH=src $(BIN)/pybabel extract -F babel.cfg -k N_ -k NP_:1c,2 --no-location --sort-output \
		--project jejak --copyright-holder "the jejak authors" -o $(VENV)/jejak.pot .
	$(BIN)/pybabel update -i $(VENV)/jejak.pot -o $(CATALOGUE) -l id --no-fuzzy-matching \
		--ignore-obsolete --init-missing --ignore-pot-creation-date

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) demo report.html .pytest_cache .ruff_cache
