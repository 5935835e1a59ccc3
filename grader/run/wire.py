"""The results channel between the confined child and the grader: newline-delimited JSON, arrays as raw float64.

The child encodes whatever the learner's code returned into plain data (no pickle, no object is ever rebuilt on
the grader's side). The grader decodes with every size checked before anything is allocated.
Imported by the child: numpy and the standard library only.

What an honest child sends is bounded by its plan, and the grader knows that bound before it decodes a byte:
each value the learner's code returns is encoded within a budget sized from its case (value_budget: a few times
what any accepted convention returns; what does not fit is described as too big), every name the learner chose
is cut to NAME_CAP characters and every text to its cap, so each message has a largest size and a largest number
of JSON items (channel_bounds). The grader's ChannelReader rejects a line beyond them before decoding it: that is
a forged channel, as is anything that does not decode.
"""
from __future__ import annotations

import binascii
import json
import math
from typing import Any, Callable, NamedTuple

import numpy as np

from grader.run import memo

MAX_ELEMENTS = 1 << 20       # per array: far above any kata output, far below a memory problem
MAX_ITEMS = 10_000           # per list/tuple/dict
MAX_DEPTH = 6
MAX_DIMS = 8                 # an array with more dimensions is described, not sent
NAME_CAP = 48                # characters of a name the learner chose (a type, a dict key), printable ASCII
TEXT_CAPS = {"type": NAME_CAP, "message": 2000, "traceback": 8000, "where": 300}  # an error's fields
WARNING_CAP, WARNINGS, CLASSES = 500, 20, 50   # what a "loaded" message may carry
FAULT_CAPS = {"kind": NAME_CAP, "message": 4000, "traceback": 8000, "where": 300}
DESCRIPTION_BYTES = 256      # JSON of a value described rather than sent (a type name, a shape, a dtype)
OP_BYTES = 1024              # JSON of one result's own fields, its values aside
TEXT_BYTES_PER_CHAR = 12     # JSON of one character of an error's text, at most (an astral one, as \\u escapes)
FIXED_BYTES = 256 * 1024     # a sandbox, loaded, fault, refused or done message


class WireError(ValueError):
    """The child sent something that is not a well-formed message (a learner fault: it wrote to our channel)."""


class Budget(NamedTuple):  # not a dataclass: the child imports this module, and dataclasses cost it ~3 ms
    """The most one encoded value may take: JSON bytes, and JSON tokens ('{', '[' and ',': what a decoder turns
    into objects). A value that exceeds it is described instead (DESCRIPTION_BYTES)."""
    bytes: int
    tokens: int


def name(text: Any) -> str:
    """A name the learner chose, as the channel carries it: printable ASCII, at most NAME_CAP characters."""
    full = str(text)
    short = full[:NAME_CAP].encode("ascii", "backslashreplace").decode("ascii")
    short = "".join(c if " " <= c <= "~" else "?" for c in short)
    return short[:NAME_CAP - 3] + "..." if len(full) > NAME_CAP or len(short) > NAME_CAP else short


def _sizes(probe: dict[str, Any]) -> tuple[int, int, int, int]:
    """(I, H, O, T) of a plan's probe: its sizes (from the first op that builds an instance: `new`, or a
    `nudged_forwards` that builds its own), and its longest sequence."""
    i, h, o = next((op["sizes"] for op in probe["ops"] if "sizes" in op), (1, 1, 1))
    t = max([op["x"]["shape"][0] for op in probe["ops"] if "x" in op] + [1])
    return i, h, o, t


def value_budget(probe: dict[str, Any]) -> Budget:
    """One value a learner's call returns in `probe` (a forward's outputs): four times what the most verbose
    accepted convention takes (per step an output, a hidden state and an input, each an array keyed by t)."""
    i, h, o, t = _sizes(probe)
    return Budget(4 * (t + 1) * (11 * (i + h + o + 1) + 400) + 4096, 4 * (t + 1) * 64 + 256)


def param_budget(probe: dict[str, Any]) -> Budget:
    """One parameter as the learner holds it: twice the largest parameter of these sizes, as an array or as
    nested lists of numbers."""
    i, h, o, _ = _sizes(probe)
    n = h * max(i, h, o)
    return Budget(48 * n + 64 * h + 1024, 2 * n + 4 * h + 64)


class Bounds(NamedTuple):
    """The most an honest child sends: per line (bytes, and tokens), and in all (bytes)."""
    line_bytes: int
    line_tokens: int
    total_bytes: int


@memo.per_probe  # the same for every submission
def probe_bound(probe: dict[str, Any]) -> tuple[int, int]:
    """(bytes, tokens) of the largest {"probe": ..., "results": [...]} line an honest child sends for `probe`:
    every op's result with its values at their budgets, and one error's texts at their caps."""
    value, param = value_budget(probe), param_budget(probe)
    counts = {"new": (5, 1), "set": (5, 0), "forward": (0, 1), "backward": (5, 0)}
    size = tokens = 0
    for op in probe["ops"]:
        params, values = counts.get(op["op"]) or {"train": (5, op.get("epochs", 0)),  # every epoch's outputs
                                                  "nudged_forwards": (0, 2 * len(op.get("entries", ())))}[op["op"]]
        size += OP_BYTES + params * max(param.bytes, DESCRIPTION_BYTES) + values * max(value.bytes, DESCRIPTION_BYTES)
        tokens += 64 + params * max(param.tokens, DESCRIPTION_BYTES) + values * max(value.tokens, DESCRIPTION_BYTES)
    text = sum(TEXT_CAPS.values())
    return OP_BYTES + size + TEXT_BYTES_PER_CHAR * text, tokens + text


def channel_bounds(probes: list[dict[str, Any]]) -> Bounds:
    """The bounds of a child's whole channel for the plan's `probes` (the dicts the child gets)."""
    bounds = [probe_bound(p) for p in probes]
    return Bounds(max([b for b, _ in bounds] + [FIXED_BYTES]), max([t for _, t in bounds] + [FIXED_BYTES]),
                  sum(b for b, _ in bounds) + 5 * FIXED_BYTES)


def tokens(text: str | bytes) -> int:
    """JSON tokens that a decoder turns into objects or list entries: '{', '[' and ','."""
    marks = ("{", "[", ",") if isinstance(text, str) else (b"{", b"[", b",")
    return sum(text.count(m) for m in marks)


# ---- encoding (child side, and the in-process reference run) -------------------------------------------------

def encode_array(a: np.ndarray) -> dict[str, Any]:
    a = np.asarray(a)
    if a.ndim > MAX_DIMS:
        return {"t": "other", "type": f"ndarray of {a.ndim} dimensions"}
    if a.size > MAX_ELEMENTS:
        return {"t": "too_big", "shape": list(a.shape), "dtype": dtype_name(a.dtype)}
    return {"t": "array", "shape": list(a.shape), "dtype": dtype_name(a.dtype), "data": array_data(a)}


def array_data(a: np.ndarray) -> str:
    """An array's entries as the channel carries them: float64, little-endian, C order, in base64."""
    return binascii.b2a_base64(np.ascontiguousarray(a, dtype="<f8").tobytes(), newline=False).decode("ascii")


def data_chars(count: int) -> int:
    """The length of array_data's text for `count` entries (base64: 4 characters per 3 bytes, padded)."""
    return 4 * -(-8 * count // 3)


_DTYPE_NAMES: dict[np.dtype, str] = {}


def dtype_name(dtype: np.dtype) -> str:
    # str(dtype) runs Python code inside numpy, and arrays are encoded by the thousand (every epoch's outputs).
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = str(dtype)
    return name


def encode_value(v: Any, budget: Budget | None = None) -> dict[str, Any]:
    """Describe a learner value as plain data (_encode), or, when its JSON would exceed `budget`, describe it as
    too big: its type, and its length or shape."""
    array = isinstance(v, np.ndarray) and v.dtype.kind in "biuf" and v.ndim <= MAX_DIMS
    if budget is not None and array and not may_fit(v.size, budget):  # known without encoding
        return {"t": "too_big", "shape": list(v.shape), "dtype": dtype_name(v.dtype)}
    encoded = _encode(v)
    if budget is None or (array and type(v) is np.ndarray and _array_fits(v.size, budget)):
        return encoded
    text = json.dumps(encoded, separators=(",", ":"))
    if len(text) <= budget.bytes and tokens(text) <= budget.tokens:
        return encoded
    if array:
        return {"t": "too_big", "shape": list(v.shape), "dtype": dtype_name(v.dtype)}
    return {"t": "too_big", "type": name(type(v).__name__), "len": len(v) if type(v) in (list, tuple, dict) else None}


def may_fit(size: int, budget: Budget) -> bool:
    """Whether an array of `size` entries may fit `budget` encoded (at most 11 characters an entry, and its
    description): one that can't is described as too big without being encoded."""
    return 11 * size + DESCRIPTION_BYTES <= budget.bytes


def _array_fits(size: int, budget: Budget) -> bool:
    """Whether a plain array of `size` entries certainly fits `budget` encoded, without writing its JSON: its data
    takes data_chars(size) characters, everything else (type, shape of at most MAX_DIMS dimensions, dtype name)
    less than DESCRIPTION_BYTES, and it has at most MAX_DIMS + 5 tokens (base64 has no '{', '[' or ',')."""
    return data_chars(size) + DESCRIPTION_BYTES <= budget.bytes and MAX_DIMS + 5 <= budget.tokens


def _encode(v: Any, depth: int = 0) -> dict[str, Any]:
    """A learner value as plain data. Only exact container and number types are traversed: an object with a
    lying __eq__ or __array__ is described by its type name, never converted through its own methods."""
    t = type(v)
    if t is np.ndarray and v.dtype.kind in "biuf":  # the common case first
        return encode_array(v)
    if v is None:
        return {"t": "none"}
    if t is bool or isinstance(v, np.bool_):
        return {"t": "num", "v": float(bool(v))}
    if t in (int, float) or isinstance(v, (np.integer, np.floating)):
        return number(float(v))
    if isinstance(v, np.ndarray) and v.dtype.kind in "biuf":
        return encode_array(v.view(np.ndarray))
    if isinstance(v, np.ndarray):
        return {"t": "other", "type": name(f"ndarray of dtype {v.dtype}")}
    if depth >= MAX_DEPTH:
        return {"t": "other", "type": name(f"{t.__name__} nested more than {MAX_DEPTH} levels deep")}
    if t in (list, tuple, dict) and len(v) > MAX_ITEMS:
        return {"t": "too_big", "type": t.__name__, "len": len(v)}
    if t in (list, tuple):
        return {"t": t.__name__, "items": [_encode(x, depth + 1) for x in v]}
    if t is dict:
        return {"t": "dict", "items": [[dict_key(k), _encode(x, depth + 1)] for k, x in dict.items(v)]}
    return {"t": "other", "type": name(t.__name__)}


def number(f: float) -> dict[str, Any]:
    """A float as the channel carries it (JSON has no inf or NaN: those as their repr)."""
    return {"t": "num", "v": f if math.isfinite(f) else repr(f)}


def dict_key(k: Any) -> int | str:
    """A dict key as the channel carries it: an int of at most 15 digits, or a name."""
    if type(k) is int or isinstance(k, np.integer):
        return int(k) if abs(int(k)) < 10 ** 15 else name(k)
    return name(k) if type(k) is str else name(repr(type(k).__name__))


def dumps(msg: dict[str, Any]) -> bytes:
    return (json.dumps(msg, separators=(",", ":"), allow_nan=False) + "\n").encode()


# ---- reading the channel (grader side) ---------------------------------------------------------------------

class ChannelReader:
    """The grader's end of the channel: bytes in as they come, messages out. It takes in at most
    `bounds.total_bytes`, and keeps of them only the line in progress; a line longer than any honest message, or
    more than the total, ends the channel (`error`) before it is decoded, and what follows is drained unread.

    Each line is parsed as soon as it is complete, and each message handed to `on_message` in order (up to the
    first line that is not a grader message), so that the grader can judge while the child is still at work on its
    later probes: a single file's grading otherwise waits, idle, for the last of them."""

    def __init__(self, bounds: Bounds, on_message: Callable[[dict[str, Any]], None] | None = None):
        self.bounds = bounds
        self.error: str | None = None
        self.on_message = on_message
        self._size = 0  # bytes taken in
        self._tail = bytearray()  # the line in progress: what came after the last newline
        self._parsed: list[dict[str, Any]] = []
        self._bad = False  # a complete line was not a grader message: nothing after it counts

    def add(self, data: bytes) -> None:
        if self.error:
            return
        parts = data.split(b"\n")
        lengths = [len(self._tail) + len(parts[0])] + [len(p) for p in parts[1:]]
        if max(lengths) > self.bounds.line_bytes:
            self.error = f"the child sent a results line longer than any grader message ({self.bounds.line_bytes:,} bytes)"
        elif self._size + len(data) > self.bounds.total_bytes:
            self.error = f"the child sent more than the results channel allows ({self.bounds.total_bytes:,} bytes)"
        else:
            self._size += len(data)
            if len(parts) == 1:
                self._tail += data
                return
            self._tail += parts[0]
            complete, self._tail = [bytes(self._tail), *parts[1:-1]], bytearray(parts[-1])
            self._parse(complete)

    def _parse(self, lines: list[bytes]) -> None:
        for line in lines:
            if self._bad:
                return
            if not line:
                continue
            msg = _message(line, self.bounds.line_tokens)
            if msg is None:
                self._bad = True
                return
            self._parsed.append(msg)
            if self.on_message is not None:
                try:
                    self.on_message(msg)
                except Exception:  # the listener only gets ahead of the grader, which reads messages() anyway
                    self.on_message = None

    def messages(self) -> tuple[list[dict[str, Any]], str | None]:
        """The messages of every complete line, in order, up to the first that is not a grader message; and why
        the channel ended early (None when it did not)."""
        if self._bad:
            return list(self._parsed), "the results channel carried something that is not a grader message"
        return list(self._parsed), self.error


def _message(line: bytes, max_tokens: int) -> dict[str, Any] | None:
    """One line as a message, or None: more JSON items than any honest message, not JSON (nested too deep for
    the decoder, NaN, a number of 5,000 digits, ...) or not an object."""
    if line.count(b"{") + line.count(b"[") + line.count(b",") > max_tokens:
        return None
    try:
        msg = json.loads(line, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        return None
    return msg if isinstance(msg, dict) else None


def _no_constant(text: str) -> None:
    raise ValueError(f"{text} is not a number the child sends")


# ---- decoding (grader side) --------------------------------------------------------------------------------

def decode_array(d: Any) -> np.ndarray:
    """Rebuild an array from {"shape", "data"}, checking the declared size against the bytes before allocating.
    (Hundreds per submission: the checks are written out, not through all(), math.prod and math.ceil.)"""
    if type(d) is not dict or d.get("t") != "array":
        raise WireError("expected an encoded array")
    shape = d.get("shape")
    if type(shape) is not list or len(shape) > 8:
        raise WireError(f"bad array shape {str(shape)[:80]}")
    count = 1
    for n in shape:
        if type(n) is not int or not 0 <= n <= MAX_ELEMENTS:
            raise WireError(f"bad array shape {str(shape)[:80]}")
        count *= n
    data = d.get("data")
    if count > MAX_ELEMENTS or type(data) is not str or len(data) != data_chars(count):
        raise WireError("array data does not match its shape")
    try:
        raw = binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError):
        raise WireError("array data is not base64")
    a = np.frombuffer(raw, dtype=_F8).reshape(shape).copy()
    # float32/float16 values survive the trip through float64 exactly; keep the learner's dtype visible.
    dtype = d.get("dtype")
    return a.astype(dtype) if dtype == "float32" or dtype == "float16" else a


_F8 = np.dtype("<f8")


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
        if type(v) in (int, float) or v in ("inf", "-inf", "nan"):
            return float(v)
        raise WireError("malformed number")
    if t in ("list", "tuple"):
        items = [decode_value(x, depth + 1) for x in container_items(d)]
        return items if t == "list" else tuple(items)
    if t == "dict":
        out = {}
        for pair in container_items(d):
            if not (isinstance(pair, list) and len(pair) == 2 and is_key(pair[0])):
                raise WireError("malformed dict item")
            out[pair[0]] = decode_value(pair[1], depth + 1)
        return out
    if t == "missing":  # an attribute the learner's object does not have
        return Opaque("missing")
    if t in ("other", "too_big"):
        size = d.get("shape") or d.get("len")
        if not (_is_name(d.get("type", "array")) and _is_name(d.get("dtype", "")) and _is_size(size)):
            raise WireError("malformed description")
        return Opaque(d.get("type") or "array", size, d.get("dtype") or "")
    raise WireError(f"unknown value type {name(t)}")


def _is_name(v: Any) -> bool:
    return isinstance(v, str) and len(v) <= NAME_CAP


def is_key(k: Any) -> bool:
    return (type(k) is int and abs(k) < 10 ** 15) or _is_name(k)


def _is_size(v: Any) -> bool:
    return v is None or (type(v) is int and v >= 0) or (
        isinstance(v, list) and len(v) <= MAX_DIMS and all(type(n) is int and n >= 0 for n in v))


def container_items(d: dict) -> list:
    items = d.get("items")
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise WireError("malformed container")
    return items


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
