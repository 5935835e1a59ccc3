"""Say a thing once (report/groups.py), the first thing to fix, and what changed between two runs
(report/changes.py): pure functions of result dicts, tested on real gradings and on hand-made checks."""
import os

import pytest

from conftest import REFERENCE, STARTER, SUBMISSIONS, grade_file, reference_code

from grader.report import changes, contract, groups


def _dict(path: str) -> dict:
    return contract.to_dict(grade_file(path))


@pytest.fixture(scope="module")
def starter():
    return _dict(STARTER)


@pytest.fixture(scope="module")
def forward_done(tmp_path_factory):
    """The starter with the reference's forward: backward still raises NotImplementedError."""
    with open(STARTER) as f:
        starter = f.read()
    ref = reference_code()
    forward = ref[ref.index("    def forward"):ref.index("    def backward")]
    code = starter[:starter.index("    def forward")] + forward + starter[starter.index("    def backward"):]
    path = tmp_path_factory.mktemp("fwd") / "simple_rnn.py"
    path.write_text(code)
    return _dict(str(path))


@pytest.fixture(scope="module")
def correct():
    return _dict(REFERENCE)


def _check(i: str, status: str, message: str, traceback: str = "") -> dict:
    return {"id": i, "group": i.split("/")[0], "status": status, "points": 0.0, "max_points": 2.0,
            "message": message, "details": {"traceback": traceback} if traceback else {}}


def test_the_starters_twenty_three_errors_are_one_item(starter):
    items = groups.summarise(starter["checks"])
    assert [(i.status, len(i.checks)) for i in items] == [("pass", 1)] * 4 + [("error", 23)]
    group = items[-1]
    assert group.reason == "raised NotImplementedError: forward is not written yet"
    assert group.points == 0 and group.max_points == 100
    assert [(f.where, f.function, f.code) for f in group.own_frames] == [
        ("simple_rnn.py", "forward", 'raise NotImplementedError("forward is not written yet")')]
    assert groups.name_checks(group.ids, [c["id"] for c in starter["checks"]]) == \
        "forward/* (7); backward/* (11); training/* (2); official/* (3)"
    # Nothing is dropped from the result itself: every check keeps its own message and traceback.
    assert len(starter["checks"]) == 27 and all(c["details"]["traceback"] for c in starter["checks"][4:])


def test_forward_done_leaves_one_item_for_backward(forward_done):
    items = groups.summarise(forward_done["checks"])
    assert [(i.status, len(i.checks)) for i in items] == [("pass", 1)] * 11 + [("error", 16)]
    assert items[-1].reason == "raised NotImplementedError: backward is not written yet"
    assert forward_done["score"] == 30


def test_same_reason_means_same_traceback_or_same_skip_message():
    tb = "Traceback (learner code only):\n  s.py, line 3, in forward\n    x[9]\nIndexError: index 9"
    other_place = tb.replace("line 3", "line 4")
    checks = [_check("forward/a", "error", "forward() (sizes 1) raised IndexError: index 9", tb),
              _check("forward/b", "fail", "outputs differ by up to 0.5"),
              _check("training/a", "error", "training for 20 epochs raised IndexError: index 9",
                     tb + "\n(in epoch 1 of 20)"),
              _check("forward/c", "error", "forward() (sizes 2) raised IndexError: index 9", other_place),
              _check("forward/d", "fail", "outputs differ by up to 0.5"),
              _check("backward/a", "skipped", "skipped: SimpleRNN could not be constructed (see init/shapes)"),
              _check("backward/b", "skipped", "skipped: SimpleRNN could not be constructed (see init/shapes)"),
              _check("backward/c", "error", "backward() did not run: stopped after the 10 s time limit"),
              _check("official/a", "error", "training for 9 epochs did not run: stopped after the 10 s time limit")]
    items = groups.summarise(checks)
    assert [i.ids for i in items] == [["forward/a", "training/a"], ["forward/b"], ["forward/c"], ["forward/d"],
                                      ["backward/a", "backward/b"], ["backward/c", "official/a"]]
    assert [i.reason for i in items] == ["raised IndexError: index 9", "outputs differ by up to 0.5",
                                         "forward() (sizes 2) raised IndexError: index 9",
                                         "outputs differ by up to 0.5",
                                         "skipped: SimpleRNN could not be constructed (see init/shapes)",
                                         "did not run: stopped after the 10 s time limit"]
    # Failing on numbers is never a shared reason, even with the same words.
    assert groups.reason_key(checks[1]) is None and groups.reason_key(checks[0]) == groups.reason_key(checks[2])


def test_name_checks_says_whole_groups_briefly_and_partial_ones_in_full():
    every = ["forward/a", "forward/b", "forward/c", "backward/a", "backward/b", "init/shapes"]
    assert groups.name_checks(["forward/a", "forward/b", "forward/c", "backward/b", "init/shapes"], every) == \
        "forward/* (3); backward/b (1 of 2); init/shapes"


def test_first_thing_to_fix(starter, forward_done, correct, grade_code):
    assert groups.first_fix(starter) == [
        "23 checks (100 points) raised NotImplementedError: forward is not written yet",
        'at simple_rnn.py, line 35, in forward: raise NotImplementedError("forward is not written yet")']
    assert groups.first_fix(forward_done)[0] == \
        "16 checks (70 points) raised NotImplementedError: backward is not written yet"
    assert groups.first_fix(correct) == []
    # Wrong numbers with a recognised misconception: the diagnosis says why, and its hint where to look.
    wrong = _dict(os.path.join(SUBMISSIONS, "wrong", "loss_mean_over_time__col.py"))
    x = wrong["diagnoses"][0]
    assert x["id"] == "loss_mean_over_time" and groups.first_fix(wrong) == [x["message"], f"hint: {x['hint']}"]
    # Nothing graded: the error, a syntax error with its code line and caret.
    syntax = contract.to_dict(grade_code("def broken(:\n    pass\n"))
    assert groups.first_fix(syntax) == syntax["error"]["message"].split("\n") and len(groups.first_fix(syntax)) == 3


def test_changes_between_runs(starter, forward_done, correct):
    assert changes.changes(starter, forward_done) == changes.Changes(
        now_passing=tuple(f"forward/{c}" for c in ("basic", "single_step", "multi_input", "multi_output",
                                                   "long_sequence", "saturated", "repeat_call")),
        now_failing=(), gained=(), lost=())  # backward is still the starter's: not_implemented stays
    back = changes.changes(correct, forward_done)
    assert back.now_passing == () and len(back.now_failing) == 16 and back.gained == ("not_implemented",) and back.lost == ()
    assert not changes.changes(correct, correct)


def test_watch_summaries(starter, forward_done, correct):
    assert changes.watch_summary(None, starter).splitlines() == [
        "  first thing to fix: 23 checks (100 points) raised NotImplementedError: forward is not written yet",
        '    at simple_rnn.py, line 35, in forward: raise NotImplementedError("forward is not written yet")',
        "Score: 0/100"]
    assert changes.watch_summary(starter, forward_done).splitlines()[:2] == [
        "  now passing: forward/* (7)",
        "  first thing to fix: 16 checks (70 points) raised NotImplementedError: backward is not written yet"]
    assert changes.watch_summary(forward_done, correct).splitlines() == [
        "  now passing: backward/* (11); training/* (2); official/* (3)", "  diagnosis lost: [not_implemented]",
        "  every check passes",
        "Score: 100/100 (was 30)"]
    assert changes.watch_summary(correct, forward_done).splitlines()[0] == \
        "  now failing: backward/* (11); training/* (2); official/* (3)"
    assert changes.watch_summary(correct, correct).splitlines() == [
        "  nothing changed since the last run", "  every check passes", "Score: 100/100 (was 100)"]
