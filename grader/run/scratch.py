"""The child's scratch dir, both ends: the grader makes it (owned by the sandbox's user when the grader is root)
and removes it afterwards, whatever learner code did to its permissions; the child bounds it, in its own mount
namespace, with a small tmpfs of its own mounted over it, which vanishes with the namespace.

Imported by the child before any learner code runs: the standard library only.
"""
from __future__ import annotations

import os
import stat
from typing import Any

# shutil and tempfile are imported where the grader's side uses them: the confined child imports this module
# before numpy, and would pay for them (and bz2, lzma, random) on every start for nothing.

SCRATCH_BYTES = 64 * 1024 * 1024  # a kata needs a few kilobytes, if any
SCRATCH_INODES = 4096
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 2, 4, 8, 0x4000, 0x40000


# ---- the grader's side ---------------------------------------------------------------------------------------

def make(user: tuple[int, int] | None) -> str:
    """A fresh scratch dir (mode 700). `user`: the (uid, gid) the learner's code will run as when the grader is
    root (identity.sandbox_user); the dir is theirs, in a folder they can reach."""
    import tempfile

    folder = tempfile.gettempdir()
    if user is not None and not _reachable_by_others(folder):
        folder = "/tmp"
    path = tempfile.mkdtemp(prefix="grader-scratch-", dir=folder)
    if user is not None:
        os.chown(path, *user)
    return path


def _reachable_by_others(folder: str) -> bool:
    path = os.path.realpath(folder)
    while True:
        try:
            if not os.stat(path).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        if path == os.path.dirname(path):
            return True
        path = os.path.dirname(path)


def remove(path: str) -> str | None:
    """Remove a scratch dir whatever learner code did to it (chmod 000 folders, say). Returns None, or a warning
    saying what is left and why."""
    import shutil

    for attempt in range(2):
        try:
            shutil.rmtree(path)
            return None
        except FileNotFoundError:
            return None
        except Exception as e:  # OSError, or RecursionError for folders nested thousands deep
            if attempt:
                what = f"{e.strerror}: {e.filename}" if isinstance(e, OSError) else type(e).__name__
                return f"the submission's scratch dir {path} could not be removed ({what})"
        _unlock(path)
    return None


def _unlock(path: str) -> None:
    """Give the owner back every permission on every folder under `path`, never through a link. Nothing of the
    submission runs any more, so nothing can swap a folder for a link meanwhile."""
    try:
        os.chmod(path, 0o700)
        for _, dirs, _, fd in os.fwalk(path, follow_symlinks=False):
            for name in dirs:  # before fwalk goes into them (top-down)
                try:
                    if stat.S_ISDIR(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
                        os.chmod(name, 0o700, dir_fd=fd)
                except OSError:
                    continue
    except (OSError, RecursionError):
        pass


# ---- the child's side ----------------------------------------------------------------------------------------

def bound(path: str, report: dict[str, Any], user: tuple[int, int] | None) -> None:
    """Mount a tmpfs of SCRATCH_BYTES and SCRATCH_INODES over the scratch dir at `path`, in this child's own
    mount namespace (so it needs no privilege, and vanishes with the namespace). Records it in the sandbox
    `report`, or what is missing: without a mount namespace only each file's size is bounded (RLIMIT_FSIZE)."""
    import ctypes

    from grader.run import kernel

    libc = kernel.libc()
    if libc is None or "mount" not in report.get("namespaces", []):
        report["missing"].append("a bounded scratch dir (no mount namespace: only each file's size is limited)")
        return
    options = f"size={SCRATCH_BYTES},nr_inodes={SCRATCH_INODES},mode=0700"
    if user is not None:
        options += f",uid={user[0]},gid={user[1]}"
    try:
        # Private first, so that no mount made here can propagate to the grader's namespace (root's mount
        # namespaces start as copies that share propagation with it; confine.early does the same before /proc).
        kernel.call(libc.mount, None, b"/", None, ctypes.c_ulong(_MS_REC | _MS_PRIVATE), None)
        kernel.call(libc.mount, b"tmpfs", path.encode(), b"tmpfs", ctypes.c_ulong(_MS_NOSUID | _MS_NODEV | _MS_NOEXEC),
                    options.encode())
    except OSError as e:
        report["missing"].append(f"a bounded scratch dir (mounting a tmpfs: {e.strerror})")
        return
    report["scratch"] = {"tmpfs_bytes": SCRATCH_BYTES, "tmpfs_inodes": SCRATCH_INODES}
