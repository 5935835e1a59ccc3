"""Finding a class's submissions: plain files, a folder per student, Canvas and Moodle downloads, zips."""
import os
import shutil
import tempfile
import zipfile

import pytest

from conftest import REFERENCE, STARTER, reference_code

from grader.course import discover, unzip


def write(path, text="x = 1\n"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def found(root, faults=None):
    if isinstance(root, discover.ClassFolder):
        root, faults = root.root, root.faults
    return {e.student: e for e in discover.submissions(str(root), faults)}


def test_plain_files_and_folders_per_student(tmp_path):
    write(tmp_path / "alice.py")
    write(tmp_path / "bob.ipynb", "{}")
    write(tmp_path / "carol" / "work" / "simple_rnn.py")
    write(tmp_path / "README.md")              # not a submission at the top level
    write(tmp_path / ".DS_Store")
    write(tmp_path / "__MACOSX" / "alice.py")
    write(tmp_path / "dave" / ".ipynb_checkpoints" / "x-checkpoint.ipynb", "{}")
    write(tmp_path / "dave" / "notes.txt")
    entries = found(tmp_path)
    assert sorted(entries) == ["alice", "bob", "carol", "dave"]
    assert entries["alice"].shown == "alice.py" and entries["alice"].name == ""
    assert entries["carol"].shown == "carol/work/simple_rnn.py"
    assert entries["dave"].path is None
    assert entries["dave"].problem == "no .py or .ipynb file among the files submitted (notes.txt)"
    assert [e.student for e in discover.submissions(str(tmp_path))] == ["alice", "bob", "carol", "dave"]


def test_canvas_download(tmp_path):
    write(tmp_path / "doejane_12345_67890_simple_rnn.py", reference_code())
    write(tmp_path / "smithjohn_LATE_22222_67891_rnn.py", reference_code())
    write(tmp_path / "smithjohn_LATE_22222_67891_helpers.py", "def sigmoid(x):\n    return x\n")
    write(tmp_path / "leeann_33333_67892_essay.pdf")
    entries = found(tmp_path)
    assert sorted(entries) == ["12345", "22222", "33333"]
    assert entries["12345"].name == "doejane" and entries["12345"].shown == "doejane_12345_67890_simple_rnn.py"
    # Two files, one defining SimpleRNN: that one, and the report says what else came.
    assert entries["22222"].shown == "smithjohn_LATE_22222_67891_rnn.py" and entries["22222"].name == "smithjohn"
    assert entries["22222"].note == ("graded smithjohn_LATE_22222_67891_rnn.py; also submitted: "
                                     "smithjohn_LATE_22222_67891_helpers.py")
    assert entries["33333"].path is None and "leeann_33333_67892_essay.pdf" in entries["33333"].problem


def test_moodle_download_folders_and_flat(tmp_path):
    write(tmp_path / "Jane Doe_12345_assignsubmission_file_" / "simple_rnn.py", reference_code())
    write(tmp_path / "Jane Doe_12345_assignsubmission_onlinetext_" / "onlinetext.html", "<p>see file</p>")
    write(tmp_path / "Zoë Müller_12346_assignsubmission_file_" / "sub" / "rnn.ipynb", "{}")
    write(tmp_path / "Li Wei_12347_assignsubmission_file_rnn.py")  # "download in folders" unticked
    entries = found(tmp_path)
    assert sorted(entries) == ["12345", "12346", "12347"]
    assert (entries["12345"].name, entries["12345"].shown) == (
        "Jane Doe", "Jane Doe_12345_assignsubmission_file_/simple_rnn.py")
    assert entries["12346"].name == "Zoë Müller" and entries["12346"].shown.endswith("/sub/rnn.ipynb")
    assert entries["12347"].name == "Li Wei"


def test_ambiguous_submission_is_reported_not_guessed(tmp_path):
    write(tmp_path / "alice" / "a.py", reference_code())
    write(tmp_path / "alice" / "b.py", reference_code())
    write(tmp_path / "bob" / "simple_rnn.py", reference_code())
    write(tmp_path / "bob" / "simple_rnn.ipynb", '{"cells": [{"source": "class SimpleRNN: pass"}]}')
    entries = found(tmp_path)
    assert entries["alice"].path is None
    assert entries["alice"].problem == "2 files could be the submission (a.py, b.py); the grader won't guess which: keep one"
    assert entries["bob"].shown == "bob/simple_rnn.py"  # the notebook and its export: the .py


def test_ids_never_clash_with_class_outputs(tmp_path):
    write(tmp_path / "grades.csv.py")
    write(tmp_path / "a b&c.py")
    assert sorted(found(tmp_path)) == ["a_b_c", "grades.csv_"]


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)


def test_zip_with_a_wrapping_folder_and_unsafe_members(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch" / "deeper"  # where the extracted copy goes, so "../" stays in tmp_path
    scratch.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    archive = tmp_path / "class.zip"
    with open(REFERENCE) as f, open(STARTER) as g:
        _zip(archive, {"submissions/alice.py": f.read(), "submissions/bob/simple_rnn.py": g.read(),
                       "submissions/../../evil.py": "x", "submissions/carol/report.pdf": "%PDF"})
    with discover.opened(str(archive)) as opened:
        root = opened.root
        entries = found(opened)
        assert sorted(entries) == ["alice", "bob", "carol"]
        assert open(entries["alice"].path).read() == open(REFERENCE).read()
        assert entries["carol"].problem == "no .py or .ipynb file among the files submitted (report.pdf)"
        assert os.path.dirname(root) == str(scratch)
    assert not os.path.exists(root)  # the extracted copy goes with the batch
    assert [p for p in tmp_path.rglob("*") if p.name == "evil.py"] == []


def test_zip_utf8_names_without_the_utf8_flag(tmp_path):
    """Info-ZIP and Moodle store UTF-8 names without flag 0x800; zipfile would read them as cp437."""
    archive = tmp_path / "moodle.zip"
    real = "Zoë_12346_assignsubmission_file_/rnn.py".encode()
    stand_in = b"Zoxx" + real[4:]  # same length, ASCII: written without the flag, then patched in place
    _zip(archive, {stand_in.decode(): reference_code()})
    data = archive.read_bytes().replace(stand_in, real)
    archive.write_bytes(data)
    with discover.opened(str(archive)) as opened:
        (entry,) = discover.submissions(opened.root)
    assert (entry.student, entry.name) == ("12346", "Zoë")


def test_not_a_class(tmp_path):
    write(tmp_path / "x.zip", "not a zip")
    with pytest.raises(discover.LayoutError, match="neither a folder nor a .zip"):
        with discover.opened(str(tmp_path / "x.zip")):
            pass


# ---- ids come only from the part of a name the LMS made (issue 10, item 3) ---------------------------------------

def test_an_upload_named_like_another_layout_stays_its_uploaders(tmp_path):
    """A student names the file they upload; Canvas puts that name last. Named like Moodle's prefix (which is
    tried first), it must still be filed under the uploader, and the victim keep their own single file."""
    write(tmp_path / "victim_12345_33333_simple_rnn.py", reference_code())
    write(tmp_path / "mallory_11111_22222_x_12345_assignsubmission_file_.py", reference_code())
    write(tmp_path / "eve_44444_55555_victim_12345_33333_simple_rnn.py", reference_code())
    entries = found(tmp_path)
    assert sorted(entries) == ["11111", "12345", "44444"]
    assert entries["12345"].shown == "victim_12345_33333_simple_rnn.py" and entries["12345"].problem == ""
    assert (entries["11111"].name, entries["11111"].layout, entries["11111"].lms_id) == ("mallory", "canvas", "11111")
    assert entries["44444"].name == "eve"


def test_a_moodle_upload_named_like_canvas_stays_its_uploaders(tmp_path):
    write(tmp_path / "Li Wei_99999_assignsubmission_file" / "rnn.py", reference_code())
    write(tmp_path / "Jane Doe_12345_assignsubmission_file_x_99999_88888_rnn.py", reference_code())  # flat
    write(tmp_path / "Max Mustermann_22222_assignsubmission_file" / "Li Wei_99999_assignsubmission_file_.py",
          reference_code())
    entries = found(tmp_path)
    assert sorted(entries) == ["12345", "22222", "99999"]
    assert entries["99999"].shown == "Li Wei_99999_assignsubmission_file/rnn.py" and entries["99999"].problem == ""
    assert entries["12345"].name == "Jane Doe" and entries["22222"].name == "Max Mustermann"
    assert {e.layout for e in entries.values()} == {"moodle"}


def test_canvas_names_as_canvas_makes_them(tmp_path):
    """Canvas (content_zipper.rb): sortable name with non-word characters removed (underscores stay, `_<digits>_`
    does not), `late` or `LATE` when late, user id, attachment id, the uploaded name (which may hold anything)."""
    write(tmp_path / "o_brienpat_12345_67890_simple_rnn.py", reference_code())
    write(tmp_path / "müllerjan_late_23456_67891_hw_11111_22222_rnn.py", reference_code())
    write(tmp_path / "smithjo_LATE_34567_67892_rnn.py", reference_code())
    entries = found(tmp_path)
    assert [(s, e.name) for s, e in sorted(entries.items())] == [
        ("12345", "o_brienpat"), ("23456", "müllerjan"), ("34567", "smithjo")]


def test_unicode_names_are_kept_and_two_students_are_never_merged(tmp_path):
    names = ("Müller", "Möller", "李", "王", "😀", "🙂", "a b", "a_b", "Alice", "alice", "Zoë", "Zoe\u0308")
    for name in names:
        write(tmp_path / f"{name}.py", reference_code())
    entries = found(tmp_path)
    assert len(entries) == 12
    assert {"Müller", "Möller", "李", "王", "Zoë"} <= set(entries)
    # Ids that coincide (ignoring case, after NFC) get numbers and a note; an id that was unique stays as it is.
    assert entries["student"].shown == "😀.py" and entries["student-2"].shown == "🙂.py"
    assert entries["student-2"].note == "the id student was already '😀''s (plain), so '🙂' (plain) is student-2"
    assert (entries["a_b"].shown, entries["a_b-2"].shown) == ("a b.py", "a_b.py")
    assert (entries["Alice"].shown, entries["alice-2"].shown) == ("Alice.py", "alice.py")
    assert (entries["Zoë"].shown, entries["Zoë-2"].shown) == ("Zoe\u0308.py", "Zoë.py")
    assert entries["Müller"].note == ""
    folders = {e.student.casefold() for e in entries.values()}
    assert len(folders) == 12  # distinct as folder names on a case-insensitive file system too


def test_ids_are_safe_folder_names_everywhere(tmp_path):
    for name in ("feedback", "CON", "lpt1", "x.zip", "-rf", "dots..."):
        write(tmp_path / f"{name}.py")
    write(tmp_path / ("b" * 200 + ".py"))
    entries = found(tmp_path)
    assert sorted(entries) == ["CON_", "b" * discover.MAX_ID_CHARS, "dots", "feedback_", "lpt1_", "rf", "x.zip_"]
    assert discover.clean_id("12345") == "12345" and discover.clean_id("Jane Doe") == "Jane_Doe"


def test_layouts_never_share_an_id(tmp_path):
    """A plain file named like a Canvas user id is another student, not that Canvas student's second file."""
    write(tmp_path / "doejane_12345_67890_simple_rnn.py", reference_code())
    write(tmp_path / "12345.py", reference_code())
    entries = found(tmp_path)
    assert sorted(entries) == ["12345", "12345-2"]
    assert (entries["12345"].layout, entries["12345-2"].layout) == ("canvas", "plain")


# ---- a zip member that can't be read stops only its student -------------------------------------------------------

def patch_member(archive, name, kind):
    """Damage the member `name` of the zip file `archive` in place: "unsupported method" (99, AES, which zipfile
    lacks), "corrupt deflate" (its data inverted) or "encrypted" (the flag set, no encryption header)."""
    data = bytearray(archive.read_bytes())
    raw = name.encode()
    local = next(i for i in _all(data, b"PK\x03\x04") if data[i + 30:i + 30 + len(raw)] == raw)
    central = next(i for i in _all(data, b"PK\x01\x02") if data[i + 46:i + 46 + len(raw)] == raw)
    if kind == "unsupported method":
        data[local + 8:local + 10] = data[central + 10:central + 12] = (99).to_bytes(2, "little")
    elif kind == "corrupt deflate":
        start = local + 30 + len(raw) + 20
        data[start:start + 64] = bytes(b ^ 0xFF for b in data[start:start + 64])
    elif kind == "encrypted":
        data[local + 6] |= 1
        data[central + 8] |= 1
    archive.write_bytes(bytes(data))


def _all(data, sig):
    i = data.find(sig)
    while i >= 0:
        yield i
        i = data.find(sig, i + 1)


def _member_fault(archive, kind):
    """A class zip: alice is fine; bob's submission has the fault `kind`."""
    code = reference_code()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("alice.py", code)
        if kind == "long name":
            z.writestr("bob_" + "b" * 270 + ".py", code)
        elif kind == "long canvas name":
            z.writestr("bobsmith_22222_67890_" + "b" * 260 + ".py", code)
        elif kind == "file-folder clash":
            z.writestr("bob/x", "notes")
            z.writestr("bob/x/simple_rnn.py", code)
        else:
            z.writestr("bob.py", code * 3)
    if kind in ("unsupported method", "corrupt deflate", "encrypted"):
        patch_member(archive, "bob.py", kind)


@pytest.mark.parametrize("kind, student, says", [
    ("long name", "bob_" + "b" * 56, "can't be extracted from the zip (File name too long)"),
    ("long canvas name", "22222", "can't be extracted from the zip (File name too long)"),
    ("file-folder clash", "bob", "bob/x/simple_rnn.py can't be extracted from the zip (File exists)"),
    ("unsupported method", "bob", "bob.py can't be extracted from the zip (That compression method is not "
                                  "supported)"),
    ("corrupt deflate", "bob", "bob.py can't be extracted from the zip (Error -3 while decompressing data"),
    ("encrypted", "bob", "bob.py can't be extracted from the zip (File <ZipInfo filename='bob.py'"),
])
def test_an_unreadable_member_stops_only_its_student(tmp_path, kind, student, says):
    _member_fault(tmp_path / "class.zip", kind)
    with discover.opened(str(tmp_path / "class.zip")) as opened:
        entries = found(opened)
        assert sorted(entries) == sorted(["alice", student])
        assert open(entries["alice"].path).read() == reference_code()
        assert entries[student].path is None and says in entries[student].problem, entries[student].problem


def test_bounds_per_student_and_for_the_class(tmp_path, monkeypatch):
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice.py", reference_code())
        for i in range(6):
            z.writestr(f"bob/venv/f{i}.txt", "x")
        z.writestr("carol/a.py", "x" * 3000)
        z.writestr("carol/b.py", "x" * 3000)
    monkeypatch.setattr(unzip, "MAX_MEMBERS_PER_STUDENT", 5)
    monkeypatch.setattr(unzip, "MAX_BYTES_PER_STUDENT", 5000)
    with discover.opened(str(archive)) as opened:
        entries = found(opened)
        assert entries["alice"].path is not None
        assert entries["bob"].problem == ("bob holds 6 files in the zip, more than the 5 a submission may have (no "
                                          "virtual environments or data sets)")
        assert entries["carol"].problem.startswith("carol holds 0 MiB of .py and .ipynb files in the zip, more "
                                                   "than the 0 MiB")
        assert not os.path.exists(os.path.join(opened.root, "bob"))  # nothing of theirs was written
    monkeypatch.setattr(unzip, "MAX_CLASS_BYTES", 1000)
    with pytest.raises(discover.LayoutError, match="more than the 0 MiB the grader extracts for a class"):
        with discover.opened(str(archive)):
            pass


def test_free_space_is_checked_before_extracting(tmp_path, monkeypatch):
    archive = tmp_path / "class.zip"
    _zip(archive, {"alice.py": reference_code()})
    monkeypatch.setattr(unzip.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(100, 99, 1))
    with pytest.raises(discover.LayoutError, match=r"not enough free space in .* to extract it \(64 MiB needed, "
                                                   r"0 MiB free\); free some or set TMPDIR"):
        with discover.opened(str(archive)):
            pass
