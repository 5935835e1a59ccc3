# Two commands do everything: `make grade` and `make test`. Each bootstraps .venv from pyproject.toml once.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUBMISSION ?= starter/simple_rnn.py
REPORTS ?= reports
NAME := $(basename $(notdir $(SUBMISSION)))

.PHONY: grade test bench venv clean notebook

venv: $(STAMP)

# Dependencies only (the project itself is never installed, so a confined child can't import it from site-packages).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check $$($(PY) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print(" ".join(p["dependencies"] + [d for g in p.get("optional-dependencies", {}).values() for d in g]))')
	@touch $@

grade: $(STAMP)
	@mkdir -p $(REPORTS)
	$(PY) -m grader "$(SUBMISSION)" --json "$(REPORTS)/$(NAME).json" --html "$(REPORTS)/$(NAME).html"

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m grader.bench

clean:
	rm -rf $(VENV) $(REPORTS) .pytest_cache

# Rebuild starter/simple_rnn.ipynb from starter/simple_rnn.py (a test keeps the two in sync).
notebook: $(STAMP)
	$(PY) -m grader.starter_notebook
