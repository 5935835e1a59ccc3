"""The spine survives the basic learner faults: an exception, an endless loop, sys.exit at import."""
from conftest import by_id, reference_code


def test_exception_at_import_is_import_error_with_line(grade_code):
    result = grade_code("import numpy as np\nx = 1 / 0\n")
    assert result.status == "error" and result.error.kind == "import_error"
    assert "ZeroDivisionError" in result.error.message and "submission.py, line 2" in result.error.message


def test_missing_module_is_named(grade_code):
    result = grade_code("import torch\n")
    assert result.error.kind == "import_error"
    assert "imports `torch`, which is not available here" in result.error.message


def test_infinite_loop_at_import_times_out(grade_code):
    result = grade_code("while True:\n    pass\n", timeout_s=2)
    assert result.status == "error" and result.error.kind == "timeout"
    assert "2 s time limit while loading" in result.error.message


def test_infinite_loop_in_backward_keeps_forward_grades(grade_code):
    code = reference_code().replace("    def backward(self, x, y, learning_rate):\n",
                                    "    def backward(self, x, y, learning_rate):\n        while True: pass\n")
    result = grade_code(code, timeout_s=3)
    checks = by_id(result)
    assert result.status == "graded" and result.error.kind == "timeout"
    assert checks["forward/basic"].status.value == "pass"
    assert checks["backward/W_xh"].status.value == "error"
    assert "did not run: stopped after the 3 s time limit while running the checks" in checks["backward/W_xh"].message
    assert result.score == 30


def test_sys_exit_at_import_is_exited(grade_code):
    result = grade_code("import sys\nprint('bye')\nsys.exit(3)\n")
    assert result.status == "error" and result.error.kind == "exited"
    assert "sys.exit(3)" in result.error.message and "line 3" in result.error.message
    assert result.stdout == "bye\n"


def test_sys_exit_in_forward_is_a_check_error(grade_code):
    code = reference_code().replace('        """x: (T, I).', '        import sys; sys.exit(0)\n        """x: (T, I).')
    result = grade_code(code)
    check = by_id(result)["forward/basic"]
    assert check.status.value == "error" and "raised SystemExit" in check.message


def test_missing_class_names_the_classes_found(grade_code):
    result = grade_code("class RNN:\n    pass\nclass Helper:\n    pass\n")
    assert result.error.kind == "missing_class"
    assert result.error.message == "no class named SimpleRNN; classes found: Helper, RNN"


def test_wrong_init_signature_is_named(grade_code):
    result = grade_code("class SimpleRNN:\n    def __init__(self, n):\n        pass\n"
                        "    def forward(self, x): pass\n    def backward(self, x, y, lr): pass\n")
    assert result.error.kind == "missing_class"
    assert "SimpleRNN.__init__(self, n) can't be called as SimpleRNN(input_size, hidden_size, output_size)" \
        in result.error.message


def test_a_diagnosis_bug_keeps_the_grade(grade_code, monkeypatch):
    from grader import grade
    from grader.diagnose import explain

    def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(explain, "diagnose", broken)
    result = grade_code(reference_code().replace("db_y += dy", "db_y += 2 * dy"))
    assert result.status == "graded" and 0 < result.score < 100
    assert result.diagnoses == [] and grade.DIAGNOSIS_FAILED in result.warnings
