"""The results channel between the confined child and the grader: newline-delimited JSON, arrays as raw float64.

The child encodes whatever the learner's code returned into plain data (no pickle, no object is ever rebuilt on
the grader's side). The grader decodes with every size checked before anything is allocated.
Imported by the child: numpy and the standard library only.
"""
from __future__ import annotations

import binascii
import json
import math
from typing import Any

import numpy as np

MAX_ELEMENTS = 1 << 20       # per array: far above any kata output, far below a memory problem
MAX_ITEMS = 10_000           # per list/tuple/dict
MAX_DEPTH = 6
MAX_CHANNEL_BYTES = 64 << 20  # everything the child may send


class WireError(ValueError):
    """The child sent something that is not a well-formed message (a learner fault: it wrote to our channel)."""


# ---- encoding (child side, and the in-process reference run) -------------------------------------------------

def encode_array(a: np.ndarray) -> dict[str, Any]:
    a = np.asarray(a)
    if a.size > MAX_ELEMENTS:
        return {"t": "too_big", "shape": list(a.shape), "dtype": _dtype_name(a.dtype)}
    data = np.ascontiguousarray(a, dtype="<f8").tobytes()
    return {"t": "array", "shape": list(a.shape), "dtype": _dtype_name(a.dtype),
            "data": binascii.b2a_base64(data, newline=False).decode("ascii")}


_DTYPE_NAMES: dict[np.dtype, str] = {}


def _dtype_name(dtype: np.dtype) -> str:
    # str(dtype) runs Python code inside numpy, and arrays are encoded by the thousand (every epoch's outputs).
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return name


def encode_value(v: Any, depth: int = 0) -> dict[str, Any]:
    """Describe a learner value as plain data. Only exact container and number types are traversed: an object
    with a lying __eq__ or __array__ is described by its type name, never converted through its own methods."""
    t = type(v)
    if t is np.ndarray and v.dtype.kind in "biuf":  # the common case first
        return encode_array(v)
    if v is None:
        return {"t": "none"}
    if t is bool or isinstance(v, np.bool_):
        return {"t": "num", "v": float(bool(v))}
    if t in (int, float) or isinstance(v, (np.integer, np.floating)):
        f = float(v)
        return {"t": "num", "v": f if math.isfinite(f) else repr(f)}
    if isinstance(v, np.ndarray) and v.dtype.kind in "biuf":
        return encode_array(v.view(np.ndarray))
    if isinstance(v, np.ndarray):
        return {"t": "other", "type": f"ndarray of dtype {v.dtype}"}
    if depth >= MAX_DEPTH:
        return {"t": "other", "type": f"{t.__name__} nested more than {MAX_DEPTH} levels deep"}
    if t in (list, tuple):
        if len(v) > MAX_ITEMS:
            return {"t": "too_big", "type": t.__name__, "len": len(v)}
        return {"t": t.__name__, "items": [encode_value(x, depth + 1) for x in v]}
    if t is dict:
        if len(v) > MAX_ITEMS:
            return {"t": "too_big", "type": "dict", "len": len(v)}
        items = []
        for k, x in dict.items(v):
            key = k if type(k) in (int, str) else (int(k) if isinstance(k, np.integer) else repr(type(k).__name__))
            items.append([key, encode_value(x, depth + 1)])
        return {"t": "dict", "items": items}
    return {"t": "other", "type": t.__name__}


def dumps(msg: dict[str, Any]) -> bytes:
    return (json.dumps(msg, separators=(",", ":"), allow_nan=False) + "\n").encode()


# ---- decoding (grader side) --------------------------------------------------------------------------------

def decode_array(d: Any) -> np.ndarray:
    """Rebuild an array from {"shape", "data"}, checking the declared size against the bytes before allocating."""
    if not isinstance(d, dict) or d.get("t") != "array":
        raise WireError("expected an encoded array")
    shape = d.get("shape")
    if not isinstance(shape, list) or len(shape) > 8 or not all(type(n) is int and 0 <= n <= MAX_ELEMENTS
                                                                for n in shape):
        raise WireError(f"bad array shape {str(shape)[:80]}")
    count = math.prod(shape)
    data = d.get("data")
    if count > MAX_ELEMENTS or not isinstance(data, str) or len(data) != 4 * math.ceil(8 * count / 3):
        raise WireError("array data does not match its shape")
    try:
        raw = binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError):
        raise WireError("array data is not base64")
    a = np.frombuffer(raw, dtype="<f8").reshape(shape).copy()
    # float32/float16 values survive the trip through float64 exactly; keep the learner's dtype visible.
    return a.astype(d["dtype"]) if d.get("dtype") in ("float32", "float16") else a


def decode_value(d: Any, depth: int = 0) -> Any:
    """Plain-data view of an encoded value: ndarray, float, None, list, tuple, dict, or Opaque."""
    if depth > MAX_DEPTH + 1 or not isinstance(d, dict):
        raise WireError("malformed value")
    t = d.get("t")
    if t == "array":
        return decode_array(d)
    if t == "none":
        return None
    if t == "num":
        v = d.get("v")
        return float(v) if isinstance(v, (int, float, str)) and not isinstance(v, bool) else _bad("number")
    if t in ("list", "tuple"):
        items = [decode_value(x, depth + 1) for x in _items(d)]
        return items if t == "list" else tuple(items)
    if t == "dict":
        out = {}
        for pair in _items(d):
            if not (isinstance(pair, list) and len(pair) == 2):
                raise WireError("malformed dict item")
            out[pair[0] if isinstance(pair[0], (int, str)) else str(pair[0])] = decode_value(pair[1], depth + 1)
        return out
    if t == "missing":  # an attribute the learner's object does not have
        return Opaque("missing")
    if t in ("other", "too_big"):
        return Opaque(str(d.get("type") or "array"), d.get("shape") or d.get("len"), str(d.get("dtype") or ""))
    raise WireError(f"unknown value type {str(t)[:40]}")


def _items(d: dict) -> list:
    items = d.get("items")
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise WireError("malformed container")
    return items


def _bad(what: str):
    raise WireError(f"malformed {what}")


class Opaque:
    """A value the child could only describe: an unsupported type, or an array too big to send."""

    def __init__(self, type_name: str, size: Any = None, dtype: str = ""):
        self.type_name, self.size, self.dtype = type_name, size, dtype

    def describe(self) -> str:
        if self.size is not None:
            return f"a {self.type_name} of size {self.size}{' ' + self.dtype if self.dtype else ''} (too big to send)"
        return f"a {self.type_name}"

    def __repr__(self) -> str:
        return f"Opaque({self.describe()})"
