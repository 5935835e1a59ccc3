"""Starting a fresh child with next to nothing imported: `python -m grader FILE` starts the child that will run
FILE first thing (grader/__main__.py), so that the child's start-up (an interpreter, numpy, namespaces) overlaps the
grader's own. The child boots, then waits on stdin for its plan, which run/sandbox.py hands it later.

Only os, sys, time and fcntl here (and the import-free grader/__init__.py; run/files.py, which needs only os, errno
and stat, for the command line only): everything this module imports delays the child. The child is started by
os.posix_spawn, not subprocess, whose import (signal, enum, threading, selectors: some 20 ms) would come first.
"""
from __future__ import annotations

import fcntl
import os
import sys
import time

from grader import ROOT
from grader.run import numerics

# posix_spawn has no cwd: the child moves to "/" itself, first thing (-P keeps the cwd off its sys.path).
BOOT = "import os, sys; os.chdir('/'); sys.path.insert(0, {root!r}); from grader.run.child import main; main()"
SIGKILL = 9  # signal.SIGKILL, without importing signal (its enums)
# Plan and results pipes hold this much, so that neither side waits for the other to read: the plan is handed
# over at once, and the grader can do other work while the child reports (fcntl F_SETPIPE_SZ; Linux only).
PIPE_BYTES = 1 << 20


def child_env() -> dict[str, str]:
    """A minimal environment: nothing inherited (no tokens), one BLAS thread, deterministic hashing. The child adds
    HOME and TMPDIR (its scratch dir) when its plan arrives."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    # Set on some CPUs because older OpenBLAS builds crash without them, or to pin numpy's and OpenBLAS's code paths
    # (numerics.py); they carry no secret. The last one chooses whom learner code runs as when the grader is root
    # (run/identity.py).
    for name in ("OPENBLAS_L2_SIZE", *numerics.VARIABLES, "GRADER_SANDBOX_USER"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def pipe(*, wide: bool = False) -> tuple[int, int]:
    r, w = os.pipe()
    if wide and hasattr(fcntl, "F_SETPIPE_SZ"):
        try:
            fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:  # over the user's pipe-buffer allowance: a normal pipe still works
            pass
    return r, w


class Launched:
    """A fresh child that has started: the process, the grader's ends of its pipes (the plan goes to its stdin;
    its stdout, stderr and results channel come back), and when it started (its time limit counts its start-up,
    as it always did)."""

    def __init__(self, proc, plan_w: int, out_r: int, err_r: int, results_r: int, started: float):
        self.proc, self.plan_w, self.out_r, self.err_r, self.results_r = proc, plan_w, out_r, err_r, results_r
        self.started = started

    def discard(self) -> None:
        """Not needed after all: kill it (its worker, if it has one yet, dies with it) and close the pipes."""
        try:
            os.killpg(self.proc.pid, SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        for fd in (self.plan_w, self.out_r, self.err_r, self.results_r):
            os.close(fd)


class Spawned:
    """A child started by os.posix_spawn: what the grader needs of a subprocess.Popen (sandbox.Process)."""

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._reap(os.WNOHANG)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if timeout is None:
            while self.returncode is None:
                self._reap(0)
            return self.returncode
        end, delay = time.monotonic() + timeout, 0.0005
        while self.poll() is None:  # as subprocess waits with a timeout on POSIX: polls, ever less often
            left = end - time.monotonic()
            if left <= 0:
                import subprocess

                raise subprocess.TimeoutExpired(f"child {self.pid}", timeout)
            time.sleep(min(delay, left))
            delay = min(2 * delay, 0.05)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:  # never signal a pid that has been reaped: it may be someone else's by now
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def _reap(self, flags: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped elsewhere: its status is lost (subprocess says 0 then too)
            self.returncode = 0
            return
        except InterruptedError:
            return
        if pid == self.pid:
            self.returncode = os.waitstatus_to_exitcode(status)


def _spawn(argv: list[str], fds: tuple[int, int, int], keep: int, env: dict[str, str]):
    """Start argv with `fds` as its stdin, stdout and stderr, `keep` as the one other fd, in a session of its own.
    os.posix_spawn (vfork and exec) where it can set the session; subprocess.Popen elsewhere."""
    if hasattr(os, "posix_spawn") and sys.platform == "linux":
        # Our own fds are close-on-exec (os.pipe), but one we inherited may not be (make's jobserver, say).
        actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(fds)]
        actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inheritable_fds() if fd > 2 and fd != keep]
        os.set_inheritable(keep, True)
        return Spawned(os.posix_spawn(argv[0], argv, env, file_actions=actions, setsid=True))
    import subprocess

    return subprocess.Popen(argv, stdin=fds[0], stdout=fds[1], stderr=fds[2], pass_fds=(keep,), env=env, cwd="/",
                            start_new_session=True)


def _inheritable_fds() -> list[int]:
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    found = []
    for name in names:
        try:
            if os.get_inheritable(int(name)):
                found.append(int(name))
        except (OSError, ValueError):  # the listing's own fd, closed by now
            pass
    return found


def start() -> Launched:
    """Start a fresh child (python -c BOOT RESULTS_FD) in a session of its own, cwd "/", minimal environment."""
    started = time.monotonic()
    (plan_r, plan_w), (out_r, out_w), (err_r, err_w), (results_r, results_w) = (
        pipe(wide=True), pipe(), pipe(), pipe(wide=True))
    try:
        proc = _spawn([sys.executable, "-s", "-P", "-B", "-X", "utf8", "-c", BOOT.format(root=ROOT), str(results_w)],
                      (plan_r, out_w, err_w), results_w, child_env())
    except BaseException:
        for fd in (plan_w, out_r, err_r, results_r):
            os.close(fd)
        raise
    finally:
        for fd in (plan_r, out_w, err_w, results_w):
            os.close(fd)
    return Launched(proc, plan_w, out_r, err_r, results_r, started)


def for_command_line(argv: list[str]) -> Launched | None:
    """`python -m grader FILE ...`: start FILE's child now. None for anything else (a class folder or .zip, a
    subcommand, an option first, and anything but a regular file: a link, a FIFO or a device is never followed or
    opened here, and read_submission reports what it is); cli.py then starts what it needs once it has parsed the
    arguments."""
    if not argv or argv[0].startswith("-") or argv[0] in ("merge", "gradescope"):
        return None
    from grader.run import files  # here: the fork server imports this module and needs nothing more

    path = argv[0]
    if path.lower().endswith(".zip") or not files.is_regular(path):
        return None
    return start()
