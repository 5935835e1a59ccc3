"""Diagnose stage: the checks, then the diagnosis, as one call (`judge`), made by grade.interpret once the child has
ended, or by an EarlyJudge in a thread of its own while the child is still reporting (one file: its judging then
overlaps the child's later probes and its exit, rather than following them).
"""
from __future__ import annotations

import threading
from typing import Any

from grader.diagnose import explain
from grader.judge import checks
from grader.judge.arriving import Arriving
from grader.judge.checks import Evaluation
from grader.judge.plan import Plan
from grader.judge.results import Op
from grader.report import contract
from grader.result import Diagnosis

DIAGNOSIS_FAILED = ("the grader could not work out what the failures mean (a bug in the grader's diagnosis, "
                    "not in your code); the checks and the score are unaffected")

Judged = tuple[Evaluation, list[Diagnosis], list[str]]


def judge(plan: Plan, learner: dict[str, list[Op]], hidden: dict[str, list[Op]],
          reference: dict[str, list[Op]], *, ahead: bool = False) -> Judged:
    """The evaluation of every check, the diagnoses, and the notes for the warnings. The diagnosis reads the public
    cases alone (`learner`), so that none can tell anything of a hidden one; a grader bug in it must not cost the
    learner the grade itself, and becomes a note. `ahead`: the checks' and the analysis's JSON made in between
    (contract.prepare), while a child still at work runs the probes that only the diagnosis reads."""
    evaluation = checks.evaluate(plan, {**learner, **hidden} if hidden else learner, reference)
    if ahead:
        contract.prepare(evaluation.checks, evaluation.analysis)
    try:
        diagnoses, notes = explain.as_notes(explain.diagnose(plan, learner, reference, evaluation), evaluation)
    except Exception:
        diagnoses, notes = [], [DIAGNOSIS_FAILED]
    return evaluation, diagnoses, notes


class EarlyJudge:
    """judge(plan, arriving, {}, reference) in a daemon thread, on the public probes as the decoder puts them into
    `arriving`. `result(learner)` gives what it judged only when the thread read exactly the ops that the judging
    would be given (the same objects, for every probe): the same inputs, so the same result. Otherwise (a probe
    missing, a channel read again, a grader bug in the thread) it gives None, and the caller judges as usual."""

    def __init__(self, plan: Plan, names: list[str], reference: dict[str, list[Op]]):
        self.arriving = Arriving(names)
        self._judged: Judged | None = None
        self._thread = threading.Thread(target=self._run, args=(plan, reference), name="early-judging", daemon=True)
        self._thread.start()

    def _run(self, plan: Plan, reference: dict[str, list[Op]]) -> None:
        try:
            self._judged = judge(plan, self.arriving, {}, reference, ahead=True)
        except BaseException:  # Abandoned, or a grader bug, which judging again raises where it is reported
            self._judged = None

    def result(self, learner: dict[str, Any]) -> Judged | None:
        same = self.arriving.complete() and list(learner) == self.arriving.names and \
            all(learner[n] is self.arriving.values[n] for n in self.arriving.names)
        if not same:
            self.stop()
            return None
        self._thread.join()
        return self._judged

    def stop(self) -> None:
        """Make a thread still waiting for a probe give up, and wait for it: it must not outlive the grading."""
        self.arriving.abandon()
        self._thread.join()
