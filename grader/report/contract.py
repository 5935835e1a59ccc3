"""The result contract as data: a GradeResult as the JSON dict other tools read, the learner's view of it (hidden
cases as verdicts only), and its JSON text. Every other renderer and export starts from these dicts.
"""
from __future__ import annotations

import json
from typing import Any

from grader.result import GradeResult

_HIDDEN_VERDICT = {"pass": "passed", "fail": "failed", "error": "your code raised an error", "skipped": "not run"}
HIDDEN_OUTPUT_NOTE = ("(not shown: this run included hidden cases, and what your code printed during them could "
                      "reveal their inputs; run the grader on your own machine to see your output)")


def to_dict(result: GradeResult, *, learner_view: bool = False) -> dict[str, Any]:
    """The result contract. In the learner's view hidden checks keep only their verdict (no inputs, no numbers)."""
    return learner_dict(result.to_dict()) if learner_view else result.to_dict()


def learner_dict(d: dict[str, Any]) -> dict[str, Any]:
    """The learner's view of a result dict (to_dict's output or a result.json): hidden checks keep their verdict
    and nothing else. Output printed by the learner's code and diagnosis evidence go too when hidden cases ran,
    since either could carry a hidden input; the misconception's message and hint stay. The behaviour digests
    (for the instructor's similarity pass) always go."""
    d = dict(d, checks=[dict(c) for c in d["checks"]])
    d.pop("behaviour", None)  # for the instructor's similarity pass, not for learners
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


def points_text(x: float) -> str:
    return f"{x:g}"
