"""The seccomp filter of a confined child: the system calls it never needs (sockets, ptrace and process memory,
exec, new processes, namespaces and mounts, io_uring, bpf...) fail with an errno; a call from another
architecture's entry point kills the process. x86-64 and aarch64; elsewhere it is reported missing.

Processes: the kata needs none, and every limit of the child (memory above all) is per process, so no new one may
start. Threads may (numpy's BLAS and Python's threading use them; they share the one process's limits): clone(2)
is allowed only with CLONE_THREAD and without any CLONE_NEW* flag. clone3(2) passes its flags in memory, where a
filter can't read them, so it fails with ENOSYS, and glibc falls back to clone(2) for threads.
"""
from __future__ import annotations

import ctypes
import errno
import platform
from typing import Any

from grader.run import kernel

# Denied system calls: name → (number on x86_64, number on aarch64, the errno it returns).
DENIED = {
    # no network, not even unix sockets
    "socket": (41, 198, errno.EACCES), "socketpair": (53, 199, errno.EACCES),
    # no reading or writing other processes
    "ptrace": (101, 117, errno.EPERM), "process_vm_readv": (310, 270, errno.EPERM),
    "process_vm_writev": (311, 271, errno.EPERM), "pidfd_getfd": (438, 438, errno.EPERM),
    "kcmp": (312, 272, errno.EPERM),
    # no other programs
    "execve": (59, 221, errno.EPERM), "execveat": (322, 281, errno.EPERM),
    # no new processes (aarch64 has neither fork nor vfork: -1 never matches); clone is filtered on its flags
    "fork": (57, -1, errno.EPERM), "vfork": (58, -1, errno.EPERM), "clone3": (435, 435, errno.ENOSYS),
    # no way out of the namespaces and no mounts (Landlock forbids mounts too)
    "unshare": (272, 97, errno.EPERM), "setns": (308, 268, errno.EPERM), "mount": (165, 40, errno.EPERM),
    "umount2": (166, 39, errno.EPERM), "pivot_root": (155, 41, errno.EPERM), "chroot": (161, 51, errno.EPERM),
    "open_tree": (428, 428, errno.EPERM), "move_mount": (429, 429, errno.EPERM), "fsopen": (430, 430, errno.EPERM),
    "fsconfig": (431, 431, errno.EPERM), "fsmount": (432, 432, errno.EPERM), "fspick": (433, 433, errno.EPERM),
    "mount_setattr": (442, 442, errno.EPERM),
    # io_uring performs socket and file operations without these system calls
    "io_uring_setup": (425, 425, errno.EPERM), "io_uring_enter": (426, 426, errno.EPERM),
    "io_uring_register": (427, 427, errno.EPERM),
    # kernel attack surface a numpy program never needs
    "bpf": (321, 280, errno.EPERM), "perf_event_open": (298, 241, errno.EPERM),
    "userfaultfd": (323, 282, errno.EPERM), "keyctl": (250, 219, errno.EPERM), "add_key": (248, 217, errno.EPERM),
    "request_key": (249, 218, errno.EPERM), "open_by_handle_at": (304, 265, errno.EPERM),
    "name_to_handle_at": (303, 264, errno.EPERM),
}
# clone(2), allowed only for a thread: CLONE_THREAD set, no CLONE_NEW* (mount, cgroup, uts, ipc, user, pid, net).
CLONE = {"x86_64": 56, "aarch64": 220}
CLONE_THREAD = 0x00010000
CLONE_NEW = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
# machine → (AUDIT_ARCH_*, seccomp's own number, column in DENIED)
_ARCHES = {"x86_64": (0xC000003E, 317, 0), "aarch64": (0xC00000B7, 277, 1)}
_LD_ABS_W, _JEQ_K, _JGE_K, _JSET_K, _RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
_ARG0 = 16  # offset of seccomp_data.args[0]; its low half (little-endian) holds every clone flag
_RET_ALLOW, _RET_ERRNO, _RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
_X32_BIT = 0x40000000


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def seccomp_program(machine: str) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k) instructions: wrong architecture → kill; x32 calls → EPERM; clone → EPERM
    unless it makes a thread and no namespace; each denied call → its errno; everything else allowed."""
    arch, _, column = _ARCHES[machine]
    prog = [(_LD_ABS_W, 0, 0, 4),                 # seccomp_data.arch
            (_JEQ_K, 1, 0, arch),
            (_RET_K, 0, 0, _RET_KILL_PROCESS),    # a 32-bit entry point would bypass the numbers below
            (_LD_ABS_W, 0, 0, 0)]                 # seccomp_data.nr
    if machine == "x86_64":
        prog += [(_JGE_K, 0, 1, _X32_BIT), (_RET_K, 0, 0, _RET_ERRNO | errno.EPERM)]
    for numbers in DENIED.values():
        if numbers[column] >= 0:
            prog += [(_JEQ_K, 0, 1, numbers[column]), (_RET_K, 0, 0, _RET_ERRNO | numbers[2])]
    prog += [(_JEQ_K, 0, 4, CLONE[machine]),    # not clone: allowed
             (_LD_ABS_W, 0, 0, _ARG0),
             (_JSET_K, 1, 0, CLONE_NEW),         # a new namespace: denied
             (_JSET_K, 1, 0, CLONE_THREAD),      # a thread: allowed
             (_RET_K, 0, 0, _RET_ERRNO | errno.EPERM),
             (_RET_K, 0, 0, _RET_ALLOW)]
    return prog


def install(libc, report: dict[str, Any]) -> None:
    machine = platform.machine()
    if machine not in _ARCHES:
        report["missing"].append(f"seccomp filter (no syscall table for {machine})")
        return
    prog = seccomp_program(machine)
    filters = (_SockFilter * len(prog))(*(_SockFilter(*ins) for ins in prog))
    fprog = _SockFprog(len(prog), filters)
    try:
        # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC): every thread, not just this one.
        kernel.syscall(libc, _ARCHES[machine][1], ctypes.c_uint(1), ctypes.c_uint(1), ctypes.byref(fprog))
    except OSError as e:
        report["missing"].append(f"seccomp filter ({e.strerror})")
        return
    column = _ARCHES[machine][2]
    report["seccomp"] = sorted([n for n, numbers in DENIED.items() if numbers[column] >= 0]
                               + ["clone (but for a thread)"])
