"""A method that raises in some cases and runs in others, and what sets them apart: the sizes
(`x[t].reshape(1, -1).T` works for one input only), the length (a buffer of a fixed length, a step that assumes
T > 1), or neither alone. The other diagnoses then come from the cases that ran."""
from __future__ import annotations

from typing import Any

from grader.diagnose.texts import make
from grader.judge.checks import Op
from grader.judge.plan import Plan
from grader.result import Diagnosis

DIMENSIONS = (("input_size", 0), ("hidden_size", 1), ("output_size", 2))
PROBES = ("forward/", "backward/", "diagnose/", "lengths/")
NOT_A_FAULT_OF_SIZE = ("NotImplementedError", "MemoryError", "")
Case = tuple[int, int, int, int]  # (I, H, O, T)


def failing_sizes(plan: Plan, learner: dict[str, list[Op]]) -> list[Diagnosis]:
    """Per method (forward, backward) whose calls raise in some of the forward, backward and diagnostic cases and
    return in others: fails_for_some_sizes, fails_for_some_lengths or fails_for_some_cases, by what sets the
    failing cases apart. Every call counts (a second call of another length too). Hidden cases are left out, so
    that no evidence tells their sizes."""
    found = []
    for method in ("forward", "backward"):
        failing: dict[Case, str] = {}
        running: set[Case] = set()
        for p in plan.probes:
            if not p.name.startswith(PROBES):
                continue
            for i, op in enumerate(p.ops):
                if op["op"] != method or i >= len(learner.get(p.name, [])):
                    continue
                got, case = learner[p.name][i], (*p.meta["sizes"], op["x"]["shape"][0])
                if got.status == "ok":
                    running.add(case)
                elif got.status == "error" and got.error.get("type") not in NOT_A_FAULT_OF_SIZE:
                    failing.setdefault(case, f"{got.error.get('type')}: {got.error.get('message', '')}"[:160]
                                       .rstrip(": "))
        if failing and running:
            found.append(_diagnosis(method, failing, sorted(running)))
    return found


def _diagnosis(method: str, failing: dict[Case, str], running: list[Case]) -> Diagnosis:
    bad = sorted(failing)
    by_sizes = not {c[:3] for c in bad} & {c[:3] for c in running}
    by_length = not {c[3] for c in bad} & {c[3] for c in running}
    evidence: dict[str, Any] = {"method": method, "failing": [list(c) for c in bad],
                                "running": [list(c) for c in running], "error": failing[bad[0]],
                                "apart_by": "sizes and length" if by_sizes and by_length else
                                "sizes" if by_sizes else "length" if by_length else "neither"}
    fmt = {"method": method, "error": failing[bad[0]]}
    if by_length and not by_sizes:
        short = all(c[3] < min(r[3] for r in running) for c in bad)
        long = all(c[3] > max(r[3] for r in running) for c in bad)
        return make("fails_for_some_lengths", evidence, **fmt, failing=_lengths(bad), running=_lengths(running),
                    pattern=" (it fails only for the shortest sequences)" if short else
                    " (it fails only for the longest sequences)" if long else "", case=f"T = {bad[0][3]}")
    if not by_sizes:
        return make("fails_for_some_cases", evidence, **fmt, failing=_full(bad), running=_full(running))
    pattern, case = "", "input_size = 3"
    for name, i in DIMENSIONS:
        if all(c[i] > 1 for c in bad) and all(c[i] == 1 for c in running):
            pattern, case = f" (it runs only where {name} = 1)", f"{name} = 3"
            break
    if by_length:  # both tell them apart: the plan's cases can't say which, so both are named
        pattern += f"; every case where it raises also has a length (T = {_lengths(bad)}) that none where it " \
                   f"runs has, so the length may be what matters"
    return make("fails_for_some_sizes", evidence, **fmt, failing=_cases(bad), running=_cases(running),
                pattern=pattern, case=case)


def _cases(cases: list[Case]) -> str:
    return ", ".join(str(s) for s in dict.fromkeys(c[:3] for c in cases))


def _lengths(cases: list[Case]) -> str:
    return ", ".join(str(t) for t in sorted({c[3] for c in cases}))


def _full(cases: list[Case]) -> str:
    return ", ".join(str(c) for c in cases)
