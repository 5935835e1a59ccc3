"""Orchestrator for one submission: read → run (confined child) → check → diagnose → GradeResult.

Only this module and batch.py call across stages. Learner faults come back as values; a grader bug becomes an
`internal` result rather than an exception, so a caller always gets something to write.
"""
from __future__ import annotations

import signal
import time
import traceback
from typing import Any

from grader import checks, diagnose, reference, sandbox
from grader.config import GradeConfig
from grader.result import Check, ErrorInfo, GradeResult, Status
from grader.submission import LoadFault, Source, read_submission


def grade_path(path: str, config: GradeConfig) -> GradeResult:
    start = time.monotonic()
    try:
        source = read_submission(path)
        if isinstance(source, LoadFault):
            return _error_result(path, ErrorInfo(source.kind, source.message), config, sha256=source.sha256)
        return grade_source(source, config)
    except Exception:  # a grader bug: still produce a result that says so
        return _error_result(path, ErrorInfo("internal", "the grader failed on this submission (a bug in the "
                                                         "grader, not in your code)", traceback.format_exc()),
                             config, duration=time.monotonic() - start)


def grade_source(source: Source, config: GradeConfig) -> GradeResult:
    start = time.monotonic()
    plan = config.plan
    child_plan = {"kind": source.kind, "chunks": [{"label": c.label, "code": c.code} for c in source.chunks],
                  "probes": [p.to_plan() for p in plan.probes]}
    outcome = sandbox.run_child(child_plan, config.limits)
    result = interpret(source, outcome, config)
    result.duration_s = time.monotonic() - start
    return result


def interpret(source: Source, outcome: sandbox.RunOutcome, config: GradeConfig) -> GradeResult:
    """Turn what the child reported into a GradeResult (everything is judged here, in the grader)."""
    plan = config.plan
    sandbox_report: dict[str, Any] = {}
    loaded = fault = None
    probes: dict[str, Any] = {}
    done = False
    for msg in outcome.messages:
        if "sandbox" in msg and not sandbox_report:
            sandbox_report = msg["sandbox"] if isinstance(msg["sandbox"], dict) else {}
        elif "loaded" in msg and loaded is None and fault is None:
            loaded = msg["loaded"] if isinstance(msg["loaded"], dict) else {}
        elif "fault" in msg and loaded is None and fault is None:
            fault = msg["fault"] if isinstance(msg["fault"], dict) else {}
        elif "probe" in msg and loaded is not None and isinstance(msg.get("results"), list):
            probes.setdefault(str(msg["probe"]), msg["results"])
        elif msg.get("done") is True and loaded is not None:
            done = True
    base = dict(stdout=outcome.stdout, stderr=outcome.stderr, sha256=source.sha256,
                sandbox=sandbox_report)
    warnings = list(source.notes)
    abnormal = None if done else _abnormal_end(outcome, limits=config.limits, started=bool(sandbox_report),
                                               loaded=loaded is not None)
    if fault is not None:
        kind = fault.get("kind") if fault.get("kind") in ("syntax_error", "import_error", "missing_class",
                                                           "exited", "memory_limit") else "import_error"
        return _error_result(source.name, ErrorInfo(kind, str(fault.get("message", ""))[:4000],
                                                    str(fault.get("traceback", ""))[:8000]), config, **base)
    if loaded is None:
        return _error_result(source.name, abnormal, config, **base)

    warnings += [str(w)[:500] for w in loaded.get("warnings", [])][:20]
    missing_reason = abnormal.message if abnormal else "the child did not report this case"
    learner = {p.name: checks.decode_ops(probes.get(p.name), len(p.ops), missing_reason) for p in plan.probes}
    ref = {p.name: checks.decode_ops(raw, len(p.ops), "")
           for p, raw in ((p, reference.results_for(p)) for p in plan.probes)}
    evaluation = checks.evaluate(plan, learner, ref)
    diagnoses = diagnose.diagnose(plan, learner, ref, evaluation)
    judged = any(c.status in (Status.PASS, Status.FAIL) for c in evaluation.checks)
    if abnormal:
        warnings.append(abnormal.message)
    return GradeResult(submission=source.name, status="graded" if judged or not abnormal else "error",
                       score=_total(evaluation.checks, "points"), max_score=_total(evaluation.checks, "max_points"),
                       error=abnormal, checks=evaluation.checks, diagnoses=diagnoses,
                       conventions=evaluation.conventions, warnings=warnings, analysis=evaluation.analysis, **base)


def _total(cs: list[Check], attr: str) -> float:
    return round(sum(getattr(c, attr) for c in cs), 6)


def _abnormal_end(outcome: sandbox.RunOutcome, *, limits: sandbox.Limits, started: bool, loaded: bool) -> ErrorInfo:
    """Why the child stopped before reporting completion. Its output is never consulted for results."""
    stage = "while running the checks" if loaded else "while loading the submission"
    if outcome.timed_out:
        return ErrorInfo("timeout", f"stopped after the {limits.timeout_s:g} s time limit {stage} "
                                    "(an endless loop, or a very long computation?)")
    if outcome.channel_error:
        return ErrorInfo("crashed", f"{outcome.channel_error} {stage}; the results were discarded")
    code = outcome.returncode
    if code is not None and code < 0:
        sig = _signal_name(-code)
        if -code == signal.SIGXCPU:
            return ErrorInfo("timeout", f"used more than its CPU-time limit {stage} ({sig})")
        if not started:
            return ErrorInfo("internal", f"the grader's child process died before loading your code ({sig})",
                             outcome.stderr[-4000:])
        return ErrorInfo("crashed", f"the process was killed by {sig} {stage}"
                                    + (" (a segmentation fault: memory corruption, e.g. through ctypes)"
                                       if -code == signal.SIGSEGV else ""))
    if not started:
        return ErrorInfo("internal", "the grader's child process failed before loading your code",
                         outcome.stderr[-4000:])
    return ErrorInfo("exited", f"the process exited with status {code} {stage} without finishing "
                               "(sys.exit() or os._exit() where the grader could not catch it?)")


def _signal_name(n: int) -> str:
    try:
        return signal.Signals(n).name
    except ValueError:
        return f"signal {n}"


def _error_result(submission: str, error: ErrorInfo, config: GradeConfig, *, sha256: str = "", stdout: str = "",
                  stderr: str = "", sandbox: dict | None = None, duration: float = 0.0) -> GradeResult:
    """Nothing could be graded: every check is reported as not run, so the record keeps its full shape."""
    cs = [Check(s.id, s.group, Status.SKIPPED, 0.0, s.points, f"not run: {error.message.splitlines()[0]}"
                if error.message else "not run", {}, s.hidden) for s in config.plan.checks]
    return GradeResult(submission=submission.rsplit("/", 1)[-1], status="error", score=0.0,
                       max_score=_total(cs, "max_points"), error=error, checks=cs, diagnoses=[], conventions=[],
                       stdout=stdout, stderr=stderr, sandbox=sandbox or {}, sha256=sha256, duration_s=duration)
