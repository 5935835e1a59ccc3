"""The reference maths with misconceptions switched on: what a learner's code would have produced.

diagnose/ compares a learner's behaviour with these "mutant references" to name the misconception behind it.
Runs in the grader's own process on float64 copies; column vectors as in solution/simple_rnn.py.

    h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h),  ŷ_t = W_hy h_t + b_y,  L = Σ_t ½‖ŷ_t − y_t‖²

Every flag off gives exactly the reference's forward and update.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from grader.run import memo

PARAMS = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")
WEIGHTS = ("W_xh", "W_hh", "W_hy")

# What learners write instead of tanh'(z) = 1 − h², as a function of (h = tanh z, z).
TANH_DERIVATIVES = {
    "tanh_of_h": lambda h, z: 1 - np.tanh(h) ** 2,   # tanh applied twice: 1 − tanh(h)²
    "one_minus_h": lambda h, z: 1 - h,                # forgot the square
    "sigmoid": lambda h, z: h * (1 - h),              # the sigmoid's derivative
    "pre_activation": lambda h, z: 1 - z ** 2,        # squared the pre-activation
    "none": lambda h, z: np.ones_like(h),             # no derivative at all
}

# Output activations learners add, as (f, f' written with the activation's output a = f(v)).
OUTPUT_ACTIVATIONS = {
    "tanh": (np.tanh, lambda a: 1 - a ** 2),
    "sigmoid": (lambda v: 1 / (1 + np.exp(-v)), lambda a: a * (1 - a)),
    "relu": (lambda v: np.maximum(v, 0), lambda a: (a > 0).astype(float)),
}


@dataclass(frozen=True)
class Mutant:
    """Which misconceptions are switched on. Field names follow the diagnosis ids where there is one."""
    only_last_step_loss: bool = False
    # The error of the output at step t reaches back to steps t−k+1 … t only (k = this window; 0: all the way
    # back). k = 1 is no flow through time at all; k ≥ T is the full BPTT.
    truncated_bptt: int = 0
    first_step_skipped: bool = False     # the backward loop stops before t = 0
    tanh_derivative: str = ""            # "" or a key of TANH_DERIVATIVES
    whh_gradient_uses_current_state: bool = False
    initial_state_aliased: bool = False  # at t = 0 the backward takes h_T as the previous state
    updates_inside_time_loop: bool = False
    output_activation: str = ""          # ŷ = f(W_hy h + b_y), f a key of OUTPUT_ACTIVATIONS, backward through f
    missing_recurrence: bool = False     # h_t = tanh(W_xh x_t + b_h) in forward
    # What backward keeps of the recurrence missing from forward: "" nothing (consistent with that forward),
    # "gradient" a W_hh gradient from h_{t−1} but no flow through time, "full" a backward for the full model.
    recurrence_in_backward: str = ""
    # A state carried over between calls (hidden_state_not_reset) in a backward that re-runs forward: that run
    # starts from the final state of the forward call just before.
    backward_starts_from_carried_state: bool = False
    frozen: tuple[str, ...] = ()         # parameters never updated (biases_not_updated)
    clip: float = 0.0                    # gradient entries clipped to ±clip (0: no clipping)
    clipped: tuple[str, ...] = ()

    def switched_on(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) not in (False, "", (), 0.0)]

    def with_(self, **changes: Any) -> "Mutant":
        return replace(self, **changes)


def forward(params: dict[str, np.ndarray], x: np.ndarray, m: Mutant = Mutant(),
            h0: np.ndarray | None = None) -> tuple[list, list, list]:
    """x: (T, I). Returns (pre-activations z_t, states h_t, outputs ŷ_t), each a list of T column vectors."""
    h = np.zeros((params["W_hh"].shape[0], 1)) if h0 is None else h0
    zs, hs, ys = [], [], []
    for x_t in np.asarray(x, dtype=float):
        z = params["W_xh"] @ x_t.reshape(-1, 1) + params["b_h"]
        if not m.missing_recurrence:
            z = z + params["W_hh"] @ h
        h = np.tanh(z)
        y = params["W_hy"] @ h + params["b_y"]
        zs.append(z)
        hs.append(h)
        ys.append(OUTPUT_ACTIVATIONS[m.output_activation][0](y) if m.output_activation else y)
    return zs, hs, ys


# ---- memoized by content --------------------------------------------------------------------------------------
# A diagnosis tries many mutants on each probe, and the probes' weights and data are the plan's: every submission
# of a class (whose read-back weights are the injected ones) asks for the same mutant references. So each is
# computed once per process, keyed by the exact bytes of its inputs, and handed out as fresh copies.

_MEMO: dict[tuple, Any] = {}
_MEMO_ENTRIES = 4096  # a few MB at the kata's sizes; emptied when full


def _bits(a: Any) -> tuple:
    if a is None:
        return ()
    if isinstance(a, (int, float)):
        return (float(a).hex(),)  # -0.0 and 0.0 apart: the results may differ in sign
    a = np.asarray(a)
    return a.dtype.str, a.shape, a.tobytes()


def _memo(kind: str, compute, params: dict[str, np.ndarray], *inputs: Any, m: Mutant) -> Any:
    key = (kind, m, tuple((k, _bits(v)) for k, v in params.items()), tuple(_bits(v) for v in inputs))
    value = _MEMO.get(key)
    if value is None:
        value = memo.remember(_MEMO, key, compute(), _MEMO_ENTRIES)
    return {k: v.copy() for k, v in value.items()} if isinstance(value, dict) else value.copy()


def outputs(params: dict[str, np.ndarray], x: np.ndarray, m: Mutant = Mutant(),
            h0: np.ndarray | None = None) -> np.ndarray:
    """The (T, O) outputs of a forward pass."""
    return _memo("outputs", lambda: np.array([y.ravel() for y in forward(params, x, m, h0)[2]]), params, x, h0, m=m)


def last_state(params: dict[str, np.ndarray], x: np.ndarray, m: Mutant = Mutant(),
               h0: np.ndarray | None = None) -> np.ndarray:
    return _memo("last_state", lambda: forward(params, x, m, h0)[1][-1], params, x, h0, m=m)


def update(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, m: Mutant = Mutant(),
           scale: float = 1.0) -> dict[str, np.ndarray]:
    """The change p_after − p_before of one backward(x, y, lr) under mutant m.

    `scale` multiplies the loss (1/T for a mean over time, 2 without the ½, −1 for gradient ascent...); inputs
    params (float64, the reference's shapes), x (T, I), y (T, O). Returns one array per parameter."""
    return _memo("update", lambda: _update(params, x, y, lr, m, scale), params, x, y, lr, scale, m=m)


def _update(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, m: Mutant,
            scale: float) -> dict[str, np.ndarray]:
    if m.truncated_bptt > 1 and not m.updates_inside_time_loop:
        return window(lag_updates(params, x, y, lr, m, scale), m.truncated_bptt)
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    h0 = _initial_state(p, x, m)
    zs, hs, ys = forward(p, x, m, h0)
    y = np.asarray(y, dtype=float)
    t_last = len(hs) - 1
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    total = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next = np.zeros_like(hs[0])
    derivative = TANH_DERIVATIVES.get(m.tanh_derivative, lambda h, z: 1 - h ** 2)
    for t in reversed(range(len(hs))):
        if m.first_step_skipped and t == 0:
            break
        dy = ys[t] - y[t].reshape(-1, 1)
        if m.only_last_step_loss and t != t_last:
            dy = np.zeros_like(dy)
        if m.output_activation:
            dy = dy * OUTPUT_ACTIVATIONS[m.output_activation][1](ys[t])
        dy = scale * dy
        grads["W_hy"] += dy @ hs[t].T
        grads["b_y"] += dy
        dh = p["W_hy"].T @ dy + (0 if m.truncated_bptt else dh_next)
        dz = derivative(hs[t], zs[t]) * dh
        grads["W_xh"] += dz @ np.asarray(x[t], dtype=float).reshape(1, -1)
        grads["W_hh"] += dz @ _previous_state(hs, t, h0, m).T if _whh_gradient(m) else 0
        if not m.missing_recurrence or m.recurrence_in_backward == "full":
            dh_next = p["W_hh"].T @ dz
        grads["b_h"] += dz
        if m.updates_inside_time_loop:  # this step's gradient is applied before the next (earlier) step
            _step(p, grads, total, lr, m)
            grads = {k: np.zeros_like(v) for k, v in p.items()}
    _step(p, grads, total, lr, m)
    return total


def _initial_state(p: dict[str, np.ndarray], x: np.ndarray, m: Mutant) -> np.ndarray:
    if m.backward_starts_from_carried_state:
        return last_state(p, x, m)
    return np.zeros((p["W_hh"].shape[0], 1))


def _previous_state(hs: list[np.ndarray], t: int, h0: np.ndarray, m: Mutant) -> np.ndarray:
    """The state W_hh multiplied at step t, as the learner's backward takes it."""
    if m.whh_gradient_uses_current_state:
        return hs[t]
    if t == 0:
        return hs[-1] if m.initial_state_aliased else h0
    return hs[t - 1]


def _whh_gradient(m: Mutant) -> bool:
    return not m.missing_recurrence or bool(m.recurrence_in_backward)


def lag_updates(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, m: Mutant = Mutant(),
                scale: float = 1.0) -> list[dict[str, np.ndarray]]:
    """The update of one backward(x, y, lr) under m, split by how far back an error travels: item L holds what the
    error of each output t contributes at step t − L (W_hy and b_y only at L = 0). Their sum over L < k is the
    update with a truncation window k (`window`); over all L, the full BPTT. All chains of one lag are computed
    at once, so this costs T matrix products rather than T². Not for updates_inside_time_loop (not linear)."""
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    h0 = _initial_state(p, x, m)
    zs, hs, ys = forward(p, x, m, h0)
    n = len(hs)
    derivative = TANH_DERIVATIVES.get(m.tanh_derivative, lambda h, z: 1 - h ** 2)
    hs_, ys_ = np.hstack(hs), np.hstack(ys)                                   # (H, T), (O, T)
    dtanh = np.hstack([derivative(h, z) for h, z in zip(hs, zs)])            # (H, T)
    prev = np.hstack([_previous_state(hs, t, h0, m) for t in range(n)])      # (H, T)
    xs = np.asarray(x, dtype=float).reshape(n, -1)                           # (T, I)
    dy = ys_ - np.asarray(y, dtype=float).reshape(n, -1).T                   # (O, T)
    if m.only_last_step_loss:
        dy[:, :-1] = 0
    if m.output_activation:
        dy = dy * OUTPUT_ACTIVATIONS[m.output_activation][1](ys_)
    first = 1 if m.first_step_skipped else 0
    dy[:, :first] = 0
    dy = scale * dy
    lags = []
    dh = p["W_hy"].T @ dy                       # column j: ∂L/∂h_j from the output of step j + lag
    flows = not m.missing_recurrence or m.recurrence_in_backward == "full"
    for lag in range(n):
        dz = dtanh[:, :n - lag] * dh
        dz[:, :first] = 0                       # a skipped first step takes no gradient
        g = {"W_xh": dz @ xs[:n - lag],
             "W_hh": dz @ prev[:, :n - lag].T if _whh_gradient(m) else np.zeros_like(p["W_hh"]),
             "b_h": dz.sum(axis=1, keepdims=True),
             "W_hy": dy @ hs_.T if lag == 0 else np.zeros_like(p["W_hy"]),
             "b_y": dy.sum(axis=1, keepdims=True) if lag == 0 else np.zeros_like(p["b_y"])}
        lags.append({k: np.zeros_like(v) if k in m.frozen else -lr * v for k, v in g.items()})
        if not flows or lag == n - 1:
            break
        dh = (p["W_hh"].T @ dz)[:, 1:]          # one step further back; the chain at step 0 has ended
    return lags


def window(lags: list[dict[str, np.ndarray]], k: int) -> dict[str, np.ndarray]:
    """The update with truncation window k from lag_updates (k ≥ T: the full update)."""
    total = {name: np.zeros_like(v) for name, v in lags[0].items()}
    for lag in lags[:k]:
        for name, v in lag.items():
            total[name] += v
    return total


def _step(p: dict[str, np.ndarray], grads: dict[str, np.ndarray], total: dict[str, np.ndarray], lr: float,
          m: Mutant) -> None:
    for k in PARAMS:
        if k in m.frozen:
            continue
        g = np.clip(grads[k], -m.clip, m.clip) if m.clip and k in m.clipped else grads[k]
        p[k] -= lr * g
        total[k] -= lr * g
