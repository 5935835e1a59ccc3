"""The result contract as data: a GradeResult as the JSON dict other tools read, the learner's view of it (hidden
cases as verdicts only), and its JSON text. Every other renderer and export starts from these dicts.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import math
from typing import Any

from grader.report import jsontext
from grader.result import GradeResult

_HIDDEN_VERDICT = {"pass": "passed", "fail": "failed", "error": "your code raised an error", "skipped": "not run"}
HIDDEN_OUTPUT_NOTE = ("(not shown: this run included hidden cases, and what your code printed during them could "
                      "reveal their inputs; run the grader on your own machine to see your output)")


NON_FINITE_NOTE = ("{n} number{s} in this result {were} not finite (an overflow: inf or NaN) and {are} written as "
                   "null: {where}")


def to_dict(result: GradeResult, *, learner_view: bool = False) -> dict[str, Any]:
    """The result contract. In the learner's view hidden checks keep only their verdict (no inputs, no numbers).
    Every number that is not finite (a learner's outputs of 1e200 make an infinite loss) is written as null, and
    a warning says where; one in a hidden case is noted only in the instructor's part (`hidden_run`)."""
    d = finite_numbers(result)  # one walk over the result, no deep copy first (asdict's)
    return learner_dict(d) if learner_view else d


# The bulk of one result, its checks and analysis (nearly all of its text), converted and written ahead by prepare()
# while one file's child still runs its last probes (diagnose/judging.py): the next to_dict of the result that holds
# those very objects takes the converted values, and the next dumps of that dict their text, once.
_ahead: dict[str, Any] = {}
AHEAD = ("checks", "analysis")


def prepare(checks: list, analysis: dict[str, Any]) -> None:
    """Convert and write `checks` and `analysis` ahead, for the result about to hold them. They must not change
    afterwards (the judging is over). Not when a number is not finite: to_dict's own walk then says where."""
    found: list[str] = []
    values = {name: _finite(v, name, found) for name, v in zip(AHEAD, (checks, analysis))}
    _ahead.clear()
    if not found:
        _ahead.update(sources=(checks, analysis), values=values,
                      texts={k: jsontext.dumps_at(v, "\n ", default=_jsonable) for k, v in values.items()})


def _converted(result: Any, found: list[str]) -> dict[str, Any]:
    sources = _ahead.pop("sources", None)
    if sources is None or not isinstance(result, GradeResult) or result.checks is not sources[0] or \
            result.analysis is not sources[1]:
        _ahead.clear()
        return _finite(result, "", found)
    values = _ahead["values"]  # what dumps then looks for, by identity
    return {name: values[name] if name in values else _finite(getattr(result, name), name, found)
            for name in _field_names(GradeResult)}


def finite_numbers(d: dict[str, Any] | GradeResult) -> dict[str, Any]:
    """`d` (a result dict, or a GradeResult) as a new dict of plain values, with every non-finite float replaced by
    None and a warning naming where (JSON has no inf or NaN)."""
    found: list[str] = []
    d = _converted(d, found) if _ahead else _finite(d, "", found)
    hidden = {i for i, c in enumerate(d.get("checks", [])) if c.get("hidden")}
    public = [p for p in found if not _in_hidden_case(p, hidden)]
    for where, paths in (("warnings", public), ("hidden_run", [p for p in found if p not in public])):
        if not paths:
            continue
        n = len(paths)
        note = NON_FINITE_NOTE.format(n=n, s="s" if n > 1 else "", were="were" if n > 1 else "was",
                                      are="are" if n > 1 else "is",
                                      where=", ".join(paths[:5]) + (", ..." if n > 5 else ""))
        if where == "warnings":
            d["warnings"] = list(d.get("warnings", [])) + [note]
        elif isinstance(d.get("hidden_run"), dict):
            d["hidden_run"] = dict(d["hidden_run"], warnings=list(d["hidden_run"].get("warnings", [])) + [note])
    return d


def _in_hidden_case(path: str, hidden: set[int]) -> bool:
    return "hidden/" in path or path.startswith("hidden_run") or any(path.startswith(f"checks[{i}]") for i in hidden)


def _finite(v: Any, path: str, found: list[str]) -> Any:
    # The bulk of a result is arrays, as lists of floats: a finite sum means every entry is finite (an inf or a
    # NaN makes it inf or NaN), so one sum replaces a walk; a sum that overflows is walked entry by entry.
    t = type(v)
    if t is str or t is int or t is bool or v is None:  # most of a result: as they are
        return v
    if t is list and v and jsontext.only_floats(v) and math.isfinite(sum(v)):
        return list(v)
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        found.append(path)
        return None
    if isinstance(v, dict):
        return {k: _finite(x, f"{path}.{k}" if path else str(k), found) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x, f"{path}[{i}]", found) for i, x in enumerate(v)]
    if isinstance(v, (str, int)) and not isinstance(v, enum.Enum):
        return v
    if isinstance(v, enum.Enum):  # a check's Status
        return v.value
    if dataclasses.is_dataclass(v) and not isinstance(v, type):  # the result's parts, as asdict would give them
        return {name: _finite(getattr(v, name), f"{path}.{name}" if path else name, found)
                for name in _field_names(t)}
    if hasattr(v, "tolist") and not isinstance(v, (int, str, bool)):  # numpy arrays and scalars
        return _finite(v.tolist(), path, found)
    return v


@functools.lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def learner_dict(d: dict[str, Any]) -> dict[str, Any]:
    """The learner's view of a result dict (to_dict's output or a result.json): hidden checks keep their verdict
    and nothing else, and nothing of the hidden cases' run (`hidden_run`: their own child, whose output,
    warnings and end could carry a hidden input) is shown; the time it took is not counted. A record from before
    the hidden cases had a child of their own also loses its printed output and diagnosis evidence, which could
    carry a hidden input there; the misconception's message and hint stay. The behaviour digests (for the
    instructor's similarity pass) always go."""
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
    hidden_run = d.pop("hidden_run", None)
    if hidden and hidden_run is None:
        d["stdout"], d["stderr"] = (HIDDEN_OUTPUT_NOTE if d[k] else "" for k in ("stdout", "stderr"))
        d["diagnoses"] = [dict(x, evidence={}) for x in d["diagnoses"]]
    if hidden_run:
        d["duration_s"] = round(max(0.0, d.get("duration_s", 0.0) - hidden_run.get("duration_s", 0.0)), 1)
    return d


def to_json(result: GradeResult, *, learner_view: bool = False) -> str:
    return dumps(to_dict(result, learner_view=learner_view))


def dumps(d: dict[str, Any]) -> str:
    """A result dict as the contract's JSON text."""
    if _ahead.get("values") and all(d.get(k) is v for k, v in _ahead["values"].items()):
        texts = _ahead["texts"]
        _ahead.clear()
        d = {k: texts[k] if k in texts else v for k, v in d.items()}
    return jsontext.dumps(d, default=_jsonable) + "\n"  # json.dumps(d, indent=1, allow_nan=False), faster


def _jsonable(o: Any) -> Any:
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "value"):
        return o.value
    raise TypeError(type(o).__name__)


def points_text(x: float) -> str:
    return f"{x:g}"
