"""What goes back to the learners and into the LMS, written by the gradebook pass one result at a time
(gradebook.build: a merge of shards writes exactly what one run over the same results does):

- OUTDIR/feedback/<student>.html, always: each learner's report.html under the learner's id, the generic shape
  LMS importers ask for.
- OUTDIR/canvas_grades.csv (`--format canvas`, `[lms] format`): Canvas's gradebook import (Grades → Import):
  Student, ID, SIS User ID, SIS Login ID, Section, then the assignment's column, a "Points Possible" row, and a row
  per student of a Canvas download, matched on ID, the Canvas user id from the download's file names
  (instructure/canvas-lms, app/models/gradebook_importer.rb).
- OUTDIR/moodle_grades.csv and OUTDIR/moodle_feedback.zip (`--format moodle`): Moodle's offline grading
  worksheet ("Upload grading worksheet": Identifier "Participant N", N from the download's folder names, Grade,
  Last modified (grade), Feedback comments; mod/assign/feedback/offline/importgradeslib.php), and each learner's
  report in a folder `<Full name>_<N>_assignfeedback_file/` for "Upload multiple feedback files in a zip"
  (mod/assign/feedback/file/importziplib.php, `is_valid_filename_for_import`: the second `_` field of a path part
  is the participant number, the next two the plugin; the file goes to that participant's feedback files).

Only learner-safe content goes into any of them: the rows come from report/exports.py, which works on the
learner's view (hidden cases as verdicts only, no integrity finding), and the reports are the learners' own.
"""
from __future__ import annotations

import contextlib
import csv
import os
import zipfile
from typing import Any

from grader.course import storage
from grader.course.config import LmsSettings
from grader.report import exports
from grader.run import files

FEEDBACK = "feedback"
CANVAS_GRADES, MOODLE_GRADES, MOODLE_FEEDBACK = "canvas_grades.csv", "moodle_grades.csv", "moodle_feedback.zip"
REPORT = "report.html"
MAX_REPORT_BYTES = 64 << 20
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # the same zip for the same reports, whenever it is written
LAYOUT = {"canvas": "a Canvas download (no Canvas user id)", "moodle": "a Moodle download (no participant number)"}
LISTED = 10  # ids named in a note about students left out


def _small_regular(path: str) -> bool:
    """A regular file itself (files.is_regular: not a link to one) of at most MAX_REPORT_BYTES, what a copy would
    read whole."""
    try:
        return files.is_regular(path) and os.path.getsize(path) <= MAX_REPORT_BYTES
    except OSError:  # gone since
        return False


class Exporter:
    """A context manager fed one student at a time (`add`); on a clean exit every file is swapped in whole. `notes`
    then says which students an import had to leave out."""

    def __init__(self, outdir: str, settings: LmsSettings, max_score: float):
        self.outdir, self.settings, self.max_score = outdir, settings, max_score
        self.notes: list[str] = []
        self.left_out: dict[str, list[str]] = {f: [] for f in settings.formats}
        self.seen: set[str] = set()
        self._stack = contextlib.ExitStack()
        self.canvas = self.moodle = self.zip = None

    def __enter__(self) -> "Exporter":
        os.makedirs(os.path.join(self.outdir, FEEDBACK), exist_ok=True)
        points = exports.lms_max({"max_score": self.max_score}, self.settings.points)
        if "canvas" in self.settings.formats:
            self.canvas = csv.writer(self._open(CANVAS_GRADES), lineterminator="\n")
            self.canvas.writerow(exports.canvas_header(self.settings.assignment))
            self.canvas.writerow(exports.canvas_points_row(points))
        if "moodle" in self.settings.formats:
            self.moodle = csv.writer(self._open(MOODLE_GRADES), lineterminator="\n")
            self.moodle.writerow(exports.MOODLE_COLUMNS)
            self.zip = self._stack.enter_context(zipfile.ZipFile(self._open(MOODLE_FEEDBACK, binary=True), "w"))
        return self

    def _open(self, name: str, *, binary: bool = False):
        return self._stack.enter_context(storage.replacing(os.path.join(self.outdir, name), binary=binary))

    def add(self, student: str, d: dict[str, Any] | None) -> None:
        """One student's stored result (None when it is missing: nothing to send back)."""
        if d is None:
            return
        source = os.path.join(self.outdir, student, REPORT)
        copy = os.path.join(self.outdir, FEEDBACK, student + ".html")
        report = None
        # report.html under the learner's id, made again by every gradebook pass: another name of the same file
        # (a class's worth of copies took a tenth of a second of the pass), or, where the filesystem can't link
        # or a Moodle zip needs the bytes anyway, a copy (no fsync of its own).
        if self.zip is None and _small_regular(source) and storage.linked(source, copy):
            self.seen.add(student + ".html")
        else:
            report = files.read_regular(source, MAX_REPORT_BYTES)
            report = report if isinstance(report, bytes) else None
            if report is not None:
                storage.write_bytes(copy, report, durable=False)
                self.seen.add(student + ".html")
        info = d.get("batch", {})
        for fmt in self.settings.formats:
            if info.get("layout") != fmt or not info.get("lms_id"):
                self.left_out[fmt].append(student)
        options = {"points": self.settings.points, "ungraded": self.settings.ungraded}
        if self.canvas is not None and info.get("layout") == "canvas" and info.get("lms_id"):
            self.canvas.writerow(exports.canvas_row(d, **options))
        if self.moodle is not None and info.get("layout") == "moodle" and info.get("lms_id"):
            self.moodle.writerow(exports.moodle_row(d, **options))
            if report is not None:
                entry = zipfile.ZipInfo(f"{info['name']}_{info['lms_id']}_assignfeedback_file/{REPORT}", ZIP_DATE)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o100644 << 16
                self.zip.writestr(entry, report)

    def __exit__(self, *exc) -> bool:
        if self._stack.__exit__(*exc):
            return True
        if exc[0] is None:
            self._remove_stale_feedback()
            for fmt, students in self.left_out.items():
                if students:
                    listed = ", ".join(students[:LISTED]) + (" ..." if len(students) > LISTED else "")
                    name = CANVAS_GRADES if fmt == "canvas" else MOODLE_GRADES
                    self.notes.append(f"{name}: {len(students)} left out, not from {LAYOUT[fmt]}: {listed}")
        return False

    def _remove_stale_feedback(self) -> None:
        """Reports of students no longer in the class (a folder reused for another download) would be sent back
        with the rest: they go."""
        folder = os.path.join(self.outdir, FEEDBACK)
        for name in os.listdir(folder):
            if name.endswith(".html") and name not in self.seen and files.is_regular(os.path.join(folder, name)):
                os.unlink(os.path.join(folder, name))
