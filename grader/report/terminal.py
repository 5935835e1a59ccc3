"""The terminal summary: a line per check, or one for several that failed for the same reason (groups.py), the
per-parameter verdicts, the diagnoses, the first thing to fix, and the score, always the last line.

Everything the submission could have put in the text (its file name, messages, class names, tracebacks) is
shown through tty.visible, so that no control character in it reaches the terminal; the grader's own colours are
added around the escaped text. No learner-derived line starts at the left margin: only the "Grading" line and
the score line do (the grader's words first).
"""
from __future__ import annotations

from typing import Any

from grader.report import groups
from grader.report.contract import points_text, to_dict
from grader.report.tracebacks import syntax_line
from grader.report.tty import blank_like, visible
from grader.result import GradeResult

_MARK = {"pass": "PASS", "fail": "FAIL", "error": "ERR ", "skipped": "SKIP"}
_COLOUR = {"pass": "32", "fail": "31", "error": "35", "skipped": "33"}
MESSAGE_SHOWN = 220   # characters of a check's message on its line
TRACEBACK_SHOWN = 12  # last lines of a load fault's traceback
DETAIL = " " * 8      # where the lines under a check start


class Lines:
    """Lines made of spans: plain text (escaped here) and painted text (escaped, then coloured)."""

    def __init__(self, colour: bool):
        self.colour, self.lines = colour, []

    def add(self, *spans: str | tuple[str, str], one_line: bool = True) -> None:
        out = []
        for span in spans:
            code, text = span if isinstance(span, tuple) else ("", span)
            text = visible(text, one_line=one_line)
            out.append(f"\033[{code}m{text}\033[0m" if code and self.colour else text)
        self.lines.append("".join(out))

    def block(self, rows: list[str], indent: str, first: str | tuple[str, str] = "") -> None:
        """Rows of text, the first after `first`, the others indented below it; a syntax error's caret row is
        made again under the escaped code, so that it stays under the same character."""
        s = syntax_line("\n".join(rows))
        if s:
            rows = [s.head, "    " + s.code, "    " + blank_like(visible(s.code[:s.column])) + "^"]
        for n, row in enumerate(rows):
            if n == 0 and first:
                code, lead = first if isinstance(first, tuple) else ("", first)
                self.add(indent, (code, lead + row))
            elif n and s:  # already escaped where it matters: the caret row is blanks
                self.lines.append(indent + (visible(row) if n == 1 else row))
            else:
                self.add(indent + ("  " if n else ""), row)


def to_terminal(result: GradeResult, *, colour: bool = False, report: str | None = None) -> str:
    """The summary for a terminal (ANSI colours when `colour`), ending with "Score: S/M" and a newline;
    `report`, the HTML report's path, is named just above the score."""
    return render(to_dict(result), colour=colour, report=report)


def render(d: dict[str, Any], *, colour: bool = False, report: str | None = None) -> str:
    """to_terminal from the result dict (contract.to_dict's output, or a result.json read back)."""
    out = Lines(colour)
    out.add("Grading ", d["submission"])
    if d["error"] and d["status"] == "error":
        e = d["error"]
        out.block(e["message"].split("\n"), "  ", first=("31", f"error ({e['kind']}): "))
        if e["traceback"] and e["kind"] != "internal":
            for line in e["traceback"].split("\n")[-TRACEBACK_SHOWN:]:
                out.add("    ", line)
    else:
        _checks(out, d["checks"])
    verdicts = (d.get("analysis") or {}).get("verdicts") or {}
    if verdicts and not all(v.get("passed") for v in verdicts.values()):
        out.add("  updates by parameter: " + "; ".join(_verdict_word(name, v) for name, v in verdicts.items()))
    for x in d["diagnoses"]:
        out.add("  ", ("36", f"diagnosis [{x['id']}]: {x['message']}"))
        if x["hint"]:
            out.add("    hint: ", x["hint"])
    if d["conventions"]:
        out.add("  conventions seen: ", "; ".join(d["conventions"]))
    for w in d["warnings"]:
        out.add("  ", ("33", f"warning: {w}"))
    if d["status"] == "graded" and d["error"]:
        out.add("  ", ("31", f"the run ended early ({d['error']['kind']}): {d['error']['message']}"))
    fix = groups.first_fix(d) if d["status"] == "graded" else []
    if fix:
        out.block(fix, "  ", first=("1", "first thing to fix: "))
    if report:
        out.add("  report: ", report)
    out.add(score_line(d))
    return "\n".join(out.lines) + "\n"


def score_line(d: dict[str, Any]) -> tuple[str, str]:
    """The score as a painted span: "Score: S/M", bold."""
    return "1", f"Score: {points_text(d['score'])}/{points_text(d['max_score'])}"


def _checks(out: Lines, checks: list[dict[str, Any]]) -> None:
    every = [c["id"] for c in checks]
    for item in groups.summarise(checks):
        msg = item.reason if len(item.reason) <= MESSAGE_SHOWN else item.reason[:MESSAGE_SHOWN - 3] + "..."
        pts = f"{points_text(item.points)}/{points_text(item.max_points)}"
        out.add("  ", (_COLOUR[item.status], _MARK[item.status]), f"  {groups.label(item):<28} {pts:>6}  ", msg)
        if len(item.checks) > 1:
            out.add(DETAIL, groups.name_checks(item.ids, every))
        for frame in item.own_frames:
            out.add(DETAIL, groups.where(frame))
            if frame.code:
                out.add(DETAIL + "  ", frame.code)


def _verdict_word(name: str, v: dict[str, Any]) -> str:
    if v.get("passed"):
        return f"{name} right"
    rel = v.get("rel_err")
    off = f"{100 * rel:.3g} % off" if rel is not None else f"off by {v.get('max_abs_err', 0):.3g}"
    where = ", ".join(map(str, v.get("worst_index") or []))
    return f"{name} wrong ({off} at [{where}])"
