"""The similarity pass without grading: fingerprints (what changes them and what doesn't), the pairing of a class
(similarity.find), the stored fingerprints and integrity.csv, the behaviour key, and what learners never see."""
import csv
import json
import os
import random
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from conftest import REFERENCE, ROOT, STARTER, SUBMISSIONS, grade_file, reference_code, run_cli

from grader.course import integrity, printstore, similarity, sidebyside
from grader.course.fingerprints import K, W, fingerprint, winnow
from grader.judge import signature
from grader.judge.results import Op
from grader.report import contract, exports, html
from grader.tools import copies

INDEPENDENT = os.path.join(ROOT, "tests", "integrity", "independent")


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def _independent(name):
    return _read(os.path.join(INDEPENDENT, name + ".py"))


@pytest.fixture(scope="module")
def common():
    return printstore.common_kgrams()


# ---- fingerprints ----------------------------------------------------------------------------------------------

LAYOUT_A = '''import numpy as np


class SimpleRNN:
    """My RNN."""
    def forward(self, x):
        # run the sequence
        hs = [np.zeros((self.hidden_size, 1))]
        for t in range(len(x)):
            hs.append(np.tanh(self.W_xh @ x[t].reshape(-1, 1) + self.W_hh @ hs[-1] + self.b_h))
        return hs
'''
LAYOUT_B = '''import numpy as np
class SimpleRNN:
    def forward(self, x):
        """Run it."""
        hs = [ np.zeros( (self.hidden_size, 1) ) ]   # h0
        for t in range( len(x) ):
            hs.append(np.tanh(self.W_xh @ x[t].reshape(-1, 1)
                              + self.W_hh @ hs[-1]
                              + self.b_h))
        return hs
'''


def test_layout_comments_and_docstrings_change_nothing():
    a, b = fingerprint([LAYOUT_A]), fingerprint([LAYOUT_B])
    assert a.identical == b.identical and a.kgrams == b.kgrams
    # Positive control: another name is another program for `identical`, the same for the k-grams...
    renamed = fingerprint([LAYOUT_A.replace("hs", "states")])
    assert renamed.identical != a.identical and renamed.kgrams == a.kgrams
    # ... but the starter's names can't be renamed, so changing one changes the k-grams.
    assert fingerprint([LAYOUT_A.replace("W_hh", "W_rec")]).kgrams != a.kgrams


def test_the_author_s_names_are_normalised_and_numpy_s_are_not():
    code = _independent("layer_objects")
    assert fingerprint([copies.renamed(code)]).kgrams == fingerprint([code]).kgrams
    assert fingerprint([code.replace("np.tanh", "np.sinh")]).kgrams != fingerprint([code]).kgrams


def test_lines_of_tokens_point_into_the_text():
    p = fingerprint(["import numpy as np\n", "x = 1\n\n\ny = np.zeros(3)\n"])  # two notebook cells
    lines = p.text.split("\n")
    assert lines[p.starts[-1] - 1] == "y = np.zeros(3)" and len(p.starts) == len(p.ends)
    assert len(p.kgrams) == max(0, len(p.starts) - K + 1)


def test_a_file_that_does_not_tokenize_counts_up_to_where_it_breaks():
    good = fingerprint([LAYOUT_A])
    broken = fingerprint([LAYOUT_A + "    def backward(self, x:\n        pass\n"])
    assert broken.kgrams[:len(good.kgrams) - 2] == good.kgrams[:len(good.kgrams) - 2]
    assert fingerprint(["def f(:\n"]).kgrams == ()


def test_winnowing_keeps_a_hash_of_every_long_enough_shared_run():
    rng = random.Random(7)
    for _ in range(200):
        hashes = [rng.randrange(1 << 20) for _ in range(rng.randrange(W, 80))]
        kept = set(winnow(hashes))
        for start in range(len(hashes) - W + 1):
            assert kept & set(hashes[start:start + W])  # every window of W k-grams (W + K − 1 tokens)
    assert winnow([]) == [] and winnow([5, 3, 9]) == [3]
    assert winnow([4, 2, 2, 7, 1, 1, 8], 3) == [2, 1, 1]  # ties: the rightmost; each position once


def test_kgrams_are_the_same_in_every_process():
    # Hashes are stored and compared between runs and machines: Python's per-process hash seed must not reach them.
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.course.fingerprints import fingerprint; "
            "print(fingerprint([open(sys.argv[2]).read()]).kgrams[:50])")
    seen = {subprocess.run([sys.executable, "-c", code, ROOT, REFERENCE], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(seen) == 1 and str(fingerprint([reference_code()]).kgrams[:50]) in seen.pop()


# ---- pairing a class (similarity.find) ---------------------------------------------------------------------

def _find(files: dict, common, known: dict | None = None):
    prints = {**{k: fingerprint([v]) for k, v in files.items()},
              **{integrity.KNOWN_PREFIX + k: fingerprint([v]) for k, v in (known or {}).items()}}
    subjects = [similarity.Subject(i, np.array(p.kept, dtype=np.int64), p.identical,
                                   similarity.own_count(p, common), known=i.startswith(integrity.KNOWN_PREFIX))
                for i, p in prints.items()]
    return similarity.find(subjects, prints.__getitem__, common)


def test_copies_are_found_and_independent_work_is_not(common):
    karpathy, preallocated = _independent("karpathy_port"), _independent("preallocated")
    files = {"alice": karpathy, "bob": karpathy.replace("    def", "\n    # mine\n    def"),
             "carol": copies.renamed(karpathy), "dave": copies.reformatted(copies.renamed(preallocated)),
             "erin": preallocated, "frank": _independent("spanish_while"), "gina": _independent("row_slices"),
             "hank": _read(STARTER), "ivan": _read(STARTER), "judy": reference_code() + "\n# demo\n"}
    found = _find(files, common, known={"published.py": reference_code()})
    assert [(f.student, f.other, f.kind) for f in found] == [
        ("alice", "bob", "identical"), ("alice", "carol", "near_copy"), ("dave", "erin", "near_copy"),
        ("judy", "known:published.py", "known_source")]
    near = found[1]
    assert near.similarity == 1.0 and near.regions and "alice's own code" in near.detail
    assert all(r.student[0] <= r.student[1] and r.other[0] <= r.other[1] for r in near.regions)


def test_identical_groups_are_one_cluster_and_count_once(common):
    code = _independent("two_passes")
    files = {f"s{i}": code + f"\n# {i}\n" for i in range(5)} | {"t": copies.renamed(code)}
    found = _find(files, common)
    # Five identical files: four rows to the group's first; the renamed copy is compared with that one only.
    assert [(f.student, f.other, f.kind) for f in found] == [("s0", f"s{i}", "identical") for i in range(1, 5)] + \
        [("s0", "t", "near_copy")]
    assert integrity.clusters(found) == [["s0", "s1", "s2", "s3", "s4", "t"]]


def test_every_member_of_an_identical_group_gets_its_known_source(common):
    code = _independent("outer_products")
    found = _find({"a": code, "b": code}, common, known={"online.py": copies.renamed(code)})
    assert {(f.student, f.other, f.kind) for f in found} == {
        ("a", "b", "identical"), ("a", "known:online.py", "known_source"), ("b", "known:online.py", "known_source")}


def test_same_behaviour_pairs_only_who_is_eligible():
    subjects = [similarity.Subject(i, np.zeros(0, np.int64), i, 0, behaviour=b, failing="backward/W_hh")
                for i, b in (("a", "x"), ("b", "x"), ("c", "y"), ("d", ""), ("e", ""))]
    found = similarity.find(subjects, lambda i: None, frozenset())
    assert [(f.student, f.other, f.kind) for f in found] == [("a", "b", "same_behaviour")]
    assert "bit for bit" in found[0].detail and "backward/W_hh" in found[0].detail


def test_a_pair_flagged_twice_is_one_row_naming_both_kinds():
    merged = similarity._merged([similarity.Finding("a", "b", "same_behaviour", 1.0, "numbers"),
                                 similarity.Finding("a", "b", "near_copy", 0.9, "code")])
    assert [(f.kind, f.also, f.detail) for f in merged] == [("near_copy", ["same_behaviour"],
                                                             "code; also same_behaviour")]


def test_hashes_held_by_many_propose_no_candidates():
    def hashes(*values):
        return np.array(values, dtype=np.int64) << 20  # 48-bit hashes, as fingerprints make them

    sets = [hashes(1, 2, 3, 100 + i) for i in range(6)] + [hashes(1, 2, 3, 100)]
    index = similarity._Index(sets, frozenset())
    # 1, 2, 3 are held by all seven: with a cap of 6 only the rare 100 proposes (0, 6).
    assert list(index.candidates(0.25, capped=6)) == [(0, 6)]
    assert len(list(index.candidates(0.25, capped=7))) == 21  # positive control: without the cap, every pair
    assert index.matches(hashes(1, 2, 3), 0.5) == list(range(7))
    assert similarity._Index(sets, frozenset(int(h) for h in hashes(1, 2, 3))).matches(hashes(1, 2, 3), 0.5) == []


def test_the_corpus_separates_copies_from_independent_work(common):
    """A cut of tools/calibrate_integrity's corpus (the README's numbers come from the whole one)."""
    from grader.tools import calibrate_integrity as calib

    names = ["karpathy_port", "dicts_by_t", "row_slices", "row_vectors", "beginner_verbose", "tab_indented"]
    files = {k: v for k, v in calib.corpus().items() if k[0] in names}
    pairs = calib.scored_pairs(files, common)
    tp, fp, fn, precision, recall = calib.rates(pairs, lambda p: p.flagged(similarity.NEAR_COPY))
    assert (fp, precision) == (0, 1.0) and recall >= 0.98
    assert max(p.similarity for p in pairs if not p.positive) < similarity.NEAR_COPY


# ---- the stored fingerprints and integrity.csv -------------------------------------------------------------

def _facts(sha, behaviour=""):
    return integrity.Facts(sha, behaviour, ())


def test_the_pass_writes_integrity_csv_and_the_flags(tmp_path):
    out = str(tmp_path / "out")
    paths = {}
    for name, code in (("alice", _independent("enumerate_zip")), ("bob", copies.padded(_independent("enumerate_zip"))),
                       ("carol", _independent("batched_einsum"))):
        paths[name] = tmp_path / f"{name}.py"
        paths[name].write_text(code)
    shas = {n: printstore.store(out, str(p)) for n, p in paths.items()}
    report = integrity.run(out, ["alice", "bob", "carol", "dave"], {**{n: _facts(s) for n, s in shas.items()},
                                                                     "dave": None})
    with open(os.path.join(out, integrity.INTEGRITY), newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["student", "other", "kind", "similarity", "detail"]
    assert [r[:3] for r in rows[1:]] == [["alice", "bob", "near_copy"]] and float(rows[1][3]) >= similarity.NEAR_COPY
    assert report.flags == {"alice": "near_copy:bob", "bob": "near_copy:alice"}
    assert report.not_compared == {"dave": "no result"}
    assert integrity.text_of(out, report, "bob").startswith("import numpy as np")
    # Stored by content: storing the same file again writes nothing new.
    before = sorted(os.listdir(os.path.join(out, printstore.CACHE)))
    assert printstore.store(out, str(paths["alice"])) == shas["alice"]
    assert sorted(os.listdir(os.path.join(out, printstore.CACHE))) == before


def test_a_stored_record_of_another_method_or_cut_short_is_made_again(tmp_path):
    out, path = str(tmp_path / "out"), tmp_path / "a.py"
    path.write_text(reference_code())
    sha = printstore.store(out, str(path))
    record = printstore.path_of(out, sha)
    with open(record) as f:
        head, body = f.read().splitlines()
    header = printstore.load_header(out, sha)
    assert header.own > similarity.MIN_OWN_TOKENS and len(header.kept) > 20 and printstore.load(out, sha).text
    for damaged in (json.dumps({**json.loads(head), "method": "tokens-0"}) + "\n" + body + "\n", head[:40]):
        with open(record, "w") as f:
            f.write(damaged)
        assert printstore.load(out, sha) is None and printstore.load_header(out, sha) is None
        assert printstore.store(out, str(path)) == sha and printstore.load_header(out, sha) == header


def test_a_common_file_missing_from_the_install_is_named_and_the_rest_still_discounted(tmp_path, monkeypatch):
    full = printstore.common_kgrams()
    assert printstore.missing_common() == []  # the positive control: this checkout has them all
    gone = str(tmp_path / "starter" / "simple_rnn.py")
    monkeypatch.setattr(printstore, "COMMON_FILES", (gone, *printstore.COMMON_FILES[1:]))
    printstore.common_kgrams.cache_clear()
    try:
        left = printstore.common_kgrams()
        assert printstore.missing_common() == [os.path.relpath(gone, ROOT)]
        assert left and left < full  # the starter's own k-grams are the ones lost
    finally:
        printstore.common_kgrams.cache_clear()


def test_known_files_are_listed_for_merge_and_checked(tmp_path):
    known = tmp_path / "known"
    (known / "sub").mkdir(parents=True)
    (known / "sub" / "b.py").write_text(reference_code())
    (known / "a.ipynb").write_text(_read(STARTER.replace(".py", ".ipynb")))
    (known / "notes.txt").write_text("not code")
    assert [n for n, _ in integrity.known_files(str(known))] == ["a.ipynb", "sub/b.py"]
    out = str(tmp_path / "out")
    integrity.run(out, [], {}, known=str(known))
    assert [e["name"] for e in integrity.read_known_list(out)] == ["a.ipynb", "sub/b.py"]
    assert integrity.gather(str(tmp_path / "merged"), [out, out]) == integrity.read_known_list(out)
    other = str(tmp_path / "other")
    integrity.run(other, [], {}, known=None)
    with pytest.raises(integrity.KnownError, match="different known files"):
        integrity.gather(str(tmp_path / "merged"), [out, other])
    (tmp_path / "empty").mkdir()
    with pytest.raises(integrity.KnownError, match="no .py or .ipynb file"):
        integrity.check_known(str(tmp_path / "empty"))
    with pytest.raises(integrity.KnownError, match="not a folder"):
        integrity.check_known(str(tmp_path / "nope"))
    integrity.check_known(None)


# ---- behaviour ------------------------------------------------------------------------------------------------

def _result(score=50, status="graded", diagnoses=("loss_mean_over_time",), check="fail", behaviour=None):
    return {"status": status, "score": score, "max_score": 100, "diagnoses": [{"id": d} for d in diagnoses],
            "checks": [{"id": "backward/W_hh", "status": check, "hidden": False}],
            "behaviour": behaviour if behaviour is not None else {"backward/basic": "0123456789abcdef"}}


def test_the_behaviour_key_is_for_wrong_numbers_only():
    assert integrity.behaviour_key(_result()) != ""
    assert integrity.behaviour_key(_result(score=100)) == ""             # correct: agree by definition
    assert integrity.behaviour_key(_result(status="error")) == ""
    assert integrity.behaviour_key(_result(diagnoses=("not_implemented",))) == ""
    assert integrity.behaviour_key(_result(check="error")) == ""         # it raised: no numbers to compare
    assert integrity.behaviour_key(_result(behaviour={})) == ""          # graded before digests existed
    assert integrity.behaviour_key(None) == ""
    many = {"checks": [{"id": f"backward/c{i}", "status": "fail"} for i in range(8)] +
            [{"id": "hidden/backward-1", "status": "fail", "hidden": True}, {"id": "forward/basic", "status": "pass"}]}
    assert integrity.failing_checks(many) == "backward/c0, backward/c1, backward/c2, backward/c3, backward/c4, " \
                                             "backward/c5 and 2 more"


def test_probe_digests_are_exact_and_ignore_exception_texts():
    def ok(x):
        return [Op("ok", {"value": x, "params": {"W_xh": np.ones((2, 2))}})]
    base = np.linspace(0.0, 1.0, 2000)
    nudged = base.copy()
    nudged[1000] = np.nextafter(nudged[1000], 2.0)  # one bit, where a printed array shows "..."
    assert signature.probe_digest(ok(base)) == signature.probe_digest(ok(base.copy()))  # the positive control
    assert signature.probe_digest(ok(base)) != signature.probe_digest(ok(nudged))
    assert signature.probe_digest(ok(base)) != signature.probe_digest(ok(base.astype(np.float32)))
    assert signature.probe_digest(ok(base)) != signature.probe_digest(ok(base.reshape(1000, 2)))
    assert signature.probe_digest(ok(0.1)) != signature.probe_digest(ok(0.1 + 2 ** -56))
    assert signature.probe_digest(ok([1.0, [2.0]])) != signature.probe_digest(ok([[1.0], 2.0]))
    e1 = [Op("error", error={"type": "ValueError", "message": "in alice.py line 3", "traceback": "..."})]
    e2 = [Op("error", error={"type": "ValueError", "message": "in bob.py line 9", "traceback": "---"})]
    assert signature.probe_digest(e1) == signature.probe_digest(e2)
    assert signature.probe_digest(e1) != signature.probe_digest([Op("error", error={"type": "KeyError"})])
    assert signature.behaviour({"p": e1}, ["p", "q"]) == {"p": signature.probe_digest(e1), "q": ""}


def test_learners_never_see_the_behaviour_digests():
    result = grade_file(os.path.join(SUBMISSIONS, "wrong", "loss_mean_over_time__col.py"))
    d = contract.to_dict(result)
    digests = [v for v in d["behaviour"].values() if v]
    assert len(digests) == len(result.behaviour) > 15  # the instructor's record has them (so this can fail)
    assert not any(k.startswith("hidden/") for k in d["behaviour"])
    suite, _ = exports.junit_suite(d, "alice")
    learner_views = [json.dumps(contract.learner_dict(d)), json.dumps(exports.gradescope(d)),
                     ET.tostring(suite, encoding="unicode"), html.to_html(result, learner_view=True)]
    for text in learner_views:
        assert not any(x in text for x in digests) and '"behaviour"' not in text


# ---- the summary's view ------------------------------------------------------------------------------------------

def test_a_side_by_side_view_marks_the_same_regions_in_the_same_colour():
    f = similarity.Finding("a", "b", "near_copy", 0.9, "d",
                           [similarity.Region((2, 3), (5, 6)), similarity.Region((5, 5), (1, 1))])
    view = sidebyside.pair_view(f, "l1\nl2\nl3\nl4\nl5", "r1\nr2\nr3\nr4\nr5\nr6")
    assert view["left"][1] == (2, "l2", 0)
    assert [mark for _, _, mark in view["left"]] == [None, 0, 0, None, 1]
    assert [mark for _, _, mark in view["right"]] == [1, None, None, None, 0, 0]
    same = sidebyside.pair_view(similarity.Finding("a", "b", "same_behaviour", 1.0, "d"), "x\ny", "z")
    assert all(mark is None for _, _, mark in same["left"] + same["right"])
    whole = sidebyside.pair_view(similarity.Finding("a", "b", "identical", 1.0, "d"), "x\ny", "z")
    assert all(mark == 0 for _, _, mark in whole["left"] + whole["right"])


# ---- the command line ---------------------------------------------------------------------------------------

def test_known_usage_errors(tmp_path):
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "a.py").write_text("x = 1\n")
    missing = run_cli(str(cls), "--out", str(tmp_path / "o"), "--known", str(tmp_path / "nope"))
    assert missing.returncode == 2 and f"--known: {tmp_path / 'nope'}: not a folder" in missing.stderr
    (tmp_path / "empty").mkdir()
    (tmp_path / "course.toml").write_text('[integrity]\nknown = "empty"\n')
    empty = run_cli(str(cls), "--out", str(tmp_path / "o"), "--config", str(tmp_path / "course.toml"))
    assert empty.returncode == 2 and "course.toml: integrity.known: " in empty.stderr and \
        "no .py or .ipynb file in it" in empty.stderr
    one = run_cli(str(cls / "a.py"), "--known", str(tmp_path / "empty"))
    assert one.returncode == 2 and "--known is for a class" in one.stderr
    merged = run_cli("merge", "--out", str(tmp_path / "m"), str(cls), "--known", str(tmp_path / "nope"))
    assert merged.returncode == 2 and "--known: " in merged.stderr and "not a folder" in merged.stderr
    assert not (tmp_path / "o").exists() and not (tmp_path / "m").exists()
