"""Broken submissions: each gets a specific message and the right error kind, and the grader never crashes.

The cases are the list of issue 3, part 2: unreadable files, syntax errors, wrong signatures, forward and backward returning the wrong things, recursion, segfaults, sys.exit and
KeyboardInterrupt. Most of them patch one thing into the reference, so nothing else can be what fails. The basic
faults (an exception or a missing module at import, no SimpleRNN, a wrong __init__, sys.exit at import, endless
loops) are in test_faults.py, unsupported and broken notebook files in test_cli.py and test_notebook.py, hostile
behaviour in test_hostile.py.
"""
import json
import os

import pytest

from conftest import by_id, grade_file, reference_code, run_cli

REF = reference_code()


def _patched(patch: str) -> str:
    """The reference with `patch` appended (a method replaced, say)."""
    return REF + "\n\n" + patch


def _error(result) -> tuple[str, str, str]:
    return result.status, result.error.kind, result.error.message


def _write(tmp_path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


# ---- the file itself ----------------------------------------------------------------------------------------

def test_missing_file_through_the_library_is_bad_file(tmp_path):
    status, kind, message = _error(grade_file(str(tmp_path / "nope.py")))
    assert (status, kind) == ("error", "bad_file") and "no such file" in message


@pytest.mark.parametrize("data, expected", [
    ("", "rnn.py is empty"),
    ("   \n\n", "rnn.py is empty"),
    (b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary file (it contains NUL bytes)"),
    ("x = 'caf\xe9'\n".encode("latin-1"), "not UTF-8 text: byte 0xe9 at offset 8"),
])
def test_unreadable_files_are_bad_file(tmp_path, data, expected):
    status, kind, message = _error(grade_file(_write(tmp_path, "rnn.py", data)))
    assert (status, kind) == ("error", "bad_file") and expected in message


def test_syntax_error_names_the_line(grade_code):
    status, kind, message = _error(grade_code("x = 1\ny = 2\ndef f(:\n    pass\n"))
    assert (status, kind) == ("error", "syntax_error") and "submission.py, line 3: SyntaxError" in message


# ---- loading --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, patch, says", [
    ("forward", "SimpleRNN.forward = lambda self: None", "SimpleRNN.forward(self) can't be called as forward(x)"),
    ("backward", "def _b(self, x, y):\n    pass\n\nSimpleRNN.backward = _b",
     "SimpleRNN.backward(self, x, y) can't be called as backward(x, y, learning_rate)"),
])
def test_wrong_method_signature_is_named_and_its_checks_error(grade_code, method, patch, says):
    result = grade_code(_patched(patch))
    assert result.status == "graded" and any(says in w for w in result.warnings)
    checks = [c for c in result.checks if c.group == method]
    assert checks and all(c.status.value == "error" and "raised TypeError" in c.message for c in checks)


@pytest.mark.parametrize("code, kind, says", [
    ("raise KeyboardInterrupt\n", "exited", "the submission raised KeyboardInterrupt at submission.py, line 1"),
    (REF + "\nimport os\nos._exit(0)\n", "exited", "the process exited with status 0 while loading"),
    ("import ctypes\nctypes.string_at(0)\n", "crashed", "killed by SIGSEGV while loading"),
    ("x = [0] * (1 << 40)\n", "memory_limit", "ran out of memory while loading (submission.py, line 1)"),
])
def test_loading_that_ends_the_process(grade_code, code, kind, says):
    status, got_kind, message = _error(grade_code(code))
    assert (status, got_kind) == ("error", kind) and says in message


# ---- what forward and backward return ------------------------------------------------------------------------

@pytest.mark.parametrize("patch, says", [
    ("SimpleRNN.forward = lambda self, x: None", "forward returned None (did you forget `return`?)"),
    ("SimpleRNN.forward = lambda self, x: 'outputs'", "forward returned a str; expected the outputs"),
    ("import numpy as np\nSimpleRNN.forward = lambda self, x: np.zeros((7, 7))",
     "forward returned an array of shape (7, 7); expected the outputs of all 5 steps"),
    ("import numpy as np\n_f = SimpleRNN.forward\nSimpleRNN.forward = lambda self, x: _f(self, x) * np.nan",
     "forward's outputs contain NaN (first at step 0, output 0)"),
    ("import numpy as np\n_f = SimpleRNN.forward\nSimpleRNN.forward = lambda self, x: _f(self, x) * np.inf",
     "forward's outputs contain inf (first at step 0, output 0)"),
])
def test_forward_returning_the_wrong_thing_fails_with_what_came_back(grade_code, patch, says):
    result = grade_code(_patched(patch))
    check = by_id(result)["forward/basic"]
    assert result.status == "graded" and check.status.value == "fail" and says in check.message
    assert all(c.status.value != "pass" for c in result.checks if c.group == "forward")


@pytest.mark.parametrize("change, says", [
    ("self.W_hh = self.W_hh.tolist()", "after backward(), W_hh is a list of 4 lists of 4 Python floats, not a numpy array of shape (4, 4)"),
    ("self.W_hy = self.W_hy.T", "after backward(), W_hy has shape (4, 1); expected (1, 4)"),
    ("self.b_y = None", "after backward(), b_y is None, not a numpy array of shape (1, 1)"),
])
def test_backward_leaving_a_parameter_broken_fails_naming_it(grade_code, change, says):
    patch = f"_b = SimpleRNN.backward\n\ndef _broken(self, x, y, lr):\n    _b(self, x, y, lr)\n    {change}\n\n" \
            "SimpleRNN.backward = _broken"
    result = grade_code(_patched(patch))
    check = by_id(result)["backward/W_xh"]
    assert result.status == "graded" and check.status.value == "fail" and says in check.message
    assert all(c.status.value == "pass" for c in result.checks if c.group == "forward")


# ---- faults inside a method ------------------------------------------------------------------------------------

@pytest.mark.parametrize("patch, says", [
    ("def _b(self, x, y, lr):\n    return _b(self, x, y, lr)\n\nSimpleRNN.backward = _b",
     "raised RecursionError: maximum recursion depth exceeded"),
    ("import sys\nSimpleRNN.backward = lambda self, x, y, lr: sys.exit(3)",
     "raised SystemExit: sys.exit(3) was called; a method must return, not end the program"),
    ("def _b(self, x, y, lr):\n    raise KeyboardInterrupt\n\nSimpleRNN.backward = _b", "raised KeyboardInterrupt"),
])
def test_method_faults_are_check_errors_and_grading_goes_on(grade_code, patch, says):
    result = grade_code(_patched(patch))
    assert result.status == "graded" and result.error is None
    assert all(c.status.value == "pass" for c in result.checks if c.group == "forward")
    # The first backward case and the last both ran and said why: one fault doesn't end the run.
    for check_id in ("backward/W_xh", "backward/single_step"):
        check = by_id(result)[check_id]
        assert check.status.value == "error" and says in check.message


def test_segfault_in_a_method_is_crashed_with_the_signal(grade_code):
    result = grade_code(_patched("import ctypes\nSimpleRNN.backward = lambda self, x, y, lr: ctypes.string_at(0)"))
    assert (result.status, result.error.kind) == ("graded", "crashed")
    assert "killed by SIGSEGV while running the checks" in result.error.message
    assert all(c.status.value == "pass" for c in result.checks if c.group == "forward")  # those ran before
    assert "did not run: the process was killed by SIGSEGV" in by_id(result)["backward/W_xh"].message


def test_out_of_memory_in_a_method_is_memory_limit(grade_code):
    result = grade_code(_patched("import numpy as np\n_f = SimpleRNN.forward\n\n"
                                 "def _greedy(self, x):\n    np.ones(1 << 40)\n    return _f(self, x)\n\n"
                                 "SimpleRNN.forward = _greedy"))
    assert (result.status, result.error.kind) == ("graded", "memory_limit")
    assert "ran out of memory (limit 1024 MB) in case forward/basic" in result.error.message
    assert "MemoryError" in by_id(result)["forward/basic"].message


def test_the_cli_exits_0_for_every_learner_fault(tmp_path):
    path = _write(tmp_path, "rnn.py", "import ctypes\nctypes.string_at(0)\n")
    done = run_cli(path, "--json", "-", "--quiet")
    assert done.returncode == 0 and json.loads(done.stdout)["error"]["kind"] == "crashed"
    assert os.path.exists(path)
