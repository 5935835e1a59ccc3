"""Hostile: the reference implementation (prepended by the test) that looks in its own process (gc) for the
plan and the inputs of its hidden cases, and writes them wherever a learner might read them back: stdout,
stderr, a Python warning, the exception (with a note) of its first forward call, which is a public check, and an
exception at import after SimpleRNN is defined (a load warning).
Expected, graded with hidden cases (tests/test_hostile.py builds the course config and the class): no hidden
input in report.html, Gradescope's results.json or the JUnit XML, while result.json and instructor.html, the
instructor's view, keep what the learner's code wrote. Without hidden cases it finds none: full marks."""
import binascii
import gc
import struct
import sys
import warnings


def _first(encoded):
    raw = binascii.a2b_base64(encoded["data"])
    return struct.unpack("<d", raw[:8])[0]


found = []
for obj in gc.get_objects():
    if isinstance(obj, dict) and "probes" in obj and "chunks" in obj:
        for probe in obj["probes"]:
            if not probe["name"].startswith("hidden/"):
                continue
            for op in probe["ops"]:
                if op["op"] == "set":
                    found.append(f"{probe['name']} W_xh[0]={_first(op['params']['W_xh'])!r}")
                elif "x" in op:
                    found.append(f"{probe['name']} x[0]={_first(op['x'])!r} data={op['x']['data'][:24]}")
LEAK = "; ".join(sorted(set(found)))
print("HIDDEN", LEAK or "none found")
if LEAK:
    print("LEAK", LEAK, file=sys.stderr)
    warnings.warn("LEAK " + LEAK)

_forward = SimpleRNN.forward  # noqa: F821 (the reference, prepended by the test)
_calls = []


def _leaky_forward(self, x):
    _calls.append(1)
    if LEAK and len(_calls) == 1:
        e = ValueError("LEAK " + LEAK)
        e.add_note("LEAK " + LEAK)
        raise e
    return _forward(self, x)


SimpleRNN.forward = _leaky_forward  # noqa: F821
if LEAK:
    raise RuntimeError("LEAK " + LEAK)
