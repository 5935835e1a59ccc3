"""Diagnose stage: what the failures mean. Works from behaviour (the numbers), never from the source text.

Returns Diagnosis records with a stable id (part of the result contract), a message, a hint that does not hand
over the solution, and the evidence: the numbers that support it.
"""
from __future__ import annotations

from typing import Any

from grader.cases import Plan
from grader.checks import Evaluation, Op
from grader.result import Diagnosis, Status

NOT_IMPLEMENTED = Diagnosis(
    "not_implemented",
    "forward and backward are not written yet: the starter's skeleton is unchanged.",
    "Start with forward: loop over the time steps, keep each hidden state, return every output. "
    "Then write backward, walking the steps in reverse.")


def diagnose(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]],
             evaluation: Evaluation) -> list[Diagnosis]:
    found = []
    if _not_implemented(learner):
        return [Diagnosis(NOT_IMPLEMENTED.id, NOT_IMPLEMENTED.message, NOT_IMPLEMENTED.hint,
                          {"forward": _first_error(learner, "forward"), "backward": _first_error(learner, "backward")})]
    return found


def _not_implemented(learner: dict[str, list[Op]]) -> bool:
    """forward raises NotImplementedError or returns None, and backward raises it or changes nothing."""
    fwd = learner.get("forward/basic", [])
    if len(fwd) < 3 or fwd[2].status not in ("ok", "error"):
        return False
    forward_missing = (fwd[2].status == "error" and fwd[2].error.get("type") == "NotImplementedError") or \
        (fwd[2].status == "ok" and fwd[2].value.get("value") is None)
    alone = learner.get("conventions/backward_alone", [])
    if len(alone) < 3:
        return False
    if alone[2].status == "error":
        backward_missing = alone[2].error.get("type") == "NotImplementedError"
    elif alone[2].status == "ok":
        backward_missing = _unchanged(alone[1].value.get("params", {}), alone[2].value.get("params", {}))
    else:
        backward_missing = False
    return forward_missing and backward_missing


def _unchanged(before: dict[str, Any], after: dict[str, Any]) -> bool:
    import numpy as np

    return all(isinstance(before.get(n), np.ndarray) and isinstance(after.get(n), np.ndarray)
               and before[n].shape == after[n].shape and np.array_equal(before[n], after[n]) for n in before)


def _first_error(learner: dict[str, list[Op]], op_name: str) -> str:
    for ops in learner.values():
        for op in ops:
            if op.status == "error":
                return f"{op.error.get('type')}: {op.error.get('message')}"[:200]
    return ""
