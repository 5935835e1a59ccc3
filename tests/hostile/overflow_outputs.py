"""Hostile: the reference implementation (prepended by the test) whose outputs are 1e200 too large (its state
cached as usual, so backward works): the training loss, ½ Σ (ŷ − y)², overflows to inf.
Expected: a result (JSON and HTML) with the non-finite numbers written as null and a note saying so; the
forward checks fail, backward's pass (45)."""
_forward = SimpleRNN.forward  # noqa: F821 (the reference, prepended by the test)


def _forward_overflowing(self, x):
    return _forward(self, x) + 1e200


SimpleRNN.forward = _forward_overflowing  # noqa: F821
