"""The child gives up its privileges before any learner code runs: every capability (the user namespace gave it
all of them inside, to mount /proc and the scratch dir), and, when the grader is root, root itself: it becomes
an unprivileged user of its own (identity.sandbox_user), with no supplementary groups, so that root's files are
not the learner's even where Landlock is missing. Linux; the standard library only.
"""
from __future__ import annotations

import ctypes
import errno
import os
import signal
from typing import Any

from grader.run import kernel


def drop(libc, report: dict[str, Any], user: tuple[int, int] | None) -> None:
    """Empty the capability bounding set (that needs CAP_SETPCAP, so first), clear the ambient set, become `user`
    when given (setgroups, setresgid, setresuid), then empty every capability set. Records what was done in the
    sandbox `report` ("capabilities", "user"), or what could not be in report["missing"]."""
    try:
        _drop_bounding_set(libc)
        try:
            kernel.call(libc.prctl, ctypes.c_int(kernel.PR_CAP_AMBIENT), ctypes.c_ulong(kernel.PR_CAP_AMBIENT_CLEAR_ALL),
                        ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))
        except OSError:
            pass
    except OSError as e:
        report["missing"].append(f"dropping capabilities ({e.strerror})")
        return
    if user is not None and not _become(libc, report, user):
        return
    try:
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
        data = (ctypes.c_uint32 * 6)()                 # effective, permitted, inheritable x 2, all empty
        kernel.call(libc.capset, header, data)
        report["capabilities"] = "none"
    except OSError as e:
        report["missing"].append(f"dropping capabilities ({e.strerror})")


def _drop_bounding_set(libc) -> None:
    for cap in range(64):
        try:
            kernel.prctl(libc, kernel.PR_CAPBSET_DROP, cap)
        except OSError as e:
            if e.errno == errno.EINVAL:  # past the last capability this kernel knows
                return
            raise


def _become(libc, report: dict[str, Any], user: tuple[int, int]) -> bool:
    """Become `user` for good (real, effective and saved ids). A change of credentials clears the parent-death
    signal, so it is set again (and a worker orphaned meanwhile stops), and may undo non-dumpable."""
    uid, gid = user
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as e:
        report["missing"].append(f"leaving root for the unprivileged user {uid}:{gid} ({e.strerror})")
        return False
    kernel.prctl(libc, kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # outside a PID namespace, the supervisor died before the line above
        os._exit(1)
    # A change of credentials may make the process dumpable again (fs.suid_dumpable), and so readable by any
    # process of this user: other children that run as it too, outside a PID namespace.
    kernel.prctl(libc, kernel.PR_SET_DUMPABLE, 0)
    report["user"] = f"{uid}:{gid}"
    return True
