"""The seccomp filter's program (grader/run/seccomp.py), run here by a small BPF interpreter on the system calls a
learner might make: no new process, no new namespace, threads allowed, the rest denied with its errno. (The
hostile corpus, tests/hostile/spawn_processes.py and new_namespaces.py, tries the same through the real kernel.)"""
import errno

import pytest

from grader.run import seccomp

CLONE_THREAD_FLAGS = 0x3D0F00  # what glibc's pthread_create passes: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|...
SIGCHLD, CLONE_NEWUSER, CLONE_NEWNET = 17, 0x10000000, 0x40000000
ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
NUMBERS = {"x86_64": {"read": 0, "clone": 56, "fork": 57, "vfork": 58, "clone3": 435, "unshare": 272,
                      "socket": 41, "execve": 59},
           "aarch64": {"read": 63, "clone": 220, "clone3": 435, "unshare": 97, "socket": 198, "execve": 221}}


def run(prog, *, arch: int, nr: int, arg0: int = 0) -> int:
    """The verdict of `prog` on seccomp_data {nr, arch, args[0] = arg0}: the only instructions the filter uses."""
    data = {0: nr, 4: arch, 16: arg0 & 0xFFFFFFFF, 20: arg0 >> 32}
    a, pc = 0, 0
    while True:
        code, jt, jf, k = prog[pc]
        if code == 0x20:                      # ld [k]
            a = data[k]
        elif code == 0x06:                    # ret k
            return k
        else:
            taken = {0x15: a == k, 0x35: a >= k, 0x45: bool(a & k)}[code]
            pc += jt if taken else jf
        pc += 1


def verdict(machine: str, name: str, arg0: int = 0) -> str:
    k = run(seccomp.seccomp_program(machine), arch=ARCH[machine], nr=NUMBERS[machine][name], arg0=arg0)
    if k == 0x7FFF0000:
        return "allow"
    assert k & 0xFFFF0000 == 0x00050000, hex(k)
    return errno.errorcode[k & 0xFFFF]


@pytest.mark.parametrize("machine", sorted(ARCH))
def test_threads_are_allowed_and_processes_and_namespaces_are_not(machine):
    assert verdict(machine, "clone", CLONE_THREAD_FLAGS) == "allow"
    assert verdict(machine, "clone", SIGCHLD) == "EPERM"                           # fork() through glibc
    assert verdict(machine, "clone", 0x4111) == "EPERM"                            # vfork-style: VM|VFORK|SIGCHLD
    assert verdict(machine, "clone", CLONE_NEWUSER | SIGCHLD) == "EPERM"
    assert verdict(machine, "clone", CLONE_THREAD_FLAGS | CLONE_NEWNET) == "EPERM"  # a thread in a new namespace
    assert verdict(machine, "clone3") == "ENOSYS"                                   # glibc falls back to clone
    assert verdict(machine, "unshare", CLONE_NEWUSER) == "EPERM"
    assert verdict(machine, "socket") == "EACCES" and verdict(machine, "execve") == "EPERM"
    assert verdict(machine, "read") == "allow"
    if machine == "x86_64":
        assert verdict(machine, "fork") == "EPERM" and verdict(machine, "vfork") == "EPERM"


def test_another_architecture_is_killed():
    prog = seccomp.seccomp_program("x86_64")
    assert run(prog, arch=0x40000003, nr=0) == 0x80000000  # i386's entry point: SECCOMP_RET_KILL_PROCESS
