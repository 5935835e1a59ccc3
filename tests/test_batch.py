"""A class end to end through the CLI: outputs, --jobs, resuming after Ctrl-C and kill -9, a dying worker, shards
and merge, exports, hidden cases. One small generated class: the reference, the starter, a syntax error, an
endless loop (under a short --timeout), wrong implementations, a folder per student, a folder with no code."""
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import REFERENCE, ROOT, STARTER, SUBMISSIONS, reference_code, run_cli
from test_export import assert_gradescope_valid, junit_counts

from grader.course import batch, discover, gradebook
from grader.course import config as settings
from grader.run import confine

pytestmark = pytest.mark.slow

TIMEOUT = "2.5"  # the endless loop costs this much per run; a correct submission needs about 0.3 s


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


CLASS = {
    "alice.py": _read(REFERENCE),
    "bob.py": _read(STARTER),
    "carol.py": "import numpy as np\n\nclass SimpleRNN:\n    def forward(self, x:\n        pass\n",
    "dave.py": "while True:\n    pass\n",
    "erin.py": _read(os.path.join(SUBMISSIONS, "wrong", "truncated_bptt__col.py")),
    "frank.py": _read(os.path.join(SUBMISSIONS, "wrong", "loss_mean_over_time__col.py")),
    "gina/simple_rnn.py": _read(os.path.join(SUBMISSIONS, "wrong", "hidden_state_not_reset__col.py")),
    "gina/notes.txt": "my notes",
    "hank/essay.txt": "I did not write code",
    "ivan.py": _read(os.path.join(SUBMISSIONS, "correct", "float32.py")),
}
STUDENTS = ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan"]


def make_class(folder, files=CLASS):
    for name, text in files.items():
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return str(folder)


def grade_class(source, out, *extra, timeout=300):
    proc = run_cli(str(source), "--out", str(out), "--timeout", TIMEOUT, *extra, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return proc


def rows(out):
    with open(os.path.join(out, "grades.csv"), newline="") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def gradebook_text(out):
    return _read(os.path.join(out, "grades.csv"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The class graded once, uninterrupted, with two jobs, the Gradescope export and JUnit."""
    base = tmp_path_factory.mktemp("class")
    source = make_class(base / "class")
    out = base / "out"
    proc = grade_class(source, out, "--jobs", "2", "--format", "gradescope", "--junit", str(base / "junit.xml"))
    return {"source": source, "out": str(out), "junit": str(base / "junit.xml"), "proc": proc}


def test_outputs_gradebook_and_summary(clean):
    out, proc = clean["out"], clean["proc"]
    r = rows(out)
    assert list(r) == STUDENTS
    assert {k for k in r["alice"]} >= {"student", "score", "max_score", "status", "error_kind", "diagnoses",
                                        "sha256"}
    assert (r["alice"]["score"], r["alice"]["max_score"], r["alice"]["status"]) == ("100", "100", "graded")
    assert (r["ivan"]["score"], r["ivan"]["status"]) == ("100", "graded")
    assert (r["bob"]["score"], r["bob"]["diagnoses"]) == ("0", "not_implemented")
    assert (r["carol"]["status"], r["carol"]["error_kind"]) == ("error", "syntax_error")
    assert (r["dave"]["status"], r["dave"]["error_kind"]) == ("error", "timeout")
    assert (r["hank"]["status"], r["hank"]["error_kind"], r["hank"]["file"]) == ("error", "bad_file", "hank")
    assert r["gina"]["file"] == "gina/simple_rnn.py" and float(r["gina"]["points_forward"]) < 30
    for wrong in ("erin", "frank"):
        assert r[wrong]["status"] == "graded" and float(r[wrong]["points_backward"]) < 40
    assert r["alice"]["sha256"] == _sha(os.path.join(clean["source"], "alice.py"))
    for student in STUDENTS:
        assert sorted(os.listdir(os.path.join(out, student))) == ["report.html", "result.json", "results.json"]
    assert json.loads(_read(os.path.join(out, "hank", "result.json")))["error"]["message"] == \
        "no .py or .ipynb file among the files submitted (essay.txt)"
    # Not a terminal: a plain line per submission.
    assert len(re.findall(r"^\[\d+/9\] \w+: ", proc.stderr, re.M)) == 9
    assert "9 submissions (3 error, 6 graded)" in proc.stdout


def test_summary_for_the_instructor(clean):
    html = _read(os.path.join(clean["out"], "summary.html"))
    assert "<svg" in html and "<script" not in html and "<link" not in html
    assert "<strong>9</strong>submissions" in html and "<strong>3</strong>could not be graded" in html
    assert re.search(r"<title>90–100 %: 2</title>", html)  # alice and ivan
    assert '<strong>not_implemented</strong>: 1 submission<br>' in html and '<a href="bob/report.html">bob</a>' in html
    for student, kind in (("carol", "syntax_error"), ("dave", "timeout"), ("hank", "bad_file")):
        assert re.search(rf'<a href="{student}/report.html">{student}</a></td>\s*<td class="l">[^<]*</td>'
                         rf'<td class="l">{kind}</td>', html), student
    # Pass rate per check among the 6 graded: forward/basic passes for all but bob (starter).
    assert re.search(r"forward/basic</td><td>5</td>\s*<td>5</td>", html)


def _sha(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_jobs_1_gives_the_same_grades(clean, tmp_path):
    out = tmp_path / "out"
    grade_class(clean["source"], out, "--jobs", "1")
    assert gradebook_text(out) == gradebook_text(clean["out"])
    for student in STUDENTS:
        one, two = (json.loads(_read(os.path.join(o, student, "result.json"))) for o in (out, clean["out"]))
        assert one["checks"] == two["checks"] and one["diagnoses"] == two["diagnoses"]


def test_rerun_grades_only_what_is_missing_or_changed(clean, tmp_path):
    source = shutil.copytree(clean["source"], tmp_path / "class")
    out = shutil.copytree(clean["out"], tmp_path / "out")
    again = grade_class(source, out)
    assert "9 submissions in" in again.stderr and "9 already graded and unchanged, 0 to grade" in again.stderr
    assert gradebook_text(out) == gradebook_text(clean["out"])
    with open(os.path.join(source, "erin.py"), "a") as f:
        f.write("\n# one more comment\n")
    shutil.rmtree(os.path.join(out, "frank"))
    changed = grade_class(source, out)
    assert "7 already graded and unchanged, 2 to grade" in changed.stderr
    assert sorted(re.findall(r"^\[\d/2\] (\w+):", changed.stderr, re.M)) == ["erin", "frank"]
    assert rows(out)["erin"]["sha256"] == _sha(os.path.join(source, "erin.py")) != rows(clean["out"])["erin"]["sha256"]
    # Other settings: everything is graded again.
    regraded = grade_class(source, out, "--memory-mb", "900")
    assert "0 already graded and unchanged, 9 to grade" in regraded.stderr


def _start(source, out, jobs):
    # A shell ignores SIGINT in what it starts in the background, and that is inherited: undo it, as a terminal
    # would have it, whatever started these tests.
    return subprocess.Popen([sys.executable, "-m", "grader", source, "--out", str(out), "--timeout", TIMEOUT,
                             "--jobs", str(jobs)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for_results(out, n, proc):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = [s for s in STUDENTS if os.path.exists(os.path.join(out, s, "result.json"))]
        if len(done) >= n:
            return done
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError("the batch made no progress")


def test_kill_9_midway_then_rerun_equals_a_clean_run(clean, tmp_path):
    out = tmp_path / "out"
    proc = _start(clean["source"], out, 1)
    _wait_for_results(out, 2, proc)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, as a power cut would
    proc.wait()
    assert not os.path.exists(out / "grades.csv")
    done = [s for s in STUDENTS if os.path.exists(out / s / "result.json")]
    assert 2 <= len(done) < len(STUDENTS)
    resumed = grade_class(clean["source"], out)
    assert f"{len(done)} already graded and unchanged, {9 - len(done)} to grade" in resumed.stderr
    assert gradebook_text(out) == gradebook_text(clean["out"])
    assert not [n for s in STUDENTS for n in os.listdir(out / s) if n.startswith(".tmp-")]


def test_ctrl_c_saves_what_is_done_and_a_rerun_finishes(clean, tmp_path):
    out = tmp_path / "out"
    proc = _start(clean["source"], out, 2)
    _wait_for_results(out, 1, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted: " in err and "Run the same command again to grade the rest." in err
    assert not os.path.exists(out / "grades.csv")
    grade_class(clean["source"], out)
    assert gradebook_text(out) == gradebook_text(clean["out"])


def _workers(pid):
    """The batch's pool processes: forks of the batch (the same command line), or spawned interpreters running
    multiprocessing's spawn_main (batch.pool_start_method)."""
    found = []
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        parent = f.read()
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and (b"spawn_main" in cmd or cmd == parent):
            found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="finds the workers through /proc")
def test_a_worker_that_dies_does_not_stop_the_batch(clean, tmp_path):
    out = tmp_path / "out"
    proc = _start(clean["source"], out, 2)
    _wait_for_results(out, 1, proc)
    workers = _workers(proc.pid)
    assert workers
    os.kill(workers[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert err.count("a grading process died; the submissions it held are graded again") == 1
    # Its submissions were graded again in a fresh pool: nothing is missing and nothing differs.
    assert gradebook_text(out) == gradebook_text(clean["out"])


def test_three_shards_merged_equal_one_run(clean, tmp_path):
    shards = [tmp_path / f"shard-{k}" for k in (1, 2, 3)]
    for k, shard in enumerate(shards, start=1):
        grade_class(clean["source"], shard, "--shard", f"{k}/3", "--jobs", "1")
    parts = [list(rows(s)) for s in shards]
    assert sorted(sum(parts, [])) == STUDENTS and all(len(p) == 3 for p in parts)
    assert parts[0] == ["alice", "dave", "gina"]  # every third student in id order, from the first
    proc = run_cli("merge", "--out", str(tmp_path / "merged"), *map(str, shards), "--junit",
                   str(tmp_path / "merged" / "junit.xml"))
    assert proc.returncode == 0, proc.stderr
    assert gradebook_text(tmp_path / "merged") == gradebook_text(clean["out"])
    assert sorted(os.listdir(tmp_path / "merged" / "erin")) == ["report.html", "result.json"]
    assert int(ET.parse(tmp_path / "merged" / "junit.xml").getroot().get("tests")) == \
        int(ET.parse(clean["junit"]).getroot().get("tests"))
    assert _read(tmp_path / "merged" / "summary.html") == _read(os.path.join(clean["out"], "summary.html"))
    # Shards of different classes: the summary says it is a merge.
    other = shutil.copytree(shards[0], tmp_path / "other-class")
    for student in os.listdir(other):
        path = os.path.join(other, student, "result.json")
        if os.path.isfile(path):
            d = json.loads(_read(path))
            d["batch"]["class"] = "another"
            with open(path, "w") as f:
                json.dump(d, f)
    assert run_cli("merge", "--out", str(tmp_path / "mixed"), str(other), str(shards[1])).returncode == 0
    assert "merged from 2 shards" in _read(tmp_path / "mixed" / "summary.html")


def test_merge_refuses_unfinished_or_conflicting_shards(clean, tmp_path):
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    proc = run_cli("merge", "--out", str(tmp_path / "m"), clean["out"], str(unfinished))
    assert proc.returncode == 2 and f"{unfinished}: no grades.csv; did that shard finish?" in proc.stderr
    other = shutil.copytree(clean["out"], tmp_path / "other")
    result = json.loads(_read(os.path.join(other, "bob", "result.json")))
    result["score"] = 50
    with open(os.path.join(other, "bob", "result.json"), "w") as f:
        json.dump(result, f)
    proc = run_cli("merge", "--out", str(tmp_path / "m"), clean["out"], str(other))
    assert proc.returncode == 2 and "student bob is in both" in proc.stderr
    assert run_cli("merge", "--out", str(tmp_path / "m"), clean["out"], clean["out"]).returncode == 0


def test_gradescope_results_for_every_student(clean):
    for student in STUDENTS:
        data = json.loads(_read(os.path.join(clean["out"], student, "results.json")))
        assert_gradescope_valid(data)
        assert data["score"] == float(rows(clean["out"])[student]["score"])
    dave = json.loads(_read(os.path.join(clean["out"], "dave", "results.json")))
    assert "Could not be graded (timeout): stopped after the 2.5 s time limit" in dave["output"]


def test_junit_for_the_class(clean):
    root = ET.parse(clean["junit"]).getroot()
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == STUDENTS
    for suite in suites:
        assert {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")} == junit_counts(suite)
    for k in ("tests", "failures", "errors", "skipped"):
        assert int(root.get(k)) == sum(int(s.get(k)) for s in suites)
    alice = suites[0]
    assert alice.get("failures") == alice.get("errors") == alice.get("skipped") == "0"
    carol = suites[2]
    assert carol.find("testcase[@name='submission']/error").get("type") == "syntax_error"


def test_canvas_and_moodle_zips_graded_by_student_id(tmp_path):
    canvas = tmp_path / "canvas.zip"
    import zipfile
    with zipfile.ZipFile(canvas, "w") as z:
        z.writestr("doejane_12345_67890_simple_rnn.py", reference_code())
        z.writestr("smithjohn_late_22222_67891_rnn.py", _read(STARTER))
    grade_class(canvas, tmp_path / "c", "--jobs", "2")
    r = rows(tmp_path / "c")
    assert [(s, r[s]["name"], r[s]["score"]) for s in r] == [("12345", "doejane", "100"), ("22222", "smithjohn", "0")]
    moodle = tmp_path / "moodle.zip"
    with zipfile.ZipFile(moodle, "w") as z:
        z.writestr("Jane Doe_12345_assignsubmission_file_/simple_rnn.py", reference_code())
        z.writestr("Jane Doe_12345_assignsubmission_onlinetext_/onlinetext.html", "<p>done</p>")
        z.writestr("John Smith_22222_assignsubmission_file_/rnn.ipynb", _read(STARTER.replace(".py", ".ipynb")))
    grade_class(moodle, tmp_path / "m", "--jobs", "2")
    r = rows(tmp_path / "m")
    assert [(s, r[s]["name"], r[s]["file"], r[s]["score"]) for s in r] == [
        ("12345", "Jane Doe", "Jane Doe_12345_assignsubmission_file_/simple_rnn.py", "100"),
        ("22222", "John Smith", "John Smith_22222_assignsubmission_file_/rnn.ipynb", "0")]


# ---- hidden cases ------------------------------------------------------------------------------------------------

PRINTS_ITS_INPUTS = reference_code().replace("    def forward(self, x):\n",
                                             "    def forward(self, x):\n        print('x =', x.tolist())\n", 1)
HIDDEN_TOML = '[hidden]\nseed = "not for learners"\nforward = 2\nbackward = 2\npoints = 10\n'


def _tokens(values):
    """Each number as the reports would spell it: repr (JSON, Python lists) and 6 significant digits (messages)."""
    out = set()
    for v in values:
        short = f"{v:.6g}"
        if abs(v) > 0.05:
            out.add(repr(float(v)))
        if abs(v) > 0.05 and len(short.lstrip("-0.").replace(".", "")) == 6:  # 0.183 would match anything's 3 digits
            out.add(short)
    return out


def _found(tokens, text):
    return sorted(tokens & set(re.findall(r"(?<![\d.])-?\d+\.\d+", text)))


def hidden_inputs(config_path):
    """Every number the hidden cases of the course at `config_path` hand a learner's code: inputs, targets,
    weights."""
    import numpy as np
    inputs = []
    for p in settings.build_plan(settings.load(config_path)).probes:
        if p.name.startswith("hidden/"):
            for key in ("xs", "x", "y"):
                arrays = p.meta.get(key)
                arrays = arrays if isinstance(arrays, list) else [arrays] if arrays is not None else []
                inputs += [float(v) for a in arrays for v in np.ravel(a)]
            inputs += [float(v) for a in p.meta["params"].values() for v in np.ravel(a)]
    return inputs


def test_hidden_cases_never_appear_in_a_learner_report(tmp_path):
    assert "print('x ='" in PRINTS_ITS_INPUTS
    source = make_class(tmp_path / "class", {"pat.py": PRINTS_ITS_INPUTS,
                                             "quinn.py": CLASS["erin.py"], "rob.py": CLASS["bob.py"]})
    (tmp_path / "course.toml").write_text(HIDDEN_TOML)
    out = tmp_path / "out"
    grade_class(source, out, "--config", str(tmp_path / "course.toml"), "--format", "gradescope", "--junit",
                str(tmp_path / "junit.xml"))
    import numpy as np
    input_tokens = _tokens(hidden_inputs(str(tmp_path / "course.toml")))
    quinn = json.loads(_read(out / "quinn" / "result.json"))
    hidden_checks = [c for c in quinn["checks"] if c["hidden"]]
    assert [c["id"] for c in hidden_checks] == ["hidden/forward-1", "hidden/forward-2", "hidden/backward-1",
                                                "hidden/backward-2"]
    expected = [float(v) for c in hidden_checks for cmp in c["details"].get("comparisons", [])
                for v in np.ravel(cmp["expected"])]
    expected_tokens = _tokens(expected)
    # The instructor's view has them (so this test can fail): pat's printed inputs, quinn's expected values.
    assert len(_found(input_tokens, _read(out / "pat" / "result.json"))) > 20
    assert len(_found(expected_tokens, _read(out / "quinn" / "result.json"))) > 20
    assert any(c["status"] == "fail" for c in hidden_checks)
    learner_files = [out / s / name for s in ("pat", "quinn", "rob") for name in ("report.html", "results.json")]
    for path in learner_files + [tmp_path / "junit.xml"]:
        text = _read(path)
        assert _found(input_tokens | expected_tokens, text) == [], path
    # What learners do get: each hidden case's verdict, and what their code printed during the public cases (the
    # hidden ones run in a child of their own, whose output only the instructor sees).
    report = _read(out / "quinn" / "report.html")
    assert "hidden/backward-2" in report and "hidden case: failed" in report
    gs = json.loads(_read(out / "pat" / "results.json"))
    assert_gradescope_valid(gs)
    assert [t["visibility"] for t in gs["tests"] if t["name"].startswith("hidden/")] == ["after_due_date"] * 4
    assert "x =" in _read(out / "pat" / "report.html")
    assert "hidden_run" not in gs and "hidden-run" not in _read(out / "pat" / "report.html")
    assert len(_found(input_tokens, _read(out / "pat" / "instructor.html"))) > 20  # the hidden run's output
    # The instructor's own report of a student shows the hidden cases whole.
    assert len(_found(expected_tokens, _read(out / "quinn" / "instructor.html"))) > 0
    assert rows(out)["pat"]["max_score"] == "110" and rows(out)["pat"]["points_hidden"] == "10"


# ---- Gradescope's autograder ---------------------------------------------------------------------------------------

def test_gradescope_subcommand_picks_the_file_or_says_why_not(tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "my_rnn.py").write_text(reference_code())
    proc = run_cli("gradescope", "--submission", str(sub), "--results", str(tmp_path / "results"))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(_read(tmp_path / "results" / "results.json"))
    assert_gradescope_valid(data)
    assert data["score"] == 100
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "answer.txt").write_text("?")
    assert run_cli("gradescope", "--submission", str(empty), "--results", str(tmp_path / "r2")).returncode == 0
    data = json.loads(_read(tmp_path / "r2" / "results.json"))
    assert data["score"] == 0 and "Could not be graded (bad_file): no .py or .ipynb file among the files " \
                                  "submitted (answer.txt)" in data["output"]


def test_gradescope_package_runs_like_the_autograder(tmp_path):
    import zipfile

    from grader.course import gradescope as gradescope_pack

    (tmp_path / "course.toml").write_text(HIDDEN_TOML)
    archive = gradescope_pack.build(str(tmp_path / "dist"), str(tmp_path / "course.toml"))
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
    assert {"setup.sh", "run_autograder", "requirements.txt", "config.toml", "grader/cli.py",
            "solution/simple_rnn.py", "templates/report.html.j2", "templates/summary.html.j2"} <= names
    assert not any(n.startswith(("tests/", "starter/", "templates/gradescope")) for n in names)
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    sub, results = tmp_path / "submission", tmp_path / "results"
    sub.mkdir()
    (sub / "simple_rnn.py").write_text(CLASS["erin.py"])
    env = {**os.environ, "AUTOGRADER_SOURCE": str(tmp_path / "dist" / "gradescope"),
           "AUTOGRADER_PYTHON": sys.executable, "AUTOGRADER_SUBMISSION": str(sub), "AUTOGRADER_RESULTS": str(results)}
    proc = subprocess.run([str(tmp_path / "dist" / "gradescope" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(_read(results / "results.json"))
    assert_gradescope_valid(data)
    assert [t["name"] for t in data["tests"] if t["name"].startswith("hidden/")] == [
        "hidden/forward-1", "hidden/forward-2", "hidden/backward-1", "hidden/backward-2"]


# ---- the command line and the progress display ---------------------------------------------------------------------

def test_batch_usage_errors(tmp_path):
    cls = make_class(tmp_path / "class", {"a.py": "x = 1\n"})
    no_out = run_cli(cls)
    assert no_out.returncode == 2 and "say where its results go with --out DIR" in no_out.stderr
    single_only = run_cli(cls, "--out", str(tmp_path / "o"), "--json", "x.json")
    assert single_only.returncode == 2 and "--json is for one submission" in single_only.stderr
    bad_shard = run_cli(cls, "--out", str(tmp_path / "o"), "--shard", "4/3")
    assert bad_shard.returncode == 2 and "expected K/N with 1 ≤ K ≤ N" in bad_shard.stderr
    missing = run_cli(str(tmp_path / "nope.zip"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    (tmp_path / "fake.zip").write_text("not a zip")
    fake = run_cli(str(tmp_path / "fake.zip"), "--out", str(tmp_path / "o"))
    assert fake.returncode == 2 and "neither a folder nor a .zip file" in fake.stderr


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal_and_lines_otherwise():
    tty = _Terminal()
    bar = batch.Progress(3, tty)
    bar.done(batch.Done("alice", "graded", 100, 100, ""))
    bar.done(batch.Done("bob", "error", 0, 100, "timeout"))
    assert "\r\033[K2/3 [" in tty.getvalue() and "ETA " in tty.getvalue() and "bob: not graded (timeout)" in tty.getvalue()
    plain = io.StringIO()
    lines = batch.Progress(2, plain)
    lines.done(batch.Done("alice", "graded", 87.5, 100, ""))
    lines.done(batch.Done("carol", "graded", 40, 100, "timeout"))
    assert plain.getvalue() == "[1/2] alice: 87.5/100\n[2/2] carol: 40/100, stopped early (timeout)\n"


def test_a_grader_failure_while_writing_is_recorded_and_retried(tmp_path, monkeypatch):
    """In-process: rendering raises (a grader bug); the student still gets a result saying so, and the next
    run grades them again."""
    source = make_class(tmp_path / "class", {"alice.py": CLASS["alice.py"]})
    (entry,) = discover.submissions(source)
    config = settings.grade_config(settings.load(None))
    options = batch.Options(out=str(tmp_path / "out"))
    monkeypatch.setattr(batch.html, "from_dict", lambda *a, **k: 1 / 0)
    done = batch.grade_entry(entry, config, "key", options)
    assert (done.status, done.error_kind) == ("error", "internal")
    stored = gradebook.read_result(options.out, "alice")
    assert "ZeroDivisionError" in stored["error"]["traceback"]
    assert not batch._up_to_date(options, entry, "key")


# ---- issue 10: whose a file is, unreadable members, gradebook cells, file modes ------------------------------------

def test_a_hostile_class_zip_gives_a_row_for_every_real_student(tmp_path):
    """Layouts mixed in one zip: a Canvas upload named like Moodle's prefix (it used to be filed under the victim,
    who got bad_file and 0), names that used to merge (Müller/Möller) or become `student` (李, 王), a Moodle name
    that is a spreadsheet formula, and four members that can't be extracted (each used to stop the whole class)."""
    from test_discover import patch_member

    archive = tmp_path / "class.zip"
    import zipfile
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("victim_12345_33333_simple_rnn.py", reference_code())
        z.writestr("mallory_11111_22222_x_12345_assignsubmission_file_.py", _read(STARTER))
        for name, code in (("Müller", reference_code()), ("Möller", _read(STARTER)), ("李", reference_code()),
                           ("王", reference_code())):
            z.writestr(f"{name}.py", code)
        z.writestr('=HYPERLINK("evil.example";"x")_12346_assignsubmission_file/rnn.py', reference_code())
        z.writestr("bob_" + "b" * 270 + ".py", reference_code())
        z.writestr("carl/x", "notes")
        z.writestr("carl/x/simple_rnn.py", reference_code())
        z.writestr("dora.py", reference_code())
        z.writestr("emil.py", reference_code() * 2)
    patch_member(archive, "dora.py", "unsupported method")
    patch_member(archive, "emil.py", "corrupt deflate")
    out = tmp_path / "out"
    proc = grade_class(archive, out, "--jobs", "2")
    assert "Traceback" not in proc.stderr
    r = rows(out)
    assert sorted(r) == sorted(["11111", "12345", "12346", "Müller", "Möller", "李", "王", "bob_" + "b" * 56,
                                "carl", "dora", "emil"])
    assert [(s, r[s]["score"]) for s in ("12345", "11111", "Müller", "Möller", "李", "王", "12346")] == [
        ("12345", "100"), ("11111", "0"), ("Müller", "100"), ("Möller", "0"), ("李", "100"), ("王", "100"),
        ("12346", "100")]
    for culprit in ("bob_" + "b" * 56, "carl", "dora", "emil"):
        assert (r[culprit]["status"], r[culprit]["error_kind"]) == ("error", "bad_file"), culprit
        assert "can't be extracted from the zip" in r[culprit]["summary"]
    # The formula in a name is text in the gradebook; numbers stay numbers.
    assert r["12346"]["name"] == '\'=HYPERLINK("evil.example";"x")'
    assert r["12346"]["file"] == '\'=HYPERLINK("evil.example";"x")_12346_assignsubmission_file/rnn.py'
    assert r["12346"]["summary"] == "Score: 100/100 (27 of 27 checks passed)."
    assert r["dora"]["summary"].startswith("Score: 0/100 (0 of 27 checks passed). Could not be graded (bad_file): "
                                           "dora.py can't be extracted from the zip (That compression method")


def test_gradebook_cells_that_look_like_formulas_are_text():
    d = {"batch": {"name": "@SUM(A1)", "file": "-2+3.py"}, "checks": [], "diagnoses": [], "score": 12.5,
         "max_score": 100, "status": "graded", "sha256": "ab"}
    row = gradebook.grade_row("12345", d, [])
    assert row[:3] == ["12345", "'@SUM(A1)", "'-2+3.py"] and row[3:6] == ["12.5", "100", "12.50"]
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert gradebook.grade_row("s", dict(d, batch={"name": start + "x"}), [])[1] == "'" + start + "x"
    assert gradebook.grade_row("s", dict(d, batch={"name": "Ann =1"}), [])[1] == "Ann =1"


def test_files_with_hidden_expected_values_are_private(tmp_path):
    source = make_class(tmp_path / "class", {"alice.py": reference_code()})
    (tmp_path / "course.toml").write_text(HIDDEN_TOML)
    out = tmp_path / "out"
    grade_class(source, out, "--config", str(tmp_path / "course.toml"))
    shared = 0o666 & ~_umask()
    modes = {n: os.stat(out / "alice" / n).st_mode & 0o777 for n in os.listdir(out / "alice")}
    assert modes == {"result.json": 0o600, "instructor.html": 0o600, "report.html": shared}
    assert os.stat(out / "grades.csv").st_mode & 0o777 == shared
    assert os.stat(out / "feedback" / "alice.html").st_mode & 0o777 == shared
    merged = tmp_path / "merged"
    assert run_cli("merge", "--out", str(merged), str(out)).returncode == 0
    assert {n: os.stat(merged / "alice" / n).st_mode & 0o777 for n in os.listdir(merged / "alice")} == modes
    one = tmp_path / "one.json"
    assert run_cli(os.path.join(source, "alice.py"), "--config", str(tmp_path / "course.toml"), "--json", str(one),
                   "--quiet").returncode == 0
    assert os.stat(one).st_mode & 0o777 == 0o600
    assert run_cli(os.path.join(source, "alice.py"), "--json", str(tmp_path / "plain.json"), "--quiet").returncode == 0
    assert os.stat(tmp_path / "plain.json").st_mode & 0o777 == shared  # no hidden cases: as before


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_gradebook_from_the_workers_cards_equals_one_read_back_from_disk(clean, tmp_path):
    """A batch builds its gradebook from the compact cards its workers send (gradebook.card); a gradebook pass
    over the stored result.json files alone (as merge and a rerun make it) must write the same files."""
    out = tmp_path / "out"
    shutil.copytree(clean["out"], out)
    made = {name: _read(os.path.join(out, name)) for name in ("grades.csv", "summary.html", "integrity.csv")}
    made["junit"] = _read(clean["junit"])
    made["feedback"] = {n: _read(os.path.join(out, "feedback", n)) for n in os.listdir(os.path.join(out, "feedback"))}
    tally = gradebook.build(str(out), STUDENTS, junit=str(tmp_path / "junit.xml"), title="class")
    again = {name: _read(os.path.join(out, name)) for name in ("grades.csv", "summary.html", "integrity.csv")}
    again["junit"] = _read(tmp_path / "junit.xml")
    again["feedback"] = {n: _read(os.path.join(out, "feedback", n)) for n in os.listdir(os.path.join(out, "feedback"))}
    assert tally.total == len(STUDENTS)
    assert len(made["feedback"]) == len(STUDENTS)  # hank wrote no code: his report says so
    for name in made:
        assert again[name] == made[name], name
    # and the cards hold every field the gradebook reads, in a few KB where a result.json takes hundreds
    d = gradebook.read_result(str(out), "alice")
    card = gradebook.card(d)
    assert len(card) < len(json.dumps(d)) / 10
    slim = gradebook._from_card(card)
    assert "analysis" not in slim and {k: v for k, v in d.items() if k not in ("analysis", "checks")} == \
        {k: v for k, v in slim.items() if k != "checks"}


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_workers_are_forked_only_while_the_batch_has_one_thread():
    import threading

    assert batch.pool_start_method() == "fork"
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert batch.pool_start_method() == "spawn"  # a fork could inherit a lock this thread holds
    finally:
        stop.set()
        t.join()
    assert batch.pool_start_method() == "fork"


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked on Linux only")
def test_a_joined_thread_still_exiting_in_the_kernel_does_not_make_the_pool_spawn(monkeypatch):
    """join() returns before the kernel's thread has gone, so /proc may count it a moment longer: while Python
    knows of no other thread, the count is awaited; a thread that is still running makes it spawn at once."""
    counts = iter([2, 2, 2])
    monkeypatch.setattr(confine, "thread_count", lambda: next(counts, 1))
    assert batch.pool_start_method() == "fork"
    assert next(counts, "used") == "used"  # it asked until the count fell
    monkeypatch.setattr(confine, "thread_count", lambda: 2)
    assert batch.pool_start_method() == "spawn"  # a count that stays up is not waited for forever
    import threading
    import time

    def no_waiting(_):
        raise AssertionError("waited for a thread Python knows is running")

    monkeypatch.setattr(time, "sleep", no_waiting)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert batch.pool_start_method() == "spawn"
    finally:
        stop.set()
        t.join()
