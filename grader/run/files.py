"""Read stage: read a file only when it is a regular file, and never through a symbolic link.

Class folders, zips and Gradescope uploads come from learners, and git keeps symbolic links. Followed with the
grader's own privileges, outside the confinement, a link to solution/, to a classmate's file or to a file only the
instructor can read would be graded as the learner's own; a FIFO, or a link to /dev/tty, would block the reader
forever. So every read of a submission (and of a stored result) goes through `read_regular`: lstat the name (what
it is), open it with O_NOFOLLOW | O_NONBLOCK (a link swapped in meanwhile fails, a FIFO opens without waiting for a
writer), then fstat the open descriptor (what was really opened) and read only from a regular file.

Only os, errno and stat here: run/launch.py uses this before the child starts.
"""
from __future__ import annotations

import errno
import os
import stat

_OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))
TARGET_SHOWN = 200  # characters of a link's target quoted in a message


class Refused:
    """Why a path was not read. `what` completes "<name> is ...": "a symbolic link to '../x.py'", "a FIFO (named
    pipe)", "can't be read (Permission denied)"; `missing` when there is nothing at all by that name."""
    __slots__ = ("what", "missing")

    def __init__(self, what: str, *, missing: bool = False):
        self.what, self.missing = what, missing

    def __repr__(self) -> str:
        return f"Refused({self.what!r})"

    def message(self, name: str) -> str:
        """The sentence a learner reads: what `name` is and what to do instead."""
        if self.missing:
            return f"{name}: no such file"
        if self.what.startswith("can't"):
            return f"{name}: {self.what}"
        return (f"{name} is {self.what}, not a regular file; the grader reads only regular files, never through a "
                "link: submit the file itself")


def kind(mode: int) -> str:
    """"" for a regular file, else what the file type is: "a folder", "a symbolic link", "a FIFO (named pipe)"..."""
    if stat.S_ISREG(mode):
        return ""
    return next((what for test, what in _KINDS if test(mode)), "a special file")


def describe(path: str, st: os.stat_result) -> str:
    """What lstat found at `path`, "" when it is a regular file; a link says where it points."""
    what = kind(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:
            return what
        shown = target if len(target) <= TARGET_SHOWN else target[:TARGET_SHOWN] + "..."
        return f"{what} to {shown!r}"
    return what


def refusal(path: str) -> Refused | None:
    """None when `path` itself (not what a link points to) is a regular file, else why it is not."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return Refused("no such file", missing=True)
    except OSError as e:
        return Refused(f"can't be read ({e.strerror})")
    what = describe(path, st)
    return Refused(what) if what else None


def read_regular(path: str, limit: int) -> bytes | Refused:
    """Up to `limit` bytes of the regular file at `path`, or why it was not read. Never follows a symbolic link in
    the last component, never blocks on a FIFO or a device, never makes a terminal the controlling one."""
    refused = refusal(path)
    if refused is not None:
        return refused
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        if e.errno == errno.ELOOP:  # replaced by a link since the lstat
            return refusal(path) or Refused("a symbolic link")
        return Refused(f"can't be read ({e.strerror})")
    try:
        what = kind(os.fstat(fd).st_mode)
        if what:  # replaced by something else since the lstat
            return Refused(what)
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as e:
        return Refused(f"can't be read ({e.strerror})")
    finally:
        os.close(fd)


def is_regular(path: str) -> bool:
    """Whether `path` itself is a regular file (a link to one is not)."""
    return refusal(path) is None


def is_folder(path: str) -> bool:
    """Whether `path` itself is a folder (a link to one is not)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False
