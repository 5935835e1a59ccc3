"""Diagnose stage: what the failures mean. Works from behaviour (the numbers), never from the source text.

How it decides:
- forward: the learner's outputs for injected weights against mutant forward passes (mutants.py): a tanh on the
  outputs, a missing W_hh h_(t−1), a state carried over from the previous call;
- backward: the learner's update of every parameter on several backward probes against mutant references. The
  smallest set of misconceptions whose update has the learner's shape (up to one factor per probe) names the
  structural ones; how that factor varies with T, O and the learning rate names the scale ones (1/T, 2, 1/O, −1,
  a learning rate ignored);
- direct experiments: biases that never move, gradients piled up at ±k on a probe built to exceed any clipping
  limit, the same data at two learning rates (an update that doesn't scale ignores lr, one that isn't proportional
  is applied inside the time loop), the constructor's draws against the starter's.
Where nothing known fits, a `forward_mismatch` / `backward_mismatch` diagnosis still says what was seen.

Returns Diagnosis records with a stable id (part of the result contract), a message, a hint that does not hand
over the solution, and the evidence: the numbers that support it.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from grader import conventions, mutants
from grader.cases import PARAMS, Plan, param_shapes
from grader.checks import Evaluation, Op
from grader.mutants import Mutant
from grader.result import Diagnosis
from grader.wire import Opaque

# ---- the contract: ids, messages and hints (the tests import these) ------------------------------------------

TEXT: dict[str, tuple[str, str]] = {
    "not_implemented": (
        "forward and backward are not written yet: the starter's skeleton is unchanged.",
        "Start with forward: loop over the time steps, keep each hidden state, return every output. "
        "Then write backward, walking the steps in reverse."),
    "init_changed": (
        "__init__ does not draw the weights the way the starter does ({what}). The published cases run your own "
        "__init__ after their seed, so their numbers can't match.",
        "Keep the starter's __init__ as it is: the order and the scale of the draws are part of the kata."),
    "output_activation": (
        "Your outputs are {activation} of the right ones: the output layer has an activation, but the kata's is "
        "linear.",
        "Compare your output equation with ŷ_t = W_hy h_t + b_y."),
    "missing_recurrence": (
        "Your hidden state does not depend on the previous one: step 0 is right, every later step is off. "
        "The recurrent term is missing from the forward pass.",
        "Write out h_t = tanh(…) in full: which three terms go inside, and which one connects the steps?"),
    "hidden_state_not_reset": (
        "The hidden state carries over between forward calls: a second call on a new sequence starts from where "
        "the first one ended instead of from h_0 = 0.",
        "Where does your h_0 come from on the second call? Every sequence starts from zeros."),
    "loss_mean_over_time": (
        "Your updates shrink as 1/T with the number of time steps T{overall}: your loss is averaged over the time "
        "steps, but the kata's is summed.",
        "L = Σ_t ½‖ŷ_t − y_t‖² has no division by T. Where does len(x) or T enter your gradient?"),
    "loss_missing_half": (
        "Your updates are twice as large as they should be{overall}: you differentiate (ŷ − y)² instead of "
        "½(ŷ − y)².",
        "Differentiate ½‖ŷ − y‖² with respect to ŷ: where does the ½ go?"),
    "loss_mean_over_outputs": (
        "Your updates shrink as 1/O with the number of outputs O{overall}: the loss is averaged over the outputs "
        "instead of summed. With one output the two agree, which is why some cases still pass.",
        "The squared error is summed over the output units too. Is something dividing by the output size?"),
    "only_last_step_loss": (
        "Your gradient uses only the error of the last time step, but every step's output is part of the loss.",
        "Each ŷ_t has its own target y_t. In backward, which steps contribute their (ŷ_t − y_t)?"),
    "truncated_bptt": (
        "The gradient does not flow back through time: each step's hidden-state gradient only sees that step's "
        "output error. Right for T = 1, wrong for longer sequences.",
        "h_t also feeds h_(t+1). Which part of ∂L/∂h_t arrives from step t+1, and is it added?"),
    "tanh_derivative": (
        "The derivative of tanh is wrong: your updates are what {variant} gives.",
        "If h = tanh(z), what is dh/dz, written with h (which you already have)?"),
    "whh_gradient_uses_current_state": (
        "Your W_hh gradient pairs step t's error with h_t, but W_hh multiplies the previous state h_(t−1).",
        "Look at the forward equation: which hidden state does W_hh multiply at step t?"),
    "initial_state_aliased": (
        "At t = 0 your backward takes the \"previous\" state from the end of the sequence (h_T) instead of "
        "h_0 = 0: an index t − 1 = −1 wraps around to the last element.",
        "What does a list give for index t − 1 when t = 0? Make the initial state its own, explicit value."),
    "gradient_ascent": (
        "Your parameters move along the gradient instead of against it{overall}, so each step increases the "
        "loss.",
        "An SGD step subtracts: p ← p − lr · ∂L/∂p. Check the sign of the update and of the error (ŷ − y)."),
    "biases_not_updated": (
        "{which} never change{s} in backward, although the loss depends on {them}.",
        "All five parameters take an SGD step, the biases included."),
    "updates_inside_time_loop": (
        "The parameters change inside the loop over time steps, so the earlier steps' gradients are computed with "
        "weights that were already updated: the update is not proportional to the learning rate.",
        "Accumulate the gradient over the whole sequence first, then take one step."),
    "gradient_clipping": (
        "Gradient entries are clipped to ±{limit:g}. A sensible trick for training, but the kata asks for the plain "
        "SGD step, and large gradients come out wrong.",
        "The update is p −= learning_rate · ∂L/∂p and nothing else: is something capping the gradient?"),
    "learning_rate_ignored": (
        "The learning_rate argument has no effect: your update is the same at learning rates {lrs} "
        "(as if it were always {as_if:g}).",
        "Use the learning rate that backward receives, not a fixed value."),
    # Not one of the known misconceptions: say what was seen.
    "forward_mismatch": (
        "The forward pass differs from the expected one in a way none of the known mistakes explains: {where}.",
        "Recompute one step by hand: h_1 = tanh(W_xh x_1 + W_hh h_0 + b_h), ŷ_1 = W_hy h_1 + b_y with h_0 = 0."),
    "backward_mismatch": (
        "The updates are wrong in a way none of the known mistakes explains: {summary}.",
        "Check backward against a finite-difference gradient of your own forward pass, one parameter at a time."),
}
# Appended to the two mismatch messages: is backward the gradient of the learner's own forward pass?
OWN_GRADIENT_NOTES = {
    ("forward_mismatch", True): " Your backward is the exact gradient of this forward pass (finite differences "
                                "through it agree), so once the forward pass is right, backward may be right too.",
    ("forward_mismatch", False): " Your backward is not the gradient of this forward pass either (finite "
                                 "differences through it differ by up to {error}).",
    ("backward_mismatch", True): " Yet they are the gradient of your own forward pass (finite differences through "
                                 "it agree): look at the forward pass.",
    ("backward_mismatch", False): " They are not the gradient of your own forward pass either (finite differences "
                                  "through it differ by up to {error}), so the mistake is in backward.",
}
OWN_GRADIENT_TOL = 3e-3  # float32 forwards give central differences (eps = 1e-3) good to about 1e-4
TANH_VARIANTS = {"tanh_of_h": "1 − tanh(h)² (tanh applied twice)", "one_minus_h": "1 − h (the square is missing)",
                 "sigmoid": "h(1 − h) (the sigmoid's derivative)", "pre_activation": "1 − z² (squaring the "
                 "pre-activation instead of h)", "none": "no derivative at all (the factor is missing)"}
# Order of the report: what the learner should fix first comes first.
ORDER = ("not_implemented", "init_changed", "output_activation", "missing_recurrence", "hidden_state_not_reset",
         "forward_mismatch", "gradient_ascent", "loss_missing_half", "loss_mean_over_time", "loss_mean_over_outputs",
         "only_last_step_loss", "truncated_bptt", "tanh_derivative", "whh_gradient_uses_current_state",
         "initial_state_aliased", "biases_not_updated", "updates_inside_time_loop", "gradient_clipping",
         "learning_rate_ignored", "backward_mismatch")

FORWARD_TOL = 1e-4  # relative; float32 forwards land near 1e-6, the smallest misconception near 1e-2
FIT_TOL = 2e-3      # relative; float32 updates land near 1e-5, the smallest misconception near 1e-2
# Switched on one at a time (and in pairs, triples) to explain the shape of an update.
STRUCTURAL = ("only_last_step_loss", "truncated_bptt", "whh_gradient_uses_current_state", "initial_state_aliased",
              "updates_inside_time_loop") + tuple(f"tanh_derivative:{v}" for v in mutants.TANH_DERIVATIVES)
SCALES = ("loss_mean_over_time", "loss_missing_half", "loss_mean_over_outputs", "gradient_ascent",
          "learning_rate_ignored")


def make(id_: str, evidence: dict[str, Any], **fmt: Any) -> Diagnosis:
    """A Diagnosis from TEXT (messages are str.format templates: literal braces are doubled)."""
    message, hint = TEXT[id_]
    return Diagnosis(id_, message.format(**fmt), hint.format(), _clean(evidence))


def diagnose(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]],
             evaluation: Evaluation) -> list[Diagnosis]:
    """All misconceptions the learner's behaviour shows, in ORDER; [] for a correct implementation."""
    with np.errstate(all="ignore"):  # a learner's huge or NaN numbers only make a fit fail, quietly
        return _diagnose(plan, learner, reference)


def _diagnose(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]]) -> list[Diagnosis]:
    found = _init_changed(plan, learner, reference)
    if _not_implemented(learner):
        evidence = {"forward": _what_happened(learner, "forward/basic", 2),
                    "backward": _what_happened(learner, "conventions/backward_alone", 2)}
        return [make("not_implemented", evidence)] + found
    forward_model, forward_found = _diagnose_forward(_forward_runs(plan, learner))
    leaks = any(d.id == "hidden_state_not_reset" for d in forward_found)
    own = own_gradient(plan, learner)
    found += _with_own_gradient(forward_found, own)
    if forward_model is None and own and own["consistent"]:
        return _ordered(found)  # backward is the gradient of the learner's own (wrong) forward: fix forward first
    found += _with_own_gradient(_diagnose_backward(_backward_runs(plan, learner), forward_model, leaks), own)
    return _ordered(found)


def _ordered(found: list[Diagnosis]) -> list[Diagnosis]:
    unique = {d.id: d for d in found}
    return [unique[i] for i in ORDER if i in unique]


def own_gradient(plan: Plan, learner: dict[str, list[Op]]) -> dict[str, Any] | None:
    """The learner's update on diagnose/finite_differences against a central-difference gradient of ½Σ(ŷ − y)²
    through the learner's own forward. Returns {"consistent", "relative_error" per parameter} or None when the
    probe is absent or did not run through."""
    name = "diagnose/finite_differences"
    if name not in {p.name for p in plan.probes} or not _ok(learner.get(name, []), len(plan.probe(name).ops)):
        return None
    p, ops = plan.probe(name), learner[name]
    (i, h, o), y, eps = p.meta["sizes"], p.meta["y"], p.meta["eps"]
    losses = []
    for op in ops[2:len(p.meta["entries"]) * 6:3]:
        got = conventions.read_outputs(op.value.get("value"), t=len(y), o=o, h=h).array
        if got is None:
            return None
        losses.append(0.5 * float(np.sum((got - y) ** 2)))
    before, after = _read_params(ops[-3].value, p.meta["sizes"]), _read_params(ops[-1].value, p.meta["sizes"])
    if before is None or after is None:
        return None
    fd = {k: np.zeros(v.shape) for k, v in before.items()}
    for n, (k, idx) in enumerate(p.meta["entries"]):
        fd[k][idx] = (losses[2 * n] - losses[2 * n + 1]) / (2 * eps)
    implied = {k: (before[k] - after[k]) / p.meta["lr"] for k in PARAMS}
    top = max(float(np.max(np.abs(v))) for v in fd.values())
    errors = {k: float(np.max(np.abs(implied[k] - fd[k]))) / max(float(np.max(np.abs(fd[k]))), 0.01 * top, 1e-12)
              for k in PARAMS}
    return {"consistent": max(errors.values()) <= OWN_GRADIENT_TOL, "relative_error": errors}


def _with_own_gradient(found: list[Diagnosis], own: dict[str, Any] | None) -> list[Diagnosis]:
    """The mismatch diagnoses, told whether backward is the gradient of the learner's own forward."""
    if own is None:
        return found
    out = []
    for d in found:
        note = OWN_GRADIENT_NOTES.get((d.id, own["consistent"]))
        if note:
            error = f"{100 * max(own['relative_error'].values()):.3g} %"
            d = Diagnosis(d.id, d.message + note.format(error=error), d.hint,
                          {**d.evidence, "gradient_of_own_forward": _clean(own)})
        out.append(d)
    return out


# ---- reading the learner's behaviour -------------------------------------------------------------------------

@dataclass(frozen=True)
class ForwardRun:
    probe: str
    params: dict[str, np.ndarray]      # what the learner held after injection, float64, reference shapes
    xs: list[np.ndarray]               # one (T, I) input per forward call
    outputs: list[np.ndarray | None]   # the learner's (T, O) outputs per call, None where unreadable


@dataclass(frozen=True)
class BackwardRun:
    probe: str
    params: dict[str, np.ndarray]      # the learner's weights right before backward
    x: np.ndarray
    y: np.ndarray
    lr: float
    update: dict[str, np.ndarray]      # the learner's p_after − p_before
    rtol: float                        # rounding of the learner's dtype, relative

    @property
    def t(self) -> int:
        return len(self.x)

    @property
    def o(self) -> int:
        return self.y.shape[1]

    def label(self) -> str:
        return f"{self.probe} (T = {self.t}, O = {self.o}, lr = {self.lr:g})"


def _read_params(value: dict[str, Any], sizes: tuple[int, int, int]) -> dict[str, np.ndarray] | None:
    out = {}
    for name, shape in param_shapes(sizes).items():
        arr, problem = conventions.read_param(value.get("params", {}).get(name), shape, name, "")
        if problem:
            return None
        out[name] = arr
    return out


def _ok(ops: list[Op], n: int) -> bool:
    return len(ops) >= n and all(op.status == "ok" for op in ops[:n])


def _forward_runs(plan: Plan, learner: dict[str, list[Op]]) -> list[ForwardRun]:
    runs = []
    for p in plan.probes:
        if not p.name.startswith("forward/") or not _ok(learner.get(p.name, []), len(p.ops)):
            continue
        ops, sizes = learner[p.name], p.meta["sizes"]
        params = _read_params(ops[1].value, sizes)
        if params is None:
            continue
        outs = [conventions.read_outputs(op.value.get("value"), t=len(x), o=sizes[2], h=sizes[1]).array
                for op, x in zip(ops[2:], p.meta["xs"])]
        runs.append(ForwardRun(p.name, params, list(p.meta["xs"]), outs))
    return runs


def _backward_runs(plan: Plan, learner: dict[str, list[Op]]) -> list[BackwardRun]:
    """Every probe that injects weights, runs forward then backward once: backward/* and diagnose/*. Hidden cases
    are left out, so that no evidence tells their numbers."""
    runs = []
    for p in plan.probes:
        ops = learner.get(p.name, [])
        if p.name.startswith("hidden"):
            continue
        if [o["op"] for o in p.ops] != ["new", "set", "forward", "backward"] or not _ok(ops, 4):
            continue
        before, after = _read_params(ops[1].value, p.meta["sizes"]), _read_params(ops[3].value, p.meta["sizes"])
        if before is None or after is None:
            continue
        runs.append(BackwardRun(p.name, before, p.meta["x"], p.meta["y"], p.meta["lr"],
                                {k: after[k] - before[k] for k in PARAMS}, rtol=_rounding(ops[1].value) * 1e3))
    return runs


def _rounding(value: dict[str, Any]) -> float:
    """The machine epsilon of the coarsest float dtype among the parameters a learner holds."""
    dtypes = [v.dtype for v in value.get("params", {}).values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    return float(max([np.finfo(d).eps for d in dtypes] or [np.finfo(float).eps]))


# ---- not implemented, init --------------------------------------------------------------------------------------

def _not_implemented(learner: dict[str, list[Op]]) -> bool:
    """forward raises NotImplementedError or returns None, and backward raises it or changes nothing."""
    fwd = learner.get("forward/basic", [])
    if len(fwd) < 3 or fwd[2].status not in ("ok", "error"):
        return False
    forward_missing = (fwd[2].status == "error" and fwd[2].error.get("type") == "NotImplementedError") or \
        (fwd[2].status == "ok" and fwd[2].value.get("value") is None)
    alone = learner.get("conventions/backward_alone", [])
    if len(alone) < 3:
        return False
    if alone[2].status == "error":
        backward_missing = alone[2].error.get("type") == "NotImplementedError"
    elif alone[2].status == "ok":
        backward_missing = _unchanged(alone[1].value.get("params", {}), alone[2].value.get("params", {}))
    else:
        backward_missing = False
    return forward_missing and backward_missing


def _unchanged(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return all(isinstance(before.get(n), np.ndarray) and isinstance(after.get(n), np.ndarray)
               and before[n].shape == after[n].shape and np.array_equal(before[n], after[n]) for n in before)


def _what_happened(learner: dict[str, list[Op]], probe: str, i: int) -> str:
    """One call's outcome in a few words: the exception it raised, or what it returned."""
    op = learner[probe][i]
    if op.status == "error":
        return f"{op.error.get('type')}: {op.error.get('message')}"[:200].rstrip(": ")
    return "changed no parameter" if "params" in op.value else "returned None"


def _init_changed(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]]) -> list[Diagnosis]:
    """Shapes right but values not the starter's: say whether the order, the scale or the biases differ."""
    p = plan.probe("init")
    if not _ok(learner.get("init", []), 1):
        return []
    got, want = _read_params(learner["init"][0].value, p.meta["sizes"]), \
        _read_params(reference["init"][0].value, p.meta["sizes"])
    if got is None or want is None:
        return []
    weights = ("W_xh", "W_hh", "W_hy")
    rtol = _rounding(learner["init"][0].value) * 10  # float32 and float16 learners round the same draws
    same = {n: np.allclose(got[n], want[n], rtol=rtol, atol=0) for n in PARAMS}
    if all(same.values()):
        return []
    std = float(np.std(np.concatenate([got[n].ravel() for n in weights])))
    what = []
    order = _draw_order(got, p.seed, rtol)
    if order and order != weights:
        what.append(f"drawn in the order {', '.join(order)} instead of W_xh, W_hh, W_hy")
    elif not all(same[n] for n in weights):
        if not 0.007 <= std <= 0.013:
            what.append(f"weights at scale {std:.3g} instead of randn × 0.01")
        else:
            what.append("weights that are not the starter's draws after the seed")
    nonzero = [n for n in ("b_h", "b_y") if not same[n]]
    if nonzero:
        what.append(f"{' and '.join(nonzero)} not starting at zero")
    evidence = {"seed": p.seed, "weights_std": std, "matches_starter": same, "draw_order": list(order or ())}
    return [make("init_changed", evidence, what="; ".join(what))]


def _draw_order(got: dict[str, np.ndarray], seed: int, rtol: float) -> tuple[str, ...] | None:
    """The order of randn(...) * 0.01 draws after the seed that reproduces the learner's weights, if any."""
    for order in itertools.permutations(("W_xh", "W_hh", "W_hy")):
        rng = np.random.RandomState(seed)
        if all(np.allclose(rng.randn(*got[n].shape) * 0.01, got[n], rtol=rtol, atol=0) for n in order):
            return order
    return None


# ---- forward -------------------------------------------------------------------------------------------------

FORWARD_MUTANTS = {(): Mutant(), ("missing_recurrence",): Mutant(missing_recurrence=True)}
FORWARD_MUTANTS.update({ids + (f"output_activation:{f}",): m.with_(output_activation=f)
                        for ids, m in list(FORWARD_MUTANTS.items()) for f in mutants.OUTPUT_ACTIVATIONS})


def _rel_err(got: np.ndarray, want: np.ndarray) -> float:
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    return err / scale if scale else (0.0 if err == 0 else float("inf"))


def _diagnose_forward(runs: list[ForwardRun]) -> tuple[Mutant | None, list[Diagnosis]]:
    """The forward mutant that reproduces every first call (None: none does), and the diagnoses it implies."""
    first = [(r, r.outputs[0], r.xs[0]) for r in runs if r.outputs and r.outputs[0] is not None]
    if not first:
        return Mutant(), []
    errors = {ids: {r.probe: _rel_err(got, mutants.outputs(r.params, x, m)) for r, got, x in first}
              for ids, m in FORWARD_MUTANTS.items()}
    fits = [ids for ids, errs in errors.items() if max(errs.values()) <= FORWARD_TOL]
    found = []
    if not fits:
        return None, [_forward_mismatch(first, errors[()])]
    ids = fits[0]
    model = FORWARD_MUTANTS[ids]
    for i in (n.partition(":")[0] for n in ids):
        evidence = {"relative_error_vs_expected": errors[()], "relative_error_with_this_mistake": errors[ids],
                    "first_wrong_step": {r.probe: _first_wrong_step(got, mutants.outputs(r.params, x))
                                         for r, got, x in first}}
        if i == "output_activation":
            evidence["activation"] = model.output_activation
        found.append(make(i, evidence, activation=model.output_activation))
    found += _state_leak(runs, model)
    return model, found


def _first_wrong_step(got: np.ndarray, want: np.ndarray) -> int | None:
    scale = max(float(np.max(np.abs(want))), 1e-12)
    wrong = np.flatnonzero(np.max(np.abs(got - want), axis=1) > FORWARD_TOL * scale)
    return int(wrong[0]) if wrong.size else None


def _forward_mismatch(first: list, errors: dict[str, float]) -> Diagnosis:
    steps = {r.probe: _first_wrong_step(got, mutants.outputs(r.params, x)) for r, got, x in first}
    wrong = {k: v for k, v in steps.items() if v is not None}
    if not wrong:
        where = "no single step is off"
    elif all(v == 0 for v in wrong.values()):
        where = "already the first step's output is off"
    else:
        k = min(wrong.values())
        where = f"the outputs are right up to step {k - 1} and wrong from step {k} on" if k else \
            "the first step's output is off in some cases"
    t1 = [r.probe for r, _, x in first if len(x) == 1]
    return make("forward_mismatch", {"relative_error": errors, "first_wrong_step": steps,
                                     "right_for_single_step": {p: errors[p] <= FORWARD_TOL for p in t1}},
                where=where)


def _state_leak(runs: list[ForwardRun], model: Mutant) -> list[Diagnosis]:
    """A second forward call that matches a run started from the first call's final state."""
    for r in runs:
        if len(r.outputs) < 2 or any(o is None for o in r.outputs):
            continue
        fresh = mutants.outputs(r.params, r.xs[1], model)
        carried = mutants.outputs(r.params, r.xs[1], model, h0=mutants.last_state(r.params, r.xs[0], model))
        err_fresh, err_carried = _rel_err(r.outputs[1], fresh), _rel_err(r.outputs[1], carried)
        if err_fresh > FORWARD_TOL and err_carried <= FORWARD_TOL:
            return [make("hidden_state_not_reset", {"probe": r.probe, "first_call_error": _rel_err(
                r.outputs[0], mutants.outputs(r.params, r.xs[0], model)), "second_call_error_from_zeros": err_fresh,
                "second_call_error_from_previous_final_state": err_carried})]
    return []


# ---- backward ------------------------------------------------------------------------------------------------

def _diagnose_backward(runs: list[BackwardRun], forward_model: Mutant | None, leaks: bool) -> list[Diagnosis]:
    if not runs:
        return []
    reference = {r.probe: mutants.update(r.params, r.x, r.y, r.lr) for r in runs}
    if all(_close(r.update, reference[r.probe], r) for r in runs):
        return []
    found, base = [], forward_model or Mutant()
    frozen = _frozen(runs, reference)
    if len(frozen) == len(PARAMS):
        return [make("backward_mismatch", {"never_updated": frozen},
                     summary="backward changes no parameter at all (is it written yet? do the updates reach the "
                             "arrays the instance holds, rather than copies?)")]
    # A weight that never moves is a mistake of its own, unless forward doesn't use it (W_hh without recurrence).
    stuck = [k for k in frozen if not k.startswith("b_") and not (k == "W_hh" and base.missing_recurrence)]
    if frozen:
        base = base.with_(frozen=tuple(frozen))
        biases = [b for b in frozen if b.startswith("b_")]
        if biases:
            found.append(make("biases_not_updated", {b: {"learner_update_max": 0.0, "reference_update_max": {
                r.probe: float(np.max(np.abs(reference[r.probe][b]))) for r in runs}} for b in biases},
                which=" and ".join(biases), s="" if len(biases) > 1 else "s",
                them="them" if len(biases) > 1 else "it"))
    clip = _clipping(runs, reference)
    found += _learning_rate_pair(runs, clip)
    if forward_model is None:
        found.append(_backward_mismatch(runs, reference, clip))
    else:
        explanation = _explain(runs, base, clip, leaks)
        if explanation is None:
            found += _scale_only(runs, reference, clip) + [_backward_mismatch(runs, reference, clip)]
        else:
            found += explanation
            if stuck:
                found.append(make("backward_mismatch", {"never_updated": stuck},
                                  summary=f"{', '.join(stuck)} never change{'s' if len(stuck) == 1 else ''} in "
                                          "backward, although the loss depends on them"))
    if clip:
        # A learner who ignores the learning rate clips at top / (its own fixed rate).
        fixed = [d.evidence.get("as_if_learning_rate") for d in found if d.id == "learning_rate_ignored"]
        if fixed and fixed[-1]:
            clip.limit = _nice(clip.top / fixed[-1])
        found.append(make("gradient_clipping", clip.evidence(), limit=clip.limit))
    return found


def _close(got: dict[str, np.ndarray], want: dict[str, np.ndarray], run: BackwardRun) -> bool:
    top = max(float(np.max(np.abs(w))) for w in want.values())
    return all(float(np.max(np.abs(got[k] - want[k]))) <= FIT_TOL * float(np.max(np.abs(want[k])))
               + run.rtol * top for k in PARAMS)


def _frozen(runs: list[BackwardRun], reference: dict[str, dict]) -> list[str]:
    """Parameters the learner never changes although the reference does."""
    out = []
    for k in PARAMS:
        moving = [r for r in runs if np.any(reference[r.probe][k] != 0)]
        if moving and all(not np.any(r.update[k]) for r in runs):
            out.append(k)
    return out


@dataclass
class Clipping:
    limit: float                      # in gradient units (update / learning rate)
    top: float                        # the same, as an update on `probe`
    params: tuple[str, ...]
    at_limit: dict[str, int]          # entries piled up at ±limit on the probe that showed it
    probe: str
    reference_max: dict[str, float]   # the reference's largest gradient entry there
    masks: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # probe → param → entries to ignore

    def evidence(self) -> dict[str, Any]:
        return {"limit": self.limit, "parameters": list(self.params), "probe": self.probe,
                "entries_at_limit": self.at_limit, "largest_reference_gradient": self.reference_max}


def _clipping(runs: list[BackwardRun], reference: dict[str, dict]) -> Clipping | None:
    """Several entries of an update at exactly the same largest magnitude, where the reference goes beyond it.
    Random data never produces such ties; a clip to ±k does. Entries at the limit are then masked elsewhere."""
    found = None
    for r in sorted(runs, key=lambda r: -max(float(np.max(np.abs(u))) for u in reference[r.probe].values()) / r.lr):
        piled = {}
        for k, u in r.update.items():
            top = float(np.max(np.abs(u)))
            n = int(np.sum(np.abs(u) >= top * (1 - r.rtol)))
            if top > 0 and n >= 2 and float(np.max(np.abs(reference[r.probe][k]))) > top * 1.01:
                piled[k] = (top, n)
        if piled:
            top = max(t for t, _ in piled.values())
            # A parameter with a single entry beyond the limit (b_y with few outputs) is clipped all the same.
            at = {k: int(np.sum(np.abs(u) >= top * (1 - r.rtol))) for k, u in r.update.items()
                  if abs(float(np.max(np.abs(u))) - top) <= top * r.rtol
                  and float(np.max(np.abs(reference[r.probe][k]))) > top * 1.01}
            found = Clipping(_nice(top / r.lr), top, tuple(k for k in PARAMS if k in at), at, r.probe,
                             {k: float(np.max(np.abs(reference[r.probe][k]))) / r.lr for k in at})
            break
    if found is None:
        return None
    for r in runs:
        # At the limit in this run's own units, whether the learner scales by its lr or not.
        levels = [found.limit * r.lr, max(float(np.max(np.abs(r.update[k]))) for k in found.params)]
        found.masks[r.probe] = {k: np.any([np.abs(r.update[k]) >= lv * (1 - 1e-3) for lv in levels], axis=0)
                                for k in found.params}
    return found


def _nice(x: float) -> float:
    r = float(f"{x:.3g}")
    return r if abs(r - x) <= 1e-6 * abs(x) else x


def _learning_rate_pair(runs: list[BackwardRun], clip: Clipping | None) -> list[Diagnosis]:
    """backward/basic and diagnose/learning_rate_5x: the same weights and data at lr and 5 lr."""
    by = {r.probe: r for r in runs}
    a, b = by.get("backward/basic"), by.get("diagnose/learning_rate_5x")
    if a is None or b is None:
        return []
    # Same data, so the same entries: leave out those clipped in either run.
    mask = {k: m | clip.masks.get(b.probe, {}).get(k, False) for k, m in clip.masks.get(a.probe, {}).items()} \
        if clip else {}
    ua, ub = _flat(a, a.update, mask=mask), _flat(b, b.update, mask=mask)
    if not ua @ ua:
        return []
    ratio = float(ua @ ub / (ua @ ua))
    excess = float(np.max(np.abs(ub - ratio * ua)) / max(np.max(np.abs(ub)), 1e-300))
    expected = b.lr / a.lr
    found = []
    if abs(ratio - 1) < 0.05:
        found.append(make("learning_rate_ignored", {"learning_rates": [a.lr, b.lr], "update_ratio": ratio,
                                                    "expected_ratio": expected, "as_if_learning_rate": ratio * a.lr},
                          lrs=f"{a.lr:g} and {b.lr:g}", as_if=_as_if_lr(a)))
    if excess > 20 * FIT_TOL:
        found.append(make("updates_inside_time_loop", {"learning_rates": [a.lr, b.lr], "update_ratio": ratio,
                                                       "expected_ratio": expected,
                                                       "not_proportional_by": excess}))
    return found


def _as_if_lr(run: BackwardRun) -> float:
    """The learning rate the learner's update of W_hy implies (W_hy's gradient doesn't involve time)."""
    ref = mutants.update(run.params, run.x, run.y, 1.0)
    a, b = ref["W_hy"].ravel(), run.update["W_hy"].ravel()
    return _nice(abs(float(a @ b / (a @ a)))) if a @ a else 0.0


def _flat(run: BackwardRun, update: dict[str, np.ndarray], clip: Clipping | None = None,
          params: tuple[str, ...] = PARAMS, mask: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The entries of an update that a fit may use: clipped entries are left out."""
    if mask is None:
        mask = clip.masks.get(run.probe, {}) if clip else {}
    return np.concatenate([update[k][~mask[k]] if k in mask else update[k].ravel() for k in params])


# ---- explaining the updates: structure by mutants, then the scale ------------------------------------------------

@dataclass
class _Fit:
    names: tuple[str, ...]
    factors: dict[str, float]      # per probe: learner update ≈ factor × mutant update (lr as given, loss scale 1)
    residual: float                # worst relative misfit over probes and parameters


def _mutant_of(base: Mutant, names: tuple[str, ...]) -> Mutant:
    """base with `names` switched on: "flag" or "field:value"."""
    changes: dict[str, Any] = {}
    for n in names:
        key, _, value = n.partition(":")
        changes[key] = value or True
    return base.with_(**changes)


def _fit(runs: list[BackwardRun], base: Mutant, names: tuple[str, ...], clip: Clipping | None,
         give_up_above: float = float("inf")) -> _Fit:
    """How well `names` (on top of `base`) explains every run, one free factor per run. Stops early, with an
    infinite residual, once a run misfits by more than give_up_above (the search only needs yes or no)."""
    m = _mutant_of(base, names)
    factors, worst = {}, 0.0
    live = tuple(k for k in PARAMS if k not in m.frozen)
    for r in runs:
        def refit(c: float) -> float:
            """The factor that best maps the mutant's update at loss scale c onto the learner's."""
            a = _flat(r, mutants.update(r.params, r.x, r.y, r.lr, m, scale=c), clip, live)
            b = _flat(r, r.update, clip, live)
            return c * float(a @ b / (a @ a)) if a @ a else c
        c = refit(1.0)
        if m.updates_inside_time_loop:  # the update depends on its own step size: solve refit(c) = c
            c = _fixed_point(refit, 1.0, c)
        factors[r.probe] = c
        worst = max(worst, _misfit(r, mutants.update(r.params, r.x, r.y, r.lr, m, scale=c), clip, live))
        if worst > give_up_above:
            return _Fit(names, factors, float("inf"))
    return _Fit(names, factors, worst)


def _fixed_point(g, c0: float, c1: float, rounds: int = 12) -> float:
    """Secant steps on g(c) − c = 0 from two first guesses (a plain iteration oscillates when steps are big)."""
    h0 = c1 - c0
    for _ in range(rounds):
        h1 = g(c1) - c1
        if not np.isfinite(h1) or abs(h1) <= 1e-12 * abs(c1) or h1 == h0:
            break
        c0, c1, h0 = c1, c1 - h1 * (c1 - c0) / (h1 - h0), h1
    return c1


def _misfit(r: BackwardRun, model: dict[str, np.ndarray], clip: Clipping | None, live: tuple[str, ...]) -> float:
    """Largest |learner − model| per parameter, relative to that parameter's update (floored at 1 % of the largest
    parameter update, so a W_hh update that is zero at T = 1 doesn't divide by zero)."""
    a = {k: _flat(r, model, clip, (k,)) for k in live}
    b = {k: _flat(r, r.update, clip, (k,)) for k in live}
    top = max([float(np.max(np.abs(v))) for v in b.values() if v.size] or [0.0])
    if top == 0:
        return 0.0 if all(not np.any(v) for v in a.values()) else float("inf")
    worst = 0.0
    for k in live:
        if b[k].size:
            worst = max(worst, float(np.max(np.abs(b[k] - a[k]))) / max(float(np.max(np.abs(b[k]))), 0.01 * top))
    return worst


def _candidates(base: Mutant, leaks: bool) -> Iterator[tuple[str, ...]]:
    """Sets of structural misconceptions, smallest first; one variant of each at a time (one wrong derivative). With a
    state that leaks between forward calls, a backward that re-runs forward may start from the leaked state."""
    pool = [n for n in STRUCTURAL if not (base.missing_recurrence and n in (
        "truncated_bptt", "whh_gradient_uses_current_state", "initial_state_aliased"))]
    pool += ["backward_starts_from_carried_state"] if leaks else []
    pool += [f"recurrence_in_backward:{v}" for v in ("gradient", "full")] if base.missing_recurrence else []
    for size in range(0, 4):
        for names in itertools.combinations(pool, size):
            if len({n.partition(":")[0] for n in names}) == len(names):  # one value per field
                yield names


def _explain(runs: list[BackwardRun], base: Mutant, clip: Clipping | None, leaks: bool) -> list[Diagnosis] | None:
    best, size = None, -1
    for names in _candidates(base, leaks):
        if best is not None and len(names) > size:
            break
        fit = _fit(runs, base, names, clip, give_up_above=FIT_TOL)
        if fit.residual <= FIT_TOL and (best is None or fit.residual < best.residual):
            best, size = fit, len(names)
    if best is None:
        return None
    scale = _scale_flags(runs, best.factors)
    found = []
    for n in best.names:
        if n.split(":")[0] not in TEXT:  # a detail of a forward misconception (reported there), not one itself
            continue
        without = _fit(runs, base, tuple(x for x in best.names if x != n), clip)
        # Relative misfit of the learner's updates with the mistake switched on in the model, and off.
        evidence: dict[str, Any] = {"misfit_with_this_mistake": best.residual, "misfit_without_it": without.residual}
        others = [x.split(":")[0] for x in best.names if x != n and x in STRUCTURAL]
        if others:
            evidence["explained_together_with"] = others
        if n.startswith("tanh_derivative:"):
            v = n.split(":", 1)[1]
            found.append(make("tanh_derivative", {**evidence, "variant": v}, variant=TANH_VARIANTS[v]))
        else:
            found.append(make(n, evidence))
    if scale is None:
        found.append(make("backward_mismatch", {"factor_by_probe": best.factors, "misfit": best.residual,
                                                "shape_explained_by": list(best.names)},
                          summary="the shape of each update is right but its size is off by a factor that "
                                  "varies in no known way (" + _factors_text(runs, best.factors) + ")"))
        return found
    flags, as_if = scale
    overall = f" (all factors together: {_factor_text(flags, as_if)} × the reference's)" if len(flags) > 1 else ""
    for n in flags:
        evidence = {"update_ratio_by_probe": best.factors,
                    "T_by_probe": {r.probe: r.t for r in runs}, "O_by_probe": {r.probe: r.o for r in runs},
                    "lr_by_probe": {r.probe: r.lr for r in runs}}
        if n == "learning_rate_ignored":
            found.append(make(n, {**evidence, "as_if_learning_rate": as_if},
                              lrs=", ".join(f"{x:g}" for x in sorted({r.lr for r in runs})), as_if=as_if))
        else:
            found.append(make(n, evidence, overall=overall))
    return found


def _factor_text(flags: tuple[str, ...], lr0: float) -> str:
    """The factor a set of scale misconceptions gives, as a formula: "−2/T", "0.01/lr · 1/O"."""
    num = ("−" if "gradient_ascent" in flags else "") + ("2" if "loss_missing_half" in flags else "1")
    den = [d for f, d in (("loss_mean_over_time", "T"), ("loss_mean_over_outputs", "O")) if f in flags]
    text = num + (f"/{den[0]}" if len(den) == 1 else f"/({den[0]}·{den[1]})" if den else "")
    return f"{lr0:g}/lr · {text}" if "learning_rate_ignored" in flags else text


def _factors_text(runs: list[BackwardRun], factors: dict[str, float]) -> str:
    return "; ".join(f"{factors[r.probe]:.4g}× at T = {r.t}, O = {r.o}, lr = {r.lr:g}" for r in runs)


def _scale_flags(runs: list[BackwardRun], factors: dict[str, float]) -> tuple[tuple[str, ...], float] | None:
    """The fewest scale misconceptions whose product gives every probe's factor. A learning rate ignored
    contributes lr0 / lr, with lr0 fitted. Returns (flags, lr0) or None."""
    live = [r for r in runs if factors.get(r.probe)]
    if not live:
        return None
    combos = sorted(itertools.product((0, 1), repeat=len(SCALES)), key=sum)
    found = []
    for combo in combos:
        on = dict(zip(SCALES, combo))
        pred = {r.probe: (-1.0 if on["gradient_ascent"] else 1.0) * (1 / r.t if on["loss_mean_over_time"] else 1)
                * (2 if on["loss_missing_half"] else 1) * (1 / r.o if on["loss_mean_over_outputs"] else 1)
                * (1 / r.lr if on["learning_rate_ignored"] else 1) for r in live}
        lr0 = 1.0
        if on["learning_rate_ignored"]:
            if len({r.lr for r in live}) < 2:
                continue
            lr0 = float(np.median([factors[r.probe] / pred[r.probe] for r in live]))
            if lr0 <= 0:
                continue
        if all(abs(factors[r.probe] - lr0 * pred[r.probe]) <= FIT_TOL * abs(factors[r.probe]) for r in live):
            found.append((tuple(n for n in SCALES if on[n]), _nice(lr0)))
    # A fixed learning rate absorbs any constant factor (2 × 0.01 = 0.02): prefer the explanation whose learning
    # rate is one people write (1 or 5 × 10^k), if it needs at most one more misconception.
    if not found:
        return None
    usual = [f for f in found if len(f[0]) <= len(found[0][0]) + 1 and _usual_lr(f[1])]
    return usual[0] if "learning_rate_ignored" in found[0][0] and usual else found[0]


def _usual_lr(lr: float) -> bool:
    mantissa = lr / 10 ** np.floor(np.log10(lr))
    return min(abs(mantissa - 1), abs(mantissa - 5), abs(mantissa - 10)) < 1e-6


def _scale_only(runs: list[BackwardRun], reference: dict[str, dict], clip: Clipping | None) -> list[Diagnosis]:
    """When no structure fits: W_hy's and b_y's gradients involve no time and no tanh, so their ratio to the
    reference may still name a scale misconception."""
    factors = {}
    for r in runs:
        a = _flat(r, reference[r.probe], clip, ("W_hy", "b_y"))
        b = _flat(r, r.update, clip, ("W_hy", "b_y"))
        if not a @ a:
            continue
        c = float(a @ b / (a @ a))
        if np.max(np.abs(b - c * a)) > FIT_TOL * np.max(np.abs(b)):
            return []
        factors[r.probe] = c
    scale = _scale_flags([r for r in runs if r.probe in factors], factors)
    if not scale or not scale[0]:
        return []
    evidence = {"W_hy_b_y_update_ratio_by_probe": factors}
    overall = f" (all factors together: {_factor_text(*scale)} × the reference's)" if len(scale[0]) > 1 else ""
    return [make(n, evidence, lrs=", ".join(f"{x:g}" for x in sorted({r.lr for r in runs})), as_if=scale[1],
                 overall=overall) for n in scale[0]]


def _backward_mismatch(runs: list[BackwardRun], reference: dict[str, dict], clip: Clipping | None) -> Diagnosis:
    """Which parameters' updates are wrong, by what factor, and whether a single step (T = 1) is right."""
    per_param: dict[str, dict[str, Any]] = {}
    for k in PARAMS:
        rows = {}
        for r in runs:
            a, b = reference[r.probe][k].ravel(), r.update[k].ravel()
            if not a @ a and not b @ b:
                continue
            c = float(a @ b / (a @ a)) if a @ a else float("nan")
            rows[r.probe] = {"ratio": c, "relative_error": _rel_err(b, a)}
        per_param[k] = rows
    wrong = [k for k in PARAMS if any(v["relative_error"] > FIT_TOL for v in per_param[k].values())]
    single = [r for r in runs if r.t == 1]
    single_right = bool(single) and all(_close(r.update, reference[r.probe], r) for r in single)
    long_wrong = [r.t for r in runs if r.t > 1 and not _close(r.update, reference[r.probe], r)]
    parts = [f"{', '.join(wrong) or 'no parameter'} {'is' if len(wrong) == 1 else 'are'} off"]
    ratios = [v["ratio"] for k in wrong for v in per_param[k].values() if np.isfinite(v["ratio"])]
    if ratios and f"{min(ratios):.3g}" == f"{max(ratios):.3g}":
        parts.append(f"by a factor {ratios[0]:.3g} against the reference")
    elif ratios:
        parts.append(f"by factors {min(ratios):.3g} to {max(ratios):.3g} against the reference")
    if single_right and long_wrong:
        parts.append(f"a single step (T = 1) is right, longer sequences (T ≥ {min(long_wrong)}) are not, so "
                     "look at what flows from one step to the previous one")
    elif single and not single_right:
        parts.append("already a single step (T = 1) is wrong, so look at one step's equations before the "
                     "flow through time")
    return make("backward_mismatch", {"parameters": per_param, "wrong": wrong, "single_step_right": single_right},
                summary="; ".join(parts))


# ---- evidence as plain, short numbers ---------------------------------------------------------------------------

def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return float(f"{f:.4g}") if np.isfinite(f) else None
    if isinstance(v, Opaque):
        return v.describe()
    return v
