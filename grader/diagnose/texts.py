"""The diagnoses' words: ids (part of the result contract), messages and hints (the tests import these), the order
a learner should fix them in, and evidence cleaned into short plain numbers."""
from __future__ import annotations

from typing import Any

import numpy as np

from grader.result import Diagnosis
from grader.run.wire import Opaque

TEXT: dict[str, tuple[str, str]] = {
    "not_implemented": ("{what}", "{next}"),
    "init_changed": (
        "__init__ does not draw the weights the way the starter does ({what}). The published cases run your own "
        "__init__ after their seed, so their numbers can't match.",
        "Keep the starter's __init__ as it is: the order and the scale of the draws are part of the kata."),
    "output_activation": (
        "Your outputs are {activation} of the right ones: the output layer has an activation, but the kata's is "
        "linear.",
        "Compare your output equation with ŷ_t = W_hy h_t + b_y."),
    "missing_recurrence": (
        "Your hidden state does not depend on the previous one: step 0 is right, every later step is off. "
        "The recurrent term is missing from the forward pass.",
        "Write out h_t = tanh(…) in full: which three terms go inside, and which one connects the steps?"),
    "hidden_state_not_reset": (
        "The hidden state carries over between forward calls{when}: a call on a new sequence starts from where "
        "the one before ended instead of from h_0 = 0.",
        "Where does your h_0 come from on the second call? Every sequence starts from zeros, whatever its length."),
    "shape_broadcast": (
        "Each step's output has shape {shape} instead of ({o}, 1): the hidden state has become an (H, H) matrix. "
        "A state of shape (H,) plus a bias of shape (H, 1) broadcasts to (H, H) instead of adding up, and every "
        "step after it works on that matrix.",
        "What shape is h after the first step? Make h_0 and the biases agree: all columns (H, 1), or all flat."),
    "fails_for_some_sizes": (
        "{method} raises {error} for sizes (I, H, O) = {failing}, and runs for {running}{pattern}. What else is "
        "said here comes from the sizes where it runs.",
        "Call {method} on a case with {case} and print the shape of each intermediate array: which step assumes "
        "a size of 1?"),
    "fails_for_some_lengths": (
        "{method} raises {error} for sequences of length T = {failing}, and runs for T = {running}{pattern}, at the "
        "same sizes. What else is said here comes from the cases where it runs.",
        "Call {method} on a sequence of {case} and print the shape of each intermediate array: what assumes a "
        "length, a buffer made for a fixed number of steps, or a step t − 1 or t + 1 that isn't there?"),
    "fails_for_some_cases": (
        "{method} raises {error} for (I, H, O, T) = {failing}, and runs for {running}: neither the sizes nor the "
        "length alone set them apart, so it is their combination (an index mixing up T and a size?) or the values "
        "themselves. What else is said here comes from the cases where it runs.",
        "Run {method} on the first failing case and print the shapes at the step where it raises: which dimension "
        "is used where another was meant?"),
    "loss_mean_over_time": (
        "Your updates shrink as 1/T with the number of time steps T{overall}: your loss is averaged over the time "
        "steps, but the kata's is summed.",
        "L = Σ_t ½‖ŷ_t − y_t‖² has no division by T. Where does len(x) or T enter your gradient?"),
    "loss_missing_half": (
        "Your updates are twice as large as they should be{overall}: you differentiate (ŷ − y)² instead of "
        "½(ŷ − y)².",
        "Differentiate ½‖ŷ − y‖² with respect to ŷ: where does the ½ go?"),
    "loss_mean_over_outputs": (
        "Your updates shrink as 1/O with the number of outputs O{overall}: the loss is averaged over the outputs "
        "instead of summed. With one output the two agree, which is why some cases still pass.",
        "The squared error is summed over the output units too. Is something dividing by the output size?"),
    "only_last_step_loss": (
        "Your gradient uses only the error of the last time step, but every step's output is part of the loss.",
        "Each ŷ_t has its own target y_t. In backward, which steps contribute their (ŷ_t − y_t)?"),
    "truncated_bptt": (
        "{how}",
        "h_t also feeds h_(t+1), and through it every later step. Which part of ∂L/∂h_t arrives from step t+1, "
        "and does it travel all the way back to step 0?"),
    "first_step_skipped": (
        "Your backward loop stops before t = 0: the first step's output error and its gradients are left out, so "
        "for T = 1 the update is exactly zero.",
        "Which values of t does your backward loop visit? Does it reach t = 0?"),
    "tanh_derivative": (
        "The derivative of tanh is wrong: your updates are what {variant} gives.",
        "If h = tanh(z), what is dh/dz, written with h (which you already have)?"),
    "whh_gradient_uses_current_state": (
        "Your W_hh gradient pairs step t's error with h_t, but W_hh multiplies the previous state h_(t−1).",
        "Look at the forward equation: which hidden state does W_hh multiply at step t?"),
    "initial_state_aliased": (
        "At t = 0 your backward takes the \"previous\" state from the end of the sequence (h_T) instead of "
        "h_0 = 0: an index t − 1 = −1 wraps around to the last element.",
        "What does a list give for index t − 1 when t = 0? Make the initial state its own, explicit value."),
    "gradient_ascent": (
        "Your parameters move along the gradient instead of against it{overall}, so each step increases the "
        "loss.",
        "An SGD step subtracts: p ← p − lr · ∂L/∂p. Check the sign of the update and of the error (ŷ − y)."),
    "biases_not_updated": (
        "{which} never change{s} in backward, although the loss depends on {them}.",
        "All five parameters take an SGD step, the biases included."),
    "updates_inside_time_loop": (
        "The parameters change inside the loop over time steps, so the earlier steps' gradients are computed with "
        "weights that were already updated: the update is not proportional to the learning rate.",
        "Accumulate the gradient over the whole sequence first, then take one step."),
    "gradient_clipping": (
        "The gradient is {how}. A sensible trick for training, but the kata asks for the plain SGD step, and "
        "large gradients come out wrong.",
        "The update is p −= learning_rate · ∂L/∂p and nothing else: is something capping the gradient?"),
    "learning_rate_applied_twice": (
        "Your updates are lr times the right ones{overall}: the learning rate is applied twice, so the step is "
        "lr² · ∂L/∂p.",
        "Where does learning_rate enter your backward? Count how many times it multiplies the gradient."),
    "weight_decay": (
        "Your update has an extra term proportional to the parameter, on {which}: a weight decay (an L2 penalty) "
        "of {coefficient:.3g} · p in the gradient. The kata's loss is the squared error alone.",
        "The step is p −= learning_rate · ∂L/∂p with L = Σ_t ½‖ŷ_t − y_t‖²: is something adding a multiple of p?"),
    "gradients_not_reset": (
        "Your gradients pile up across calls: the second backward adds {share} the first call's gradient to its "
        "own, since the sums are kept on the instance and never set back to zero.",
        "Where are your gradient sums set to zero? Each call of backward starts them afresh."),
    "optimizer_not_sgd": (
        "Your update is not the plain SGD step p −= lr · ∂L/∂p: {what}.",
        "The kata asks for plain gradient descent, one step p −= learning_rate · ∂L/∂p with nothing remembered "
        "between calls. What does your step keep, or compute, beyond the gradient?"),
    "learning_rate_ignored": (
        "The learning_rate argument has no effect: your update is the same at learning rates {lrs} "
        "(as if it were always {as_if:g}).",
        "Use the learning rate that backward receives, not a fixed value."),
    # Not one of the known misconceptions: say what was seen.
    "forward_mismatch": (
        "The forward pass differs from the expected one in a way none of the known mistakes explains: {where}.",
        "Recompute one step by hand: h_1 = tanh(W_xh x_1 + W_hh h_0 + b_h), ŷ_1 = W_hy h_1 + b_y with h_0 = 0."),
    "backward_mismatch": (
        "The updates are wrong in a way none of the known mistakes explains: {summary}.",
        "Check backward against a finite-difference gradient of your own forward pass, one parameter at a time."),
}


# Appended to the two mismatch messages: is backward the gradient of the learner's own forward pass?
OWN_GRADIENT_NOTES = {
    ("forward_mismatch", True): " Your backward is the exact gradient of this forward pass (finite differences "
                                "through it agree), so once the forward pass is right, backward may be right too.",
    ("forward_mismatch", False): " Your backward is not the gradient of this forward pass either (finite "
                                 "differences through it differ by up to {error}).",
    ("backward_mismatch", True): " Yet they are the gradient of your own forward pass (finite differences through "
                                 "it agree): look at the forward pass.",
    # Every forward check passed, so the forward pass is not where to look: the case just didn't show the mistake.
    ("backward_mismatch", True, "forward right"): " On one case ({case}) they are the gradient of your forward "
                                                  "pass (finite differences through it agree), so the mistake "
                                                  "shows only in cases unlike that one: compare the T, the sizes "
                                                  "and the learning rates of the checks that fail.",
    ("backward_mismatch", False): " They are not the gradient of your own forward pass either (finite differences "
                                  "through it differ by up to {error}), so the mistake is in backward.",
}


TANH_VARIANTS = {"tanh_of_h": "1 − tanh(h)² (tanh applied twice)", "one_minus_h": "1 − h (the square is missing)",
                 "sigmoid": "h(1 − h) (the sigmoid's derivative)", "pre_activation": "1 − z² (squaring the "
                 "pre-activation instead of h)", "none": "no derivative at all (the factor is missing)"}


# Order of the report: what the learner should fix first comes first.
ORDER = ("not_implemented", "init_changed", "fails_for_some_sizes", "fails_for_some_lengths", "fails_for_some_cases",
         "shape_broadcast", "output_activation",
         "missing_recurrence", "hidden_state_not_reset", "forward_mismatch", "gradient_ascent", "loss_missing_half",
         "loss_mean_over_time", "loss_mean_over_outputs", "only_last_step_loss", "truncated_bptt",
         "first_step_skipped", "tanh_derivative", "whh_gradient_uses_current_state", "initial_state_aliased",
         "biases_not_updated", "updates_inside_time_loop", "learning_rate_applied_twice", "weight_decay",
         "gradients_not_reset", "optimizer_not_sgd", "gradient_clipping", "learning_rate_ignored",
         "backward_mismatch")

NOT_IMPLEMENTED = {
    "both": ("forward and backward are not written yet: the starter's skeleton is unchanged.",
             "Start with forward: loop over the time steps, keep each hidden state, return every output. Then "
             "write backward, walking the steps in reverse."),
    "forward": ("forward is not written yet: it returns None or raises NotImplementedError.",
                "Write forward: loop over the time steps, keep each hidden state, return every output."),
    "backward": ("backward is not written yet: it changes no parameter (it raises NotImplementedError, or "
                 "returns without touching the arrays the instance holds).",
                 "Write backward: walk the steps in reverse, add up each parameter's gradient, then take one SGD "
                 "step on all five, in the arrays the instance holds."),
}


def truncation_text(window: int) -> str:
    """truncated_bptt's message for a window of k steps (1: no flow through time at all)."""
    if window <= 1:
        return ("The gradient does not flow back through time: each step's hidden-state gradient only sees that "
                "step's output error. Right for T = 1, wrong for longer sequences.")
    return (f"The gradient flows back only {window} steps through time (a truncated BPTT with a window of "
            f"{window}): right for sequences of up to {window} steps, wrong for longer ones.")


def make(id_: str, evidence: dict[str, Any], **fmt: Any) -> Diagnosis:
    """A Diagnosis from TEXT (messages are str.format templates: literal braces are doubled)."""
    message, hint = TEXT[id_]
    return Diagnosis(id_, message.format(**fmt), hint.format(**fmt), clean(evidence))


def nice(x: float) -> float:
    r = float(f"{x:.3g}")
    return r if abs(r - x) <= 1e-6 * abs(x) else x


def clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return float(f"{f:.4g}") if np.isfinite(f) else None
    if isinstance(v, Opaque):
        return v.describe()
    return v
