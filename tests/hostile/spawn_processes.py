"""Hostile: the reference implementation (prepended by the test) that tries to start processes every way it can
(os.fork, the raw fork and clone system calls, subprocess, os.posix_spawn), each forked process holding 200 MB
until all have started: per-process memory limits would let them hold several times the limit together. It also
starts threads, which numpy and Python use and which share the one process's memory limit.
Expected: full marks; every process creation refused, the threads run."""
import ctypes
import os
import platform
import subprocess
import threading

SIGCHLD = 17
HOLD = 200 * 1024 * 1024
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NUMBERS = {"x86_64": {"fork": 57, "clone": 56}, "aarch64": {"clone": 220}}.get(platform.machine(), {})
ready_r, ready_w = os.pipe()
release_r, release_w = os.pipe()
started = []


def _hold():
    """In a new process: touch HOLD bytes, say so, keep them until released."""
    os.close(release_w)
    block = bytearray(HOLD)
    block[::4096] = b"x" * len(block[::4096])
    os.write(ready_w, b"1")
    os.read(release_r, 1)
    os._exit(0)


def attempt(what, start):
    try:
        pid = start()
    except OSError as e:
        print(f"SPAWN {what}: refused ({type(e).__name__}: {e.strerror})")
        return
    if pid == 0:
        _hold()
    if pid < 0:
        print(f"SPAWN {what}: refused (errno {ctypes.get_errno()})")
        return
    started.append(pid)
    print(f"SPAWN {what}: created (pid {pid})")


def raw(name, *args):
    return lambda: libc.syscall(ctypes.c_long(NUMBERS[name]), *[ctypes.c_long(a) for a in args])


for _ in range(2):
    attempt("os.fork", os.fork)
for name, args in (("fork", ()), ("clone", (SIGCHLD, 0, 0, 0, 0))):
    if name in NUMBERS:
        attempt(f"raw {name}", raw(name, *args))
held = sum(len(os.read(ready_r, 1)) for _ in started) * (HOLD >> 20)
os.close(release_w)
for pid in started:
    os.waitpid(pid, 0)
print(f"SPAWN {len(started)} processes held {held} MB together")
for what, run in (("subprocess", lambda: subprocess.run(["/bin/true"], check=False)),
                  ("posix_spawn", lambda: os.waitpid(os.posix_spawn("/bin/true", ["true"], {}), 0))):
    try:
        run()
        print(f"SPAWN {what}: created")
    except OSError as e:
        print(f"SPAWN {what}: refused ({type(e).__name__}: {e.strerror})")

results = []
threads = [threading.Thread(target=lambda: results.append(sum(range(100_000)))) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(f"THREADS ran {len(results)} of 4")
