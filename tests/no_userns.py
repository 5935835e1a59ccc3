"""Run a command where namespaces can't be created, the way Docker's default seccomp profile leaves a container:
`python tests/no_userns.py COMMAND ARGS...` installs a seccomp filter that refuses unshare(2) and clone(2) with
any CLONE_NEW* flag (EPERM) and clone3(2) (ENOSYS, so that glibc falls back to clone, whose flags a filter can
see), then execs COMMAND. The filter is inherited by every descendant; nothing else on the machine changes.
Linux x86-64 and aarch64. Independent of grader/run/seccomp.py on purpose: it stands for the machine."""
import ctypes
import errno
import os
import platform
import sys

# machine → (AUDIT_ARCH_*, seccomp, unshare, clone, clone3)
ARCHES = {"x86_64": (0xC000003E, 317, 272, 56, 435), "aarch64": (0xC00000B7, 277, 97, 220, 435)}
CLONE_NEW = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06
ALLOW, ERRNO = 0x7FFF0000, 0x00050000


class Filter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]


def program(machine: str) -> list[tuple[int, int, int, int]]:
    arch, _, unshare, clone, clone3 = ARCHES[machine]
    return [(LD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, ALLOW),   # another architecture: not our concern
            (LD, 0, 0, 0),
            (JEQ, 0, 1, unshare), (RET, 0, 0, ERRNO | errno.EPERM),
            (JEQ, 0, 1, clone3), (RET, 0, 0, ERRNO | errno.ENOSYS),
            (JEQ, 0, 3, clone), (LD, 0, 0, 16),                       # clone's flags (the low half)
            (JSET, 0, 1, CLONE_NEW), (RET, 0, 0, ERRNO | errno.EPERM),
            (RET, 0, 0, ALLOW)]


def main(argv: list[str]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    prog = program(platform.machine())
    filters = (Filter * len(prog))(*(Filter(*ins) for ins in prog))
    fprog = Program(len(prog), filters)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        sys.exit(f"no_userns: prctl: {os.strerror(ctypes.get_errno())}")
    if libc.syscall(ctypes.c_long(ARCHES[platform.machine()][1]), ctypes.c_uint(1), ctypes.c_uint(0),
                    ctypes.byref(fprog)) != 0:
        sys.exit(f"no_userns: seccomp: {os.strerror(ctypes.get_errno())}")
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
