"""Run stage, grader side: start the confined child, hand it the plan, collect what it reports.

The child is a fresh interpreter (never a fork of this process, which holds the reference): started here, or
ahead of time by launch.py, or forked by a fork server that holds nothing secret (forkserver.py). Learner output
is captured and capped, never parsed; results arrive on a pipe of our own as JSON lines (wire.py). Whatever the
child does (hangs, floods, dies), this returns a RunOutcome.

A runner is two steps, so that the grader can work while the child does: `begin(plan, limits)` hands the plan
over (it fits in the pipe) and returns a Run; `Run.outcome()` collects, within the limits, and ends the child.
"""
from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from grader import ROOT
from grader.run import identity, launch, memo, scratch
from grader.run.launch import child_env  # noqa: F401  (part of this module's interface)

OUTPUT_CAP = 64 * 1024
# The time limit is CPU time, the submission's own (a busy machine or a neighbour in a batch can't make it run
# out); a child that uses none (it sleeps, or waits) is stopped by the wall clock at this many times the limit.
WALL_FACTOR = 3


@dataclass(frozen=True)
class Limits:
    """What one child may use: CPU seconds, and memory."""
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
    """How one child's run ended: its messages, its output, and why it stopped."""
    messages: list[dict[str, Any]]
    stdout: str
    stderr: str
    returncode: int | None
    timed_out: bool
    channel_error: str | None
    duration_s: float
    limit_hit: str = ""           # when timed_out: "cpu" (the time limit), "backstop" (the wall clock at
                                  # WALL_FACTOR times it), "wall" (the limit as wall-clock time: no CPU time here)
    cpu_s: float | None = None    # CPU time the child used, as last measured (None where it can't be)
    scratch_left: str | None = None  # a warning: the scratch dir could not be removed (scratch.remove)


class Process(Protocol):
    """What the grader needs of a child process: subprocess.Popen, or a fork server's child (forkserver.py)."""
    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int | None: ...

    def send_signal(self, sig: int) -> None: ...


class Run(Protocol):
    def outcome(self, on_message: Callable[[dict[str, Any]], None] | None = None) -> RunOutcome: ...


class Runner(Protocol):
    def begin(self, plan: dict[str, Any], limits: Limits) -> Run: ...


@dataclass
class Pipes:
    """One child's pipes, both ends, -1 once closed. The child's ends go to the child (exec or SCM_RIGHTS), and
    are then closed here."""
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
        return cls(*launch.pipe(wide=True), *launch.pipe(), *launch.pipe(), *launch.pipe(wide=True))

    def child_ends(self) -> list[int]:
        """In the order the child gets them: its stdin (the plan), stdout, stderr, the results channel."""
        return [self.plan_r, self.out_w, self.err_w, self.results_w]

    def close_child_ends(self) -> None:
        self.close("plan_r", "out_w", "err_w", "results_w")

    def close_grader_ends(self) -> None:
        self.close("plan_w", "out_r", "err_r", "results_r")

    def send_plan(self, data: bytes) -> memoryview:
        """Write what the plan pipe takes now (all of a plan: it is widened), closing it once all is written (the
        child reads to EOF). Returns what is left for later."""
        os.set_blocking(self.plan_w, False)
        try:
            rest = memoryview(data)[os.write(self.plan_w, data):]
        except BlockingIOError:
            return memoryview(data)
        except BrokenPipeError:  # the child died; its exit says why
            rest = memoryview(b"")
        if not rest:
            self.close("plan_w")
        return rest

    def close(self, *names: str) -> None:
        # Each fd once: a number closed twice may by then belong to another thread's file.
        for name in names:
            fd = getattr(self, name)
            if fd >= 0:
                setattr(self, name, -1)
                os.close(fd)


def new_scratch() -> str:
    return scratch.make(identity.sandbox_user())


class Fresh:
    """The default runner: a fresh confined interpreter for every plan."""

    def begin(self, plan: dict[str, Any], limits: Limits) -> ChildRun:
        return FreshChild().begin(plan, limits)


FRESH = Fresh()


def run_child(plan: dict[str, Any], limits: Limits) -> RunOutcome:
    """Run `plan` (chunks + probes, inputs only) in a fresh confined interpreter within `limits`."""
    return FRESH.begin(plan, limits).outcome()


class FreshChild:
    """One fresh confined interpreter, a runner for one plan: started now (or given, started ahead of time by
    launch.py), it boots and then waits for its plan. `begin`, or `close` it unused; a `begin` after the first
    run starts another fresh interpreter (the hidden cases run in one of their own).

    `hand_over` gives it a plan early, a prediction (cli.py makes one from the disk cache before numpy is loaded
    here, so that the child need not wait for the grader). `begin` then checks the real plan against it, byte for
    byte: a wrong prediction is discarded with its child, and a new child gets the real plan."""

    def __init__(self, launched: launch.Launched | None = None) -> None:
        self._adopt(launched or launch.start())

    def _adopt(self, l: launch.Launched) -> None:
        self.proc: subprocess.Popen | None = l.proc
        self.start = l.started
        self.pipes = Pipes(-1, l.plan_w, l.out_r, -1, l.err_r, -1, l.results_r, -1)
        self.handed: tuple[bytes, str, memoryview] | None = None  # payload, scratch dir, what is left to write

    def hand_over(self, plan: dict[str, Any], limits: Limits) -> None:
        scratch = new_scratch()
        data = payload(plan, limits, scratch)
        self.handed = data, scratch, self.pipes.send_plan(data)

    def begin(self, plan: dict[str, Any], limits: Limits) -> ChildRun:
        if self.proc is None:  # its child has run a plan already (the public cases): a new one for this plan
            self._adopt(launch.start())
        if self.handed is not None:
            data, scratch, pending = self.handed
            if payload(plan, limits, scratch) == data:
                self.handed = None
                return ChildRun(self.proc, self.pipes, plan, limits, self.start, on_end=self.close,
                                handed=(scratch, pending))
            self.close()  # a wrong prediction: this child is at work on the wrong plan
            self._adopt(launch.start())
        return ChildRun(self.proc, self.pipes, plan, limits, self.start, on_end=self.close)

    def close(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None  # once: its pid may belong to someone else by now
        self.pipes.close_grader_ends()
        if self.handed is not None:
            scratch.remove(self.handed[1])  # a child discarded unused: nothing of the learner's ran there
            self.handed = None


def child_plan(source: Any, probes: list[dict[str, Any]], require_isolation: bool) -> dict[str, Any]:
    """What the child gets for a submission.Source: its code, the probes (inputs only), the isolation flag."""
    return {"kind": source.kind, "chunks": [{"label": c.label, "code": c.code} for c in source.chunks],
            "probes": probes, "require_isolation": require_isolation}


def payload(plan: dict[str, Any], limits: Limits, scratch: str) -> bytes:
    """The bytes on the child's stdin: its plan, its limits, where the grader is (kept unreadable), its scratch.
    The JSON of json.dumps(plan with those), its probes' text written once per process (memo.py)."""
    rest = json.dumps({**{k: v for k, v in plan.items() if k != "probes"}, "limits": limits.to_plan(),
                       "grader_root": ROOT, "scratch": scratch})
    if "probes" not in plan:
        return rest.encode()
    probes = plan["probes"]
    text = "[" + ", ".join(map(_probe_json, probes)) + "]" if type(probes) is list else json.dumps(probes)
    return (rest[:-1] + ', "probes": ' + text + "}").encode()


@memo.per_probe
def _probe_json(probe: dict[str, Any]) -> str:
    return json.dumps(probe)


class ChildRun:
    """A started child at work on its plan. Made by a runner's `begin`, which hands the plan over at once (as much
    as the pipe holds; the rest follows as the child reads), unless `handed` says it was already: (scratch dir,
    what is left to write). `outcome()` collects what it reports within `limits` counted from `start`; when it
    returns, the child and everything it started are gone, its scratch dir too."""

    def __init__(self, proc: Process, pipes: Pipes, plan: dict[str, Any], limits: Limits, start: float, *,
                 on_end: Callable[[], None] = lambda: None, handed: tuple[str, memoryview] | None = None):
        self.proc, self.pipes, self.limits, self.start, self.on_end = proc, pipes, limits, start, on_end
        self.probes = plan["probes"]
        if handed is None:
            self.scratch = new_scratch()
            self.pending = pipes.send_plan(payload(plan, limits, self.scratch))
        else:
            self.scratch, self.pending = handed

    def outcome(self, on_message: Callable[[dict[str, Any]], None] | None = None) -> RunOutcome:
        """`on_message` is handed each message of the results channel as it arrives (wire.ChannelReader)."""
        try:
            outcome = _collect(self.proc, self.pipes, self.pending, self.limits, self.start, self.probes, on_message)
        finally:
            _stop(self.proc)
            self.pipes.close_grader_ends()
            left = scratch.remove(self.scratch)
            self.on_end()
        outcome.scratch_left = left
        return outcome


def _collect(proc: Process, pipes: Pipes, pending: memoryview, limits: Limits, start: float,
             probes: list[dict[str, Any]], on_message: Callable[[dict[str, Any]], None] | None = None) -> RunOutcome:
    from grader.run import wire  # here, not at the top: launch.py starts a child before anything imports numpy

    cpu_s = cpu_seconds(proc.pid)
    # Where CPU time can't be read, the time limit is wall-clock time, as it always was.
    deadline = start + limits.timeout_s * (WALL_FACTOR if cpu_s is not None else 1)
    limit_hit, measured = "", 0.0
    out, err = Captured(), Captured()
    channel = wire.ChannelReader(wire.channel_bounds(probes), on_message)
    timed_out = False
    sel = selectors.DefaultSelector()
    for fd in (pipes.out_r, pipes.err_r, pipes.results_r):
        os.set_blocking(fd, False)
    sel.register(pipes.out_r, selectors.EVENT_READ, out)
    sel.register(pipes.err_r, selectors.EVENT_READ, err)
    sel.register(pipes.results_r, selectors.EVENT_READ, channel)
    if pending:
        sel.register(pipes.plan_w, selectors.EVENT_WRITE, None)
    else:
        pipes.close("plan_w")  # the child reads to EOF
    exited_at = None
    while sel.get_map():
        now = time.monotonic()
        if proc.poll() is not None and exited_at is None:
            # The child is gone; anything still holding our pipes is a descendant it left behind.
            exited_at = now
            _kill_group(proc)
        if exited_at is not None and now > exited_at + 0.5:
            break
        if exited_at is None and cpu_s is not None and now >= measured + 0.05:  # not on every read
            cpu_s, measured = cpu_seconds(proc.pid) or cpu_s, now
        if exited_at is None and (now >= deadline or (cpu_s or 0.0) >= limits.timeout_s):
            timed_out = True
            limit_hit = "wall" if cpu_s is None else "cpu" if cpu_s >= limits.timeout_s else "backstop"
            _stop(proc)
            continue
        for key, _ in sel.select(timeout=max(0.0, min(0.2, deadline - now))):
            if key.data is None:  # the rest of the plan, going to the child's stdin
                try:
                    pending = pending[os.write(key.fd, pending[:65536]):]
                except BlockingIOError:
                    continue
                except BrokenPipeError:  # the child died before reading its plan; its exit says why
                    pending = pending[:0]
                if not pending:
                    sel.unregister(key.fd)
                    pipes.close("plan_w")
                continue
            try:
                data = os.read(key.fd, 1 << 20)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(key.fd)
                continue
            key.data.add(data)
    sel.close()
    messages, channel_error = channel.messages()
    proc.wait()
    return RunOutcome(messages=messages, stdout=out.text(), stderr=err.text(), returncode=proc.returncode,
                      timed_out=timed_out, channel_error=channel_error,
                      duration_s=time.monotonic() - start, limit_hit=limit_hit, cpu_s=cpu_s)


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user and system, every thread) used so far by process `pid` and its descendants, those still
    running and those it has waited for: a child's supervisor and the worker that runs the learner's code.
    None where /proc can't tell (not Linux, or the process is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as f:
            children = [int(c) for c in f.read().split()]
    except (OSError, IndexError, ValueError):
        return None
    # utime, stime, cutime, cstime: fields 14-17 of stat(5), counted from the state after the command name
    own = sum(int(v) for v in fields[11:15]) / _CLOCK_TICKS
    return own + sum(cpu_seconds(c) or 0.0 for c in children)


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


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
