"""Extract a class's zip (an LMS download) for discover.py: only what grading needs, within bounds, and never a
member that stops the class.

What is written: each submission file (.py, .ipynb), cut just past the size limit so that the reader still reports
it as too large, and an empty stand-in for everything else, so a folder with no code can say what it held. Never a
link, whatever the member says it is. Bounds: at most MAX_MEMBERS_PER_STUDENT members and MAX_BYTES_PER_STUDENT
bytes of code under one top-level name (one student's folder or file), at most MAX_CLASS_BYTES for the class, and
the free space and inodes for it checked before anything is written.

A member that can't be extracted (a name too long for the file system, a file where a folder must go, a
compression method zipfile lacks, corrupt data, encryption, a link) is a fault of that member alone: it is returned
with its reason, and discover.py gives the student it belongs to a bad_file result; everyone else is graded. Only
a zip whose directory can't be read at all, or that would not fit, stops the class (LayoutError: exit status 2).
"""
from __future__ import annotations

import lzma
import os
import shutil
import stat
import zipfile
import zlib
from typing import Callable

from grader.run import files
from grader.run.submission import EXTENSIONS, MAX_BYTES

IGNORED = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")
MAX_MEMBERS = 1_000_000               # entries in the zip's directory, the class's whole
MAX_MEMBERS_PER_STUDENT = 2_000       # a student's folder with a virtual environment in it has more: refused
MAX_BYTES_PER_STUDENT = 64 << 20      # of code extracted under one top-level name
MAX_CLASS_BYTES = 8 << 30             # of code extracted for the class
FREE_MARGIN_BYTES = 64 << 20          # left free on the scratch file system besides what is extracted
# Everything zipfile raises for one member it can't read: bad data, an unsupported method, encryption, bad headers.
MEMBER_ERRORS = (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError, zlib.error,
                 lzma.LZMAError)


class LayoutError(Exception):
    """The class folder or zip itself can't be read (a usage error, not a student's fault)."""


def extract(path: str, into: str, *, keep_whole: Callable[[str], bool] = lambda top: False) -> dict[str, str]:
    """Extract the zip at `path` into the folder `into`; returns the faults: {path in the zip (as discover.py sees
    it, wrapper folder removed; a trailing "/" for a whole folder) → why it was not extracted}. One folder wrapping
    everything (a zipped "submissions/" folder) is not a student's, unless `keep_whole(its name)`. Raises
    LayoutError for a zip that can't be read at all, or whose extraction would not fit."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > MAX_MEMBERS:
                raise LayoutError(f"{path}: {len(infos)} entries, more than the {MAX_MEMBERS} a class zip may hold")
            members = [(m, _safe(_name(m))) for m in infos if not m.is_dir()]
            members = [(m, rel) for m, rel in members if rel is not None]
            members = _unwrap(members, keep_whole)
            faults, todo = _within_bounds(path, into, members)
            for m, rel in todo:
                why = _write(z, m, rel, into)
                if why and rel.lower().endswith(EXTENSIONS):
                    faults[rel] = why
    except (zipfile.BadZipFile, OSError, EOFError) as e:  # the zip's own directory
        raise LayoutError(f"{path}: the zip file can't be read ({e})")
    return faults


def _name(m: zipfile.ZipInfo) -> str:
    """Many zip tools (Info-ZIP, Moodle's) store UTF-8 names without saying so; zipfile then reads them as cp437."""
    if m.flag_bits & 0x800:
        return m.filename
    try:
        return m.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return m.filename


def _safe(name: str) -> str | None:
    """The member's path as "a/b/c", or None for one that would land outside the folder, or hidden ones."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0] or "\0" in name:
        return None
    if any(p.startswith(".") or p in IGNORED for p in parts):
        return None
    return "/".join(parts)


def _unwrap(members: list[tuple[zipfile.ZipInfo, str]], keep_whole) -> list[tuple[zipfile.ZipInfo, str]]:
    tops = {rel.split("/", 1)[0] for _, rel in members}
    if len(tops) == 1 and all("/" in rel for _, rel in members) and not keep_whole(min(tops)):
        return [(m, rel.split("/", 1)[1]) for m, rel in members]
    return members


def _within_bounds(path: str, into: str, members) -> tuple[dict[str, str], list]:
    """Members to extract, and the faults of the top-level names over their bounds. Raises LayoutError when the
    rest can't be extracted: more than MAX_CLASS_BYTES of code, or more than the scratch file system holds."""
    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for m, rel in members:
        top = rel.split("/", 1)[0] + ("/" if "/" in rel else "")
        counts[top] = counts.get(top, 0) + 1
        if rel.lower().endswith(EXTENSIONS):  # never more is written, whatever the data holds (zipfile stops there)
            sizes[top] = sizes.get(top, 0) + min(m.file_size, MAX_BYTES + 1)
    faults = {}
    for top, n in counts.items():
        if n > MAX_MEMBERS_PER_STUDENT:
            faults[top] = (f"holds {n} files in the zip, more than the {MAX_MEMBERS_PER_STUDENT} a submission may "
                           "have (no virtual environments or data sets)")
        elif sizes.get(top, 0) > MAX_BYTES_PER_STUDENT:
            faults[top] = (f"holds {sizes[top] >> 20} MiB of .py and .ipynb files in the zip, more than the "
                           f"{MAX_BYTES_PER_STUDENT >> 20} MiB a submission may have")
    todo = [(m, rel) for m, rel in members if (rel.split("/", 1)[0] + ("/" if "/" in rel else "")) not in faults]
    needed = sum(size for top, size in sizes.items() if top not in faults)
    if needed > MAX_CLASS_BYTES:
        raise LayoutError(f"{path}: {needed >> 20} MiB of .py and .ipynb files, more than the "
                          f"{MAX_CLASS_BYTES >> 20} MiB the grader extracts for a class; grade it in parts")
    free = shutil.disk_usage(into).free
    if free < needed + FREE_MARGIN_BYTES:
        raise LayoutError(f"{path}: not enough free space in {os.path.dirname(into) or into} to extract it "
                          f"({(needed + FREE_MARGIN_BYTES) >> 20} MiB needed, {free >> 20} MiB free); free some "
                          "or set TMPDIR to a larger file system")
    inodes = os.statvfs(into).f_favail
    if 0 < inodes < len(todo) + 1000:  # 0: a file system without an inode count (btrfs)
        raise LayoutError(f"{path}: not enough free inodes in {os.path.dirname(into) or into} to extract its "
                          f"{len(todo)} files ({inodes} free)")
    return faults, todo


def _write(z: zipfile.ZipFile, m: zipfile.ZipInfo, rel: str, into: str) -> str:
    """Write one member under `into`: its data when it is code, an empty stand-in otherwise. Returns "" or why it
    could not be written. Only regular files are ever created."""
    code = rel.lower().endswith(EXTENSIONS)
    what = files.kind((m.external_attr >> 16) & 0o170000 or stat.S_IFREG)
    if what:  # a link or a special file in the zip: never made, and said for what it is
        if stat.S_ISLNK(m.external_attr >> 16):
            try:
                with z.open(m) as src:
                    target = src.read(files.TARGET_SHOWN).decode("utf-8", "replace")
                what += f" to {target!r}"
            except MEMBER_ERRORS:
                pass
        return f"is {what} in the zip, not a regular file; the grader reads only regular files: submit the file itself"
    target = os.path.join(into, *rel.split("/"))
    try:
        data = b""
        if code:
            with z.open(m) as src:
                data = src.read(MAX_BYTES + 1)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
    except MEMBER_ERRORS as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e) or type(e).__name__
        return f"can't be extracted from the zip ({reason}); zip it again, or submit the file itself"
    return ""
