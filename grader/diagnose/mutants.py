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
    truncated_bptt: bool = False
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


def outputs(params: dict[str, np.ndarray], x: np.ndarray, m: Mutant = Mutant(),
            h0: np.ndarray | None = None) -> np.ndarray:
    """The (T, O) outputs of a forward pass."""
    return np.array([y.ravel() for y in forward(params, x, m, h0)[2]])


def last_state(params: dict[str, np.ndarray], x: np.ndarray, m: Mutant = Mutant(),
               h0: np.ndarray | None = None) -> np.ndarray:
    return forward(params, x, m, h0)[1][-1]


def update(params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, lr: float, m: Mutant = Mutant(),
           scale: float = 1.0) -> dict[str, np.ndarray]:
    """The change p_after − p_before of one backward(x, y, lr) under mutant m.

    `scale` multiplies the loss (1/T for a mean over time, 2 without the ½, −1 for gradient ascent...); inputs
    params (float64, the reference's shapes), x (T, I), y (T, O). Returns one array per parameter."""
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    h0 = np.zeros((p["W_hh"].shape[0], 1))
    if m.backward_starts_from_carried_state:
        h0 = last_state(p, x, m)
    zs, hs, ys = forward(p, x, m, h0)
    y = np.asarray(y, dtype=float)
    t_last = len(hs) - 1
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    total = {k: np.zeros_like(v) for k, v in p.items()}
    dh_next = np.zeros_like(hs[0])
    derivative = TANH_DERIVATIVES.get(m.tanh_derivative, lambda h, z: 1 - h ** 2)
    for t in reversed(range(len(hs))):
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
        if m.whh_gradient_uses_current_state:
            h_prev = hs[t]
        elif t == 0:
            h_prev = hs[t_last] if m.initial_state_aliased else h0
        else:
            h_prev = hs[t - 1]
        if not m.missing_recurrence or m.recurrence_in_backward:
            grads["W_hh"] += dz @ h_prev.T
        if not m.missing_recurrence or m.recurrence_in_backward == "full":
            dh_next = p["W_hh"].T @ dz
        grads["b_h"] += dz
        if m.updates_inside_time_loop:  # this step's gradient is applied before the next (earlier) step
            _step(p, grads, total, lr, m)
            grads = {k: np.zeros_like(v) for k, v in p.items()}
    _step(p, grads, total, lr, m)
    return total


def _step(p: dict[str, np.ndarray], grads: dict[str, np.ndarray], total: dict[str, np.ndarray], lr: float,
          m: Mutant) -> None:
    for k in PARAMS:
        if k in m.frozen:
            continue
        g = np.clip(grads[k], -m.clip, m.clip) if m.clip and k in m.clipped else grads[k]
        p[k] -= lr * g
        total[k] -= lr * g
