"""Render stage: pure functions of a GradeResult. None of them knows how the checks ran.

to_json (the contract), to_terminal (a line per check, the score last), to_html (jinja2, autoescaped, CSS inlined).
"""
from __future__ import annotations

import json
import os
from typing import Any

from grader.result import GradeResult, Status

TEMPLATES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")
_MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERR ", Status.SKIPPED: "SKIP"}
_COLOUR = {Status.PASS: "32", Status.FAIL: "31", Status.ERROR: "35", Status.SKIPPED: "33"}


_HIDDEN_VERDICT = {"pass": "passed", "fail": "failed", "error": "your code raised an error", "skipped": "not run"}
HIDDEN_OUTPUT_NOTE = ("(not shown: this run included hidden cases, and what your code printed during them could "
                      "reveal their inputs; run the grader on your own machine to see your output)")


def to_dict(result: GradeResult, *, learner_view: bool = False) -> dict[str, Any]:
    """The result contract. In the learner's view hidden checks keep only their verdict (no inputs, no numbers)."""
    return learner_dict(result.to_dict()) if learner_view else result.to_dict()


def learner_dict(d: dict[str, Any]) -> dict[str, Any]:
    """The learner's view of a result dict (to_dict's output or a result.json): hidden checks keep their verdict
    and nothing else. Output printed by the learner's code and diagnosis evidence go too when hidden cases ran,
    since either could carry a hidden input; the misconception's message and hint stay."""
    d = dict(d, checks=[dict(c) for c in d["checks"]])
    hidden = False
    for c in d["checks"]:
        if c.get("hidden"):
            hidden = True
            c["details"] = {}
            c["message"] = "hidden case: " + _HIDDEN_VERDICT[c["status"]]
    d["analysis"] = {k: {p: v for p, v in (d.get("analysis") or {}).get(k, {}).items() if not p.startswith("hidden")}
                     for k in (d.get("analysis") or {})}
    if hidden:
        d["stdout"], d["stderr"] = (HIDDEN_OUTPUT_NOTE if d[k] else "" for k in ("stdout", "stderr"))
        d["diagnoses"] = [dict(x, evidence={}) for x in d["diagnoses"]]
    return d


def to_json(result: GradeResult, *, learner_view: bool = False) -> str:
    return dumps(to_dict(result, learner_view=learner_view))


def dumps(d: dict[str, Any]) -> str:
    """A result dict as the contract's JSON text."""
    return json.dumps(d, indent=1, allow_nan=False, default=_jsonable) + "\n"


def _jsonable(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "value"):
        return o.value
    raise TypeError(type(o).__name__)


def _fmt_points(x: float) -> str:
    return f"{x:g}"


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
            pts = f"{_fmt_points(c.points)}/{_fmt_points(c.max_points)}"
            lines.append(f"  {paint(_COLOUR[c.status], _MARK[c.status])}  {c.id:<28} {pts:>6}  {msg}")
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
    lines.append(paint("1", f"Score: {_fmt_points(result.score)}/{_fmt_points(result.max_score)}"))
    return "\n".join(lines) + "\n"


def to_html(result: GradeResult, *, learner_view: bool = True) -> str:
    data = to_dict(result, learner_view=learner_view)
    groups: dict[str, list] = {}
    for c in data["checks"]:  # in plan order, which is the order a learner works through the kata
        groups.setdefault(c["group"], []).append(c)
    return render_template("report.html.j2", r=data, groups=list(groups.items()))


def render_template(name: str, **context: Any) -> str:
    """A page from templates/ (autoescaped, the report CSS inlined as `css`)."""
    import jinja2  # only HTML pages pay for this import

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["points"] = _fmt_points
    env.filters["num"] = lambda x: "—" if x is None else f"{x:.6g}"
    return env.get_template(name).render(css=_read(os.path.join(TEMPLATES, "report.css")), **context)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()
