"""The layout of the code: one folder per stage, imports that run one way, modules small enough to read.

Stages, from the top down: the entry points (cli, __main__, watch, tools/), course/ (a class), grade.py (one submission),
diagnose/, then judge/ and report/ side by side, then run/, then the result types. A module may import from its own
folder or from a stage below it, never from one above it or beside it.
"""
import ast
import os

import pytest
from conftest import ROOT

GRADER = os.path.join(ROOT, "grader")
# Rank of each stage; judge and report share a rank but must not import each other. The package root (ROOT,
# SCHEMA_VERSION) is below everything; the entry points may call one another.
ENTRY = 6
RANKS = {"__init__": -1, "result": 0, "run": 1, "judge": 2, "report": 2, "diagnose": 3, "grade": 4, "course": 5,
         "cli": 6, "cli_class": 6, "__main__": 6, "watch": 6, "tools": 6}
MAX_LINES = 400


def _modules() -> list[str]:
    found = []
    for here, dirs, files in os.walk(GRADER):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.join(here, f) for f in sorted(files) if f.endswith(".py")]
    return found


def _stage(module: str) -> str:
    """`grader.judge.plan` → "judge"; `grader.grade` → "grade"; `grader` → "__init__"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _name(path: str) -> str:
    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
    return rel.removesuffix(".__init__")


def _imports(path: str) -> list[str]:
    """Every grader module `path` imports, at the top or inside a function."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.split(".")[0] == "grader"]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "grader":
            # `from grader.run import probe` imports grader.run.probe; `from grader import ROOT` imports grader.
            for a in node.names:
                candidate = f"{node.module}.{a.name}"
                is_module = os.path.exists(os.path.join(ROOT, *candidate.split(".")) + ".py") or \
                    os.path.isdir(os.path.join(ROOT, *candidate.split(".")))
                out.append(candidate if is_module else node.module)
    return out


def test_every_module_belongs_to_a_known_stage():
    assert {_stage(_name(p)) for p in _modules()} <= set(RANKS)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: os.path.relpath(p, GRADER))
def test_no_module_imports_from_a_stage_above_or_beside_it(path):
    me = _stage(_name(path))
    for target in _imports(path):
        them = _stage(target)
        if them == me or RANKS[them] == RANKS[me] == ENTRY:
            continue
        assert RANKS[them] < RANKS[me], f"{_name(path)} ({me}) imports {target} ({them})"


def test_the_rule_catches_an_upward_import(tmp_path):
    """The positive control: an import from a higher stage is found by the same reading."""
    path = tmp_path / "probe.py"
    path.write_text("def f():\n    from grader.course import batch\n")
    assert _imports(str(path)) == ["grader.course.batch"]
    assert RANKS[_stage("grader.course.batch")] > RANKS[_stage("grader.run.probe")]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: os.path.relpath(p, GRADER))
def test_no_module_is_longer_than_a_sitting(path):
    with open(path, encoding="utf-8") as f:
        lines = sum(1 for _ in f)
    assert lines <= MAX_LINES, f"{os.path.relpath(path, ROOT)} has {lines} lines"


def test_each_stage_says_what_it_takes_and_gives():
    for stage in ("run", "judge", "diagnose", "report", "course", "tools"):
        with open(os.path.join(GRADER, stage, "__init__.py"), encoding="utf-8") as f:
            tree = ast.parse(f.read())
        doc = ast.get_docstring(tree)
        assert doc and len(doc.splitlines()) <= 3, stage
        # Import-free: the confined child imports grader.run, and nothing else should load with a package.
        assert all(isinstance(n, ast.Expr) for n in tree.body), stage
