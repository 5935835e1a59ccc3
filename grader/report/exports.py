"""Exports for other systems, as pure functions of result dicts (contract.to_dict's output, or a stored result.json).

- Gradescope's autograder `results.json` (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a test
  per check with name, score, max_score, status ("passed"/"failed"), output and visibility, and the total score.
- JUnit XML for CI systems: a <testsuite> per submission, a <testcase> per check (course/junit.py streams a
  class's suites into one file).
- The rows of the gradebooks: grades.csv's learner summary and the cells that a spreadsheet must not run as
  formulas; Canvas's gradebook import and Moodle's offline grading worksheet (course/lms.py writes the files).

Everything here that reaches learners is built from the learner's view: a hidden case shows its verdict only. No
integrity finding is ever part of it.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import escape
from typing import Any

from grader.report.contract import learner_dict

OUTPUT_CAP = 8000  # characters of the learner's own output copied into Gradescope's overall output


def gradescope(result: dict[str, Any], *, visibility: str = "visible",
               hidden_visibility: str = "after_due_date") -> dict[str, Any]:
    """Gradescope's results.json for one result dict (full or learner view; the learner's view is applied)."""
    d = learner_dict(result)
    tests = [{"name": c["id"], "number": str(i), "score": c["points"], "max_score": c["max_points"],
              "status": "passed" if c["status"] == "pass" else "failed",
              "output": c["message"], "output_format": "text", "tags": [c["group"]],
              "visibility": hidden_visibility if c.get("hidden") else visibility}
             for i, c in enumerate(d["checks"], start=1)]
    return {"score": d["score"], "execution_time": int(round(d.get("duration_s", 0))),
            "output": _overall_output(d), "output_format": "text", "visibility": visibility,
            "stdout_visibility": "hidden", "tests": tests}


def _overall_output(d: dict[str, Any]) -> str:
    lines = [f"Score: {d['score']:g}/{d['max_score']:g}"]
    if d.get("error"):
        what = "Could not be graded" if d["status"] == "error" else "The run ended early"
        lines.append(f"{what} ({d['error']['kind']}): {d['error']['message']}")
        if d["error"].get("traceback") and d["error"]["kind"] != "internal":
            lines.append(d["error"]["traceback"])
    for x in d.get("diagnoses", []):
        lines.append(f"Diagnosis [{x['id']}]: {x['message']}" + (f"\n  Hint: {x['hint']}" if x.get("hint") else ""))
    if d.get("conventions"):
        lines.append("Conventions seen: " + "; ".join(d["conventions"]))
    lines += [f"Warning: {w}" for w in d.get("warnings", [])]
    if d.get("stdout"):
        out = d["stdout"]
        lines.append("Your program printed:\n" + (out[:OUTPUT_CAP] + "\n[... cut]" if len(out) > OUTPUT_CAP else out))
    return "\n".join(lines)


# ---- JUnit XML ---------------------------------------------------------------------------------------------------

_BAD_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(s: str) -> str:
    """XML 1.0 can't hold most control characters, and a learner's message may contain any."""
    return _BAD_XML.sub("\ufffd", s)


@dataclass
class Counts:
    """Tallies of test cases by outcome, as JUnit's summary attributes hold them."""
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0

    def add(self, other: "Counts") -> None:
        for k in ("tests", "failures", "errors", "skipped"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def attrs(self) -> dict[str, str]:
        return {k: str(getattr(self, k)) for k in ("tests", "failures", "errors", "skipped")}


def junit_suite(result: dict[str, Any], suite_name: str) -> tuple[ET.Element, Counts]:
    """One submission as a <testsuite>: a <testcase> per check (fail → <failure>, error → <error>, skipped →
    <skipped>), plus a `submission` case carrying the error when nothing could be graded."""
    d = learner_dict(result)
    suite = ET.Element("testsuite", name=_text(suite_name))
    props = ET.SubElement(suite, "properties")
    for key in ("score", "max_score", "status", "sha256"):
        ET.SubElement(props, "property", name=key, value=_text(f"{d.get(key, '')}"))
    counts = Counts()
    if d["status"] == "error":
        case = ET.SubElement(suite, "testcase", classname=_text(suite_name), name="submission", time="0")
        err = ET.SubElement(case, "error", type=d["error"]["kind"], message=_text(d["error"]["message"][:500]))
        err.text = _text(d["error"].get("traceback", "") or d["error"]["message"])
        counts.add(Counts(tests=1, errors=1))
    for c in d["checks"]:
        case = ET.SubElement(suite, "testcase", classname=_text(f"{suite_name}.{c['group']}"), name=_text(c["id"]),
                             time="0")
        counts.tests += 1
        if c["status"] == "fail":
            ET.SubElement(case, "failure", message=_text(c["message"][:500])).text = _text(c["message"])
            counts.failures += 1
        elif c["status"] == "error":
            tb = c.get("details", {}).get("traceback", "")
            ET.SubElement(case, "error", message=_text(c["message"][:500])).text = _text(tb or c["message"])
            counts.errors += 1
        elif c["status"] == "skipped":
            ET.SubElement(case, "skipped", message=_text(c["message"][:500]))
            counts.skipped += 1
    suite.attrib.update(counts.attrs())
    suite.set("time", f"{d.get('duration_s', 0):.3f}")
    return suite, counts


# ---- gradebooks: grades.csv and the LMS imports (course/gradebook.py, course/lms.py write the files) -------------

# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...) in a learner's name).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUMMARY_CHARS = 1500
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)", "Feedback comments")
MOODLE_PARTICIPANT = "Participant "  # Moodle's string hiddenuser: the importer cuts it off to get the number


def csv_text(text: str) -> str:
    """A text cell that a spreadsheet shows as text: one that starts like a formula gets a leading ' (OWASP's advice
    against CSV injection). Only for text: numbers the grader computed are written as numbers."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def learner_summary(result: dict[str, Any]) -> list[str]:
    """A short plain-text account for the learner, built from the learner's view (hidden cases as verdicts only),
    as lines: the score and how many checks passed, why it could not be graded or stopped early, each
    misconception's message. At most SUMMARY_CHARS characters in all (the last line says so when cut)."""
    d = learner_dict(result)
    passed = sum(1 for c in d["checks"] if c["status"] == "pass")
    lines = [f"Score: {d['score']:g}/{d['max_score']:g} ({passed} of {len(d['checks'])} checks passed)."]
    if d.get("error"):
        what = "Could not be graded" if d["status"] == "error" else "The run ended early"
        first = " ".join((d["error"].get("message") or "").strip().split("\n", 1)[0].split())
        lines.append(f"{what} ({d['error']['kind']}): {first}")
    lines += [" ".join(x["message"].split()) for x in d.get("diagnoses", [])]
    kept, size = [], 0
    for line in lines:
        if size + len(line) > SUMMARY_CHARS:
            kept.append(line[:max(0, SUMMARY_CHARS - size)].rstrip() + " [... cut: the report has the rest]")
            break
        kept.append(line)
        size += len(line) + 1
    return kept


def lms_grade(result: dict[str, Any], *, points: float | None, ungraded: str) -> str:
    """The grade an LMS import gets: the score, scaled to `points` when given (the LMS assignment's maximum), to two
    decimals; for a submission that could not be graded, "" (no score: left to grade by hand) or "0" (`ungraded`)."""
    if result["status"] != "graded":
        return "0" if ungraded == "zero" else ""
    score = result["score"] * points / result["max_score"] if points is not None and result["max_score"] else \
        result["score"]
    return _decimal(score)


def lms_max(result: dict[str, Any], points: float | None) -> str:
    return _decimal(points if points is not None else result["max_score"])


def _decimal(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def canvas_header(assignment: str) -> list[str]:
    """Canvas's gradebook import: the columns it matches students on, then one per assignment, titled as in
    Canvas (instructure/canvas-lms, app/models/gradebook_importer.rb: `row_has_student_headers?`, the last of the
    student columns must be Section)."""
    return [*CANVAS_COLUMNS, csv_text(assignment)]


def canvas_points_row(points: str) -> list[str]:
    """The row the importer takes the assignment's points from (its first cell includes "Points Possible")."""
    return ["Points Possible", "", "", "", "", points]


def canvas_row(result: dict[str, Any], *, points: float | None, ungraded: str) -> list[str]:
    """One student: matched on ID, the Canvas user id from the download's file names; the SIS columns empty."""
    info = result["batch"]
    return [csv_text(info.get("name", "")), info["lms_id"], "", "", "",
            lms_grade(result, points=points, ungraded=ungraded)]


def moodle_row(result: dict[str, Any], *, points: float | None, ungraded: str) -> list[str]:
    """One line of Moodle's offline grading worksheet (mod/assign/feedback/offline/importgradeslib.php reads the
    columns Identifier, Grade and Last modified (grade) by their titles, and each feedback plugin's own column:
    "Feedback comments"). The comment goes into an HTML field, so the summary is escaped, a <br> between lines."""
    info = result["batch"]
    comment = "<br>\n".join(escape(line, quote=False) for line in learner_summary(result))
    return [MOODLE_PARTICIPANT + info["lms_id"], csv_text(info.get("name", "")),
            lms_grade(result, points=points, ungraded=ungraded), lms_max(result, points),
            info.get("graded_at", ""), csv_text(comment)]
