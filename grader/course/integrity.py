"""The class's similarity pass: which submissions are similar, worth a look (for the instructor only).

Run by every batch after grading, and by `merge` over all shards. For each student it takes the stored result
(OUTDIR/<student>/result.json: the file's sha256, the score, the behaviour digests) and the file's fingerprints
(OUTDIR/.integrity/<sha256>.json, written by the grading worker; computed here from the file when missing), adds
the files of `--known DIR`, and hands them to similarity.find. It writes OUTDIR/integrity.csv and returns what
grades.csv (the `flags` column) and summary.html (clusters, side-by-side views) show.

Fingerprints are stored by the content of the file, so a rerun after one file changed fingerprints that file
only; the pass itself is a function of the stored fingerprints and results, so a rerun gives what a clean run
gives. Nothing here reaches a learner's report, results.json or JUnit XML.
"""
from __future__ import annotations

import ast
import csv
import functools
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader import ROOT
from grader.course import storage
from grader.course.fingerprints import METHOD, Print, fingerprint
from grader.course.similarity import Finding, Subject, find, own_tokens
from grader.run.submission import EXTENSIONS, MAX_BYTES, LoadFault, read_submission

CACHE = ".integrity"             # OUTDIR/.integrity/<sha256>.json: one file's fingerprints
KNOWN_LIST = "known.json"        # OUTDIR/.integrity/known.json: the known files this run compared with
INTEGRITY = "integrity.csv"
FIELDS = ("student", "other", "kind", "similarity", "detail")
KNOWN_PREFIX = "known:"
COMMON_FILES = (os.path.join(ROOT, "starter", "simple_rnn.py"),
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "common_code.txt"))
REFERENCE = os.path.join(ROOT, "solution", "simple_rnn.py")


class KnownError(Exception):
    """--known (or [integrity] known) names something that is not a folder of code; the message says what."""


@dataclass
class Report:
    """What the pass found: every flagged pair, the flags per student (for grades.csv), the clusters of linked
    students and known files (largest first), and the students that could not be compared, with why."""
    findings: list[Finding] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)
    clusters: list[list[str]] = field(default_factory=list)
    not_compared: dict[str, str] = field(default_factory=dict)
    shas: dict[str, str] = field(default_factory=dict)    # id → the sha256 its fingerprints are stored under


# ---- fingerprints on disk ------------------------------------------------------------------------------------

def _record_path(out: str, sha256: str) -> str:
    return os.path.join(out, CACHE, f"{sha256}.json")


def store(out: str, path: str) -> str | None:
    """Fingerprint the submission file at `path` into OUTDIR/.integrity/ unless its content already is (in a
    grading worker, right after grading). Returns the file's sha256, or None when it can't be read as code."""
    try:
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read(MAX_BYTES + 1)).hexdigest()  # as read_submission computes it
    except OSError:
        return None
    if _is_stored(out, sha):
        return sha
    source = read_submission(path)
    if isinstance(source, LoadFault):
        return None
    p = fingerprint([c.code for c in source.chunks])
    storage.write_text(_record_path(out, source.sha256), json.dumps(
        {"method": METHOD, "text": p.text, "starts": p.starts, "ends": p.ends, "kgrams": p.kgrams, "kept": p.kept,
         "identical": p.identical}, separators=(",", ":")))
    return source.sha256


def store_all(out: str, paths: list[str]) -> None:
    """Make sure every file in `paths` has its fingerprints stored (after a batch's grading, for those whose
    result was kept from an earlier run, or whose worker could not store them)."""
    for path in paths:
        store(out, path)


def _is_stored(out: str, sha256: str) -> bool:
    """Stored by this version of the method (records start with it; read no further)."""
    try:
        with open(_record_path(out, sha256), encoding="utf-8") as f:
            return f.read(len(_HEAD)) == _HEAD
    except OSError:
        return False


_HEAD = json.dumps({"method": METHOD}, separators=(",", ":"))[:-1]


def load(out: str, sha256: str) -> Print | None:
    """The stored fingerprints of the file with this content, or None (absent, unreadable, or taken by another
    version of the method)."""
    try:
        with open(_record_path(out, sha256), encoding="utf-8") as f:
            d = json.load(f)
        if d.get("method") != METHOD:
            return None
        return Print(d["text"], tuple(d["starts"]), tuple(d["ends"]), tuple(d["kgrams"]), tuple(d["kept"]),
                     d["identical"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def gather(out: str, shard_dirs: list[str]) -> list[dict[str, str]]:
    """For merge: bring the shards' stored fingerprints into `out` (named by content, so two shards never
    disagree). Returns the known files the shards were compared with (their KNOWN_LIST); raises KnownError when
    the shards' lists differ."""
    lists = []
    for shard in shard_dirs:
        src, dst = os.path.join(shard, CACHE), os.path.join(out, CACHE)
        lists.append(read_known_list(shard))
        if not os.path.isdir(src) or os.path.abspath(src) == os.path.abspath(dst):
            continue
        os.makedirs(dst, exist_ok=True)
        for name in sorted(os.listdir(src)):
            if name.endswith(".json") and name != KNOWN_LIST and not os.path.exists(os.path.join(dst, name)):
                tmp = os.path.join(dst, ".tmp-" + name)
                shutil.copyfile(os.path.join(src, name), tmp)
                os.replace(tmp, os.path.join(dst, name))
    if any(entries != lists[0] for entries in lists):
        names = sorted({e["name"] for entries in lists for e in entries})
        raise KnownError(f"the shards were compared with different known files ({', '.join(names) or 'none'}); "
                         "give merge the folder to use with --known DIR")
    return lists[0] if lists else []


# ---- known files ---------------------------------------------------------------------------------------------

def check_known(folder: str | None) -> None:
    """Raise KnownError unless `folder` is None or a folder holding at least one .py or .ipynb file."""
    if folder is None:
        return
    if not os.path.isdir(folder):
        raise KnownError(f"{folder}: not a folder (give the folder of known solutions: the published one, ones "
                         "found online, last year's)")
    if not known_files(folder):
        raise KnownError(f"{folder}: no .py or .ipynb file in it")


def known_files(folder: str) -> list[tuple[str, str]]:
    """(name relative to `folder`, path) of every .py and .ipynb file under it, in name order."""
    found = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.lower().endswith(EXTENSIONS) and not name.startswith("."):
                path = os.path.join(here, name)
                found.append((os.path.relpath(path, folder).replace(os.sep, "/"), path))
    return sorted(found)


def _remember_known(out: str, known: str | list[dict[str, str]] | None) -> list[dict[str, str]]:
    """The known files to compare with, fingerprinted into the store: those of the folder `known`, or the list
    `known` of files already stored (what merge gathered from its shards), or none. Listed in KNOWN_LIST so that
    `merge` compares with the same files."""
    if isinstance(known, str):
        entries = []
        for name, path in known_files(known):
            sha = store(out, path)
            if sha:
                entries.append({"name": name, "sha256": sha})
    else:
        entries = list(known or [])
    storage.write_text(os.path.join(out, CACHE, KNOWN_LIST), json.dumps(entries, indent=1) + "\n")
    return entries


def read_known_list(out: str) -> list[dict[str, str]]:
    """The known files a run of OUTDIR compared with ([] when it used none, or was made before this list)."""
    try:
        with open(os.path.join(out, CACHE, KNOWN_LIST), encoding="utf-8") as f:
            entries = json.load(f)
        return [e for e in entries if isinstance(e, dict) and {"name", "sha256"} <= set(e)]
    except (OSError, ValueError, TypeError):
        return []


# ---- what every submission shares ---------------------------------------------------------------------------

def common_kgrams() -> frozenset[int]:
    """The k-grams no flag may rest on: the starter's, the reference's skeleton's (its code with forward's and
    backward's bodies taken out) and the kata's common lines (common_code.txt)."""
    texts = []
    for path in COMMON_FILES:
        with open(path, encoding="utf-8") as f:
            texts.append(f.read())
    with open(REFERENCE, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in ("forward", "backward"):
            node.body = [ast.Pass()]
    texts.append(ast.unparse(tree))
    return frozenset(h for text in texts for h in fingerprint([text]).kgrams)


# ---- the pass ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """What the pass needs of one student's result: its file's content digest, its behaviour key (behaviour_key)
    and the public checks it fails. Small, so that a class's worth stays in memory."""
    sha256: str
    behaviour: str = ""
    failing: tuple[str, ...] = ()


def facts(d: dict[str, Any] | None) -> Facts | None:
    """The Facts of a stored result (None for a missing one)."""
    if d is None:
        return None
    return Facts(d.get("sha256") or "", behaviour_key(d), failing_checks(d))


def run(out: str, students: list[str], known_facts: dict[str, Facts | None], *,
        known: str | list[dict[str, str]] | None = None) -> Report:
    """Compare the class's submissions with one another and with the `known` files (a folder, or merge's list of
    stored ones); write OUTDIR/integrity.csv. `known_facts`: each student's Facts (None when the result is
    missing); their fingerprints are read from the store (store_all). Only compact Subjects stay in memory:
    full fingerprints are read back for the pairs verified. Returns the Report."""
    common = common_kgrams()
    subjects, report = [], Report()
    for student in students:
        f = known_facts.get(student)
        p = load(out, f.sha256) if f and f.sha256 else None
        if f is None or p is None:
            report.not_compared[student] = "no code to compare" if f else "no result"
            continue
        report.shas[student] = f.sha256
        subjects.append(Subject(student, np.array(p.kept, dtype=np.int64), p.identical,
                                len(own_tokens(p, common)), f.behaviour, f.failing))
    for entry in _remember_known(out, known):
        p = load(out, entry["sha256"])
        if p is not None:
            ident = KNOWN_PREFIX + entry["name"]
            report.shas[ident] = entry["sha256"]
            subjects.append(Subject(ident, np.array(p.kept, dtype=np.int64), p.identical,
                                    len(own_tokens(p, common)), known=True))

    @functools.lru_cache(maxsize=64)
    def fetch(ident: str) -> Print:
        found = load(out, report.shas[ident])
        assert found is not None, ident  # read a moment ago
        return found

    report.findings = find(subjects, fetch, common)
    _write_csv(out, report.findings)
    report.flags = flags_by_student(report.findings)
    report.clusters = clusters(report.findings)
    return report


def text_of(out: str, report: Report, ident: str) -> str:
    """The code of a compared student or known file, as the pass saw it ("" when it is not stored)."""
    p = load(out, report.shas.get(ident, "")) if ident in report.shas else None
    return p.text if p else ""


def behaviour_key(d: dict[str, Any] | None) -> str:
    """One digest of everything a wrong submission did, or "" when it can't be paired on behaviour: not graded,
    full marks (correct submissions agree by definition), nothing written yet (`not_implemented`), or no check
    that failed on numbers (errors alone are not behaviour)."""
    if not d or d.get("status") != "graded" or d.get("score", 0) >= d.get("max_score", 0):
        return ""
    if any(x.get("id") == "not_implemented" for x in d.get("diagnoses", [])):
        return ""
    if not any(c.get("status") == "fail" for c in d.get("checks", [])):
        return ""
    digests = d.get("behaviour") or {}
    if not digests or not all(digests.values()):
        return ""
    return json.dumps(digests, sort_keys=True)


def failing_checks(d: dict[str, Any] | None) -> tuple[str, ...]:
    return tuple(c["id"] for c in (d or {}).get("checks", []) if c.get("status") in ("fail", "error")
                 and not c.get("hidden"))


def _write_csv(out: str, findings: list[Finding]) -> None:
    with storage.replacing(os.path.join(out, INTEGRITY)) as f:
        rows = csv.writer(f, lineterminator="\n")
        rows.writerow(FIELDS)
        for x in findings:
            rows.writerow([x.student, x.other, x.kind, f"{x.similarity:.3f}", x.detail])


def flags_by_student(findings: list[Finding]) -> dict[str, str]:
    """For grades.csv: each flagged student's findings as `kind:other`, separated by `;`."""
    out: dict[str, list[str]] = {}
    for f in findings:
        out.setdefault(f.student, []).append(f"{f.kind}:{f.other}")
        if not f.other.startswith(KNOWN_PREFIX):
            out.setdefault(f.other, []).append(f"{f.kind}:{f.student}")
    return {s: ";".join(sorted(v)) for s, v in sorted(out.items())}


def clusters(findings: list[Finding]) -> list[list[str]]:
    """The groups of ids linked by findings, each sorted, largest first (then by first id)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for f in findings:
        parent[root(f.student)] = root(f.other)
    groups: dict[str, list[str]] = {}
    for x in sorted(parent):
        groups.setdefault(root(x), []).append(x)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))
