"""Orchestrator for one submission: read → run (confined child) → check → diagnose → GradeResult.

Only this module and course/batch.py call across stages. Learner faults come back as values; a grader bug becomes an
`internal` result rather than an exception, so a caller always gets something to write.
"""
from __future__ import annotations

import dataclasses
import signal
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from grader.diagnose import judging
from grader.diagnose.judging import DIAGNOSIS_FAILED  # noqa: F401  (grade.DIAGNOSIS_FAILED, as before)
from grader.judge import reference, results, signature
from grader.judge.plan import Plan, Probe, default_plan
from grader.result import Check, ErrorInfo, GradeResult, Status
from grader.run import probe as probe_exec
from grader.run import sandbox, wire
from grader.run.sandbox import Limits
from grader.run.submission import LoadFault, Source, read_submission


@dataclass(frozen=True)
class GradeConfig:
    """Everything that decides a grade besides the submission: one frozen object passed down, never module-level
    state. The course's TOML (course/config.py) builds one; the defaults are the kata's."""
    limits: Limits = field(default_factory=Limits)
    plan: Plan = field(default_factory=default_plan)
    require_isolation: bool = False


def grade_path(path: str, config: GradeConfig, *, runner: sandbox.Runner = sandbox.FRESH,
               early: bool = False) -> GradeResult:
    """Grade the file at `path`. `runner` runs the child's plan: a fresh confined interpreter by default, a fork
    server's child in a batch (run/forkserver.py), or one started ahead of time (run/launch.py, for one file).
    `early`: judge in a thread while the child reports (one file, where only the time to the result counts; a
    batch's workers keep to one thread, and their cores are busy anyway)."""
    start = time.monotonic()
    try:
        source = read_submission(path)
        if isinstance(source, LoadFault):
            return _error_result(path, ErrorInfo(source.kind, source.message), config, sha256=source.sha256)
        return grade_source(source, config, runner=runner, early=early)
    except Exception:  # a grader bug: still produce a result that says so
        return _error_result(path, ErrorInfo("internal", "the grader failed on this submission (a bug in the "
                                                         "grader, not in your code)", traceback.format_exc()),
                             config, duration=time.monotonic() - start)


def grade_source(source: Source, config: GradeConfig, *, runner: sandbox.Runner = sandbox.FRESH,
                 early: bool = False) -> GradeResult:
    start = time.monotonic()
    public, hidden = split_probes(config.plan)
    run = runner.begin(sandbox.child_plan(source, [p.to_plan() for p in public], config.require_isolation),
                       config.limits)
    ref = reference_ops(config.plan)  # meanwhile, while the child works
    # With hidden cases the checks need their own child's results too, which come after this one has ended.
    ahead = None if hidden else judging.EarlyJudge if early else judging.AtDone
    decoder = Decoder(public, digests=True, judge=ahead(config.plan, [p.name for p in public], ref) if ahead else None)
    try:
        return _graded(source, config, runner, run.outcome(decoder.feed), decoder, public, hidden, start)
    finally:
        if decoder.judge is not None:
            decoder.judge.stop()


def _graded(source: Source, config: GradeConfig, runner: sandbox.Runner, outcome: sandbox.RunOutcome,
            decoder: Decoder, public: list[Probe], hidden: list[Probe], start: float) -> GradeResult:
    hidden_outcome = None
    # Whether the submission loaded is told by the channel's first two messages (sandbox, loaded): no need to decode
    # every probe's results here, which interpret does once.
    if hidden and read_channel(outcome.messages[:2], public).loaded is not None:
        # The hidden cases run after the public ones, in a child of their own: nothing learner code can find, print
        # or raise while it holds their inputs reaches a learner, who is shown their verdicts only.
        hidden_outcome = runner.begin(sandbox.child_plan(source, [p.to_plan() for p in hidden],
                                                         config.require_isolation), config.limits).outcome()
    result = interpret(source, outcome, config, hidden_outcome, decoder)
    result.duration_s = time.monotonic() - start
    return result


def split_probes(plan: Plan) -> tuple[list[Probe], list[Probe]]:
    """The plan's probes: those a learner may see the run of, and those of its hidden checks."""
    hidden = {c.probe for c in plan.checks if c.hidden}
    return [p for p in plan.probes if p.name not in hidden], [p for p in plan.probes if p.name in hidden]


@dataclass
class _Channel:
    """What the child reported, read in the one order the child writes it (see run/probe.py)."""
    sandbox: dict[str, Any] = field(default_factory=dict)
    refused: bool = False
    loaded: dict[str, Any] | None = None
    fault: dict[str, Any] | None = None
    probes: dict[str, list[results.Op]] = field(default_factory=dict)  # decoded, in plan order
    digests: dict[str, str] = field(default_factory=dict)  # of some of them (signature.probe_digest), as decoded
    done: bool = False
    forged: bool = False  # a message out of that order or shape: learner code wrote to the channel


def read_channel(messages: list[dict[str, Any]], probes: list[Probe]) -> _Channel:
    """Accept the child's messages only in order and in the child's own shape: sandbox; refused, loaded or fault;
    after loaded one message per probe, in plan order, with one well-formed, decodable result per op; done.
    Learner code shares the child's process and can write to the channel too: the first message out of that
    order or shape, or that does not decode, marks the channel forged, and it and everything after it are
    discarded."""
    decoder = Decoder(probes)
    for msg in messages:
        decoder.feed(msg)
    return decoder.ch


class Decoder:
    """read_channel one message at a time. grade_source feeds it from the results channel as the child reports
    (ChildRun.outcome's on_message), so that the probes are decoded, and their digests made, while the child is
    still at work on the later ones; the channel is read again from the outcome's messages whenever the decoder was
    not fed exactly those (the same objects, in order: a run retried after its fork server was lost, say)."""

    def __init__(self, probes: list[Probe], *, digests: bool = False, judge: judging.Ahead | None = None):
        self.probes, self.names, self.make_digests, self.judge = probes, [p.name for p in probes], digests, judge
        self.ch, self.stage, self.fed = _Channel(), "sandbox", []

    def feed(self, msg: dict[str, Any]) -> None:
        self.fed.append(msg)
        if self.stage == "forged":  # everything after the first forged message is discarded
            return
        ch, stage, n = self.ch, self.stage, len(self.ch.probes)
        if stage == "sandbox" and isinstance(msg.get("sandbox"), dict):
            ch.sandbox, self.stage = msg["sandbox"], "load"
        elif stage == "load" and msg.get("refused") is True:
            ch.refused, self.stage = True, "end"
        elif stage == "load" and _loaded_ok(msg.get("loaded")):
            ch.loaded, self.stage = msg["loaded"], "probes"
        elif stage == "load" and _fault_ok(msg.get("fault")):
            ch.fault, self.stage = msg["fault"], "end"
        elif stage == "probes" and n < len(self.names) and msg.get("probe") == self.names[n] and \
                (ops := _decoded(msg.get("results"), self.probes[n])) is not None:
            ch.probes[self.names[n]] = ops
            if self.make_digests:
                ch.digests[self.names[n]] = signature.probe_digest(ops)
            if self.judge is not None:
                self.judge.arriving.put(self.names[n], ops)
        elif stage == "probes" and n == len(self.names) and msg == {"done": True}:
            ch.done, self.stage = True, "end"
            if self.judge is not None:
                self.judge.done()
        elif stage != "end":  # after the end the child only exits; a stray write then changes nothing
            ch.forged, self.stage = True, "forged"

    def channel(self, messages: list[dict[str, Any]]) -> _Channel:
        """What read_channel(messages, probes) gives."""
        if len(self.fed) == len(messages) and all(a is b for a, b in zip(self.fed, messages)):
            return self.ch
        return read_channel(messages, self.probes)


def _loaded_ok(d: Any) -> bool:
    """A "loaded" message's body as run/probe.py writes it, every text within its cap."""
    problems = d.get("signature_problems", {}) if isinstance(d, dict) else None
    return isinstance(d, dict) and set(d) <= {"warnings", "classes", "signature_problems"} and \
        _text_list(d.get("warnings", []), wire.WARNINGS, wire.WARNING_CAP) and \
        _text_list(d.get("classes", []), wire.CLASSES, wire.NAME_CAP) and \
        isinstance(problems, dict) and _text_list(list(problems.values()), len(probe_exec.SIGNATURES), wire.WARNING_CAP)


def _fault_ok(d: Any) -> bool:
    return isinstance(d, dict) and set(d) <= set(wire.FAULT_CAPS) and all(
        isinstance(v, str) and len(v) <= wire.FAULT_CAPS[k] for k, v in d.items())


def _text_list(v: Any, count: int, cap: int) -> bool:
    return isinstance(v, list) and len(v) <= count and all(isinstance(x, str) and len(x) <= cap for x in v)


def _decoded(raw: Any, probe: Probe) -> list[results.Op] | None:
    try:
        return results.decode_results(raw, probe.ops)
    except wire.WireError:
        return None


def interpret(source: Source, outcome: sandbox.RunOutcome, config: GradeConfig,
              hidden_outcome: sandbox.RunOutcome | None = None, decoder: Decoder | None = None) -> GradeResult:
    """Turn what the child reported into a GradeResult (everything is judged here, in the grader). `outcome` is the
    run of the public probes; `hidden_outcome` that of the hidden ones, in a child of their own (None: not run).
    `decoder`: what read the public run's channel as it came (grade_source)."""
    plan = config.plan
    public, hidden = split_probes(plan)
    ch = decoder.channel(outcome.messages) if decoder is not None else read_channel(outcome.messages, public)
    report = {**ch.sandbox, "limits": {"timeout_s": config.limits.timeout_s, "memory_mb": config.limits.memory_mb,
                                       "output_cap_bytes": sandbox.OUTPUT_CAP}}
    warnings = list(source.notes) + _isolation_warning(ch.sandbox) + \
        ([outcome.scratch_left] if outcome.scratch_left else [])
    base = dict(stdout=outcome.stdout, stderr=outcome.stderr, sha256=source.sha256, sandbox=report)
    abnormal = None if ch.done and not ch.forged else _abnormal_end(outcome, ch, limits=config.limits)
    if ch.refused:
        missing = "; ".join(str(m) for m in ch.sandbox.get("missing", [])) or "unknown"
        return _error_result(source.name, ErrorInfo("internal", f"{REFUSED}; missing: {missing}"), config,
                             warnings=warnings, **base)
    if ch.fault is not None and not ch.forged:
        return _error_result(source.name, _fault_error(ch.fault), config, warnings=warnings, **base)
    if ch.loaded is None:
        return _error_result(source.name, abnormal, config, warnings=warnings, **base)
    warnings += ch.loaded.get("warnings", [])
    missing_reason = abnormal.message if abnormal else "the child did not report this case"
    learner = {p.name: ch.probes.get(p.name) or results.missing_ops(len(p.ops), missing_reason) for p in public}
    hidden_ops, hidden_run = _hidden_run(hidden_outcome, hidden, config)
    ref = reference_ops(plan)
    early = decoder.judge.result(learner) if decoder is not None and decoder.judge is not None else None
    evaluation, diagnoses, notes = early or judging.judge(plan, learner, hidden_ops, ref)
    warnings += notes
    judged = any(c.status in (Status.PASS, Status.FAIL) for c in evaluation.checks)
    abnormal = abnormal or _out_of_memory(learner, config.limits)
    if abnormal:
        warnings.append(abnormal.message)
    return GradeResult(submission=source.name, status="graded" if judged or not abnormal else "error",
                       score=_total(evaluation.checks, "points"), max_score=_total(evaluation.checks, "max_points"),
                       error=abnormal, checks=evaluation.checks, diagnoses=diagnoses,
                       conventions=evaluation.conventions, warnings=warnings, analysis=evaluation.analysis,
                       behaviour=signature.behaviour(ch.probes, [p.name for p in public], ch.digests),
                       hidden_run=hidden_run,
                       **base)


def _hidden_run(outcome: sandbox.RunOutcome | None, probes: list[Probe],
                config: GradeConfig) -> tuple[dict[str, list[results.Op]], dict[str, Any] | None]:
    """The hidden probes' results from their own child, and the instructor's record of that run: its output,
    warnings, how it ended (None when the plan has no hidden case). Only the checks' verdicts reach a learner."""
    if not probes:
        return {}, None
    if outcome is None:
        return {p.name: results.missing_ops(len(p.ops), "not run") for p in probes}, not_run_hidden()
    ch = read_channel(outcome.messages, probes)
    error = None if ch.done and not ch.forged else _abnormal_end(outcome, ch, limits=config.limits)
    if ch.fault is not None and not ch.forged:
        error = _fault_error(ch.fault)
    reason = error.message if error else "the child did not report this case"
    ops = {p.name: ch.probes.get(p.name) or results.missing_ops(len(p.ops), reason) for p in probes}
    error = error or _out_of_memory(ops, config.limits)
    warnings = _isolation_warning(ch.sandbox) + (ch.loaded or {}).get("warnings", []) + \
        [w for w in (outcome.scratch_left, error and error.message) if w]
    return ops, {"ran": True, "stdout": outcome.stdout, "stderr": outcome.stderr, "warnings": warnings,
                 "error": dataclasses.asdict(error) if error else None, "duration_s": outcome.duration_s}


def _fault_error(fault: dict[str, str]) -> ErrorInfo:
    """A child's load fault as the result's error (its kind, if one a load fault may have)."""
    kind = fault.get("kind") if fault.get("kind") in ("syntax_error", "import_error", "missing_class", "exited",
                                                       "memory_limit") else "import_error"
    return ErrorInfo(kind, fault.get("message", ""), fault.get("traceback", ""))


def not_run_hidden() -> dict[str, Any]:
    """The instructor's record of a hidden run that did not happen (the submission did not load)."""
    return {"ran": False, "stdout": "", "stderr": "", "warnings": [], "error": None, "duration_s": 0.0}


_REFERENCE_OPS: dict[tuple, dict[str, list[results.Op]]] = {}


def reference_ops(plan: Plan) -> dict[str, list[results.Op]]:
    """The reference's results for `plan` (judge/reference.py: computed, or from its disk cache), decoded as the learner's
    are. Once per process, since a batch worker grades many submissions; the arrays are read-only, so that no
    check can change them for the next submission."""
    key = tuple(reference.key(p) for p in plan.probes)
    if key not in _REFERENCE_OPS:
        raw = reference.results_for_plan(plan)
        ops = {p.name: results.decode_results(raw[p.name], p.ops) for p in plan.probes}
        for op in (op for probe_ops in ops.values() for op in probe_ops):
            results.freeze(op.value)
        _REFERENCE_OPS[key] = ops
    return _REFERENCE_OPS[key]


REFUSED = "not graded: isolation is required (--require-isolation) and this machine can't confine submissions fully"


def _isolation_warning(report: dict[str, Any]) -> list[str]:
    """One warning naming every protection that was not active (none when all were, or nothing was reported)."""
    missing = [str(m)[:200] for m in report.get("missing", [])][:20] if isinstance(report.get("missing"), list) else []
    if not missing:
        return []
    return ["the submission ran with incomplete confinement (grading went on): missing " + "; ".join(missing)]


def _out_of_memory(learner: dict[str, list[results.Op]], limits: sandbox.Limits) -> ErrorInfo | None:
    """A learner call that raised MemoryError: the run is graded, and the result says the memory limit was hit."""
    for name, ops in learner.items():
        if any(op.status == "error" and op.error.get("type") == "MemoryError" for op in ops):
            return ErrorInfo("memory_limit", f"the submission ran out of memory (limit {limits.memory_mb} MB) "
                                             f"in case {name}; the checks that needed it score 0")
    return None


def _total(cs: list[Check], attr: str) -> float:
    return round(sum(getattr(c, attr) for c in cs), 6)


def _abnormal_end(outcome: sandbox.RunOutcome, ch: _Channel, *, limits: sandbox.Limits) -> ErrorInfo:
    """Why the child stopped before reporting completion. Its output is never consulted for results."""
    stage = "while running the checks" if ch.loaded is not None else "while loading the submission"
    if outcome.timed_out and outcome.limit_hit == "backstop":
        wall = sandbox.WALL_FACTOR * limits.timeout_s
        return ErrorInfo("timeout", f"stopped by the wall-clock backstop ({wall:g} s, {sandbox.WALL_FACTOR} times "
                                    f"the {limits.timeout_s:g} s time limit) {stage}, having used only "
                                    f"{outcome.cpu_s or 0:.2g} s of CPU time (sleeping, or waiting for something "
                                    "that never comes?)")
    if outcome.timed_out:
        clock = "CPU time" if outcome.limit_hit == "cpu" else "wall-clock time, as CPU time can't be measured here"
        return ErrorInfo("timeout", f"stopped after the {limits.timeout_s:g} s time limit {stage} ({clock}: an "
                                    "endless loop, or a very long computation?)")
    if outcome.channel_error or ch.forged:
        what = outcome.channel_error if not ch.forged else "something other than the grader wrote to its results " \
                                                           "channel"
        return ErrorInfo("crashed", f"{what} {stage}; everything reported from there on was discarded")
    code = outcome.returncode
    started = bool(ch.sandbox)
    if code is not None and code < 0:
        sig = _signal_name(-code)
        if -code == signal.SIGXCPU:
            return ErrorInfo("timeout", f"used more than its CPU-time limit {stage} ({sig})")
        if not started:
            return ErrorInfo("internal", f"the grader's child process died before loading your code ({sig})",
                             outcome.stderr[-4000:])
        if -code == signal.SIGKILL:  # not the grader's (that is a timeout); in a PID namespace, not the learner's
            return ErrorInfo("memory_limit", f"the process was killed by SIGKILL {stage}: most likely the system "
                                             f"ran out of memory (the limit is {limits.memory_mb} MB)")
        return ErrorInfo("crashed", f"the process was killed by {sig} {stage}"
                                    + (" (a segmentation fault: memory corruption, e.g. through ctypes, or a "
                                       "recursion too deep for the C stack)" if -code == signal.SIGSEGV else ""))
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


def fault_result(submission: str, error: ErrorInfo, config: GradeConfig) -> GradeResult:
    """The result for a submission that can't be graded before anything runs (say, a student's folder that
    holds no .py or .ipynb file): every check not run, `error` saying why."""
    return _error_result(submission, error, config)


def _error_result(submission: str, error: ErrorInfo, config: GradeConfig, *, sha256: str = "", stdout: str = "",
                  stderr: str = "", sandbox: dict | None = None, duration: float = 0.0,
                  warnings: list[str] | None = None) -> GradeResult:
    """Nothing could be graded: every check is reported as not run, so the record keeps its full shape."""
    cs = [Check(s.id, s.group, Status.SKIPPED, 0.0, s.points, f"not run: {error.message.splitlines()[0]}"
                if error.message else "not run", {}, s.hidden) for s in config.plan.checks]
    return GradeResult(submission=submission.rsplit("/", 1)[-1], status="error", score=0.0,
                       max_score=_total(cs, "max_points"), error=error, checks=cs, diagnoses=[], conventions=[],
                       stdout=stdout, stderr=stderr, warnings=warnings or [], sandbox=sandbox or {}, sha256=sha256,
                       duration_s=duration,
                       hidden_run=not_run_hidden() if any(s.hidden for s in config.plan.checks) else None)
