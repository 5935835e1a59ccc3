"""The corpus: every correct convention gets full marks and is named; every wrong implementation loses points
in the group its bug lives in."""
import glob
import os

import pytest

from conftest import SUBMISSIONS, grade_file

CORRECT = sorted(glob.glob(os.path.join(SUBMISSIONS, "correct", "*.py")))
WRONG = sorted(glob.glob(os.path.join(SUBMISSIONS, "wrong", "*.py")))

# The convention the report must name for each correct variant (a substring of one listed convention).
CONVENTION = {
    "out_T_O_1": "an array of shape (T, O, 1)", "out_T_O": "an array of shape (T, O)",
    "out_T_1_O": "an array of shape (T, 1, O)", "list_O_1": "a list of (O, 1) arrays",
    "list_O": "a list of (O,) arrays", "list_1_O": "a list of (1, O) arrays",
    "pair_outputs_hidden": "a pair (outputs, hidden states)", "pair_hidden_outputs": "a pair (hidden states, outputs)",
    "dicts_by_t": "dict keyed by t", "bias_flat": "b_h and b_y kept as flat vectors",
    "backward_reruns_forward": "backward runs forward itself",
    "backward_uses_cache_raises_without_forward": "backward uses the states cached by forward",
    "backward_returns_loss": "backward returns a", "float32": "parameters in float32",
    "rebinds_params": "backward rebinds the parameters", "squeezed": "an array with its size-1 axes squeezed out",
    "list_of_floats": "a list of Python floats", "nested_lists": "nested Python lists (T × O)",
    "pair_outputs_cache": "a pair (outputs, cache dict)", "cached_views": "views or transposes cached in __init__",
}

# Where each misconception must cost points: one of these groups has a check that does not pass.
GROUPS = {
    "not_implemented": {"forward", "backward"}, "loss_mean_over_time": {"backward"},
    "loss_missing_half": {"backward"}, "loss_mean_over_outputs": {"backward"},
    "only_last_step_loss": {"backward"}, "truncated_bptt": {"backward"}, "tanh_derivative": {"backward"},
    "whh_gradient_uses_current_state": {"backward"}, "initial_state_aliased": {"backward", "forward"},
    "gradient_ascent": {"backward"}, "biases_not_updated": {"backward"}, "updates_inside_time_loop": {"backward"},
    "hidden_state_not_reset": {"forward"}, "output_activation": {"forward"}, "missing_recurrence": {"forward"},
    "gradient_clipping": {"official", "backward"}, "learning_rate_ignored": {"backward"},
    "init_changed": {"official"}, "first_step_skipped": {"backward"}, "learning_rate_applied_twice": {"backward"},
    "weight_decay": {"backward"}, "gradients_not_reset": {"backward"}, "optimizer_not_sgd": {"backward"},
    "fails_for_some_sizes": {"backward"}, "shape_broadcast": {"forward"},
    "fails_for_some_lengths": {"forward", "backward"},
}


def stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def test_corpus_is_complete():
    wrong_ids = {i for p in WRONG for i in stem(p).split("__")[0].split("+")}
    assert wrong_ids == set(GROUPS)
    assert set(CONVENTION) <= {stem(p) for p in CORRECT}
    for mid in GROUPS:  # two coding styles each
        assert {s for p in WRONG for s in [stem(p).split("__")[1]] if stem(p).split("__")[0] == mid} == {"col", "row"}


@pytest.mark.parametrize("path", CORRECT, ids=stem)
def test_correct_variant_gets_full_marks(path):
    result = grade_file(path)
    failing = [(c.id, c.message) for c in result.checks if c.status.value != "pass"]
    assert result.score == 100 and not failing, failing
    assert result.diagnoses == []
    if stem(path) in CONVENTION:
        assert any(CONVENTION[stem(path)] in c for c in result.conventions), result.conventions


@pytest.mark.parametrize("path", WRONG, ids=stem)
def test_wrong_variant_loses_points_in_its_group(path):
    result = grade_file(path)
    assert result.status == "graded"
    assert result.score < 100
    ids = stem(path).split("__")[0].split("+")
    for mid in ids:
        lost = {c.group for c in result.checks if c.status.value != "pass" and c.max_points > 0}
        assert lost & GROUPS[mid], (mid, lost)
    if ids == ["init_changed"]:  # forward and backward are right: only the published cases suffer
        assert {c.group for c in result.checks if c.status.value != "pass" and c.max_points} == {"official"}
