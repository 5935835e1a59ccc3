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
from grader.judge.ops import Op, decode_ops  # noqa: F401  (Op and decode_ops are read from here too)
from grader.judge.plan import PARAMS, CheckSpec, Plan, Probe, param_shapes
from grader.result import Check, Status
from grader.run.wire import Opaque

# ---- evaluation -----------------------------------------------------------------------------------------------

@dataclass
class Evaluation:
    checks: list[Check]
    conventions: list[str]
    analysis: dict[str, Any]


class _Verdict(Exception):
    """Raised inside a check function to end it with a status and message (skipped, error, fail)."""

    def __init__(self, status: Status, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or {}


def evaluate(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]]) -> Evaluation:
    ctx = _Context(plan, learner, reference)
    checks = []
    for spec in plan.checks:
        try:
            status, message, details = _CHECKS[spec.checker](ctx, spec)
        except _Verdict as v:
            status, message, details = v.status, v.message, v.details
        points = spec.points if status is Status.PASS else 0.0
        checks.append(Check(spec.id, spec.group, status, points, spec.points, message, details, spec.hidden))
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


class _Context:
    def __init__(self, plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]]):
        self.plan, self.learner, self.reference = plan, learner, reference
        self.conventions: set[str] = set()
        self.output_conventions: set[tuple[int, str]] = set()  # (O, label)
        self.analysis: dict[str, Any] = {"parameters": {}, "training": {}, "forward": {}}
        self._note_backward_convention()

    def ops(self, probe: str, upto: int) -> tuple[Probe, list[Op], list[Op]]:
        """The learner's and reference's first `upto` ops of a probe, ending the check if one didn't succeed."""
        p = self.plan.probe(probe)
        mine, ref = self.learner[probe], self.reference[probe]
        for i in range(upto):
            op, what = mine[i], p.ops[i]
            if op.status == "ok":
                continue
            raise _Verdict(*self._failure(p, i, op, what))
        return p, mine, ref

    def _failure(self, p: Probe, i: int, op: Op, what: dict[str, Any]) -> tuple[Status, str, dict]:
        call = _describe_call(p, what)
        if op.status == "missing":
            return Status.ERROR, f"{call} did not run: {op.error['message']}", {}
        if op.status == "skipped":
            return Status.SKIPPED, "skipped: an earlier call in this case failed", {}
        init_ok = self.learner["init"][0].status == "ok" if "init" in self.learner else True
        if what["op"] == "new" and not init_ok and p.name != "init":
            return Status.SKIPPED, "skipped: SimpleRNN could not be constructed (see init/shapes)", {}
        text = f"{call} raised {op.error['type']}: {op.error['message']}".rstrip(": ")
        if op.error["type"] == "MemoryError":
            text += " (the submission ran out of memory)"
        if op.error["type"] == "NotImplementedError" and not op.error["message"]:
            text += " (not written yet?)"
        return Status.ERROR, text, {"traceback": op.error.get("traceback", "")}

    def learner_params_exist(self, probe: str) -> None:
        """Injection sets attributes by the starter's names; a learner who renamed them computes with others."""
        new = self.learner[probe][0].value.get("params", {})
        viewed = self.learner[probe][1].value.get("viewed") if len(self.learner[probe]) > 1 else None
        if isinstance(viewed, list) and viewed:  # the weights were written into the learner's arrays, in place
            self.conventions.add("weights viewed by other attributes (views or transposes cached in __init__)")
        missing = [n for n in PARAMS if isinstance(new.get(n), Opaque) and new[n].type_name == "missing"]
        if missing:
            raise _Verdict(Status.SKIPPED, f"skipped: the grader sets the weights by the starter's names, and "
                                           f"SimpleRNN has no {', '.join(missing)} after __init__ (see init/shapes)")

    def unambiguous_output_conventions(self) -> set[str]:
        """With one output, (T, O, 1) and (T, 1, O) are the same array: name what the widest outputs showed, and
        the conventions that only exist for one output (a squeezed array, a list of floats)."""
        widest = max((o for o, _ in self.output_conventions), default=0)
        return {label for o, label in self.output_conventions
                if o == widest or any(w in label for w in conventions.ONE_WIDE)}

    def _note_backward_convention(self) -> None:
        ops = self.learner.get("conventions/backward_alone")
        if ops and len(ops) >= 3:
            if ops[2].status == "ok":
                self.conventions.add("backward runs forward itself (works without a prior forward call)")
            elif ops[2].status == "error" and ops[2].error.get("type") != "NotImplementedError":
                self.conventions.add("backward uses the states cached by forward")


def _describe_call(p: Probe, op: dict[str, Any]) -> str:
    sizes = p.meta.get("sizes")
    if op["op"] == "new":
        return f"SimpleRNN{tuple(op['sizes'])}"
    if op["op"] == "set":
        return "setting the weights"
    if op["op"] == "train":
        return f"training for {op['epochs']} epochs"
    return f"{op['op']}() (sizes I, H, O = {sizes})"


def _outputs(ctx: _Context, value: Any, sizes: tuple[int, int, int], t: int) -> np.ndarray:
    got = conventions.read_outputs(value, t=t, o=sizes[2], h=sizes[1])
    if got.convention:
        ctx.output_conventions.add((sizes[2], f"forward returns {got.convention}"))
    if got.array is None:
        raise _Verdict(Status.FAIL, got.problem)
    return got.array


def _ref_outputs(value: Any, sizes: tuple[int, int, int], t: int) -> np.ndarray:
    return conventions.read_outputs(value, t=t, o=sizes[2], h=sizes[1]).array


def _result(comparisons: list[compare.Comparison], what: str) -> tuple[Status, str, dict[str, Any]]:
    failed = [c for c in comparisons if not c.passed]
    details = {"comparisons": [c.to_dict() for c in comparisons]}
    if failed:
        return Status.FAIL, "; ".join(c.message() for c in failed), details
    return Status.PASS, what, details


# ---- init -----------------------------------------------------------------------------------------------------

def _check_init(ctx: _Context, spec: CheckSpec):
    p, mine, ref = ctx.ops("init", 1)
    i, h, o = p.meta["sizes"]
    got, want = mine[0].value["params"], ref[0].value["params"]
    arrays, problems = _read_params(got, (i, h, o), "after __init__")
    if spec.id == "init/shapes":
        hidden = mine[0].value.get("hidden_size")
        if not (isinstance(hidden, float) and hidden == h):
            problems.append(f"self.hidden_size is {conventions.describe(hidden) if not isinstance(hidden, float) else hidden:}"
                            f"; expected {h}")
        for c in (conventions.bias_convention(got), conventions.dtype_convention(got)):
            if c:
                ctx.conventions.add(c)
        if problems:
            return Status.FAIL, "; ".join(problems), {}
        return Status.PASS, f"SimpleRNN{(i, h, o)} has W_xh {(h, i)}, W_hh {(h, h)}, W_hy {(o, h)}, b_h, b_y", {}
    if any(a is None for a in arrays.values()):
        raise _Verdict(Status.SKIPPED, "skipped: the parameters' shapes are wrong (see init/shapes)")
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
    status, message, details = _result(comparisons, "W_xh, W_hh, W_hy are drawn in the starter's order "
                                                    "(np.random.seed(42) then randn for each, in that order)")
    if status is Status.FAIL:
        message = ("the weights differ from np.random.randn(...) * 0.01 drawn as W_xh, W_hh, W_hy right after "
                   "the seed, so the published cases can't match: " + message)
    return status, message, details


# ---- forward ----------------------------------------------------------------------------------------------------

def _check_forward(ctx: _Context, spec: CheckSpec):
    p = ctx.plan.probe(spec.probe)
    n_forward = sum(1 for op in p.ops if op["op"] == "forward")
    ctx.ops(spec.probe, 1)
    ctx.learner_params_exist(spec.probe)
    _, mine, ref = ctx.ops(spec.probe, len(p.ops))
    comparisons = []
    for k in range(n_forward):
        t = len(p.meta["xs"][k])
        got = _outputs(ctx, mine[2 + k].value["value"], p.meta["sizes"], t)
        want = _ref_outputs(ref[2 + k].value["value"], p.meta["sizes"], t)
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
    status, message, details = _result(comparisons, what)
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
        raise _Verdict(Status.FAIL, "; ".join(problems))
    return out


def _dtypes(ops_value: dict[str, Any]) -> dict[str, str]:
    return {n: str(v.dtype) if isinstance(v, np.ndarray) else "float64" for n, v in ops_value["params"].items()}


def _update_comparisons(ctx: _Context, spec: CheckSpec, set_i: int, after_i: int,
                        record: bool = True) -> list[compare.Comparison]:
    """The learner's change of spec.params from op set_i to op after_i against the reference's (only the ops up
    to after_i need to have run); `record`: keep each comparison in the analysis."""
    p = ctx.plan.probe(spec.probe)
    ctx.ops(spec.probe, 1)
    ctx.learner_params_exist(spec.probe)
    _, mine, ref = ctx.ops(spec.probe, after_i + 1)
    sizes = p.meta["sizes"]
    before = _params(mine[set_i].value, sizes, "after the weights were set")
    after = _params(mine[after_i].value, sizes, f"after {p.ops[after_i]['op']}()")
    ref_before, ref_after = _params(ref[set_i].value, sizes, ""), _params(ref[after_i].value, sizes, "")
    dtypes = _dtypes(mine[set_i].value)
    if mine[after_i].value.get("returned"):
        ctx.conventions.add(f"backward returns a {mine[after_i].value['returned']} (ignored)")
    if mine[after_i].value.get("rebound"):
        ctx.conventions.add("backward rebinds the parameters (p = p - ...) rather than updating in place")
    out = []
    key = spec.probe if spec.call == 1 else spec.id  # a second call's verdicts are kept apart from the first's
    for name in spec.params:
        c = compare.compare_update(name=name, before=before[name], actual_after=after[name],
                                   expected_before=ref_before[name], expected_after=ref_after[name],
                                   dtype=dtypes[name], rtol=ctx.plan.tolerances.update_rtol,
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


def _check_backward(ctx: _Context, spec: CheckSpec):
    p = ctx.plan.probe(spec.probe)
    after_i = backward_ops(p)[spec.call - 1]
    set_i = max(i for i, op in enumerate(p.ops[:after_i]) if op["op"] == "set")  # the weights it started from
    comparisons = _update_comparisons(ctx, spec, set_i, after_i)
    lr, t = p.meta["lr"], len(p.meta["x"])
    names = ", ".join(spec.params) if len(spec.params) < 5 else "all five parameters"
    if spec.call == 1:
        return _result(comparisons, f"the update of {names} matches −lr × ∂L/∂p (T = {t}, lr = {lr}, "
                                    f"sizes (I, H, O) = {p.meta['sizes']})")
    same = p.meta["calls"][1][0] is p.meta["calls"][0][0]
    data = "the same data again" if same else "new data"
    status, message, details = _result(comparisons, f"a second forward() + backward() on the same instance, on "
                                                    f"{data}, updates {names} as the reference does: nothing "
                                                    "is kept from the first call")
    if status is Status.FAIL and _first_call_right(ctx, spec):
        message = (f"the first backward() is right but the second, on {data}, is not: does something carry "
                   "over from one call to the next (gradients that are never reset, a velocity, a state)? "
                   + message)
    return status, message, details


def _first_call_right(ctx: _Context, spec: CheckSpec) -> bool:
    """Whether the first backward() of spec's probe updates spec.params as the reference does."""
    try:
        first = _update_comparisons(ctx, dataclasses.replace(spec, call=1), 1,
                                    backward_ops(ctx.plan.probe(spec.probe))[0], record=False)
    except _Verdict:
        return False
    return all(c.passed for c in first)


def _losses(ctx: _Context, outputs: list[Any], p: Probe) -> list[float] | None:
    y, sizes = p.meta["y"], p.meta["sizes"]
    first = outputs[0] if outputs else None
    if type(first) is np.ndarray and all(type(v) is np.ndarray and v.shape == first.shape for v in outputs):
        # Every epoch's outputs in one array layout (the usual case): all epochs at once, not one by one.
        got = conventions.read_outputs(first, t=len(y), o=sizes[2], h=sizes[1]).array
        stacked = np.stack(outputs).reshape(len(outputs), *got.shape) if got is not None else None
        if stacked is not None and np.isfinite(stacked).all():
            return [float(v) for v in 0.5 * np.sum((stacked.astype(float) - y) ** 2, axis=(1, 2))]
    losses = []
    for value in outputs:
        got = conventions.read_outputs(value, t=len(y), o=sizes[2], h=sizes[1]).array
        if got is None:
            return None
        losses.append(float(0.5 * np.sum((got - y) ** 2)))
    return losses


def _training_curves(ctx: _Context, spec: CheckSpec, mine: list[Op], ref: list[Op], i: int) -> None:
    p = ctx.plan.probe(spec.probe)
    ctx.analysis["training"][spec.probe] = {"learner": _losses(ctx, mine[i].value["outputs"], p),
                                            "reference": _losses(ctx, ref[i].value["outputs"], p)}


def _check_training(ctx: _Context, spec: CheckSpec):
    p = ctx.plan.probe(spec.probe)
    epochs = p.meta["epochs"]
    if spec.id == "training/weights":
        comparisons = _update_comparisons(ctx, spec, 1, 2)
        return _result(comparisons, f"after {epochs} epochs the weights match the reference's")
    ctx.ops(spec.probe, 1)
    ctx.learner_params_exist(spec.probe)
    _, mine, ref = ctx.ops(spec.probe, 3)
    _training_curves(ctx, spec, mine, ref, 2)
    t = len(p.meta["x"])
    got = _outputs(ctx, mine[2].value["outputs"][-1], p.meta["sizes"], t)
    want = _ref_outputs(ref[2].value["outputs"][-1], p.meta["sizes"], t)
    c = compare.compare_arrays(name=f"outputs in epoch {epochs}", expected=want, actual=got,
                               rtol=ctx.plan.tolerances.forward_rtol, atol=1e-9)
    return _result([c], f"the outputs of epoch {epochs} match the reference's")


def _check_official(ctx: _Context, spec: CheckSpec):
    p, mine, ref = ctx.ops(spec.probe, 2)
    _training_curves(ctx, spec, mine, ref, 1)
    t = len(p.meta["x"])
    got = _outputs(ctx, mine[1].value["outputs"][-1], p.meta["sizes"], t)
    c = compare.compare_arrays(name="outputs", expected=p.meta["expected"], actual=got,
                               rtol=ctx.plan.tolerances.official_rtol, atol=ctx.plan.tolerances.official_atol)
    ctx.analysis["forward"][spec.id] = {"expected": c.expected.tolist(), "actual": c.actual.tolist(),
                                        "targets": p.meta["y"].tolist()}
    return _result([c], f"matches the published output after {p.meta['epochs']} epochs "
                        f"(seed {p.seed}, your own __init__)")


_CHECKS: dict[str, Callable] = {"init": _check_init, "forward": _check_forward, "backward": _check_backward,
                                "training": _check_training, "official": _check_official}
