"""Discover a class: find the submissions in a folder or a .zip, and whose each one is. Nothing here runs learner
code.

Layouts recognised at the top of the folder (or zip), each giving the student id used for OUTDIR/<student>/ and
the gradebook:
- a plain file `alice.py` or `alice.ipynb`: student `alice`;
- a folder per student `alice/...`: student `alice` (the file inside is chosen by `pick_file`);
- Canvas's download, `doejane_12345_67890_simple_rnn.py` (name, user id, submission id, file name; `_LATE_` may
  follow the name): student `12345`, name `doejane`;
- Moodle's download, `Jane Doe_12345_assignsubmission_file_/simple_rnn.py` (or the same prefix on a file when
  submissions are not in folders): student `12345`, name `Jane Doe`.
The numeric ids are the ones the two systems' gradebook imports match on.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from typing import Iterator

from grader.run.submission import EXTENSIONS, MAX_BYTES

CANVAS = re.compile(r"^(?P<name>[^_]+)_(?:late_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.IGNORECASE)
MOODLE = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<file>.*)$")
IGNORED = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")
MAX_ZIP_MEMBERS = 100_000


@dataclass(frozen=True)
class Entry:
    student: str       # the id: a folder name in OUTDIR and the gradebook's key
    name: str          # the student's name where the layout gives one (Canvas, Moodle), else ""
    path: str | None   # the file to grade; None when there is none, and then `problem` says why
    shown: str         # that file (or the student's folder) relative to the class folder, for people to read
    problem: str = ""
    note: str = ""     # which file was chosen when there were several


class LayoutError(Exception):
    """The class folder or zip itself can't be read (a usage error, not a student's fault)."""


@contextlib.contextmanager
def opened(path: str) -> Iterator[str]:
    """A folder holding the class: `path` itself, or a zip extracted to a temporary folder removed afterwards."""
    if os.path.isdir(path):
        yield path
        return
    if not zipfile.is_zipfile(path):
        raise LayoutError(f"{path} is neither a folder nor a .zip file")
    scratch = tempfile.mkdtemp(prefix="grader-class-")
    try:
        yield _extract(path, scratch)
        # The temporary folder goes when the batch is done; results hold paths relative to it only.
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _extract(path: str, into: str) -> str:
    """Extract what grading needs: submission files (cut just past the size limit, so the reader still reports
    them as too large) and empty stand-ins for everything else, so a folder with no code can say what it held.
    Names that would land outside `into` and links are skipped."""
    try:
        with zipfile.ZipFile(path) as z:
            members = [m for m in z.infolist() if not m.is_dir()][:MAX_ZIP_MEMBERS]
            names = [_safe_member(_member_name(m)) for m in members]
            tops = {n.split("/", 1)[0] for n in names if n and "/" in n} | {n for n in names if n and "/" not in n}
            # One folder wrapping everything (a zipped "submissions/" folder) is not a student's.
            strip = len(tops) == 1 and all(n is None or "/" in n for n in names) and not MOODLE.match(min(tops))
            for m, name in zip(members, names):
                is_link = (m.external_attr >> 16) & 0o170000 == 0o120000
                if name is None or is_link:
                    continue
                rel = name.split("/", 1)[1] if strip else name
                target = os.path.join(into, *rel.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as out:
                    if rel.lower().endswith(EXTENSIONS):
                        with z.open(m) as src:
                            out.write(src.read(MAX_BYTES + 1))
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise LayoutError(f"{path}: the zip file can't be read ({e})")
    return into


def _member_name(m: zipfile.ZipInfo) -> str:
    """Many zip tools (Info-ZIP, Moodle's) store UTF-8 names without saying so; zipfile then reads them as cp437."""
    if m.flag_bits & 0x800:
        return m.filename
    try:
        return m.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return m.filename


def _safe_member(name: str) -> str | None:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        return None
    if any(p.startswith(".") or p in IGNORED for p in parts):
        return None
    return "/".join(parts)


def submissions(root: str) -> list[Entry]:
    """Every student's submission under the class folder `root`, sorted by student id."""
    groups: dict[str, tuple[str, list[str], str]] = {}  # id -> (name, files, shown folder or "")

    def add(student: str, name: str, files: list[str], folder: str = "") -> None:
        student = _clean_id(student)
        old_name, old_files, old_folder = groups.get(student, (name, [], folder))
        groups[student] = (old_name or name, old_files + files, old_folder or folder)

    for item in sorted(os.listdir(root)):
        if item.startswith(".") or item in IGNORED:
            continue
        full = os.path.join(root, item)
        if os.path.isdir(full):
            m = MOODLE.match(item)
            student, name = (m["id"], m["name"]) if m and not m["file"] else (item, "")
            add(student, name, _files_under(full), item)
        elif m := MOODLE.match(item):
            add(m["id"], m["name"], [full])
        elif m := CANVAS.match(item):
            add(m["id"], m["name"], [full])
        elif item.lower().endswith(EXTENSIONS):
            add(os.path.splitext(item)[0], "", [full])
    entries = []
    for student in sorted(groups):
        name, files, folder = groups[student]
        chosen, problem, note = pick_file(files)
        shown = os.path.relpath(chosen, root) if chosen else (folder or student)
        entries.append(Entry(student, name, chosen, shown.replace(os.sep, "/"), problem, note))
    return entries


def _files_under(folder: str) -> list[str]:
    found = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in IGNORED)
        found += [os.path.join(here, f) for f in sorted(files) if not f.startswith(".")]
    return found


def _clean_id(text: str) -> str:
    """Usable as a folder name on every system, and unchanged for the usual ids."""
    student = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "student"
    # Not the name of a class-level output file (OUTDIR/grades.csv ...), whatever a learner named theirs.
    return student + "_" if "." in student and student.rsplit(".", 1)[1] in ("csv", "html", "xml", "json") \
        else student


def pick_file(files: list[str]) -> tuple[str | None, str, str]:
    """The one file to grade among a student's files: (path or None, problem, note).

    A single .py/.ipynb is it. Among several, the ones that define `class SimpleRNN`; among those, a lone .py
    (a learner who sends both the notebook and its export). Anything still ambiguous is a problem to report,
    not a guess."""
    code = [f for f in files if f.lower().endswith(EXTENSIONS)]
    if not code:
        if not files:
            return None, "no file was submitted", ""
        listed = ", ".join(os.path.basename(f) for f in files[:10]) + (" ..." if len(files) > 10 else "")
        return None, f"no .py or .ipynb file among the files submitted ({listed})", ""
    if len(code) == 1:
        return code[0], "", ""
    defining = [f for f in code if _defines_class(f)] or code
    chosen = defining if len(defining) == 1 else [f for f in defining if f.lower().endswith(".py")]
    names = ", ".join(sorted(os.path.basename(f) for f in defining))
    if len(chosen) != 1:
        return None, (f"{len(defining)} files could be the submission ({names}); the grader won't guess which: "
                      "keep one"), ""
    others = ", ".join(sorted(os.path.basename(f) for f in code if f != chosen[0]))
    return chosen[0], "", f"graded {os.path.basename(chosen[0])}; also submitted: {others}"


def _defines_class(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return b"class SimpleRNN" in f.read(MAX_BYTES)
    except OSError:
        return False
