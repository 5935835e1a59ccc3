"""Discover a class: find the submissions in a folder or a .zip, and whose each one is. Nothing here runs learner
code, and nothing here follows a link: only regular files are graded (run/files.py); a link, a FIFO or a device
where a submission should be gives that student a bad_file result that says what it was.

Layouts recognised at the top of the folder (or zip), each giving the student id used for OUTDIR/<student>/ and
the gradebook. The ids come only from the part of a name the LMS generated, read from the left, so whatever a
student named the file they uploaded (the end of the name) never decides whose it is:
- a plain file `alice.py` or `alice.ipynb`: student `alice`;
- a folder per student `alice/...`: student `alice` (the file inside is chosen by `pick_file`);
- Canvas's download, `doejane_12345_67890_simple_rnn.py`: the sortable name (letters, digits, `_`, no `_<digits>_`:
  Canvas removes those so that it can read the ids back), `late_` or `LATE_` when late, the user id, the
  attachment id, then the file's own name (instructure/canvas-lms, app/models/content_zipper.rb, `get_filename`
  and `add_upload_submission`): student `12345`, name `doejane`;
- Moodle's download, `Jane Doe_12345_assignsubmission_file/simple_rnn.py` (Moodle 4.1 on; `..._file_/` before),
  or `Jane Doe_12345_assignsubmission_file_simple_rnn.py` when "download submissions in folders" is off: the full
  name (Moodle turns its `_` into spaces), the participant number, the plugin (moodle/moodle,
  mod/assign/classes/downloader.php, `get_student_prefix`): student `12345`, name `Jane Doe`.
The numeric ids are the ones the two systems' gradebook imports match on (course/lms.py). Ids keep Unicode
letters (NFC), are safe as folder names on every system, and are unique: two submissions whose names give the same
id get distinct ids and a note, never one merged student.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Iterator, Mapping

from grader.course import unzip
from grader.course.unzip import IGNORED, LayoutError  # noqa: F401  LayoutError is this module's error too
from grader.run import files
from grader.run.submission import EXTENSIONS, MAX_BYTES

CANVAS = re.compile(r"^(?P<name>[\w-]+?)(?:[_-]late)?_(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$", re.I | re.S)
MOODLE = re.compile(r"^(?P<name>[^_/]+)_(?P<id>\d+)_assignsubmission_(?P<plugin>[a-z0-9]+)(?:_(?P<file>.*))?$", re.S)
MAX_FILES_PER_STUDENT = unzip.MAX_MEMBERS_PER_STUDENT
MAX_ID_CHARS = 60  # at most 240 bytes of UTF-8: a folder name everywhere, with room for a "-2"
# Not a student's folder: class-level outputs (OUTDIR/feedback/) and names Windows reserves.
RESERVED_IDS = {"feedback", "con", "prn", "aux", "nul", *(f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10))}
OUTPUT_EXTENSIONS = ("csv", "html", "xml", "json", "zip")


@dataclass(frozen=True)
class Entry:
    """One student's submission as a class's layout presents it."""
    student: str       # the id: a folder name in OUTDIR and the gradebook's key
    name: str          # the student's name where the layout gives one (Canvas, Moodle), else ""
    path: str | None   # the file to grade; None when there is none, and then `problem` says why
    shown: str         # that file (or the student's folder) relative to the class folder, for people to read
    problem: str = ""
    note: str = ""     # which file was chosen when there were several; an id that had to be made unique
    layout: str = "plain"  # "plain", "canvas" or "moodle": where the id came from
    lms_id: str = ""   # the LMS's own id (Canvas user id, Moodle participant number), for course/lms.py


@dataclass(frozen=True)
class ClassFolder:
    """A class on disk: its folder, and the zip members that could not be extracted (path in the zip → why)."""
    root: str
    faults: Mapping[str, str] = field(default_factory=dict)


@contextlib.contextmanager
def opened(path: str) -> Iterator[ClassFolder]:
    """A folder holding the class: `path` itself, or a zip extracted to a temporary folder removed afterwards.
    Raises LayoutError when the zip as a whole can't be read, or extracting it would not fit."""
    if os.path.isdir(path):
        yield ClassFolder(path)
        return
    if not zipfile.is_zipfile(path):
        raise LayoutError(f"{path} is neither a folder nor a .zip file")
    scratch = tempfile.mkdtemp(prefix="grader-class-")
    try:
        faults = unzip.extract(path, scratch, keep_whole=lambda top: bool(MOODLE.match(top)))
        yield ClassFolder(scratch, faults)
        # The temporary folder goes when the batch is done; results hold paths relative to it only.
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass
class _Group:
    """One student's findings while the class folder is read."""
    name: str
    folder: str = ""
    files: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, what it is): links, FIFOs...
    problems: list[str] = field(default_factory=list)


def submissions(root: str, faults: Mapping[str, str] | None = None) -> list[Entry]:
    """Every student's submission under the class folder `root`, sorted by student id. `faults`: zip members that
    could not be extracted (ClassFolder.faults); each stops only the student it belongs to."""
    groups: dict[tuple[str, str], _Group] = {}  # (layout, the id as the LMS wrote it) → findings

    def group(owner: tuple[str, str, str], folder: str = "") -> _Group:
        found = groups.setdefault(owner[:2], _Group(owner[2], folder))
        found.name, found.folder = found.name or owner[2], found.folder or folder
        return found

    faults = faults or {}
    fault_tops = {rel.split("/", 1)[0]: "/" in rel for rel in faults}
    for item in sorted(set(os.listdir(root)) | set(fault_tops)):
        if item.startswith(".") or item in IGNORED:
            continue
        full = os.path.join(root, item)
        try:
            st = os.lstat(full)
        except OSError:  # a zip member that could not be extracted at all (its name too long, say)
            owner = _owner(item, fault_tops.get(item, False))
            if owner:
                group(owner, item if fault_tops.get(item) else "")
            continue
        if stat.S_ISDIR(st.st_mode):
            g = group(_owner(item, True), item)
            found = scan(full)
            g.files += found.files
            g.refused += found.refused
            if found.truncated:
                g.problems.append(f"{item} holds more than {MAX_FILES_PER_STUDENT} files; keep only your "
                                  "submission (no virtual environments or data sets)")
        elif stat.S_ISREG(st.st_mode):
            owner = _owner(item, False)
            if owner:
                group(owner).files.append(full)
        else:  # a link, a FIFO, a device, a socket: whose it would be, never what it points to
            owner = _owner(item, False) or _owner_of_link(item)
            if owner:
                group(owner).refused.append((full, files.describe(full, st)))
    for rel, reason in sorted(faults.items()):
        top = rel.split("/", 1)[0]
        owner = _owner(top, "/" in rel)
        if owner and owner[:2] in groups:
            groups[owner[:2]].problems.append(f"{rel.rstrip('/')} {reason}")
    ids = unique_ids(groups)
    entries = []
    for key in sorted(groups, key=lambda k: ids[k][0]):
        student, id_note = ids[key]
        g = groups[key]
        chosen, problem, note = pick_file(g.files, g.refused, root)
        if g.problems:
            more = f" (and {len(g.problems) - 1} more)" if len(g.problems) > 1 else ""
            chosen, problem = None, f"{g.problems[0]}{more}"
        shown = os.path.relpath(chosen, root) if chosen else (g.folder or student)
        entries.append(Entry(student, g.name, chosen, shown.replace(os.sep, "/"), problem,
                             "; ".join(n for n in (note, id_note) if n), key[0],
                             key[1] if key[0] != "plain" else ""))
    return entries


def _owner(item: str, is_folder: bool) -> tuple[str, str, str] | None:
    """Whose a top-level file or folder is: (layout, id as written, name), or None when it is nobody's (a README at
    the top). Moodle's prefix is tried first: it is marked by `_assignsubmission_` right after the participant
    number, which Canvas's prefix (name, user id, attachment id, all before the uploaded name) never contains."""
    m = MOODLE.match(item)
    if m and (not m["file"]) == is_folder:  # a folder's name ends at the plugin; a file's goes on with its own name
        return "moodle", m["id"], m["name"]
    if is_folder:
        return "plain", item, ""
    m = CANVAS.match(item)
    if m:
        return "canvas", m["id"], m["name"]
    if item.lower().endswith(EXTENSIONS):
        return "plain", os.path.splitext(item)[0], ""
    return None


def _owner_of_link(item: str) -> tuple[str, str, str] | None:
    """A top-level link (or FIFO...) not named like a file: a folder per student, as far as its name says."""
    if MOODLE.match(item) or "." not in item:
        return _owner(item, True)
    return None


@dataclass
class Found:
    """What `scan` found under a folder: regular files, everything else that is not a folder (path, what it is),
    and whether it stopped at MAX_FILES_PER_STUDENT."""
    files: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False


def scan(folder: str) -> Found:
    """Every regular file under `folder`, in sorted order, skipping hidden names and IGNORED folders. Links are
    never followed (a link to a folder is not entered); they and FIFOs, devices and sockets are listed apart."""
    found, stack = Found(), [folder]
    while stack:  # depth-first, in name order, without recursion (a zip can nest thousands of folders)
        here = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subfolders = []
        for e in entries:
            if e.name.startswith(".") or e.name in IGNORED:
                continue
            if len(found.files) + len(found.refused) >= MAX_FILES_PER_STUDENT:
                found.truncated = True
                return found
            try:
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(st.st_mode):
                subfolders.append(e.path)
            elif stat.S_ISREG(st.st_mode):
                found.files.append(e.path)
            else:
                found.refused.append((e.path, files.describe(e.path, st)))
        stack += reversed(subfolders)
    found.files.sort()
    return found


def clean_id(text: str) -> str:
    """A student id from the name a layout gives: Unicode letters, marks and digits kept (NFC), `.`, `_` and `-`
    kept, anything else one `_`; at most MAX_ID_CHARS; never empty, a class-level output's name, or a name Windows
    reserves. Unchanged for the usual ids (`alice`, `12345`)."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" or c in "._-" else "\0" for c in text)
    student = re.sub("\0+", "_", kept)[:MAX_ID_CHARS].strip("._-") or "student"
    stem, _, ext = student.casefold().partition(".")
    if stem in RESERVED_IDS or (ext and student.casefold().rsplit(".", 1)[1] in OUTPUT_EXTENSIONS):
        student += "_"
    return student


def unique_ids(keys) -> dict:
    """Each key (layout, id as written) → (student id, note). Keys whose clean ids coincide, ignoring case (folders
    on macOS and Windows do), get "-2", "-3"... in sorted order, each with a note saying why; an id that was
    unique stays as it is, whatever the others are."""
    bases = {key: clean_id(key[1]) for key in keys}
    taken = {b.casefold() for b in bases.values()}
    first: dict[str, tuple[str, str]] = {}
    out = {}
    for key in sorted(keys, key=lambda k: (bases[k].casefold(), k)):
        base = bases[key]
        if base.casefold() not in first:
            first[base.casefold()] = key
            out[key] = (base, "")
            continue
        n = 2
        while f"{base}-{n}".casefold() in taken:
            n += 1
        student = f"{base}-{n}"
        taken.add(student.casefold())
        other = first[base.casefold()]
        out[key] = (student, f"the id {base} was already {other[1]!r}'s ({other[0]}), so {key[1]!r} ({key[0]}) "
                             f"is {student}")
    return out


def pick_file(files_: list[str], refused: list[tuple[str, str]] = (), root: str = "") -> tuple[str | None, str, str]:
    """The one file to grade among a student's regular files: (path or None, problem, note). `refused`: what
    else was found where a file should be (path, what it is); one named like code is a problem, never followed.

    A single .py/.ipynb is it. Among several, the ones that define `class SimpleRNN`; among those, a lone .py
    (a learner who sends both the notebook and its export). Anything still ambiguous is a problem to report,
    not a guess."""
    shown = (lambda p: os.path.relpath(p, root).replace(os.sep, "/")) if root else os.path.basename
    bad = [(p, what) for p, what in refused if p.lower().endswith(EXTENSIONS)] or (
        refused if not files_ else [])
    if bad:
        path, what = bad[0]
        return None, files.Refused(what).message(shown(path)), ""
    code = [f for f in files_ if f.lower().endswith(EXTENSIONS)]
    if not code:
        if not files_:
            return None, "no file was submitted", ""
        listed = ", ".join(os.path.basename(f) for f in files_[:10]) + (" ..." if len(files_) > 10 else "")
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
    data = files.read_regular(path, MAX_BYTES)
    return isinstance(data, bytes) and b"class SimpleRNN" in data
