"""Run stage for batches: a warm fork server, holding nothing secret, that forks one confined child per submission.

Starting Python and importing numpy costs more than grading a submission, so a batch worker starts one server (a
fresh interpreter, by exec, with the children's minimal environment: never a fork of the grader) that imports
numpy and the child's modules once, then forks a child per submission. The forked child does what a fresh one
does (child.run: confine.early, numpy, the plan, confine.apply, probe), so the confinement and the "sandbox"
report are the same.

What the server may hold is what every child it forks inherits, so it holds no reference, no expected value, no
configuration, and no submission either: the plan (the learner's code among it) goes from the grader straight to
the child through a pipe the child reads after the fork; the server only passes pipes along.

The protocol, one JSON message per packet on a SOCK_SEQPACKET socketpair:
    server → grader   {"ready": pid, "threads": n} + fd [pidfd]        once, numpy imported (no fd where pidfds
                      are missing: a sub-server's grader is not its parent, and watches it through it)
    grader → server   {"run": 1}            + fds [plan, stdout, stderr, results]   the child's ends of its pipes
    server → grader   {"started": pid, "init": b} + fd [pidfd]          (no fd where pidfds are missing); b: the
                      child is PID 1 of a PID namespace the server made for it, with no supervisor
    server → grader   {"exited": pid, "returncode": rc, "peak_kib": k, "cpu_s": c}  rc as subprocess reports
                      it; k the peak resident memory of its children so far, c their CPU time so far
    grader → server   {"serve": 1}          + fd [socket]               fork a sub-server for that socket
When the grader's end closes, the server kills its children and exits; children die with their server.

A batch starts one server, the *zygote*, and each of its workers asks it for a sub-server of its own (`serve`):
a fork of the zygote, which serves that worker's socket as any server does (its first message is "ready"), so
that the class boots numpy once and its workers' servers are ready as soon as they ask. A sub-server holds what
the zygote holds, which is what any server holds; it dies with the zygote, and ends when its worker's end closes.
"""
from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Callable

from grader import ROOT
from grader.run import launch, sandbox
from grader.run.serving import SERVE

# The server imports run/serving.py and the child's modules only (not this module's subprocess and sandbox).
_BOOT = "import sys; sys.path.insert(0, {root!r}); from grader.run.serving import serve; serve()"
READY_TIMEOUT_S = 60.0   # a server's start-up (numpy), on a loaded machine
ANSWER_TIMEOUT_S = 10.0  # a fork


class ServerLost(Exception):
    """The server died or stopped answering (a child it was running died with it)."""


# ---- the grader's side ------------------------------------------------------------------------------------------

class ForkServer:
    """The grader's handle on one fork server, a runner (sandbox.Runner) for one plan at a time: each batch
    worker owns one. A server that dies is restarted and the submission run again; one that can't serve (it has
    threads) leaves its work to fresh children. `close` stops it."""

    def __init__(self, zygote: socket.socket | None = None) -> None:
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._ready = False
        # A batch's zygote (the module's docstring): this server is then a fork of it, asked for with `serve`, and
        # this process is not its parent; without one, or once it is gone, a fresh interpreter of its own.
        self._zygote = zygote
        self._pid: int | None = None
        self._pidfd: int | None = None  # the running server's, from its "ready" (none on kernels before 5.3)
        self.restarts = 0
        self.unusable: str | None = None  # why this falls back to fresh children
        self.child_peak_kib = 0  # the largest child's peak resident memory, as its server saw it
        self.children_cpu_s = 0.0  # CPU time of the running server's children that have ended, all told

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else self._pid

    def server_peak_kib(self) -> int:
        """The running server's own peak resident memory (0 when unknown)."""
        try:
            with open(f"/proc/{self.pid}/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        except (OSError, StopIteration, ValueError):
            return 0

    def start(self) -> None:
        """Start the server (if it isn't running); it gets ready in the background."""
        if self._sock is not None:
            return
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            if self._zygote is not None:
                try:
                    socket.send_fds(self._zygote, [SERVE], [theirs.fileno()])
                    self._sock, self._ready = ours, False
                    return
                except OSError:  # the zygote is gone: a server of our own from now on
                    self._zygote = None
            self._proc = subprocess.Popen(
                [sys.executable, "-s", "-P", "-B", "-X", "utf8", "-c", _BOOT.format(root=ROOT),
                 str(theirs.fileno())], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),), env=launch.child_env(), cwd="/", start_new_session=True)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._sock, self._ready = ours, False

    def begin(self, plan: dict[str, Any], limits: sandbox.Limits) -> sandbox.Run:
        return _ServerRun(self, plan, limits)

    def run(self, plan: dict[str, Any], limits: sandbox.Limits) -> sandbox.RunOutcome:
        return self.begin(plan, limits).outcome()

    def close(self) -> None:
        """Stop the server: it kills whatever it still runs, then exits."""
        if self._sock is not None:
            self._sock.close()
        if self._proc is not None:
            try:
                self._proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        elif self._pidfd is not None and not select.select([self._pidfd], [], [], 2.0)[0]:
            with contextlib.suppress(OSError):  # a sub-server: its zygote reaps it
                signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        if self._pidfd is not None:
            os.close(self._pidfd)
        self._proc, self._sock, self._ready, self._pid, self._pidfd = None, None, False, None, None

    def fileno(self) -> int:
        """The grader's end of the server's socket, which forked workers inherit (a zygote's)."""
        self.start()
        return self._sock.fileno()

    def _fork_child(self, plan: dict[str, Any], limits: sandbox.Limits) -> sandbox.ChildRun:
        """Have the server fork a child for `plan`, and hand the plan over. ServerLost if it can't."""
        self.start()
        if not self._ready:
            self._wait_ready()
        start = time.monotonic()
        pipes = sandbox.Pipes.make()
        try:
            try:
                socket.send_fds(self._sock, [b'{"run": 1}'], pipes.child_ends())
            except OSError:
                raise ServerLost
            finally:
                pipes.close_child_ends()
            msg, fds = self._answer(ANSWER_TIMEOUT_S)
            if not isinstance(msg.get("started"), int):
                raise ServerLost
        except BaseException:
            pipes.close_grader_ends()
            raise
        proc = ForkedChild(self, msg["started"], fds[0] if fds else None, init=msg.get("init") is True)
        return sandbox.ChildRun(proc, pipes, plan, limits, start, on_end=proc.close)

    def _wait_ready(self) -> None:
        msg, fds = self._answer(READY_TIMEOUT_S)
        for extra in fds[1:]:
            os.close(extra)
        self._pidfd = fds[0] if fds else None
        if not isinstance(msg.get("ready"), int):
            raise ServerLost
        self._pid = msg["ready"]
        if msg.get("threads") != 1:
            self.unusable = f"the fork server has {msg.get('threads')} threads after importing numpy"
            raise ServerLost
        self._ready = True

    def _answer(self, timeout: float) -> tuple[dict[str, Any], list[int]]:
        got = self._receive(timeout)
        if got is None:  # silent that long: as good as dead
            raise ServerLost
        return got

    def _receive(self, timeout: float | None) -> tuple[dict[str, Any], list[int]] | None:
        """The next message; None after `timeout` seconds of silence; ServerLost when the server is gone."""
        if not select.select([self._sock], [], [], timeout)[0]:
            return None
        try:
            data, fds, _, _ = socket.recv_fds(self._sock, 4096, 1)
        except OSError:
            raise ServerLost
        if not data:
            raise ServerLost
        return json.loads(data), fds


class _ServerRun:
    """A plan at work in a fork server's child. If the server dies meanwhile (and its child with it), the plan
    runs again in a restarted server; if that one dies too, or the server can't serve, in a fresh child."""

    def __init__(self, server: ForkServer, plan: dict[str, Any], limits: sandbox.Limits):
        self.server, self.plan, self.limits = server, plan, limits
        self.run = self._attempt()

    def _attempt(self) -> sandbox.ChildRun | None:
        if self.server.unusable:
            return None
        try:
            return self.server._fork_child(self.plan, self.limits)
        except ServerLost:
            self.server.restarts += 1
            self.server.close()
            return None

    def outcome(self, on_message: Callable[[dict[str, Any]], None] | None = None) -> sandbox.RunOutcome:
        for attempt in range(2):
            run, self.run = self.run or self._attempt(), None
            if run is None:
                continue
            outcome = run.outcome(on_message)  # a lost run's messages reach on_message too: see grade.Decoder
            if not run.proc.lost:
                return outcome
            self.server.restarts += 1
            self.server.close()
        return sandbox.run_child(self.plan, self.limits)


class ForkedChild:
    """A fork server's child as sandbox.ChildRun sees it (the parts of subprocess.Popen it uses). Signals go
    through a pidfd, so they can't reach another process that reused the pid; the exit status comes from the
    server, its parent. If the server dies, `lost` is set and the child counts as killed. `init`: the child is PID 1
    of its PID namespace itself, with no supervisor to pass SIGTERM on (an init gets no signal from outside that
    it set no handler for, and one it did set could ignore it), so a SIGTERM is sent as SIGKILL: what the
    supervisor would do with it."""

    def __init__(self, server: ForkServer, pid: int, pidfd: int | None, *, init: bool = False):
        self.server, self.pid, self.pidfd, self.init = server, pid, pidfd, init
        self.returncode: int | None = None
        self.lost = False

    def poll(self) -> int | None:
        if self.returncode is None:
            self._listen(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        end = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired(f"fork server child {self.pid}", timeout)
            self._listen(left)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is not None:
            return
        if self.init and sig == signal.SIGTERM:
            sig = signal.SIGKILL
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, sig)
            else:
                os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None

    def _listen(self, timeout: float | None) -> None:
        try:
            got = self.server._receive(timeout)
        except ServerLost:  # the child died with its server (PR_SET_PDEATHSIG); make sure of it
            self.send_signal(signal.SIGKILL)
            self.lost, self.returncode = True, -signal.SIGKILL
            return
        if got is None:
            return
        msg, fds = got
        for fd in fds:
            os.close(fd)
        if msg.get("exited") == self.pid and isinstance(msg.get("returncode"), int):
            self.returncode = msg["returncode"]
            self.server.child_peak_kib = max(self.server.child_peak_kib, int(msg.get("peak_kib", 0)))
            if isinstance(msg.get("cpu_s"), float):
                self.server.children_cpu_s = msg["cpu_s"]
