"""The instructor's summary.html for a class: score histogram, pass rate per check, the most common misconceptions
and who has them, the submissions that could not be graded and why, and the similar submissions worth a look
(sidebyside.py). Built one result at a time (gradebook.py feeds it), keeping only a few figures per student.
"""
from __future__ import annotations

from typing import Any

from grader.course import sidebyside
from grader.course.integrity import Report, text_of
from grader.report.html import render_template

HISTOGRAM_BINS = 10
TEMPLATE = "summary.html.j2"


class Summary:
    """Running figures for summary.html: a score per student, counts per check and per misconception, who has
    each misconception, and which submissions errored and why."""

    def __init__(self, title: str = ""):
        self.title = title
        self.percents: list[float] = []
        self.max_score = 0.0
        self.checks: dict[str, dict[str, Any]] = {}
        self.diagnoses: dict[str, dict[str, Any]] = {}
        self.errors: list[dict[str, str]] = []
        self.notes: list[dict[str, str]] = []
        self.counts = {"graded": 0, "error": 0, "missing": 0}
        self.similar: dict[str, Any] | None = None

    def add(self, student: str, d: dict[str, Any] | None) -> None:
        if d is None:
            self.counts["missing"] += 1
            self.errors.append({"student": student, "kind": "missing", "message": "no result was written",
                                "file": "", "graded": False})
            return
        self.counts[d["status"]] = self.counts.get(d["status"], 0) + 1
        self.max_score = max(self.max_score, d["max_score"])
        self.percents.append(100.0 * d["score"] / d["max_score"] if d["max_score"] else 0.0)
        info = d.get("batch", {})
        if d.get("error"):
            self.errors.append({"student": student, "kind": d["error"]["kind"], "file": info.get("file", ""),
                                "message": d["error"]["message"].splitlines()[0][:300] if d["error"]["message"]
                                else "", "graded": d["status"] == "graded"})
        if info.get("note"):
            self.notes.append({"student": student, "note": info["note"]})
        if d["status"] != "graded":
            return
        for c in d["checks"]:
            s = self.checks.setdefault(c["id"], {"id": c["id"], "max_points": c["max_points"], "pass": 0,
                                                 "fail": 0, "error": 0, "skipped": 0, "hidden": c.get("hidden")})
            s[c["status"]] += 1
        for x in d["diagnoses"]:
            entry = self.diagnoses.setdefault(x["id"], {"id": x["id"], "message": x["message"], "students": []})
            entry["students"].append(student)

    def integrity(self, report: Report, outdir: str) -> None:
        """The similarity pass's findings, for the section on similar submissions (sidebyside.section)."""
        self.similar = sidebyside.section(report, lambda ident: text_of(outdir, report, ident))

    def histogram(self) -> list[dict[str, Any]]:
        """HISTOGRAM_BINS bars of 10 percentage points, the last one including 100 %."""
        counts = [0] * HISTOGRAM_BINS
        for p in self.percents:
            counts[min(int(p // (100 / HISTOGRAM_BINS)), HISTOGRAM_BINS - 1)] += 1
        width = 100 // HISTOGRAM_BINS
        return [{"label": f"{i * width}–{(i + 1) * width}", "count": n} for i, n in enumerate(counts)]

    def to_html(self) -> str:
        graded = self.counts["graded"]
        checks = [dict(s, rate=s["pass"] / graded if graded else 0.0) for s in self.checks.values()]
        diagnoses = sorted(self.diagnoses.values(), key=lambda x: (-len(x["students"]), x["id"]))
        ordered = sorted(self.percents)
        n = len(ordered)
        stats = {"n": n + self.counts["missing"], **self.counts,
                 "mean": sum(ordered) / n if n else 0.0,
                 "median": (ordered[(n - 1) // 2] + ordered[n // 2]) / 2 if n else 0.0,
                 "max_score": self.max_score}
        return render_template(TEMPLATE, title=self.title, stats=stats, bins=self.histogram(),
                               checks=checks, diagnoses=diagnoses, errors=self.errors, notes=self.notes,
                               similar=self.similar)
