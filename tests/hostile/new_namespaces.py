"""Hostile: the reference implementation (prepended by the test) that tries to create namespaces (a way out of
the sandbox's, and of its limits): unshare, and the raw clone and clone3 system calls with CLONE_NEWUSER and
CLONE_NEWNET. Expected: full marks; every attempt refused."""
import ctypes
import os
import platform

SIGCHLD, CLONE_NEWUSER, CLONE_NEWNET = 17, 0x10000000, 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NUMBERS = {"x86_64": {"clone": 56, "clone3": 435}, "aarch64": {"clone": 220, "clone3": 435}}.get(
    platform.machine(), {})


class CloneArgs(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in ("flags", "pidfd", "child_tid", "parent_tid", "exit_signal", "stack",
                                               "stack_size", "tls")]


def report(what, result):
    if result == 0 and what.startswith("clone"):
        os._exit(0)  # the new process: leave at once
    if result >= 0:
        if result > 0:
            os.waitpid(result, 0)
        print(f"NAMESPACE {what}: created")
    else:
        print(f"NAMESPACE {what}: refused (errno {ctypes.get_errno()})")


for name, flag in (("CLONE_NEWUSER", CLONE_NEWUSER), ("CLONE_NEWNET", CLONE_NEWNET)):
    report(f"unshare {name}", libc.unshare(ctypes.c_int(flag)))
    if "clone" in NUMBERS:
        report(f"clone {name}", libc.syscall(ctypes.c_long(NUMBERS["clone"]), ctypes.c_long(flag | SIGCHLD),
                                             ctypes.c_long(0), ctypes.c_long(0), ctypes.c_long(0), ctypes.c_long(0)))
        args = CloneArgs(flags=flag, exit_signal=SIGCHLD)
        report(f"clone3 {name}", libc.syscall(ctypes.c_long(NUMBERS["clone3"]), ctypes.byref(args),
                                              ctypes.c_size_t(ctypes.sizeof(args))))
