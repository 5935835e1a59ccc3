# Two commands do everything: `make grade` and `make test`. Each bootstraps .venv from pyproject.toml once.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
BYTECODE := $(VENV)/.bytecode
GRADER_SOURCES := $(wildcard grader/*.py grader/*/*.py)
SUBMISSION ?= starter/simple_rnn.py
REPORTS ?= reports
NAME := $(basename $(notdir $(SUBMISSION)))
# Batch: make grade-all SUBMISSIONS=class_folder_or.zip [OUT=out] [CONFIG=instructor.toml] [JOBS=N] [ARGS=...]
SUBMISSIONS ?=
OUT ?= out
CONFIG ?=
JOBS ?=
ARGS ?=

.PHONY: grade watch grade-all gradescope bench-batch test test-quick bench venv clean notebook golden

venv: $(BYTECODE)

# Dependencies only (the project itself is never installed, so a confined child can't import it from site-packages).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check $$($(PY) -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; print(" ".join(p["dependencies"] + [d for g in p.get("optional-dependencies", {}).values() for d in g]))')
	@touch $@

# The grader's bytecode, compiled once into grader/**/__pycache__ (pip compiles the venv's): the grader and its
# confined child (which reads the grader's modules before it is confined) then never compile, even where
# PYTHONDONTWRITEBYTECODE is set. Again only after a source file changed.
$(BYTECODE): $(STAMP) $(GRADER_SOURCES)
	@$(PY) -m compileall -q grader
	@touch $@

grade: $(BYTECODE)
	@mkdir -p $(REPORTS)
	$(PY) -m grader "$(SUBMISSION)" --json "$(REPORTS)/$(NAME).json" --html "$(REPORTS)/$(NAME).html"

# Grade SUBMISSION again each time it is saved (Ctrl-C to stop); the HTML report is rewritten every run.
watch: $(BYTECODE)
	@mkdir -p $(REPORTS)
	$(PY) -m grader "$(SUBMISSION)" --watch --json "$(REPORTS)/$(NAME).json" --html "$(REPORTS)/$(NAME).html"

grade-all: $(BYTECODE)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade-all SUBMISSIONS=class_folder_or.zip [OUT=out] [CONFIG=file.toml] [JOBS=N]" >&2; exit 2; }
	$(PY) -m grader "$(SUBMISSIONS)" --out "$(OUT)" $(if $(CONFIG),--config "$(CONFIG)") $(if $(JOBS),--jobs $(JOBS)) $(ARGS)

# What to upload to Gradescope: dist/gradescope.zip (setup.sh, run_autograder, the grader; CONFIG ships as config.toml).
gradescope: $(BYTECODE)
	$(PY) -m grader.course.gradescope --out dist $(if $(CONFIG),--config "$(CONFIG)")

# Peak memory of a batch of 100 and of 2,000 generated submissions (slow: grades them all).
bench-batch: $(STAMP)
	$(PY) -m grader.tools.bench_batch

test: $(BYTECODE)
	$(PY) -m pytest

# The tests that take seconds, not minutes: everything but the classes, the hostile corpus and the browser.
test-quick: $(BYTECODE)
	$(PY) -m pytest -m "not slow"

bench: $(BYTECODE)
	$(PY) -m grader.tools.bench

# Rewrite tests/golden/corpus.json (every grade and report of the test corpus) after a change meant to alter them.
golden: $(STAMP)
	$(PY) -m grader.tools.golden

clean:
	rm -rf $(VENV) $(REPORTS) .pytest_cache dist

# Rebuild starter/simple_rnn.ipynb from starter/simple_rnn.py (a test keeps the two in sync).
notebook: $(STAMP)
	$(PY) -m grader.tools.starter_notebook
