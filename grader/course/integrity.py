"""The class's similarity pass: which submissions are similar, worth a look (for the instructor only).

Run by every batch after grading, and by `merge` over all shards. For each student it takes the stored result
(OUTDIR/<student>/result.json: the file's sha256, the score, the behaviour digests) and the file's fingerprints
(printstore.py: OUTDIR/_integrity/<sha256>.json, written while the class is graded), adds the files of `--known DIR`,
and hands them to similarity.find. It writes OUTDIR/integrity.csv and returns what grades.csv (the `flags`
column) and summary.html (clusters, side-by-side views: sidebyside.py) show.

Fingerprints are stored by the content of the file, so a rerun after one file changed fingerprints that file
only; the pass itself is a function of the stored fingerprints and results, so a rerun gives what a clean run
gives. Nothing here reaches a learner's report, results.json or JUnit XML.
"""
from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.course import printstore, storage
from grader.course.fingerprints import Print
from grader.course.similarity import Finding, Subject, find
from grader.run.submission import EXTENSIONS

KNOWN_LIST = "known.json"        # OUTDIR/_integrity/known.json: the known files this run compared with
INTEGRITY = "integrity.csv"
FIELDS = ("student", "other", "kind", "similarity", "detail")
KNOWN_PREFIX = "known:"


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
    verified: int = 0                                     # pairs compared in full


# ---- shards ------------------------------------------------------------------------------------------------

def gather(out: str, shard_dirs: list[str]) -> list[dict[str, str]]:
    """For merge: bring the shards' stored fingerprints into `out`. Returns the known files the shards were
    compared with (their KNOWN_LIST); raises KnownError when the shards' lists differ."""
    lists = []
    for shard in shard_dirs:
        printstore.copy_from(shard, out)
        lists.append(read_known_list(shard))
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
            sha = printstore.store(out, path)
            if sha:
                entries.append({"name": name, "sha256": sha})
    else:
        entries = list(known or [])
    storage.write_text(os.path.join(out, printstore.CACHE, KNOWN_LIST), json.dumps(entries, indent=1) + "\n")
    return entries


def read_known_list(out: str) -> list[dict[str, str]]:
    """The known files a run of OUTDIR compared with ([] when it used none, or was made before this list)."""
    try:
        with open(os.path.join(out, printstore.CACHE, KNOWN_LIST), encoding="utf-8") as f:
            entries = json.load(f)
        return [e for e in entries if isinstance(e, dict) and {"name", "sha256"} <= set(e)]
    except (OSError, ValueError, TypeError):
        return []


# ---- the pass ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Facts:
    """What the pass needs of one student's result: its file's content digest, its behaviour key (behaviour_key)
    and the public checks it fails (failing_checks). Small, so that a class's worth stays in memory."""
    sha256: str
    behaviour: str = ""
    failing: str = ""


def facts(d: dict[str, Any] | None) -> Facts | None:
    """The Facts of a stored result (None for a missing one)."""
    if d is None:
        return None
    return Facts(d.get("sha256") or "", behaviour_key(d), failing_checks(d))


def run(out: str, students: list[str], results: dict[str, Facts | None], *,
        known: str | list[dict[str, str]] | None = None) -> Report:
    """Compare the class's submissions with one another and with the `known` files (a folder, or merge's list of
    stored ones); write OUTDIR/integrity.csv. `results`: each student's Facts (None when the result is
    missing); their fingerprints are read from the store (printstore.store_all). Only compact Subjects stay in memory:
    full fingerprints are read back for the pairs verified. Returns the Report."""
    subjects, report = [], Report()
    arrays: dict[str, np.ndarray] = {}  # identical files have the same hashes: one array serves them all
    for student in students:
        f = results.get(student)
        h = printstore.load_header(out, f.sha256) if f and f.sha256 else None
        if f is None or h is None:
            report.not_compared[student] = "no code to compare" if f else "no result"
            continue
        report.shas[student] = f.sha256
        kept = arrays.setdefault(h.identical, np.array(h.kept, dtype=np.int64))
        subjects.append(Subject(student, kept, h.identical, h.own, f.behaviour, f.failing))
    for entry in _remember_known(out, known):
        h = printstore.load_header(out, entry["sha256"])
        if h is not None:
            ident = KNOWN_PREFIX + entry["name"]
            report.shas[ident] = entry["sha256"]
            subjects.append(Subject(ident, np.array(h.kept, dtype=np.int64), h.identical, h.own, known=True))

    @functools.lru_cache(maxsize=64)
    def fetch(ident: str) -> Print:
        found = printstore.load(out, report.shas[ident])
        assert found is not None, ident  # read a moment ago
        return found

    counts: dict[str, int] = {}
    report.findings = find(subjects, fetch, printstore.common_kgrams(), counts)
    report.verified = counts.get("verified", 0)
    _write_csv(out, report.findings)
    report.flags = flags_by_student(report.findings)
    report.clusters = clusters(report.findings)
    return report


def text_of(out: str, report: Report, ident: str) -> str:
    """The code of a compared student or known file, as the pass saw it ("" when it is not stored)."""
    p = printstore.load(out, report.shas[ident]) if ident in report.shas else None
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
    return hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()


def failing_checks(d: dict[str, Any] | None, shown: int = 6) -> str:
    """The public checks a result fails, for the evidence: the first `shown`, then how many more."""
    ids = [c["id"] for c in (d or {}).get("checks", []) if c.get("status") in ("fail", "error") and not c.get("hidden")]
    return ", ".join(ids[:shown]) + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


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
