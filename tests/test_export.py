"""Gradescope's results.json and JUnit XML, from single results: field rules, counts, the learner's view."""
import json
import os
import xml.etree.ElementTree as ET

from conftest import REFERENCE, STARTER, grade_file, run_cli

from grader.course.junit import JUnitWriter
from grader.report import contract
from grader.report import exports as export

GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def assert_gradescope_valid(data):
    """The Gradescope autograder specification's rules for the fields we write."""
    assert isinstance(data["score"], (int, float)) and not isinstance(data["score"], bool)
    assert data["visibility"] in GRADESCOPE_VISIBILITY and isinstance(data["output"], str)
    assert isinstance(data["execution_time"], int)
    assert isinstance(data["tests"], list) and data["tests"]
    for t in data["tests"]:
        assert isinstance(t["name"], str) and t["name"]
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"]
        assert t["status"] in ("passed", "failed")
        assert isinstance(t["output"], str) and t["visibility"] in GRADESCOPE_VISIBILITY
    assert abs(data["score"] - sum(t["score"] for t in data["tests"])) < 1e-9


def test_gradescope_results_for_a_graded_and_an_errored_submission(tmp_path):
    ok = export.gradescope(contract.to_dict(grade_file(REFERENCE)))
    assert_gradescope_valid(ok)
    assert ok["score"] == 100 and all(t["status"] == "passed" for t in ok["tests"])
    bad = tmp_path / "broken.py"
    bad.write_text("def f(:\n")
    err = export.gradescope(contract.to_dict(grade_file(str(bad))))
    assert_gradescope_valid(err)
    assert err["score"] == 0 and all(t["status"] == "failed" for t in err["tests"])
    assert err["output"].startswith("Score: 0/100\nCould not be graded (syntax_error): ")


def test_single_file_gradescope_and_junit_from_the_cli(tmp_path):
    proc = run_cli(STARTER, "--format", "gradescope", "--out", str(tmp_path / "gs"), "--junit",
                   str(tmp_path / "j.xml"), "--quiet")
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "gs" / "results.json").read_text())
    assert_gradescope_valid(data)
    assert "Diagnosis [not_implemented]" in data["output"]
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.tag == "testsuites" and len(root) == 1
    assert run_cli(STARTER, "--format", "gradescope").returncode == 2  # needs --out


def junit_counts(suite):
    cases = suite.findall("testcase")
    return {"tests": len(cases), "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None)}


def test_junit_counts_match_the_cases(tmp_path):
    writer = JUnitWriter(str(tmp_path / "junit.xml"))
    starter = contract.to_dict(grade_file(STARTER))
    writer.add(starter, "bob")
    broken = tmp_path / "broken.py"
    broken.write_text("import numpy as np\nclass SimpleRNN:\n    pass\nprint('\x07 bell')\n")
    writer.add(contract.to_dict(grade_file(str(broken))), "carol")
    writer.close()
    root = ET.parse(tmp_path / "junit.xml").getroot()
    bob, carol = root.findall("testsuite")
    for suite in (bob, carol):
        assert {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")} == junit_counts(suite)
    assert int(root.get("tests")) == int(bob.get("tests")) + int(carol.get("tests"))
    assert bob.get("name") == "bob" and int(bob.get("tests")) == len(starter["checks"])
    statuses = [c["status"] for c in starter["checks"]]
    assert (int(bob.get("errors")), statuses.count("pass")) == (statuses.count("error"), 4)  # init passes
    # Nothing could be graded: one `submission` case carries the error, every check is skipped.
    assert carol.find("testcase[@name='submission']/error").get("type") == "missing_class"
    assert int(carol.get("errors")) == 1 and int(carol.get("skipped")) == len(starter["checks"])
    assert sorted(os.listdir(tmp_path)) == ["broken.py", "junit.xml"]  # no scratch file left behind
