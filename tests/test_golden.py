"""Nothing changed in any grade: the whole test corpus graded through the batch path matches the golden copy in
tests/golden/corpus.json (every field of every result.json, every report page, every terminal summary, durations
aside). After a change meant to alter grades or reports: `make golden`, and say why in the commit."""
from __future__ import annotations

import copy
import json

import pytest

from grader.tools import golden


def test_differences_name_the_field_that_changed():
    """The comparison itself: equal copies agree; a changed check, a new submission and a lost page are named."""
    a = {"wrong/x.py": {"result.json": {"score": "1", "checks": {"0:forward": "2", "1:backward": "3"}},
                        "report.html": "4", "terminal": "5"}}
    assert golden.differences(a, copy.deepcopy(a)) == []
    b = copy.deepcopy(a)
    b["wrong/x.py"]["result.json"]["checks"]["1:backward"] = "9"
    del b["wrong/x.py"]["report.html"]
    b["correct/y.py"] = {}
    assert golden.differences(a, b) == ["correct/y.py: not in the golden copy", "wrong/x.py: report.html",
                                        "wrong/x.py: result.json.checks.1:backward"]


def test_normalise_drops_only_what_varies_between_runs():
    d = {"score": 0.1 + 0.2, "duration_s": 1.5, "stdout": "/tmp/x/out", "hidden_run": {"duration_s": 2.0, "ran": True},
         "batch": {"graded_at": "now", "settings": "key", "student": "s0001"}}
    assert golden.normalise(d, "/tmp/x") == {"score": 0.30000000000000004, "stdout": "TMP/out",
                                             "hidden_run": {"ran": True}, "batch": {"student": "s0001"}}


@pytest.mark.slow
def test_every_grade_and_report_is_as_in_the_golden_copy():
    with open(golden.GOLDEN, encoding="utf-8") as f:
        expected = json.load(f)
    names = golden.corpus()
    assert sorted(expected) == names, "the corpus changed: run `make golden` and commit tests/golden/corpus.json"
    assert golden.differences(expected, golden.grade_corpus(names)) == []
