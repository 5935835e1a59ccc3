"""Grading the same file twice gives identical results (timings aside), even when the learner seeds at import."""
from conftest import SUBMISSIONS, grade_file
from grader.report import contract


def stable(result) -> dict:
    d = contract.to_dict(result)
    d.pop("duration_s")
    return d


def test_same_file_twice_identical(tmp_path):
    # Imports print, seed the global RNG and use it: the grader must seed right before each call that needs it.
    path = tmp_path / "noisy.py"
    path.write_text("import numpy as np\nnp.random.seed(1234)\nprint(np.random.rand())\n"
                    + open(SUBMISSIONS + "/../../solution/simple_rnn.py").read()
                    + "\n_junk = np.random.randn(5)\n")
    first, second = grade_file(str(path)), grade_file(str(path))
    assert first.score == 100
    assert stable(first) == stable(second)
