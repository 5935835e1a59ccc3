"""Files that are never seen half-written: written next to their target, flushed to disk, then swapped in.

A reader (or a rerun after Ctrl-C, `kill -9` or a power cut) finds either the old file or the whole new one.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from typing import BinaryIO, Iterator, TextIO


@contextlib.contextmanager
def replacing(path: str, *, private: bool = False, binary: bool = False,
              durable: bool = True) -> Iterator[TextIO | BinaryIO]:
    """A file to write (text, or bytes when `binary`); when the block ends without an exception it replaces `path`
    in one step. `private`: readable by its owner only (0600), for files that hold hidden expected values;
    otherwise as the umask says. `durable`: on disk before it replaces `path` (an fsync), for files that a power
    cut must not leave empty; a cache that is made again when it reads as absent can skip it."""
    if _not_a_file(path):  # /dev/null, a FIFO, a terminal: write to it; swapping one in would replace the device
        with open(path, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as f:
            yield f
        return
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as f:
            yield f
            if durable:
                f.flush()
                os.fsync(f.fileno())
        if not private:  # mkstemp makes 0600; reports are meant to be shared
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _not_a_file(path: str) -> bool:
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def write_text(path: str, text: str, *, private: bool = False, durable: bool = True) -> None:
    """Write `text` to `path` atomically (see `replacing`)."""
    with replacing(path, private=private, durable=durable) as f:
        f.write(text)


def write_bytes(path: str, data: bytes, *, private: bool = False, durable: bool = True) -> None:
    """Write `data` to `path` atomically (see `replacing`)."""
    with replacing(path, private=private, binary=True, durable=durable) as f:
        f.write(data)


def linked(source: str, path: str) -> bool:
    """Make `path` another name of the regular file `source` (a hard link, swapped in whole as `replacing` swaps a
    file): a copy without writing one. False, and nothing changed, where the filesystem can't link."""
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".tmp-{os.getpid()}-{os.path.basename(path)}")
    try:
        os.link(source, tmp, follow_symlinks=False)
    except OSError:
        return False
    try:
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return False
    return True


def remove_leftovers(folder: str) -> None:
    """Scratch files of writes that a killed run never finished."""
    with contextlib.suppress(FileNotFoundError):
        for name in os.listdir(folder):
            if name.startswith(".tmp-"):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(folder, name))
