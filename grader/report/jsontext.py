"""JSON text exactly as `json.dumps(v, indent=1, allow_nan=False, default=...)` writes it, at a fraction of the cost.

With `indent` the standard library falls back to its pure-Python encoder, a chain of generators that passes every
number of a result (thousands, one per line) up through each level of nesting. This writes the same bytes with one
call per container and the C string escaper; tests/test_jsontext.py compares the two on every corpus result.
"""
from __future__ import annotations

import json
from array import array
from json.encoder import encode_basestring_ascii as _string
from typing import Any, Callable

from grader.run import memo

_NOT_FINITE = ("inf", "-inf", "nan")
# The C encoder for lists of floats (it writes them with float.__repr__, as the indented encoder does).
_floats = json.JSONEncoder(allow_nan=False).encode
# A float's shortest repr costs about 0.7 us, and a result repeats most of its arrays (a comparison's expected
# values are the analysis's too, and a correct learner's are the reference's, which every submission shares):
# each list of floats is written once per process, known by its exact bits (so -0.0 is not 0.0), while the memo
# holds at most MEMO_ENTRIES lists of at most MEMO_FLOATS entries each.
MEMO_ENTRIES, MEMO_FLOATS = 4096, 1024
_MEMO: dict[bytes, str] = {}


def dumps(value: Any, *, default: Callable[[Any], Any]) -> str:
    """`value` as json.dumps(value, indent=1, allow_nan=False, default=default) would write it. Raises ValueError
    for a float that is not finite, TypeError (from `default`) for what JSON can't hold."""
    out: list[str] = []
    _write(value, "\n", out, default)
    return "".join(out)


class Written(str):
    """A value's JSON text written ahead (dumps_at), put in as it is where the value would go."""


def dumps_at(value: Any, newline: str, *, default: Callable[[Any], Any]) -> Written:
    """`value`'s text as dumps writes it where it starts on a line indented as `newline` says ("\n" and its
    spaces: "\n " for a value of the top-level dict)."""
    out: list[str] = []
    _write(value, newline, out, default)
    return Written("".join(out))


def _float(x: float) -> str:
    text = float.__repr__(x)
    if text in _NOT_FINITE:
        raise ValueError("Out of range float values are not JSON compliant: " + text)
    return text


def _scalar(v: Any) -> str | None:
    """The text of a str, None, bool, int or float (in json's order of tests); None for anything else."""
    exact = _EXACT.get(type(v))
    if exact is not None:
        return exact(v)
    if isinstance(v, str):
        return _string(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, float):
        return _float(v)
    return None


def _key(k: Any) -> str:
    if isinstance(k, str):
        return _string(k)
    text = _scalar(k)  # json turns these keys into strings; anything else it refuses (skipkeys is off)
    if text is None:
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(k).__name__}")
    return _string(text)


# The exact types of a result's scalars, each with its text: one dict lookup instead of json's chain of tests
# (a subclass, an IntEnum say, takes _scalar's isinstance path, as json's encoder does).
_EXACT: dict[type, Callable[[Any], str]] = {str: _string, float: _float, int: int.__repr__,
                                            bool: lambda b: "true" if b else "false", type(None): lambda _: "null",
                                            Written: str.__str__}
_FLOAT = {float}


def only_floats(v: list | tuple) -> bool:
    """Whether a list holds floats only, each exactly a float (False when empty): an array as a list, the bulk of
    a result."""
    return set(map(type, v)) == _FLOAT


def _numbers(v: list[float]) -> str:
    """"a, b, c" for a list of floats, as the C encoder writes it between its brackets (ValueError for inf, NaN)."""
    if len(v) > MEMO_FLOATS:
        return _floats(v)[1:-1]
    key = array("d", v).tobytes()
    text = _MEMO.get(key)
    return text if text is not None else memo.remember(_MEMO, key, _floats(v)[1:-1], MEMO_ENTRIES)


def _write(v: Any, newline: str, out: list[str], default: Callable[[Any], Any]) -> None:
    """Append `v`'s text to `out`; `newline` is "\\n" and the indentation of the line `v` starts on."""
    text = _scalar(v)
    if text is not None:
        out.append(text)
        return
    inner = newline + " "
    if isinstance(v, (list, tuple)):
        if not v:
            out.append("[]")
        elif only_floats(v):  # arrays as lists, the bulk of a result: numbers only, no ", " inside
            out.append("[" + inner + _numbers(v).replace(", ", "," + inner) + newline + "]")
        elif all(type(row) is list and row and only_floats(row) for row in v):  # a matrix
            # "a, b], [c" (what the C encoder writes inside "[[" and "]]"), laid out as the indented encoder lays it
            # out: rows apart first (their separator holds the ", " that separates numbers), then each row's numbers.
            deeper = inner + " "
            body = "\0".join(map(_numbers, v)).replace(", ", "," + deeper)
            out.append("[" + inner + "[" + deeper + body.replace("\0", inner + "]," + inner + "[" + deeper) +
                       inner + "]" + newline + "]")
        else:
            out.append("[")
            for i, x in enumerate(v):
                out.append("," + inner if i else inner)
                _write(x, inner, out, default)
            out.append(newline + "]")
    elif isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        out.append("{")
        for i, (k, x) in enumerate(v.items()):
            head = ("," + inner if i else inner) + (_string(k) if type(k) is str else _key(k)) + ": "
            exact = _EXACT.get(type(x))
            if exact is not None:  # a scalar (most of a dict's values): written here, not by another call
                out.append(head + exact(x))
            else:
                out.append(head)
                _write(x, inner, out, default)
        out.append(newline + "}")
    else:
        _write(default(v), newline, out, default)
