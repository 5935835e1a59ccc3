"""The backward mutant fit: the smallest set of structural misconceptions whose update has the learner's shape (up
to one factor per probe), then the scale misconceptions that explain how that factor varies with T, O and lr."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from grader.diagnose import mutants
from grader.diagnose.behaviour import FIT_TOL, BackwardRun
from grader.diagnose.experiments import Clipping, flat
from grader.diagnose.mutants import Mutant
from grader.diagnose.texts import TANH_VARIANTS, TEXT, make, nice
from grader.judge.plan import PARAMS
from grader.result import Diagnosis

# Switched on one at a time (and in pairs, triples) to explain the shape of an update.
STRUCTURAL = ("only_last_step_loss", "truncated_bptt", "whh_gradient_uses_current_state", "initial_state_aliased",
              "updates_inside_time_loop") + tuple(f"tanh_derivative:{v}" for v in mutants.TANH_DERIVATIVES)


SCALES = ("loss_mean_over_time", "loss_missing_half", "loss_mean_over_outputs", "gradient_ascent",
          "learning_rate_ignored")


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
            a = flat(r, mutants.update(r.params, r.x, r.y, r.lr, m, scale=c), clip, live)
            b = flat(r, r.update, clip, live)
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
    a = {k: flat(r, model, clip, (k,)) for k in live}
    b = {k: flat(r, r.update, clip, (k,)) for k in live}
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


def explain_updates(runs: list[BackwardRun], base: Mutant, clip: Clipping | None, leaks: bool) -> list[Diagnosis] | None:
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
            found.append((tuple(n for n in SCALES if on[n]), nice(lr0)))
    # A fixed learning rate absorbs any constant factor (2 × 0.01 = 0.02): prefer the explanation whose learning
    # rate is one people write (1 or 5 × 10^k), if it needs at most one more misconception.
    if not found:
        return None
    usual = [f for f in found if len(f[0]) <= len(found[0][0]) + 1 and _usual_lr(f[1])]
    return usual[0] if "learning_rate_ignored" in found[0][0] and usual else found[0]


def _usual_lr(lr: float) -> bool:
    mantissa = lr / 10 ** np.floor(np.log10(lr))
    return min(abs(mantissa - 1), abs(mantissa - 5), abs(mantissa - 10)) < 1e-6


def scale_only(runs: list[BackwardRun], reference: dict[str, dict], clip: Clipping | None) -> list[Diagnosis]:
    """When no structure fits: W_hy's and b_y's gradients involve no time and no tanh, so their ratio to the
    reference may still name a scale misconception."""
    factors = {}
    for r in runs:
        a = flat(r, reference[r.probe], clip, ("W_hy", "b_y"))
        b = flat(r, r.update, clip, ("W_hy", "b_y"))
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
