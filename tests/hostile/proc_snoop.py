"""Hostile: the reference implementation (prepended by the test) that looks for the grader's memory: every
process it can see under /proc (environ, cmdline, mem), ptrace and process_vm_readv on its parent and on PID 1.
Expected: full marks; every attempt refused (each successful read would print LEAK)."""
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
try:
    pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
except OSError as e:
    print(f"SNOOP /proc: {type(e).__name__}")
    pids = [1, os.getppid(), os.getpid() - 1]
for pid in pids:
    for what in ("environ", "cmdline", "mem", "maps"):
        try:
            with open(f"/proc/{pid}/{what}", "rb") as f:
                data = f.read(4096)
            if pid != os.getpid():
                print(f"LEAK /proc/{pid}/{what}: {data[:200]!r}")
        except OSError as e:
            print(f"SNOOP /proc/{pid}/{what}: {type(e).__name__}")
for pid in {1, os.getppid()} - {0}:
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        print(f"LEAK ptrace attached to {pid}")
    else:
        print(f"SNOOP ptrace {pid}: errno {ctypes.get_errno()}")
