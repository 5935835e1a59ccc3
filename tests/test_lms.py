"""Grades and feedback back into Canvas and Moodle (issue 13): a Canvas download and a Moodle download each graded
through the CLI into the import files, checked against fixtures written from the LMSs' own importers (tests/lms/,
each citing its source) and read back by Python renderings of those importers' rules; learner-safe content only;
merge writes what one run writes."""
import csv
import io
import json
import os
import re
import shutil
import zipfile
from html import escape

import pytest

from conftest import ROOT, STARTER, reference_code, run_cli

from grader.course import gradebook, lms
from grader.course import config as settings
from grader.course.config import LmsSettings
from grader.report import exports

FIXTURES = os.path.join(ROOT, "tests", "lms")
GRADED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def fixture(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as f:
        return "".join(line for line in f if not line.startswith("#"))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def starter():
    return read(STARTER)


# ---- the importers' rules, from their source (see the fixtures' comments for where each comes from) --------------

def canvas_import(text):
    """What Canvas's GradebookImporter takes from the file: (assignment titles, points possible, {user id: grade})."""
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1], "row_has_student_headers?"
    assert re.match(r"SIS\s+User\s+ID", header[2]) and re.match(r"SIS\s+Login\s+ID", header[3])
    assert "Section" in header[4], "header?: the last student column is Section"
    assignments, points, grades = header[5:], None, {}
    for row in rows[1:]:
        assert len(row) == len(header)
        if "Points Possible" in row[0]:
            points = row[5:]
            continue
        assert row[1].isdigit(), "process_student finds the student by ID"
        grades[row[1]] = row[5].strip()
    return assignments, points, grades


def moodle_worksheet_import(text):
    """What assignfeedback_offline_grade_importer takes: {participant number: (grade, modified, feedback)}."""
    rows = list(csv.reader(io.StringIO(text)))
    columns = rows[0]
    grade, ident, modified = (columns.index(t) for t in ("Grade", "Identifier", "Last modified (grade)"))
    comments = columns.index("Feedback comments")
    assert comments > 0, "importgradeslib.php skips a feedback column at index 0 (!empty($details['index']))"
    found = {}
    for row in rows[1:]:
        assert row[ident].startswith("Participant ")
        found[row[ident][len("Participant "):]] = (row[grade], row[modified], row[comments])
    return found


def moodle_zip_import(path, participants):
    """What assignfeedback_file_zip_importer files where: {participant number: [(plugin, file name)]}."""
    filed = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.is_dir() or info.filename.split("/")[-1].startswith((".", "~")):
                continue
            parts = info.filename.split("/")
            while parts:
                fields = parts.pop(0).split("_", 4)
                if len(fields) < 4 or not fields[1].isdigit() or fields[1] not in participants:
                    continue
                assert fields[2] in ("assignsubmission", "assignfeedback") and fields[3] == "file"
                rest = fields[4] if len(fields) == 5 else ""
                filed.setdefault(fields[1], []).append((f"{fields[2]}_{fields[3]}", "/".join([rest, *parts])))
                break
            else:
                raise AssertionError(f"{info.filename}: no participant in any part of its path")
    return filed


# ---- the two round trips -------------------------------------------------------------------------------------------

def canvas_class(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("doejane_12345_67890_simple_rnn.py", reference_code())
        z.writestr("smithjohn_LATE_22222_67891_rnn.py", starter())
        z.writestr("leeann_33333_67892_essay.pdf", "%PDF-1.4")
    return str(path)


def moodle_class(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("Jane Doe_12345_assignsubmission_file/simple_rnn.py", reference_code())
        z.writestr("John Smith_22222_assignsubmission_file/rnn.py", starter())
        z.writestr("Ann Lee_33333_assignsubmission_onlinetext/onlinetext.html", "<p>see the attachment</p>")
        z.writestr("Zoë Müller_44444_assignsubmission_file_rnn.py", reference_code())
    return str(path)


def grade(source, out, *extra):
    proc = run_cli(source, "--out", str(out), *extra, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def cell(text):
    """`text` as one CSV cell (quoted where it must be)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([text])
    return buffer.getvalue()[:-1]


def stored(out, student):
    return gradebook.read_result(str(out), student)


@pytest.mark.slow
def test_a_canvas_download_round_trips(tmp_path):
    (tmp_path / "course.toml").write_text('[lms]\nassignment = "Week 3: SimpleRNN"\n')
    out = tmp_path / "out"
    proc = grade(canvas_class(tmp_path / "canvas.zip"), out, "--format", "canvas", "--config",
                 str(tmp_path / "course.toml"))
    assert f"Canvas (Grades → Import): {out / 'canvas_grades.csv'}" in proc.stdout
    text = read(out / "canvas_grades.csv")
    assert text == fixture("canvas_grades.csv")
    assert canvas_import(text) == (["Week 3: SimpleRNN"], ["100"], {"12345": "100", "22222": "0", "33333": ""})
    assert sorted(os.listdir(out / "feedback")) == ["12345.html", "22222.html", "33333.html"]
    for student in ("12345", "22222", "33333"):
        assert read(out / "feedback" / f"{student}.html") == read(out / student / "report.html")
    # Another setting, the same results (they are kept: only the gradebook is written again).
    (tmp_path / "course.toml").write_text('[lms]\nassignment = "Week 3 (4711)"\nungraded = "zero"\npoints = 10\n'
                                          'format = "canvas"\n')
    again = grade(str(tmp_path / "canvas.zip"), out, "--config", str(tmp_path / "course.toml"))
    assert "graded now: 0, kept: 3" in again.stdout
    assert canvas_import(read(out / "canvas_grades.csv")) == (["Week 3 (4711)"], ["10"],
                                                              {"12345": "10", "22222": "0", "33333": "0"})


@pytest.mark.slow
def test_a_moodle_download_round_trips(tmp_path):
    out = tmp_path / "out"
    proc = grade(moodle_class(tmp_path / "moodle.zip"), out, "--format", "moodle")
    assert "Moodle (Upload multiple feedback files in a zip)" in proc.stdout
    text = read(out / "moodle_grades.csv")
    expected = fixture("moodle_grades.csv")
    for student in ("12345", "22222", "33333", "44444"):
        d = stored(out, student)
        comments = "<br>\n".join(escape(line, quote=False) for line in exports.learner_summary(d))
        assert GRADED_AT.match(d["batch"]["graded_at"])
        expected = expected.replace("{graded_at}", d["batch"]["graded_at"], 1)
        expected = expected.replace("{comments}", cell(comments), 1)
    assert text == expected
    imported = moodle_worksheet_import(text)
    assert {k: v[0] for k, v in imported.items()} == {"12345": "100", "22222": "0", "33333": "", "44444": "100"}
    assert imported["33333"][2] == ("Score: 0/100 (0 of 27 checks passed).<br>\nCould not be graded (bad_file): no "
                                    ".py or .ipynb file among the files submitted (onlinetext.html)")
    assert imported["22222"][2].startswith("Score: 0/100 (")
    with zipfile.ZipFile(out / "moodle_feedback.zip") as z:
        assert z.namelist() == fixture("moodle_feedback.txt").splitlines()
        for name in z.namelist():
            student = name.split("_")[1]
            assert z.read(name) == (out / student / "report.html").read_bytes()
    assert moodle_zip_import(out / "moodle_feedback.zip", set(imported)) == {
        s: [("assignfeedback_file", "/report.html")] for s in ("12345", "22222", "33333", "44444")}


@pytest.mark.slow
def test_merge_writes_the_lms_files_one_run_writes(tmp_path):
    source = moodle_class(tmp_path / "moodle.zip")
    single = tmp_path / "single"
    grade(source, single, "--format", "moodle", "--format", "canvas")
    shards = [tmp_path / f"shard-{k}" for k in (1, 2)]
    for k, shard in enumerate(shards, start=1):
        grade(source, shard, "--shard", f"{k}/2", "--format", "moodle")
    (tmp_path / "course.toml").write_text('[lms]\nformat = ["moodle", "canvas"]\n')
    merged = tmp_path / "merged"
    proc = run_cli("merge", "--out", str(merged), *map(str, shards), "--config", str(tmp_path / "course.toml"))
    assert proc.returncode == 0, proc.stderr
    assert "Note: canvas_grades.csv: 4 left out, not from a Canvas download (no Canvas user id): 12345, 22222, " \
           "33333, 44444" in proc.stdout

    def masked(out):  # the grading times differ between the two gradings, nothing else does
        rows = list(csv.reader(io.StringIO(read(out / "moodle_grades.csv"))))
        return [row[:4] + row[5:] for row in rows]
    assert masked(merged) == masked(single)
    assert read(merged / "canvas_grades.csv") == read(single / "canvas_grades.csv")
    with zipfile.ZipFile(merged / "moodle_feedback.zip") as a, zipfile.ZipFile(single / "moodle_feedback.zip") as b:
        assert a.namelist() == b.namelist()
        assert all(a.read(n) == (merged / n.split("_")[1] / "report.html").read_bytes() for n in a.namelist())
    assert sorted(os.listdir(merged / "feedback")) == sorted(os.listdir(single / "feedback"))
    # Merged without the settings: no LMS files, and it says what the shards had.
    bare = run_cli("merge", "--out", str(tmp_path / "bare"), *map(str, shards))
    assert "pass --format moodle (and the shards' --config) to merge moodle_grades.csv" in bare.stdout
    assert not os.path.exists(tmp_path / "bare" / "moodle_grades.csv")


@pytest.mark.slow
def test_what_goes_back_to_learners_shows_no_hidden_case(tmp_path):
    from test_batch import HIDDEN_TOML, PRINTS_ITS_INPUTS, _found, _tokens, hidden_inputs

    import numpy as np
    wrong = read(os.path.join(ROOT, "tests", "submissions", "wrong", "truncated_bptt__col.py"))
    with zipfile.ZipFile(tmp_path / "moodle.zip", "w") as z:
        z.writestr("Pat Prints_12345_assignsubmission_file/rnn.py", PRINTS_ITS_INPUTS)
        z.writestr("Quinn Wrong_22222_assignsubmission_file/rnn.py", wrong)
    (tmp_path / "course.toml").write_text(HIDDEN_TOML)
    out = tmp_path / "out"
    grade(str(tmp_path / "moodle.zip"), out, "--config", str(tmp_path / "course.toml"), "--format", "moodle")
    values = hidden_inputs(str(tmp_path / "course.toml"))
    quinn = stored(out, "22222")
    values += [float(v) for c in quinn["checks"] if c["hidden"] for cmp in c["details"].get("comparisons", [])
               for v in np.ravel(cmp["expected"])]
    tokens = _tokens(values)
    assert len(_found(tokens, read(out / "12345" / "result.json") + read(out / "22222" / "result.json"))) > 20
    with zipfile.ZipFile(out / "moodle_feedback.zip") as z:
        zipped = "".join(z.read(n).decode() for n in z.namelist())
    learner_side = [read(out / "moodle_grades.csv"), zipped, read(out / "grades.csv")] + [
        read(out / "feedback" / n) for n in os.listdir(out / "feedback")]
    assert all(_found(tokens, text) == [] for text in learner_side)
    # Hidden cases: verdicts only. The learner's own output is shown, from the public cases alone (the hidden cases
    # run in a child of their own, whose output is dropped); the token check above finds no hidden value in it.
    assert "x =" in zipped and "hidden case: failed" in zipped


def test_rows_carry_nothing_but_the_learners_view():
    """No integrity finding and no hidden detail reaches a row, whatever else a stored result holds."""
    d = {"score": 50.0, "max_score": 110.0, "status": "graded", "error": None,
         "checks": [{"id": "hidden/backward-1", "group": "hidden", "status": "fail", "points": 0, "max_points": 10,
                     "hidden": True, "message": "update of W_hh differs by up to 0.1234567", "details": {"x": 1}},
                    {"id": "forward/basic", "group": "forward", "status": "pass", "points": 5, "max_points": 5,
                     "hidden": False, "message": "ok", "details": {}}],
         "diagnoses": [{"id": "truncated_bptt", "message": "No gradient flows through time.", "hint": "h?",
                        "evidence": {"factor": 0.1234567}}],
         "flags": [{"kind": "similar_to", "other": "bob"}], "stdout": "x = [0.1234567]", "stderr": "",
         "analysis": {}, "batch": {"name": "Pat", "lms_id": "12345", "graded_at": "2025-01-01T00:00:00+00:00",
                                   "flags": ["similar to bob"]}}
    rows = [exports.canvas_row(d, points=None, ungraded="empty"), exports.moodle_row(d, points=None, ungraded="empty"),
            exports.learner_summary(d)]
    text = json.dumps(rows)
    assert "bob" not in text and "similar" not in text and "0.1234567" not in text
    assert exports.learner_summary(d) == ["Score: 50/110 (1 of 2 checks passed).", "No gradient flows through time."]
    assert exports.canvas_row(d, points=10, ungraded="empty")[5] == "4.55"


def _write_result(out, student, **batch):
    d = {"score": 100.0, "max_score": 100.0, "status": "graded", "error": None, "checks": [], "diagnoses": [],
         "stdout": "", "stderr": "", "analysis": {}, "batch": {"name": "", "graded_at": "", **batch}}
    os.makedirs(out / student, exist_ok=True)
    (out / student / "result.json").write_text(json.dumps(d))
    (out / student / "report.html").write_text(f"<p>{student}</p>")


def test_students_no_lms_knows_are_left_out_and_said(tmp_path):
    out = tmp_path / "out"
    _write_result(out, "12345", layout="canvas", lms_id="12345", name="doejane")
    _write_result(out, "alice", layout="plain", lms_id="")
    _write_result(out, "33333", layout="moodle", lms_id="33333", name="Ann Lee")
    os.makedirs(out / "feedback")
    (out / "feedback" / "gone.html").write_text("a student no longer in the class")
    tally = gradebook.build(str(out), ["12345", "33333", "alice"], lms_settings=LmsSettings(("canvas", "moodle")))
    assert tally.notes == [
        "canvas_grades.csv: 2 left out, not from a Canvas download (no Canvas user id): 33333, alice",
        "moodle_grades.csv: 2 left out, not from a Moodle download (no participant number): 12345, alice"]
    assert sorted(os.listdir(out / "feedback")) == ["12345.html", "33333.html", "alice.html"]
    assert canvas_import(read(out / lms.CANVAS_GRADES))[2] == {"12345": "100"}
    assert list(moodle_worksheet_import(read(out / lms.MOODLE_GRADES))) == ["33333"]


@pytest.mark.parametrize("text, key, expected", [
    ('[lms]\nformat = "blackboard"\n', "lms.format", 'expected one of "canvas", "moodle", got \'blackboard\''),
    ("[lms]\nformat = 3\n", "lms.format", 'expected "canvas", "moodle" or a list of them, got 3'),
    ('[lms]\nassignment = ""\n', "lms.assignment", "expected the assignment's title in the LMS"),
    ('[lms]\nungraded = "blank"\n', "lms.ungraded", 'expected one of "empty", "zero"'),
    ("[lms]\npoints = 0\n", "lms.points", "expected a positive number, got 0"),
    ("[lms]\nsection = 2\n", "lms.section", "unknown key; expected one of format, assignment, ungraded, points"),
])
def test_lms_settings_are_checked(tmp_path, text, key, expected):
    (tmp_path / "c.toml").write_text(text)
    with pytest.raises(settings.ConfigError) as e:
        settings.load(str(tmp_path / "c.toml"))
    assert str(e.value).startswith(f"{tmp_path / 'c.toml'}: {key}: {expected}")


def test_lms_settings_defaults_and_the_command_line():
    course = settings.load(None)
    assert course.lms == LmsSettings((), "SimpleRNN", "empty", None)
    assert course.lms.with_formats(["gradescope", "moodle", "canvas"]).formats == ("canvas", "moodle")


def test_lms_formats_need_a_class(tmp_path):
    shutil.copy(STARTER, tmp_path / "a.py")
    proc = run_cli(str(tmp_path / "a.py"), "--format", "canvas")
    assert proc.returncode == 2 and "--format canvas is for a class (a folder or .zip, with --out)" in proc.stderr


def _reports(out, students):
    for s in students:
        (out / s).mkdir(parents=True)
        (out / s / "report.html").write_text(f"<p>{s}'s report</p>")


def test_feedback_is_each_report_under_another_name_or_a_copy_where_links_fail(tmp_path, monkeypatch):
    """feedback/<id>.html has the bytes of <id>/report.html: another name of that file where the filesystem links
    (no copy written), a copy where it can't, and nothing for a report that is not a regular file."""
    out = tmp_path / "out"
    _reports(out, ["ann", "bob"])
    os.symlink(out / "ann" / "report.html", tmp_path / "elsewhere.html")
    (out / "eve").mkdir()
    os.symlink(tmp_path / "elsewhere.html", out / "eve" / "report.html")
    with lms.Exporter(str(out), LmsSettings(), 100.0) as export:
        for s in ("ann", "bob", "eve"):
            export.add(s, {"batch": {}})
    assert sorted(os.listdir(out / "feedback")) == ["ann.html", "bob.html"]
    assert all(os.path.samefile(out / "feedback" / f"{s}.html", out / s / "report.html") for s in ("ann", "bob"))

    def no_links(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    (out / "ann" / "report.html").unlink()
    (out / "ann" / "report.html").write_text("<p>ann, graded again</p>")
    with lms.Exporter(str(out), LmsSettings(), 100.0) as export:
        export.add("ann", {"batch": {}})
    assert read(out / "feedback" / "ann.html") == "<p>ann, graded again</p>"
    assert not os.path.samefile(out / "feedback" / "ann.html", out / "ann" / "report.html")
    assert sorted(os.listdir(out / "feedback")) == ["ann.html"] and not any(
        n.startswith(".tmp-") for n in os.listdir(out / "feedback"))
