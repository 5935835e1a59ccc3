"""The fork server's own process (run/forkserver.py has the protocol, and the grader's side): a fresh interpreter
that imports numpy and the child's modules once, then forks a child per request (`serve`), or a sub-server, a
fork of itself that serves another grader's socket (a batch's zygote, asked by each worker). The standard library
only, here: what a server holds, every child it forks inherits.
"""
from __future__ import annotations

import contextlib
import ctypes
import json
import os
import resource
import select
import signal
import socket
import sys
import traceback
from typing import Any

# ---- the server's loop ---------------------------------------------------------------------------

def serve() -> None:
    """The server's main loop; argv[1] is its end of the socketpair. Never returns."""
    sock = socket.socket(fileno=int(sys.argv[1]))
    # numpy and every module a child imports, once: a module a child imports itself (scratch, imported by child.run
    # after the fork) is looked up, read and run again in every child, about 4 ms of its CPU time each.
    from grader.run import child, confine, landlock, scratch  # noqa: F401
    child.executor()
    landlock.readable_paths()  # and Landlock's list of readable paths, inherited by every child
    _serve(sock)


def _serve(sock: socket.socket) -> None:
    """Serve `sock` until its other end closes, then kill every child and exit. Never returns."""
    from grader.run import confine

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    servers: set[int] = set()  # sub-servers: each answers its own grader, so none is reported here
    try:
        # More than one thread (a BLAS that ignored its thread count) would make the children's unshare fail.
        own = _pidfd(os.getpid())
        _send(sock, {"ready": os.getpid(), "threads": confine.thread_count()}, [own] if own is not None else [])
        if own is not None:
            os.close(own)
        while True:
            readable, _, _ = select.select([sock, wake_r], [], [])
            if wake_r in readable:
                os.read(wake_r, 4096)
                for pid, code in _reap(children | servers):
                    if pid in servers:
                        servers.discard(pid)
                        continue
                    children.discard(pid)
                    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
                    _send(sock, {"exited": pid, "returncode": code, "peak_kib": usage.ru_maxrss,
                                 "cpu_s": usage.ru_utime + usage.ru_stime})
            if sock in readable:
                data, fds, _, _ = socket.recv_fds(sock, 65536, 4)
                if not data:
                    break  # the grader is gone
                if data == SERVE and len(fds) == 1:
                    try:
                        servers.add(_fork_server(fds[0], sock, (wake_r, wake_w)))
                    finally:
                        os.close(fds[0])
                    continue
                try:
                    pid, init = _fork(fds, sock)
                finally:
                    for fd in fds:  # the child's now; holding them would keep its pipes open
                        os.close(fd)
                children.add(pid)
                pidfd = _pidfd(pid)
                _send(sock, {"started": pid, "init": init}, [pidfd] if pidfd is not None else [])
                if pidfd is not None:
                    os.close(pidfd)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        for pid in children | servers:
            _kill_tree(pid)
        for _ in _reap(children | servers, block=True):
            pass
        os._exit(0)


SERVE = b'{"serve": 1}'


def _fork_server(fd: int, sock: socket.socket, wake: tuple[int, int]) -> int:
    """Fork a sub-server for the socket `fd`; in it, leave this server's socket, signal pipe and children behind and
    serve that one. It dies with the zygote (whose death ends the batch's servers), and its children with it."""
    def become_server() -> None:
        sock.close()
        for end in wake:
            os.close(end)
        _PID_NAMESPACES.forget()  # its children's PID namespaces are its own to make, and their parent it
        _serve(socket.socket(fileno=fd))

    return _forked(become_server)


def _send(sock: socket.socket, msg: dict[str, Any], fds: list[int] = ()) -> None:
    socket.send_fds(sock, [json.dumps(msg).encode()], list(fds))


def _reap(children: set[int], *, block: bool = False):
    """(pid, returncode) of every child that has ended."""
    while children:
        try:
            pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        yield pid, os.waitstatus_to_exitcode(status)


def _kill_tree(pid: int) -> None:
    # The supervisor; its worker dies with it (PR_SET_PDEATHSIG), and with the worker its PID namespace.
    for kill in (os.kill, os.killpg):
        try:
            kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3
        return None


def _fork(fds: list[int], sock: socket.socket) -> tuple[int, bool]:
    """Fork the child for one submission; in the child, become what a fresh child is and run it. Where this server
    may, the child is forked into a PID namespace of its own, as its PID 1 (_PidNamespaces): it then needs no
    supervisor (confine.early). Returns its pid, and whether it is such a PID 1."""
    if len(fds) != 4:
        raise ValueError(f"expected 4 fds, got {len(fds)}")

    def become_child() -> None:
        from grader.run import child

        child.run(_become_child(fds, sock))

    with _PID_NAMESPACES.for_next_fork() as init:
        return _forked(become_child), init


class _PidNamespaces:
    """A new PID namespace for each child: unshare(CLONE_NEWPID) before the fork makes the child PID 1 of a fresh
    one, and setns back to this server's own after it, so that the next unshare may make another (the kernel
    refuses a second while the first is pending). Only a root server that makes its children someone else
    (identity.sandbox_user): such a child enters its other namespaces without a user namespace, so it may still
    mount the /proc of this one. Elsewhere, or once a call fails, children make their own, under a supervisor."""

    def __init__(self) -> None:
        self._own: int | None = None  # this server's PID namespace
        self._server: int | None = None  # a pidfd of this server: how a child tells that it is still there
        self._libc = None
        self._tried = False

    def parent_alive(self, server: int) -> bool:
        """In a fork: whether the server that forked it, `server`, is still its parent. A PID 1 sees its parent,
        outside its namespace, as pid 0, so it asks the server's pidfd instead (readable once the server ended)."""
        if os.getpid() == 1 and self._server is not None:
            return not select.select([self._server], [], [], 0)[0]
        return os.getppid() == server

    @contextlib.contextmanager
    def for_next_fork(self):
        entered = self._enter()
        try:
            yield entered
        finally:
            if entered:
                self._leave()

    def _enter(self) -> bool:
        from grader.run import confine, identity, kernel

        if not self._tried:
            self._tried = True
            self._libc = kernel.libc()
            if self._libc is not None and identity.sandbox_user() is not None:
                try:
                    self._server = os.pidfd_open(os.getpid())
                    self._own = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
                except (OSError, AttributeError):  # no pidfds (Linux before 5.3), or no /proc
                    self._stop()
        if self._own is None:
            return False
        try:
            kernel.call(self._libc.unshare, ctypes.c_int(confine.NAMESPACES["pid"]))
            return True
        except OSError:
            self._stop()
            return False

    def _leave(self) -> None:
        from grader.run import confine, kernel

        try:
            kernel.call(self._libc.setns, ctypes.c_int(self._own), ctypes.c_int(confine.NAMESPACES["pid"]))
        except OSError:  # the next unshare would fail: the children make their own from now on
            self._stop()

    def forget(self) -> None:
        """Start again (in a fork that becomes a server of its own)."""
        self._stop()
        self._tried = False

    def _stop(self) -> None:
        for fd in (self._own, self._server):
            if fd is not None:
                os.close(fd)
        self._own = self._server = None


_PID_NAMESPACES = _PidNamespaces()


def _forked(run) -> int:
    """Fork; in the fork, die with this server, then `run()`, and exit whatever happens. Returns the fork's pid."""
    server = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:
        from grader.run import kernel

        # A fork outlives nothing of the grader's: if the server dies (the grader died, or it was killed), so does it.
        kernel.prctl(kernel.libc(), kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
        if not _PID_NAMESPACES.parent_alive(server):
            os._exit(1)
        signal.set_wakeup_fd(-1)
        run()
    except BaseException:
        traceback.print_exc()  # a child's is on its stderr by now: the grader reports it as a failed start
    finally:
        os._exit(1)


def _become_child(fds: list[int], sock: socket.socket) -> int:
    """Everything a fresh child gets from exec: its own session, the pipes as stdin, stdout and stderr, no other
    fd (the server's socket and its signal pipe least of all), default signals. Returns the results fd."""
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    plan_r, out_w, err_w, results_fd = fds
    for fd, target in ((plan_r, 0), (out_w, 1), (err_w, 2)):
        os.dup2(fd, target)
    sock.detach()  # closed with the rest below; the object must not close that number again later
    os.closerange(3, results_fd)
    os.closerange(results_fd + 1, 1 << 20)
    sys.argv[1:] = [str(results_fd)]
    return results_fd
