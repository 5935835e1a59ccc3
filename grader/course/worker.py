"""A batch pool worker's own state, set once when the worker starts (`init`): its fork server and the settings
every submission it grades shares, so that neither is sent again with each task.

This module imports no numpy and nothing of the grading stages at the top: a worker may be a fresh interpreter
(spawn; batch.pool_start_method), and `init` starts the fork server first thing, so that the server boots while
the worker imports the grader and unpacks the settings, and the first submission waits for neither in turn.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import sys
from multiprocessing import util
from typing import Any, Iterator

import grader
from grader.run import forkserver


class _Worker:
    """This process's fork server (None: fresh children) and settings (None outside a pool worker)."""
    server: forkserver.ForkServer | None = None
    config: Any = None


def pack(config: Any, reference_results: dict[str, list]) -> bytes:
    """The settings and the reference's results, pickled once in the parent for every worker of a pool."""
    return pickle.dumps((config, reference_results), protocol=pickle.HIGHEST_PROTOCOL)


def init(packed: bytes | str, fork_server: bool, zygote: int | None = None) -> None:
    """In each pool worker: start its fork server (a sub-server of the batch's `zygote`, the fd of its socket that
    this worker inherited, when there is one), then take the settings and the reference's results (`pack`'s
    bytes, or the path of a file holding them) instead of computing them again. A path keeps the pool's start
    from being serialized: the parent writes each worker's start-up data into a pipe, and blocks until that
    worker's interpreter is up to read it when the data is larger than the pipe."""
    # Ctrl-C is the parent's to handle: workers finish the submission in hand, so its result is saved.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if fork_server:
        _Worker.server = forkserver.ForkServer(socket.socket(fileno=zygote) if zygote is not None else None)
        _Worker.server.start()
        # The server and its children end with the worker. multiprocessing runs its finalizers as a worker ends,
        # however it started (a forked worker ends with os._exit: atexit hooks would not run).
        util.Finalize(None, _Worker.server.close, exitpriority=10)
    from grader.judge import reference

    if isinstance(packed, str):
        try:
            with open(packed, "rb") as f:
                packed = f.read()
        except FileNotFoundError:  # the batch ended (and removed it) before this worker got going: no task comes
            return
    config, reference_results = pickle.loads(packed)
    reference.prime(config.plan, reference_results)
    _Worker.config = config
    grader.collect_less()  # the worker's state is set: it lives as long as the worker


def config() -> Any:
    """The GradeConfig this worker was started with."""
    return _Worker.config


def server() -> forkserver.ForkServer | None:
    return _Worker.server


def preload(*templates: str) -> None:
    """Load, in the batch's process before it forks the pool, what every worker would otherwise load on its first
    submission (tens of ms each): the diagnosis modules (judging loads them on first use) and jinja2 with the
    pages' compiled `templates`."""
    from grader.diagnose import judging
    from grader.report import html

    judging.preload()
    html.preload(*templates)


def pool_start_method() -> str:
    """How pool workers start: as forks of this process while it has one thread (Linux; the pool forks them all
    before it starts a thread of its own), which costs them nothing of numpy's and the grader's imports (a
    worker holds what this process holds: the settings and the reference's results, nothing a learner's code
    can reach, since that only ever runs in a fork server's child, a fresh interpreter); else, as fresh
    interpreters (spawn), since a fork of a process with threads may inherit a lock that one of them held."""
    from grader.run import confine

    if sys.platform != "linux" or not os.path.exists("/proc/self/status"):
        return "spawn"
    return "fork" if confine.single_threaded() else "spawn"


@contextlib.contextmanager
def zygote(wanted: bool) -> Iterator[forkserver.ForkServer | None]:
    """The batch's zygote (run/forkserver.py) for as long as the block lasts: one fork server, which boots numpy
    while the batch gets ready, and of which every forked worker's server is a fork. It starts when its socket is
    first asked for (`fileno`, which forked workers inherit and init takes); None where the workers are not forked
    or use no fork server. At the end it is closed, not killed: it ends once every worker has closed its socket,
    having reaped their servers, so that their CPU time and their children's is the batch's, as it always was."""
    if not wanted or pool_start_method() != "fork":
        yield None
        return
    server = forkserver.ForkServer()
    try:
        yield server
    finally:
        server.close()
