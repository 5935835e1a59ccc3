"""Diagnose stage: the checks, then the diagnosis, as one call (`judge`), made ahead of grade.interpret when it can
be: by the decoder the moment the child says it is done (AtDone: a batch worker judges while the child exits), or
by an EarlyJudge in a thread of its own while the child is still reporting (one file: its judging then overlaps
the child's later probes and its exit, rather than following them).
"""
from __future__ import annotations

import threading
from typing import Any

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
    explain = _explain()
    evaluation = checks.evaluate(plan, {**learner, **hidden} if hidden else learner, reference)
    if ahead:
        contract.prepare(evaluation.checks, evaluation.analysis)
    try:
        diagnoses, notes = explain.as_notes(explain.diagnose(plan, learner, reference, evaluation), evaluation)
    except Exception:
        diagnoses, notes = [], [DIAGNOSIS_FAILED]
    return evaluation, diagnoses, notes


def _explain():
    """The diagnosis, whose modules load on the first judgement (~15 ms): one file's grader loads them in its
    judging thread while its child runs, rather than before it starts reading the child; a batch, before it forks
    its workers (preload)."""
    from grader.diagnose import explain

    return explain


def preload() -> None:
    _explain()


class Ahead:
    """What judged a channel's public probes ahead of grade.interpret, and `result(learner)`, what it judged, given
    only when it read exactly the ops that the judging would be given (the same objects, for every probe): the
    same inputs, so the same result. Otherwise (a probe missing, a channel read again, a grader bug) None, and
    the caller judges as usual."""

    def __init__(self, plan: Plan, names: list[str], reference: dict[str, list[Op]]):
        self.arriving = Arriving(names)
        self._plan, self._reference = plan, reference
        self._judged: Judged | None = None

    def done(self) -> None:
        """The child reported its last probe and said it is done."""

    def result(self, learner: dict[str, Any]) -> Judged | None:
        same = self.arriving.complete() and list(learner) == self.arriving.names and \
            all(learner[n] is self.arriving.values[n] for n in self.arriving.names)
        if not same:
            self.stop()
            return None
        self._join()
        return self._judged

    def stop(self) -> None:
        """Nothing may go on judging once the grading is over."""

    def _join(self) -> None:
        pass


class AtDone(Ahead):
    """judge(plan, learner, {}, reference) made by the decoder itself when the child says it is done, in the one
    thread a batch worker keeps: the child's exit (its namespaces torn down, its supervisor and its fork server
    answering) then goes on while the worker judges, rather than before."""

    def done(self) -> None:
        if not self.arriving.complete():
            return
        try:
            self._judged = judge(self._plan, dict(self.arriving.values), {}, self._reference)
        except Exception:  # a grader bug: judging again in interpret reports it where it belongs
            self._judged = None


class EarlyJudge(Ahead):
    """judge(plan, arriving, {}, reference) in a daemon thread, on the public probes as the decoder puts them into
    `arriving`, for one file: its judging then overlaps the child's later probes and its exit."""

    def __init__(self, plan: Plan, names: list[str], reference: dict[str, list[Op]]):
        super().__init__(plan, names, reference)
        self._thread = threading.Thread(target=self._run, name="early-judging", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        _explain()  # while the child is still at work: the grader's modules need not wait for it
        try:
            self._judged = judge(self._plan, self.arriving, {}, self._reference, ahead=True)
        except BaseException:  # Abandoned, or a grader bug, which judging again raises where it is reported
            self._judged = None

    def stop(self) -> None:
        """Make a thread still waiting for a probe give up, and wait for it: it must not outlive the grading."""
        self.arriving.abandon()
        self._thread.join()

    def _join(self) -> None:
        self._thread.join()
