"""Check stage: pure comparisons of what the learner produced against the reference.

Arguments are keyword-only (expected=, actual=): swapping them silently changes the relative error. A comparison
says how much (largest absolute error and that error relative to the largest expected entry), where (the worst
entry) and under what tolerance.

The tolerance rule (README, "Tolerance"): pass when max|actual − expected| ≤ rtol · max|expected| + atol. It is
scaled to the size of the whole quantity rather than entry by entry, so float32 rounding in a tiny entry is not an
error, while a gradient that is 1 % off is (1e-2 against rtol = 1e-3).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

FORWARD_RTOL = 1e-4   # float32 forward passes land near 1e-6
UPDATE_RTOL = 1e-3    # float32 updates land near 1e-5; a 1 % gradient error is 1e-2
OFFICIAL_RTOL = 5e-4  # the published cases after 50-100 epochs: float32 lands up to 8e-5 (official-2 is
                      # chaotic in its last epochs); any gradient bug lands above 1e-2
FLOOR_ULPS = 32       # atol of an update: this many units in the last place of the weights' dtype and scale
OFFICIAL_ATOL = 1e-6  # the published numbers are printed to 8 decimals


@dataclass(frozen=True)
class Tolerances:
    """The tolerance rule's parameters (README "Tolerance"); an instructor's config may change them."""
    forward_rtol: float = FORWARD_RTOL
    update_rtol: float = UPDATE_RTOL
    official_rtol: float = OFFICIAL_RTOL
    official_atol: float = OFFICIAL_ATOL
    floor_ulps: float = FLOOR_ULPS


@dataclass(frozen=True)
class Comparison:
    """One named comparison of the learner's values with the reference's: its verdict, and how much and where."""
    name: str
    passed: bool
    max_abs_err: float
    rel_err: float                 # max_abs_err / max|expected| (inf when expected is all zeros)
    worst_index: tuple[int, ...]
    expected_at: float
    actual_at: float
    tolerance: float               # the absolute bound that was applied
    rule: str
    expected: np.ndarray = field(repr=False)
    actual: np.ndarray = field(repr=False)

    def message(self) -> str:
        where = f"[{', '.join(map(str, self.worst_index))}]" if self.worst_index else ""
        if self.passed:
            return f"{self.name} matches (largest error {self.max_abs_err:.2g}, allowed {self.tolerance:.2g})"
        rel = "" if not np.isfinite(self.rel_err) else f", {_pct(self.rel_err)} of its largest entry"
        return (f"{self.name} differs by up to {self.max_abs_err:.3g}{rel} at {where}: expected "
                f"{self.expected_at:.6g}, got {self.actual_at:.6g} (allowed {self.tolerance:.2g}: {self.rule})")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "max_abs_err": self.max_abs_err,
                "rel_err": self.rel_err if np.isfinite(self.rel_err) else None,
                "worst_index": list(self.worst_index), "expected_at": self.expected_at, "actual_at": self.actual_at,
                "tolerance": self.tolerance, "rule": self.rule,
                "expected": self.expected.tolist(), "actual": self.actual.tolist()}


def _pct(x: float) -> str:
    return f"{100 * x:.3g} %"


def compare_arrays(*, name: str, expected: np.ndarray, actual: np.ndarray, rtol: float,
                   atol: float = 0.0) -> Comparison:
    """Both arrays must already have the same shape (conventions.py normalises the learner's)."""
    expected, actual = np.asarray(expected, dtype=float), np.asarray(actual, dtype=float)
    assert expected.shape == actual.shape, (name, expected.shape, actual.shape)
    diff = np.abs(actual - expected)
    scale = float(np.abs(expected).max()) if expected.size else 0.0
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.size else ()
    max_err = float(diff[worst]) if diff.size else 0.0
    tolerance = rtol * scale + atol
    rule = f"{rtol:g} × largest expected entry ({scale:.3g})" + (f" + {atol:.2g}" if atol else "")
    return Comparison(name=name, passed=max_err <= tolerance, max_abs_err=max_err,
                      rel_err=max_err / scale if scale else (0.0 if max_err == 0 else float("inf")),
                      worst_index=worst, expected_at=float(expected[worst]) if diff.size else 0.0,
                      actual_at=float(actual[worst]) if diff.size else 0.0, tolerance=tolerance, rule=rule,
                      expected=expected, actual=actual)


def update_floor(*, weights: np.ndarray, dtype: str, ulps: float = FLOOR_ULPS) -> float:
    """The smallest update error worth calling wrong: rounding noise of weights this size in this dtype.
    Needed where the reference update is exactly zero (W_hh when T = 1, since h_0 = 0). `weights` are those the
    grader injected and `dtype` one it injects (float32, or else float64): nothing the learner's object reports
    sizes it, so no reported value can widen it."""
    eps = _EPS[dtype == "float32"]
    return ulps * eps * max(1.0, float(np.abs(weights).max()) if weights.size else 1.0)


_EPS = (float(np.finfo(np.float64).eps), float(np.finfo(np.float32).eps))  # [is float32]


def compare_update(*, name: str, before: np.ndarray, expected_after: np.ndarray, expected_before: np.ndarray,
                   actual_after: np.ndarray, injected: np.ndarray, dtype: str, rtol: float = UPDATE_RTOL,
                   floor_ulps: float = FLOOR_ULPS) -> Comparison:
    """Compare the learner's update ΔW = after − before (measured from what the learner held after injection,
    so float32 rounding of the injected weights is not mistaken for an update; see read_back_error) with the
    reference's update. The floor comes from the `injected` weights and the injected `dtype`."""
    return compare_arrays(name=f"update of {name}", expected=expected_after - expected_before,
                          actual=actual_after - before, rtol=rtol,
                          atol=update_floor(weights=injected, dtype=dtype, ulps=floor_ulps))


def read_back_error(*, injected: np.ndarray, read_back: np.ndarray) -> tuple[float, tuple[int, ...]] | None:
    """Whether the weights a learner's object reports right after injection are the ones the grader injected:
    None when every entry is the injected one, or its float32 rounding (a learner holding float32 rounds
    them); else (the largest difference, where). Both in the reference's shape."""
    injected, read_back = np.asarray(injected, dtype=float), np.asarray(read_back, dtype=float)
    rounded = injected.astype(np.float32).astype(float)
    if ((read_back == injected) | (read_back == rounded)).all():
        return None
    diff = np.where(np.isnan(read_back), np.inf, np.abs(read_back - injected))
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
    return float(diff[worst]), worst
