"""What a submission did, bit for bit, as one short digest per probe: the `behaviour` field of the result.

Two submissions with the same digests returned the same numbers, to the last bit, on every public probe: the
same outputs, the same parameters after every update, the same exceptions. course/similarity.py pairs wrong
submissions on that (`same_behaviour`). The digest is taken over the child's results as decoded (arrays as
their raw bytes with shape and dtype, never as printed), with an exception reduced to its type: its message and
traceback name the learner's own files and lines, which two copies needn't share.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from grader.judge.results import Op
from grader.run import memo
from grader.run.wire import Opaque

DIGEST_CHARS = 16  # 64 bits: a chance collision between two of a class's submissions is out of the question


def probe_digest(results: list[Op] | None) -> str:
    """The digest of one probe's results ("" when the child reported none): each op's status, its values to the
    last bit (an array as its dtype, shape and raw bytes; a float as its hex), and an error's type alone."""
    if results is None:
        return ""
    parts: list[bytes] = []
    for r in results:
        _feed(parts, [r.status, r.value, r.error.get("type", "")])
    return hashlib.sha256(b"".join(parts)).hexdigest()[:DIGEST_CHARS]


def _feed(parts: list[bytes], v: Any) -> None:
    """Append `v`'s bytes to `parts`, unambiguously: every item is tagged with its kind and, where variable, its
    length (hashed in one go: the same bytes as one update per item, at a fraction of the cost). The tags of the
    common items (an array's dtype and shape, a short str) are made once per process: thousands a submission."""
    if type(v) is str and len(v) <= 64:
        head = _TEXTS.get(v)
        parts.append(head if head is not None else memo.remember(_TEXTS, v, _tagged(v), _TAGS))
    elif isinstance(v, np.ndarray):
        if v.dtype != object:  # tobytes(): C order whatever the layout, nbytes long
            head = _HEADS.get((v.dtype, v.shape))
            if head is None:
                head = memo.remember(_HEADS, (v.dtype, v.shape), _array_tag(v, v.nbytes), _TAGS)
            parts += (head, v.tobytes())
        else:
            data = repr(v.tolist()).encode()
            parts += (_array_tag(v, len(data)), data)
    elif isinstance(v, dict):
        parts.append(f"d{len(v)}:".encode())
        for k in sorted(v, key=str):
            _feed(parts, str(k))
            _feed(parts, v[k])
    elif isinstance(v, (list, tuple)):
        parts.append(f"l{len(v)}:".encode())
        for item in v:
            _feed(parts, item)
    elif isinstance(v, (float, np.floating)):
        parts.append(f"f{float(v).hex()};".encode())
    elif isinstance(v, Opaque):
        _feed(parts, ["opaque", v.type_name, v.size, v.dtype])
    else:  # str, int, bool, None
        parts.append(_tagged(v))


def _tagged(v: Any) -> bytes:
    text = repr(v).encode()
    return f"{type(v).__name__}{len(text)}:".encode() + text


def _array_tag(v: np.ndarray, length: int) -> bytes:
    return f"a{v.dtype.str}{v.shape}{length}:".encode()


_HEADS: dict[tuple, bytes] = {}
_TEXTS: dict[str, bytes] = {}
_TAGS = 4096  # entries of each


def behaviour(probes: dict[str, list[Op]], names: list[str], known: dict[str, str] | None = None) -> dict[str, str]:
    """{probe name: digest} for the probes `names` (the public ones, in plan order); `known`: digests already made
    of some of them."""
    known = known or {}
    return {name: known[name] if name in known else probe_digest(probes.get(name)) for name in names}
