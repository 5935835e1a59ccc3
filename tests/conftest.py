"""Shared helpers: grade a file or a code string through the real grader, and run the CLI in a subprocess.

The whole suite runs numpy's and OpenBLAS's pinned code paths (grader/run/numerics.py), where this CPU has them:
the same last bits on every machine, as the golden copy of every grade needs. Set before anything imports numpy."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from grader.run import numerics  # noqa: E402  (the standard library only)

if numerics.unpinnable() is None and "numpy" not in sys.modules:
    numerics.pin()

import pytest  # noqa: E402

SUBMISSIONS = os.path.join(ROOT, "tests", "submissions")
REFERENCE = os.path.join(ROOT, "solution", "simple_rnn.py")
STARTER = os.path.join(ROOT, "starter", "simple_rnn.py")


def grade_file(path: str, **limits):
    from grader.grade import GradeConfig, grade_path
    from grader.run.sandbox import Limits

    return grade_path(path, GradeConfig(limits=Limits(**limits)) if limits else GradeConfig())


@pytest.fixture
def grade_code(tmp_path):
    """Grade Python source given as a string; returns the GradeResult."""
    def run(code: str, name: str = "submission.py", **limits):
        path = tmp_path / name
        path.write_text(textwrap.dedent(code))
        return grade_file(str(path), **limits)
    return run


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def by_id(result) -> dict:
    return {c.id: c for c in result.checks}


def reference_code() -> str:
    with open(REFERENCE) as f:
        return f.read()


def load_json(path) -> dict:
    with open(path) as f:
        return json.load(f)
