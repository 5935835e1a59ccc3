"""The child's plan executor (run/probe.py): weights injected into the learner's own arrays, finite differences
through the learner's forward in one op, and the plotting stand-ins."""
import sys

import numpy as np
import pytest

from grader.run import plotstub, probe, series, wire


class Cached:
    """Keeps transposes of its weights, made once in __init__, and a read-only bias."""

    def __init__(self, i, h, o):
        self.W_xh, self.W_hh, self.W_hy = np.zeros((h, i)), np.zeros((h, h)), np.zeros((o, h))
        self.b_h, self.b_y = np.zeros((h, 1)), np.zeros(o, dtype=np.float32)
        self.Why_T = self.W_hy.T
        self.b_h.flags.writeable = False

    def forward(self, x):
        return np.array([self.Why_T.T @ np.ones((len(self.W_hh), 1)) + self.b_y.reshape(-1, 1) for _ in x])


def enc(a):
    return wire.encode_array(np.asarray(a, dtype=float))


def run(cls, ops):
    return probe.run_probe(cls, {"name": "p", "seed": 1, "ops": ops})


def test_weights_are_written_into_the_learners_arrays_so_views_see_them():
    w = np.arange(6.0).reshape(2, 3)
    results = run(Cached, [{"op": "new", "sizes": [1, 3, 2], "seed": 1},
                           {"op": "set", "params": {"W_hy": enc(w), "b_y": enc([[0.5], [1.5]]),
                                                    "b_h": enc(np.ones((3, 1)))}},
                           {"op": "forward", "x": enc(np.zeros((1, 1)))}])
    ok = results[1]["ok"]
    assert ok["viewed"] == ["W_hy"] and ok["adapted"]["b_y"] == [[2], "float32"]
    out = wire.decode_array(results[2]["ok"]["value"])
    np.testing.assert_array_equal(out[0, :, 0], w.sum(axis=1) + [0.5, 1.5])  # the cached transpose saw them
    # A read-only array can't be written into: the attribute is rebound instead, with the same values.
    np.testing.assert_array_equal(wire.decode_array(ok["params"]["b_h"]), np.ones((3, 1)))


def test_rebinding_is_what_happens_without_the_in_place_write():
    # The positive control: had the grader rebound W_hy, the cached transpose would still hold zeros.
    rnn = Cached(1, 3, 2)
    rnn.W_hy = np.ones((2, 3))
    assert not rnn.Why_T.any() and probe._viewed(rnn) == []


def test_nudged_forwards_move_one_entry_each_way_on_fresh_instances():
    params = {"W_xh": np.zeros((3, 1)), "W_hh": np.zeros((3, 3)), "W_hy": np.ones((2, 3)),
              "b_h": np.zeros((3, 1)), "b_y": np.zeros((2, 1))}
    op = {"op": "nudged_forwards", "sizes": [1, 3, 2], "seed": 1, "eps": 0.25, "x": enc(np.zeros((1, 1))),
          "params": {k: enc(v) for k, v in params.items()}, "entries": [["W_hy", 4], ["b_y", 1]]}
    sent = run(Cached, [op])[0]["ok"]["values"]
    assert [v["t"] for v in sent] == ["stack"]  # four outputs of one shape: one array on the wire
    values = series.decode_series(sent, 4)
    assert len(values) == 4
    np.testing.assert_allclose([v[0, 1, 0] for v in values], [3.25, 2.75, 3.25, 2.75])
    np.testing.assert_allclose([v[0, 0, 0] for v in values], [3.0, 3.0, 3.0, 3.0])


@pytest.fixture
def stubs():
    """The plotting finder, taken out of this (the test's own) process again afterwards."""
    yield plotstub.install()
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, plotstub._Finder)]
    for name in [n for n in sys.modules if n.partition(".")[0] in plotstub.STUBBED]:
        del sys.modules[name]


def test_plotting_stand_ins_accept_what_plotting_code_does(stubs):
    finder = stubs
    assert plotstub.install() is finder  # once per process
    import matplotlib.pyplot as plt
    from IPython.display import display
    fig, ax = plt.subplots(2, 2)
    for a in ax.flat:
        a.plot([1, 2]).set_color("r")
    with plt.style.context("ggplot"):
        plt.ylim(ax.get_ylim()[1] * 1.1)
    display(fig)
    assert "matplotlib.pyplot" in finder.requested and "IPython.display" in finder.requested
    assert "matplotlib" in plotstub.note(finder.requested) and plotstub.note([]) is None


def test_a_load_warning_names_its_place_once():
    assert probe._located("cell 4, line 1", "cell 4, line 1: SyntaxError: invalid syntax") == \
        "cell 4, line 1: SyntaxError: invalid syntax"
    assert probe._located("cell 2, line 3", "loading the submission raised NameError at cell 2, line 3: x") == \
        "cell 2, line 3: loading the submission raised NameError: x"
    assert probe._located("cell 1", "something else") == "cell 1: something else"
