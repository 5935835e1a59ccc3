"""The result contract's data (grader/report/contract.py): numbers JSON can't hold are written as null with a
note, and the learner's view of a result with hidden cases holds nothing of their run."""
import json
import math

from grader.report import contract


def _record(**extra) -> dict:
    checks = [{"id": "forward/basic", "group": "forward", "status": "fail", "points": 0, "max_points": 5,
               "message": "off", "details": {"comparisons": [{"max_abs_err": math.inf}]}, "hidden": False},
              {"id": "hidden/forward-1", "group": "hidden", "status": "fail", "points": 0, "max_points": 5,
               "message": "hidden case inputs 0.123456789", "details": {"max_abs_err": math.nan}, "hidden": True}]
    return {"checks": checks, "diagnoses": [{"id": "x", "message": "m", "hint": "h", "evidence": {"k": 1}}],
            "stdout": "printed", "stderr": "", "warnings": [], "duration_s": 3.0,
            "analysis": {"training": {"training/basic": {"learner": [1.0, math.inf]},
                                      "hidden/forward-1": {"learner": [math.nan]}}}, **extra}


def test_non_finite_numbers_become_null_with_a_note_and_hidden_ones_are_noted_for_the_instructor_only():
    d = contract.finite_numbers(_record(hidden_run={"ran": True, "warnings": [], "duration_s": 1.0}))
    json.dumps(d, allow_nan=False)  # would raise on inf or NaN
    assert d["analysis"]["training"]["training/basic"]["learner"] == [1.0, None]
    assert d["checks"][0]["details"]["comparisons"][0]["max_abs_err"] is None
    assert d["checks"][1]["details"]["max_abs_err"] is None
    [note] = d["warnings"]
    assert note.startswith("2 numbers in this result were not finite") and "analysis.training.training/basic" in note
    assert "hidden" not in note
    [hidden_note] = d["hidden_run"]["warnings"]
    assert "hidden/forward-1" in hidden_note and "checks[1]" in hidden_note


def test_a_result_of_finite_numbers_gets_no_note():
    d = _record()
    d["checks"][0]["details"] = {}
    d["checks"][1]["details"] = {}
    d["analysis"] = {}
    assert contract.finite_numbers(d)["warnings"] == []


def test_the_learners_view_holds_nothing_of_the_hidden_run():
    d = contract.learner_dict(_record(hidden_run={"ran": True, "stdout": "0.123456789", "warnings": ["w"],
                                                  "error": None, "duration_s": 1.04}))
    assert "hidden_run" not in d and "0.123456789" not in json.dumps(d)
    assert d["checks"][1]["message"] == "hidden case: failed" and d["checks"][1]["details"] == {}
    assert "hidden/forward-1" not in d["analysis"]["training"]
    # The public run's output and the evidence stay: they could not hold a hidden input.
    assert d["stdout"] == "printed" and d["diagnoses"][0]["evidence"] == {"k": 1}
    assert d["duration_s"] == 2.0  # the hidden run's time is not counted


def test_a_record_from_before_the_hidden_run_had_a_child_of_its_own_keeps_its_output_hidden():
    d = contract.learner_dict(_record())
    assert d["stdout"] == contract.HIDDEN_OUTPUT_NOTE and d["diagnoses"][0]["evidence"] == {}
