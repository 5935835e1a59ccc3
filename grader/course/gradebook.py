"""The class's gradebook and summary, built from the per-student results on disk, one student at a time.

OUTDIR/<student>/result.json is the record of each grading (written atomically by batch.py). From those files,
`build` writes OUTDIR/grades.csv, OUTDIR/summary.html, OUTDIR/integrity.csv (integrity.py),
OUTDIR/feedback/<student>.html, the LMS imports asked for (course/lms.py) and, when asked, a JUnit XML file; only
compact per-student figures (a score, a few ids, a digest) stay in memory, so a class of thousands costs about what
a class of ten does. `merge` does the same over the outputs of several shards. Stored files are read as regular
files only, never through a link (run/files.py).
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from grader.course import integrity, lms, storage
from grader.course.config import LmsSettings
from grader.course.junit import JUnitWriter
from grader.course.summary import Summary
from grader.report.exports import csv_text, learner_summary
from grader.run import files

RESULT, REPORT, INSTRUCTOR_REPORT = "result.json", "report.html", "instructor.html"
PRIVATE_FILES = (RESULT, INSTRUCTOR_REPORT)  # they hold hidden expected values: written 0600
GRADES, SUMMARY = "grades.csv", "summary.html"
# The columns every gradebook has, then one per check group ("points_forward", ...) in the plan's order, then the
# learner-facing summary (what an LMS import's feedback comment holds).
GRADE_FIELDS = ("student", "name", "file", "score", "max_score", "percent", "status", "error_kind", "diagnoses",
                "sha256", "flags")
FLAGS_AT = GRADE_FIELDS.index("flags")
SUMMARY_FIELD = "summary"
MAX_RESULT_BYTES = 256 << 20  # a stored result.json; the grader's own are a few hundred KB at most
MAX_GRADEBOOK_BYTES = 1 << 30


class MergeError(Exception):
    """Shard outputs that can't be combined; the message says which folder and why."""


def read_result(outdir: str, student: str) -> dict[str, Any] | None:
    """The stored result of one student, or None when absent or unreadable (a run killed before writing it), or not
    a regular file in a folder of its own (a link is never followed)."""
    folder = os.path.join(outdir, student)
    if not files.is_folder(folder):
        return None
    data = files.read_regular(os.path.join(folder, RESULT), MAX_RESULT_BYTES)
    try:
        d = json.loads(data) if isinstance(data, bytes) else None
    except ValueError:
        return None
    return d if isinstance(d, dict) and isinstance(d.get("checks"), list) else None


def card(d: dict[str, Any]) -> bytes:
    """A result dict cut to what a gradebook pass reads of it (every field but `analysis`, and of each check's
    `details` only an error's traceback, for JUnit), as compressed JSON: a few KB, where result.json is a few
    hundred. A batch's workers send one for each submission they grade, so that `build` need not read back and
    parse the files just written; tests/test_batch.py checks that both give the same files."""
    slim = {k: v for k, v in d.items() if k != "analysis"}
    slim["checks"] = [dict(c, details={k: v for k, v in (c.get("details") or {}).items() if k == "traceback"})
                      for c in d["checks"]]
    return zlib.compress(json.dumps(slim, separators=(",", ":")).encode(), 1)


def _from_card(data: bytes) -> dict[str, Any]:
    return json.loads(zlib.decompress(data))


class Cards:
    """The cards of a run's results, kept in an unnamed scratch file rather than in memory, so that a class of
    thousands still costs about what a class of ten does (an offset and a length per student stay here)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._at: dict[str, tuple[int, int]] = {}

    def add(self, student: str, card: bytes) -> None:
        self._file.seek(0, os.SEEK_END)
        self._at[student] = (self._file.tell(), len(card))
        self._file.write(card)

    def __contains__(self, student: object) -> bool:
        return student in self._at

    def __getitem__(self, student: str) -> bytes:
        offset, length = self._at[student]
        self._file.seek(offset)
        return self._file.read(length)

    def close(self) -> None:
        self._file.close()


def _num(x: float) -> str:
    return f"{x:.6g}"


def _groups(d: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(c["group"] for c in d["checks"]))


def grade_row(student: str, d: dict[str, Any] | None, groups: list[str]) -> list[str]:
    """One gradebook line (GRADE_FIELDS, then the points per group, then the summary); `flags` is filled in by
    build, after the similarity pass. Text cells that a spreadsheet would run as a formula are neutralised
    (exports.csv_text); numbers stay numbers."""
    if d is None:
        return [student, "", "", "", "", "", "missing", "", "", "", ""] + [""] * len(groups) + [""]
    info = d.get("batch", {})
    per_group = {g: 0.0 for g in groups}
    for c in d["checks"]:
        per_group[c["group"]] = per_group.get(c["group"], 0.0) + c["points"]
    pct = 100.0 * d["score"] / d["max_score"] if d["max_score"] else 0.0
    text = [student, info.get("name", ""), info.get("file", d.get("submission", ""))]
    return [csv_text(t) for t in text] + [
        _num(d["score"]), _num(d["max_score"]), f"{pct:.2f}", d["status"], (d.get("error") or {}).get("kind", ""),
        ";".join(x["id"] for x in d["diagnoses"]), d.get("sha256", ""), ""] + [_num(per_group[g]) for g in groups] + [
        csv_text(" ".join(learner_summary(d)))]


@dataclass
class Tally:
    """What a gradebook pass saw: counts per status (graded, error, missing), and notes for the instructor (the
    students an LMS import had to leave out)."""
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def build(outdir: str, students: Iterable[str], *, junit: str | None = None, title: str = "",
          lms_settings: LmsSettings = LmsSettings(), known: str | list[dict[str, str]] | None = None,
          cards: Cards | Mapping[str, bytes] | None = None) -> Tally:
    """Write OUTDIR/grades.csv, OUTDIR/integrity.csv, OUTDIR/summary.html, OUTDIR/feedback/ and the LMS imports
    of `lms_settings` (and `junit`, a JUnit XML path) for `students`, in the order given (sorted by the callers, so
    shards merged give the same files as one run). Each result is read once, from its `cards` entry when it has
    one (the students graded in this run), else from its result.json; the similarity pass (integrity.run, with
    the `known` files) runs before grades.csv is written, for its `flags` column. Returns the tally."""
    students = list(students)
    cards = cards or {}

    def result(student: str) -> dict[str, Any] | None:
        return _from_card(cards[student]) if student in cards else read_result(outdir, student)

    first = next((d for d in (result(s) for s in students) if d is not None), None)
    groups = _groups(first) if first else []
    summary, tally = Summary(title), Tally()
    writer = JUnitWriter(junit) if junit else None
    exporter = lms.Exporter(outdir, lms_settings, first["max_score"] if first else 100.0)
    facts = {}
    # The lines wait in a scratch file for their `flags`, known only once the pass has seen every student.
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="", dir=outdir) as lines, exporter:
        for student in students:
            d = result(student)
            csv.writer(lines, lineterminator="\n").writerow(grade_row(student, d, groups))
            facts[student] = integrity.facts(d)
            summary.add(student, d)
            exporter.add(student, d)
            tally.total += 1
            status = d["status"] if d else "missing"
            tally.by_status[status] = tally.by_status.get(status, 0) + 1
            if writer and d is not None:
                writer.add(d, student)
        if writer:
            writer.close()
        report = integrity.run(outdir, students, facts, known=known)
        lines.seek(0)
        with storage.replacing(os.path.join(outdir, GRADES)) as f:
            rows = csv.writer(f, lineterminator="\n")
            rows.writerow(list(GRADE_FIELDS) + [f"points_{g}" for g in groups] + [SUMMARY_FIELD])
            for student, row in zip(students, csv.reader(lines)):  # row[0] may be neutralised: key by position
                row[FLAGS_AT] = csv_text(report.flags.get(student, ""))
                rows.writerow(row)
    tally.notes += exporter.notes
    summary.integrity(report, outdir)
    storage.write_text(os.path.join(outdir, SUMMARY), summary.to_html())
    return tally


def students_of(outdir: str) -> list[str]:
    """The students listed in a finished run's grades.csv."""
    path = os.path.join(outdir, GRADES)
    data = files.read_regular(path, MAX_GRADEBOOK_BYTES)
    if isinstance(data, files.Refused) and data.missing:
        raise MergeError(f"{outdir}: no {GRADES}; did that shard finish? (rerun it: it resumes where it stopped)")
    if isinstance(data, files.Refused):
        raise MergeError(data.message(path))
    try:
        return [row["student"] for row in csv.DictReader(io.StringIO(data.decode("utf-8"), newline=""))]
    except (KeyError, csv.Error, UnicodeDecodeError) as e:
        raise MergeError(f"{path}: not a gradebook this grader wrote ({e})")


def merge(out: str, shard_dirs: list[str], *, junit: str | None = None,
          lms_settings: LmsSettings = LmsSettings(), known: str | None = None) -> Tally:
    """Combine shard outputs into OUTDIR `out`: copy each student's folder (its regular files only, never through
    a link) and stored fingerprints, then build one gradebook, summary, similarity pass (with the `known` files,
    else those the shards were compared with), feedback folder and LMS imports, as one run would. A student found
    in two shards must have the same result in both (the same shard run twice is fine)."""
    owner: dict[str, str] = {}
    for shard in shard_dirs:
        for student in students_of(shard):
            if student in owner and _result_bytes(owner[student], student) != _result_bytes(shard, student):
                raise MergeError(f"student {student} is in both {owner[student]} and {shard} with different "
                                 "results; were they graded from different submissions or settings?")
            owner.setdefault(student, shard)
    classes = set()
    for student, shard in sorted(owner.items()):
        d = read_result(shard, student)
        if d is None:
            raise MergeError(f"{shard}: {student}/{RESULT} is missing or unreadable; rerun that shard")
        classes.add(d.get("batch", {}).get("class", ""))
        _copy_folder(os.path.join(shard, student), os.path.join(out, student))
    try:
        compared = integrity.gather(out, shard_dirs)
    except integrity.KnownError as e:
        if known is None:
            raise MergeError(str(e))
        compared = []
    # The shards of one class: the summary one run would write, title included.
    title = classes.pop() if len(classes) == 1 and "" not in classes else f"merged from {len(shard_dirs)} shards"
    return build(out, sorted(owner), junit=junit, title=title, lms_settings=lms_settings,
                 known=known if known is not None else compared)


def _result_bytes(outdir: str, student: str) -> bytes:
    data = read_result(outdir, student)
    if data is None:
        return b""
    data.pop("duration_s", None)  # timing differs between two runs of the same grading
    for key in ("graded_at", "class"):  # when and under which name it was graded: not what the result is
        data.get("batch", {}).pop(key, None)
    return json.dumps(data, sort_keys=True).encode()


def _copy_folder(src: str, dst: str) -> None:
    """Copy the regular files of a student's folder (a link or anything else is left behind), result.json last."""
    if os.path.abspath(src) == os.path.abspath(dst):
        return
    os.makedirs(dst, exist_ok=True)
    names = sorted(n for n in os.listdir(src) if not n.startswith(".tmp-"))
    for name in sorted(names, key=lambda n: n == RESULT):  # result.json last: it marks the folder complete
        data = files.read_regular(os.path.join(src, name), MAX_RESULT_BYTES)
        if isinstance(data, bytes):
            storage.write_bytes(os.path.join(dst, name), data, private=name in PRIVATE_FILES)
