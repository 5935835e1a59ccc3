"""Diagnoses by behaviour: every misconception id fires on implementations that have it (two coding styles, alone
and in combinations), exactly those ids fire, correct implementations get none, and the evidence carries the
numbers. The mutant reference with every flag off is the reference itself."""
import functools
import glob
import json
import os

import numpy as np
import pytest

from conftest import SUBMISSIONS, grade_file

from grader.diagnose import behaviour, fit, mutants, scales, texts
from grader.judge import reference
from grader.judge.results import decode_results
from grader.judge.plan import default_plan
from grader.report.html import TITLES

CONTRACT_IDS = {"not_implemented", "loss_mean_over_time", "loss_missing_half", "loss_mean_over_outputs",
                "only_last_step_loss", "truncated_bptt", "tanh_derivative", "whh_gradient_uses_current_state",
                "initial_state_aliased", "gradient_ascent", "biases_not_updated", "updates_inside_time_loop",
                "hidden_state_not_reset", "output_activation", "missing_recurrence", "gradient_clipping",
                "learning_rate_ignored", "init_changed", "first_step_skipped", "learning_rate_applied_twice",
                "weight_decay", "gradients_not_reset", "optimizer_not_sgd", "fails_for_some_sizes", "shape_broadcast",
                "fails_for_some_lengths"}
CORRECT = sorted(glob.glob(os.path.join(SUBMISSIONS, "correct", "*.py")))
# wrong/: the shared corpus; combined/: more combinations, so that every id also appears with others.
WRONG = sorted(glob.glob(os.path.join(SUBMISSIONS, "wrong", "*.py")) +
               glob.glob(os.path.join(SUBMISSIONS, "combined", "*.py")))


def stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def ids_and_style(path: str) -> tuple[list[str], str]:
    ids, style = stem(path).split("__")
    return ids.split("+"), style


@functools.lru_cache(maxsize=None)
def graded(path: str):
    return grade_file(path)


def by_id(result) -> dict:
    return {d.id: d for d in result.diagnoses}


def test_every_id_has_text_and_is_covered_alone_and_combined_in_two_styles():
    assert CONTRACT_IDS <= set(texts.TEXT) and set(texts.ORDER) == set(texts.TEXT)
    assert set(texts.TEXT) <= set(TITLES)  # every id has a heading in the HTML report
    entries = [ids_and_style(p) for p in WRONG]
    for mid in sorted(CONTRACT_IDS):
        alone = {style for ids, style in entries if ids == [mid]}
        combined = {style for ids, style in entries if mid in ids and len(ids) > 1}
        assert alone == {"col", "row"}, (mid, alone)
        assert combined == {"col", "row"}, (mid, combined)


@pytest.mark.parametrize("path", WRONG, ids=stem)
def test_wrong_implementation_gets_exactly_its_misconceptions(path):
    result = graded(path)
    assert sorted(d.id for d in result.diagnoses) == sorted(ids_and_style(path)[0])
    for d in result.diagnoses:
        assert d.message and d.hint and "{" not in d.message
        assert d.evidence
        json.dumps(d.evidence, allow_nan=False)  # plain numbers only


@pytest.mark.parametrize("path", CORRECT, ids=stem)
def test_correct_implementation_gets_no_diagnosis(path):
    assert graded(path).diagnoses == []


# ---- the evidence says how much -----------------------------------------------------------------------------

def wrong(name: str) -> str:
    return os.path.join(SUBMISSIONS, "wrong", name + ".py")


def test_scale_evidence_is_the_factor_per_probe():
    ev = by_id(graded(wrong("loss_mean_over_time__col")))["loss_mean_over_time"].evidence
    for probe, t in ev["T_by_probe"].items():
        assert ev["update_ratio_by_probe"][probe] == pytest.approx(1 / t, rel=1e-3)
    ev = by_id(graded(wrong("loss_mean_over_outputs__row")))["loss_mean_over_outputs"].evidence
    for probe, o in ev["O_by_probe"].items():
        assert ev["update_ratio_by_probe"][probe] == pytest.approx(1 / o, rel=1e-3)
    combined = graded(wrong("hidden_state_not_reset+loss_mean_over_time+loss_missing_half__col"))
    assert "2/T" in by_id(combined)["loss_missing_half"].message


def test_clipping_limit_and_fixed_learning_rate_are_measured():
    assert by_id(graded(wrong("gradient_clipping__col")))["gradient_clipping"].evidence["limit"] == 5
    assert by_id(graded(wrong("gradient_clipping__row")))["gradient_clipping"].evidence["limit"] == 1
    d = by_id(graded(wrong("learning_rate_ignored__row")))["learning_rate_ignored"]
    assert d.evidence["as_if_learning_rate"] == pytest.approx(0.1)
    assert "as if it were always 0.1" in d.message


def test_structural_evidence_shows_the_misfit_with_and_without():
    d = by_id(graded(wrong("tanh_derivative__row")))["tanh_derivative"]
    assert d.evidence["variant"] == "one_minus_h" and "1 − h" in d.message
    assert d.evidence["misfit_with_this_mistake"] < 1e-6 < 0.01 < d.evidence["misfit_without_it"]
    assert "1 − h²" not in d.hint and "1 - h**2" not in d.hint  # the hint asks; it does not answer


def test_forward_and_init_evidence():
    d = by_id(graded(wrong("hidden_state_not_reset__col")))["hidden_state_not_reset"]
    assert d.evidence["second_call_error_from_previous_final_state"] < 1e-9 < d.evidence["second_call_error_from_zeros"]
    d = by_id(graded(wrong("output_activation__row")))["output_activation"]
    assert d.evidence["activation"] == "sigmoid" and "sigmoid" in d.message
    d = by_id(graded(wrong("missing_recurrence__col")))["missing_recurrence"]
    assert set(d.evidence["first_wrong_step"].values()) <= {1, None}  # step 0 is right, step 1 is not
    d = by_id(graded(wrong("init_changed__col")))["init_changed"]
    assert d.evidence["draw_order"] == ["W_hh", "W_xh", "W_hy"] and "order" in d.message
    assert "scale" in by_id(graded(wrong("init_changed__row")))["init_changed"].message


# ---- what matches none still says what it can ---------------------------------------------------------------

with open(os.path.join(SUBMISSIONS, "correct", "row_vectors.py")) as f:
    BASE = f.read()  # a correct implementation to break in ways no known misconception describes


def test_unknown_backward_error_names_the_parameter_and_factor(grade_code):
    code = BASE.replace("self.W_xh -= learning_rate * dW_xh", "self.W_xh -= 0.7 * learning_rate * dW_xh")
    assert code != BASE
    d = by_id(grade_code(code))
    assert set(d) == {"backward_mismatch"}
    assert d["backward_mismatch"].evidence["wrong"] == ["W_xh"]
    assert "W_xh is off; by a factor 0.7" in d["backward_mismatch"].message
    # Finite differences through the learner's own forward: the update is not its gradient, so backward is wrong.
    own = d["backward_mismatch"].evidence["gradient_of_own_forward"]
    assert not own["consistent"] and own["relative_error"]["W_xh"] == pytest.approx(0.3, rel=1e-2)
    assert "so the mistake is in backward" in d["backward_mismatch"].message


def test_updates_that_never_happen_are_named(grade_code):
    untouched = BASE[:BASE.index("    def backward")] + "    def backward(self, x, y, learning_rate):\n        pass\n"
    d = by_id(grade_code(untouched))  # forward written, backward's body `pass`: backward is named, not forward
    assert set(d) == {"not_implemented"} and d["not_implemented"].message.startswith("backward is not written yet")
    assert "the arrays the instance holds" in d["not_implemented"].message  # or it updates copies
    weights_stuck = BASE.replace("self.W_xh -= learning_rate * dW_xh", "pass").replace(
        "self.W_hh -= learning_rate * dW_hh", "pass")
    d = by_id(grade_code(weights_stuck))
    assert set(d) == {"backward_mismatch"} and d["backward_mismatch"].evidence["never_updated"] == ["W_xh", "W_hh"]


def test_unknown_forward_error_says_from_which_step(grade_code):
    code = BASE.replace("h = np.tanh(x_t @ self.W_xh.T + h @ self.W_hh.T + self.b_h.T)",
                        "h = np.tanh(x_t @ self.W_xh.T + h @ self.W_hh.T) + self.b_h.T")
    assert code != BASE
    d = by_id(grade_code(code))
    assert "forward_mismatch" in d
    assert "first step" in d["forward_mismatch"].message
    transposed = BASE.replace("h @ self.W_hh.T", "h @ self.W_hh")
    assert "right up to step 0 and wrong from step 1 on" in by_id(grade_code(transposed))["forward_mismatch"].message
    assert "not the gradient of this forward pass either" in d["forward_mismatch"].message


def test_forward_wrong_but_backward_its_exact_gradient_blames_forward_only(grade_code):
    code = BASE.replace("y_t = h @ self.W_hy.T + self.b_y.T", "y_t = 2 * (h @ self.W_hy.T + self.b_y.T)").replace(
        "dy = self.rows_y[t] - y[t:t + 1]", "dy = 2 * (self.rows_y[t] - y[t:t + 1])")
    assert code.count("2 * (") == 2
    d = by_id(grade_code(code))
    assert set(d) == {"forward_mismatch"}
    assert d["forward_mismatch"].evidence["gradient_of_own_forward"]["consistent"] is True
    assert "exact gradient of this forward pass" in d["forward_mismatch"].message


# ---- the mutant reference ----------------------------------------------------------------------------------------

PLAN = default_plan()
BACKWARD_PROBES = [p for p in PLAN.probes if [o["op"] for o in p.ops] == ["new", "set", "forward", "backward"]]


@pytest.mark.parametrize("probe", BACKWARD_PROBES, ids=lambda p: p.name)
def test_mutant_with_every_flag_off_is_the_reference(probe):
    ops = decode_results(reference.results_for(probe), probe.ops)
    before, after = ops[1].value["params"], ops[3].value["params"]
    update = mutants.update(probe.meta["params"], probe.meta["x"], probe.meta["y"], probe.meta["lr"])
    for k in mutants.PARAMS:
        np.testing.assert_allclose(update[k], after[k].reshape(update[k].shape) - before[k].reshape(update[k].shape),
                                   rtol=0, atol=1e-14)
    want = np.asarray(ops[2].value["value"]).reshape(len(probe.meta["x"]), -1)
    np.testing.assert_allclose(mutants.outputs(probe.meta["params"], probe.meta["x"]), want, rtol=0, atol=1e-14)


def test_each_structural_flag_changes_the_update():
    p = PLAN.probe("backward/basic")
    args = (p.meta["params"], p.meta["x"], p.meta["y"], p.meta["lr"])
    ref = mutants.update(*args)
    for name in fit.STRUCTURAL:
        if name.startswith("weight_decay:"):  # fitted as a coefficient on top of the mutant's update
            run = behaviour.BackwardRun("p", p.meta["params"], p.meta["x"], p.meta["y"], p.meta["lr"], {}, 1e-13)
            term = fit._decay_term(run, (name,))
            assert np.any(term["W_xh"]) and np.any(term["b_h"]) == (name == "weight_decay:all"), name
            continue
        changed = mutants.update(*args, fit.mutant_of(mutants.Mutant(), (name,)))
        assert max(np.max(np.abs(changed[k] - ref[k])) for k in ref) > 1e-4, name


def test_scale_flags_follow_t_o_and_lr():
    runs = [behaviour.BackwardRun(f"p{t}{o}{lr}", {}, np.zeros((t, 1)), np.zeros((t, o)), lr, {}, 1e-13)
            for t, o, lr in ((6, 1, 0.01), (5, 3, 0.01), (5, 2, 0.1), (1, 2, 0.05))]
    factors = {r.probe: -2 / r.t for r in runs}
    assert scales.scale_flags(runs, factors)[0] == ("loss_mean_over_time", "loss_missing_half", "gradient_ascent")
    factors = {r.probe: 0.01 / r.lr / r.o for r in runs}
    assert scales.scale_flags(runs, factors) == (("loss_mean_over_outputs", "learning_rate_ignored"), 0.01)
    assert scales.scale_flags(runs, {r.probe: 1.0 for r in runs}) == ((), 1.0)
    assert scales.scale_flags(runs, {r.probe: 0.37 * r.t for r in runs}) is None


def test_mutant_references_are_computed_once_and_handed_out_as_copies():
    rng = np.random.default_rng(3)
    params = {"W_xh": rng.normal(size=(4, 2)), "W_hh": rng.normal(size=(4, 4)) * 0.3, "W_hy": rng.normal(size=(1, 4)),
              "b_h": rng.normal(size=(4, 1)), "b_y": rng.normal(size=(1, 1))}
    x, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    for m in (mutants.Mutant(), mutants.Mutant(truncated_bptt=2), mutants.Mutant(tanh_derivative="one_minus_h"),
              mutants.Mutant(updates_inside_time_loop=True)):
        direct = mutants._update(params, x, y, 0.1, m, 1.0)
        first = mutants.update(params, x, y, 0.1, m)
        for k in direct:
            assert first[k].tobytes() == direct[k].tobytes()
            first[k][...] = 99.0  # a caller that writes into what it got
        again = mutants.update(params, x, y, 0.1, m)
        assert all(again[k].tobytes() == direct[k].tobytes() for k in direct)
    # the key is the inputs' bits: a weight one ulp away, or another learning rate, is another reference
    nudged = dict(params, W_hh=np.nextafter(params["W_hh"], np.inf))
    assert mutants.update(nudged, x, y, 0.1)["W_hh"].tobytes() == mutants._update(nudged, x, y, 0.1, mutants.Mutant(),
                                                                                   1.0)["W_hh"].tobytes()
    assert not np.array_equal(mutants.update(params, x, y, 0.2)["W_xh"], mutants.update(params, x, y, 0.1)["W_xh"])
    out = mutants.outputs(params, x)
    out[...] = 0.0
    assert np.array_equal(mutants.outputs(params, x), np.array([v.ravel() for v in mutants.forward(params, x)[2]]))
