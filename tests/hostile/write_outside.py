"""Hostile: the reference implementation (prepended by the test) that also tries to write everywhere it can
think of, and writes a file in its own working directory (the scratch dir, which is allowed).
Expected: full marks; nothing written outside the scratch dir, which is gone afterwards."""
import os

TARGETS = {}  # filled in by tests/test_hostile.py

results = []
for folder in TARGETS["dirs"] + [os.path.expanduser("~"), os.getcwd()]:
    path = os.path.join(folder, "PWNED-write")
    try:
        with open(path, "w") as f:
            f.write("pwned")
        results.append(f"wrote {path}")
    except OSError as e:
        results.append(f"refused {path}: {type(e).__name__}")
print("\n".join(results))
