"""Hostile: the reference implementation (prepended by the test) plus a detached daemon (double fork + setsid)
that waits for grading to finish, then tries to overwrite the result file and leave a mark.
Expected: full marks, the result file intact, no mark, no process left."""
import os
import time

TARGETS = {}  # filled in by tests/test_hostile.py

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in range(3):
            os.close(fd)
        deadline = time.time() + 30
        while time.time() < deadline:
            time.sleep(0.2)
            for path in [TARGETS["result"]] + [os.path.join(d, "PWNED-daemon") for d in TARGETS["dirs"]]:
                try:
                    with open(path, "w") as f:
                        f.write('{"schema_version": 1, "status": "graded", "score": 100, "max_score": 100}')
                except OSError:
                    pass
    os._exit(0)
