# The two commands of the README: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-done
ARGS ?=
PYTEST_ARGS ?=

# llama-cpp-python (the `llama` extra: a real llama.cpp server for the planner's tests) builds from source;
# its wheel is built once, portable (no -march=native), into a cache that outlives checkouts and venvs.
LLAMA_VERSION := 0.3.36
WHEELS := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/crystal-rl/wheels

LLAMA_STAMP := $(VENV)/.llama-done

.PHONY: setup run test lint bench clean llama-wheel llama

## setup: create .venv and install the project with its dev tools (fast when nothing changed)
setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing crystal-rl into $(VENV) ..."
	@# torch first and pinned: an open range would pull a multi-GB CUDA build
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## llama: the `llama` extra for the planner's tests against a real llama.cpp server (make test only; make run
## needs none of it). Building the wheel needs a C++ compiler: without one the build is reported and those
## tests say how to install it (under CI, CI=true, a failed build stops here)
llama: $(LLAMA_STAMP)

$(LLAMA_STAMP): pyproject.toml $(STAMP)
	@if $(MAKE) --no-print-directory llama-wheel; then \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --find-links '$(WHEELS)' -e '.[llama]' \
	  && touch $(LLAMA_STAMP); \
	elif [ -n "$$CI" ]; then exit 1; \
	else echo "llama-cpp-python could not be built (is a C++ compiler installed?): its server tests will say how"; fi

## llama-wheel: build llama-cpp-python's wheel into the cache, unless it is there (minutes on 2 cores, once)
llama-wheel:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@ls '$(WHEELS)'/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || { \
	  echo "building llama-cpp-python $(LLAMA_VERSION) into $(WHEELS) (once; a few minutes) ..."; \
	  CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps \
	    -w '$(WHEELS)' 'llama-cpp-python==$(LLAMA_VERSION)'; }

## run: run the whole system (demo cartridge unless ARGS="--rom path/to/crystal.gbc")
run: setup
	$(BIN)/crystal-rl run $(ARGS)

## test: run every test against a real Redis server (the system's redis-server, else the embedded valkey-server)
## and the real PyBoy; the browser tests' Chromium is the system's, else Playwright's own, installed once here, else
## (as root with apt, where Playwright's cannot be downloaded) Debian's; with none, they are reported as not run
## with the reason (under CI, CI=true, they fail)
test: setup llama
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
