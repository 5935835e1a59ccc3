"""Disk caches that make grading one file faster: the reference's results (reference.py), the default plan's
probes (cli.py hands them to a child before this process has even loaded numpy; run/sandbox.py checks them against
the real plan) and the default plan itself (plan.py: building it needs numpy.random, whose import alone is ~20 ms of
a one-file run). Only data the grader can rebuild, each file named by a digest of everything it depends on. The
plan is pickled (its arrays and the objects its probes share must come back as they were); the folder is the
grader's own, as trusted as its code beside it.

They live in the grader's venv (`make` makes one), beside its site-packages, not in it: Landlock lets a confined
child read site-packages but not the venv around it. Outside a venv there is no cache. A cache that can't be read
or written (a read-only venv) is no cache. `make clean` removes them with the venv.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import sys
import tempfile
from typing import Any

from grader import CACHE_DIR, ROOT

DIR = CACHE_DIR


def path(name: str, *parts: bytes, suffix: str = ".json") -> str | None:
    """Where the cache `name` for these key parts lives (None: no cache here)."""
    if DIR is None:
        return None
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return os.path.join(DIR, f"{name}-{h.hexdigest()[:32]}{suffix}")


@functools.lru_cache(maxsize=1)
def grader_code() -> bytes:
    """The grader's own code and data, and the Python version: what a plan depends on. Read once per process (its
    files are read whole: ~8 ms), though two caches are keyed by it."""
    return hashlib.sha256(sys.version.encode() + files_digest("grader").encode()).digest()


def files_digest(*folders: str) -> str:
    """A digest of every file under these folders of the project (names and contents, in sorted order, bytecode
    caches left out): changes whenever any of them does, in any sub-folder."""
    h = hashlib.sha256()
    for folder in folders:
        for here, dirs, names in os.walk(os.path.join(ROOT, folder)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(n for n in names if not n.endswith(".pyc")):
                path = os.path.join(here, name)
                with open(path, "rb") as f:
                    h.update(os.path.relpath(path, ROOT).encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def read(file: str | None) -> Any:
    """The cached value, or None."""
    if file is None:
        return None
    try:
        with open(file, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_pickled(file: str | None) -> Any:
    """The cached object (write_pickled's), or None: absent, unreadable, cut short, or of classes this code lacks."""
    if file is None:
        return None
    try:
        with open(file, "rb") as f:
            return pickle.load(f)
    except Exception:
        return None


KEEP = 8  # files per cache name: old grader versions and other configurations fall out


def write(file: str | None, value: Any) -> None:
    """Atomically, readable by this user only; the oldest files of the same name beyond KEEP are removed."""
    _write(file, json.dumps(value, separators=(",", ":")).encode())


def write_pickled(file: str | None, value: Any) -> None:
    """`value` pickled, as `write` writes (read_pickled reads it back)."""
    if file is not None:
        _write(file, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def _write(file: str | None, data: bytes) -> None:
    if file is None:
        return
    try:
        os.makedirs(os.path.dirname(file), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(file), prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, file)
    except OSError:
        os.unlink(tmp)
        return
    name, suffix = os.path.basename(file).rsplit("-", 1)
    _prune(name, os.path.splitext(suffix)[1])


def _prune(name: str, suffix: str) -> None:
    try:
        entries = [e for e in os.scandir(DIR) if e.name.startswith(name + "-") and e.name.endswith(suffix)]
        for old in sorted(entries, key=lambda e: e.stat().st_mtime, reverse=True)[KEEP:]:
            os.unlink(old.path)
    except OSError:
        pass
