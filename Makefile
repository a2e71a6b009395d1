# The two commands of the README's Quick start, and what they stand on.
#   make demo   set up .venv, then scan the bundled demo corpus into out/
#   make test   set up .venv, then run the whole test suite (what CI runs)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint eval bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,offline,web,ray,bench]'
	touch $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/storytrace scan --demo --store out/demo.sqlite --report out/report.html

test: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

# Benchmarks: prints the tables of BENCHMARKS.md (a few minutes; --help for sizes).
bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
