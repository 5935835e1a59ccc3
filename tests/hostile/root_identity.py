"""Hostile where the grader runs as root: the reference implementation (prepended by the test) that reports whom
it runs as and tries to become root again. Root's own files are open to any process running as root, with or
without capabilities, wherever Landlock is missing.
Expected: full marks; as root, the learner's code runs as an unprivileged user of its own (65534) with no
supplementary groups, and setuid(0) is refused; as anyone else, it runs as that user."""
import os

print(f"IDENTITY uid={os.getresuid()} gid={os.getresgid()} groups={os.getgroups()}")
try:
    os.setuid(0)
    print("IDENTITY setuid(0): allowed")
except OSError as e:
    print(f"IDENTITY setuid(0): refused ({type(e).__name__})")
