"""report/jsontext.py writes exactly what json.dumps(indent=1, allow_nan=False) writes (the golden test checks it
on every corpus result through result.json; these cover the corners)."""
from __future__ import annotations

import enum
import json

import numpy as np
import pytest

from grader.report import contract, jsontext
from tests.conftest import SUBMISSIONS, grade_file


class Colour(str, enum.Enum):
    RED = "red"


def _default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(type(o).__name__)


CORNERS = [
    {}, [], (), "é\u2028\ud800\"\\\n", 0.1 + 0.2, -0.0, 1e300, 5e-324, 10 ** 30, True, None,
    {"a": [], "b": {}, "c": [1.5, 2.5], "d": [1, 2.0, True, None, "x"], "e": [[1.0], [[2.0, 3.0]], {"f": ()}]},
    {7: "int key", 2.5: "float key", True: "bool key", None: "none key", "s": Colour.RED},
    [np.float64(0.1), np.int64(3), np.array([[1.0, 2.0]]), (1.0, 2.0), Colour.RED],
]


@pytest.mark.parametrize("value", CORNERS, ids=range(len(CORNERS)))
def test_the_same_text_as_json(value):
    assert jsontext.dumps(value, default=_default) == json.dumps(value, indent=1, allow_nan=False, default=_default)


def test_lists_written_once_are_written_the_same_again(monkeypatch):
    """The memo of float lists: the same bits give the same text, other bits (-0.0 and 0.0 are equal as floats)
    other text, and a full memo starts over."""
    monkeypatch.setattr(jsontext, "_MEMO", {})
    monkeypatch.setattr(jsontext, "MEMO_ENTRIES", 3)
    values = [[0.0, 1.5], [-0.0, 1.5], [[0.0, 1.5], [-0.0, 1.5]], [0.1] * (jsontext.MEMO_FLOATS + 1),
              [[2.0], [3.0, 4.0]], [0.0, 1.5], [-0.0, 1.5]]
    for _ in range(2):
        for v in values:
            assert jsontext.dumps(v, default=_default) == json.dumps(v, indent=1, allow_nan=False)
    assert 0 < len(jsontext._MEMO) <= 3
    with pytest.raises(ValueError):
        jsontext.dumps([1.0, float("nan")], default=_default)
    assert all("nan" not in text.lower() for text in jsontext._MEMO.values())


@pytest.mark.parametrize("bad", [float("inf"), [1.0, float("nan")], {"k": -float("inf")}, {float("nan"): 1}])
def test_a_number_that_is_not_finite_is_refused_as_json_does(bad):
    with pytest.raises(ValueError):
        json.dumps(bad, indent=1, allow_nan=False)
    with pytest.raises(ValueError, match="not JSON compliant"):
        jsontext.dumps(bad, default=_default)


def test_what_json_cannot_hold_is_refused_as_json_does():
    for bad in ({(1, 2): "tuple key"}, [object()]):
        with pytest.raises(TypeError):
            json.dumps(bad, indent=1, default=_default)
        with pytest.raises(TypeError):
            jsontext.dumps(bad, default=_default)


def test_a_graded_result_is_written_byte_for_byte_as_before():
    d = contract.to_dict(grade_file(f"{SUBMISSIONS}/wrong/loss_mean_over_time__row.py"))
    assert contract.dumps(d) == json.dumps(d, indent=1, allow_nan=False, default=contract._jsonable) + "\n"
