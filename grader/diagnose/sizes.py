"""A method that raises for some sizes and runs for others (`x[t].reshape(1, -1).T` works for one input only):
which sizes fail, which run, and what sets them apart. The other diagnoses then come from the cases that ran."""
from __future__ import annotations

from typing import Any

from grader.diagnose.texts import make
from grader.judge.checks import Op
from grader.judge.plan import Plan
from grader.result import Diagnosis

DIMENSIONS = (("input_size", 0), ("hidden_size", 1), ("output_size", 2))


def failing_sizes(plan: Plan, learner: dict[str, list[Op]]) -> list[Diagnosis]:
    """One fails_for_some_sizes per method (forward, backward) whose first call raises in some of the forward,
    backward and diagnostic cases and returns in others. Hidden cases are left out, so that no evidence tells
    their sizes."""
    found = []
    for method in ("forward", "backward"):
        failing: dict[tuple[int, ...], str] = {}
        running: set[tuple[int, ...]] = set()
        for p in plan.probes:
            if not p.name.startswith(("forward/", "backward/", "diagnose/")):
                continue
            kinds = [o["op"] for o in p.ops]
            if method not in kinds or len(learner.get(p.name, [])) <= kinds.index(method):
                continue
            op = learner[p.name][kinds.index(method)]
            case = (*p.meta["sizes"], len(p.meta["x"] if "x" in p.meta else p.meta["xs"][0]))
            if op.status == "ok":
                running.add(case)
            elif op.status == "error" and op.error.get("type") not in ("NotImplementedError", "MemoryError", ""):
                failing.setdefault(case, f"{op.error.get('type')}: {op.error.get('message', '')}"[:160].rstrip(": "))
        if failing and running:
            found.append(_diagnosis(method, failing, sorted(running)))
    return found


def _diagnosis(method: str, failing: dict[tuple[int, ...], str], running: list[tuple[int, ...]]) -> Diagnosis:
    bad = sorted(failing)
    pattern, case = "", "input_size = 3"
    for name, i in DIMENSIONS:
        if all(c[i] > 1 for c in bad) and all(c[i] == 1 for c in running):
            pattern, case = f" (it runs only where {name} = 1)", f"{name} = 3"
            break
    else:
        if all(c[3] == 1 for c in bad) and all(c[3] > 1 for c in running):
            pattern, case = " (it fails only for a single step, T = 1)", "a single step, T = 1"
    evidence: dict[str, Any] = {"method": method, "failing": [list(c) for c in bad],
                                "running": [list(c) for c in running], "error": failing[bad[0]]}
    return make("fails_for_some_sizes", evidence, method=method, error=failing[bad[0]], failing=_cases(bad),
                running=_cases(running), pattern=pattern, case=case)


def _cases(cases: list[tuple[int, ...]]) -> str:
    sizes = list(dict.fromkeys(c[:3] for c in cases))
    return ", ".join(str(s) for s in sizes)
