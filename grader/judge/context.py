"""Check stage: what every check function reads. The Context holds the learner's and the reference's ops and
what the checks learn on the way (conventions, the analysis); a check ends early by raising a Verdict.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from grader.judge import compare, conventions
from grader.judge.plan import PARAMS, Plan, Probe
from grader.judge.results import Op, freeze
from grader.result import Status
from grader.run import memo
from grader.run.wire import Opaque


class Verdict(Exception):
    """Raised inside a check function to end it with a status and message (skipped, error, fail)."""

    def __init__(self, status: Status, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or {}


class Context:
    def __init__(self, plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]]):
        self.plan, self.learner, self.reference = plan, learner, reference
        self.conventions: set[str] = set()
        self.output_conventions: set[tuple[int, str]] = set()  # (O, label)
        self.analysis: dict[str, Any] = {"parameters": {}, "training": {}, "forward": {}}
        self._memo: dict[tuple, Any] = {}

    def memo(self, key: tuple, read: Callable[[], Any]) -> Any:
        """What `read()` gives, read once per evaluation for `key`. An exception (a Verdict) is not kept: each
        check that asks raises its own. What is kept is shared by the checks, which only read it."""
        if key not in self._memo:
            self._memo[key] = read()
        return self._memo[key]

    def reference_memo(self, key: tuple, read: Callable[[], Any]) -> Any:
        """memo for what depends on the reference's ops (and the plan) alone, kept across evaluations: every
        submission of a batch is judged against the same reference dict (grade.reference_ops), so its parameters,
        outputs and losses are read once per process, not once per submission (~2 ms of a worker's each). The
        arrays kept are made read-only: every later evaluation shares them."""
        entry = _REFERENCE_MEMO.get(id(self.reference))
        if entry is None or entry[0] is not self.reference:  # one reference per plan: a process rarely has two
            entry = memo.remember(_REFERENCE_MEMO, id(self.reference), (self.reference, {}), 8)
        kept = entry[1]
        if key not in kept:
            kept[key] = freeze(read())
        return kept[key]

    def ops(self, probe: str, upto: int) -> tuple[Probe, list[Op], list[Op]]:
        """The learner's and reference's first `upto` ops of a probe, ending the check if one didn't succeed."""
        p = self.plan.probe(probe)
        mine, ref = self.learner[probe], self.reference[probe]
        for i in range(upto):
            op, what = mine[i], p.ops[i]
            if op.status == "ok":
                continue
            raise Verdict(*self._failure(p, i, op, what))
        return p, mine, ref

    def _failure(self, p: Probe, i: int, op: Op, what: dict[str, Any]) -> tuple[Status, str, dict]:
        call = describe_call(p, what)
        if op.status == "missing":
            return Status.ERROR, f"{call} did not run: {op.error['message']}", {}
        if op.status == "skipped":
            return Status.SKIPPED, "skipped: an earlier call in this case failed", {}
        init_ok = self.learner["init"][0].status == "ok" if "init" in self.learner else True
        if what["op"] == "new" and not init_ok and p.name != "init":
            return Status.SKIPPED, "skipped: SimpleRNN could not be constructed (see init/shapes)", {}
        text = f"{call} raised {op.error['type']}: {op.error['message']}".rstrip(": ")
        if op.error["type"] == "MemoryError":
            text += " (the submission ran out of memory)"
        if op.error["type"] == "NotImplementedError" and not op.error["message"]:
            text += " (not written yet?)"
        return Status.ERROR, text, {"traceback": op.error.get("traceback", "")}

    def learner_params_exist(self, probe: str) -> None:
        """Injection sets attributes by the starter's names; a learner who renamed them computes with others."""
        new = self.learner[probe][0].value.get("params", {})
        viewed = self.learner[probe][1].value.get("viewed") if len(self.learner[probe]) > 1 else None
        if isinstance(viewed, list) and viewed:  # the weights were written into the learner's arrays, in place
            self.conventions.add("weights viewed by other attributes (views or transposes cached in __init__)")
        missing = [n for n in PARAMS if isinstance(new.get(n), Opaque) and new[n].type_name == "missing"]
        if missing:
            raise Verdict(Status.SKIPPED, f"skipped: the grader sets the weights by the starter's names, and "
                                           f"SimpleRNN has no {', '.join(missing)} after __init__ (see init/shapes)")

    def unambiguous_output_conventions(self) -> set[str]:
        """With one output, (T, O, 1) and (T, 1, O) are the same array: name what the widest outputs showed, and
        the conventions that only exist for one output (a squeezed array, a list of floats)."""
        widest = max((o for o, _ in self.output_conventions), default=0)
        return {label for o, label in self.output_conventions
                if o == widest or any(w in label for w in conventions.ONE_WIDE)}

    def note_backward_convention(self) -> None:
        """After the checks (evaluate): what the backward-alone probe, late in the plan, shows. Conventions are
        only ever added, so when does not change what is found; and judging that starts as the probes arrive
        (grade.py) can go through the checks before that probe has come."""
        ops = self.learner.get("conventions/backward_alone")
        if ops and len(ops) >= 3:
            if ops[2].status == "ok":
                self.conventions.add("backward runs forward itself (works without a prior forward call)")
            elif ops[2].status == "error" and ops[2].error.get("type") != "NotImplementedError":
                self.conventions.add("backward uses the states cached by forward")


def describe_call(p: Probe, op: dict[str, Any]) -> str:
    sizes = p.meta.get("sizes")
    if op["op"] == "new":
        return f"SimpleRNN{tuple(op['sizes'])}"
    if op["op"] == "set":
        return "setting the weights"
    if op["op"] == "train":
        return f"training for {op['epochs']} epochs"
    return f"{op['op']}() (sizes I, H, O = {sizes})"


def outputs_of(ctx: Context, value: Any, sizes: tuple[int, int, int], t: int) -> np.ndarray:
    got = conventions.read_outputs(value, t=t, o=sizes[2], h=sizes[1])
    if got.convention:
        ctx.output_conventions.add((sizes[2], f"forward returns {got.convention}"))
    if got.array is None:
        raise Verdict(Status.FAIL, got.problem)
    return got.array


# Context.reference_memo's store: {id(reference): (reference, {key: value})}, the entry holding its reference so
# that the id can't be reused by another dict while the entry lives.
_REFERENCE_MEMO: dict[int, tuple[dict, dict[tuple, Any]]] = {}


def ref_outputs(value: Any, sizes: tuple[int, int, int], t: int) -> np.ndarray:
    return conventions.read_outputs(value, t=t, o=sizes[2], h=sizes[1]).array


def result_of(comparisons: list[compare.Comparison], what: str) -> tuple[Status, str, dict[str, Any]]:
    failed = [c for c in comparisons if not c.passed]
    details = {"comparisons": [c.to_dict() for c in comparisons]}
    if failed:
        return Status.FAIL, "; ".join(c.message() for c in failed), details
    return Status.PASS, what, details
