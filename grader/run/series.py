"""A series of calls' return values on the results channel (every epoch's outputs, every nudged forward's): kept
by the child as they come, sent together, and a run of arrays of one shape and dtype as one stacked array, so
that a training run of a hundred epochs costs one encoding and one decoding rather than a hundred. Imported by
the child: numpy and the standard library only (and wire.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from grader.run import wire


def keep(v: Any, budget: wire.Budget) -> Any:
    """One call's return value, to be encoded later with the rest of its series (encode_series): a copy of a plain
    numeric array small enough to send (the learner may change its own array in place on the next call), anything
    else encoded now."""
    if type(v) is np.ndarray and v.dtype.kind in "biuf" and v.ndim < wire.MAX_DIMS and wire.may_fit(v.size, budget):
        return v.copy()
    return wire.encode_value(v, budget)


def encode_series(kept: list[Any], budget: wire.Budget) -> list[dict[str, Any]]:
    """The return values of a series of calls (every epoch's outputs, every nudged forward's), kept by `keep`, as
    encoded values in order. A run of arrays of one shape and dtype travels as one {"t": "stack", "count": n, ...}
    item: one encoding here and one decoding in the grader for them all, where each epoch's took one of each.
    Arrays of one shape and dtype encode to JSON of one length and token count, so the first one's budget check
    (encode_value) holds for the whole run; decode_series gives back the same arrays."""
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(kept):
        v = kept[i]
        if not isinstance(v, np.ndarray):
            out.append(v)
            i += 1
            continue
        j = i + 1
        while j < len(kept) and isinstance(kept[j], np.ndarray) and kept[j].shape == v.shape and \
                kept[j].dtype == v.dtype and (j - i + 1) * v.size <= wire.MAX_ELEMENTS:
            j += 1
        first = wire.encode_value(v, budget)
        if j - i == 1 or first.get("t") != "array":
            out += [first] + [wire.encode_value(x, budget) for x in kept[i + 1:j]]
        else:
            out.append({"t": "stack", "count": j - i, "shape": first["shape"], "dtype": first["dtype"],
                        "data": wire.array_data(np.stack(kept[i:j]))})
        i = j
    return out


def decode_series(items: Any, most: int) -> list[Any]:
    """encode_series's items as the values they stand for (at most `most` of them), a stack as one array per call
    (views of one decoded array, as equal to the arrays sent as those decoded one by one)."""
    if not isinstance(items, list) or len(items) > most:
        raise wire.WireError("more values than calls")
    out: list[Any] = []
    for d in items:
        if isinstance(d, dict) and d.get("t") == "stack":
            count, shape = d.get("count"), d.get("shape")
            if type(count) is not int or not 2 <= count <= most - len(out) or not isinstance(shape, list):
                raise wire.WireError("malformed stack of values")
            out += list(wire.decode_array({"t": "array", "shape": [count] + shape, "dtype": d.get("dtype"),
                                      "data": d.get("data")}))
        else:
            out.append(wire.decode_value(d))
    if len(out) > most:
        raise wire.WireError("more values than calls")
    return out
