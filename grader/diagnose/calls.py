"""Across calls: what an update keeps from one backward() to the next, and steps that are not p −= lr · g at all.

The second call on one instance starts from the same injected weights as the first (judge/plan.py), so a fresh
instance would update as the learner's own model of one call predicts: on the same data, exactly as the first call
did; on new data, as the model fitted to the first calls says. What the second update has on top of that, as a
multiple b of the first update, names the mistake: b = 1 gradients that are never reset, 0 < b < 1 a momentum.
An adaptive step (Adam, RMSProp, Adagrad) shows already in the first call: every entry moves by about the same
amount, whatever its gradient; the second call tells which one it is.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from grader.diagnose.behaviour import FIT_TOL, BackwardRun, median
from grader.diagnose.texts import make, nice
from grader.judge.plan import PARAMS
from grader.result import Diagnosis

SHARE_TOL = 0.02     # |b − 1| or |b| below this: all of the first gradient, or none of it
SIGN_TOL = 0.02      # relative spread of |update| entries that counts as "the same amount"
EPS = 1e-8           # the ε of the usual adaptive optimizers; it only matters where a gradient is ~0

Predict = Callable[[BackwardRun, BackwardRun], dict[str, np.ndarray] | None]


def kept_between_calls(pairs: list[tuple[BackwardRun, BackwardRun]], predict: Predict | None) -> list[Diagnosis]:
    """gradients_not_reset or optimizer_not_sgd (a momentum) from the second calls; [] when they update like
    fresh ones. `predict(first, second)`: the learner's own one-call model of the second call (None: unknown)."""
    shares: dict[str, dict[str, float]] = {}
    for first, second in pairs:
        fresh = first.update if _same_call(first, second) else (predict(first, second) if predict else None)
        if fresh is None:
            continue
        row = {}
        for k in PARAMS:
            d1, extra = first.update[k].ravel(), (second.update[k] - fresh[k]).ravel()
            if not d1 @ d1:
                continue
            b = float(d1 @ extra / (d1 @ d1))
            scale = max(float(np.abs(second.update[k]).max()), 1e-300)
            if float(np.abs(extra - b * d1).max()) > 10 * FIT_TOL * scale:
                return []  # something else changes between calls: nothing this reading can name
            row[k] = b
        shares[second.probe] = row
    values = [b for row in shares.values() for b in row.values()]
    if not values or all(abs(b) <= SHARE_TOL for b in values):
        return []
    evidence = {"share_of_first_update_by_probe": shares}
    piled = sorted({k for row in shares.values() for k, b in row.items() if abs(b - 1) <= SHARE_TOL},
                   key=PARAMS.index)
    if piled and all(abs(b - 1) <= SHARE_TOL or abs(b) <= SHARE_TOL for b in values):
        which = "all of" if len(piled) == len(PARAMS) else f"the {', '.join(piled)} part of"
        return [make("gradients_not_reset", {**evidence, "parameters": piled}, share=which)]
    beta = median(values)
    if all(abs(b - beta) <= SHARE_TOL for b in values) and 0 < beta < 1:
        return [make("optimizer_not_sgd", {**evidence, "fits": "momentum", "momentum": nice(beta)},
                     what=f"it keeps a velocity between calls: a momentum of {nice(beta):.3g}, each step adding "
                          f"{nice(beta):.3g} × the previous one")]
    return [make("optimizer_not_sgd", {**evidence, "fits": "unknown"},
                 what=f"the second call's update carries part of the first one ({min(values):.3g} to "
                      f"{max(values):.3g} times it, varying by parameter)")]


def _same_call(first: BackwardRun, second: BackwardRun) -> bool:
    return np.array_equal(first.x, second.x) and np.array_equal(first.y, second.y) and \
        all(np.array_equal(first.params[k], second.params[k]) for k in PARAMS)


def adaptive_step(runs: list[BackwardRun], reference: dict[str, dict[str, np.ndarray]],
                  pairs: list[tuple[BackwardRun, BackwardRun]],
                  gradient: Callable[[BackwardRun], dict[str, np.ndarray]]) -> Diagnosis | None:
    """Every entry of every first update moves by the same κ · lr, in the direction of −gradient: Adam, Adagrad,
    RMSProp or a sign step. Which one: the optimizer whose second step, from the reference gradients of both
    calls (`gradient(run)`: ∂L/∂p on a run), is the learner's. None when the first steps are not of that kind."""
    kappas = []
    for r in runs:
        u = np.concatenate([r.update[k].ravel() for k in PARAMS])
        g = -np.concatenate([reference[r.probe][k].ravel() for k in PARAMS])
        big = np.abs(g) > 1e-3 * np.abs(g).max() if g.size and np.any(g) else np.zeros(g.shape, bool)
        if big.sum() < 4:
            return None
        size = median(np.abs(u[big]))
        same = np.abs(np.abs(u[big]) - size) <= SIGN_TOL * size
        downhill = np.sign(u[big]) == -np.sign(g[big])
        if size == 0 or same.mean() < 0.9 or downhill.mean() < 0.9:
            return None
        kappas.append(size / r.lr)
    if not kappas or max(kappas) > min(kappas) * (1 + SIGN_TOL):
        return None
    kappa = nice(median(kappas))
    misfits = {}
    for first, second in pairs:
        g1, g2 = gradient(first), gradient(second)
        for name, step in _second_steps(g1, g2, kappa).items():
            model = {k: -second.lr * step[k] for k in PARAMS}
            err = max(float(np.abs(second.update[k] - model[k]).max()) for k in PARAMS) / \
                max(float(np.abs(second.update[k]).max()) for k in PARAMS)
            misfits[name] = max(misfits.get(name, 0.0), err)
    fits = min(misfits, key=misfits.get) if misfits and min(misfits.values()) <= 0.02 else ""
    what = (f"every entry of its first step moves by the same amount, {kappa:g} × the learning rate, whatever "
            "the size of its gradient" + (f"; the second step is {fits}'s" if fits else ""))
    return make("optimizer_not_sgd", {"first_step_over_learning_rate": kappa, "fits": fits or "a sign step",
                                      "second_step_misfit_by_optimizer": misfits}, what=what)


def _second_steps(g1: dict[str, np.ndarray], g2: dict[str, np.ndarray], kappa: float) -> dict[str, dict]:
    """The second step (in units of lr, as −Δ/lr) of the optimizers whose first step is κ · sign(g)."""
    out = {"a sign step (no state)": {k: kappa * np.sign(g2[k]) for k in PARAMS}}
    if abs(kappa - 1) <= SIGN_TOL:
        out["Adam (β1 = 0.9, β2 = 0.999)"] = {k: _adam(g1[k], g2[k]) for k in PARAMS}
        out["Adagrad"] = {k: g2[k] / (np.sqrt(g1[k] ** 2 + g2[k] ** 2) + EPS) for k in PARAMS}
    elif kappa > 1:
        rho = 1 - 1 / kappa ** 2  # RMSProp's first step is g / sqrt((1 − ρ) g²)
        out[f"RMSProp (ρ = {nice(rho):g})"] = {k: g2[k] / (np.sqrt(rho * (1 - rho) * g1[k] ** 2 + (1 - rho)
                                                                   * g2[k] ** 2) + EPS) for k in PARAMS}
    return out


def _adam(g1: np.ndarray, g2: np.ndarray, b1: float = 0.9, b2: float = 0.999) -> np.ndarray:
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1 ** 2 + (1 - b2) * g2 ** 2
    return (m / (1 - b1 ** 2)) / (np.sqrt(v / (1 - b2 ** 2)) + EPS)
