"""Forward diagnoses: the learner's outputs for injected weights against mutant forward passes (mutants.py): a
tanh on the outputs, a missing W_hh h_(t−1), a state carried over from the previous call; else where they part."""
from __future__ import annotations

import numpy as np

from grader.diagnose import mutants
from grader.diagnose.behaviour import FORWARD_TOL, ForwardRun, rel_err
from grader.diagnose.mutants import Mutant
from grader.diagnose.texts import make
from grader.result import Diagnosis

FORWARD_MUTANTS = {(): Mutant(), ("missing_recurrence",): Mutant(missing_recurrence=True)}


FORWARD_MUTANTS.update({ids + (f"output_activation:{f}",): m.with_(output_activation=f)
                        for ids, m in list(FORWARD_MUTANTS.items()) for f in mutants.OUTPUT_ACTIVATIONS})


def diagnose_forward(runs: list[ForwardRun]) -> tuple[Mutant | None, list[Diagnosis]]:
    """The forward mutant that reproduces every first call (None: none does), and the diagnoses it implies."""
    first = [(r, r.outputs[0], r.xs[0]) for r in runs if r.outputs and r.outputs[0] is not None]
    if not first:
        return Mutant(), []
    errors = {ids: {r.probe: rel_err(got, mutants.outputs(r.params, x, m)) for r, got, x in first}
              for ids, m in FORWARD_MUTANTS.items()}
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
    scale = max(float(np.max(np.abs(want))), 1e-12)
    wrong = np.flatnonzero(np.max(np.abs(got - want), axis=1) > FORWARD_TOL * scale)
    return int(wrong[0]) if wrong.size else None


def _forward_mismatch(first: list, errors: dict[str, float]) -> Diagnosis:
    steps = {r.probe: _first_wrong_step(got, mutants.outputs(r.params, x)) for r, got, x in first}
    wrong = {k: v for k, v in steps.items() if v is not None}
    if not wrong:
        where = "no single step is off"
    elif all(v == 0 for v in wrong.values()):
        where = "already the first step's output is off"
    else:
        k = min(wrong.values())
        where = f"the outputs are right up to step {k - 1} and wrong from step {k} on" if k else \
            "the first step's output is off in some cases"
    t1 = [r.probe for r, _, x in first if len(x) == 1]
    return make("forward_mismatch", {"relative_error": errors, "first_wrong_step": steps,
                                     "right_for_single_step": {p: errors[p] <= FORWARD_TOL for p in t1}},
                where=where)


def _state_leak(runs: list[ForwardRun], model: Mutant) -> list[Diagnosis]:
    """A second forward call that matches a run started from the first call's final state."""
    for r in runs:
        if len(r.outputs) < 2 or any(o is None for o in r.outputs):
            continue
        fresh = mutants.outputs(r.params, r.xs[1], model)
        carried = mutants.outputs(r.params, r.xs[1], model, h0=mutants.last_state(r.params, r.xs[0], model))
        err_fresh, err_carried = rel_err(r.outputs[1], fresh), rel_err(r.outputs[1], carried)
        if err_fresh > FORWARD_TOL and err_carried <= FORWARD_TOL:
            return [make("hidden_state_not_reset", {"probe": r.probe, "first_call_error": rel_err(
                r.outputs[0], mutants.outputs(r.params, r.xs[0], model)), "second_call_error_from_zeros": err_fresh,
                "second_call_error_from_previous_final_state": err_carried})]
    return []
