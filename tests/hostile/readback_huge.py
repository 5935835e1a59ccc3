"""Hostile: the reference's forward (prepended by the test) and no backward at all, with every parameter a
property that, read by the grader's code, reports a copy whose first entry is 1e15. An update tolerance sized
from the weights as read back would grow until a zero update "matches".
Expected: the forward checks score (30); every backward and training check fails, saying that the weights read
back after injection are not the ones the grader set."""
import sys

import numpy as np


def _lying(name):
    def get(self):
        value = self.__dict__["_" + name]
        if sys._getframe(1).f_globals.get("__name__", "").startswith("grader"):
            shown = np.array(value, dtype=float)
            shown.flat[0] = 1e15
            return shown
        return value

    def set(self, value):
        self.__dict__["_" + name] = value
    return property(get, set)


for _name in ("W_xh", "W_hh", "W_hy", "b_h", "b_y"):
    setattr(SimpleRNN, _name, _lying(_name))  # noqa: F821 (the reference, prepended by the test)
SimpleRNN.backward = lambda self, x, y, learning_rate: None  # noqa: F821
