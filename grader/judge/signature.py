"""What a submission did, bit for bit, as one short digest per probe: the `behaviour` field of the result.

Two submissions with the same digests returned the same numbers, to the last bit, on every public probe: the
same outputs, the same parameters after every update, the same exceptions. course/similarity.py pairs wrong
submissions on that (`same_behaviour`). The digest is taken over what the child sent, as it sent it (arrays as
their raw float64 bytes with shape and dtype), with an exception reduced to its type: its message and traceback
name the learner's own files and lines, which two copies needn't share.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

DIGEST_CHARS = 16  # 64 bits: a chance collision between two of a class's submissions is out of the question


def probe_digest(results: list[Any] | None) -> str:
    """The digest of one probe's results as the child reported them ("" when it reported none)."""
    if results is None:
        return ""
    kept = [{"error": {"type": r["error"].get("type", "")}} if isinstance(r, dict) and isinstance(r.get("error"), dict)
            else r for r in results]
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), allow_nan=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST_CHARS]


def behaviour(probes: dict[str, list[Any]], names: list[str]) -> dict[str, str]:
    """{probe name: digest} for the probes `names` (the public ones, in plan order)."""
    return {name: probe_digest(probes.get(name)) for name in names}
