"""Finding a class's submissions: plain files, a folder per student, Canvas and Moodle downloads, zips."""
import os
import tempfile
import zipfile

import pytest

from conftest import REFERENCE, STARTER, reference_code

from grader.course import discover


def write(path, text="x = 1\n"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def found(root):
    return {e.student: e for e in discover.submissions(str(root))}


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
    with discover.opened(str(archive)) as root:
        entries = found(root)
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
    with discover.opened(str(archive)) as root:
        (entry,) = discover.submissions(root)
    assert (entry.student, entry.name) == ("12346", "Zoë")


def test_not_a_class(tmp_path):
    write(tmp_path / "x.zip", "not a zip")
    with pytest.raises(discover.LayoutError, match="neither a folder nor a .zip"):
        with discover.opened(str(tmp_path / "x.zip")):
            pass
