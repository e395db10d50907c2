# Two commands do all set-up: `make demo` and `make test`. Both create .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export BEDROCK_ASSETS_DATA_ROOT ?= $(CURDIR)/.bedrock_assets_data
# The fast lane: pure domain and engine tests, no whole days, crashes, emulated AWS or
# tests that start processes for seconds each.
FAST := not e2e and not crash and not aws and not postgres and not slow

.PHONY: install demo dev test test-fast lint bench pictures clean

$(BIN)/.installed: pyproject.toml
	@echo "make install: creating $(VENV) and installing the project with its dev tools from PyPI"
	@echo "  (about a minute on a fresh machine; pip prints each package as it goes)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --progress-bar on --upgrade pip
	$(BIN)/pip install --progress-bar on -e '.[dev]'
	@echo "make install: done ($(VENV))"
	touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/python -m bedrock_assets.demo $(DEMO_ARGS)

dev: install
	mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -c "from bedrock_assets.demo import ensure_dagster_home; ensure_dagster_home()"
	$(BIN)/dagster dev

test: install
	$(BIN)/pytest -q -n 2 --dist loadscope --durations=20

test-fast: install
	$(BIN)/pytest -q -m "$(FAST)"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/dg check defs

bench: install
	$(BIN)/python benchmarks/collect_run.py
	$(BIN)/python benchmarks/shard_throughput.py
	$(BIN)/python benchmarks/sensor_tick.py
	$(BIN)/python benchmarks/refill_latency.py
	$(BIN)/python benchmarks/guardrail_quota.py
	$(BIN)/python benchmarks/grounding_eval.py
	$(BIN)/python benchmarks/pii_eval.py

# Screenshots for the README from a running instance (needs Debian's chromium package).
pictures: install
	$(BIN)/python scripts/ui_tour.py

clean:
	rm -rf $(VENV) .dagster_home .bedrock_assets_data .pytest_cache .mypy_cache .import_linter_cache
