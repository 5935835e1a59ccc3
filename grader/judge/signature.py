"""What a submission did, bit for bit, as one short digest per probe: the `behaviour` field of the result.

Two submissions with the same digests returned the same numbers, to the last bit, on every public probe: the
same outputs, the same parameters after every update, the same exceptions. course/similarity.py pairs wrong
submissions on that (`same_behaviour`). The digest is taken over what the child sent, decoded (arrays as their raw
bytes with shape and dtype, never as printed text), with an exception reduced to its type: its message and traceback
name the learner's own files and lines, which two copies needn't share.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

DIGEST_CHARS = 16  # 64 bits: a chance collision between two of a class's submissions is out of the question


def probe_digest(results: list[Any] | None) -> str:
    """The digest of one probe's results ("" when it reported none): judge/results.Op as decoded from what the
    child sent (what grade.py passes), or the child's raw results as run/probe.py writes them."""
    if results is None:
        return ""
    h = hashlib.sha256()
    for r in results:
        if isinstance(r, dict):  # raw: {"ok": fields}, {"error": texts} or {"skipped": true}
            status, value, error = next(iter(r), ""), r, r.get("error")
            if isinstance(error, dict):
                value = None
        else:
            status, value, error = r.status, r.value, r.error
        _feed(h, status)
        _feed(h, value)
        _feed(h, error.get("type", "") if isinstance(error, dict) else None)
    return h.hexdigest()[:DIGEST_CHARS]


def _feed(h, v: Any) -> None:
    """`v` into the digest, each kind tagged so that no two different values feed the same bytes: an array as its
    dtype, shape and raw bytes (to the last bit; no text formatting of its numbers), containers item by item in
    the order the child sent them, anything else by its type and repr."""
    if isinstance(v, np.ndarray) and not v.dtype.hasobject:
        h.update(f"A{v.dtype.str}{v.shape}:".encode())
        h.update(np.ascontiguousarray(v).tobytes())
    elif isinstance(v, dict):
        h.update(b"{%d" % len(v))
        for k, x in v.items():
            _feed(h, k)
            _feed(h, x)
    elif isinstance(v, (list, tuple)):
        h.update(b"[%d" % len(v) if isinstance(v, list) else b"(%d" % len(v))
        for x in v:
            _feed(h, x)
    else:
        text = repr(v).encode("utf-8", "surrogatepass")
        h.update(b"%s%d:%s" % (type(v).__name__.encode(), len(text), text))


def behaviour(probes: dict[str, list[Any]], names: list[str]) -> dict[str, str]:
    """{probe name: digest} for the probes `names` (the public ones, in plan order)."""
    return {name: probe_digest(probes.get(name)) for name in names}
