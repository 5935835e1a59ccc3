"""Backward diagnoses: the learner's updates on every backward probe, explained by the experiments and the mutant
fit, or, where nothing known fits, described: which parameters are off, by what factor, whether T = 1 is right."""
from __future__ import annotations

from typing import Any

import numpy as np

from grader.diagnose import mutants
from grader.diagnose.behaviour import FIT_TOL, BackwardRun, rel_err
from grader.diagnose.calls import adaptive_step, kept_between_calls
from grader.diagnose.experiments import Clipping, find_clipping, learning_rate_pair, never_updated
from grader.diagnose.fit import explain_updates
from grader.diagnose.scales import scale_only
from grader.diagnose.mutants import Mutant
from grader.diagnose.texts import make, nice
from grader.judge.plan import PARAMS
from grader.result import Diagnosis


def diagnose_backward(runs: list[BackwardRun], pairs: list[tuple[BackwardRun, BackwardRun]],
                      forward_model: Mutant | None, leaks: bool) -> list[Diagnosis]:
    """What the first calls of every backward probe show (`runs`), then what their second calls add (`pairs`,
    read only when the state does not leak between forward calls: that alone changes a second call)."""
    if not runs:
        return []
    reference = {r.probe: mutants.update(r.params, r.x, r.y, r.lr) for r in runs}
    across = [] if leaks else pairs
    if all(_close(r.update, reference[r.probe], r) for r in runs):
        return kept_between_calls(across, lambda first, second: mutants.update(second.params, second.x, second.y,
                                                                                 second.lr))
    found, base = [], forward_model or Mutant()
    frozen = never_updated(runs, reference)
    if len(frozen) == len(PARAMS):
        return [make("backward_mismatch", {"never_updated": frozen},
                     summary="backward changes no parameter at all (do the updates reach the arrays the instance "
                             "holds, rather than copies?)")]
    adaptive = adaptive_step(runs, reference, across, lambda r: {k: v / -r.lr for k, v in mutants.update(
        r.params, r.x, r.y, r.lr).items()})
    if adaptive:
        return [adaptive]
    # A weight that never moves is a mistake of its own, unless forward doesn't use it (W_hh without recurrence).
    stuck = [k for k in frozen if not k.startswith("b_") and not (k == "W_hh" and base.missing_recurrence)]
    if frozen:
        base = base.with_(frozen=tuple(frozen))
        biases = [b for b in frozen if b.startswith("b_")]
        if biases:
            found.append(make("biases_not_updated", {b: {"learner_update_max": 0.0, "reference_update_max": {
                r.probe: float(np.abs(reference[r.probe][b]).max()) for r in runs}} for b in biases},
                which=" and ".join(biases), s="" if len(biases) > 1 else "s",
                them="them" if len(biases) > 1 else "it"))
    clip = find_clipping(runs, reference)
    found += learning_rate_pair(runs, clip)
    predict = None
    if forward_model is None:
        found.append(_backward_mismatch(runs, reference, clip))
    else:
        explanation = explain_updates(runs, base, clip, leaks)
        if explanation is None:
            found += scale_only(runs, reference, clip) + [_backward_mismatch(runs, reference, clip)]
        else:
            found += explanation.found
            fit = explanation.fit
            predict = (lambda first, second: fit.predict(second, base, fit.factors.get(first.probe, 0.0),
                                                         fit.decay.get(first.probe, 0.0)))
            if stuck:
                found.append(make("backward_mismatch", {"never_updated": stuck},
                                  summary=f"{', '.join(stuck)} never change{'s' if len(stuck) == 1 else ''} in "
                                          "backward, although the loss depends on them"))
    if clip:
        # A learner who ignores the learning rate clips at top / (its own fixed rate).
        fixed = [d.evidence.get("as_if_learning_rate") for d in found if d.id == "learning_rate_ignored"]
        if fixed and fixed[-1]:
            clip.limit = nice(clip.top / fixed[-1])
        found.append(make("gradient_clipping", clip.evidence(), how=f"clipped entry by entry to ±{clip.limit:g}"))
    return found + kept_between_calls(across, predict)


def _close(got: dict[str, np.ndarray], want: dict[str, np.ndarray], run: BackwardRun) -> bool:
    top = max(float(np.abs(w).max()) for w in want.values())
    return all(float(np.abs(got[k] - want[k]).max()) <= FIT_TOL * float(np.abs(want[k]).max())
               + run.rtol * top for k in PARAMS)


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
            rows[r.probe] = {"ratio": c, "relative_error": rel_err(b, a)}
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
