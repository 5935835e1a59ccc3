"""What the HTML report shows of the checks at a glance and of the learner's errors, as plain data for the
template: the summary's lines (groups.py, said once), a syntax error as its line of code with the caret under
the right character, and each traceback's own frames as code with their line numbers. Pure functions of the
result dict.
"""
from __future__ import annotations

from typing import Any

from grader.report import groups
from grader.report.tracebacks import parse_traceback, syntax_line, without_notes


def glance(d: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary's lines, in plan order: each check on its own, or a group of checks that failed for one
    reason (named briefly, with the learner's line it raised at)."""
    every = [c["id"] for c in d["checks"]]
    out = []
    for item in groups.summarise(d["checks"]):
        frames = item.own_frames
        out.append({"status": item.status, "label": groups.label(item), "points": item.points,
                    "max_points": item.max_points, "reason": item.reason,
                    "checks": groups.name_checks(item.ids, every) if len(item.checks) > 1 else "",
                    "frame": _frame(frames[-1]) if frames else None})
    return out


def syntax(message: str) -> dict[str, Any] | None:
    """A syntax error's message as its parts: `head`, the line number, and the code split around the character
    the caret is under (`before`, `at`, `after`); None for any other message. The template draws the caret row
    as `before` made invisible, then the caret: it takes exactly the room `before` takes in the code row, so the
    caret stands under `at` whatever the characters (tabs, wide ones) and the font."""
    s = syntax_line(message)
    if s is None:
        return None
    return {"head": s.head, "line": s.line, "before": s.code[:s.column], "at": s.code[s.column:s.column + 1],
            "after": s.code[s.column + 1:]}


def tracebacks(d: dict[str, Any]) -> list[dict[str, Any]]:
    """Each distinct traceback once (the same fault in several training runs differs only in its "(in epoch k of
    N)" note), with the checks that hit it: the learner's own frames as code with line numbers, outermost first,
    then the exception and its notes. The grader's frames never reach the report: the child keeps the learner's
    only (and a grader bug's traceback, error kind `internal`, is not shown to the learner)."""
    seen: dict[str, dict[str, Any]] = {}

    def add(text: str, where: str) -> None:
        key = without_notes(text)
        if key not in seen:
            tb = parse_traceback(text)
            seen[key] = {"frames": [_frame(f) for f in tb.own], "tail": list(tb.tail), "checks": []}
        seen[key]["checks"].append(where)

    if d.get("error") and d["error"].get("traceback") and d["error"]["kind"] != "internal":
        add(d["error"]["traceback"], "loading")
    for c in d["checks"]:
        if c["details"].get("traceback"):
            add(c["details"]["traceback"], c["id"])
    every = [c["id"] for c in d["checks"]]
    for tb in seen.values():
        loading, ids = "loading" in tb["checks"], [i for i in tb["checks"] if i != "loading"]
        tb["where"] = "; ".join((["loading your code"] if loading else []) +
                                ([groups.name_checks(ids, every)] if ids else []))
    return list(seen.values())


def _frame(f) -> dict[str, Any]:
    return {"where": f.where, "line": f.line, "function": f.function, "code": f.code}
