"""Thin ctypes wrappers for the Linux calls the confinement makes (prctl, syscall, libc functions that set errno).
Imported by the child before any learner code runs: the standard library only."""
from __future__ import annotations

import ctypes
import os
import sys

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_CHILD_SUBREAPER = 1, 4, 38, 36
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4


def libc() -> ctypes.CDLL | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def call(fn, *args) -> None:
    """Call a libc function that returns -1 on error, raising OSError with errno on failure."""
    if fn(*args) == -1:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def prctl(libc, option: int, arg: int = 0) -> None:
    call(libc.prctl, ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
          ctypes.c_ulong(0))


def syscall(libc, nr: int, *args) -> int:
    """A raw system call by number; OSError with errno when it fails."""
    libc.syscall.restype = ctypes.c_long
    result = libc.syscall(ctypes.c_long(nr), *args)
    if result < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return result
