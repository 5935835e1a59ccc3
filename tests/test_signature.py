"""judge/signature.py: behaviour digests over the decoded results grade.py hands it (judge/results.Op)."""
from __future__ import annotations

import numpy as np

from grader.judge import signature
from grader.judge.results import Op


def test_op_digests_see_the_last_bit_and_ignore_exception_texts():
    one = np.array([[1.0, 2.0]])
    ulp = np.array([[1.0, np.nextafter(2.0, 3.0)]])
    assert signature.probe_digest([Op("ok", value={"outputs": [one]})]) == \
        signature.probe_digest([Op("ok", value={"outputs": [one.copy()]})])
    # printed to 8 digits the two are the same text; their bytes are not
    assert repr(one) == repr(ulp)
    assert signature.probe_digest([Op("ok", value={"outputs": [one]})]) != \
        signature.probe_digest([Op("ok", value={"outputs": [ulp]})])
    assert signature.probe_digest([Op("ok", value={"outputs": [one]})]) != \
        signature.probe_digest([Op("ok", value={"outputs": [one.reshape(2, 1)]})])  # same bytes, another shape
    e1 = Op("error", error={"type": "ValueError", "message": "in alice.py line 3", "traceback": "..."})
    e2 = Op("error", error={"type": "ValueError", "message": "in bob.py line 9", "traceback": "---"})
    assert signature.probe_digest([e1]) == signature.probe_digest([e2])
    assert signature.probe_digest([e1]) != signature.probe_digest([Op("error", error={"type": "KeyError"})])
    assert signature.probe_digest([Op("skipped")]) != signature.probe_digest([Op("missing")])
    assert signature.probe_digest(None) == ""


def _spelled_out(parts: list[bytes], v) -> None:
    """The digest's bytes as the module's docstring defines them, one kind at a time (no memo, no fast path)."""
    if isinstance(v, np.ndarray):
        data = v.tobytes() if v.dtype != object else repr(v.tolist()).encode()
        parts += [f"a{v.dtype.str}{v.shape}{len(data)}:".encode(), data]
    elif isinstance(v, dict):
        parts.append(f"d{len(v)}:".encode())
        for k in sorted(v, key=str):
            _spelled_out(parts, str(k))
            _spelled_out(parts, v[k])
    elif isinstance(v, (list, tuple)):
        parts.append(f"l{len(v)}:".encode())
        for item in v:
            _spelled_out(parts, item)
    elif isinstance(v, (float, np.floating)):
        parts.append(f"f{float(v).hex()};".encode())
    elif isinstance(v, signature.Opaque):
        _spelled_out(parts, ["opaque", v.type_name, v.size, v.dtype])
    else:
        text = repr(v).encode()
        parts += [f"{type(v).__name__}{len(text)}:".encode(), text]


class _Name(str):
    pass


def test_the_digest_bytes_are_those_its_definition_gives():
    a = np.arange(6.0).reshape(2, 3)
    values = [a, a.T, a.astype(np.float32), np.array([1, "x"], dtype=object), np.zeros((0, 3)), a[:, 1],
              {"W_xh": a, 3: None, "b": [True, 2, 2.5, np.float32(0.1)]}, ("t", "x" * 65, _Name("n"), -0.0),
              signature.Opaque("ndarray", [2, 3], "float64"), {"params": {"W_xh": a}, "viewed": []}]
    for _ in range(2):  # the second time from the memo of tags
        for v in values:
            mine, spelled = [], []
            signature._feed(mine, v)
            _spelled_out(spelled, v)
            assert b"".join(mine) == b"".join(spelled), v
