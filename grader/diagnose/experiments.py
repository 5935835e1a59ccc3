"""Direct experiments, each on the probes built for it: the starter unchanged, __init__'s draws, finite differences
through the learner's own forward, parameters that never move, gradients piled up at a clipping limit, the same
data at two learning rates."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.diagnose import mutants
from grader.diagnose.behaviour import FIT_TOL, BackwardRun, all_ok, injected_params, read_params, rounding
from grader.diagnose.texts import OWN_GRADIENT_NOTES, clean, make, nice
from grader.judge import conventions
from grader.judge.checks import Op
from grader.judge.plan import PARAMS, Plan
from grader.result import Diagnosis

OWN_GRADIENT_TOL = 3e-3  # float32 forwards give central differences (eps = 1e-3) good to about 1e-4


def own_gradient(plan: Plan, learner: dict[str, list[Op]]) -> dict[str, Any] | None:
    """The learner's update on diagnose/finite_differences against a central-difference gradient of ½Σ(ŷ − y)²
    through the learner's own forward. Returns {"consistent", "relative_error" per parameter} or None when the
    probe is absent or did not run through."""
    name = "diagnose/finite_differences"
    if name not in {p.name for p in plan.probes} or not all_ok(learner.get(name, []), len(plan.probe(name).ops)):
        return None
    p, ops = plan.probe(name), learner[name]
    (_, h, o), y, eps = p.meta["sizes"], p.meta["y"], p.meta["eps"]
    losses = []
    for value in ops[4].value.get("values", []):
        got = conventions.read_outputs(value, t=len(y), o=o, h=h).array
        if got is None:
            return None
        losses.append(0.5 * float(np.sum((got - y) ** 2)))
    if len(losses) != 2 * len(p.meta["entries"]):
        return None
    before = injected_params(ops[1].value, p.meta["params"], p.meta["sizes"])
    after = read_params(ops[3].value, p.meta["sizes"])
    if before is None or after is None:
        return None
    fd = {k: np.zeros(v.shape) for k, v in before.items()}
    for n, (k, idx) in enumerate(p.meta["entries"]):
        fd[k][idx] = (losses[2 * n] - losses[2 * n + 1]) / (2 * eps)
    implied = {k: (before[k] - after[k]) / p.meta["lr"] for k in PARAMS}
    top = max(float(np.abs(v).max()) for v in fd.values())
    errors = {k: float(np.abs(implied[k] - fd[k]).max()) / max(float(np.abs(fd[k]).max()), 0.01 * top, 1e-12)
              for k in PARAMS}
    return {"consistent": max(errors.values()) <= OWN_GRADIENT_TOL, "relative_error": errors,
            "case": f"T = {len(y)}, sizes (I, H, O) = {p.meta['sizes']}"}


def with_own_gradient(found: list[Diagnosis], own: dict[str, Any] | None, forward_right: bool) -> list[Diagnosis]:
    """The mismatch diagnoses, told whether backward is the gradient of the learner's own forward (never to look
    at the forward pass when every forward check passed)."""
    if own is None:
        return found
    out = []
    for d in found:
        note = OWN_GRADIENT_NOTES.get((d.id, own["consistent"], "forward right") if forward_right else (),
                                      OWN_GRADIENT_NOTES.get((d.id, own["consistent"])))
        if note:
            error = f"{100 * max(own['relative_error'].values()):.3g} %"
            d = Diagnosis(d.id, d.message + note.format(error=error, case=own["case"]), d.hint,
                          {**d.evidence, "gradient_of_own_forward": clean(own)})
        out.append(d)
    return out


def not_implemented(plan: Plan, learner: dict[str, list[Op]]) -> str:
    """Which method is still the starter's: "both", "forward" (it raises NotImplementedError or returns None),
    "backward" (it raises NotImplementedError or changes no parameter, alone and after forward, in every case), or
    "" (both are written)."""
    fwd = learner.get("forward/basic", [])
    if len(fwd) < 3 or fwd[2].status not in ("ok", "error"):
        return ""
    forward_missing = (fwd[2].status == "error" and fwd[2].error.get("type") == "NotImplementedError") or \
        (fwd[2].status == "ok" and fwd[2].value.get("value") is None)
    calls = [(learner.get("conventions/backward_alone", []), 1, 2)]
    calls += [(learner.get(p.name, []), 1, [o["op"] for o in p.ops].index("backward")) for p in plan.probes
              if p.name.startswith("backward/")]
    backward_missing = all(len(ops) > i and _missing(ops[s], ops[i]) for ops, s, i in calls) and \
        any(len(ops) > i and ops[i].status in ("ok", "error") for ops, _, i in calls)
    return {(True, True): "both", (True, False): "forward", (False, True): "backward"}.get(
        (forward_missing, backward_missing), "")


def _missing(before: Op, call: Op) -> bool:
    """A backward call that raised NotImplementedError, or returned with every parameter as it was set (a call
    that never ran, after an earlier failure, says nothing either way)."""
    if call.status == "error":
        return call.error.get("type") == "NotImplementedError"
    if call.status == "ok":
        return before.status == "ok" and _unchanged(before.value.get("params", {}), call.value.get("params", {}))
    return True


def _unchanged(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return all(isinstance(before.get(n), np.ndarray) and isinstance(after.get(n), np.ndarray)
               and before[n].shape == after[n].shape and np.array_equal(before[n], after[n]) for n in before)


def what_happened(learner: dict[str, list[Op]], probe: str, i: int) -> str:
    """One call's outcome in a few words: the exception it raised, or what it returned."""
    op = learner[probe][i]
    if op.status == "error":
        return f"{op.error.get('type')}: {op.error.get('message')}"[:200].rstrip(": ")
    return "changed no parameter" if "params" in op.value else "returned None"


def init_changed(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]]) -> list[Diagnosis]:
    """Shapes right but values not the starter's: say whether the order, the scale or the biases differ."""
    p = plan.probe("init")
    if not all_ok(learner.get("init", []), 1):
        return []
    got, want = read_params(learner["init"][0].value, p.meta["sizes"]), \
        read_params(reference["init"][0].value, p.meta["sizes"])
    if got is None or want is None:
        return []
    weights = ("W_xh", "W_hh", "W_hy")
    rtol = rounding(learner["init"][0].value) * 10  # float32 and float16 learners round the same draws
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


def never_updated(runs: list[BackwardRun], reference: dict[str, dict]) -> list[str]:
    """Parameters the learner never changes although the reference does."""
    out = []
    for k in PARAMS:
        moving = [r for r in runs if np.any(reference[r.probe][k] != 0)]
        if moving and all(not np.any(r.update[k]) for r in runs):
            out.append(k)
    return out


@dataclass
class Clipping:
    """A gradient clipping the learner's updates show: its limit, and the parameters it binds on."""
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


def find_clipping(runs: list[BackwardRun], reference: dict[str, dict]) -> Clipping | None:
    """Several entries of an update at exactly the same largest magnitude, where the reference's gradient goes
    beyond it at those very entries, and no run of the learner's going beyond that limit. Random data never
    produces such ties; a clip to ±k does (a sum over the wrong axis, which makes all entries equal, does not
    pass: the reference is not beyond it there, and other runs go beyond it). Entries at the limit are then
    masked elsewhere."""
    found = None
    for r in sorted(runs, key=lambda r: -max(float(np.abs(u).max()) for u in reference[r.probe].values()) / r.lr):
        piled = {}
        for k, u in r.update.items():
            top = float(np.abs(u).max())
            if top > 0 and int(np.sum(_tied(u, top, r.rtol))) >= 2 and _beyond(reference[r.probe][k], u, top, r):
                piled[k] = top
        if piled:
            top = max(piled.values())
            # A parameter with a single entry beyond the limit (b_y with few outputs) is clipped all the same.
            at = {k: int(np.sum(_tied(u, top, r.rtol))) for k, u in r.update.items()
                  if abs(float(np.abs(u).max()) - top) <= top * r.rtol and _beyond(reference[r.probe][k], u, top, r)}
            found = Clipping(nice(top / r.lr), top, tuple(k for k in PARAMS if k in at), at, r.probe,
                             {k: float(np.abs(reference[r.probe][k]).max()) / r.lr for k in at})
            break
    if found is None:
        return None
    for r in runs:
        # At the limit in this run's own units, whether the learner scales by its lr or not; never beyond it.
        levels = [found.limit * r.lr, max(float(np.abs(r.update[k]).max()) for k in found.params)]
        if max(float(np.abs(r.update[k]).max()) for k in found.params) > max(found.limit * r.lr, found.top) * 1.01:
            return None
        found.masks[r.probe] = {k: np.any([np.abs(r.update[k]) >= lv * (1 - 1e-3) for lv in levels], axis=0)
                                for k in found.params}
    return found


def _tied(update: np.ndarray, top: float, rtol: float) -> np.ndarray:
    return np.abs(update) >= top * (1 - rtol)


def _beyond(reference: np.ndarray, update: np.ndarray, top: float, run: BackwardRun) -> bool:
    """Whether the reference's update goes beyond `top` at most of the entries tied there."""
    tied = _tied(update, top, run.rtol)
    return bool(tied.any()) and float(np.mean(np.abs(reference[tied]) > top * 1.01)) > 0.5


def learning_rate_pair(runs: list[BackwardRun], clip: Clipping | None) -> list[Diagnosis]:
    """backward/basic and diagnose/learning_rate_5x: the same weights and data at lr and 5 lr."""
    by = {r.probe: r for r in runs}
    a, b = by.get("backward/basic"), by.get("diagnose/learning_rate_5x")
    if a is None or b is None:
        return []
    # Same data, so the same entries: leave out those clipped in either run.
    mask = {k: m | clip.masks.get(b.probe, {}).get(k, False) for k, m in clip.masks.get(a.probe, {}).items()} \
        if clip else {}
    ua, ub = flat(a, a.update, mask=mask), flat(b, b.update, mask=mask)
    if not ua @ ua:
        return []
    ratio = float(ua @ ub / (ua @ ua))
    excess = float(np.abs(ub - ratio * ua).max() / max(np.abs(ub).max(), 1e-300))
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
    return nice(abs(float(a @ b / (a @ a)))) if a @ a else 0.0


def flat(run: BackwardRun, update: dict[str, np.ndarray], clip: Clipping | None = None,
          params: tuple[str, ...] = PARAMS, mask: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """The entries of an update that a fit may use: clipped entries are left out."""
    if mask is None:
        mask = clip.masks.get(run.probe, {}) if clip else {}
    return np.concatenate([update[k][~mask[k]] if k in mask else update[k].ravel() for k in params])
