"""Hostile: returns zeros, after patching every comparison it can reach so that everything looks equal: numpy's
comparison helpers, and the grader modules loaded in its own process. Expected: score 0 (the comparisons that
count run in the grader's process, which the submission never touches)."""
import sys

import numpy as np


def _always(*args, **kwargs):
    return True


for name in ("allclose", "array_equal", "array_equiv"):
    setattr(np, name, _always)
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
for module_name, module in list(sys.modules.items()):
    if module_name.startswith("grader") and module is not None:
        for attr in ("compare_arrays", "compare_update", "allclose"):
            if hasattr(module, attr):
                setattr(module, attr, _always)



def _zeros(self, x):
    return np.zeros((len(x), self.W_hy.shape[0], 1))


SimpleRNN.forward = _zeros  # noqa: F821 (the reference, prepended by the test)
SimpleRNN.backward = lambda self, x, y, learning_rate: None  # noqa: F821
