"""A series of calls' return values on the results channel (every epoch's outputs, every nudged forward's): kept
by the child as they come, sent together, and a run of values of one form as one item, so that a training run of
a hundred epochs costs one encoding and one decoding rather than a hundred:
  - a run of arrays of one shape and dtype as one stacked array ({"t": "stack"});
  - a run of containers of one structure ({"t": "trees"}: lists, tuples and dicts, with the same keys, of arrays
    of the same shapes and dtypes, numbers and None, as the list, tuple and dict conventions return) as their
    structure once, a template, and one stacked array per leaf.
Either decodes to the very values that the run's items, sent one by one, decode to. Imported by the child: numpy
and the standard library only (and wire.py).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from grader.run import wire

# The nodes (containers and leaves) of one template, and of all the values that a series' trees stand for. Sent one
# by one, every node of a value is an item of the line's JSON, which the grader bounds before it decodes anything;
# a template stands for `count` values at once, so these bound what a short line can make the grader build. An
# honest kata value has tens of nodes, a training run's hundred epochs a few thousand.
MAX_TEMPLATE_NODES = 4096
MAX_BUILT_NODES = 1 << 16
_NAN = float("nan")


class Tree(NamedTuple):
    """One call's return value kept as its structure and its leaves: `skeleton` (hashable, equal for two values
    that encode alike but for their numbers), `leaves` (depth first: a copy of each array, each number as the
    float it is sent as) and `nodes`, the count of both."""
    skeleton: tuple
    leaves: list
    nodes: int


class _NotTree(Exception):
    pass


def keep(v: Any, budget: wire.Budget) -> Any:
    """One call's return value, to be encoded later with the rest of its series (encode_series): a copy of a plain
    numeric array small enough to send (the learner may change its own array in place on the next call), a Tree
    of a container that certainly fits the budget, anything else encoded now."""
    if type(v) is np.ndarray and v.dtype.kind in "biuf" and v.ndim < wire.MAX_DIMS and wire.may_fit(v.size, budget):
        return v.copy()
    tree = _tree(v, budget)
    return tree if tree is not None else wire.encode_value(v, budget)


def _tree(v: Any, budget: wire.Budget) -> Tree | None:
    """`v` as a Tree when it is a list, tuple or dict of plain numeric arrays, numbers and None (and of such
    containers) whose encoding certainly fits `budget`, so that encode_value would send it as it is; else None,
    and encode_value decides (it also raises what the learner's value raises, a float() that overflows say)."""
    if type(v) not in (list, tuple, dict):
        return None
    leaves: list = []
    nodes = [0]
    try:
        skeleton = _skeleton(v, 0, leaves, nodes)
    except Exception:
        return None
    fits = _FITS.get((skeleton, budget))
    if fits is None:
        size, tokens = _bound(skeleton)
        fits = size <= budget.bytes and tokens <= budget.tokens
        if len(_FITS) >= 256:
            _FITS.clear()
        _FITS[(skeleton, budget)] = fits
    return Tree(skeleton, leaves, nodes[0]) if fits else None


# Every epoch's value is kept: a run's skeletons are equal, so each one's bound is worked out once.
_FITS: dict[tuple, bool] = {}


def _skeleton(v: Any, depth: int, leaves: list, nodes: list[int]) -> tuple:
    """`v`'s structure, its leaves appended to `leaves`; _NotTree for what wire._encode would not send as data
    (the same tests, in its order)."""
    nodes[0] += 1
    if nodes[0] > MAX_TEMPLATE_NODES:
        raise _NotTree
    t = type(v)
    if t is np.ndarray:
        if v.dtype.kind not in "biuf" or v.ndim >= wire.MAX_DIMS or v.size > wire.MAX_ELEMENTS:
            raise _NotTree
        leaves.append(v.copy())
        return ("array", v.shape, wire.dtype_name(v.dtype))
    if v is None:
        return _NONE
    if t is bool or isinstance(v, np.bool_):
        leaves.append(float(bool(v)))
        return _NUM
    if t is int or t is float or isinstance(v, (np.integer, np.floating)):
        leaves.append(float(v))
        return _NUM
    if depth >= wire.MAX_DEPTH:
        raise _NotTree
    if t is list or t is tuple:
        if len(v) > wire.MAX_ITEMS:
            raise _NotTree
        return (t.__name__, tuple([_skeleton(x, depth + 1, leaves, nodes) for x in v]))
    if t is dict:
        if len(v) > wire.MAX_ITEMS:
            raise _NotTree
        return ("dict", tuple([(wire.dict_key(k), _skeleton(x, depth + 1, leaves, nodes)) for k, x in dict.items(v)]))
    raise _NotTree


_NONE, _NUM = ("none",), ("num",)


def _bound(s: tuple) -> tuple[int, int]:
    """At least the (bytes, tokens) of the compact JSON of a value of structure `s` (wire.encode_value's test)."""
    tag = s[0]
    if tag == "array":
        shape, dtype = s[1], s[2]
        return 45 + 2 + 8 * len(shape) + len(dtype) + wire.data_chars(math.prod(shape)), 5 + len(shape)
    if tag == "num":
        return 16 + 24, 2  # the longest float repr, -2.2250738585072014e-308, is 24 characters
    if tag == "none":
        return 12, 1
    size, tokens = 24 + len(s[1]), 3 + len(s[1])
    for item in s[1]:
        if tag == "dict":
            key, item = item
            text = str(key)
            size, tokens = size + 3 + 2 * len(text) + 2, tokens + 2 + len(text)
        b, t = _bound(item)
        size, tokens = size + b, tokens + t
    return size, tokens


def encode_series(kept: list[Any], budget: wire.Budget) -> list[dict[str, Any]]:
    """The return values of a series of calls (every epoch's outputs, every nudged forward's), kept by `keep`, as
    encoded values in order. A run of arrays of one shape and dtype travels as one {"t": "stack", "count": n, ...}
    item, a run of Trees of one skeleton as one {"t": "trees", ...} item: one encoding here and one decoding in the
    grader for them all, where each call's took one of each. Arrays of one shape and dtype encode to JSON of one
    length and token count, so the first one's budget check (encode_value) holds for the whole run, as keep's check
    of a Tree's skeleton holds for every Tree of it; decode_series gives back the same values."""
    out: list[dict[str, Any]] = []
    i = built = 0
    while i < len(kept):
        v = kept[i]
        if type(v) is Tree:
            j, most = i + 1, min(_most_stacked(v), (MAX_BUILT_NODES - built) // v.nodes)
            while j < len(kept) and j - i < most and type(kept[j]) is Tree and kept[j].skeleton == v.skeleton:
                j += 1
            if j - i == 1:
                out.append(_encoded(v.skeleton, iter(v.leaves)))
            else:
                out.append(_stacked_trees(kept[i:j]))
                built += (j - i) * v.nodes
            i = j
            continue
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


def _most_stacked(tree: Tree) -> int:
    """How many Trees like this one a "trees" item may hold: each leaf's stack within an array's size."""
    largest = max([leaf.size for leaf in tree.leaves if type(leaf) is np.ndarray] + [1])
    return max(1, wire.MAX_ELEMENTS // largest)


def _encoded(s: tuple, leaves) -> dict[str, Any]:
    """A Tree's value encoded as wire.encode_value encodes the value it was kept from."""
    tag = s[0]
    if tag == "array":
        return wire.encode_array(next(leaves))
    if tag == "num":
        return wire.number(next(leaves))
    if tag == "none":
        return {"t": "none"}
    if tag == "dict":
        return {"t": "dict", "items": [[k, _encoded(item, leaves)] for k, item in s[1]]}
    return {"t": tag, "items": [_encoded(item, leaves) for item in s[1]]}


def _stacked_trees(trees: list[Tree]) -> dict[str, Any]:
    data = []
    for k, leaf in enumerate(trees[0].leaves):
        column = [t.leaves[k] for t in trees]
        data.append(wire.array_data(np.array(column, dtype=np.float64) if type(leaf) is float else np.stack(column)))
    return {"t": "trees", "count": len(trees), "template": _template(trees[0].skeleton), "data": data}


def _template(s: tuple) -> dict[str, Any]:
    """A skeleton as the channel carries it: an encoded value whose arrays have no data and numbers no value."""
    tag = s[0]
    if tag == "array":
        return {"t": "array", "shape": list(s[1]), "dtype": s[2]}
    if tag in ("num", "none"):
        return {"t": tag}
    if tag == "dict":
        return {"t": "dict", "items": [[k, _template(item)] for k, item in s[1]]}
    return {"t": tag, "items": [_template(item) for item in s[1]]}


# ---- the grader's side --------------------------------------------------------------------------------------

def decode_series(items: Any, most: int) -> list[Any]:
    """encode_series's items as the values they stand for (at most `most` of them): a stack as one array per call
    (views of one decoded array, as equal to the arrays sent as those decoded one by one), trees as one value per
    call built from the template."""
    if not isinstance(items, list) or len(items) > most:
        raise wire.WireError("more values than calls")
    out: list[Any] = []
    built = [0]  # the nodes of the values built from "trees" so far
    for d in items:
        t = d.get("t") if isinstance(d, dict) else None
        if t == "stack":
            count, shape = d.get("count"), d.get("shape")
            if type(count) is not int or not 2 <= count <= most - len(out) or not isinstance(shape, list):
                raise wire.WireError("malformed stack of values")
            out += _rows(wire.decode_array({"t": "array", "shape": [count] + shape, "dtype": d.get("dtype"),
                                            "data": d.get("data")}))
        elif t == "trees":
            out += _decode_trees(d, most - len(out), built)
        else:
            out.append(wire.decode_value(d))
    if len(out) > most:
        raise wire.WireError("more values than calls")
    return out


def _rows(a: np.ndarray) -> list[np.ndarray]:
    """A stacked array's rows as arrays (views), a stack of 0-d arrays' too (a[i] would be a numpy scalar)."""
    return list(a) if a.ndim > 1 else [a[i, ...] for i in range(len(a))]


def _decode_trees(d: dict[str, Any], room: int, built: list[int]) -> list[Any]:
    count, data = d.get("count"), d.get("data")
    if type(count) is not int or not 2 <= count <= room:
        raise wire.WireError("malformed stack of values")
    leaves: list[Any] = []
    nodes = [0]
    template = _read_template(d.get("template"), 0, leaves, nodes)
    built[0] += count * nodes[0]
    if type(data) is not list or len(data) != len(leaves) or built[0] > MAX_BUILT_NODES:
        raise wire.WireError("malformed stack of values")
    columns = []
    for leaf, text in zip(leaves, data):  # each leaf: (shape, dtype) of an array, None for a number
        if leaf is None:  # numbers: floats, as {"t": "num"} decodes them (every NaN as float("nan"))
            a = wire.decode_array({"t": "array", "shape": [count], "dtype": "float64", "data": text})
            columns.append([_NAN if x != x else x for x in a.tolist()])
        else:
            columns.append(_rows(wire.decode_array({"t": "array", "shape": [count] + leaf[0], "dtype": leaf[1],
                                                    "data": text})))
    return [_build(template, columns, i) for i in range(count)]


def _read_template(d: Any, depth: int, leaves: list, nodes: list[int]) -> tuple:
    """A template checked as decode_value checks a value, compiled: ("leaf", k), ("none",), (kind, children)."""
    nodes[0] += 1
    if nodes[0] > MAX_TEMPLATE_NODES or depth > wire.MAX_DEPTH or not isinstance(d, dict):
        raise wire.WireError("malformed stack of values")
    t = d.get("t")
    if t == "array":
        shape = d.get("shape")
        if type(shape) is not list or len(shape) >= wire.MAX_DIMS or \
                not all(type(n) is int and 0 <= n <= wire.MAX_ELEMENTS for n in shape):
            raise wire.WireError("malformed stack of values")
        leaves.append((shape, d.get("dtype")))
        return ("leaf", len(leaves) - 1)
    if t == "num":
        leaves.append(None)
        return ("leaf", len(leaves) - 1)
    if t == "none":
        return _NONE
    if t in ("list", "tuple"):
        return (t, [_read_template(x, depth + 1, leaves, nodes) for x in wire.container_items(d)])
    if t == "dict":
        pairs = []
        for pair in wire.container_items(d):
            if not (isinstance(pair, list) and len(pair) == 2 and wire.is_key(pair[0])):
                raise wire.WireError("malformed dict item")
            pairs.append((pair[0], _read_template(pair[1], depth + 1, leaves, nodes)))
        return ("dict", pairs)
    raise wire.WireError("malformed stack of values")


def _build(node: tuple, columns: list[list[Any]], i: int) -> Any:
    tag = node[0]
    if tag == "leaf":
        return columns[node[1]][i]
    if tag == "none":
        return None
    if tag == "list":
        return [_build(item, columns, i) for item in node[1]]
    if tag == "tuple":
        return tuple([_build(item, columns, i) for item in node[1]])
    out = {}
    for k, item in node[1]:
        out[k] = _build(item, columns, i)
    return out
