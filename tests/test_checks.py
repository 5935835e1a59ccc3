"""Each check can fail on its own: small mutations of the reference, each caught by the check meant for it."""
import pytest

from conftest import by_id, reference_code

REF = reference_code()
INIT_W = "        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01\n"
INIT_H = "        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01\n"

MUTATIONS = {
    # check id: (old, new) applied to the reference source
    "init/shapes": ("self.b_h = np.zeros((hidden_size, 1))", "self.b_h = np.zeros((hidden_size, 2))"),
    "init/zero_biases": ("self.b_y = np.zeros((output_size, 1))", "self.b_y = np.full((output_size, 1), 0.1)"),
    "init/scale": ("self.W_hy = np.random.randn(output_size, hidden_size) * 0.01",
                   "self.W_hy = np.random.randn(output_size, hidden_size) * 1.0"),
    "init/draw_order": (INIT_W + INIT_H, INIT_H.replace("self.W_hh", "W_hh") + INIT_W + "        self.W_hh = W_hh\n"),
    # Only where tanh saturates: clip the pre-activation at ±4 first.
    "forward/saturated": ("h_t = np.tanh(self.W_xh @ x_t + self.W_hh @ h_prev + self.b_h)",
                          "h_t = np.tanh(np.clip(self.W_xh @ x_t + self.W_hh @ h_prev + self.b_h, -4, 4))"),
    # Only with more than three input features: the fourth and later are dropped.
    "forward/multi_input": ("x_t = x_t.reshape(-1, 1)",
                            "x_t = x_t.reshape(-1, 1); x_t = np.vstack([x_t[:3], 0 * x_t[3:]])"),
    # Only with more than one output.
    "forward/multi_output": ("y_t = self.W_hy @ h_t + self.b_y", "y_t = self.W_hy @ h_t + self.b_y[:1]"),
    # Only for sequences longer than 20 steps.
    "forward/long_sequence": ("h_prev = h_t\n", "h_prev = h_t if len(hs) < 20 else h_t * 0.9\n"),
    # Only on a one-step sequence.
    "forward/single_step": ("return np.array(ys)", "return np.array(ys) * (1.5 if len(ys) == 1 else 1.0)"),
    "forward/repeat_call": ("h0 = np.zeros((self.hidden_size, 1))  #",
                            "h0 = getattr(self, 'hs', [np.zeros((self.hidden_size, 1))])[-1]  #"),
    "backward/b_y": ("db_y += dy", "db_y += 1.02 * dy"),
    # The state carries over only into a call of the same length as the one before.
    "forward/repeat_call#same_length": ("h0 = np.zeros((self.hidden_size, 1))  #",
                                        "h0 = self.hs[-1] if len(getattr(self, 'hs', ())) == len(x) else "
                                        "np.zeros((self.hidden_size, 1))  #"),
    # Only for sequences longer than 10 steps: the error stops flowing 10 steps before the end (a window).
    "backward/long_sequence": ("dh_next = self.W_hh.T @ dz", "dh_next = self.W_hh.T @ dz * (t > len(self.xs) - 10)"),
    # Gradient sums kept on the instance: only a second call on one instance sees them.
    "backward/second_call": ("dW_xh, dW_hh, dW_hy = np.zeros_like(self.W_xh), np.zeros_like(self.W_hh), "
                             "np.zeros_like(self.W_hy)",
                             "dW_xh, dW_hh, dW_hy = self.__dict__.setdefault('sums', (np.zeros_like(self.W_xh), "
                             "np.zeros_like(self.W_hh), np.zeros_like(self.W_hy)))"),
}
# The checks that each mutation must leave passing: the bug shows only in the case built for it.
ONLY = {"forward/saturated": "forward", "forward/multi_input": "forward", "forward/long_sequence": "forward",
        "forward/single_step": "forward", "backward/long_sequence": "backward"}


@pytest.mark.parametrize("check_id", sorted(MUTATIONS))
def test_mutation_fails_its_check(check_id, grade_code):
    old, new = MUTATIONS[check_id]
    assert old in REF, check_id
    result = grade_code(REF.replace(old, new))
    checks = by_id(result)
    variant, check_id = check_id, check_id.partition("#")[0]
    assert checks[check_id].status.value == "fail", checks[check_id].message
    assert result.score < 100 or check_id.startswith("init/")
    if check_id in ONLY:
        # the bug shows only in the case built for it (other cases of its group are not affected)
        others = [c for c in result.checks if c.group == ONLY[check_id] and c.id != check_id]
        assert all(c.status.value == "pass" for c in others), [(c.id, c.message) for c in others if c.status.value != "pass"]
    if check_id == "backward/second_call":
        assert checks[check_id].message.startswith("the first backward() is right but the second, on new data")
        assert checks["backward/same_data_twice"].status.value == "fail"
        assert all(checks[f"backward/{p}"].status.value == "pass" for p in ("W_xh", "W_hh", "W_hy", "b_h", "b_y"))
    if variant == "forward/repeat_call#same_length":
        assert "call 3 is not" in checks[check_id].message


def test_two_percent_bias_gradient_error_fails_only_that_parameter(grade_code):
    result = grade_code(REF.replace("db_y += dy", "db_y += 1.02 * dy"))
    checks = by_id(result)
    assert checks["backward/b_y"].status.value == "fail"
    assert "update of b_y differs by up to" in checks["backward/b_y"].message and "2 %" in checks["backward/b_y"].message
    for name in ("W_xh", "W_hh", "W_hy", "b_h"):
        assert checks[f"backward/{name}"].status.value == "pass"


def test_forward_returning_none_says_so(grade_code):
    result = grade_code(REF.replace("return np.array(ys)", "pass"))
    msg = by_id(result)["forward/basic"].message
    assert msg.startswith("forward returned None (did you forget `return`?)")


def test_forward_returning_hidden_states_is_told(grade_code):
    result = grade_code(REF.replace("return np.array(ys)", "return np.array(hs)"))
    msg = by_id(result)["forward/basic"].message
    assert "forward returned an array of shape (5, 4, 1)" in msg and "looks like the hidden states" in msg


def test_renamed_parameters_skip_injection_checks_with_a_reason(grade_code):
    result = grade_code(REF.replace("self.W_xh", "self.Wxh"))
    checks = by_id(result)
    assert checks["init/shapes"].status.value == "fail"
    assert "after __init__, W_xh is missing" in checks["init/shapes"].message
    assert checks["forward/basic"].status.value == "skipped"
    assert "SimpleRNN has no W_xh after __init__ (see init/shapes)" in checks["forward/basic"].message


def test_terminal_summary_gives_per_parameter_verdicts(grade_code):
    from grader.report import terminal

    text = terminal.to_terminal(grade_code(REF.replace("db_y += dy", "db_y += 1.02 * dy")))
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("updates by parameter:"))
    assert "W_xh right" in line and "b_h right" in line
    assert "b_y wrong (2 % off at [0, 0])" in line
