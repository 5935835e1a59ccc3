"""Reading the learner's behaviour: the forward and backward probes that ran through, as float64 arrays in the
reference's shapes (hidden cases left out, so that no evidence tells their numbers), and the tolerances of a fit."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.judge import compare, conventions
from grader.judge.checks import Op
from grader.judge.plan import PARAMS, Plan, param_shapes

FORWARD_TOL = 1e-4  # relative; float32 forwards land near 1e-6, the smallest misconception near 1e-2


FIT_TOL = 2e-3      # relative; float32 updates land near 1e-5, the smallest misconception near 1e-2


def median(values) -> float:
    """np.median's value for a flat sequence of floats (NaN when one is NaN), without its first call importing
    numpy.ma (about 10 ms of a one-file run)."""
    a = np.sort(np.asarray(values, dtype=float).ravel())
    if a.size == 0 or np.isnan(a[-1]):  # NaN sorts last
        return float("nan")
    mid = a.size // 2
    return float(a[mid]) if a.size % 2 else float((a[mid - 1] + a[mid]) / 2)


@dataclass(frozen=True)
class ForwardRun:
    """A forward probe's calls as evidence: the weights injected, the inputs, the learner's outputs."""
    probe: str
    params: dict[str, np.ndarray]      # what the learner held after injection, float64, reference shapes
    xs: list[np.ndarray]               # one (T, I) input per forward call
    outputs: list[np.ndarray | None]   # the learner's (T, O) outputs per call, None where unreadable


@dataclass(frozen=True)
class BackwardRun:
    """One backward() call as evidence: the weights before, the inputs, the learner's update."""
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


def read_params(value: dict[str, Any], sizes: tuple[int, int, int]) -> dict[str, np.ndarray] | None:
    out = {}
    for name, shape in param_shapes(sizes).items():
        arr, problem = conventions.read_param(value.get("params", {}).get(name), shape, name, "")
        if problem:
            return None
        out[name] = arr
    return out


def injected_params(value: dict[str, Any], injected: dict[str, np.ndarray],
                    sizes: tuple[int, int, int]) -> dict[str, np.ndarray] | None:
    """The weights the learner held right after injection, or None when any is not what the grader injected
    (float32 rounding aside; see compare.read_back_error): a diagnosis reads no behaviour measured from values
    the learner's object made up."""
    params = read_params(value, sizes)
    if params is None or any(compare.read_back_error(injected=np.reshape(injected[k], params[k].shape),
                                                     read_back=params[k]) for k in PARAMS):
        return None
    return params


def all_ok(ops: list[Op], n: int) -> bool:
    return len(ops) >= n and all(op.status == "ok" for op in ops[:n])


def forward_runs(plan: Plan, learner: dict[str, list[Op]]) -> list[ForwardRun]:
    runs = []
    for p in plan.probes:
        if not p.name.startswith("forward/") or not all_ok(learner.get(p.name, []), len(p.ops)):
            continue
        ops, sizes = learner[p.name], p.meta["sizes"]
        params = injected_params(ops[1].value, p.meta["params"], sizes)
        if params is None:
            continue
        outs = [conventions.read_outputs(op.value.get("value"), t=len(x), o=sizes[2], h=sizes[1]).array
                for op, x in zip(ops[2:], p.meta["xs"])]
        runs.append(ForwardRun(p.name, params, list(p.meta["xs"]), outs))
    return runs


def backward_runs(plan: Plan, learner: dict[str, list[Op]]) -> list[BackwardRun]:
    """The first backward() of every probe that injects weights and runs forward then backward: backward/* and
    diagnose/*. Hidden cases are left out, so that no evidence tells their numbers."""
    return [first for first, _ in _calls(plan, learner, 4)]


def second_calls(plan: Plan, learner: dict[str, list[Op]]) -> list[tuple[BackwardRun, BackwardRun]]:
    """(first call, second call) of the probes that inject the weights and call forward + backward twice on one
    instance."""
    return [(first, second) for first, second in _calls(plan, learner, 7) if second is not None]


def _calls(plan: Plan, learner: dict[str, list[Op]], upto: int) -> list[tuple[BackwardRun, BackwardRun | None]]:
    out = []
    for p in plan.probes:
        ops = learner.get(p.name, [])
        kinds = [o["op"] for o in p.ops]
        if not p.name.startswith(("backward/", "diagnose/")) or kinds[:4] != ["new", "set", "forward", "backward"] or \
                not all_ok(ops, upto) or (upto > 4 and kinds[4:7] != ["set", "forward", "backward"]):
            continue
        # Each call runs from the weights set right before it (read back) to those after its backward.
        # A "before" read-back counts only when it is what the grader injected.
        states = [injected_params(ops[i].value, p.meta["params"], p.meta["sizes"]) if k % 2 == 0
                  else read_params(ops[i].value, p.meta["sizes"])
                  for k, i in enumerate((1, 3) if upto == 4 else (1, 3, 4, 6))]
        if any(v is None for v in states):
            continue
        rtol = rounding(ops[1].value) * 1e3
        runs = [BackwardRun(p.name if k == 0 else f"{p.name} (second call)", states[2 * k], *p.meta["calls"][k],
                            p.meta["lr"], {n: states[2 * k + 1][n] - states[2 * k][n] for n in PARAMS}, rtol=rtol)
                for k in range(len(states) // 2)]
        out.append((runs[0], runs[1] if len(runs) > 1 else None))
    return out


def rounding(value: dict[str, Any]) -> float:
    """The machine epsilon of the coarsest float dtype among the parameters a learner holds, but never coarser
    than float32's: the grader injects float64 or float32 (run/probe.py), so a learner reporting float16 gets no
    wider tolerance for it."""
    dtypes = [v.dtype for v in value.get("params", {}).values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    eps = max([np.finfo(d).eps for d in dtypes] or [np.finfo(float).eps])
    return float(min(eps, np.finfo(np.float32).eps))


def rel_err(got: np.ndarray, want: np.ndarray) -> float:
    scale = float(np.abs(want).max()) if want.size else 0.0
    err = float(np.abs(got - want).max()) if want.size else 0.0
    return err / scale if scale else (0.0 if err == 0 else float("inf"))
