"""Check stage: turn the child's raw results and the reference's into scored checks.

Every verdict is computed here, from plain numbers; nothing the learner's code returned is trusted beyond its
numeric content. Each check says what was checked, what was expected, what came back, and what to look at next.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from grader.judge import compare, conventions
from grader.judge.context import Context, Verdict, outputs_of, ref_outputs, result_of
from grader.judge.plan import PARAMS, CheckSpec, Plan, Probe, param_shapes
from grader.judge.results import Op
from grader.result import Check, Status

# ---- evaluation -----------------------------------------------------------------------------------------------

@dataclass
class Evaluation:
    """The checks' verdicts, the conventions the learner used and the numbers behind them."""
    checks: list[Check]
    conventions: list[str]
    analysis: dict[str, Any]


def evaluate(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]]) -> Evaluation:
    ctx = Context(plan, learner, reference)
    checks = []
    for spec in plan.checks:
        seen = (set(ctx.conventions), set(ctx.output_conventions))
        try:
            status, message, details = _CHECKS[spec.checker](ctx, spec)
        except Verdict as v:
            status, message, details = v.status, v.message, v.details
        if spec.hidden:  # what a hidden case showed of the learner's conventions is not for the learner's report
            ctx.conventions, ctx.output_conventions = seen
        points = spec.points if status is Status.PASS else 0.0
        checks.append(Check(spec.id, spec.group, status, points, spec.points, message, details, spec.hidden))
    ctx.note_backward_convention()
    ctx.analysis["verdicts"] = parameter_verdicts(ctx.analysis["parameters"])
    return Evaluation(checks, sorted(ctx.conventions | ctx.unambiguous_output_conventions()), ctx.analysis)


def parameter_verdicts(parameters: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per parameter, over the backward probes that compared it: right only if right in every one, with the
    comparison whose error is largest relative to the reference (its probe, error, worst entry). Parameters no
    backward probe could compare are left out."""
    out: dict[str, dict[str, Any]] = {}
    for name in PARAMS:
        seen = [(probe, v[name]) for probe, v in parameters.items() if probe.startswith("backward/") and name in v]
        if not seen:
            continue
        probe, worst = max(seen, key=lambda pv: (not pv[1]["passed"], pv[1]["rel_err"] if pv[1]["rel_err"]
                                                  is not None else float("inf"), pv[1]["max_abs_err"]))
        out[name] = {"passed": all(v["passed"] for _, v in seen), "probe": probe, "probes": len(seen),
                     **{k: worst[k] for k in ("max_abs_err", "rel_err", "worst_index", "expected_at", "actual_at",
                                              "tolerance")}}
    return out


# ---- init -----------------------------------------------------------------------------------------------------

def _check_init(ctx: Context, spec: CheckSpec):
    p, mine, ref = ctx.ops("init", 1)
    i, h, o = p.meta["sizes"]
    got, want = mine[0].value["params"], ref[0].value["params"]
    arrays, problems = _read_params(got, (i, h, o), "after __init__")
    if spec.id == "init/shapes":
        hidden = mine[0].value.get("hidden_size")
        if not (isinstance(hidden, float) and hidden == h):
            shown = hidden if isinstance(hidden, float) else conventions.describe(hidden)
            problems.append(f"self.hidden_size is {shown}; expected {h}")
        for c in (conventions.bias_convention(got), conventions.dtype_convention(got)):
            if c:
                ctx.conventions.add(c)
        if problems:
            return Status.FAIL, "; ".join(problems), {}
        return Status.PASS, f"SimpleRNN{(i, h, o)} has W_xh {(h, i)}, W_hh {(h, h)}, W_hy {(o, h)}, b_h, b_y", {}
    if any(a is None for a in arrays.values()):
        raise Verdict(Status.SKIPPED, "skipped: the parameters' shapes are wrong (see init/shapes)")
    if spec.id == "init/zero_biases":
        nonzero = [n for n in ("b_h", "b_y") if np.any(arrays[n] != 0)]
        if nonzero:
            return Status.FAIL, f"{' and '.join(nonzero)} should start at zero", {}
        return Status.PASS, "b_h and b_y start at zero", {}
    weights = np.concatenate([arrays[n].ravel() for n in ("W_xh", "W_hh", "W_hy")])
    if spec.id == "init/scale":
        std = float(np.std(weights))
        if not 0.007 <= std <= 0.013:
            return Status.FAIL, (f"the weights' standard deviation is {std:.3g}; the starter draws "
                                 "np.random.randn(...) * 0.01 (about 0.01)"), {"std": std}
        return Status.PASS, f"weights drawn at scale 0.01 (standard deviation {std:.3g})", {"std": std}
    comparisons = [compare.compare_arrays(name=n, expected=want[n], actual=arrays[n], rtol=1e-6)
                   for n in ("W_xh", "W_hh", "W_hy")]
    status, message, details = result_of(comparisons, "W_xh, W_hh, W_hy are drawn in the starter's order "
                                                    "(np.random.seed(42) then randn for each, in that order)")
    if status is Status.FAIL:
        message = ("the weights differ from np.random.randn(...) * 0.01 drawn as W_xh, W_hh, W_hy right after "
                   "the seed, so the published cases can't match: " + message)
    return status, message, details


# ---- forward ----------------------------------------------------------------------------------------------------

def _check_forward(ctx: Context, spec: CheckSpec):
    p = ctx.plan.probe(spec.probe)
    n_forward = sum(1 for op in p.ops if op["op"] == "forward")
    ctx.ops(spec.probe, 1)
    ctx.learner_params_exist(spec.probe)
    _, mine, ref = ctx.ops(spec.probe, len(p.ops))
    comparisons = []
    for k in range(n_forward):
        t = len(p.meta["xs"][k])
        got = outputs_of(ctx, mine[2 + k].value["value"], p.meta["sizes"], t)
        want = ctx.reference_memo(("outputs", spec.probe, 2 + k),
                                  lambda: ref_outputs(ref[2 + k].value["value"], p.meta["sizes"], t))
        label = "outputs" if n_forward == 1 else f"outputs of call {k + 1}"
        comparisons.append(compare.compare_arrays(name=label, expected=want, actual=got,
                                                  rtol=ctx.plan.tolerances.forward_rtol,
                                                  atol=1e-9))
    ctx.analysis["forward"][spec.id] = {"expected": comparisons[-1].expected.tolist(),
                                        "actual": comparisons[-1].actual.tolist()}
    t = len(p.meta["xs"][0])
    what = f"outputs match for T = {t}, sizes (I, H, O) = {p.meta['sizes']}"
    if n_forward > 1:
        lengths = ", ".join(str(len(x)) for x in p.meta["xs"])
        what = f"every forward() on a new sequence (T = {lengths}) starts again from h_0 = 0"
    status, message, details = result_of(comparisons, what)
    if status is Status.FAIL and n_forward > 1 and comparisons[0].passed:
        wrong = [k + 1 for k, c in enumerate(comparisons) if not c.passed]
        message = (f"the first call is right but call{'s' if len(wrong) > 1 else ''} "
                   f"{', '.join(map(str, wrong))} {'are' if len(wrong) > 1 else 'is'} not: is h_0 reset to zero on "
                   "every call, whatever the length of x? " + message)
    return status, message, details


# ---- backward and training: parameter updates -------------------------------------------------------------------

def _read_params(values: dict[str, Any], sizes: tuple[int, int, int],
                 when: str) -> tuple[dict[str, np.ndarray | None], list[str]]:
    """Each parameter in the reference's shape (None where it can't be), and what was wrong with the others."""
    out, problems = {}, []
    for name, shape in param_shapes(sizes).items():
        out[name], problem = conventions.read_param(values[name], shape, name, when)
        problems += [problem] if problem else []
    return out, problems


def _params(ops_value: dict[str, Any], sizes: tuple[int, int, int], when: str) -> dict[str, np.ndarray]:
    out, problems = _read_params(ops_value["params"], sizes, when)
    if problems:
        raise Verdict(Status.FAIL, "; ".join(problems))
    return out


def _injected_dtypes(ops_value: dict[str, Any]) -> dict[str, str]:
    """The dtype the grader injected each parameter in: float32 where the learner holds float32, else float64
    (run/probe.py INJECTED_DTYPES)."""
    return {n: "float32" if isinstance(v, np.ndarray) and v.dtype == np.float32 else "float64"
            for n, v in ops_value["params"].items()}


def _check_read_back(names: tuple[str, ...], injected: dict[str, np.ndarray], before: dict[str, np.ndarray]) -> None:
    """The update is measured from what the learner's object reports after injection: it must be what was injected
    (float32 rounding aside). A parameter that reports anything else fails the check, which says so."""
    problems = []
    for name in names:
        off = compare.read_back_error(injected=injected[name], read_back=before[name])
        if off:
            err, at = off
            problems.append(f"{name}, read back right after the grader set it, is not what was set: off by up to "
                            f"{err:.3g} at [{', '.join(map(str, at))}] (set {injected[name][at]:.6g}, read back "
                            f"{before[name][at]:.6g})")
    if problems:
        raise Verdict(Status.FAIL, "; ".join(problems) + ". The update is measured from those values, so a "
                                                         "parameter must report the values it holds", {})


def _update_comparisons(ctx: Context, spec: CheckSpec, set_i: int, after_i: int,
                        record: bool = True) -> list[compare.Comparison]:
    """The learner's change of spec.params from op set_i to op after_i against the reference's (only the ops up
    to after_i need to have run); `record`: keep each comparison in the analysis."""
    p = ctx.plan.probe(spec.probe)
    ctx.ops(spec.probe, 1)
    ctx.learner_params_exist(spec.probe)
    _, mine, ref = ctx.ops(spec.probe, after_i + 1)
    sizes = p.meta["sizes"]
    # A probe's five per-parameter checks read the same ops: each is read once per evaluation (ctx.memo).
    before = ctx.memo(("mine", spec.probe, set_i), lambda: _params(mine[set_i].value, sizes,
                                                                   "after the weights were set"))
    after = ctx.memo(("mine", spec.probe, after_i), lambda: _params(mine[after_i].value, sizes,
                                                                    f"after {p.ops[after_i]['op']}()"))
    ref_before = ctx.reference_memo(("params", spec.probe, set_i), lambda: _params(ref[set_i].value, sizes, ""))
    ref_after = ctx.reference_memo(("params", spec.probe, after_i), lambda: _params(ref[after_i].value, sizes, ""))
    injected = ctx.reference_memo(("injected", spec.probe), lambda: {n: np.asarray(v, dtype=float).reshape(
        param_shapes(sizes)[n]) for n, v in p.meta["params"].items()})
    _check_read_back(spec.params, injected, before)
    dtypes = _injected_dtypes(mine[set_i].value)
    if mine[after_i].value.get("returned"):
        ctx.conventions.add(f"backward returns a {mine[after_i].value['returned']} (ignored)")
    if mine[after_i].value.get("rebound"):
        ctx.conventions.add("backward rebinds the parameters (p = p - ...) rather than updating in place")
    out = []
    key = spec.probe if spec.call == 1 else spec.id  # a second call's verdicts are kept apart from the first's
    for name in spec.params:
        c = compare.compare_update(name=name, before=before[name], actual_after=after[name],
                                   expected_before=ref_before[name], expected_after=ref_after[name],
                                   injected=injected[name], dtype=dtypes[name], rtol=ctx.plan.tolerances.update_rtol,
                                   floor_ulps=ctx.plan.tolerances.floor_ulps)
        out.append(c)
        if record:
            ctx.analysis["parameters"].setdefault(key, {})[name] = _verdict_of(c)
    return out


def backward_ops(p: Probe) -> list[int]:
    """The indices of a probe's backward() calls, in order."""
    return [i for i, op in enumerate(p.ops) if op["op"] == "backward"]


def _verdict_of(c: compare.Comparison) -> dict[str, Any]:
    return {"passed": c.passed, "max_abs_err": c.max_abs_err,
            "rel_err": c.rel_err if np.isfinite(c.rel_err) else None, "worst_index": list(c.worst_index),
            "expected_at": c.expected_at, "actual_at": c.actual_at, "tolerance": c.tolerance,
            "error_map": (c.actual - c.expected).tolist(), "expected": c.expected.tolist()}


def _check_backward(ctx: Context, spec: CheckSpec):
    p = ctx.plan.probe(spec.probe)
    after_i = backward_ops(p)[spec.call - 1]
    set_i = max(i for i, op in enumerate(p.ops[:after_i]) if op["op"] == "set")  # the weights it started from
    comparisons = _update_comparisons(ctx, spec, set_i, after_i)
    lr, t = p.meta["lr"], len(p.meta["x"])
    names = ", ".join(spec.params) if len(spec.params) < 5 else "all five parameters"
    if spec.call == 1:
        return result_of(comparisons, f"the update of {names} matches −lr × ∂L/∂p (T = {t}, lr = {lr}, "
                                    f"sizes (I, H, O) = {p.meta['sizes']})")
    same = p.meta["calls"][1][0] is p.meta["calls"][0][0]
    data = "the same data again" if same else "new data"
    status, message, details = result_of(comparisons, f"a second forward() + backward() on the same instance, on "
                                                    f"{data}, updates {names} as the reference does: nothing "
                                                    "is kept from the first call")
    if status is Status.FAIL and _first_call_right(ctx, spec):
        message = (f"the first backward() is right but the second, on {data}, is not: does something carry "
                   "over from one call to the next (gradients that are never reset, a velocity, a state)? "
                   + message)
    return status, message, details


def _first_call_right(ctx: Context, spec: CheckSpec) -> bool:
    """Whether the first backward() of spec's probe updates spec.params as the reference does."""
    try:
        first = _update_comparisons(ctx, dataclasses.replace(spec, call=1), 1,
                                    backward_ops(ctx.plan.probe(spec.probe))[0], record=False)
    except Verdict:
        return False
    return all(c.passed for c in first)


def _losses(ctx: Context, outputs: list[Any], p: Probe) -> list[float] | None:
    y, sizes = p.meta["y"], p.meta["sizes"]
    first = outputs[0] if outputs else None
    if type(first) is np.ndarray and all(type(v) is np.ndarray and v.shape == first.shape for v in outputs):
        # Every epoch's outputs in one array layout (the usual case): all epochs at once, not one by one.
        got = conventions.read_outputs(first, t=len(y), o=sizes[2], h=sizes[1]).array
        stacked = np.stack(outputs).reshape(len(outputs), *got.shape) if got is not None else None
        if stacked is not None and np.isfinite(stacked).all():
            with np.errstate(over="ignore"):  # outputs of 1e200 overflow the loss: inf, written as null
                return [float(v) for v in 0.5 * np.sum((stacked.astype(float) - y) ** 2, axis=(1, 2))]
    # Another layout (lists or dicts of arrays): read at once when every epoch has the same one, else epoch by
    # epoch; each epoch's loss summed on its own either way, so that the numbers are the same. Outputs that are not
    # finite can't be read in any epoch that has them (read_outputs says so): no curve.
    every = conventions.read_all_outputs(outputs, t=len(y), o=sizes[2], h=sizes[1])
    if every is None:
        every = []
        for value in outputs:
            got = conventions.read_outputs(value, t=len(y), o=sizes[2], h=sizes[1]).array
            if got is None:
                return None
            every.append(got)
    elif not np.isfinite(every).all():
        return None
    return [float(0.5 * np.sum((got - y) ** 2)) for got in every]


def _training_curves(ctx: Context, spec: CheckSpec, mine: list[Op], ref: list[Op], i: int) -> None:
    p = ctx.plan.probe(spec.probe)
    ctx.analysis["training"][spec.probe] = {"learner": _losses(ctx, mine[i].value["outputs"], p),
                                            "reference": _reference_losses(ctx, ref, i, p)}


def _reference_losses(ctx: Context, ref: list[Op], i: int, p: Probe) -> list[float] | None:
    losses = ctx.reference_memo(("losses", p.name, i), lambda: _losses(ctx, ref[i].value["outputs"], p))
    return None if losses is None else list(losses)  # a list of its own: the analysis holds it


def _check_training(ctx: Context, spec: CheckSpec):
    p = ctx.plan.probe(spec.probe)
    epochs = p.meta["epochs"]
    if spec.id == "training/weights":
        comparisons = _update_comparisons(ctx, spec, 1, 2)
        return result_of(comparisons, f"after {epochs} epochs the weights match the reference's")
    ctx.ops(spec.probe, 1)
    ctx.learner_params_exist(spec.probe)
    _, mine, ref = ctx.ops(spec.probe, 3)
    _training_curves(ctx, spec, mine, ref, 2)
    t = len(p.meta["x"])
    got = outputs_of(ctx, mine[2].value["outputs"][-1], p.meta["sizes"], t)
    want = ctx.reference_memo(("outputs", spec.probe, 2, "last"),
                              lambda: ref_outputs(ref[2].value["outputs"][-1], p.meta["sizes"], t))
    c = compare.compare_arrays(name=f"outputs in epoch {epochs}", expected=want, actual=got,
                               rtol=ctx.plan.tolerances.forward_rtol, atol=1e-9)
    return result_of([c], f"the outputs of epoch {epochs} match the reference's")


def _check_official(ctx: Context, spec: CheckSpec):
    p, mine, ref = ctx.ops(spec.probe, 2)
    _training_curves(ctx, spec, mine, ref, 1)
    t = len(p.meta["x"])
    got = outputs_of(ctx, mine[1].value["outputs"][-1], p.meta["sizes"], t)
    c = compare.compare_arrays(name="outputs", expected=p.meta["expected"], actual=got,
                               rtol=ctx.plan.tolerances.official_rtol, atol=ctx.plan.tolerances.official_atol)
    ctx.analysis["forward"][spec.id] = {"expected": c.expected.tolist(), "actual": c.actual.tolist(),
                                        "targets": p.meta["y"].tolist()}
    return result_of([c], f"matches the published output after {p.meta['epochs']} epochs "
                        f"(seed {p.seed}, your own __init__)")


_CHECKS: dict[str, Callable] = {"init": _check_init, "forward": _check_forward, "backward": _check_backward,
                                "training": _check_training, "official": _check_official}
