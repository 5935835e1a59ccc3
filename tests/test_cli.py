"""The CLI end to end, in a subprocess: result JSON contract, reports, exit codes, colour."""
import json

from conftest import REFERENCE, STARTER, run_cli

from grader import cli
from grader.judge.plan import default_plan

CONTRACT_KEYS = {"schema_version", "submission", "status", "score", "max_score", "error", "checks", "diagnoses",
                 "conventions", "stdout", "stderr"}
CHECK_KEYS = {"id", "group", "status", "points", "max_points", "message"}


def test_reference_scores_100_and_json_follows_contract(tmp_path):
    out = tmp_path / "r.json"
    proc = run_cli(REFERENCE, "--json", str(out), "--html", str(tmp_path / "r.html"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert CONTRACT_KEYS <= set(data)
    assert data["schema_version"] == 1 and data["status"] == "graded" and data["error"] is None
    assert data["score"] == 100 and data["max_score"] == 100
    assert all(CHECK_KEYS <= set(c) and c["status"] == "pass" for c in data["checks"])
    assert {c["group"] for c in data["checks"]} == {"init", "forward", "backward", "training", "official"}
    assert all(c["id"].startswith(c["group"] + "/") for c in data["checks"])
    assert data["diagnoses"] == []
    assert "forward returns an array of shape (T, O, 1)" in data["conventions"]
    lines = proc.stdout.rstrip().splitlines()
    assert lines[-1] == "Score: 100/100" and lines[-2] == f"  report: {tmp_path / 'r.html'}"
    html = (tmp_path / "r.html").read_text()
    assert html.startswith("<!DOCTYPE html>") and "100 / 100" in html and "<link" not in html


def test_json_to_stdout_keeps_stdout_pure_json():
    proc = run_cli(STARTER, "--json", "-")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["score"] == 0 and [d["id"] for d in data["diagnoses"]] == ["not_implemented"]
    assert "Score: 0/100" in proc.stderr


def test_terminal_summary_says_the_starters_one_reason_once_and_the_score_last():
    proc = run_cli(STARTER)
    lines = proc.stdout.strip().splitlines()
    assert lines[-1] == "Score: 0/100"
    marks = [ln for ln in lines if ln.strip().startswith(("PASS", "FAIL", "ERR", "SKIP"))]
    # The four init checks pass, a line each; the 23 others raised the same NotImplementedError: one line.
    assert len(default_plan().checks) == 27 and len(marks) == 5
    assert sum(ln.strip().startswith("PASS") for ln in marks) == 4
    assert marks[4] == "  ERR   23 checks                     0/100  raised NotImplementedError: forward is not " \
                       "written yet"
    at = lines.index(marks[4])
    assert lines[at + 1:at + 4] == ["        forward/* (7); backward/* (11); training/* (2); official/* (3)",
                                    "        simple_rnn.py, line 35, in forward",
                                    '          raise NotImplementedError("forward is not written yet")']
    assert lines[-3:-1] == ["  first thing to fix: 23 checks (100 points) raised NotImplementedError: forward is "
                            "not written yet",
                            '    at simple_rnn.py, line 35, in forward: raise NotImplementedError("forward is not '
                            'written yet")']
    assert "\033[" not in proc.stdout  # not a TTY: no colour


def test_fail_under_exit_codes():
    assert run_cli(STARTER, "--fail-under", "50", "--quiet").returncode == 1
    assert run_cli(REFERENCE, "--fail-under", "100", "--quiet").returncode == 0
    assert run_cli(STARTER, "--quiet").returncode == 0  # graded, whatever the score


def test_usage_errors_exit_2(tmp_path):
    missing = run_cli(str(tmp_path / "nope.py"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert run_cli(str(tmp_path)).returncode == 2
    bad = run_cli(REFERENCE, "--timeout", "-1")
    assert bad.returncode == 2 and "must be positive" in bad.stderr
    assert run_cli().returncode == 2


def test_unsupported_file_is_graded_as_bad_file(tmp_path):
    path = tmp_path / "rnn.txt"
    path.write_text("class SimpleRNN: pass\n")
    proc = run_cli(str(path), "--json", "-")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0
    assert data["status"] == "error" and data["error"]["kind"] == "bad_file"
    assert "unsupported file type '.txt'" in data["error"]["message"]
    assert all(c["status"] == "skipped" for c in data["checks"]) and len(data["checks"]) == len(default_plan().checks)


def test_collection_comes_back_on_after_the_imports_and_is_left_alone_when_on():
    import gc

    before = gc.get_threshold()
    try:
        gc.disable()  # as grader/__main__.py leaves it for the imports
        cli._imported()
        assert gc.isenabled() and gc.get_threshold()[0] == 10_000
        gc.set_threshold(*before)
        cli._imported()  # on already (a caller's own settings): untouched
        assert gc.get_threshold() == before
    finally:
        gc.enable()
        gc.set_threshold(*before)
        gc.unfreeze()
