"""Landlock, the files and TCP ports a confined child may reach: read-only the standard library, site-packages, the
system's shared libraries and a few devices; read-write only its scratch dir; no TCP bind or connect; abstract Unix
sockets and signals scoped to the sandbox (ABI 6). Each feature as far as the kernel's ABI goes, the rest reported.
"""
from __future__ import annotations

import ctypes
import functools
import os
import sys
import sysconfig
from typing import Any

from grader.run import kernel

_LL_CREATE, _LL_ADD_RULE, _LL_RESTRICT = 444, 445, 446
_LL_VERSION = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1, 2, 4, 8
_FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1, 2
_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    libc = kernel.libc()
    if libc is None:
        return 0
    try:
        return kernel.syscall(libc, _LL_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(_LL_VERSION))
    except OSError:
        return 0


@functools.lru_cache(maxsize=1)
def readable_paths() -> tuple[str, ...]:
    """What Python and numpy need to read after start-up: the standard library, site-packages, the system's
    shared libraries and the dynamic loader's configuration, a few devices. Worked out once per process: a fork
    server does it before its first fork (numpy loaded), and each child it forks inherits the answer."""
    paths = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    numpy = sys.modules.get("numpy")
    if numpy is not None and getattr(numpy, "__file__", None):
        site = os.path.dirname(os.path.dirname(numpy.__file__))
        paths |= {site, site.rstrip("/") + ".libs"}
    paths |= {"/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/lib", "/etc/ld.so.cache", "/etc/ld.so.conf",
              "/etc/ld.so.conf.d", "/etc/localtime", "/dev/null", "/dev/urandom", "/dev/zero"}
    return tuple(sorted(os.path.realpath(p) for p in paths if p and os.path.exists(p)))


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def restrict(libc, report: dict[str, Any], scratch: str, protect: tuple[str, ...]) -> None:
    missing = report["missing"]
    abi = landlock_abi()
    report["landlock_abi"] = abi
    if abi < 1:
        missing.append("Landlock (kernel without it, or disabled): files are not confined")
        return
    fs = (1 << 13) - 1
    fs |= (1 << 13) if abi >= 2 else 0   # REFER
    fs |= _FS_TRUNCATE if abi >= 3 else 0
    fs |= _FS_IOCTL_DEV if abi >= 5 else 0
    attr = _RulesetAttr(fs, _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0,
                        _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    protected = [os.path.realpath(p) for p in protect]
    refused = []
    try:
        ruleset = kernel.syscall(libc, _LL_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
        try:
            for path in readable_paths():
                if any(_inside(p, path) for p in protected):
                    refused.append(path)  # opening it would open the grader or the reference too
                    continue
                _allow(libc, ruleset, path, _FS_READ_FILE | _FS_READ_DIR, fs)
            # Writes: /dev/null and the scratch dir only (there, everything but device nodes).
            _allow(libc, ruleset, "/dev/null", _FS_READ_FILE | _FS_WRITE_FILE, fs)
            _allow(libc, ruleset, scratch, fs & ~((1 << 6) | (1 << 11)) & ~_FS_IOCTL_DEV, fs)
            kernel.syscall(libc, _LL_RESTRICT, ctypes.c_int(ruleset), ctypes.c_uint32(0))
        finally:
            os.close(ruleset)
    except OSError as e:
        missing.append(f"Landlock ({e.strerror}): files are not confined")
        return
    report["landlock"] = True
    report["landlock_tcp"] = abi >= 4
    report["landlock_scopes"] = abi >= 6
    if abi < 4:
        missing.append(f"Landlock TCP rules (ABI {abi} < 4; the network namespace still blocks the network)")
    if refused:
        report["not_readable"] = refused


def _allow(libc, ruleset: int, path: str, access: int, handled: int) -> None:
    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        if not os.path.isdir(path):
            access &= _FILE_RIGHTS
        rule = _PathBeneath(access & handled, fd)
        kernel.syscall(libc, _LL_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), ctypes.byref(rule), ctypes.c_uint32(0))
    finally:
        os.close(fd)


