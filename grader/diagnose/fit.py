"""The backward mutant fit: the smallest set of structural misconceptions whose update has the learner's shape (up
to one factor per probe), then the scale misconceptions that explain how that factor varies with T, O and lr
(scales.py). Two structural misconceptions carry a number that is fitted too: the window of a truncated BPTT and
the coefficient of a weight decay."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from grader.diagnose import mutants
from grader.diagnose.behaviour import FIT_TOL, BackwardRun, median
from grader.diagnose.experiments import Clipping, flat
from grader.diagnose.mutants import Mutant
from grader.diagnose.scales import norm_clipping, scale_diagnoses, scale_flags
from grader.diagnose.texts import TANH_VARIANTS, TEXT, make, truncation_text
from grader.judge.plan import PARAMS
from grader.result import Diagnosis
from grader.run import memo

# Switched on one at a time (and in pairs, triples) to explain the shape of an update.
STRUCTURAL = ("only_last_step_loss", "truncated_bptt", "first_step_skipped", "whh_gradient_uses_current_state",
              "initial_state_aliased", "updates_inside_time_loop", "weight_decay:weights", "weight_decay:all") + \
    tuple(f"tanh_derivative:{v}" for v in mutants.TANH_DERIVATIVES)
DECAYED = {"weights": ("W_xh", "W_hh", "W_hy"), "all": PARAMS}


@dataclass
class Fit:
    """How well a set of mutants explains the learner's updates: a factor per probe, and the worst misfit."""
    names: tuple[str, ...]
    factors: dict[str, float]      # per probe: learner update ≈ factor × mutant update (lr as given, loss scale 1)
    residual: float                # worst relative misfit over probes and parameters
    window: int = 0                # truncated_bptt: the window that fits best
    decay: dict[str, float] = field(default_factory=dict)   # weight_decay: the coefficient λ per probe
    units: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # the model's update at loss scale 1

    def mutant(self, base: Mutant) -> Mutant:
        m = mutant_of(base, self.names)
        return m.with_(truncated_bptt=self.window) if m.truncated_bptt else m

    def predict(self, run: BackwardRun, base: Mutant, factor: float, decay: float) -> dict[str, np.ndarray]:
        """This model's update on another run (a second call), at the given factor and decay coefficient."""
        unit = mutants.update(run.params, run.x, run.y, run.lr, self.mutant(base))
        term = _decay_term(run, self.names)
        return {k: factor * unit[k] + decay * term[k] for k in PARAMS}


@dataclass(frozen=True)
class Explanation:
    """The misconceptions found, and the fit they rest on."""
    found: list[Diagnosis]
    fit: Fit


def mutant_of(base: Mutant, names: tuple[str, ...]) -> Mutant:
    """base with `names` switched on: "flag" or "field:value" (a weight decay is fitted here, not in the mutant)."""
    changes: dict[str, Any] = {}
    for n in names:
        key, _, value = n.partition(":")
        if key != "weight_decay":
            changes[key] = value or True
    return base.with_(**changes)


def _decay_term(run: BackwardRun, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The update an extra λ·p in the gradient adds at λ = 1 (−lr·p for the decayed parameters)."""
    kind = next((n.partition(":")[2] for n in names if n.startswith("weight_decay:")), "")
    decayed = DECAYED.get(kind, ())
    return {k: -run.lr * run.params[k] if k in decayed else np.zeros_like(run.params[k]) for k in PARAMS}


def _fit(runs: list[BackwardRun], base: Mutant, names: tuple[str, ...], clip: Clipping | None,
         give_up_above: float = float("inf")) -> Fit:
    """How well `names` (on top of `base`) explains every run, one free factor per run (and a decay coefficient
    with a weight decay). Stops early, with an infinite residual, once a run misfits by more than give_up_above
    (the search only needs yes or no)."""
    m = mutant_of(base, names)
    live = tuple(k for k in PARAMS if k not in m.frozen)
    decays = any(n.startswith("weight_decay:") for n in names)
    if m.truncated_bptt and not m.updates_inside_time_loop:
        return _fit_window(runs, m, names, clip, live, give_up_above)
    out = Fit(names, {}, 0.0)
    for r in runs:
        if m.updates_inside_time_loop:
            if decays:
                return Fit(names, {}, float("inf"))
            c, d = _inside_loop_factor(r, m, clip, live), 0.0
            model = mutants.update(r.params, r.x, r.y, r.lr, m, scale=c)
            unit = {k: v / c for k, v in model.items()} if c else model  # nearly: it is not linear in c
        else:
            unit = mutants.update(r.params, r.x, r.y, r.lr, m)
            (c, d), model = _linear(r, unit, _decay_term(r, names) if decays else None, clip, live)
        out.factors[r.probe], out.units[r.probe] = c, unit
        if decays:
            out.decay[r.probe] = d
        out.residual = max(out.residual, _misfit(r, model, clip, live))
        if out.residual > give_up_above:
            return Fit(names, out.factors, float("inf"))
    return out


def _linear(r: BackwardRun, unit: dict[str, np.ndarray], term: dict[str, np.ndarray] | None, clip: Clipping | None,
            live: tuple[str, ...]) -> tuple[tuple[float, float], dict[str, np.ndarray]]:
    """Least squares of the learner's update on c · unit (+ d · term): ((c, d), the model's update). c is 0 when
    the model's update is zero (the learner's is then compared with zero)."""
    a, b = flat(r, unit, clip, live), flat(r, r.update, clip, live)
    if term is None:
        c = float(a @ b / (a @ a)) if a @ a else 0.0
        return (c, 0.0), {k: c * unit[k] for k in PARAMS}
    p = flat(r, term, clip, live)
    (c, d), *_ = np.linalg.lstsq(np.stack([a, p], axis=1), b, rcond=None)
    return (float(c), float(d)), {k: c * unit[k] + d * term[k] for k in PARAMS}


def _inside_loop_factor(r: BackwardRun, m: Mutant, clip: Clipping | None, live: tuple[str, ...]) -> float:
    """The update depends on its own step size: solve refit(c) = c."""
    def refit(c: float) -> float:
        """The factor that best maps the mutant's update at loss scale c onto the learner's."""
        a = flat(r, mutants.update(r.params, r.x, r.y, r.lr, m, scale=c), clip, live)
        b = flat(r, r.update, clip, live)
        return c * float(a @ b / (a @ a)) if a @ a else c
    return _fixed_point(refit, 1.0, refit(1.0))


def _fit_window(runs: list[BackwardRun], m: Mutant, names: tuple[str, ...], clip: Clipping | None,
                live: tuple[str, ...], give_up_above: float) -> Fit:
    """A truncated BPTT: the window k (1 ≤ k < the longest T) that fits every run best. A run with T ≤ k gets the
    full update, so each (run, min(k, T)) is fitted once; the split by lag (mutants.lag_updates) is computed at
    most once per run."""
    decays = any(n.startswith("weight_decay:") for n in names)
    lags: dict[str, list[dict[str, np.ndarray]]] = {}  # computed when a run is first needed: most windows fail early
    fitted: dict[tuple[str, int], tuple[float, float, float, dict]] = {}

    def one(r: BackwardRun, w: int) -> tuple[float, float, float, dict]:
        if (r.probe, w) not in fitted:
            if r.probe not in lags:
                lags[r.probe] = mutants.lag_updates(r.params, r.x, r.y, r.lr, m)
            unit = mutants.window(lags[r.probe], w)
            (c, d), model = _linear(r, unit, _decay_term(r, names) if decays else None, clip, live)
            fitted[r.probe, w] = (c, d, _misfit(r, model, clip, live), unit)
        return fitted[r.probe, w]

    best = Fit(names, {}, float("inf"))
    for k in range(1, max(r.t for r in runs)):
        worst, bound = 0.0, min(give_up_above, best.residual)
        for r in runs:
            worst = max(worst, one(r, min(k, r.t))[2])
            if worst > bound:
                break
        if worst < best.residual and worst <= give_up_above:
            rows = {r.probe: one(r, min(k, r.t)) for r in runs}
            best = Fit(names, {p: v[0] for p, v in rows.items()}, worst, k,
                       {p: v[1] for p, v in rows.items()} if decays else {}, {p: v[3] for p, v in rows.items()})
    return best


def _fixed_point(g: Callable[[float], float], c0: float, c1: float, rounds: int = 12) -> float:
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
    b, scale, top = _learner_side(r, clip, live)
    if top == 0:
        return 0.0 if all(not np.any(flat(r, model, clip, (k,))) for k in live) else float("inf")
    worst = 0.0
    for k in live:
        if b[k].size:
            worst = max(worst, float(np.abs(b[k] - flat(r, model, clip, (k,))).max()) / max(scale[k], 0.01 * top))
    return worst


def _learner_side(r: BackwardRun, clip: Clipping | None,
                  live: tuple[str, ...]) -> tuple[dict[str, np.ndarray], dict[str, float], float]:
    """What _misfit reads of the learner's own update, the same for every model it is compared with (hundreds of
    candidates for one run): each live parameter's entries, their largest magnitude, and the largest of those."""
    key = (id(r), id(clip), live)
    hit = _LEARNER.get(key)
    if hit is None or hit[0] is not r or hit[1] is not clip:
        b = {k: flat(r, r.update, clip, (k,)) for k in live}
        scale = {k: float(np.abs(v).max()) for k, v in b.items() if v.size}
        hit = memo.remember(_LEARNER, key, (r, clip, b, scale, max(scale.values(), default=0.0)), _LEARNER_ENTRIES)
    return hit[2], hit[3], hit[4]


# _learner_side's memo: {(id(run), id(clip), live): (run, clip, ...)}; an entry holds its run and clip, so that
# neither id can be another object's while it exists.
_LEARNER: dict[tuple, tuple] = {}
_LEARNER_ENTRIES = 256


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


def explain_updates(runs: list[BackwardRun], base: Mutant, clip: Clipping | None,
                    leaks: bool) -> Explanation | None:
    """The structural and scale misconceptions that reproduce every run, with their evidence; None when no set of
    at most three structural ones has the learner's shape."""
    best, size = None, -1
    # Most candidates fail on the first run they misfit: try the cheap, telling runs first (short, but T > 1).
    order = sorted(runs, key=lambda r: (r.t == 1, r.t))
    for names in _candidates(base, leaks):
        if best is not None and len(names) > size:
            break
        fit = _fit(order, base, names, clip, give_up_above=FIT_TOL)
        if fit.residual <= FIT_TOL and (best is None or fit.residual < best.residual):
            best, size = fit, len(names)
    if best is None:
        return None
    found = [d for n in best.names if n.split(":")[0] in TEXT for d in [_structural(runs, base, clip, best, n)]]
    scale = scale_flags(runs, best.factors)
    if scale is not None:
        return Explanation(found + scale_diagnoses(runs, *scale, _factor_evidence(runs, best.factors)), best)
    norm = norm_clipping(runs, best.factors, best.units)
    if norm is not None:
        clipped = make("gradient_clipping", norm.evidence(), how=f"rescaled to a global norm of {norm.norm:g} "
                                                                 "whenever it is longer")
        free = {p: f for p, f in best.factors.items() if p not in norm.clipped}
        return Explanation(found + scale_diagnoses(runs, norm.flags, norm.lr0, _factor_evidence(runs, free))
                           + [clipped], best)
    found.append(make("backward_mismatch", {"factor_by_probe": best.factors, "misfit": best.residual,
                                            "shape_explained_by": list(best.names)},
                      summary="the shape of each update is right but its size is off by a factor that "
                              "varies in no known way (" + _factors_text(runs, best.factors) + ")"))
    return Explanation(found, best)


def _structural(runs: list[BackwardRun], base: Mutant, clip: Clipping | None, best: Fit, n: str) -> Diagnosis:
    without = _fit(runs, base, tuple(x for x in best.names if x != n), clip)
    # Relative misfit of the learner's updates with the mistake switched on in the model, and off.
    evidence: dict[str, Any] = {"misfit_with_this_mistake": best.residual, "misfit_without_it": without.residual}
    others = [x.split(":")[0] for x in best.names if x != n and x in STRUCTURAL]
    if others:
        evidence["explained_together_with"] = others
    key, _, v = n.partition(":")
    if key == "tanh_derivative":
        return make(key, {**evidence, "variant": v}, variant=TANH_VARIANTS[v])
    if key == "truncated_bptt":
        return make(key, {**evidence, "window": best.window}, how=truncation_text(best.window))
    if key == "weight_decay":
        coefficient = median(list(best.decay.values()))
        return make(key, {**evidence, "coefficient": coefficient, "parameters": list(DECAYED[v]),
                          "coefficient_by_probe": best.decay}, coefficient=coefficient,
                    which="every parameter" if v == "all" else "the weights (not the biases)")
    return make(key, evidence)


def _factor_evidence(runs: list[BackwardRun], factors: dict[str, float]) -> dict[str, Any]:
    return {"update_ratio_by_probe": factors, "T_by_probe": {r.probe: r.t for r in runs},
            "O_by_probe": {r.probe: r.o for r in runs}, "lr_by_probe": {r.probe: r.lr for r in runs}}


def _factors_text(runs: list[BackwardRun], factors: dict[str, float]) -> str:
    return "; ".join(f"{factors[r.probe]:.4g}× at T = {r.t}, O = {r.o}, lr = {r.lr:g}" for r in runs)
