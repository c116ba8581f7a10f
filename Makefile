# cxresearch — two commands: `make reproduce` and `make test`.
# Each bootstraps .venv (plain python3 -m venv + pip) when it is missing or when
# pyproject.toml changed, and is quick when it is already there.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: reproduce test test-spark check lab bench lint clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	@touch $(STAMP)

reproduce: $(STAMP)
	$(BIN)/cxresearch reproduce --jobs $(JOBS)

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -q

# the engine = memory equality tests through Spark local mode (Ibis's pyspark backend): installs
# a Java runtime (Debian's openjdk-17-jre-headless, when java is missing) and pyspark; a few
# minutes. `make test` skips these tests.
test-spark: $(STAMP)
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && \
		apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }
	@$(BIN)/python -c "import pyspark" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -e ".[spark]"
	CX_TEST_SPARK=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/sampling/test_engine_spark.py \
		tests/statistics/test_engine_models_spark.py

# the fast loop: lint, import contracts and every test that is neither slow nor a notebook run
check: $(STAMP)
	$(BIN)/ruff check cxresearch tests benchmarks notebooks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup -q -m "not slow and not notebook"

lab: $(STAMP)
	JUPYTER_CONFIG_PATH=$(CURDIR)/notebooks/.jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH} \
		$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check cxresearch tests benchmarks notebooks
	$(BIN)/lint-imports

clean-venv:
	rm -rf $(VENV)
