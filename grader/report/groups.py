"""Say a thing once: the checks as the lines of a summary, where checks that failed for the same reason share one
line, and the first thing a learner should fix. Pure functions of check dicts (contract.to_dict's "checks").

Two checks fail for the same reason when both raised the same exception from the same place (the same
traceback, but for the "(in epoch k of N)" notes that vary with the call), or did not run for the same reason, or
were skipped with the same message. Checks that pass or fail on their numbers keep a line each: each says how
much and where, which differs from check to check.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from grader.report.contract import points_text
from grader.report.tracebacks import Frame, parse_traceback, without_notes

# What follows the call's description in an error's message ("forward() (sizes ...) raised X: ...").
_CAUSES = (" raised ", " did not run: ")


@dataclass(frozen=True)
class Item:
    """One line of the summary: a check on its own, or several that share a reason. `reason` is what the line
    says (a lone check's message; for a group, what its members' messages share), `traceback` the members'
    traceback, once ("" when they have none)."""
    status: str
    checks: tuple[dict[str, Any], ...]
    reason: str
    traceback: str

    @property
    def ids(self) -> list[str]:
        return [c["id"] for c in self.checks]

    @property
    def points(self) -> float:
        return round(sum(c["points"] for c in self.checks), 6)

    @property
    def max_points(self) -> float:
        return round(sum(c["max_points"] for c in self.checks), 6)

    @property
    def own_frames(self) -> tuple[Frame, ...]:
        """The learner's own frames of the traceback, outermost first."""
        return parse_traceback(self.traceback).own if self.traceback else ()


def reason_key(check: dict[str, Any]) -> tuple[str, str] | None:
    """What a check that did not pass failed of, as a key two checks share exactly when they failed for the same
    reason; None for a check that passed or failed on its numbers (never grouped)."""
    if check["status"] == "error":
        traceback = (check.get("details") or {}).get("traceback") or ""
        return "error", without_notes(traceback) if traceback else _cause(check["message"])
    if check["status"] == "skipped":
        return "skipped", check["message"]
    return None


def _cause(message: str) -> str:
    """"forward() (sizes I, H, O = (2, 4, 1)) raised X: m" → "raised X: m"; a message without a call as it is."""
    starts = [i for i in (message.find(sep) for sep in _CAUSES) if i >= 0]
    return message[min(starts) + 1:] if starts else message


def summarise(checks: Sequence[dict[str, Any]]) -> list[Item]:
    """The checks in their order (the plan's, the order a learner works through the kata), each group of two or
    more that share a reason_key in one Item, placed where its first member was."""
    keys = [reason_key(c) for c in checks]
    members: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c, k in zip(checks, keys):
        if k is not None:
            members.setdefault(k, []).append(c)
    items: list[Item] = []
    for c, k in zip(checks, keys):
        group = members.get(k, [c]) if k is not None else [c]
        if len(group) == 1:
            items.append(Item(c["status"], (c,), c["message"], _traceback(c)))
        elif group[0] is c:
            causes = {_cause(m["message"]) for m in group}
            reason = causes.pop() if len(causes) == 1 else c["message"]
            items.append(Item(c["status"], tuple(group), reason, _traceback(c)))
    return items


def _traceback(check: dict[str, Any]) -> str:
    return without_notes((check.get("details") or {}).get("traceback") or "")


def name_checks(ids: Sequence[str], every: Sequence[str]) -> str:
    """Check ids said briefly, group by group in order: "forward/* (7)" for all of a group's checks (`every`: all
    the ids there are), "backward/W_xh, W_hh (2 of 8)" for some of them."""
    in_group: dict[str, int] = {}
    for i in every:
        in_group[i.split("/")[0]] = in_group.get(i.split("/")[0], 0) + 1
    chosen: dict[str, list[str]] = {}
    for i in ids:
        group, _, case = i.partition("/")
        chosen.setdefault(group, []).append(case)
    parts = []
    for group, cases in chosen.items():
        total = in_group.get(group, len(cases))
        parts.append(f"{group}/* ({total})" if len(cases) == total and total > 1
                     else f"{group}/{', '.join(cases)}" + (f" ({len(cases)} of {total})" if total > 1 else ""))
    return "; ".join(parts)


def label(item: Item) -> str:
    """A lone check's id, or "N checks"."""
    return item.ids[0] if len(item.checks) == 1 else f"{len(item.checks)} checks"


def where(frame: Frame) -> str:
    """"simple_rnn.py, line 30, in forward" (a notebook's: "cell 3, line 2, in forward")."""
    return f"{frame.where}, line {frame.line}, in {frame.function}"


def first_fix(d: dict[str, Any]) -> list[str]:
    """The first thing to fix, as lines for people (a syntax error keeps its code line and caret line; any other
    line is one line, whatever the learner's text inside it holds), or [] when every check passes. For a result
    that could not be graded, its error. Otherwise the first check that did not pass, in plan order: when it
    raised or did not run, that (and the learner's line it raised at); when it failed on its numbers and the
    grader recognised a misconception, the first diagnosis and its hint, since that says why."""
    if d["status"] == "error" and d.get("error"):
        return (d["error"]["message"] or d["error"]["kind"].replace("_", " ")).split("\n")
    item = next((i for i in summarise(d["checks"]) if i.status != "pass"), None)
    if item is None:
        return []
    if item.status == "fail" and d.get("diagnoses"):
        x = d["diagnoses"][0]
        return [x["message"]] + ([f"hint: {x['hint']}"] if x.get("hint") else [])
    if len(item.checks) == 1:
        rows = [f"{item.ids[0]}: {item.reason}"]
    else:
        joint = " " if item.reason.startswith(tuple(sep[1:] for sep in _CAUSES)) else ": "
        rows = [f"{len(item.checks)} checks ({points_text(item.max_points)} points){joint}{item.reason}"]
    frames = item.own_frames
    if frames:
        rows.append(f"at {where(frames[-1])}" + (f": {frames[-1].code}" if frames[-1].code else ""))
    return rows
