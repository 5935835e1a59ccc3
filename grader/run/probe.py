"""Run stage, inside the confined child: load the learner's code and execute a fixed plan of calls on it.

The plan holds inputs only (sizes, seeds, weights to inject, sequences); no expected value ever reaches this
process. Every learner call is wrapped so that its fault becomes a value; what came back is sent to the grader as
plain numbers (wire.py). The same executor runs the reference solution in the grader's own process.

Child protocol, one JSON line each on the results fd: {"loaded": ...} or {"fault": ...}, then
{"probe": name, "results": [...]} per probe, then {"done": true}.
"""
from __future__ import annotations

import inspect
import linecache
import os
import random
import sys
import traceback
import types
from typing import Any, Callable

import numpy as np

from grader.run import plotstub, series, wire

PARAMS = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")
SIGNATURES = {"__init__": ("input_size", "hidden_size", "output_size"), "forward": ("x",),
              "backward": ("x", "y", "learning_rate")}


# ---- the plan executor (shared with the reference run) ------------------------------------------------------

def run_probe(cls: type, probe: dict[str, Any], labels: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """Execute one probe's ops on a fresh instance of `cls`. Returns one result per op:
    {"ok": {...}}, {"error": {"type", "message", "traceback"}} or {"skipped": true} after an error."""
    np.random.seed(probe.get("seed", 0))
    random.seed(probe.get("seed", 0))
    results: list[dict[str, Any]] = []
    # What each value sent back may hold (wire.py): the grader rejects a channel that carries more.
    state: dict[str, Any] = {"rnn": None, "value": wire.value_budget(probe), "param": wire.param_budget(probe)}
    failed = False
    for op in probe["ops"]:
        if failed:
            results.append({"skipped": True})
            continue
        try:
            results.append({"ok": _OPS[op["op"]](cls, state, op)})
        except BaseException as e:  # learner faults of every kind, SystemExit and KeyboardInterrupt included
            if isinstance(e, _Internal):
                raise
            results.append({"error": describe_exception(e, labels)})
            failed = True
    return results


class _Internal(Exception):
    pass


def _arr(op: dict, key: str) -> np.ndarray:
    # A fresh copy per call: learners sometimes modify x or y in place.
    return wire.decode_array(op[key])


def _encode(state: dict[str, Any], value: Any, budget: str = "value") -> dict[str, Any]:
    return wire.encode_value(value, state[budget])


def _read_params(state: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in PARAMS:
        try:
            value = getattr(state["rnn"], name)
        except BaseException as e:  # a missing attribute, or a property that raises
            out[name] = {"t": "missing", "why": wire.name(type(e).__name__)}
            continue
        out[name] = _encode(state, value, "param")
    return out


def _seeded_instance(cls, op):
    """The learner's SimpleRNN(*sizes), built right after both generators are seeded with the op's seed."""
    np.random.seed(op["seed"])
    random.seed(op["seed"])
    return cls(*op["sizes"])


def _op_new(cls, state, op):
    state["rnn"] = rnn = _seeded_instance(cls, op)
    hidden = getattr(rnn, "hidden_size", None)
    return {"params": _read_params(state), "hidden_size": _encode(state, hidden)}


# The dtypes the grader injects: float64, or float32 to a learner who holds float32 (anything else gets float64).
INJECTED_DTYPES = (np.float64, np.float32)


def _op_set(cls, state, op):
    """Inject weights in the learner's own shape and dtype when the entry count matches (biases as (H,) ...)."""
    rnn = state["rnn"]
    adapted = _inject(rnn, {name: wire.decode_array(enc) for name, enc in op["params"].items()})
    return {"params": _read_params(state), "adapted": adapted, "viewed": _viewed(rnn)}


def _viewed(rnn: Any) -> list[str]:
    """The parameters that another attribute of the instance views (a transpose cached in __init__, say)."""
    arrays = {name: v for name, v in dict.items(_instance_dict(rnn)) if type(v) is np.ndarray}
    # may_share_memory compares bounds only: cheap, and exact enough for views and transposes.
    return sorted(name for name in PARAMS if name in arrays and any(
        other not in PARAMS and np.may_share_memory(v, arrays[name]) for other, v in arrays.items()))


def _inject(rnn: Any, params: dict[str, np.ndarray], report: bool = True) -> dict[str, list]:
    """Give `rnn` these parameters, in its own shape and dtype where the layout allows. Written into the learner's
    own array when it is a plain, writeable ndarray of that shape held in the instance's own __dict__, so that
    views and transposes the learner cached in __init__ see the new values; else the attribute is rebound.
    Returns {name: [shape, dtype]} adapted (when `report`)."""
    adapted = {}
    for name, value in params.items():
        current = getattr(rnn, name, None)
        if isinstance(current, np.ndarray) and current.dtype.kind == "f" and _same_layout(current.shape, value.shape):
            dtype = current.dtype if current.dtype in INJECTED_DTYPES else np.float64
            adapted[name] = current
            if type(current) is np.ndarray and current.flags.writeable and current.dtype == dtype and \
                    _own(rnn, name) is current:
                current[...] = value.reshape(current.shape)  # into the learner's own array: its views see it
                continue
            value = value.reshape(current.shape).astype(dtype)
        setattr(rnn, name, value)
    return {name: [list(a.shape), str(a.dtype)] for name, a in adapted.items()} if report else {}


def _own(rnn: Any, name: str) -> Any:
    """The instance's own attribute `name`, or None: what a property or __getattr__ returns may be a copy, and a
    write into a copy would be lost (the learner would compute with other weights than those injected)."""
    return dict.get(_instance_dict(rnn), name)


def _instance_dict(rnn: Any) -> dict[str, Any]:
    """The instance's own __dict__, read past any property or __getattribute__ of the learner's ({} if none)."""
    try:
        attrs = object.__getattribute__(rnn, "__dict__")
    except Exception:
        return {}
    return attrs if type(attrs) is dict else {}


def _same_layout(learner: tuple[int, ...], ours: tuple[int, ...]) -> bool:
    """Same shape, or the same column vector held as (n,) or (1, n). Never a reshaped matrix: that would
    scramble a transposed weight instead of exposing it."""
    if learner == ours:
        return True
    n = ours[0] if len(ours) == 2 and ours[1] == 1 else -1
    return n >= 0 and learner in ((n,), (1, n))


def _op_forward(cls, state, op):
    return {"value": _encode(state, state["rnn"].forward(_arr(op, "x")))}


def _op_backward(cls, state, op):
    rnn = state["rnn"]
    before = {name: id(getattr(rnn, name, None)) for name in PARAMS}
    returned = rnn.backward(_arr(op, "x"), _arr(op, "y"), op["lr"])
    rebound = sorted(n for n in PARAMS if id(getattr(rnn, n, None)) != before[n])
    return {"params": _read_params(state), "returned": None if returned is None else wire.name(type(returned).__name__),
            "rebound": rebound}


def _op_train(cls, state, op):
    """`epochs` times forward then backward, as the published cases do; every epoch's output is kept."""
    rnn, outputs = state["rnn"], []
    x, y = _arr(op, "x"), _arr(op, "y")
    for epoch in range(op["epochs"]):
        try:
            outputs.append(series.keep(rnn.forward(x.copy()), state["value"]))
            rnn.backward(x.copy(), y.copy(), op["lr"])
        except BaseException as e:
            e.add_note(f"(in epoch {epoch + 1} of {op['epochs']})")
            raise
    return {"outputs": series.encode_series(outputs, state["value"]), "params": _read_params(state)}


def _op_nudged_forwards(cls, state, op):
    """Finite differences through the learner's own forward: for each [name, flat index], a fresh instance (the
    probe's seed) with the weights `params` but that entry moved by +eps, then by −eps, and one forward(x) each,
    so that a state leaking between calls can't blur the differences. Returns every output, in that order."""
    base = {name: wire.decode_array(enc) for name, enc in op["params"].items()}
    x, values = _arr(op, "x"), []
    for name, index in op["entries"]:
        for sign in (1.0, -1.0):
            nudged = {k: v.copy() for k, v in base.items()}
            nudged[name].flat[index] += sign * op["eps"]
            rnn = _seeded_instance(cls, op)
            _inject(rnn, nudged, report=False)
            values.append(series.keep(rnn.forward(x.copy()), state["value"]))
    return {"values": series.encode_series(values, state["value"])}


_OPS: dict[str, Callable] = {"new": _op_new, "set": _op_set, "forward": _op_forward, "backward": _op_backward,
                             "train": _op_train, "nudged_forwards": _op_nudged_forwards}
# The fields of each op's {"ok": ...} result, and their JSON types (the grader checks them on arrival).
RESULT_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "new": {"params": dict, "hidden_size": dict}, "set": {"params": dict, "adapted": dict, "viewed": list},
    "forward": {"value": dict}, "backward": {"params": dict, "returned": (str, type(None)), "rebound": list},
    "train": {"outputs": list, "params": dict}, "nudged_forwards": {"values": list}}


def describe_exception(e: BaseException, labels: frozenset[str]) -> dict[str, str]:
    """Type, message and a traceback cut down to the learner's own frames (file name or notebook cell)."""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename in labels]
    lines = ["Traceback (learner code only):"] if frames else []
    for f in frames:
        lines.append(f'  {f.filename}, line {f.lineno}, in {f.name}')
        if f.line:
            lines.append(f"    {f.line.strip()}")
    message = _safe_str(e)
    if isinstance(e, SystemExit):  # "SystemExit: 3" says little to someone who wrote sys.exit(3)
        message = f"sys.exit({message}) was called; a method must return, not end the program"
    lines.append(f"{type(e).__name__}: {message}" if message else type(e).__name__)
    lines += [str(n) for n in getattr(e, "__notes__", [])[:3]]
    where = f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else ""
    caps = wire.TEXT_CAPS
    return {"type": wire.name(type(e).__name__), "message": message[:caps["message"]],
            "traceback": "\n".join(lines)[:caps["traceback"]], "where": where[:caps["where"]]}


def _safe_str(e: BaseException) -> str:
    try:
        return str(e)
    except BaseException:  # a learner exception whose __str__ itself raises
        return "(the exception's message could not be printed)"


# ---- loading the learner's code -----------------------------------------------------------------------------

def load(chunks: list[dict[str, str]], kind: str) -> tuple[type | None, dict[str, Any]]:
    """Run the chunks in order as one module. Returns (SimpleRNN class or None, report) where the report is the
    {"loaded": ...} or {"fault": ...} message body."""
    module = types.ModuleType("submission")
    sys.modules["submission"] = module
    ns = module.__dict__
    labels = frozenset(c["label"] for c in chunks)
    warnings = []
    stubs = plotstub.install()
    already = len(stubs.requested)
    for chunk in chunks:
        label, code = chunk["label"], chunk["code"]
        linecache.cache[label] = (len(code), None, code.splitlines(True), label)
        fault = None
        try:
            exec(compile(code, label, "exec", dont_inherit=True), ns)
        except SyntaxError as e:
            fault = {"kind": "syntax_error", "message": _syntax_message(e, label), "where": f"{label}, line {e.lineno}"}
        except BaseException as e:
            fault = _load_fault(e, labels)
        if fault is None:
            continue
        if isinstance(ns.get("SimpleRNN"), type) and fault["kind"] not in ("exited", "memory_limit"):
            # SimpleRNN exists already: grade it, but say what went wrong after it was defined.
            first = (fault["message"].splitlines() or [""])[0]
            warnings.append(f"{_located(fault.get('where') or label, first)} "
                            "(grading went on, since SimpleRNN was already defined)"[:wire.WARNING_CAP])
            continue
        return None, {"fault": {k: v[:wire.FAULT_CAPS[k]] for k, v in fault.items()}}
    cls = ns.get("SimpleRNN")
    classes = sorted({wire.name(k) for k, v in ns.items()
                      if isinstance(v, type) and getattr(v, "__module__", "") == "submission"})[:wire.CLASSES]
    if not isinstance(cls, type):
        found = ", ".join(classes) if classes else "none"
        what = "" if cls is None else f" (SimpleRNN is a {wire.name(type(cls).__name__)}, not a class)"
        return None, {"fault": {"kind": "missing_class",
                                "message": f"no class named SimpleRNN{what}; classes found: {found}"}}
    problems = {k: v[:wire.WARNING_CAP] for k, v in signature_problems(cls).items()}
    if "__init__" in problems:
        return None, {"fault": {"kind": "missing_class", "message": problems["__init__"]}}
    warnings = (warnings + list(problems.values()) + [n for n in [plotstub.note(stubs.requested[already:])] if n])[
        :wire.WARNINGS]
    return cls, {"loaded": {"warnings": warnings, "classes": classes, "signature_problems": problems}}


def _located(where: str, message: str) -> str:
    """`where: message`, naming the place once: messages often start with it ("cell 4, line 1: SyntaxError ...")
    or end a phrase with it ("raised NameError at cell 4, line 1: ...")."""
    if message.startswith(where):
        return message
    return f"{where}: {message.replace(f' at {where}', '')}"


def signature_problems(cls: type) -> dict[str, str]:
    """Methods that the grader's calls can't bind to, each with a message that says why."""
    problems = {}
    for method, args in SIGNATURES.items():
        fn = getattr(cls, method, None)
        call = f"{'SimpleRNN' if method == '__init__' else method}({', '.join(args)})"
        if fn is None or (method == "__init__" and fn is object.__init__):
            problems[method] = f"SimpleRNN has no {method} method; the grader calls {call}"
            continue
        try:
            sig = inspect.signature(fn)
            sig.bind(None, *args)
        except (TypeError, ValueError) as e:
            try:
                shown = str(inspect.signature(fn))
            except (TypeError, ValueError):
                shown = "(...)"
            problems[method] = f"SimpleRNN.{method}{shown} can't be called as {call}: {e}"
    return problems


def _syntax_message(e: SyntaxError, label: str) -> str:
    text = (e.text or "").rstrip("\n")
    caret = ""
    if text and e.offset:
        stripped = text.lstrip()
        caret = "\n    " + " " * max(0, e.offset - 1 - (len(text) - len(stripped))) + "^"
        text = stripped
    return f"{label}, line {e.lineno}: {type(e).__name__}: {e.msg}" + (f"\n    {text}{caret}" if text else "")


def _load_fault(e: BaseException, labels: frozenset[str]) -> dict[str, str]:
    d = describe_exception(e, labels)
    where = d["where"] or "while loading"
    if isinstance(e, SystemExit):
        return {"kind": "exited", "message": f"the submission called sys.exit({_safe_str(e)}) at {where}; "
                                             "remove it: the grader needs the module to load", "where": d["where"],
                "traceback": d["traceback"]}
    if isinstance(e, KeyboardInterrupt):
        return {"kind": "exited", "message": f"the submission raised KeyboardInterrupt at {where}",
                "where": d["where"], "traceback": d["traceback"]}
    if isinstance(e, MemoryError):
        return {"kind": "memory_limit", "message": f"ran out of memory while loading ({where})",
                "where": d["where"], "traceback": d["traceback"]}
    if isinstance(e, ImportError):
        name = getattr(e, "name", None)
        msg = (f"imports `{name}`, which is not available here (only numpy and the standard library are)"
               if isinstance(e, ModuleNotFoundError) and name else f"an import failed: {d['message']}")
        return {"kind": "import_error", "message": f"{where}: {msg}", "where": d["where"], "traceback": d["traceback"]}
    return {"kind": "import_error", "message": f"loading the submission raised {d['type']} at {where}: "
                                               f"{d['message'][:300]}", "where": d["where"],
            "traceback": d["traceback"]}


# ---- the child's entry point ----------------------------------------------------------------------------------

def child_main(plan: dict[str, Any], results_fd: int, early: dict[str, Any]) -> None:
    """Finish confinement, then load and probe the submission, reporting on `results_fd`. Never returns."""
    from grader.run import confine

    report = confine.apply(plan["limits"], early, keep_fd=results_fd, scratch=plan["scratch"],
                           protect=(plan["grader_root"],))

    def send(msg: dict[str, Any]) -> None:
        data = wire.dumps(msg)
        while data:
            data = data[os.write(results_fd, data):]

    send({"sandbox": report})
    if plan.get("require_isolation") and not report.get("isolated"):
        send({"refused": True})  # before any learner code runs
        os._exit(0)
    # The learner gets an empty stdin and none of the grader's paths on sys.path.
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != plan["grader_root"]]
    cls, report = load(plan["chunks"], plan["kind"])
    send(report)
    if cls is not None:
        labels = frozenset(c["label"] for c in plan["chunks"])
        for probe in plan["probes"]:
            send({"probe": probe["name"], "results": run_probe(cls, probe, labels)})
        send({"done": True})
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(0)  # skip interpreter teardown: learner atexit hooks and __del__ methods don't run after us
