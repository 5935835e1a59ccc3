"""Check stage: the child's raw results for one probe, decoded into plain values (Op), every size checked on the
way (run/wire.py); a result that is absent or malformed becomes an error that says why."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.judge.plan import PARAMS
from grader.run.wire import WireError, decode_value


@dataclass(frozen=True)
class Op:
    status: str                  # "ok" | "error" | "skipped" | "missing"
    value: dict[str, Any] = field(default_factory=dict)  # decoded fields of an ok result
    error: dict[str, str] = field(default_factory=dict)  # type, message, traceback, where


def decode_ops(raw: list[Any] | None, n_ops: int, missing_reason: str) -> list[Op]:
    """The child's results for one probe; absent or malformed ones become errors that say why."""
    if raw is None:
        return [Op("missing", error={"type": "", "message": missing_reason, "traceback": ""})] * n_ops
    ops = []
    for item in list(raw)[:n_ops]:
        try:
            if not isinstance(item, dict):
                raise WireError("not a result")
            if "ok" in item:
                ops.append(Op("ok", value=_decode_fields(item["ok"])))
            elif "error" in item:
                e = item["error"]
                ops.append(Op("error", error={k: str(e.get(k, ""))[:8000] for k in ("type", "message", "traceback",
                                                                                   "where")}))
            else:
                ops.append(Op("skipped"))
        except (WireError, AttributeError, TypeError, KeyError) as e:
            ops.append(Op("error", error={"type": "", "traceback": "",
                                          "message": f"the grader could not read this result ({e})"}))
    ops += [Op("missing", error={"type": "", "message": missing_reason, "traceback": ""})] * (n_ops - len(ops))
    return ops


def _decode_fields(d: Any) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise WireError("malformed result")
    out: dict[str, Any] = {}
    for key, v in d.items():
        if key == "params":
            out[key] = {name: decode_value(v.get(name, {"t": "missing"})) for name in PARAMS}
        elif key in ("outputs", "values"):
            out[key] = [decode_value(x) for x in v]
        elif key in ("value", "hidden_size"):
            out[key] = decode_value(v)
        else:
            out[key] = v
    return out
