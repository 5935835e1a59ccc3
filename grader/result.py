"""The result of grading one submission, as plain data. Renderers (report/) are pure functions of it."""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any

from grader import SCHEMA_VERSION

# The error kinds of the result contract (README, "Result format").
ERROR_KINDS = ("bad_file", "syntax_error", "import_error", "missing_class", "timeout",
               "memory_limit", "crashed", "exited", "internal")


class Status(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ErrorInfo:
    """Why a submission could not be graded, or what it raised."""
    kind: str
    message: str
    traceback: str = ""

    def __post_init__(self):
        assert self.kind in ERROR_KINDS, self.kind


@dataclass
class Check:
    """One check's verdict, points and evidence, as the result contract holds it."""
    id: str
    group: str
    status: Status
    points: float
    max_points: float
    message: str
    # Expected vs got, tolerance, worst entry... (compare.Comparison.to_dict()); shown in reports.
    details: dict[str, Any] = field(default_factory=dict)
    hidden: bool = False


@dataclass(frozen=True)
class Diagnosis:
    """A misconception found in the submission, with what to look at."""
    id: str
    message: str
    hint: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class GradeResult:
    """Everything one grading found: the result contract, before it is written as JSON (report/contract.py)."""
    submission: str
    status: str  # "graded" | "error"
    score: float
    max_score: float
    error: ErrorInfo | None
    checks: list[Check]
    diagnoses: list[Diagnosis]
    conventions: list[str]
    stdout: str
    stderr: str
    warnings: list[str] = field(default_factory=list)
    sandbox: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    # Per-parameter verdicts, training curves...: everything the report draws, as plain numbers.
    analysis: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    # {public probe: digest of what the learner's code returned}, for the instructor's similarity pass only.
    behaviour: dict[str, str] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    # With hidden cases: the instructor's record of their run, in a child of its own (grade.py _hidden_run):
    # ran, stdout, stderr, warnings, error, duration_s. Never in a learner's view.
    hidden_run: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for c in d["checks"]:
            c["status"] = Status(c["status"]).value
        return d
