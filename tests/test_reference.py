"""The reference solution: the published cases to 8 decimals, and its update is −lr × a finite-difference gradient."""
import importlib.util
import json
import os

import numpy as np
import pytest

from conftest import REFERENCE, ROOT


def load_class():
    spec = importlib.util.spec_from_file_location("ref_under_test", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SimpleRNN


with open(os.path.join(ROOT, "grader", "judge", "official_cases.json")) as f:
    OFFICIAL = json.load(f)["cases"]


@pytest.mark.parametrize("case", OFFICIAL, ids=[c["name"] for c in OFFICIAL])
def test_reproduces_published_case_to_8_decimals(case):
    SimpleRNN = load_class()
    np.random.seed(case["seed"])
    rnn = SimpleRNN(case["input_size"], case["hidden_size"], case["output_size"])
    x, y = np.array(case["x"]), np.array(case["y"])
    for _ in range(case["epochs"]):
        output = rnn.forward(x)
        rnn.backward(x, y, case["learning_rate"])
    assert output.shape == np.array(case["expected_output"]).shape
    np.testing.assert_allclose(output, case["expected_output"], rtol=0, atol=5e-9)


def loss(rnn, x, y):
    return 0.5 * float(np.sum((rnn.forward(x).reshape(len(x), -1) - y) ** 2))


@pytest.mark.parametrize("sizes,t,lr", [((3, 4, 1), 6, 0.01), ((2, 5, 3), 5, 0.1), ((2, 4, 2), 1, 0.05)])
def test_update_is_minus_lr_times_finite_difference_gradient(sizes, t, lr):
    SimpleRNN = load_class()
    rng = np.random.default_rng(7)
    rnn = SimpleRNN(*sizes)
    names = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")
    for name in names:  # large enough that every recurrent term matters
        setattr(rnn, name, rng.normal(0, 0.5, getattr(rnn, name).shape))
    x, y = rng.normal(size=(t, sizes[0])), rng.normal(size=(t, sizes[2]))
    before = {n: getattr(rnn, n).copy() for n in names}
    numeric = {}
    for name in names:
        p, g = getattr(rnn, name), np.zeros_like(getattr(rnn, name))
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + 1e-6
            up = loss(rnn, x, y)
            p[idx] = old - 1e-6
            down = loss(rnn, x, y)
            p[idx] = old
            g[idx] = (up - down) / 2e-6
        numeric[name] = g
    rnn.forward(x)
    rnn.backward(x, y, lr)
    for name in names:
        update = getattr(rnn, name) - before[name]
        np.testing.assert_allclose(update, -lr * numeric[name], rtol=1e-6, atol=1e-9, err_msg=name)
    if t == 1:  # h_0 = 0, so nothing flows into W_hh
        assert np.all(getattr(rnn, "W_hh") == before["W_hh"])
