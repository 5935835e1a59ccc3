"""What changed between two gradings of the same file, and the compact summary `--watch` prints after each run:
what changed, the first thing to fix, the score. Pure functions of two result dicts (contract.to_dict).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.report import groups
from grader.report.contract import points_text
from grader.report.terminal import Lines, score_line


@dataclass(frozen=True)
class Changes:
    """Check ids that pass now and did not before, that passed before and do not now (in plan order), and the
    diagnosis ids found now and not before, and before and not now."""
    now_passing: tuple[str, ...]
    now_failing: tuple[str, ...]
    gained: tuple[str, ...]
    lost: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.now_passing or self.now_failing or self.gained or self.lost)


def changes(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """From `before` to `after`. A check id only one of them has (another plan) is not a change."""
    was = {c["id"]: c["status"] for c in before["checks"]}
    now = [(c["id"], c["status"]) for c in after["checks"] if c["id"] in was]
    had = [x["id"] for x in before["diagnoses"]]
    has = [x["id"] for x in after["diagnoses"]]
    return Changes(tuple(i for i, s in now if s == "pass" and was[i] != "pass"),
                   tuple(i for i, s in now if s != "pass" and was[i] == "pass"),
                   tuple(i for i in has if i not in had), tuple(i for i in had if i not in has))


def watch_summary(before: dict[str, Any] | None, after: dict[str, Any], *, colour: bool = False) -> str:
    """The lines one run of `--watch` prints: what changed since `before` (the last run that was graded; None
    for the first run), the first thing to fix, and the score, last. A run that could not be graded is compared
    with nothing: its error is the first thing to fix."""
    out = Lines(colour)
    every = [c["id"] for c in after["checks"]]
    if before is not None and after["status"] != "error":
        found = changes(before, after)
        if found.now_passing:
            out.add("  ", ("32", "now passing: "), groups.name_checks(found.now_passing, every))
        if found.now_failing:
            out.add("  ", ("31", "now failing: "), groups.name_checks(found.now_failing, every))
        messages = {x["id"]: x["message"] for x in after["diagnoses"]}
        for i in found.gained:
            out.add("  ", ("36", "diagnosis gained: "), f"[{i}] {messages[i]}")
        for i in found.lost:
            out.add("  ", ("36", "diagnosis lost: "), f"[{i}]")
        if not found:
            out.add("  nothing changed since the last run")
    fix = groups.first_fix(after)
    if fix:
        out.block(fix, "  ", first=("1", "could not be graded: " if after["status"] == "error"
                                    else "first thing to fix: "))
    else:
        out.add("  ", ("32", "every check passes"))
    was = f" (was {points_text(before['score'])})" if before is not None else ""
    out.add(score_line(after), was)
    return "\n".join(out.lines) + "\n"
