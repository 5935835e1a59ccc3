"""Hostile: the reference's forward (prepended by the test) and no backward at all, with every parameter a
property that, read by the grader's code, reports a float16 copy (and keeps float64 for its own forward). An
update tolerance sized from the dtype the learner reports would take float16's rounding (1e-3) for noise, and
a zero update would "match"; a diagnosis tolerance sized from it would find everything close.
Expected: the forward checks score (30); every backward and training check fails, saying that the weights read
back after injection are not the ones the grader set."""
import sys

import numpy as np


def _coarse(name):
    def get(self):
        value = self.__dict__["_" + name]
        if sys._getframe(1).f_globals.get("__name__", "").startswith("grader"):
            return value.astype(np.float16)
        return value

    def set(self, value):
        self.__dict__["_" + name] = np.asarray(value, dtype=float)
    return property(get, set)


for _name in ("W_xh", "W_hh", "W_hy", "b_h", "b_y"):
    setattr(SimpleRNN, _name, _coarse(_name))  # noqa: F821 (the reference, prepended by the test)
SimpleRNN.backward = lambda self, x, y, learning_rate: None  # noqa: F821
