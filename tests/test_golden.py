"""Nothing changed in any grade: the whole test corpus graded through the batch path matches the golden copy in
tests/golden/corpus.json (every field of every result.json, every report page, every terminal summary, durations
aside). After a change meant to alter grades or reports: `make golden`, and say why in the commit."""
from __future__ import annotations

import copy
import json

import pytest

from grader.run import numerics
from grader.tools import golden


def _pinned() -> None:
    """The golden copy holds the bits of the pinned SIMD paths (conftest.py pins them for the whole suite)."""
    why = numerics.unpinnable()
    if why:
        pytest.skip(f"the golden copy's floats are those of numpy's and OpenBLAS's x86-64 AVX2 paths: {why}")
    assert numerics.pinned(), "numpy was loaded before conftest.py pinned its code paths (run/numerics.py)"


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
    _pinned()
    with open(golden.GOLDEN, encoding="utf-8") as f:
        expected = json.load(f)
    names = golden.corpus()
    assert sorted(expected) == names, "the corpus changed: run `make golden` and commit tests/golden/corpus.json"
    assert golden.differences(expected, golden.grade_corpus(names)) == []


@pytest.mark.slow
def test_one_file_judged_while_its_child_reports_is_graded_as_in_the_golden_copy(tmp_path, monkeypatch):
    """`python -m grader FILE` judges in a thread while the child reports (grade_path's early=True), and writes
    the checks' and analysis's JSON ahead meanwhile: every field of every result.json of the corpus must still be
    the golden copy's (the batch's own record aside), its text json's own, byte for byte, and the early judging
    must be what was used, not the fallback."""
    _pinned()
    import hashlib
    import os
    import shutil

    from grader import grade
    from grader.diagnose import judging
    from grader.report import contract
    from grader.run.forkserver import ForkServer

    with open(golden.GOLDEN, encoding="utf-8") as f:
        expected = json.load(f)
    used = []
    result = judging.EarlyJudge.result
    monkeypatch.setattr(judging.EarlyJudge, "result", lambda self, learner: used.append(r := result(
        self, learner)) or r)
    config, server, tmp, found, written = grade.GradeConfig(), ForkServer(), str(tmp_path), [], 0
    server.start()
    try:
        for name in golden.corpus():  # in the folders the golden copy's batch gave them: paths are in the results
            folder = tmp_path / "class" / ("s" + hashlib.sha256(name.encode()).hexdigest()[:10])
            folder.mkdir(parents=True)
            path = shutil.copy(os.path.join(golden.ROOT, "tests", name), folder / os.path.basename(name))
            before = len(used)
            d = contract.to_dict(grade.grade_path(str(path), config, runner=server, early=True))
            ahead = len(used) > before and used[-1] is not None and "values" in contract._ahead
            text = contract.dumps(d)  # with the checks and analysis written ahead: the same bytes as json's
            assert text == json.dumps(d, indent=1, allow_nan=False, default=contract._jsonable) + "\n", name
            written += ahead and not contract._ahead
            d = golden.normalise(d, tmp)
            mine, theirs = golden._fields(d), dict(expected[name]["result.json"])
            mine.pop("batch"), theirs.pop("batch")
            found += [f"{name}: {where}" for where in golden._diff(theirs, mine, "")]
    finally:
        server.close()
    assert found == []
    assert sum(r is not None for r in used) >= len(expected) - 5  # only a channel cut short is judged again
    assert written >= len(expected) - 5  # and their text was written ahead
