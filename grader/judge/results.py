"""Check stage, first step: the child's raw results for each probe, decoded into Ops, strictly.

Anything but what run/probe.py writes (one result per op: its fields, an error's capped texts, or skipped) raises
WireError: learner code wrote it to the channel, and the grader judges none of it (grade.read_channel marks the
channel forged). The reference's results go through the same decoding.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.judge.plan import PARAMS
from grader.run.probe import RESULT_FIELDS
from grader.run.series import decode_series
from grader.run.wire import NAME_CAP, TEXT_CAPS, WireError, decode_value


@dataclass(frozen=True)
class Op:
    """One op's result as the grader decoded it from the child's channel."""
    status: str                  # "ok" | "error" | "skipped" | "missing"
    value: dict[str, Any] = field(default_factory=dict)  # decoded fields of an ok result
    error: dict[str, str] = field(default_factory=dict)  # type, message, traceback, where


def missing_ops(n_ops: int, reason: str) -> list[Op]:
    """`n_ops` results the child never sent, each saying why."""
    return [Op("missing", error={"type": "", "message": reason, "traceback": ""})] * n_ops


def decode_results(raw: Any, ops: tuple[dict[str, Any], ...]) -> list[Op]:
    """The child's results for a probe's `ops`, as run/probe.py writes them: one per op, {"ok": that op's fields}
    (probe.RESULT_FIELDS), {"error": its texts within their caps} or {"skipped": true}. Raises WireError on
    anything else: learner code wrote it (a forged channel), and none of it is judged."""
    if not isinstance(raw, list) or len(raw) != len(ops):
        raise WireError("not one result per call")
    out = []
    for item, op in zip(raw, ops):
        if not isinstance(item, dict) or len(item) != 1:
            raise WireError("not a result")
        if "ok" in item:
            out.append(Op("ok", value=_decode_fields(item["ok"], op)))
        elif "error" in item:
            out.append(Op("error", error=_decode_error(item["error"])))
        elif item == {"skipped": True}:
            out.append(Op("skipped"))
        else:
            raise WireError("not a result")
    return out


def _decode_error(e: Any) -> dict[str, str]:
    if not isinstance(e, dict) or not set(e) <= set(TEXT_CAPS) or not all(
            isinstance(v, str) and len(v) <= TEXT_CAPS[k] for k, v in e.items()):
        raise WireError("malformed error")
    return {k: e.get(k, "") for k in TEXT_CAPS}


def _decode_fields(d: Any, op: dict[str, Any]) -> dict[str, Any]:
    fields = RESULT_FIELDS[op["op"]]
    if not isinstance(d, dict) or set(d) != set(fields) or not all(isinstance(d[k], t) for k, t in fields.items()):
        raise WireError("malformed result")
    out: dict[str, Any] = {}
    for key, v in d.items():
        if key == "params":
            if not set(v) <= set(PARAMS):
                raise WireError("malformed parameters")
            out[key] = {name: decode_value(v.get(name, {"t": "missing"})) for name in PARAMS}
        elif key == "outputs":  # every epoch's, up to the one that raised
            out[key] = decode_series(v, op.get("epochs", 0))
        elif key == "values":  # nudged_forwards: one forward's outputs per nudge, two per entry
            out[key] = decode_series(v, 2 * len(op["entries"]))
            if len(out[key]) != 2 * len(op["entries"]):
                raise WireError("not two outputs per nudged entry")
        elif key in ("value", "hidden_size"):
            out[key] = decode_value(v)
        elif key == "returned" and not (v is None or len(v) <= NAME_CAP):
            raise WireError("malformed type name")
        elif key == "rebound" and not all(isinstance(n, str) and n in PARAMS for n in v):
            raise WireError("malformed parameter names")
        elif key in ("adapted", "viewed") and not set(v) <= set(PARAMS):
            raise WireError("malformed parameter names")
        else:
            out[key] = v
    return out


def freeze(value: Any) -> Any:
    """Make every array in `value` (an array, or dicts, lists and tuples of them) read-only: for what the grader
    keeps and shares across submissions (the reference's ops and what is read from them), which none may change.
    Returns `value`."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for v in value.values():
            freeze(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            freeze(v)
    return value
