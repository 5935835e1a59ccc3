"""Hostile: the reference implementation (prepended by the test) that prints its whole environment, and every
environment it can find under /proc, hoping for tokens. Expected: full marks; only the grader's minimal
environment shows, and the canary variable set in the grader's own environment appears nowhere."""
import os

for key, value in sorted(os.environ.items()):
    print(f"ENV {key}={value}")
for path in ("/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ"):
    try:
        with open(path, "rb") as f:
            print(f"PROC {path}: {f.read()!r}")
    except OSError as e:
        print(f"PROC {path}: {type(e).__name__}")
