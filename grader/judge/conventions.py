"""Turn what the learner returned into the reference's layout, and name the convention that was used.

Every accepted convention maps to the same (T, O) array of outputs and (H, 1)/(O, 1) biases; anything else
becomes a learner-facing problem that says what came back and what was expected.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.run.wire import Opaque

OUTPUT_SHAPES = {"(T, O, 1)": lambda t, o: (t, o, 1), "(T, O)": lambda t, o: (t, o), "(T, 1, O)": lambda t, o: (t, 1, o)}
STEP_SHAPES = {"(O, 1)": lambda o: (o, 1), "(O,)": lambda o: (o,), "(1, O)": lambda o: (1, o)}
# Conventions that exist only where O = 1 (or T = 1): named even when wider outputs showed another convention.
SQUEEZED = "an array with its size-1 axes squeezed out ((T,) when O = 1)"
FLOATS = "a list of Python floats (when O = 1)"
ONE_WIDE = (SQUEEZED, FLOATS)


@dataclass(frozen=True)
class Outputs:
    """A learner's forward outputs read in the reference's layout, the convention they came in, or the problem."""
    array: np.ndarray | None  # (T, O), or None when the value could not be read as outputs
    convention: str | None
    problem: str | None


def describe(value: Any, depth: int = 0) -> str:
    """What a value is, in a few words: "an array of shape (5, 1)", "a list of 5 Python floats"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {tuple(value.shape)}"
    if isinstance(value, Opaque):
        return value.describe()
    if isinstance(value, float):
        return "a Python float"
    if isinstance(value, (list, tuple, dict)):
        items = list(value.values()) if isinstance(value, dict) else list(value)
        return f"a {type(value).__name__} of {len(items)}{_contents(items, depth)}"
    return f"a {type(value).__name__}"


def _contents(items: list, depth: int) -> str:
    """ "Python floats", "arrays of shape (1, 4)", "lists of 3 Python floats", or "items (3 arrays, 2 None)"."""
    if not items:
        return " items"
    kinds = {}
    for item in items:
        if isinstance(item, np.ndarray):
            kind = f"arrays of shape {tuple(item.shape)}"
        elif isinstance(item, float):
            kind = "Python floats"
        elif isinstance(item, (list, tuple)) and depth == 0:
            kind = f"{type(item).__name__}s of {len(item)}{_contents(list(item), 1)}"
        else:
            kind = describe(item, 1).removeprefix("a ").removeprefix("an ")
        kinds[kind] = kinds.get(kind, 0) + 1
    if len(kinds) == 1:
        return " " + next(iter(kinds))
    return " items (" + ", ".join(f"{n} × {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1])) + ")"


def read_outputs(value: Any, *, t: int, o: int, h: int) -> Outputs:
    """`value`: a decoded forward() return. t, o, h: steps, outputs, hidden units of this call."""
    expected = f"the outputs of all {t} steps, e.g. an array of shape {(t, o, 1)}"
    if value is None:
        return Outputs(None, None, f"forward returned None (did you forget `return`?); expected {expected}")
    found = _as_outputs(value, t, o)
    if found:
        return _finite(*found)
    if isinstance(value, (tuple, list)) and len(value) == 2 and t != 2:
        for first, second, name in ((0, 1, "(outputs, hidden states)"), (1, 0, "(hidden states, outputs)")):
            found = _as_outputs(value[first], t, o)
            if found and _looks_like_states(value[second], t, h):
                return _finite(found[0], f"a pair {name} whose outputs are {found[1]}")
        found = _as_outputs(value[0], t, o)
        if found and isinstance(value[1], dict):
            return _finite(found[0], f"a pair (outputs, cache dict) whose outputs are {found[1]}")
    hint = ""
    wide = broadcast_step_shape(value, t, o, h)
    if wide:
        hint = (f": each step's output is {wide}, not ({o}, 1), so the hidden state has become an (H, H) matrix "
                f"(a vector of shape (H,) plus one of shape (H, 1) broadcasts to ({h}, {h}))")
    elif _looks_like_states(value, t, h):
        hint = f" (that looks like the hidden states, H = {h}, rather than the outputs)"
    return Outputs(None, None, f"forward returned {describe(value)}{hint}; expected {expected}")


def read_all_outputs(values: list[Any], *, t: int, o: int, h: int) -> np.ndarray | None:
    """Every value's outputs at once, an (E, T, O) array, when the values share one layout (the same containers,
    keys, and array shapes and dtypes, as every epoch of one learner's training has): what read_outputs finds in
    each, without reading each. None when they don't, or when one can't be read: read them one by one then.
    read_outputs decides by layout alone, so it is asked once, of a value of that layout whose every number is its
    own position among the value's numbers; the (T, O) positions it returns then pick each value's outputs."""
    if not values:
        return None
    leaves: list[list] = [[] for _ in values]  # each value's arrays and floats, in _numbered's order
    layout = _layout(values[0], leaves[0])
    if layout is None or any(_layout(v, mine) != layout for v, mine in zip(values[1:], leaves[1:])):
        return None
    bounds = [0]  # where each leaf's numbers begin, and where the last one's end
    positions = read_outputs(_numbered(values[0], bounds), t=t, o=o, h=h).array
    if positions is None:
        return None
    positions = positions.astype(np.intp)
    # Only the leaves that hold outputs are gathered (not a pair's hidden states), side by side.
    leaf_of = np.searchsorted(bounds, positions, side="right") - 1
    picked = sorted({int(i) for i in leaf_of.ravel()})
    shift, gathered = np.zeros(len(bounds), dtype=np.intp), 0
    for i in picked:
        shift[i], gathered = gathered - bounds[i], gathered + bounds[i + 1] - bounds[i]
    rows = [np.concatenate([np.asarray(mine[i], dtype=float).reshape(-1) for i in picked]) for mine in leaves]
    return np.array(rows)[:, positions + shift[leaf_of]]


def _layout(value: Any, leaves: list) -> Any:
    """A value's shape as read_outputs sees it, hashable (None for one with something else inside, an Opaque);
    its arrays and floats are added to `leaves`. Decoded values (wire.decode_value) have exact types."""
    t = type(value)
    if t is np.ndarray:
        leaves.append(value)
        return value.shape, value.dtype.str
    if t is float:
        leaves.append(value)
        return "f"
    if t is list or t is tuple:
        inner = tuple([_layout(v, leaves) for v in value])
        return None if None in inner else (t, inner)
    if t is dict:
        inner = tuple([(k, _layout(v, leaves)) for k, v in value.items()])
        return None if any(lay is None for _, lay in inner) else (t, inner)
    return None


def _numbered(value: Any, bounds: list[int]) -> Any:
    """`value` with every number replaced by its position (as a float64) among the value's numbers; each leaf
    adds where its numbers end to `bounds`."""
    if isinstance(value, np.ndarray):
        start = bounds[-1]
        bounds.append(start + value.size)
        return np.arange(start, start + value.size, dtype=float).reshape(value.shape)
    if isinstance(value, float):
        bounds.append(bounds[-1] + 1)
        return float(bounds[-2])
    if isinstance(value, (list, tuple)):
        return type(value)(_numbered(v, bounds) for v in value)
    return {k: _numbered(v, bounds) for k, v in value.items()}


def broadcast_step_shape(value: Any, t: int, o: int, h: int) -> tuple[int, int] | None:
    """The shape of each step's output when it is (O, H) or (H, O): the hidden state became an (H, H) matrix by
    broadcasting (H,) against (H, 1). None otherwise (also when O = H or H = 1, where it can't be told, and for
    (H, 1), the shape of a hidden state)."""
    if o == h or h == 1:
        return None
    if isinstance(value, np.ndarray):
        shapes = {tuple(value.shape[1:])} if value.ndim == 3 and len(value) == t else set()
    else:
        steps = _steps(value, t)
        shapes = {tuple(s.shape) for s in steps if isinstance(s, np.ndarray)} if steps else set()
        if steps and len(shapes) == 1 and not all(isinstance(s, np.ndarray) for s in steps):
            shapes = set()
    wide = {(o, h), (h, o)} if o > 1 else {(o, h)}  # (H, 1) is what the hidden states look like
    return next(iter(shapes)) if len(shapes) == 1 and shapes <= wide else None


def _as_outputs(value: Any, t: int, o: int) -> tuple[np.ndarray, str] | None:
    nested = _numbers(value) if isinstance(value, (list, tuple, float)) else None
    if nested is not None:
        found = _as_array(nested, t, o)
        if found:
            name = found[1].removeprefix("an array of shape ")
            if found[1] == SQUEEZED and nested.ndim <= 1:
                return found[0], FLOATS
            return found[0], f"nested Python lists {name.replace(', ', ' × ')}"
        return None
    if isinstance(value, np.ndarray):
        return _as_array(value, t, o)
    steps = _steps(value, t)
    if steps is None or not all(isinstance(s, np.ndarray) for s in steps):
        return None
    for name, shape in STEP_SHAPES.items():
        if all(s.shape == shape(o) for s in steps):
            kind = "dict keyed by t" if isinstance(value, dict) else f"{type(value).__name__}"
            return np.stack([s.reshape(o) for s in steps]), f"a {kind} of {name} arrays"
    return None


def _as_array(value: np.ndarray, t: int, o: int) -> tuple[np.ndarray, str] | None:
    for name, shape in OUTPUT_SHAPES.items():
        if value.shape == shape(t, o):
            return value.reshape(t, o), f"an array of shape {name}"
    if value.shape == tuple(n for n in (t, o) if n != 1):  # np.squeeze of (T, O, 1): (T,) when O = 1
        return value.reshape(t, o), SQUEEZED
    return None


def _numbers(value: Any, depth: int = 0) -> np.ndarray | None:
    """Nested lists (or tuples) of Python floats as an array, when they are rectangular; else None."""
    if isinstance(value, float):
        return np.array(value)
    if not isinstance(value, (list, tuple)) or not value or depth > 3:
        return None
    items = [_numbers(v, depth + 1) for v in value]
    if any(i is None for i in items) or len({i.shape for i in items}) != 1:
        return None
    return np.stack(items)


def _steps(value: Any, t: int) -> list | None:
    """The per-step items of a list/tuple of length t, or of a dict keyed by 0..t-1 or 1..t (extra h0 keys ok)."""
    if isinstance(value, (list, tuple)):
        return list(value) if len(value) == t else None
    if isinstance(value, dict):
        keys = [k for k in value if isinstance(k, int)]
        for start in (0, 1):
            if all(k in value for k in range(start, start + t)) and len(keys) <= t + 1:
                return [value[k] for k in range(start, start + t)]
    return None


def _looks_like_states(value: Any, t: int, h: int) -> bool:
    if isinstance(value, np.ndarray):
        return value.size in (t * h, (t + 1) * h)
    if isinstance(value, dict):
        items = list(value.values())
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return False
    return len(items) in (t, t + 1) and all(isinstance(s, np.ndarray) and s.size == h for s in items)


def _finite(array: np.ndarray, convention: str) -> Outputs:
    bad = ~np.isfinite(array)
    if bad.any():
        step, out = (int(i) for i in np.argwhere(bad)[0])
        what = "NaN" if np.isnan(array[step, out]) else "inf"
        return Outputs(None, convention, f"forward's outputs contain {what} (first at step {step}, output {out}); "
                                         "look for an overflow, e.g. a hand-written tanh or exploding weights")
    return Outputs(array.astype(float), convention, None)


def read_param(value: Any, shape: tuple[int, int], name: str, when: str) -> tuple[np.ndarray | None, str | None]:
    """A parameter in the reference's shape. Biases may be held as (n,) or (1, n)."""
    if not isinstance(value, np.ndarray):
        what = "missing" if isinstance(value, Opaque) and value.type_name == "missing" else describe(value)
        return None, f"{when}, {name} is {what}, not a numpy array of shape {shape}"
    if value.shape != shape and not (shape[1] == 1 and value.shape in ((shape[0],), (1, shape[0]))):
        return None, f"{when}, {name} has shape {tuple(value.shape)}; expected {shape}"
    if not np.isfinite(value).all():  # the method: np.all's wrapper costs more than the test, thousands of times
        return None, f"{when}, {name} contains NaN or inf"
    return value.reshape(shape).astype(float), None


def bias_convention(params: dict[str, Any]) -> str | None:
    flat = [n for n in ("b_h", "b_y") if isinstance(params.get(n), np.ndarray) and params[n].ndim == 1]
    return f"{' and '.join(flat)} kept as flat vectors (n,)" if flat else None


def dtype_convention(params: dict[str, Any]) -> str | None:
    kinds = sorted({str(v.dtype) for v in params.values() if isinstance(v, np.ndarray)} - {"float64"})
    return f"parameters in {', '.join(kinds)}" if kinds else None
