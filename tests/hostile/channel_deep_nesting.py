"""Hostile: writes a results-channel line nested 100,000 levels deep (a decoder that recurses raises
RecursionError), then the reference implementation (prepended by the test) loads as usual.
Expected: crashed (a forged channel), never internal (which would blame the grader)."""
import os
import stat

for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, b"[" * 100_000 + b"]" * 100_000 + b"\n")
            break
    except OSError:
        continue
