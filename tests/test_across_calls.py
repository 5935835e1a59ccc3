"""What shows only across calls, on long sequences or for some sizes: the evidence of the newer diagnoses says how
much (the window, the norm, the coefficient, the momentum), and the readings that must not fire do not."""
import functools
import glob
import os
import re

import pytest

from conftest import SUBMISSIONS, by_id as checks_by_id, grade_file
from test_diagnose import BASE, WRONG, by_id, ids_and_style, stem

from grader.diagnose import sizes
from grader.judge.plan import default_plan


@functools.lru_cache(maxsize=None)
def graded(name: str):
    folder = "combined" if os.path.exists(os.path.join(SUBMISSIONS, "combined", name + ".py")) else "wrong"
    return grade_file(os.path.join(SUBMISSIONS, folder, name + ".py"))


# ---- truncated BPTT: every window shorter than the long case is caught, and measured ---------------------------

LONG_T = len(default_plan().probe("backward/long_sequence").meta["x"])
WINDOWED = BASE[:BASE.index("    def backward")] + '''    def backward(self, x, y, learning_rate, bptt_truncate=WINDOW):
        dW_xh, dW_hh, dW_hy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)
        db_h, db_y = np.zeros((1, self.hidden_size)), np.zeros((1, self.W_hy.shape[0]))
        for t in range(len(self.rows_x)):
            dy = self.rows_y[t] - y[t:t + 1]
            dW_hy += dy.T @ self.rows_h[t + 1]
            db_y += dy
            delta = (dy @ self.W_hy) * (1 - self.rows_h[t + 1] ** 2)
            for step in range(t, max(-1, t - bptt_truncate), -1):  # at most bptt_truncate steps back
                dW_xh += delta.T @ self.rows_x[step]
                dW_hh += delta.T @ self.rows_h[step]
                db_h += delta
                delta = (delta @ self.W_hh) * (1 - self.rows_h[step] ** 2)
        self.W_xh -= learning_rate * dW_xh
        self.W_hh -= learning_rate * dW_hh
        self.W_hy -= learning_rate * dW_hy
        self.b_h -= learning_rate * db_h.T
        self.b_y -= learning_rate * db_y.T
'''


def test_the_window_template_with_a_full_window_is_correct(grade_code):
    result = grade_code(WINDOWED.replace("WINDOW", str(LONG_T)))  # the positive control: no truncation at all
    assert result.score == 100 and result.diagnoses == []


@pytest.mark.parametrize("k", range(1, LONG_T))
def test_every_truncation_window_is_caught_and_its_window_measured(k, grade_code):
    result = grade_code(WINDOWED.replace("WINDOW", str(k)))
    assert result.score < 100 and checks_by_id(result)["backward/long_sequence"].status.value == "fail"
    d = by_id(result)
    assert set(d) == {"truncated_bptt"}
    assert d["truncated_bptt"].evidence["window"] == k
    assert (f"a window of {k}" in d["truncated_bptt"].message) == (k > 1)


# ---- the numbers behind each newer diagnosis ------------------------------------------------------------------

def test_clipping_by_global_norm_gives_the_norm():
    for name, norm in (("gradient_clipping+loss_missing_half__col", 5), ("gradient_clipping+loss_missing_half__row", 20)):
        d = by_id(graded(name))["gradient_clipping"]
        assert d.evidence["kind"] == "global norm" and d.evidence["norm"] == norm
        assert f"global norm of {norm}" in d.message
        assert "diagnose/large_gradient" in d.evidence["clipped_probes"]
    assert by_id(graded("gradient_clipping__col"))["gradient_clipping"].message.startswith(
        "The gradient is clipped entry by entry to ±5.")


def test_weight_decay_gives_its_coefficient_and_what_it_covers():
    d = by_id(graded("weight_decay__col"))["weight_decay"]
    assert d.evidence["coefficient"] == pytest.approx(0.01) and d.evidence["parameters"] == ["W_xh", "W_hh", "W_hy"]
    d = by_id(graded("weight_decay__row"))["weight_decay"]
    assert d.evidence["coefficient"] == pytest.approx(0.05) and "every parameter" in d.message
    d = by_id(graded("weight_decay+loss_missing_half__col"))
    assert d["weight_decay"].evidence["coefficient"] == pytest.approx(0.01)


def test_state_kept_between_calls_is_measured():
    d = by_id(graded("gradients_not_reset__row"))["gradients_not_reset"]
    assert d.evidence["parameters"] == ["W_xh", "W_hh", "W_hy", "b_h", "b_y"] and "all of" in d.message
    shares = [b for row in d.evidence["share_of_first_update_by_probe"].values() for b in row.values()]
    assert shares and all(b == pytest.approx(1.0, abs=1e-3) for b in shares)
    d = by_id(graded("optimizer_not_sgd__col"))["optimizer_not_sgd"]
    assert d.evidence["fits"] == "momentum" and d.evidence["momentum"] == pytest.approx(0.9)
    d = by_id(graded("optimizer_not_sgd+loss_mean_over_time__row"))["optimizer_not_sgd"]
    assert d.evidence["momentum"] == pytest.approx(0.5)
    d = by_id(graded("optimizer_not_sgd__row"))["optimizer_not_sgd"]
    assert d.evidence["fits"].startswith("Adam") and d.evidence["first_step_over_learning_rate"] == 1
    assert "Adam" in d.message


def test_learning_rate_applied_twice_and_first_step_skipped():
    d = by_id(graded("learning_rate_applied_twice__col"))["learning_rate_applied_twice"]
    for probe, lr in d.evidence["lr_by_probe"].items():
        assert d.evidence["update_ratio_by_probe"][probe] == pytest.approx(lr, rel=1e-3)
    d = by_id(graded("first_step_skipped__row"))["first_step_skipped"]
    assert d.evidence["misfit_with_this_mistake"] < 1e-6 < 0.01 < d.evidence["misfit_without_it"]
    single = checks_by_id(graded("first_step_skipped__row"))["backward/single_step"]
    assert single.status.value == "fail"  # at T = 1 the update is exactly zero


def test_a_state_reset_only_on_a_new_length_is_named():
    d = by_id(graded("hidden_state_not_reset+loss_missing_half__col"))["hidden_state_not_reset"]
    assert d.evidence["lengths"] == [5, 7, 7] and d.evidence["carried_into_calls"] == [3]
    assert "of the same length" in d.message
    d = by_id(graded("hidden_state_not_reset__col"))["hidden_state_not_reset"]  # never reset: every call
    assert d.evidence["carried_into_calls"] == [2, 3] and "of the same length" not in d.message


def test_a_backward_that_raises_for_some_sizes_says_which():
    for style in ("col", "row"):
        d = by_id(graded(f"fails_for_some_sizes__{style}"))["fails_for_some_sizes"]
        assert d.evidence["method"] == "backward"
        assert {c[0] for c in d.evidence["running"]} == {1} and all(c[0] > 1 for c in d.evidence["failing"])
        assert "(it runs only where input_size = 1)" in d.message and "input_size = 3" in d.hint
    # ... and its other mistakes are still found, from the cases where it runs
    d = by_id(graded("fails_for_some_sizes+loss_mean_over_time__row"))["loss_mean_over_time"]
    assert set(d.evidence["update_ratio_by_probe"]) == {"backward/single_step", "backward/long_sequence"}


def test_a_method_that_raises_for_some_lengths_is_told_the_length_not_the_sizes():
    d = by_id(graded("fails_for_some_lengths__col"))["fails_for_some_lengths"]
    assert d.evidence["method"] == "forward" and d.evidence["apart_by"] == "length"
    assert {c[3] for c in d.evidence["failing"]} == {40} and [2, 4, 1, 40] in d.evidence["failing"]
    assert [2, 4, 1, 5] in d.evidence["running"]  # the same sizes run at another length
    assert "for sequences of length T = 40" in d.message and "(it fails only for the longest sequences)" in d.message
    assert "sizes (I, H, O) =" not in d.message
    d = by_id(graded("fails_for_some_lengths__row"))["fails_for_some_lengths"]
    assert d.evidence["method"] == "backward" and {c[3] for c in d.evidence["failing"]} == {20, 40}


def test_what_sets_the_failing_cases_apart_is_named_from_every_case():
    def said(failing, running):
        return sizes._diagnosis("forward", {c: "ValueError: x" for c in failing}, sorted(running))
    by_sizes = said([(3, 4, 2, 5)], [(1, 4, 2, 5), (1, 5, 2, 20)])
    assert by_sizes.id == "fails_for_some_sizes" and by_sizes.evidence["apart_by"] == "sizes"
    assert "(it runs only where input_size = 1)" in by_sizes.message and "length may" not in by_sizes.message
    both = said([(3, 4, 2, 1)], [(1, 4, 2, 5)])  # other sizes and another length: the cases can't tell which
    assert both.id == "fails_for_some_sizes" and both.evidence["apart_by"] == "sizes and length"
    assert "T = 1) that none where it runs has, so the length may be what matters" in both.message
    short = said([(2, 4, 1, 1), (3, 4, 2, 1)], [(2, 4, 1, 5), (3, 4, 2, 6)])
    assert short.id == "fails_for_some_lengths" and "(it fails only for the shortest sequences)" in short.message
    mixed = said([(2, 4, 1, 1)], [(2, 4, 1, 5), (3, 4, 2, 1)])  # its sizes and its length each run elsewhere
    assert mixed.id == "fails_for_some_cases" and mixed.evidence["apart_by"] == "neither"
    assert "neither the sizes nor the length alone set them apart" in mixed.message
    assert "(2, 4, 1, 1)" in mixed.message and "{" not in mixed.message + mixed.hint


def test_a_state_broadcast_to_a_matrix_says_so():
    result = graded("shape_broadcast__col")
    d = by_id(result)["shape_broadcast"]
    assert "Each step's output has shape (1, 4) instead of (1, 1)" in d.message
    assert "(H,) plus a bias of shape (H, 1) broadcasts to (H, H)" in d.message
    message = checks_by_id(result)["forward/basic"].message
    assert "forward returned an array of shape (5, 1, 4)" in message and "has become an (H, H) matrix" in message


# ---- hints that point the right way -----------------------------------------------------------------------------

def test_only_the_last_step_wrong_is_said_so(grade_code):
    code = BASE.replace("return np.vstack(self.rows_y)             # (T, O)",
                        "return np.vstack(self.rows_y[:-1] + [1.1 * self.rows_y[-1]])")
    assert code != BASE
    d = by_id(grade_code(code))["forward_mismatch"]
    assert "only the last step's output is off" in d.message and "first step" not in d.message


def test_no_hint_blames_the_forward_pass_when_every_forward_check_passes(grade_code):
    # Wrong only with three inputs: the finite-difference case (two inputs) agrees with backward.
    code = BASE.replace("self.W_xh -= learning_rate * dW_xh",
                        "self.W_xh -= learning_rate * dW_xh * (0.9 if x.shape[1] == 3 else 1.0)")
    assert code != BASE
    result = grade_code(code)
    assert all(c.status.value == "pass" for c in result.checks if c.group == "forward")
    d = by_id(result)["backward_mismatch"]
    assert d.evidence["gradient_of_own_forward"]["consistent"] is True
    assert "look at the forward pass" not in d.message + d.hint and "cases unlike that one" in d.message
    # The positive control: a wrong forward whose backward is its gradient still points at forward.
    both = BASE.replace("y_t = h @ self.W_hy.T + self.b_y.T", "y_t = 2 * (h @ self.W_hy.T + self.b_y.T)").replace(
        "dy = self.rows_y[t] - y[t:t + 1]", "dy = 2 * (self.rows_y[t] - y[t:t + 1])")
    assert "exact gradient of this forward pass" in by_id(grade_code(both))["forward_mismatch"].message


def test_equal_entries_that_the_reference_does_not_exceed_are_not_clipping(grade_code):
    code = BASE.replace("db_h += dz\n", "db_h += np.sum(dz, axis=1, keepdims=True)\n")  # every entry the same
    assert code != BASE
    d = by_id(grade_code(code))
    assert "gradient_clipping" not in d and "backward_mismatch" in d
    assert d["backward_mismatch"].evidence["wrong"] == ["b_h"]


def test_full_marks_carry_no_misconception_only_a_note(grade_code):
    with open(os.path.join(SUBMISSIONS, "wrong", "gradient_clipping__col.py")) as f:
        code = f.read().replace("np.clip(dparam, -5, 5, out=dparam)", "np.clip(dparam, -100, 100, out=dparam)")
    assert "-100, 100" in code
    result = grade_code(code)  # binds only where targets are 100× the kata's
    assert result.score == 100 and result.diagnoses == []
    assert any(w.startswith("not scored, since every check passes") and "±100" in w for w in result.warnings)
    assert by_id(graded("gradient_clipping__col"))  # the positive control: at ±5 it costs points and is named


# ---- float32 learners keep their ids -------------------------------------------------------------------------------

CAST = ("        for name in (\"W_xh\", \"W_hh\", \"W_hy\", \"b_h\", \"b_y\"):\n"
        "            setattr(self, name, getattr(self, name).astype(np.float32))\n")


def in_float32(source: str) -> str:
    """The same submission holding its parameters in float32 (cast at the end of the starter's __init__)."""
    init, rest = re.split(r"(?=\n    def (?!__init__))", source, maxsplit=1)
    return init.rstrip("\n") + "\n" + CAST + rest


@pytest.mark.slow
@pytest.mark.parametrize("path", WRONG, ids=stem)
def test_float32_variant_keeps_its_misconceptions(path, grade_code):
    with open(path) as f:
        source = f.read()
    result = grade_code(in_float32(source))
    assert "parameters in float32" in result.conventions or ids_and_style(path)[0] == ["not_implemented"]
    assert sorted(d.id for d in result.diagnoses) == sorted(ids_and_style(path)[0])


def test_the_float32_cast_lands_in_init():
    for path in sorted(glob.glob(os.path.join(SUBMISSIONS, "wrong", "*.py")))[:3]:
        with open(path) as f:
            source = in_float32(f.read())
        init = source[source.index("def __init__"):source.index("def forward")]
        assert "astype(np.float32)" in init  # cast inside __init__, before forward
