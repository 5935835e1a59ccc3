"""Whom the confined child runs as, decided the same way on both sides (the grader makes the scratch dir theirs,
the child becomes them): the grader's own user, or, when the grader is root, an unprivileged user of the child's
own. The standard library only (the grader imports it before numpy).
"""
from __future__ import annotations

import os
import sys

SANDBOX_USER = (65534, 65534)  # nobody:nogroup, whom learner code runs as when the grader is root
SANDBOX_USER_VAR = "GRADER_SANDBOX_USER"  # "uid:gid", to choose another


def sandbox_user() -> tuple[int, int] | None:
    """Whom the learner's code runs as: None when it stays who the grader is (an ordinary user); when the grader
    is root (of its user namespace, the machine's or a container's), an unprivileged (uid, gid) of its own:
    $GRADER_SANDBOX_USER or nobody:nogroup, as long as both are mapped in this user namespace."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return None
    try:
        uid, gid = (int(n) for n in os.environ.get(SANDBOX_USER_VAR, "").split(":"))
    except ValueError:
        uid, gid = SANDBOX_USER
    if uid <= 0 or gid <= 0 or not (_mapped("/proc/self/uid_map", uid) and _mapped("/proc/self/gid_map", gid)):
        return None
    return uid, gid


def _mapped(path: str, n: int) -> bool:
    try:
        with open(path) as f:
            rows = [[int(v) for v in line.split()] for line in f if line.strip()]
    except (OSError, ValueError):
        return False
    return any(inside <= n < inside + count for inside, _, count in rows)


def real_root() -> bool:
    """Root of the initial user namespace (root inside a user namespace made by an ordinary user is not)."""
    if os.getuid() != 0:
        return False
    try:
        with open("/proc/self/uid_map") as f:
            return f.read().split() == ["0", "0", "4294967295"]
    except OSError:
        return True
