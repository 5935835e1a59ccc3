"""The terminal summary: a line per check, the per-parameter verdicts, the diagnoses, the score last."""
from __future__ import annotations

from typing import Any

from grader.report.contract import points_text
from grader.result import GradeResult, Status

_MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERR ", Status.SKIPPED: "SKIP"}
_COLOUR = {Status.PASS: "32", Status.FAIL: "31", Status.ERROR: "35", Status.SKIPPED: "33"}


def to_terminal(result: GradeResult, *, colour: bool = False) -> str:
    def paint(code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if colour else text

    lines = [f"Grading {result.submission}"]
    if result.error and result.status == "error":
        lines.append(paint("31", f"  error ({result.error.kind}): {result.error.message}"))
        if result.error.traceback and result.error.kind != "internal":
            lines += ["    " + ln for ln in result.error.traceback.splitlines()[-12:]]
    else:
        for c in result.checks:
            msg = c.message if len(c.message) < 220 else c.message[:217] + "..."
            pts = f"{points_text(c.points)}/{points_text(c.max_points)}"
            lines.append(f"  {paint(_COLOUR[c.status], _MARK[c.status])}  {c.id:<28} {pts:>6}  {msg}")
    verdicts = (result.analysis or {}).get("verdicts") or {}
    if verdicts and not all(v.get("passed") for v in verdicts.values()):
        lines.append("  updates by parameter: " + "; ".join(_verdict_word(name, v) for name, v in verdicts.items()))
    for d in result.diagnoses:
        lines.append(paint("36", f"  diagnosis [{d.id}]: {d.message}"))
        if d.hint:
            lines.append(f"    hint: {d.hint}")
    if result.conventions:
        lines.append("  conventions seen: " + "; ".join(result.conventions))
    for w in result.warnings:
        lines.append(paint("33", f"  warning: {w}"))
    if result.status == "graded" and result.error:
        lines.append(paint("31", f"  the run ended early ({result.error.kind}): {result.error.message}"))
    lines.append(paint("1", f"Score: {points_text(result.score)}/{points_text(result.max_score)}"))
    return "\n".join(lines) + "\n"


def _verdict_word(name: str, v: dict[str, Any]) -> str:
    if v.get("passed"):
        return f"{name} right"
    rel = v.get("rel_err")
    off = f"{100 * rel:.3g} % off" if rel is not None else f"off by {v.get('max_abs_err', 0):.3g}"
    where = ", ".join(map(str, v.get("worst_index") or []))
    return f"{name} wrong ({off} at [{where}])"
