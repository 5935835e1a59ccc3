"""Run stage, grader side: start the confined child, hand it the plan, collect what it reports.

The child is a fresh interpreter (never a fork of this process, which holds the reference). Learner output is
captured and capped, never parsed; results arrive on a pipe of our own as JSON lines (wire.py). Whatever the
child does (hangs, floods, dies), this returns a RunOutcome.
"""
from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

GRADER_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT_CAP = 64 * 1024
_BOOT = ("import sys; sys.path.insert(0, {root!r}); from grader.child import main; main()")


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 10.0
    memory_mb: int = 1024

    def to_plan(self) -> dict[str, Any]:
        return {"timeout_s": self.timeout_s, "memory_mb": self.memory_mb}


@dataclass
class Captured:
    """One learner output stream: the first OUTPUT_CAP bytes, and how many more were drained and dropped."""
    head: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, data: bytes) -> None:
        room = OUTPUT_CAP - len(self.head)
        self.head += data[:room]
        self.dropped += max(0, len(data) - room)

    def text(self) -> str:
        s = self.head.decode("utf-8", errors="replace")
        if self.dropped:
            s += f"\n[... output cut: {self.dropped:,} more bytes were not kept]"
        return s


@dataclass
class RunOutcome:
    messages: list[dict[str, Any]]
    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool
    channel_error: str | None
    duration_s: float


def child_env() -> dict[str, str]:
    """A minimal environment: nothing inherited (no tokens), one BLAS thread, deterministic hashing."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    # Set on some CPUs because older OpenBLAS builds crash without them; they carry no secret.
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


class Process(Protocol):
    """What the grader needs of a child process: subprocess.Popen, or a fork server's child (forkserver.py)."""
    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int | None: ...

    def send_signal(self, sig: int) -> None: ...


@dataclass
class Pipes:
    """One child's pipes. The child's ends go to the child (exec or SCM_RIGHTS) and are then closed here."""
    plan_r: int
    plan_w: int
    out_r: int
    out_w: int
    err_r: int
    err_w: int
    results_r: int
    results_w: int

    @classmethod
    def make(cls) -> Pipes:
        return cls(*os.pipe(), *os.pipe(), *os.pipe(), *os.pipe())

    def child_ends(self) -> list[int]:
        """In the order the child gets them: its stdin (the plan), stdout, stderr, the results channel."""
        return [self.plan_r, self.out_w, self.err_w, self.results_w]

    def close_child_ends(self) -> None:
        self.close("plan_r", "out_w", "err_w", "results_w")

    def close_grader_ends(self) -> None:
        self.close("plan_w", "out_r", "err_r", "results_r")

    def close(self, *names: str) -> None:
        # Each fd once: a number closed twice may by then belong to another thread's file.
        for name in names:
            fd = getattr(self, name)
            if fd >= 0:
                setattr(self, name, -1)
                os.close(fd)


def new_scratch() -> str:
    return tempfile.mkdtemp(prefix="grader-scratch-")


def run_child(plan: dict[str, Any], limits: Limits) -> RunOutcome:
    """Run `plan` (chunks + probes, inputs only) in a fresh confined interpreter within `limits`."""
    return FreshChild().run(plan, limits)


class FreshChild:
    """A fresh confined interpreter, started as soon as this is made: it boots (interpreter, namespaces, numpy)
    and then waits for its plan, so the grader can import and build the plan meanwhile (cli.py starts one before
    importing numpy). `run` once, or `close` it unused."""

    def __init__(self) -> None:
        self.start = time.monotonic()  # the time limit counts the child's start-up, as it always did
        self.scratch = new_scratch()
        self.pipes = Pipes.make()
        env = child_env() | {"HOME": self.scratch, "TMPDIR": self.scratch}
        p = self.pipes
        self.proc: subprocess.Popen | None = None
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-s", "-P", "-B", "-X", "utf8", "-c", _BOOT.format(root=GRADER_ROOT),
                 str(p.results_w)], stdin=p.plan_r, stdout=p.out_w, stderr=p.err_w, pass_fds=(p.results_w,),
                env=env, cwd=self.scratch, start_new_session=True)
        except BaseException:
            self.close()
            raise
        finally:
            p.close_child_ends()

    def run(self, plan: dict[str, Any], limits: Limits) -> RunOutcome:
        try:
            return supervise(self.proc, self.pipes, plan, limits, self.scratch, self.start)
        finally:
            self.close()

    def close(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None  # once: its pid may belong to someone else by now
        self.pipes.close_grader_ends()
        shutil.rmtree(self.scratch, ignore_errors=True)


def supervise(proc: Process, pipes: Pipes, plan: dict[str, Any], limits: Limits, scratch: str,
              start: float) -> RunOutcome:
    """Hand `plan` to a started child and collect what it reports, within `limits` counted from `start`; the child
    and everything it started is gone when this returns (the scratch dir is the caller's to remove)."""
    payload = json.dumps({**plan, "limits": limits.to_plan(), "grader_root": GRADER_ROOT,
                          "scratch": scratch}).encode()
    try:
        return _collect(proc, pipes, payload, limits, start)
    finally:
        _stop(proc)
        pipes.close_grader_ends()


def _collect(proc: Process, pipes: Pipes, payload: bytes, limits: Limits, start: float) -> RunOutcome:
    from grader import wire  # here, not at the top: cli.py starts a child before anything imports numpy

    deadline = start + limits.timeout_s
    out, err = Captured(), Captured()
    channel = bytearray()
    channel_error = None
    timed_out = False
    sel = selectors.DefaultSelector()
    for fd in (pipes.plan_w, pipes.out_r, pipes.err_r, pipes.results_r):
        os.set_blocking(fd, False)
    sel.register(pipes.out_r, selectors.EVENT_READ, out)
    sel.register(pipes.err_r, selectors.EVENT_READ, err)
    sel.register(pipes.results_r, selectors.EVENT_READ, channel)
    sel.register(pipes.plan_w, selectors.EVENT_WRITE, None)
    pending = memoryview(payload)
    exited_at = None
    while sel.get_map():
        now = time.monotonic()
        if proc.poll() is not None and exited_at is None:
            # The child is gone; anything still holding our pipes is a descendant it left behind.
            exited_at = now
            _kill_group(proc)
        if exited_at is not None and now > exited_at + 0.5:
            break
        if now >= deadline and exited_at is None:
            timed_out = True
            _stop(proc)
            continue
        for key, _ in sel.select(timeout=max(0.0, min(0.2, deadline - now))):
            if key.data is None:  # the plan, going to the child's stdin
                try:
                    pending = pending[os.write(key.fd, pending[:65536]):]
                except BlockingIOError:
                    continue
                except BrokenPipeError:  # the child died before reading its plan; its exit says why
                    pending = pending[:0]
                if not pending:
                    sel.unregister(key.fd)
                    pipes.close("plan_w")  # the child reads to EOF
                continue
            try:
                data = os.read(key.fd, 1 << 20)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(key.fd)
                continue
            if key.data is channel:
                if len(channel) + len(data) > wire.MAX_CHANNEL_BYTES:
                    channel_error = "the child sent more than the results channel allows"
                    sel.unregister(key.fd)
                    continue
                channel += data
            else:
                key.data.add(data)
    sel.close()
    messages, parse_error = _parse_channel(bytes(channel))
    proc.wait()
    return RunOutcome(messages=messages, stdout=out.text(), stderr=err.text(), returncode=proc.returncode,
                      timed_out=timed_out, channel_error=channel_error or parse_error,
                      duration_s=time.monotonic() - start)


def _parse_channel(data: bytes) -> tuple[list[dict[str, Any]], str | None]:
    messages = []
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            return messages, "the results channel carried something that is not a grader message"
        if not isinstance(msg, dict):
            return messages, "the results channel carried something that is not a grader message"
        messages.append(msg)
    return messages, None


def _stop(proc: Process) -> None:
    """End the child and everything it started. SIGTERM goes to the supervisor (it runs no learner code, and
    learner code runs at a lower priority): it kills the worker, PID 1 of the submission's PID namespace, and
    exits once the kernel has killed every process in there. Whatever is left after half a second (no
    namespaces, or no answer) gets SIGKILL."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
    _kill_group(proc)
    proc.wait()


def _kill_group(proc: Process) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
