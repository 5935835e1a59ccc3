"""The scale of an update: which scale misconceptions (1/T, 2, 1/O, −1, lr ignored, lr applied twice) give the
factor between the learner's update and the model's on every probe, and a gradient rescaled to a fixed global norm
(the probes where it binds all have the same gradient norm, the others follow the scale misconceptions)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from grader.diagnose.behaviour import FIT_TOL, BackwardRun, median
from grader.diagnose.experiments import Clipping, flat
from grader.diagnose.texts import make, nice
from grader.result import Diagnosis

SCALES = ("loss_mean_over_time", "loss_missing_half", "loss_mean_over_outputs", "gradient_ascent",
          "learning_rate_ignored", "learning_rate_applied_twice")
NORM_TOL = 1e-3  # relative: probes whose gradient norm is this close to the largest are taken as clipped there


def predicted(flags: tuple[str, ...], lr0: float, run: BackwardRun) -> float:
    """The factor against the reference that `flags` give on `run` (lr0: the rate a learner who ignores lr uses)."""
    on = set(flags)
    return ((-1.0 if "gradient_ascent" in on else 1.0) * (1 / run.t if "loss_mean_over_time" in on else 1.0)
            * (2.0 if "loss_missing_half" in on else 1.0) * (1 / run.o if "loss_mean_over_outputs" in on else 1.0)
            * (lr0 / run.lr if "learning_rate_ignored" in on else 1.0)
            * (run.lr if "learning_rate_applied_twice" in on else 1.0))


def scale_flags(runs: list[BackwardRun], factors: dict[str, float]) -> tuple[tuple[str, ...], float] | None:
    """The fewest scale misconceptions whose product gives every probe's factor. A learning rate ignored
    contributes lr0 / lr, with lr0 fitted. Returns (flags, lr0) or None. Probes whose factor is 0 (nothing to
    measure it on, e.g. an update that is zero where the model's is zero too) are left out."""
    live = [r for r in runs if factors.get(r.probe)]
    if not live:
        return None
    combos = sorted(itertools.product((0, 1), repeat=len(SCALES)), key=sum)
    found = []
    for combo in combos:
        flags = tuple(n for n, on in zip(SCALES, combo) if on)
        if "learning_rate_ignored" in flags and "learning_rate_applied_twice" in flags:
            continue
        lr0 = 1.0
        if "learning_rate_ignored" in flags:
            if len({r.lr for r in live}) < 2:
                continue
            lr0 = median([factors[r.probe] / predicted(flags, 1.0, r) for r in live])
            if lr0 <= 0:
                continue
        if all(abs(factors[r.probe] - predicted(flags, lr0, r)) <= FIT_TOL * abs(factors[r.probe]) for r in live):
            found.append((flags, nice(lr0)))
    # A fixed learning rate absorbs any constant factor (2 × 0.01 = 0.02): prefer the explanation whose learning
    # rate is one people write (1 or 5 × 10^k), if it needs at most one more misconception.
    if not found:
        return None
    usual = [f for f in found if len(f[0]) <= len(found[0][0]) + 1 and _usual_lr(f[1])]
    return usual[0] if "learning_rate_ignored" in found[0][0] and usual else found[0]


def _usual_lr(lr: float) -> bool:
    mantissa = lr / 10 ** np.floor(np.log10(lr))
    return min(abs(mantissa - 1), abs(mantissa - 5), abs(mantissa - 10)) < 1e-6


def factor_text(flags: tuple[str, ...], lr0: float) -> str:
    """The factor a set of scale misconceptions gives, as a formula: "−2/T", "0.01/lr · 1/O", "lr · 1/T"."""
    num = ("−" if "gradient_ascent" in flags else "") + ("2" if "loss_missing_half" in flags else "1")
    den = [d for f, d in (("loss_mean_over_time", "T"), ("loss_mean_over_outputs", "O")) if f in flags]
    text = num + (f"/{den[0]}" if len(den) == 1 else f"/({den[0]}·{den[1]})" if den else "")
    if "learning_rate_applied_twice" in flags:
        return f"lr · {text}"
    return f"{lr0:g}/lr · {text}" if "learning_rate_ignored" in flags else text


def scale_diagnoses(runs: list[BackwardRun], flags: tuple[str, ...], lr0: float, evidence: dict) -> list[Diagnosis]:
    """One diagnosis per scale misconception, with `evidence` (the factors) and the formula of them all."""
    overall = f" (all factors together: {factor_text(flags, lr0)} × the reference's)" if len(flags) > 1 else ""
    lrs = ", ".join(f"{x:g}" for x in sorted({r.lr for r in runs}))
    out = []
    for n in flags:
        extra = {"as_if_learning_rate": lr0} if n == "learning_rate_ignored" else {}
        out.append(make(n, {**evidence, **extra}, overall=overall, lrs=lrs, as_if=lr0))
    return out


@dataclass(frozen=True)
class NormClip:
    """A clipping of the gradient's global norm that the updates show, and what it leaves unexplained."""
    norm: float                 # the global norm the gradient is rescaled to
    clipped: tuple[str, ...]    # the probes where it binds
    flags: tuple[str, ...]      # the scale misconceptions of the other probes
    lr0: float
    norms: dict[str, float]     # the learner's gradient norm per probe (update norm / lr)

    def evidence(self) -> dict:
        return {"kind": "global norm", "norm": self.norm, "clipped_probes": list(self.clipped),
                "gradient_norm_by_probe": self.norms}


def norm_clipping(runs: list[BackwardRun], factors: dict[str, float],
                  units: dict[str, dict[str, np.ndarray]]) -> NormClip | None:
    """A gradient rescaled to a global norm N whenever it is longer: the probes where that binds all have gradient
    norm N (the largest of all), and there the model's gradient, scaled as the other probes show, is longer than
    N. `units`: the model's update per probe at loss scale 1."""
    norms = {r.probe: float(np.linalg.norm(flat(r, r.update))) / r.lr for r in runs}
    top = max(norms.values(), default=0.0)
    if not top:
        return None
    clipped = [r for r in runs if norms[r.probe] >= top * (1 - NORM_TOL)]
    free = [r for r in runs if r not in clipped]
    scale = scale_flags(free, factors) if free else ((), 1.0)
    if scale is None or "learning_rate_ignored" in scale[0]:
        return None
    flags, lr0 = scale
    for r in clipped:
        longer = abs(predicted(flags, lr0, r)) * float(np.linalg.norm(flat(r, units[r.probe]))) / r.lr
        if longer <= top * 1.01:
            return None
    return NormClip(nice(top), tuple(r.probe for r in clipped), flags, lr0, norms)


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
        if np.abs(b - c * a).max() > FIT_TOL * np.abs(b).max():
            return []
        factors[r.probe] = c
    scale = scale_flags([r for r in runs if r.probe in factors], factors)
    if not scale or not scale[0]:
        return []
    return scale_diagnoses(runs, *scale, {"W_hy_b_y_update_ratio_by_probe": factors})
