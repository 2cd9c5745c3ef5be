# allybot developer tasks (GNU make).
#
# Works on a fresh machine that has only python3 and make: the first target that needs
# the virtualenv creates it, and `make test` installs the PostgreSQL server binaries
# when they are missing and we are root (the suite runs against a real PostgreSQL).

VENV ?= .venv
PYTHON ?= python3
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS='-x -k pairing'`.
PYTEST_ARGS ?=
# Arguments passed to every benchmark module by `make bench`.
BENCH_ARGS ?= --quick

VENV_PY := $(VENV)/bin/python
# Two install stamps in one virtualenv: `make run` needs allybot's runtime
# dependencies only; `make test` and friends add the dev extras on top.
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run

.DEFAULT_GOAL := help

.PHONY: help venv run postgres-bin browser-bin test lint format bench clean distclean

help:
	@echo "make venv          create $(VENV) and install allybot with dev extras"
	@echo "make run           install the runtime dependencies, then start the bot (with no Slack settings: the sandbox in your browser)"
	@echo "make test          ruff, mypy --strict and the full pytest suite"
	@echo "make lint          ruff check + ruff format --check"
	@echo "make format        ruff format + ruff check --fix"
	@echo "make bench         run every benchmarks/*.py module with $(BENCH_ARGS)"
	@echo "make postgres-bin  ensure PostgreSQL server binaries exist (apt-get as root)"
	@echo "make browser-bin   ensure Chromium and chromedriver exist (apt-get as root)"
	@echo "make clean         remove caches; make distclean also removes $(VENV)"

# The virtualenv itself (no project install): created once, with a current pip.
$(VENV_PY):
	@echo "creating virtualenv in $(VENV) with $(PYTHON)"
	@existed=0; [ -e "$(VENV)" ] && existed=1; \
	if ! $(PYTHON) -m venv "$(VENV)"; then \
	  [ "$$existed" = 1 ] || rm -rf "$(VENV)"; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing python3-venv with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv \
	      && $(PYTHON) -m venv "$(VENV)" || exit 1; \
	  else \
	    echo "error: '$(PYTHON) -m venv' failed; install the venv module" \
	      "(Debian/Ubuntu: sudo apt-get install python3-venv) and retry" >&2; \
	    exit 1; \
	  fi; \
	fi
	@$(VENV_PY) -m pip install --quiet --upgrade pip

# Each stamp records that the venv matches pyproject.toml; editing dependencies there
# triggers a reinstall, anything else does not (the install is editable).
$(STAMP): pyproject.toml | $(VENV_PY)
	$(VENV_PY) -m pip install --quiet -e '.[dev]'
	@touch $@

$(RUN_STAMP): pyproject.toml | $(VENV_PY)
	@echo "installing allybot and its runtime dependencies into $(VENV)"
	@$(VENV_PY) -m pip install --quiet -e .
	@touch $@

venv: $(STAMP)

# `allybot serve` checks the configuration and Slack before it creates or migrates
# the database, so a first run that fails leaves nothing behind.
run: $(RUN_STAMP)
	@$(VENV)/bin/allybot serve

# Uses the same search as tests/support/pgserver.py (it is that code, run with a bare python3):
# PATH, then `pg_config --bindir`, then the newest /usr/lib/postgresql/*/bin.
postgres-bin:
	@if [ -n "$${ALLYBOT_TEST_POSTGRES_URL:-}" ]; then \
	  echo "PostgreSQL: using ALLYBOT_TEST_POSTGRES_URL, no local binaries needed"; \
	elif bindir=$$($(PYTHON) tests/support/pgserver.py --find-bindir 2>/dev/null); then \
	  echo "PostgreSQL server binaries: $$bindir"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "PostgreSQL server binaries not found; installing them with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql \
	    || exit 1; \
	  bindir=$$($(PYTHON) tests/support/pgserver.py --find-bindir) || exit 1; \
	  echo "PostgreSQL server binaries: $$bindir"; \
	else \
	  echo "error: PostgreSQL server binaries (initdb, pg_ctl, postgres) not found on PATH," \
	    "via pg_config --bindir, or in /usr/lib/postgresql/*/bin." >&2; \
	  echo "The test suite runs against a real PostgreSQL. Install it, e.g." \
	    "'sudo apt-get install postgresql' (Debian/Ubuntu) or 'brew install postgresql'" \
	    "(macOS), or set ALLYBOT_TEST_POSTGRES_URL to an existing server." >&2; \
	  exit 1; \
	fi

# The sandbox's browser tests drive Debian's Chromium with its chromedriver (no
# browser download); like PostgreSQL, they are installed when missing and we are root.
browser-bin:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
	  echo "Chromium: $$(command -v chromium), chromedriver: $$(command -v chromedriver)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Chromium or chromedriver not found; installing them with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver || exit 1; \
	else \
	  echo "error: the sandbox's browser tests need chromium and chromedriver on PATH." >&2; \
	  echo "Install them, e.g. 'sudo apt-get install chromium chromium-driver'" \
	    "(Debian/Ubuntu)." >&2; \
	  exit 1; \
	fi

test: $(STAMP) postgres-bin browser-bin
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Runs every module in benchmarks/ (except __init__ and _private helpers), so new
# benchmarks are picked up without editing this file.
bench: $(STAMP)
	@found=0; \
	for f in benchmarks/*.py; do \
	  [ -e "$$f" ] || continue; \
	  m=$$(basename "$$f" .py); \
	  case "$$m" in _*) continue ;; esac; \
	  found=1; \
	  echo "== benchmarks.$$m $(BENCH_ARGS)"; \
	  $(VENV)/bin/python -m "benchmarks.$$m" $(BENCH_ARGS) || exit 1; \
	done; \
	if [ "$$found" = 0 ]; then echo "no benchmarks found in benchmarks/"; fi

clean:
	rm -rf .pytest_cache .ruff_cache .hypothesis build dist *.egg-info
	find . \( -path './$(VENV)' -o -path ./.git \) -prune -o -type d -name __pycache__ \
	  -exec rm -rf {} +

distclean: clean
	rm -rf "$(VENV)"
