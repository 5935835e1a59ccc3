"""The grading configuration: one frozen object passed down, never module-level state."""
from __future__ import annotations

from dataclasses import dataclass, field

from grader.cases import Plan, default_plan
from grader.sandbox import Limits


@dataclass(frozen=True)
class GradeConfig:
    limits: Limits = field(default_factory=Limits)
    plan: Plan = field(default_factory=default_plan)
    require_isolation: bool = False
    # Learner-facing: hidden cases show pass/fail only. The instructor's view shows everything.
    instructor_view: bool = False
