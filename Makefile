# A fresh clone needs nothing but python3 (3.11+): each target creates .venv when it is missing
# and installs the locked dependencies into it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install test demo lock clean stop

# uv installs the same locked wheels, bytecode compiled as pip does, in well under half pip's time
# (into a new venv, no cache, on the 2-core dev machine: 28 s for uv itself, the lock and Aurora,
# against 73 s for pip's install of the lock alone); pip does it whenever uv cannot be installed
# or fails (an index only pip's configuration reaches, say).
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
UV := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if $(PIP) uv && $(UV) -r requirements.lock && $(UV) --no-deps -e .; then :; else \
	    echo "installing with pip (uv unavailable or failed)"; \
	    $(PIP) -r requirements.lock && $(PIP) --no-deps -e .; fi
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Tests run in parallel, two workers per core, up to 4 (each worker starts its own embedded
# Postgres; a file runs whole on one worker, but the tests of a few long files of independent tests
# are spread, and the slowest files go first: tests/conftest.py). The extra workers fill the time
# the others wait on Postgres, subprocesses and the simulated network: on 2 cores, 3 workers still
# left a fifth of the CPU idle. TEST_WORKERS=0: serial.
TEST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(min(4, 2 * (os.cpu_count() or 1)))')
test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

demo: $(STAMP)
	$(BIN)/aurora demo

stop: $(STAMP)
	$(BIN)/aurora db stop

# Re-resolve the dependency tree from pyproject.toml into requirements.lock (needs PyPI).
lock:
	rm -rf /tmp/aurora-lock-venv && $(PYTHON) -m venv /tmp/aurora-lock-venv
	/tmp/aurora-lock-venv/bin/python -m pip install --quiet --disable-pip-version-check '.[test]'
	/tmp/aurora-lock-venv/bin/python -m pip freeze --exclude aurora-pnl | LC_ALL=C sort > requirements.lock
	rm -rf /tmp/aurora-lock-venv

clean:
	rm -rf $(VENV) .aurora
