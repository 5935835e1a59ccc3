"""Confinement the child applies to itself before any learner code runs. Linux, no privileges needed.

Two steps, because some mechanisms need a single-threaded process and others need numpy already loaded:

- `early()`, before numpy is imported: no new privileges, no core dumps, then user + PID + network + mount
  + IPC + UTS namespaces, then a fork. The calling process becomes a small supervisor that only waits (it never
  runs learner code and is invisible from inside); the worker returns from `early` as PID 1 of the new PID
  namespace, so when it ends the kernel kills every process it started (daemons, fork bombs). A fork server run
  by root forks its children into a PID namespace each, as its PID 1 (serving._PidNamespaces): those need no
  supervisor, and have none.
- `apply(limits, report, keep_fd, scratch)`, after numpy is imported: resource limits, every other fd closed,
  Landlock (landlock.py; files: read-only Python + numpy + system libraries, read-write only the scratch dir; no
  TCP), all capabilities dropped and, when the grader is root, root too (privileges.py), and a seccomp filter
  (seccomp.py; no sockets, no ptrace, no exec, no new processes, namespaces or mounts).

Between the two, the child bounds its scratch dir with a tmpfs of its own (scratch.py). Root enters its
namespaces without a user namespace (it needs none, and one made from inside could not map the user it will
become); everyone else enters a user namespace first.

Each step returns the "sandbox" report: what is active, and in `missing` what is not and why (another OS, an old
kernel, user namespaces blocked). Grading goes on without a missing mechanism unless isolation is required.
"""
from __future__ import annotations

import ctypes
import os
import resource
import select
import signal
import sys
import time
from typing import Any

from grader.run import identity, kernel, landlock, privileges, seccomp

MiB = 1024 * 1024
NAMESPACES = {"user": 0x10000000, "pid": 0x20000000, "net": 0x40000000, "mount": 0x00020000,
              "ipc": 0x08000000, "uts": 0x04000000}
MAX_PIDS = 301       # per PID namespace (pid_max, the smallest the kernel accepts): bounds a fork bomb even as root
MAX_PROCESSES = 16    # RLIMIT_NPROC, counted inside the user namespace: few processes, quick to kill
OPEN_FILES = 64
FILE_SIZE = 16 * MiB
# What the report must show for "full confinement" (--require-isolation).
REQUIRED = ("namespaces", "no_new_privs", "landlock", "landlock_tcp", "seccomp", "rlimits", "fds_closed")

_MS_REC, _MS_PRIVATE, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x4000, 0x40000, 2, 4, 8


# ---- early: before numpy, single-threaded ------------------------------------------------------------------------

def early() -> dict[str, Any]:
    """Confine what must be done while single-threaded, then fork. Returns in the worker only (the supervisor
    exits with the worker's status). A process that is PID 1 already (a fork server's child, in a PID namespace
    the server made for it) makes no PID namespace and no supervisor: it is the worker. Returns the report so far."""
    report: dict[str, Any] = {"platform": sys.platform, "namespaces": [], "missing": [], "root": identity.real_root()}
    missing = report["missing"]
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    libc = kernel.libc()
    if libc is None:
        missing.append(f"namespaces, Landlock and seccomp (Linux only; this is {sys.platform})")
        return report
    try:
        kernel.prctl(libc, kernel.PR_SET_NO_NEW_PRIVS, 1)
        report["no_new_privs"] = True
    except OSError as e:
        missing.append(f"no_new_privs ({e.strerror})")
    # Root (who will become an unprivileged user in apply) enters the other namespaces as root: it needs no user
    # namespace for them, and one made from inside could not map the user it becomes.
    dropping = identity.sandbox_user() is not None
    # PID 1 already: the fork server made this process a PID namespace of its own (serving._PidNamespaces).
    own_pid_namespace = os.getpid() == 1
    active = _unshare(libc, report, user_namespace=not dropping, pid=not own_pid_namespace)
    report["namespaces"] = active
    needed = ("pid", "net", "mount") if dropping else ("user", "pid", "net", "mount")
    if not set(needed) <= set(active):
        lacking = ", ".join(n for n in needed if n not in active)
        missing.append(f"namespaces: {lacking} ({report.pop('namespace_error', 'unavailable')})")
    report.pop("namespace_error", None)
    try:
        # No core dumps (a crash must end at once), and no ptrace or /proc access from other processes of this
        # user. Only now: /proc/self/uid_map could not be written by a non-dumpable process.
        kernel.prctl(libc, kernel.PR_SET_DUMPABLE, 0)
    except OSError:
        pass
    in_pid_ns = "pid" in active
    if not own_pid_namespace:  # PID 1 already: the server is the parent, and the namespace dies with this process
        _fork_supervisor(libc, in_pid_ns)
    if in_pid_ns and "mount" in active:
        _private_proc(libc, report)
    return report


def _fork_supervisor(libc, in_pid_ns: bool) -> None:
    """Fork: the calling process becomes the supervisor (_supervise, never returns), the fork the worker, PID 1 of
    the PID namespace entered before (when there is one), which returns."""
    if not in_pid_ns:
        # Without a PID namespace, orphans are re-parented to the supervisor, which kills them at the end.
        try:
            kernel.prctl(libc, kernel.PR_SET_CHILD_SUBREAPER, 1)
        except OSError:
            pass
    alive_r, alive_w = os.pipe()
    worker = os.fork()
    if worker:
        os.close(alive_r)
        _supervise(worker, alive_w, reap_orphans=not in_pid_ns)
    os.close(alive_w)
    # The worker dies with its supervisor (the grader kills the supervisor on timeout) ...
    kernel.prctl(libc, kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
    # ... and if the supervisor died before that line, the pipe it held is already at EOF.
    if select.select([alive_r], [], [], 0)[0]:
        os._exit(1)
    os.close(alive_r)


def _unshare(libc, report: dict[str, Any], *, user_namespace: bool, pid: bool = True) -> list[str]:
    """Enter new namespaces: the user namespace first (it grants the rights to create the others), unless told
    not to, then the rest in one call, then one by one if that fails. `pid`: a PID namespace too (False: this
    process is the PID 1 of one already, which is listed as entered). Returns the names of those entered."""
    uid, gid = os.geteuid(), os.getegid()
    active = []
    if user_namespace:
        try:
            kernel.call(libc.unshare, ctypes.c_int(NAMESPACES["user"]))
            # Map our own ids only: inside, the learner is the same unprivileged user, not root.
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
            active.append("user")
        except OSError as e:
            report["namespace_error"] = f"user namespaces: {e.strerror}"
    others = [n for n in NAMESPACES if n != "user"]
    made = [n for n in others if pid or n != "pid"]
    flags = sum(NAMESPACES[n] for n in made)
    try:
        kernel.call(libc.unshare, ctypes.c_int(flags))
        return active + others
    except OSError:
        pass
    if not pid:
        active.append("pid")
    for name in made:
        try:
            kernel.call(libc.unshare, ctypes.c_int(NAMESPACES[name]))
            active.append(name)
        except OSError as e:
            report.setdefault("namespace_error", f"{name}: {e.strerror}")
    return active


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _private_proc(libc, report: dict[str, Any]) -> None:
    """Mount a /proc that shows only this PID namespace (the outer one would show the grader's own processes),
    and cap the number of PIDs the namespace may use."""
    try:
        kernel.call(libc.mount, None, b"/", None, ctypes.c_ulong(_MS_REC | _MS_PRIVATE), None)
        kernel.call(libc.mount, b"proc", b"/proc", b"proc", ctypes.c_ulong(_MS_NOSUID | _MS_NODEV | _MS_NOEXEC), None)
        report["private_proc"] = True
    except OSError as e:
        # Not counted as missing: Landlock keeps /proc out of reach anyway (and says so when it can't).
        report["private_proc"] = f"no ({e.strerror})"
        return
    try:
        _write("/proc/sys/kernel/pid_max", str(MAX_PIDS))
        report["pid_max"] = MAX_PIDS
    except OSError:
        pass  # per-namespace pid_max needs Linux 6.14; RLIMIT_NPROC still bounds ordinary users


def _supervise(worker: int, alive_w: int, *, reap_orphans: bool) -> None:
    """The supervisor: wait for the worker, then leave with its exact status. Never returns.
    On SIGTERM (the grader's timeout) it kills the worker and still waits for it: the worker is PID 1 of the
    submission's PID namespace, and its exit returns only once the kernel has killed every process in there, so
    when the supervisor is gone, so is everything the submission started. (If the supervisor itself is killed,
    the kernel kills the worker anyway: PR_SET_PDEATHSIG.)"""
    # The results channel included (only the worker writes there); alive_w stays open while we live.
    os.closerange(3, alive_w)
    os.closerange(alive_w + 1, 1 << 20)

    def stop(signum, frame):
        _kill(worker)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, stop)
    _, status = os.waitpid(worker, 0)  # retried after the handler runs (PEP 475)
    if reap_orphans:
        _kill_orphans()
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):  # those two can't be handled, so they need no reset
            signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 1)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _kill_orphans() -> None:
    """Without a PID namespace: kill and reap every process re-parented to us (we are a subreaper), again and
    again, since each one killed re-parents its own children to us, until none is left."""
    for _ in range(1000):
        for pid in _children():
            _kill(pid)
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return  # no child left
            if pid == 0:  # some are still dying
                time.sleep(0.005)
                break


def _children() -> list[int]:
    me = os.getpid()
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: fields start after the last ')'.
        if int(stat[stat.rfind(b")") + 2:].split()[1]) == me:
            out.append(int(entry))
    return out


# ---- apply: after numpy is imported, before learner code -------------------------------------------------------

def apply(limits: dict[str, Any], early_report: dict[str, Any], *, keep_fd: int, scratch: str,
          protect: tuple[str, ...]) -> dict[str, Any]:
    """Resource limits, fds, Landlock, capabilities, seccomp, in that order (each later step would forbid what an
    earlier one does). `keep_fd`: the results channel. `protect`: paths that must stay unreadable (the grader,
    the reference); a system directory that contains one of them is not opened up. Returns the full report."""
    # Learner code yields the CPU to the grader and the supervisor: a fork bomb can't starve the code that ends it.
    # Only now, not in early(): the child's own start-up (numpy) runs beside the grader's as an equal.
    os.nice(10)
    report = dict(early_report)
    missing = report["missing"] = list(early_report.get("missing", []))
    user = identity.sandbox_user()
    report["rlimits"] = _rlimits(limits, report, user)
    _close_fds(keep_fd)
    report["fds_closed"] = True
    libc = kernel.libc()
    if libc is None:
        report["isolated"] = False
        return report
    threads = thread_count()
    if threads != 1:  # Landlock and prctl-installed filters bind the calling thread only
        missing.append(f"single thread ({threads} threads: Landlock would not cover them)")
    landlock.restrict(libc, report, scratch, protect)
    privileges.drop(libc, report, user)
    seccomp.install(libc, report)
    report["isolated"] = not missing and all(report.get(k) for k in REQUIRED)
    return report


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def single_threaded(grace_s: float = 0.5) -> bool:
    """Whether the kernel counts one thread in this process. A thread Python has joined may still be exiting in
    the kernel for a moment (join returns once its Python state is released, before the OS thread ends): while
    Python knows of no other thread, the count is given a short grace to fall to one."""
    import threading  # here: the child imports this module, and needs no threading

    deadline = time.monotonic() + grace_s
    while thread_count() > 1:
        if threading.active_count() > 1 or time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def thread_count() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 1


def _rlimits(limits: dict[str, Any], report: dict[str, Any], user: tuple[int, int] | None) -> list[str]:
    # Address space counts what Python and numpy have mapped already, so the learner gets memory_mb on top.
    cpu = int(limits["timeout_s"]) + 1
    wanted = {
        "RLIMIT_AS": (_mapped_bytes() + limits["memory_mb"] * MiB,) * 2,
        "RLIMIT_CPU": (cpu, cpu + 1),  # SIGXCPU first (reported as a timeout), SIGKILL a second later
        "RLIMIT_FSIZE": (FILE_SIZE,) * 2,
        "RLIMIT_NOFILE": (OPEN_FILES,) * 2,
        "RLIMIT_CORE": (0, 0),
        "RLIMIT_NPROC": (_nproc_limit(report, os.getuid() if user is None else user[0]),) * 2,
    }
    active = []
    for name, (soft, hard) in wanted.items():
        try:
            which = getattr(resource, name)
            current = resource.getrlimit(which)[1]
            if current != resource.RLIM_INFINITY:  # a stricter limit set by whoever runs the grader stays
                soft, hard = min(soft, current), min(hard, current)
            resource.setrlimit(which, (soft, hard))
            active.append(name)
        except (ValueError, OSError, AttributeError) as e:
            report["missing"].append(f"{name} ({e})")
    # The kernel skips RLIMIT_NPROC for root; pid_max still bounds it. (Root becomes someone else in privileges.)
    if report.get("root") and user is None and not report.get("pid_max"):
        report["missing"].append("a process limit (running as root: RLIMIT_NPROC is not enforced)")
    return active


def _nproc_limit(report: dict[str, Any], uid: int) -> int:
    if "user" in report.get("namespaces", []):
        return MAX_PROCESSES  # counted in our own user namespace
    # Outside one, RLIMIT_NPROC counts every process (and thread) of the user `uid` on the machine.
    try:
        entries = os.listdir("/proc")
    except OSError:  # no /proc to count with: keep the current limit
        return resource.getrlimit(resource.RLIMIT_NPROC)[0]
    mine = 0
    for entry in entries:
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                mine += 1
        except OSError:
            continue
    return mine + MAX_PROCESSES


def _close_fds(keep: int) -> None:
    os.closerange(3, keep)
    os.closerange(keep + 1, 1 << 20)  # close_range(2): one call, whatever the fd limit
