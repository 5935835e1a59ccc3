"""Only regular files are graded, never through a link (issue 10, item 2), on every path that opens a submission:
one file (the fast start-up path included), a class folder, a zip, Gradescope, merge. A link to the reference, to a
classmate's file or to a file only the instructor may read, a FIFO, a link to /dev/tty or /dev/zero: each is a
bad_file that says what it was, the batch finishes, and nothing of the linked file reaches any output."""
import csv
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import termios
import zipfile

import pytest

from conftest import REFERENCE, ROOT, reference_code, run_cli

from grader.course import discover, gradebook
from grader.run import files, launch
from grader.run.submission import LoadFault, Source, read_submission

CANARY = "TOP SECRET 4242 for the instructors eyes only"
# What any output holding the secret shows whole, however it is marked up (a syntax error's view marks its column).
CANARY_TAIL = CANARY.split(" ", 2)[2]
KATE_MARKER = "kate-was-here-7f3a"  # a classmate's line, quoted back by a syntax error when her file is graded
LINK_WHY = "not a regular file; the grader reads only regular files, never through a link: submit the file itself"


@pytest.fixture
def secret(tmp_path):
    """A file the grader's user can read and a learner must not (root owns it, mode 0600)."""
    path = tmp_path / "instructor-only.txt"
    path.write_text(CANARY + "\n")
    os.chmod(path, 0o600)
    return str(path)


def outputs_containing(folder, text):
    found = []
    for here, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(here, name), "rb") as f:
                if text.encode() in f.read():
                    found.append(os.path.relpath(os.path.join(here, name), folder))
    return sorted(found)


# ---- the helper itself -------------------------------------------------------------------------------------------

def test_read_regular_reads_regular_files_and_says_what_anything_else_is(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    os.symlink(REFERENCE, tmp_path / "link.py")
    os.mkfifo(tmp_path / "fifo.py")
    os.mkdir(tmp_path / "folder")
    assert files.read_regular(str(tmp_path / "a.py"), 100) == b"x = 1\n"
    assert files.read_regular(str(tmp_path / "a.py"), 3) == b"x ="
    link = files.read_regular(str(tmp_path / "link.py"), 100)
    assert isinstance(link, files.Refused) and link.what == f"a symbolic link to {REFERENCE!r}"
    assert files.read_regular(str(tmp_path / "fifo.py"), 100).what == "a FIFO (named pipe)"  # and it returned
    assert files.read_regular(str(tmp_path / "folder"), 100).what == "a folder"
    assert files.read_regular("/dev/zero", 100).what == "a character device"
    missing = files.read_regular(str(tmp_path / "nope.py"), 100)
    assert missing.missing and missing.message("nope.py") == "nope.py: no such file"
    assert files.is_regular(str(tmp_path / "a.py")) and not files.is_regular(str(tmp_path / "link.py"))
    assert files.is_folder(str(tmp_path / "folder")) and not files.is_folder(str(tmp_path / "link.py"))


def test_a_link_swapped_in_after_the_lstat_is_still_refused(tmp_path, monkeypatch):
    """The open itself refuses to follow (O_NOFOLLOW) and the open file is checked again (fstat)."""
    os.symlink(REFERENCE, tmp_path / "x.py")
    monkeypatch.setattr(files, "refusal", lambda path: None)  # as if the lstat had seen a regular file
    got = files.read_regular(str(tmp_path / "x.py"), 100)
    assert isinstance(got, files.Refused) and got.what == "a symbolic link"
    os.mkfifo(tmp_path / "f.py")
    assert files.read_regular(str(tmp_path / "f.py"), 100).what == "a FIFO (named pipe)"


def test_long_link_targets_are_cut_in_the_message(tmp_path):
    os.symlink("x" * 500, tmp_path / "l.py")
    what = files.read_regular(str(tmp_path / "l.py"), 10).what
    assert what == f"a symbolic link to {'x' * files.TARGET_SHOWN + '...'!r}"


# ---- one file ----------------------------------------------------------------------------------------------------

def test_read_submission_refuses_links_fifos_and_devices(tmp_path, secret):
    os.symlink(REFERENCE, tmp_path / "link.py")
    os.symlink(secret, tmp_path / "secret.py")
    os.symlink("/dev/zero", tmp_path / "zero.py")
    os.mkfifo(tmp_path / "fifo.py")
    for name, what in (("link.py", f"a symbolic link to {REFERENCE!r}"),
                       ("secret.py", f"a symbolic link to {secret!r}"),
                       ("zero.py", "a symbolic link to '/dev/zero'"), ("fifo.py", "a FIFO (named pipe)")):
        got = read_submission(str(tmp_path / name))
        assert isinstance(got, LoadFault) and got.message == f"{name} is {what}, {LINK_WHY}", name
    assert read_submission("/dev/zero").message == f"zero is a character device, {LINK_WHY}"
    shutil.copy(REFERENCE, tmp_path / "copy.py")
    assert isinstance(read_submission(str(tmp_path / "copy.py")), Source)  # the same content, as a file: graded


def test_the_fast_start_up_path_starts_nothing_for_a_link_or_a_fifo(tmp_path, monkeypatch):
    os.symlink(REFERENCE, tmp_path / "link.py")
    os.mkfifo(tmp_path / "fifo.py")
    shutil.copy(REFERENCE, tmp_path / "real.py")
    started = []
    monkeypatch.setattr(launch, "start", lambda: started.append(1) or "child")
    assert launch.for_command_line([str(tmp_path / "link.py")]) is None
    assert launch.for_command_line([str(tmp_path / "fifo.py")]) is None
    assert launch.for_command_line([str(tmp_path / "real.py")]) == "child" and started == [1]  # positive control


def _grade_json(*args, **kw):
    proc = run_cli(*args, "--json", "-", "--quiet", **kw)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.timeout(120)
def test_one_file_through_the_cli(tmp_path, secret):
    os.symlink(REFERENCE, tmp_path / "mine.py")
    os.symlink(secret, tmp_path / "other.py")
    os.symlink(str(tmp_path / "gone.py"), tmp_path / "dangling.py")
    os.mkfifo(tmp_path / "pipe.py")
    for name, what in (("mine.py", f"a symbolic link to {REFERENCE!r}"), ("pipe.py", "a FIFO (named pipe)"),
                       ("dangling.py", f"a symbolic link to {str(tmp_path / 'gone.py')!r}")):
        d = _grade_json(str(tmp_path / name))
        assert (d["status"], d["score"], d["error"]["kind"]) == ("error", 0, "bad_file"), name
        assert d["error"]["message"] == f"{name} is {what}, {LINK_WHY}"
    proc = run_cli(str(tmp_path / "other.py"), "--json", "-", "--html", str(tmp_path / "r.html"))
    assert proc.returncode == 0 and json.loads(proc.stdout)["error"]["kind"] == "bad_file"
    assert CANARY not in proc.stdout + proc.stderr + (tmp_path / "r.html").read_text()
    # Positive control: the same secret as a regular file is quoted back (a syntax error shows its line).
    shutil.copy(secret, tmp_path / "copied.py")
    assert CANARY in json.dumps(_grade_json(str(tmp_path / "copied.py")))


@pytest.mark.timeout(120)
def test_a_link_to_the_terminal_is_never_opened(tmp_path):
    """With a controlling terminal, reading /dev/tty waits for someone to type: the grader must not open it."""
    master, slave = os.openpty()

    def with_terminal():
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    def run(*cmd, timeout):
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, pass_fds=(slave,),
                              preexec_fn=with_terminal)
    try:
        # Positive control: here /dev/tty really is a terminal that blocks a reader.
        with pytest.raises(subprocess.TimeoutExpired):
            run(sys.executable, "-c", "open('/dev/tty').read()", timeout=3)
        os.symlink("/dev/tty", tmp_path / "tty.py")
        proc = run(sys.executable, "-m", "grader", str(tmp_path / "tty.py"), "--json", "-", "--quiet", timeout=90)
    finally:
        os.close(master)
        os.close(slave)
    d = json.loads(proc.stdout)
    assert d["error"]["message"] == f"tty.py is a symbolic link to '/dev/tty', {LINK_WHY}"


# ---- a class folder, a zip, Gradescope, merge ----------------------------------------------------------------------

def _class_folder(folder, secret):
    """Who links to what. carol and ivan are honest (graded for real: the positive controls), kate's file has a
    syntax error quoting her marker, liz submitted a regular copy of the secret (so a leak would show)."""
    os.makedirs(folder)
    (folder / "carol.py").write_text(reference_code())
    (folder / "kate.py").write_text(f"{KATE_MARKER} = = 1\n")
    shutil.copy(secret, folder / "liz.py")
    os.symlink(REFERENCE, folder / "alice.py")                          # the reference solution
    os.symlink(str(folder / "kate.py"), folder / "bob.py")              # a classmate's file
    os.symlink(secret, folder / "dave.py")                              # a file only the instructor may read
    os.mkfifo(folder / "erin.py")                                       # blocks a reader forever
    os.symlink(os.path.dirname(REFERENCE), folder / "frank")            # a folder: solution/
    os.symlink("/dev/zero", folder / "gina.py")
    os.makedirs(folder / "hank")
    os.symlink(REFERENCE, folder / "hank" / "simple_rnn.py")            # inside a student's folder
    os.makedirs(folder / "ivan" / "venv")
    (folder / "ivan" / "simple_rnn.py").write_text(reference_code())
    os.symlink("lib", folder / "ivan" / "venv" / "lib64")               # a harmless link, not code: ignored
    os.symlink("/dev/tty", folder / "jack.py")
    return str(folder)


REFUSED = {"alice": ("alice.py", f"a symbolic link to {REFERENCE!r}"),
           "erin": ("erin.py", "a FIFO (named pipe)"),
           "gina": ("gina.py", "a symbolic link to '/dev/zero'"),
           "hank": ("hank/simple_rnn.py", f"a symbolic link to {REFERENCE!r}"),
           "jack": ("jack.py", "a symbolic link to '/dev/tty'")}


def test_discover_attributes_every_link_to_its_student_and_follows_none(tmp_path, secret):
    root = _class_folder(tmp_path / "class", secret)
    entries = {e.student: e for e in discover.submissions(root)}
    assert sorted(entries) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "jack",
                               "kate", "liz"]
    for student, (shown, what) in REFUSED.items():
        assert entries[student].path is None
        assert entries[student].problem == f"{shown} is {what}, {LINK_WHY}", student
    assert entries["bob"].problem == f"bob.py is a symbolic link to {str(tmp_path / 'class' / 'kate.py')!r}, {LINK_WHY}"
    assert entries["frank"].problem.startswith(f"frank is a symbolic link to {os.path.dirname(REFERENCE)!r}")
    assert entries["ivan"].shown == "ivan/simple_rnn.py" and entries["ivan"].problem == ""
    assert entries["carol"].path and entries["kate"].path


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_class_with_links_and_fifos_finishes_and_leaks_nothing(tmp_path, secret):
    root = _class_folder(tmp_path / "class", secret)
    root_path = tmp_path / "class"
    out = tmp_path / "out"
    proc = run_cli(root, "--out", str(out), "--timeout", "3", "--jobs", "2", timeout=240)
    assert proc.returncode == 0, proc.stderr
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan", "jack",
                            "kate", "liz"]
    for student in ("alice", "bob", "dave", "erin", "frank", "gina", "hank", "jack"):
        assert (rows[student]["status"], rows[student]["error_kind"], rows[student]["score"]) == \
            ("error", "bad_file", "0"), student
        message = json.loads((out / student / "result.json").read_text())["error"]["message"]
        assert "is a symbolic link to" in message or "is a FIFO" in message, student
    assert (rows["carol"]["score"], rows["ivan"]["score"]) == ("100", "100")
    assert rows["kate"]["error_kind"] == "syntax_error"
    # Nothing of what the links point to reached any output; the positive controls show a leak would show.
    # Each regular file is also kept for the similarity pass, named by its content (instructors only).
    stored = {name: f"_integrity/{hashlib.sha256((root_path / name).read_bytes()).hexdigest()}.json"
              for name in ("liz.py", "kate.py")}
    assert outputs_containing(out, CANARY_TAIL) == sorted(["feedback/liz.html", "liz/report.html", "liz/result.json",
                                                           stored["liz.py"]])
    assert [p for p in outputs_containing(out, KATE_MARKER) if not p.endswith(("kate/report.html",
            "kate/result.json", "feedback/kate.html", stored["kate.py"]))] == []
    assert outputs_containing(out, KATE_MARKER) != []


def _zip_with_links(path):
    with zipfile.ZipFile(path, "w") as z:
        for name, target in (("alice/simple_rnn.py", "../../solution/simple_rnn.py"),
                             ("carol.py", "/root/secret.py"), ("dave/notes.txt", "/etc/shadow")):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16  # a symbolic link, its target as the data
            z.writestr(info, target)
        z.writestr("bob.py", reference_code())
        z.writestr("dave/simple_rnn.py", reference_code())


def test_zip_symlink_entries_are_never_made_and_say_so(tmp_path):
    _zip_with_links(tmp_path / "class.zip")
    with discover.opened(str(tmp_path / "class.zip")) as found:
        entries = {e.student: e for e in discover.submissions(found.root, found.faults)}
        made = [os.path.join(h, n) for h, ds, ns in os.walk(found.root) for n in ns + ds
                if os.path.islink(os.path.join(h, n))]
    assert made == []
    assert sorted(entries) == ["alice", "bob", "carol", "dave"]
    assert entries["alice"].problem == ("alice/simple_rnn.py is a symbolic link to '../../solution/simple_rnn.py' "
                                        "in the zip, not a regular file; the grader reads only regular files: "
                                        "submit the file itself")
    assert entries["carol"].path is None
    assert "a symbolic link to '/root/secret.py' in the zip" in entries["carol"].problem
    assert entries["bob"].path and entries["dave"].path  # a link that is not code is left out, not followed


@pytest.mark.timeout(120)
def test_gradescope_refuses_links_and_fifos(tmp_path, secret):
    cases = {"link": lambda d: os.symlink(REFERENCE, d / "simple_rnn.py"),
             "secret": lambda d: os.symlink(secret, d / "simple_rnn.py"),
             "fifo": lambda d: os.mkfifo(d / "simple_rnn.py"),
             "dir-link": lambda d: os.symlink(os.path.dirname(REFERENCE), d / "work")}
    for case, make in cases.items():
        sub = tmp_path / case
        sub.mkdir()
        make(sub)
        proc = run_cli("gradescope", "--submission", str(sub), "--results", str(tmp_path / f"r-{case}"), timeout=90)
        assert proc.returncode == 0, proc.stderr
        text = (tmp_path / f"r-{case}" / "results.json").read_text()
        data = json.loads(text)
        assert data["score"] == 0 and "Could not be graded (bad_file)" in data["output"], case
        assert "not a regular file" in data["output"] and CANARY not in text + proc.stdout, case
    honest = tmp_path / "honest"
    (honest / "sub").mkdir(parents=True)
    (honest / "sub" / "simple_rnn.py").write_text(reference_code())
    os.symlink("/dev/zero", honest / "sub" / "data.bin")  # not code: ignored
    run_cli("gradescope", "--submission", str(honest), "--results", str(tmp_path / "r-honest"), timeout=90)
    assert json.loads((tmp_path / "r-honest" / "results.json").read_text())["score"] == 100


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_merge_copies_no_link_and_reads_no_linked_result(tmp_path, secret):
    (tmp_path / "class").mkdir()
    for name in ("carol", "dan"):
        (tmp_path / "class" / f"{name}.py").write_text(reference_code())
    shard = tmp_path / "shard"
    assert run_cli(str(tmp_path / "class"), "--out", str(shard), timeout=200).returncode == 0
    os.unlink(shard / "carol" / "report.html")
    os.symlink(secret, shard / "carol" / "report.html")
    os.symlink(secret, shard / "carol" / "notes.html")
    proc = run_cli("merge", "--out", str(tmp_path / "merged"), str(shard))
    assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path / "merged" / "carol")) == ["result.json"]
    assert outputs_containing(tmp_path / "merged", CANARY_TAIL) == []
    # A result.json that is a link is not a result: merge refuses the shard and says which student.
    os.unlink(shard / "dan" / "result.json")
    os.symlink(str(shard / "carol" / "result.json"), shard / "dan" / "result.json")
    proc = run_cli("merge", "--out", str(tmp_path / "merged2"), str(shard))
    assert proc.returncode == 2 and f"{shard}: dan/result.json is missing or unreadable" in proc.stderr
    # And a student's folder that is a link is not read through.
    os.unlink(shard / "dan" / "result.json")
    shutil.rmtree(shard / "dan")
    os.symlink(str(shard / "carol"), shard / "dan")
    assert gradebook.read_result(str(shard), "dan") is None and gradebook.read_result(str(shard), "carol")
    gb = tmp_path / "gb"
    gb.mkdir()
    os.symlink(str(shard / "grades.csv"), gb / "grades.csv")
    proc = run_cli("merge", "--out", str(tmp_path / "merged3"), str(gb))
    assert proc.returncode == 2 and "grades.csv is a symbolic link to" in proc.stderr
