# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STORE  ?= $(or $(RELCHECK_HOME),relcheck_store)
PORT   ?= 8501

.PHONY: run test test-spark lint bench bench-growth bench-start bench-spark sample clean help

help:
	@echo "make run    - set up, build the sample store if absent, start the dashboard on :$(PORT)"
	@echo "make test   - set up with test extras, run every test (unit, CLI, AppTest, browser)"
	@echo "make bench  - benchmark on the large preset (built if absent)"
	@echo "make bench-spark - compare and gate on Spark local[1]/local[2] vs DuckDB vs a Spark scan (large preset)"
	@echo "make bench-start - time relcheck --help and relcheck releases as whole processes (no data needed)"
	@echo "make lint   - ruff"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

.stamp-install: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

.stamp-install-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ .stamp-install

$(STORE)/catalog.json: | .stamp-install
	RELCHECK_HOME=$(STORE) $(BIN)/relcheck sample

sample: .stamp-install
	RELCHECK_HOME=$(STORE) $(BIN)/relcheck sample

run: .stamp-install $(STORE)/catalog.json
	RELCHECK_HOME=$(STORE) $(BIN)/relcheck serve --port $(PORT)

test: .stamp-install-test
	$(BIN)/ruff check dashboard tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: .stamp-install-test
	$(BIN)/ruff check dashboard tests benchmarks scripts
	$(BIN)/lint-imports

test-spark: .stamp-install-test
	$(BIN)/python -m pytest -m "spark or spark_full" tests/sql/spark

bench: .stamp-install-test
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/patterns.py

bench-growth: .stamp-install-test
	$(BIN)/python benchmarks/run.py --growth

bench-spark: .stamp-install-test
	$(BIN)/python benchmarks/spark_bench.py

bench-start: .stamp-install-test
	$(BIN)/python benchmarks/run.py --start-only

clean:
	rm -rf $(VENV) .stamp-install .stamp-install-test .pytest_cache
