# The two set-up commands: `make demo` runs the product, `make test` runs the whole suite.
# Both create the virtual environment they need on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit format venv bench proof clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# `make demo DEMO_ARGS='--port 8010 --sandbox-port 8110'` when the default ports are taken.
demo: $(STAMP)
	$(BIN)/channel-manager demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck chromium
	$(BIN)/pytest

# The browser tests drive Debian's Chromium (Playwright cannot download browsers here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }; }

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

# The reliability and security suites at the sizes issue 7 names (CI runs them smaller); none
# drives Chromium ("browser" there is an HTTP client keeping cookies). Each proof at full size has
# a pytest-timeout matching its size (tests/proof/conftest.py), not the suite-wide 300 s.
proof: $(STAMP)
	CM_PROOF_FULL=1 $(BIN)/pytest tests/proof

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis .import_linter_cache
