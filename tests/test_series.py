"""A series of return values on the channel (grader/run/series.py): every epoch's outputs, kept by the child and
sent as runs, decode to exactly what the same values sent one by one decode to, whatever the learner's convention
(an array, a list or tuple of arrays, dicts keyed by t, nested lists of floats), and a malformed run is refused."""
import json

import numpy as np
import pytest

from grader.run import series, wire

BUDGET = wire.Budget(200_000, 20_000)


def _one_by_one(values, budget=BUDGET):
    return [wire.decode_value(json.loads(json.dumps(wire.encode_value(v, budget)))) for v in values]


def _sent(values, budget=BUDGET):
    return json.loads(json.dumps(series.encode_series([series.keep(v, budget) for v in values], budget)))


def _same(a, b) -> bool:
    """Equal to the bit, and of the same types all the way down (a NaN equals a NaN, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return a.hex() == b.hex() if a == a else b != b
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, wire.Opaque):
        return (a.type_name, a.size, a.dtype) == (b.type_name, b.size, b.dtype)
    return a == b


def _epochs(make, n=5):
    return [make(k) for k in range(n)]


CONVENTIONS = {
    "list of (O, 1) arrays": lambda k: [np.full((2, 1), k + 0.5 * t) for t in range(4)],
    "list of (1, O) float32 rows": lambda k: [np.float32([[k, t]]) for t in range(3)],
    "outputs and hidden states": lambda k: (np.arange(6.0).reshape(3, 2, 1) * k, [np.ones((4, 1)) * t for t in range(3)]),
    "dicts keyed by t": lambda k: ({t: np.full((1, 1), k - t) for t in range(3)}, {t: np.zeros((2, 1)) for t in range(3)}),
    "dicts keyed by name": lambda k: {"y": np.arange(3.0) + k, "h": None, "a,b[{": np.bool_([True, False])},
    "list of floats": lambda k: [k * 0.1, float("inf"), float("nan"), -0.0, 1e308 * (k + 1)],
    "nested lists": lambda k: [[float(k), 2.5], [np.float32(1.25), np.int64(7), True]],
    "0-d arrays": lambda k: [np.array(float(k)), np.array(2.0)],
    "integer arrays": lambda k: [np.arange(3, dtype=np.int64) + k, np.uint8([k, 255])],
}


@pytest.mark.parametrize("convention", sorted(CONVENTIONS))
def test_a_run_of_one_structure_is_one_item_and_decodes_as_sent_one_by_one(convention):
    values = _epochs(CONVENTIONS[convention])
    sent = _sent(values)
    assert [d["t"] for d in sent] == ["trees"]
    got = series.decode_series(sent, len(values))
    assert len(got) == len(values) and all(_same(a, b) for a, b in zip(got, _one_by_one(values)))


def test_runs_of_several_forms_mixed_decode_in_order():
    """Structures change (a list that grows, keys that differ), arrays come between, a value the channel can only
    describe (an object array, a class of the learner's) breaks a run: every value comes back in order."""
    class Mine:
        pass

    values = ([[np.ones(2)] * 2] * 3 + [[np.ones(2)] * 3] + [{0: 1.0}, {1: 1.0}, {1: 2.0}] + [np.zeros(3)] * 2 +
              [[np.array([object()], dtype=object)], [Mine()], np.array(1.0), np.array(2.0), [1.0], (1.0,), [1.0]])
    sent = _sent(values)
    assert [d["t"] for d in sent].count("trees") == 2 and "stack" in [d["t"] for d in sent]
    got = series.decode_series(sent, len(values))
    assert len(got) == len(values) and all(_same(a, b) for a, b in zip(got, _one_by_one(values)))


def test_a_kept_container_is_a_copy():
    budget = BUDGET
    out = [np.zeros(3), np.zeros(3)]
    kept = series.keep(out, budget)
    out[0][0] = 7.0  # the learner's next forward writes into its own list and arrays
    out.append(np.ones(3))
    assert series.decode_series(json.loads(json.dumps(series.encode_series([kept], budget))), 1)[0][0][0] == 0.0
    assert len(series.decode_series(json.loads(json.dumps(series.encode_series([kept], budget))), 1)[0]) == 2


def test_a_container_beyond_the_budget_is_described_as_encode_value_describes_it():
    small = wire.Budget(600, 60)
    values = [[np.zeros(40), np.zeros(40)]] * 3 + [[1.0] * 40] * 2 + [[[[[[[[1.0]]]]]]]] * 2  # the last: nested too deep
    sent = _sent(values, small)
    assert "trees" not in [d["t"] for d in sent]
    assert sent == [wire.encode_value(v, small) for v in values]


def test_a_value_whose_float_overflows_raises_as_before():
    with pytest.raises(OverflowError):
        series.keep([10 ** 400], BUDGET)


def test_a_series_beyond_what_the_grader_builds_from_trees_goes_on_one_by_one():
    values = [[np.zeros(1)] * 100] * 1000  # 101 nodes each: more than MAX_BUILT_NODES in all
    sent = _sent(values)
    stacked = sum(d["count"] for d in sent if d["t"] == "trees")
    assert 0 < stacked * 101 <= series.MAX_BUILT_NODES and len(sent) == 1 + len(values) - stacked
    got = series.decode_series(sent, len(values))
    assert len(got) == len(values) and all(_same(a, b) for a, b in zip(got, _one_by_one(values)))


def _trees(**changes):
    item = _sent(_epochs(CONVENTIONS["dicts keyed by t"], 3))[0]
    item.update(changes)
    return item


@pytest.mark.parametrize("item", [
    _trees(count=5),                                      # more values than calls
    _trees(count=1),                                      # a run of one is never sent
    _trees(count="3"),
    _trees(data=[]),                                      # fewer stacks than leaves
    _trees(data=["AAAA"] * 6),                            # a stack that isn't 3 values of its leaf
    _trees(data="AAAA"),
    _trees(template={"t": "set", "items": []}),
    _trees(template={"t": "dict", "items": [[["k"], {"t": "num"}]]}),        # a key that is no key
    _trees(template={"t": "array", "shape": [1] * 8, "dtype": "float64"}),  # a leaf that can't be stacked
    _trees(template={"t": "array", "shape": [-1], "dtype": "float64"}),
    _trees(template={"t": "list", "items": [{"t": "list", "items": [{"t": "list", "items": [{"t": "list", "items": [
        {"t": "list", "items": [{"t": "list", "items": [{"t": "list", "items": [{"t": "list", "items": [
            {"t": "none"}]}]}]}]}]}]}]}], "data": []}),       # deeper than any value
    _trees(template={"t": "list", "items": [{"t": "none"}] * (series.MAX_TEMPLATE_NODES + 1)}, data=[]),
])
def test_a_malformed_run_of_structures_is_refused(item):
    with pytest.raises(wire.WireError):
        series.decode_series([item], 3)


def test_a_template_may_not_make_the_grader_build_without_bound():
    """Neither one item nor many may stand for more nodes than MAX_BUILT_NODES: a line of a few KB must not make
    the grader build millions of objects."""
    wide = {"t": "list", "items": [{"t": "none"}] * 4000}
    with pytest.raises(wire.WireError):
        series.decode_series([{"t": "trees", "count": 100, "template": wide, "data": []}], 100)
    many = [{"t": "trees", "count": 16, "template": wide, "data": []}] * 2  # each within the bound, not both
    assert len(series.decode_series(many[:1], 32)) == 16
    with pytest.raises(wire.WireError):
        series.decode_series(many, 32)


@pytest.mark.parametrize("convention", sorted(CONVENTIONS) + ["awkward keys"])
def test_the_bound_a_tree_is_kept_by_is_never_below_its_encoding(convention):
    """keep() sends a container as a Tree only when its bound fits the budget: the bound must be at least what
    encode_value measures (bytes and tokens of the compact JSON), or a value over budget would be sent."""
    make = CONVENTIONS.get(convention) or (lambda k: {'q"uo\\te,[{': -2.2250738585072014e-308, -10 ** 14: [-1e-300],
                                                        "x" * 60: (np.zeros((2, 3, 1)) - 1e-5,)})
    for value in _epochs(make, 2):
        kept = series.keep(value, BUDGET)
        assert type(kept) is series.Tree
        text = json.dumps(wire.encode_value(value, BUDGET), separators=(",", ":"))
        size, tokens = series._bound(kept.skeleton)
        assert size >= len(text) and tokens >= wire.tokens(text)
