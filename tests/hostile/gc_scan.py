"""Hostile: searches its own process for something to copy: another SimpleRNN class, a reference or solution
module, expected values (any dict with an "expected" key, any function named like the grader's reference
runner), and delegates to what it finds; otherwise it returns zeros.
Expected: nothing there to find (the child holds inputs only): it prints "STOLEN: nothing" and scores 0."""
import gc
import sys

import numpy as np

found = []
for module_name, module in list(sys.modules.items()):
    if any(word in module_name for word in ("solution", "reference", "simple_rnn")):
        found.append(f"module {module_name}")
for obj in gc.get_objects():
    if isinstance(obj, type) and obj.__name__ == "SimpleRNN" and obj.__module__ != "submission":
        found.append(f"class {obj.__module__}.SimpleRNN")
    elif isinstance(obj, dict) and any(k in obj for k in ("expected", "expected_output", "reference")):
        found.append(f"dict with keys {sorted(map(str, obj))[:8]}")
    elif callable(obj) and getattr(obj, "__name__", "") in ("results_for", "load_reference", "results_for_plan"):
        found.append(f"function {obj.__name__}")
print("STOLEN:", "; ".join(found) if found else "nothing")


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.zeros((hidden_size, input_size))
        self.W_hh = np.zeros((hidden_size, hidden_size))
        self.W_hy = np.zeros((output_size, hidden_size))
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        return np.zeros((len(x), self.W_hy.shape[0], 1))

    def backward(self, x, y, learning_rate):
        pass
