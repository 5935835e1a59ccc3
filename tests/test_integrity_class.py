"""The similarity pass on a class graded end to end through the CLI: copies (verbatim, renamed, reformatted, of a
file in --known), identical wrong behaviour from code that is not a copy, and independent work (in other styles,
the same misconception written another way, the starter twice) get exactly the expected flags; learners see
none of it; a rerun after one change recomputes that file only and equals a clean run; shards merged equal one
run."""
import csv
import json
import os
import shutil

import pytest

from conftest import REFERENCE, ROOT, STARTER, SUBMISSIONS, run_cli
from test_batch import make_class

from grader.course import printstore
from grader.tools import copies

pytestmark = pytest.mark.slow

INTEGRITY = os.path.join(ROOT, "tests", "integrity")


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _independent(name):
    return _read(os.path.join(INTEGRITY, "independent", name + ".py"))


PUBLISHED = _independent("module_functions")      # "found online": given with --known
WRONG = _read(os.path.join(SUBMISSIONS, "wrong", "loss_mean_over_time__col.py"))
CLASS = {
    "alice.py": _read(REFERENCE),
    "bob.py": "# my solution\n" + _read(REFERENCE).replace("\n\n", "\n\n\n").replace("  # ", "  # note: "),
    "carol.py": copies.renamed(_independent("karpathy_port")),
    "dave.py": _independent("karpathy_port"),
    "erin.py": copies.reformatted(copies.renamed(PUBLISHED)),
    "frank.py": WRONG,
    "gina.py": _read(os.path.join(INTEGRITY, "same_behaviour", "loss_mean_over_time__restructured.py")),
    "hank.py": _read(os.path.join(SUBMISSIONS, "wrong", "loss_mean_over_time__row.py")),
    "ivan.py": _read(STARTER),
    "judy.py": _read(STARTER),
    "ken.py": "import numpy as np\n\nclass SimpleRNN:\n    def forward(self, x:\n",
    "leo.py": _independent("preallocated"),
    "mia/simple_rnn.py": _independent("spanish_while"),
    "ned.py": _independent("row_slices"),
    "olga.py": _read(os.path.join(SUBMISSIONS, "correct", "einsum_vectorised.py")),
    "pat/notes.txt": "I did not write code",
}
STUDENTS = sorted(n.split("/")[0].removesuffix(".py") for n in CLASS)
EXPECTED = [("alice", "bob", "identical"), ("carol", "dave", "near_copy"),
            ("erin", "known:published.py", "known_source"), ("frank", "gina", "same_behaviour")]
KIND_WORDS = ("identical", "near_copy", "known_source", "same_behaviour", "worth a look", "integrity")


def grade(source, out, *extra):
    proc = run_cli(str(source), "--out", str(out), "--timeout", "5", "--jobs", "2", *extra, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc


def flagged(out):
    with open(os.path.join(out, "integrity.csv"), newline="") as f:
        return [(r["student"], r["other"], r["kind"]) for r in csv.DictReader(f)]


def text(path):
    return _read(path)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("integrity")
    source = make_class(base / "class", CLASS)
    known = base / "known"
    known.mkdir()
    (known / "published.py").write_text(PUBLISHED)
    out = base / "out"
    grade(source, out, "--known", str(known), "--format", "gradescope", "--junit", str(base / "junit.xml"))
    return {"base": base, "source": source, "known": str(known), "out": str(out)}


def test_exactly_the_expected_flags(graded):
    assert flagged(graded["out"]) == EXPECTED
    with open(os.path.join(graded["out"], "integrity.csv"), newline="") as f:
        rows = {(r["student"], r["other"]): r for r in csv.DictReader(f)}
    assert float(rows[("carol", "dave")]["similarity"]) == 1.0 and "lines " in rows[("carol", "dave")]["detail"]
    assert 0.7 <= float(rows[("erin", "known:published.py")]["similarity"]) <= 1.0
    assert "bit for bit" in rows[("frank", "gina")]["detail"]
    with open(os.path.join(graded["out"], "grades.csv"), newline="") as f:
        flags = {r["student"]: r["flags"] for r in csv.DictReader(f)}
    assert flags == {**{s: "" for s in STUDENTS}, "alice": "identical:bob", "bob": "identical:alice",
                     "carol": "near_copy:dave", "dave": "near_copy:carol", "erin": "known_source:known:published.py",
                     "frank": "same_behaviour:gina", "gina": "same_behaviour:frank"}


def test_the_same_misconception_written_independently_is_not_the_same_behaviour(graded):
    frank, hank = (json.loads(text(os.path.join(graded["out"], s, "result.json"))) for s in ("frank", "hank"))
    assert [d["id"] for d in frank["diagnoses"]] == [d["id"] for d in hank["diagnoses"]] == ["loss_mean_over_time"]
    assert frank["score"] == hank["score"] and frank["behaviour"] != hank["behaviour"]


def test_the_summary_shows_clusters_side_by_side(graded):
    html = text(os.path.join(graded["out"], "summary.html"))
    assert "Similar submissions, worth a look" in html and "4 pairs in 4 groups" in html
    assert html.count('class="pair"') == 4 and html.count('<table class="code">') == 8
    assert 'class="m0"' in html and "<script" not in html and "<link" not in html
    assert "cheat" not in html.lower() and "plagiar" not in html.lower()
    assert "1 submission had no code to compare" in html  # pat's
    assert 'href="ken/report.html"' not in html.split('id="integrity"')[1]  # too short to compare: never flagged


def test_learners_see_none_of_it(graded):
    out = graded["out"]
    summary = text(os.path.join(out, "summary.html"))
    assert all(w in summary for w in ("identical", "near_copy", "same_behaviour", "worth a look"))  # control
    learner_files = [os.path.join(out, s, n) for s in STUDENTS for n in ("report.html", "results.json")]
    for path in learner_files + [str(graded["base"] / "junit.xml")]:
        content = text(path)
        assert not any(w in content for w in KIND_WORDS), path
    assert "bob" not in text(os.path.join(out, "alice", "report.html"))


def test_a_rerun_after_one_change_fingerprints_that_file_and_equals_a_clean_run(graded, tmp_path):
    source = shutil.copytree(graded["source"], tmp_path / "class")
    out = shutil.copytree(graded["out"], tmp_path / "out")
    stored = set(os.listdir(os.path.join(out, printstore.CACHE)))
    same = grade(source, out, "--known", graded["known"])
    assert "0 to grade" in same.stderr and flagged(out) == EXPECTED
    assert set(os.listdir(os.path.join(out, printstore.CACHE))) == stored
    # dave rewrites his file: carol's copy of it no longer matches anything.
    (tmp_path / "class" / "dave.py").write_text(_independent("outer_products"))
    changed = grade(source, out, "--known", graded["known"])
    assert "1 to grade" in changed.stderr
    new = set(os.listdir(os.path.join(out, printstore.CACHE))) - stored
    assert len(new) == 1 and printstore.load(str(out), new.pop()[:-5]) is not None
    clean = grade(source, tmp_path / "clean", "--known", graded["known"])
    assert "0 already graded" in clean.stderr
    assert flagged(out) == flagged(tmp_path / "clean") == [e for e in EXPECTED if e[0] != "carol"]
    assert text(os.path.join(out, "integrity.csv")) == text(os.path.join(tmp_path / "clean", "integrity.csv"))


def test_shards_merged_give_the_flags_of_one_run(graded, tmp_path):
    shards = [tmp_path / f"shard-{k}" for k in (1, 2, 3)]
    for k, shard in enumerate(shards, start=1):
        grade(graded["source"], shard, "--shard", f"{k}/3", "--known", graded["known"])
    proc = run_cli("merge", "--out", str(tmp_path / "merged"), *map(str, shards))
    assert proc.returncode == 0, proc.stderr
    assert text(os.path.join(tmp_path / "merged", "integrity.csv")) == text(os.path.join(graded["out"],
                                                                                       "integrity.csv"))
    with open(os.path.join(tmp_path / "merged", "grades.csv"), newline="") as f:
        merged = [r["flags"] for r in csv.DictReader(f)]
    with open(os.path.join(graded["out"], "grades.csv"), newline="") as f:
        assert merged == [r["flags"] for r in csv.DictReader(f)]
    # A shard compared with other known files can't be merged silently, but merge --known decides.
    odd = tmp_path / "odd"
    grade(graded["source"], odd, "--shard", "1/3")
    refused = run_cli("merge", "--out", str(tmp_path / "m2"), str(odd), str(shards[1]), str(shards[2]))
    assert refused.returncode == 2 and "compared with different known files" in refused.stderr
    decided = run_cli("merge", "--out", str(tmp_path / "m2"), str(odd), str(shards[1]), str(shards[2]),
                      "--known", graded["known"])
    assert decided.returncode == 0, decided.stderr
    assert flagged(tmp_path / "m2") == EXPECTED


def test_known_comes_from_the_course_toml_too(graded, tmp_path):
    (tmp_path / "course.toml").write_text('[integrity]\nknown = "../known"\n')
    os.makedirs(tmp_path / "sub")
    shutil.move(str(tmp_path / "course.toml"), str(tmp_path / "sub" / "course.toml"))
    shutil.copytree(graded["known"], tmp_path / "known")
    source = make_class(tmp_path / "class", {"erin.py": CLASS["erin.py"], "leo.py": CLASS["leo.py"]})
    grade(source, tmp_path / "out", "--config", str(tmp_path / "sub" / "course.toml"))
    assert flagged(tmp_path / "out") == [("erin", "known:published.py", "known_source")]
