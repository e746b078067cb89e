# The two commands of the README: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-done
ARGS ?=
PYTEST_ARGS ?=

.PHONY: setup run test lint bench clean

## setup: create .venv and install the project with its dev tools (fast when nothing changed)
setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing crystal-rl into $(VENV) ..."
	@# torch first and pinned: an open range would pull a multi-GB CUDA build
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## run: run the whole system (demo cartridge unless ARGS="--rom path/to/crystal.gbc")
run: setup
	$(BIN)/crystal-rl run $(ARGS)

## test: run every test against a real Redis server (the system's redis-server, else the embedded valkey-server)
## and the real PyBoy; the browser tests' Chromium is the system's, else Playwright's own, installed once here
test: setup
	@$(BIN)/python tests/chromium.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff over the whole tree
lint: setup
	$(BIN)/ruff check .

## bench: measure the system against the bare emulator; JSON under bench/results/
bench: setup
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf build .pytest_cache .ruff_cache
