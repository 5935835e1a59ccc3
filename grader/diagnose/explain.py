"""Diagnose stage: what the failures mean. Works from behaviour (the numbers), never from the source text.

How it decides:
- first, what is missing or breaks: a method still the starter's (not_implemented), a method that raises for some
  sizes and runs for others (sizes.py), outputs of shape (O, H) from a state broadcast into a matrix;
- forward: the learner's outputs for injected weights against mutant forward passes (mutants.py): a tanh on the
  outputs, a missing W_hh h_(t−1), a state carried over from the previous call (also only between calls of the
  same length);
- backward: the learner's update of every parameter on several backward probes against mutant references. The
  smallest set of misconceptions whose update has the learner's shape (up to one factor per probe, with the window
  of a truncated BPTT and the coefficient of a weight decay fitted) names the structural ones (fit.py); how that
  factor varies with T, O and the learning rate names the scale ones (1/T, 2, 1/O, −1, lr ignored or applied
  twice), or a gradient rescaled to one global norm (scales.py);
- across calls (calls.py): what a second backward on one instance adds to a fresh call's update (gradients never
  reset, a momentum), and steps that move every entry alike (Adam, RMSProp, Adagrad);
- direct experiments: biases that never move, gradients piled up at ±k on a probe built to exceed any clipping
  limit, the same data at two learning rates (an update that doesn't scale ignores lr, one that isn't proportional
  is applied inside the time loop), the constructor's draws against the starter's, finite differences through the
  learner's own forward.
Where nothing known fits, a `forward_mismatch` / `backward_mismatch` diagnosis still says what was seen. A
submission that passes every check gets no diagnosis; what was found becomes a note (as_notes).

Returns Diagnosis records with a stable id (part of the result contract), a message, a hint that does not hand
over the solution, and the evidence: the numbers that support it.
"""
from __future__ import annotations

import numpy as np

from grader.diagnose.backward import diagnose_backward
from grader.diagnose.behaviour import backward_runs, forward_runs, second_calls
from grader.diagnose.experiments import init_changed, not_implemented, own_gradient, what_happened, with_own_gradient
from grader.diagnose.forward import diagnose_forward, shape_broadcast
from grader.diagnose.sizes import failing_sizes
from grader.diagnose.texts import NOT_IMPLEMENTED, ORDER, make
from grader.judge.checks import Evaluation, Op
from grader.judge.plan import Plan
from grader.result import Diagnosis, Status


def diagnose(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]],
             evaluation: Evaluation) -> list[Diagnosis]:
    """All misconceptions the learner's behaviour shows, in ORDER; [] for a correct implementation."""
    with np.errstate(all="ignore"):  # a learner's huge or NaN numbers only make a fit fail, quietly
        return _diagnose(plan, learner, reference, evaluation)


def _diagnose(plan: Plan, learner: dict[str, list[Op]], reference: dict[str, list[Op]],
              evaluation: Evaluation) -> list[Diagnosis]:
    found = init_changed(plan, learner, reference)
    missing = not_implemented(plan, learner)
    if missing:
        evidence = {"forward": what_happened(learner, "forward/basic", 2),
                    "backward": what_happened(learner, "conventions/backward_alone", 2)}
        message, hint = NOT_IMPLEMENTED[missing]
        found.append(make("not_implemented", evidence, what=message, next=hint))
        if missing != "backward":
            return _ordered(found)
    found += failing_sizes(plan, learner) + shape_broadcast(plan, learner)
    forward_model, forward_found = diagnose_forward(forward_runs(plan, learner))
    leaks = any(d.id == "hidden_state_not_reset" for d in forward_found)
    own = own_gradient(plan, learner)
    forward_right = all(c.status is Status.PASS for c in evaluation.checks
                        if c.group == "forward" or c.id.startswith("hidden/forward"))
    found += with_own_gradient(forward_found, own, forward_right)
    if missing or (forward_model is None and own and own["consistent"]):
        # backward is unwritten, or it is the gradient of the learner's own (wrong) forward: fix forward first
        return _ordered(found)
    found += with_own_gradient(diagnose_backward(backward_runs(plan, learner), second_calls(plan, learner),
                                                 forward_model, leaks), own, forward_right)
    return _ordered(found)


def as_notes(diagnoses: list[Diagnosis], evaluation: Evaluation) -> tuple[list[Diagnosis], list[str]]:
    """A submission that passes every check has no misconception: what the diagnostic cases still found (a clip
    at ±100 that only binds on targets 100× larger, say) becomes a note. Returns (diagnoses, notes)."""
    if not diagnoses or any(c.status is not Status.PASS for c in evaluation.checks if c.max_points > 0):
        return diagnoses, []
    return [], [f"not scored, since every check passes: on the grader's diagnostic cases, {d.message[0].lower()}"
                f"{d.message[1:]}" for d in diagnoses]


def _ordered(found: list[Diagnosis]) -> list[Diagnosis]:
    unique = {d.id: d for d in found}
    return [unique[i] for i in ORDER if i in unique]
