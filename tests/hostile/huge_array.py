"""Hostile: the reference implementation (prepended by the test) whose forward returns a view of 10^12 entries
(no memory behind it) and whose backward leaves W_xh as a 200 MB array.
Expected: nothing huge crosses to the grader: those checks fail, saying the value was too big to send."""
import numpy as np


def _huge_forward(self, x):
    return np.broadcast_to(np.float64(0.0), (10 ** 6, 10 ** 6))


def _huge_backward(self, x, y, learning_rate):
    self.W_xh = np.zeros((5000, 5000))


SimpleRNN.forward = _huge_forward  # noqa: F821 (prepended)
SimpleRNN.backward = _huge_backward  # noqa: F821
