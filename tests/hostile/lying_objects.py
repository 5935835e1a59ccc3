"""Hostile: the reference implementation (prepended by the test) whose forward returns, and whose backward
stores as W_xh, an object that claims to equal everything (__eq__, __array__, __len__, __float__...).
Expected: the grader never converts it through its own methods: those checks fail, naming the type."""
import numpy as np


class Liar:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__

    def __array__(self, dtype=None, copy=None):
        return np.zeros((3, 2, 1))

    def __len__(self):
        return 3

    def __iter__(self):
        return iter([np.zeros((2, 1))] * 3)

    def __float__(self):
        return 0.0

    def __getattr__(self, name):
        return self


def _lying_forward(self, x):
    return Liar()


def _lying_backward(self, x, y, learning_rate):
    self.W_xh = Liar()


SimpleRNN.forward = _lying_forward  # noqa: F821 (prepended)
SimpleRNN.backward = _lying_backward  # noqa: F821
