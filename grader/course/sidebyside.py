"""The summary's section on similar submissions, as plain data for templates/summary.html.j2: the clusters of
linked students (largest first), each flagged pair with its kind, score and evidence, and, for the first
MAX_VIEWS pairs, the two files side by side with the matched regions marked (the same colour on both sides).
"""
from __future__ import annotations

from typing import Any, Callable

from grader.course.integrity import KNOWN_PREFIX, Report
from grader.course.similarity import Finding

MAX_VIEWS = 30          # side-by-side views in the page; integrity.csv has every pair
MAX_PAIRS = 300         # pairs listed in the page
OPEN_VIEWS = 3          # views shown unfolded
COLOURS = 6             # region colours, reused in turn
MAX_LINES = 400         # lines of one file shown in a view


def section(report: Report, text_of: Callable[[str], str]) -> dict[str, Any]:
    """{"clusters": [{"members": [{"id", "student"}], "pairs": [...]}], "pairs": n, "listed": n, "views": n,
    "not_compared": n}. `text_of(id)` gives a student's or known file's code."""
    cluster_of = {x: n for n, group in enumerate(report.clusters) for x in group}
    pairs: list[list[Finding]] = [[] for _ in report.clusters]
    for f in report.findings:
        pairs[cluster_of[f.student]].append(f)
    out, listed, views = [], 0, 0
    for group, found in zip(report.clusters, pairs):
        shown = []
        for f in found:
            if listed >= MAX_PAIRS:
                break
            listed += 1
            item = {"student": f.student, "other": f.other, "kind": f.kind, "similarity": f.similarity,
                    "detail": f.detail, "other_is_student": not f.other.startswith(KNOWN_PREFIX), "view": None,
                    "open": False}
            if views < MAX_VIEWS:
                item["view"] = pair_view(f, text_of(f.student), text_of(f.other))
                item["open"] = views < OPEN_VIEWS
                views += 1
            shown.append(item)
        out.append({"members": [{"id": x, "student": not x.startswith(KNOWN_PREFIX)} for x in group],
                    "pairs": shown, "more": len(found) - len(shown)})
    return {"clusters": out, "pairs": len(report.findings), "listed": listed, "views": views,
            "not_compared": len(report.not_compared)}


def pair_view(f: Finding, left: str, right: str) -> dict[str, Any]:
    """Both files line by line: [(line number, the line, colour index or None)] each side.
    An identical pair is marked whole; a pair flagged on behaviour alone is shown unmarked."""
    left_lines, right_lines = left.split("\n"), right.split("\n")
    marks_l: dict[int, int] = {}
    marks_r: dict[int, int] = {}
    if f.kind == "identical":
        marks_l = {n: 0 for n in range(1, len(left_lines) + 1)}
        marks_r = {n: 0 for n in range(1, len(right_lines) + 1)}
    for i, r in enumerate(f.regions):
        for n in range(r.student[0], r.student[1] + 1):
            marks_l.setdefault(n, i % COLOURS)
        for n in range(r.other[0], r.other[1] + 1):
            marks_r.setdefault(n, i % COLOURS)
    return {"left": _rows(left_lines, marks_l), "right": _rows(right_lines, marks_r),
            "cut": MAX_LINES if max(len(left_lines), len(right_lines)) > MAX_LINES else 0}


def _rows(lines: list[str], marks: dict[int, int]) -> list[tuple[int, str, int | None]]:
    return [(n, line.expandtabs(4), marks.get(n)) for n, line in enumerate(lines[:MAX_LINES], start=1)]
