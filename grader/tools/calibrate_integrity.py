"""Calibration of the similarity pass: precision and recall on a corpus of independent implementations and of
copies derived from them (the numbers in the README, "Academic integrity").

`python -m grader.tools.calibrate_integrity [--behaviour]`:
- code: every pair of the corpus scored exactly (course/similarity.score), then precision and recall of
  `near_copy` at several thresholds; then the whole corpus as one class through the pass itself (the index,
  the candidates, what is common to the class), where a pair counts as flagged when the pass links its two files
  (directly or through a cluster);
- with --behaviour: the test corpus's wrong files and copies of some of them graded as a class, and the pairs
  the pass calls `same_behaviour`, against the truth (copies of one file: yes; two independent implementations
  of the same misconceptions: no). Slow: it grades about 90 files.

The corpus: `tests/integrity/independent/` (implementations written independently, in distinct styles), the
test corpus's files whose style is their own, and one of each of its two templates; each with its copies by
every transformation of tools/copies.py. Pairs of copies of one original are positives; every other pair is
a negative.
"""
from __future__ import annotations

import argparse
import glob
import itertools
import os
import sys
import tempfile
from dataclasses import dataclass

from grader import ROOT
from grader.course import integrity, printstore, similarity
from grader.course.fingerprints import Print, fingerprint
from grader.tools.copies import TRANSFORMS

SUBMISSIONS = os.path.join(ROOT, "tests", "submissions")
INDEPENDENT = os.path.join(ROOT, "tests", "integrity", "independent")
# Files of the test corpus written in a style of their own. The corpus's other files are variants of two
# templates, a mistake apart (`__col` and `__row`), and of each other: one of each template stands for it.
OWN_STYLE = ("correct/dicts_by_t.py", "correct/einsum_vectorised.py", "correct/backward_reruns_forward.py",
             "correct/row_vectors.py", "correct/bias_flat.py", "correct/tab_indented.py",
             "wrong/learning_rate_ignored__row.py")
THRESHOLDS = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9)
# Wrong files graded for --behaviour, with copies of the first few.
BEHAVIOUR_COPIED = ("wrong/loss_mean_over_time__col.py", "wrong/truncated_bptt__row.py",
                    "combined/gradient_clipping+truncated_bptt__col.py", "wrong/tanh_derivative__row.py")


@dataclass(frozen=True)
class Pair:
    a: tuple[str, str]   # (original, transformation)
    b: tuple[str, str]
    similarity: float
    matched: int

    @property
    def positive(self) -> bool:
        return self.a[0] == self.b[0]

    def flagged(self, threshold: float) -> bool:
        return self.similarity >= threshold and self.matched >= similarity.MIN_MATCHED_TOKENS


def originals() -> dict[str, str]:
    """{name: source} of the independent implementations."""
    paths = sorted(glob.glob(os.path.join(INDEPENDENT, "*.py"))) + [os.path.join(SUBMISSIONS, p) for p in OWN_STYLE]
    out = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            out[os.path.splitext(os.path.basename(path))[0]] = f.read()
    return out


def corpus() -> dict[tuple[str, str], str]:
    """{(original, transformation): source}: each original ("original") and its copies."""
    out = {}
    for name, code in originals().items():
        out[(name, "original")] = code
        for kind, transform in TRANSFORMS.items():
            out[(name, kind)] = transform(code)
    return out


def scored_pairs(files: dict[tuple[str, str], str], common: frozenset[int]) -> list[Pair]:
    prints: dict[tuple[str, str], Print] = {k: fingerprint([v]) for k, v in files.items()}
    pairs = []
    for a, b in itertools.combinations(sorted(files), 2):
        s = similarity.score(prints[a], prints[b], common)
        pairs.append(Pair(a, b, s.similarity, s.matched))
    return pairs


def rates(pairs: list[Pair], flagged) -> tuple[int, int, int, float, float]:
    """(true positives, false positives, false negatives, precision, recall)."""
    tp = sum(1 for p in pairs if p.positive and flagged(p))
    fp = sum(1 for p in pairs if not p.positive and flagged(p))
    fn = sum(1 for p in pairs if p.positive and not flagged(p))
    return tp, fp, fn, tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0


def through_the_pass(files: dict[tuple[str, str], str], common: frozenset[int]) -> list[Pair]:
    """The corpus as one class through similarity.find: a pair is flagged (similarity 1) when the pass puts its
    two files in one cluster."""
    prints = {f"{a}~{b}": fingerprint([code]) for (a, b), code in files.items()}
    subjects = [similarity.Subject(i, _array(p.kept), p.identical, similarity.own_count(p, common))
                for i, p in prints.items()]
    found = similarity.find(subjects, prints.__getitem__, common)
    cluster_of = {x: n for n, group in enumerate(integrity.clusters(found)) for x in group}
    out = []
    for a, b in itertools.combinations(sorted(files), 2):
        ia, ib = f"{a[0]}~{a[1]}", f"{b[0]}~{b[1]}"
        linked = ia in cluster_of and cluster_of.get(ia) == cluster_of.get(ib)
        out.append(Pair(a, b, 1.0 if linked else 0.0, 10 ** 9))
    return out


def _array(values):
    import numpy as np

    return np.array(values, dtype=np.int64)


def report_code(out=sys.stdout) -> None:
    files = corpus()
    common = printstore.common_kgrams()
    pairs = scored_pairs(files, common)
    n_orig = len(originals())
    positives = [p for p in pairs if p.positive]
    print(f"corpus: {n_orig} independent implementations, {len(TRANSFORMS)} derived copies of each "
          f"({len(files)} files); {len(positives)} pairs of copies of one original, "
          f"{len(pairs) - len(positives)} other pairs", file=out)
    print("near_copy, every pair scored exactly (similarity = the larger share of own tokens matched):", file=out)
    for t in THRESHOLDS:
        tp, fp, fn, precision, recall = rates(pairs, lambda p, t=t: p.flagged(t))
        mark = "  <- NEAR_COPY" if t == similarity.NEAR_COPY else ""
        print(f"  threshold {t:.2f}: precision {precision:.3f}  recall {recall:.3f}  "
              f"(false positives {fp}, missed {fn}){mark}", file=out)
    worst_negative = max((p for p in pairs if not p.positive), key=lambda p: p.similarity)
    weakest_positive = min(positives, key=lambda p: p.similarity)
    print(f"  most similar independent pair: {worst_negative.similarity:.2f} ({_name(worst_negative.a)} ~ "
          f"{_name(worst_negative.b)})", file=out)
    print(f"  least similar pair of copies: {weakest_positive.similarity:.2f} ({_name(weakest_positive.a)} ~ "
          f"{_name(weakest_positive.b)})", file=out)
    for kind in TRANSFORMS:
        direct = [p for p in positives if {p.a[1], p.b[1]} == {"original", kind}]
        print(f"    original ~ {kind:<28} lowest {min(p.similarity for p in direct):.2f}", file=out)
    tp, fp, fn, precision, recall = rates(through_the_pass(files, common), lambda p: p.similarity > 0)
    print(f"through the pass (one class of {len(files)}, linked in a cluster): precision {precision:.3f}  "
          f"recall {recall:.3f}  (false links {fp}, missed {fn})", file=out)


def _name(key: tuple[str, str]) -> str:
    return key[0] if key[1] == "original" else f"{key[0]} ({key[1]})"


def report_behaviour(out=sys.stdout) -> None:
    """Grade the corpus's wrong files and copies of a few as a class; compare same_behaviour with the truth."""
    from grader.course import batch, gradebook
    from grader.course import config as course_config

    paths = sorted(glob.glob(os.path.join(SUBMISSIONS, "wrong", "*.py")) +
                   glob.glob(os.path.join(SUBMISSIONS, "combined", "*.py")))
    with tempfile.TemporaryDirectory(prefix="grader-calibrate-") as scratch:
        cls = os.path.join(scratch, "class")
        os.makedirs(cls)
        origin = {}
        for path in paths:
            name = os.path.relpath(path, SUBMISSIONS).replace("/", "-")[:-3].replace("+", "_")
            origin[name] = name
            _write(os.path.join(cls, name + ".py"), _read(path))
        for rel in BEHAVIOUR_COPIED:
            name = rel.replace("/", "-")[:-3].replace("+", "_")
            for kind, transform in TRANSFORMS.items():
                copy = f"{name}-{kind.replace('+', '_')}"
                origin[copy] = name
                _write(os.path.join(cls, copy + ".py"), transform(_read(os.path.join(SUBMISSIONS, rel))))
        config = course_config.grade_config(course_config.load(None))
        options = batch.Options(out=os.path.join(scratch, "out"))
        batch.run(cls, options, config, course_config.fingerprint(config), stream=None)
        report = integrity.run(options.out, sorted(origin),
                               {s: integrity.facts(gradebook.read_result(options.out, s)) for s in origin})
        same = {tuple(sorted((f.student, f.other))) for f in report.findings
                if f.kind == "same_behaviour" or "same_behaviour" in f.also}
        linked = {(a, b) for group in _behaviour_groups(report) for a, b in itertools.combinations(group, 2)}
        truth_pairs = [(a, b) for a, b in itertools.combinations(sorted(origin), 2)]
        diagnoses = {s: _diagnoses(options.out, s) for s in origin}
        copies = [(a, b) for a, b in truth_pairs if origin[a] == origin[b]]
        twins = [(a, b) for a, b in truth_pairs if origin[a] != origin[b] and diagnoses[a] == diagnoses[b]
                 and diagnoses[a]]
        found_copies = sum(1 for p in copies if p in linked)
        false = [p for p in twins if p in linked]
        print(f"same_behaviour: {len(origin)} wrong submissions graded ({len(BEHAVIOUR_COPIED)} of them copied "
              f"{len(TRANSFORMS)} ways); {len(same)} pairs flagged directly", file=out)
        print(f"  pairs of copies of one wrong file linked: {found_copies} of {len(copies)}", file=out)
        print(f"  pairs of independent files with the same diagnoses linked: {len(false)} of {len(twins)}",
              file=out)


def _behaviour_groups(report: integrity.Report) -> list[list[str]]:
    return integrity.clusters([f for f in report.findings if f.kind == "same_behaviour"
                               or "same_behaviour" in f.also])


def _diagnoses(out: str, student: str) -> str:
    from grader.course import gradebook

    d = gradebook.read_result(out, student) or {}
    return ";".join(x["id"] for x in d.get("diagnoses", []))


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.tools.calibrate_integrity", description=__doc__.split("\n\n")[0])
    p.add_argument("--behaviour", action="store_true", help="also grade wrong files and their copies (slow)")
    args = p.parse_args(argv)
    report_code()
    if args.behaviour:
        report_behaviour()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
