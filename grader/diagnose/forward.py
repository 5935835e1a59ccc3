"""Forward diagnoses: the learner's outputs for injected weights against mutant forward passes (mutants.py): a
tanh on the outputs, a missing W_hh h_(t−1), a state carried over from the previous call; else where they part.
Outputs of the wrong shape, (O, H) per step, are a state broadcast into a matrix."""
from __future__ import annotations

import numpy as np

from grader.diagnose import mutants
from grader.diagnose.behaviour import FORWARD_TOL, ForwardRun, rel_err
from grader.diagnose.mutants import Mutant
from grader.diagnose.texts import make
from grader.judge import conventions
from grader.judge.checks import Op
from grader.judge.plan import Plan
from grader.result import Diagnosis

FORWARD_MUTANTS = {(): Mutant(), ("missing_recurrence",): Mutant(missing_recurrence=True)}


FORWARD_MUTANTS.update({ids + (f"output_activation:{f}",): m.with_(output_activation=f)
                        for ids, m in list(FORWARD_MUTANTS.items()) for f in mutants.OUTPUT_ACTIVATIONS})


def diagnose_forward(runs: list[ForwardRun]) -> tuple[Mutant | None, list[Diagnosis]]:
    """The forward mutant that reproduces every first call (None: none does), and the diagnoses it implies."""
    first = [(r, r.outputs[0], r.xs[0]) for r in runs if r.outputs and r.outputs[0] is not None]
    if not first:
        return Mutant(), []
    errors = {}
    for ids, m in FORWARD_MUTANTS.items():  # the reference first: when it fits, the others need not be run
        errors[ids] = {r.probe: rel_err(got, mutants.outputs(r.params, x, m)) for r, got, x in first}
        if not ids and max(errors[ids].values()) <= FORWARD_TOL:
            break
    fits = [ids for ids, errs in errors.items() if max(errs.values()) <= FORWARD_TOL]
    found = []
    if not fits:
        return None, [_forward_mismatch(first, errors[()])]
    ids = fits[0]
    model = FORWARD_MUTANTS[ids]
    for i in (n.partition(":")[0] for n in ids):
        evidence = {"relative_error_vs_expected": errors[()], "relative_error_with_this_mistake": errors[ids],
                    "first_wrong_step": {r.probe: _first_wrong_step(got, mutants.outputs(r.params, x))
                                         for r, got, x in first}}
        if i == "output_activation":
            evidence["activation"] = model.output_activation
        found.append(make(i, evidence, activation=model.output_activation))
    found += _state_leak(runs, model)
    return model, found


def _first_wrong_step(got: np.ndarray, want: np.ndarray) -> int | None:
    wrong = _wrong_steps(got, want)
    return wrong[0] if wrong else None


def _forward_mismatch(first: list, errors: dict[str, float]) -> Diagnosis:
    wrong = {r.probe: _wrong_steps(got, mutants.outputs(r.params, x)) for r, got, x in first}
    steps = {p: (w[0] if w else None) for p, w in wrong.items()}
    cases = {r.probe: len(x) for r, _, x in first if wrong[r.probe]}
    if not cases:
        where = "no single step is off"
    elif all(wrong[p] == [t - 1] for p, t in cases.items()) and any(t > 1 for t in cases.values()):
        where = "only the last step's output is off, in every case where the outputs are wrong"
    elif all(wrong[p][0] == 0 for p, t in cases.items() if t > 1) and any(t > 1 for t in cases.values()):
        where = "already the first step's output is off"
    else:
        k = min(wrong[p][0] for p, t in cases.items() if t > 1) if any(t > 1 for t in cases.values()) else 0
        where = f"the outputs are right up to step {k - 1} and wrong from step {k} on" if k else \
            "only single-step sequences (T = 1) are off"
    t1 = [r.probe for r, _, x in first if len(x) == 1]
    return make("forward_mismatch", {"relative_error": errors, "first_wrong_step": steps,
                                     "right_for_single_step": {p: errors[p] <= FORWARD_TOL for p in t1}},
                where=where)


def _wrong_steps(got: np.ndarray, want: np.ndarray) -> list[int]:
    scale = max(float(np.abs(want).max()), 1e-12)
    return [int(i) for i in np.flatnonzero(np.max(np.abs(got - want), axis=1) > FORWARD_TOL * scale)]


def _state_leak(runs: list[ForwardRun], model: Mutant) -> list[Diagnosis]:
    """Later forward calls that match a run started from the previous call's final state (as the learner's
    previous call ran: from zeros, or carried over itself)."""
    for r in runs:
        if len(r.outputs) < 2 or any(o is None for o in r.outputs):
            continue
        h0, carried, errors = None, [], {}
        for k, (x, got) in enumerate(zip(r.xs, r.outputs)):
            fresh = rel_err(got, mutants.outputs(r.params, x, model))
            if k and h0 is not None:
                err = rel_err(got, mutants.outputs(r.params, x, model, h0=h0))
                if fresh > FORWARD_TOL and err <= FORWARD_TOL:
                    carried.append(k)
                    h0 = mutants.last_state(r.params, x, model, h0=h0)
                    errors[f"call {k + 1}"] = {"from_zeros": fresh, "from_previous_final_state": err}
                    continue
            h0 = mutants.last_state(r.params, x, model) if fresh <= FORWARD_TOL else None
            errors[f"call {k + 1}"] = {"from_zeros": fresh}
        if carried:
            same = all(len(r.xs[k]) == len(r.xs[k - 1]) for k in carried)
            fresh_changed = [k for k in range(1, len(r.xs)) if k not in carried]
            when = " of the same length (it is reset only when len(x) changes)" if same and fresh_changed else ""
            lengths = [len(x) for x in r.xs]
            leak = errors[f"call {carried[0] + 1}"]
            return [make("hidden_state_not_reset", {
                "probe": r.probe, "lengths": lengths, "calls": errors, "carried_into_calls": [k + 1 for k in carried],
                "first_call_error": errors["call 1"]["from_zeros"],  # the first leaking call, as these always were
                "second_call_error_from_zeros": leak["from_zeros"],
                "second_call_error_from_previous_final_state": leak["from_previous_final_state"]}, when=when)]
    return []


def shape_broadcast(plan: Plan, learner: dict[str, list[Op]]) -> list[Diagnosis]:
    """Outputs of shape (O, H) per step in the forward cases: an (H,) state plus an (H, 1) bias made an (H, H)."""
    shapes = {}
    for p in plan.probes:
        ops = learner.get(p.name, [])
        if not p.name.startswith("forward/") or len(ops) < 3 or ops[2].status != "ok":
            continue
        i, h, o = p.meta["sizes"]
        wide = conventions.broadcast_step_shape(ops[2].value.get("value"), len(p.meta["xs"][0]), o, h)
        if wide:
            shapes[p.name] = (list(wide), o)
    if not shapes:
        return []
    probe, (shape, o) = next(iter(shapes.items()))
    return [make("shape_broadcast", {"step_output_shape_by_probe": {k: v[0] for k, v in shapes.items()}},
                 shape=tuple(shape), o=o)]
