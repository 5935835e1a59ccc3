"""Command line.

    python -m grader SUBMISSION [--json PATH|-] [--html PATH] ...        one .py or .ipynb
    python -m grader CLASS_DIR_OR_ZIP --out OUTDIR [--jobs N] ...         a whole class (course/batch.py)
    python -m grader merge --out OUTDIR SHARD_OUTDIR...                   combine the outputs of --shard runs
    python -m grader gradescope [--submission DIR] [--results DIR]        inside Gradescope's autograder

Exit status: 0 whenever grading completed, whatever the score; 1 below --fail-under; 2 for a usage error, an
unreadable path, a configuration error, or --require-isolation on a machine that can't confine the submission
fully; 130 when a batch is interrupted (rerun it to finish).
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.result import GradeResult

EXIT_OK, EXIT_BELOW, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
RUNNERS = ("fresh", "fork-server")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 too; keep its message but make it ours
        self.print_usage(sys.stderr)
        print(f"grader: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader", description="Grade a SimpleRNN kata submission (.py or .ipynb), or a "
                                                     "whole class (a folder or .zip of submissions, with --out).")
    p.add_argument("submission", help="the .py or .ipynb file to grade, or a class: a folder or .zip")
    p.add_argument("--json", metavar="PATH", help="write the result JSON here ('-' for stdout)")
    p.add_argument("--html", metavar="PATH", help="write the HTML report here")
    p.add_argument("--timeout", metavar="SECONDS", type=_positive(float), default=None,
                   help="time limit: CPU time the submission may use (default 10, or the config's); one that waits is "
                        "stopped at 3 times it of wall-clock time")
    p.add_argument("--memory-mb", metavar="MB", type=_positive(int), default=None,
                   help="memory limit for the submission (default 1024, or the config's)")
    p.add_argument("--fail-under", metavar="PCT", type=float, default=None,
                   help="exit 1 when the score is below PCT percent (for CI)")
    p.add_argument("--quiet", action="store_true", help="no terminal summary")
    p.add_argument("--require-isolation", action="store_true",
                   help="refuse to grade (exit 2) unless the submission can be fully confined (grading servers)")
    p.add_argument("--config", metavar="FILE", help="the instructor's TOML: points, tolerances, limits, hidden cases")
    p.add_argument("--out", metavar="DIR", help="output folder: a class's results, gradebook and summary; with "
                                                "--format gradescope, where results.json goes")
    p.add_argument("--jobs", metavar="N", type=_positive(int), default=0,
                   help="submissions graded at once (default: the number of cores)")
    p.add_argument("--format", choices=("gradescope",), help="also write Gradescope's results.json")
    p.add_argument("--junit", metavar="PATH", help="write JUnit XML here (for CI systems)")
    p.add_argument("--shard", metavar="K/N", type=_shard, default=(1, 1),
                   help="grade only the K-th of N parts of the class (K from 1); combine them with `merge`")
    p.add_argument("--runner", choices=RUNNERS, default=None,
                   help="how learner code is started: a fresh interpreter per submission (the default for one "
                        "file), or children of a fork server (the default for a class)")
    return p


def _shard(text: str) -> tuple[int, int]:
    from grader.course.batch import parse_shard

    try:
        return parse_shard(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e))


def build_merge_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader merge", description="Combine the output folders of --shard runs into one "
                                                           "gradebook and summary.")
    p.add_argument("shards", nargs="+", metavar="SHARD_OUTDIR")
    p.add_argument("--out", metavar="DIR", required=True)
    p.add_argument("--junit", metavar="PATH", help="also write JUnit XML for the whole class")
    return p


def build_gradescope_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader gradescope", description="Grade the one submission in Gradescope's "
                                                                "autograder and write its results.json.")
    p.add_argument("--submission", metavar="DIR", default="/autograder/submission")
    p.add_argument("--results", metavar="DIR", default="/autograder/results")
    p.add_argument("--config", metavar="FILE")
    return p


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return parse


def main(argv: list[str], *, launched=None) -> int:
    """The command. `launched`: the child that launch.py started for argv's one file before this module was
    imported (__main__.py); it grades that file, or is discarded."""
    try:
        if argv[:1] == ["merge"]:
            return _merge(build_merge_parser().parse_args(argv[1:]))
        if argv[:1] == ["gradescope"]:
            return _gradescope(build_gradescope_parser().parse_args(argv[1:]))
        args = build_parser().parse_args(argv)
        runner, launched = _runner(args, launched), None
    finally:
        if launched is not None:  # another command, a usage error or --help
            launched.discard()
    try:
        return _grade(args, runner, _hand_over_early(runner, args))
    finally:
        if runner is not None:
            runner.close()


def _runner(args: argparse.Namespace, launched):
    """For one file, start what will run it now, before numpy and the plan are loaded here, so that it boots
    meanwhile: a fresh child (the one `launched`, if there is one), or a fork server. None for a class, or a path
    that does not exist. `launched` is used or discarded."""
    if launched is not None and (args.runner == "fork-server" or _is_class(args.submission)):
        launched.discard()
        launched = None
    if not os.path.exists(args.submission) or _is_class(args.submission):
        return None
    if args.runner == "fork-server":
        from grader.run.forkserver import ForkServer

        server = ForkServer()
        server.start()
        return server
    from grader.run.sandbox import FreshChild

    return FreshChild(launched)


def _hand_over_early(runner, args: argparse.Namespace) -> str | None:
    """One file, default settings: hand the child its plan now, before numpy is loaded here, predicted from the
    disk cache (the default plan's probes as last built by this same grader code), so that it can start as soon as
    it has booted. FreshChild.begin checks the prediction against the real plan. Returns the cache file to fill
    when there was nothing in it."""
    from grader.run.sandbox import FreshChild

    if not isinstance(runner, FreshChild) or args.config is not None:
        return None
    from grader.judge import diskcache
    from grader.run import sandbox, submission

    cache = diskcache.path("plan", diskcache.grader_code())
    probes = diskcache.read(cache)
    if not isinstance(probes, list):
        return cache
    source = submission.read_submission(args.submission)
    if isinstance(source, submission.Source):
        limits = sandbox.Limits(timeout_s=args.timeout or sandbox.Limits.timeout_s,
                                memory_mb=args.memory_mb or sandbox.Limits.memory_mb)
        runner.hand_over(sandbox.child_plan(source, probes, args.require_isolation), limits)
    return None


def _is_class(path: str) -> bool:
    return os.path.isdir(path) or path.lower().endswith(".zip")


def _grade(args: argparse.Namespace, runner, plan_cache: str | None = None) -> int:
    from grader.course import config as course_config

    try:
        course = course_config.load(args.config)
    except course_config.ConfigError as e:
        return _usage_error(f"configuration: {e}")
    config = course_config.grade_config(course, timeout_s=args.timeout, memory_mb=args.memory_mb,
                                       require_isolation=args.require_isolation)
    if not os.path.exists(args.submission):
        return _usage_error(f"{args.submission} does not exist; give a .py or .ipynb file, or a class folder or "
                            ".zip with --out")
    if _is_class(args.submission):
        return _batch(args, course, config)
    if args.format and not args.out:
        return _usage_error("--format gradescope needs --out DIR (results.json is written there)")
    if args.shard != (1, 1):
        return _usage_error("--shard splits a class; give a folder or .zip")
    from grader import grade
    from grader.report import contract, html, terminal

    result = grade.grade_path(args.submission, config, runner=runner)
    if plan_cache:
        from grader.judge import diskcache

        diskcache.write(plan_cache, [p.to_plan() for p in config.plan.probes])
    if args.require_isolation and result.status == "error" and result.error.message.startswith(grade.REFUSED):
        print(f"grader: error: {result.error.message}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _write(args.json, contract.to_json(result))
    if args.html:
        _write(args.html, html.to_html(result))
    if args.format:
        from grader.report import exports

        _write(os.path.join(args.out, "results.json"), contract.dumps(exports.gradescope(
            contract.to_dict(result), visibility=course.visibility, hidden_visibility=course.hidden_visibility)))
    if args.junit:
        from grader.course.junit import JUnitWriter

        writer = JUnitWriter(args.junit)
        writer.add(contract.to_dict(result), result.submission)
        writer.close()
    if not args.quiet:
        # With --json -, stdout carries the JSON alone and the summary moves to stderr.
        out = sys.stderr if args.json == "-" else sys.stdout
        colour = out.isatty() and not os.environ.get("NO_COLOR")
        out.write(terminal.to_terminal(result, colour=colour))
        if args.html:
            out.write(f"Report: {args.html}\n")
    return _exit_status(result, args.fail_under)


def _usage_error(message: str) -> int:
    print(f"grader: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _batch(args: argparse.Namespace, course, config) -> int:
    """A class: a folder or a .zip of submissions, graded into --out."""
    from grader.course import batch, discover
    from grader.course.config import fingerprint

    if not args.out:
        return _usage_error(f"{args.submission} is a class; say where its results go with --out DIR")
    single = [flag for flag, value in (("--json", args.json), ("--html", args.html),
                                       ("--fail-under", args.fail_under)) if value is not None]
    if single:
        return _usage_error(f"{', '.join(single)} is for one submission; a class gets OUTDIR/<student>/ files")
    options = batch.Options(out=args.out, jobs=args.jobs, shard=args.shard, gradescope=args.format == "gradescope",
                            fork_server=args.runner != "fresh",
                            junit=args.junit, visibility=course.visibility,
                            hidden_visibility=course.hidden_visibility)
    try:
        outcome = batch.run(args.submission, options, config, fingerprint(config))
    except discover.LayoutError as e:
        return _usage_error(str(e))
    except KeyboardInterrupt:
        print("\nInterrupted. Run the same command again to grade the rest.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    if not args.quiet:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(outcome.tally.by_status.items()))
        print(f"{outcome.total} submissions ({counts}); graded now: {outcome.graded}, kept: {outcome.reused}.\n"
              f"Gradebook: {os.path.join(args.out, 'grades.csv')}\n"
              f"Summary: {os.path.join(args.out, 'summary.html')}")
    return EXIT_OK


def _merge(args: argparse.Namespace) -> int:
    from grader.course import gradebook

    missing = [d for d in args.shards if not os.path.isdir(d)]
    if missing:
        return _usage_error(f"not a folder: {', '.join(missing)}")
    try:
        tally = gradebook.merge(args.out, args.shards, junit=args.junit)
    except gradebook.MergeError as e:
        return _usage_error(str(e))
    print(f"{tally.total} submissions from {len(args.shards)} shards.\n"
          f"Gradebook: {os.path.join(args.out, 'grades.csv')}\nSummary: {os.path.join(args.out, 'summary.html')}")
    return EXIT_OK


def _gradescope(args: argparse.Namespace) -> int:
    from grader.course import config as course_config
    from grader.course import gradescope
    from grader.report import terminal

    try:
        course = course_config.load(args.config)
    except course_config.ConfigError as e:
        return _usage_error(f"configuration: {e}")
    if not os.path.isdir(args.submission):
        return _usage_error(f"{args.submission} is not a folder")
    result = gradescope.grade_submission(args.submission, os.path.join(args.results, "results.json"),
                                         course_config.grade_config(course), visibility=course.visibility,
                                         hidden_visibility=course.hidden_visibility)
    sys.stdout.write(terminal.to_terminal(result))  # Gradescope keeps this log for the instructor
    return EXIT_OK


def _exit_status(result: GradeResult, fail_under: float | None) -> int:
    if fail_under is None:
        return EXIT_OK
    pct = 100.0 * result.score / result.max_score if result.max_score else 0.0
    return EXIT_BELOW if pct < fail_under else EXIT_OK


def _write(path: str, text: str) -> None:
    """Atomic: a reader never sees half a result, and an interrupted run leaves the old file intact."""
    if path == "-":
        sys.stdout.write(text)
        return
    from grader.course import storage

    storage.write_text(path, text)
