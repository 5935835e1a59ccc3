"""Exports for other systems, as pure functions of result dicts (contract.to_dict's output, or a stored result.json).

- Gradescope's autograder `results.json` (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a test
  per check with name, score, max_score, status ("passed"/"failed"), output and visibility, and the total score.
- JUnit XML for CI systems: a <testsuite> per submission, a <testcase> per check (course/junit.py streams a
  class's suites into one file).

Both reach learners, so both are built from the learner's view: a hidden case shows its verdict only.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
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
