"""Geometry for the report's inline SVG pictures: numbers in, coordinates out. No plotting library, no markup.

The template (templates/_charts.html.j2) draws what these return; every text it shows goes through jinja2's
autoescape, so nothing here needs escaping.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

WIDTH, HEIGHT = 320, 180                    # the viewBox of a line chart
PAD_L, PAD_R, PAD_T, PAD_B = 46, 8, 8, 26
CELL = 22                                   # heat-map cell, in viewBox units


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    step = 10 ** math.floor(math.log10(raw))
    step *= next(m for m in (1, 2, 5, 10) if m * step >= raw)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def line_chart(series: Sequence[dict[str, Any]], *, x_label: str, y_label: str, log_y: bool | None = None,
               x_start: int = 0) -> dict[str, Any] | None:
    """series: [{"name", "values": [float], "role": css class}], all over the same x = x_start, x_start+1, ...
    log_y None chooses a log scale when the positive values span more than two decades. None if nothing to draw."""
    series = [s for s in series if s.get("values") and all(isinstance(v, (int, float)) and math.isfinite(v)
                                                            for v in s["values"])]
    if not series:
        return None
    values = [v for s in series for v in s["values"]]
    if log_y is None:
        pos = [v for v in values if v > 0]
        log_y = len(pos) == len(values) and max(pos) / min(pos) > 100
    f = (lambda v: math.log10(v)) if log_y else (lambda v: v)
    # Each line's plotted values, as floats: their positions are numpy's (the same IEEE operations, in the same
    # order, as one point at a time in Python, so the same numbers: hundreds of points a page, a loss per epoch).
    plotted = [np.array([math.log10(v) for v in s["values"]] if log_y else s["values"], dtype=float) for s in series]
    lo, hi = min(float(p.min()) for p in plotted), max(float(p.max()) for p in plotted)
    if hi - lo < 1e-12:
        lo, hi = lo - 1, hi + 1
    margin = (hi - lo) * 0.06
    lo, hi = lo - margin, hi + margin
    n = max(len(s["values"]) for s in series)
    x_of = (lambda i: PAD_L + (WIDTH - PAD_L - PAD_R) * (i / (n - 1) if n > 1 else 0.5))
    y_of = (lambda v: PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - (f(v) - lo) / (hi - lo)))
    xs = (PAD_L + (WIDTH - PAD_L - PAD_R) * (np.arange(n) / (n - 1))).tolist() if n > 1 else [x_of(0)]
    lines = []
    for s, p in zip(series, plotted):
        ys = (PAD_T + (HEIGHT - PAD_T - PAD_B) * (1 - (p - lo) / (hi - lo))).tolist()
        pts = list(zip(xs, ys))
        lines.append({"name": s["name"], "role": s.get("role", ""),
                      "points": " ".join(map("{:.1f},{:.1f}".format, xs, ys)),
                      "dots": [{"x": round(x, 1), "y": round(y, 1), "label": f"{x_start + i}: {_fmt(v)}"}
                               for i, ((x, y), v) in enumerate(zip(pts, s["values"]))] if n <= 60 else []})
    if log_y:
        y_ticks = [{"y": round(y_of(10 ** e), 1), "label": f"1e{e}"}
                   for e in range(math.ceil(lo), math.floor(hi) + 1)]
    else:
        y_ticks = [{"y": round(y_of(t), 1), "label": _fmt(t)} for t in _ticks(lo, hi)]
    x_ticks = [{"x": round(x_of(i), 1), "label": str(x_start + int(i))} for i in _ticks(0, n - 1)
               if float(i).is_integer()]
    return {"width": WIDTH, "height": HEIGHT, "lines": lines, "y_ticks": y_ticks, "x_ticks": x_ticks,
            "left": PAD_L, "right": WIDTH - PAD_R, "top": PAD_T, "bottom": HEIGHT - PAD_B,
            "x_label": x_label, "y_label": y_label + (" (log scale)" if log_y else "")}


def heat_map(errors: Sequence[Sequence[float]], expected: Sequence[Sequence[float]], tolerance: float) -> dict:
    """A matrix of update errors (got − expected). Colour: red above, blue below, its strength the square root of
    |error| / largest expected entry (so 1 % shows faintly, 100 % fully); entries beyond the tolerance are outlined."""
    rows, cols = len(errors), len(errors[0]) if errors else 0
    scale = max((abs(v) for row in expected for v in row), default=0.0) or 1.0
    cells = []
    for i, row in enumerate(errors):
        for j, e in enumerate(row):
            strength = min(1.0, abs(e) / scale) ** 0.5
            cells.append({"x": j * CELL, "y": i * CELL, "bad": abs(e) > tolerance,
                          "fill": _diverging(strength if e > 0 else -strength),
                          "label": f"[{i}, {j}] expected {_fmt(expected[i][j])}, got {_fmt(expected[i][j] + e)}"
                                   f" (error {_fmt(e)})"})
    return {"width": max(cols * CELL, 1), "height": max(rows * CELL, 1), "cells": cells, "cell": CELL,
            "rows": rows, "cols": cols}


def _diverging(v: float) -> str:
    """−1 → blue, 0 → white, 1 → red."""
    r, g, b = (255, round(255 * (1 - v)), round(255 * (1 - v))) if v >= 0 else \
        (round(255 * (1 + v)), round(255 * (1 + v)), 255)
    return f"#{r:02x}{g:02x}{b:02x}"
