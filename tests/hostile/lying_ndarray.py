"""Hostile: the reference implementation (prepended by the test) whose outputs are an ndarray subclass full of
zeros that claims to equal anything and overrides every numpy function (__eq__, __array_function__,
__array_ufunc__, tolist, tobytes); backward is the reference's. Expected: the grader reads the raw numbers
(zeros): every check of outputs fails, and the updates, which are right, pass (45 points)."""
import numpy as np


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(0)

    def tolist(self):
        return [[[0.5]]]

    def tobytes(self, *args, **kwargs):
        return b""


_forward = SimpleRNN.forward  # noqa: F821 (prepended)


def _lying_forward(self, x):
    return np.zeros(np.asarray(_forward(self, x)).shape).view(LyingArray)


SimpleRNN.forward = _lying_forward  # noqa: F821
