"""`python -m grader FILE --watch` (`make watch`): grade FILE now, then again each time it is saved, and print after
each run only a compact summary (report/changes.py): what changed since the last graded run, the first thing to
fix, the score.

No dependency and any editor: the file's inode, size, mtime and ctime are polled a few times a second, and a
change is acted on once two polls agree (a save written in pieces is graded once). Each grading runs in a thread
with a runner of its own, a fresh confined child (the first run's is the one `python -m grader` started before
anything else, run/launch.py). A save during a grading ends the one in flight: its child is killed, so that its
run returns at once, and what it would have said is dropped. A file that disappears or can't be read is said
so, and the watch goes on. Ctrl-C (or SIGTERM, SIGHUP) ends the grading in flight the same way, and the watch,
with exit status 0.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any, Callable, TextIO

from grader import grade
from grader.report import changes, contract
from grader.report.tty import visible
from grader.result import GradeResult
from grader.run.sandbox import FreshChild

POLL_S = 0.25
STOPPED = "  stopped: the file was saved again before this run ended"
FAREWELL = "Stopped watching."
EXIT_STOPPED = 0  # Ctrl-C is how a watch ends: not an error


def stamp(path: str) -> tuple[int, int, int, int] | str:
    """What changes when the file is saved (inode, size, mtime, ctime in ns), or why it can't be seen."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "not found (deleted, or renamed?); it is graded again once it is back"
    except OSError as e:
        return f"can't be looked at ({e.strerror}); it is graded again once it can"
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


class _Abandonable:
    """A runner for one grading that the watch can end from its own thread: `begin` notes the run it starts,
    `abandon` kills that run's child (or the one `begin` starts after it), so that the run's collection sees the
    child gone and returns; ChildRun then removes what is left (its process group, its scratch dir)."""

    def __init__(self, runner: Any):
        self._runner, self._lock, self._run, self._abandoned = runner, threading.Lock(), None, False

    def begin(self, plan: dict[str, Any], limits: Any) -> Any:
        run = self._runner.begin(plan, limits)
        with self._lock:
            self._run, abandoned = run, self._abandoned
        if abandoned:
            _kill(run)
        return run

    def abandon(self) -> None:
        with self._lock:
            self._abandoned, run = True, self._run
        if run is not None:
            _kill(run)


def _kill(run: Any) -> None:
    proc = getattr(run, "proc", None)  # run/sandbox.ChildRun
    if proc is not None:
        try:
            proc.send_signal(signal.SIGKILL)  # Popen's checks that the child was not reaped already
        except OSError:
            pass


class _Grading:
    """One grading of the file, in a thread of its own; `result` once the thread has ended (None if abandoned)."""

    def __init__(self, number: int, path: str, config: grade.GradeConfig, runner: Any):
        self.result = None
        self._runner, self._own = _Abandonable(runner), runner
        self._stopped = False
        self.thread = threading.Thread(target=self._grade, args=(path, config), name=f"grading {number}",
                                       daemon=True)
        self.thread.start()

    def _grade(self, path: str, config: grade.GradeConfig) -> None:
        try:
            result = grade.grade_path(path, config, runner=self._runner)
        finally:
            self._own.close()  # a child that was never used (the file could not be read) goes too
        if not self._stopped:
            self.result = result

    def stop(self) -> None:
        self._stopped = True
        self._runner.abandon()
        self.thread.join()


def run(path: str, config: grade.GradeConfig, runner: FreshChild,
        after_each: Callable[[GradeResult], int | None], *, out: TextIO, colour: bool = False) -> int:
    """Watch `path` until Ctrl-C, SIGTERM or SIGHUP (then EXIT_STOPPED) or until `after_each` (called with every
    result, to write the reports) returns an exit status. `runner` grades the first run; each later run gets a
    fresh child. Call from the main thread: it takes over those signals, so that they end the watch between two
    steps of the loop, never in the middle of one (where a child just started could be left behind)."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: stop.set())
    name = visible(os.path.basename(path), one_line=True)
    say = _printer(out)
    say(f"Watching {name}: graded now and each time it is saved; Ctrl-C to stop.")
    previous: dict[str, Any] | None = None
    seen = last = stamp(path)
    number = 1
    grading: _Grading | None = _start(number, path, config, runner, say, name)
    while not stop.wait(POLL_S):
        if grading is not None and not grading.thread.is_alive():
            result, grading = grading.result, None
            code = after_each(result)  # the reports first: once the summary shows, they are there
            if code is not None:
                return code
            d = contract.to_dict(result)
            say(changes.watch_summary(previous, d, colour=colour), end="")
            if d["status"] != "error":
                previous = d
        now = stamp(path)
        if now != seen and now == last:  # changed, and the same at two polls in a row
            seen = now
            if grading is not None:
                grading.stop()
                grading = None
                say(STOPPED)
            if isinstance(now, str):
                say(f"  {name}: {now}")
            else:
                number += 1
                grading = _start(number, path, config, FreshChild(), say, name)
        last = now
    if grading is not None:
        grading.stop()
    say("\n" + FAREWELL)
    return EXIT_STOPPED


def _start(number: int, path: str, config: grade.GradeConfig, runner: Any, say, name: str) -> _Grading:
    say(f"[{time.strftime('%H:%M:%S')}] run {number}: grading {name} ...")
    return _Grading(number, path, config, runner)


def _printer(out: TextIO) -> Callable[..., None]:
    def say(text: str, end: str = "\n") -> None:
        try:
            out.write(text + end)
            out.flush()
        except (OSError, ValueError):  # a closed terminal or pipe must not stop a grading in flight
            pass
    return say
