"""Command line.

    python -m grader SUBMISSION [--json PATH|-] [--html PATH] ...        one .py or .ipynb
    python -m grader SUBMISSION --watch [--html PATH] ...                 the same, again on every save
    python -m grader CLASS_DIR_OR_ZIP --out OUTDIR [--jobs N] ...         a whole class (cli_class.py)
    python -m grader merge --out OUTDIR SHARD_OUTDIR...                   combine the outputs of --shard runs
    python -m grader gradescope [--submission DIR] [--results DIR]        inside Gradescope's autograder

Exit status: 0 whenever grading completed, whatever the score; 1 below --fail-under; 2 for a usage error, an
unreadable path, a configuration error, or --require-isolation on a machine that can't confine the submission
fully; 130 when interrupted (a batch: rerun it to finish). A --watch ends with Ctrl-C, and exit status 0.
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
FORMATS = ("gradescope", "canvas", "moodle")
LMS_FORMATS = ("canvas", "moodle")


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 too; keep its message but make it ours
        self.print_usage(sys.stderr)
        print(f"grader: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m grader", description="Grade a SimpleRNN kata submission (.py or .ipynb), or a "
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
    p.add_argument("--watch", action="store_true",
                   help="grade the file again each time it is saved, printing what changed (Ctrl-C to stop)")
    p.add_argument("--require-isolation", action="store_true",
                   help="refuse to grade (exit 2) unless the submission can be fully confined (grading servers)")
    p.add_argument("--config", metavar="FILE", help="the instructor's TOML: points, tolerances, limits, hidden cases")
    p.add_argument("--out", metavar="DIR", help="output folder: a class's results, gradebook and summary; with "
                                                "--format gradescope, where results.json goes")
    p.add_argument("--jobs", metavar="N", type=_positive(int), default=0,
                   help="submissions graded at once (default: the number of cores)")
    p.add_argument("--format", choices=FORMATS, action="append", default=[],
                   help="also write Gradescope's results.json (per student), or a class's import files for Canvas "
                        "(OUTDIR/canvas_grades.csv) or Moodle (OUTDIR/moodle_grades.csv, moodle_feedback.zip); "
                        "repeat for several")
    p.add_argument("--junit", metavar="PATH", help="write JUnit XML here (for CI systems)")
    p.add_argument("--shard", metavar="K/N", type=_shard, default=(1, 1),
                   help="grade only the K-th of N parts of the class (K from 1); combine them with `merge`")
    p.add_argument("--known", metavar="DIR", help="a class: also compare every submission with the .py/.ipynb "
                                                  "files in DIR (the published solution, ones found online)")
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
            from grader import cli_class

            _imported()
            return cli_class.merge(cli_class.build_merge_parser().parse_args(argv[1:]))
        if argv[:1] == ["gradescope"]:
            from grader import cli_class

            _imported()
            return cli_class.gradescope(cli_class.build_gradescope_parser().parse_args(argv[1:]))
        args = build_parser().parse_args(argv)
        runner, launched = _runner(args, launched), None
    finally:
        if launched is not None:  # another command, a usage error or --help
            launched.discard()
    try:
        return _grade(args, runner, _hand_over_early(runner, args))
    except KeyboardInterrupt:  # before a watch had begun, or while one file was graded
        print("\nInterrupted.", file=sys.stderr)
        return EXIT_OK if args.watch else EXIT_INTERRUPTED
    finally:
        if runner is not None:
            runner.close()


def _imported() -> None:
    """The grader's modules (numpy with them) are loaded: collect garbage again, as a long-lived process does
    (grader.collect_less), where grader/__main__.py turned collection off for the imports. A caller that left it
    on (a test calling main) keeps its own settings."""
    import gc

    if not gc.isenabled():
        import grader

        grader.collect_less()


def _runner(args: argparse.Namespace, launched):
    """For one file, start what will run it now, before numpy and the plan are loaded here, so that it boots
    meanwhile: a fresh child (the one `launched`, if there is one), or a fork server. None for a class, or a path
    that is not a regular file (missing, a link, a FIFO: nothing will run; read_submission says what it is).
    `launched` is used or discarded."""
    from grader.run import files

    one_file = not _is_class(args.submission) and files.is_regular(args.submission)
    if launched is not None and (args.runner == "fork-server" or not one_file):
        launched.discard()
        launched = None
    if not one_file:
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

    cache = plan_cache_path()
    probes = diskcache.read(cache)
    if not isinstance(probes, list):
        return cache
    source = submission.read_submission(args.submission)
    if isinstance(source, submission.Source):
        limits = sandbox.Limits(timeout_s=args.timeout or sandbox.Limits.timeout_s,
                                memory_mb=args.memory_mb or sandbox.Limits.memory_mb)
        runner.hand_over(sandbox.child_plan(source, probes, args.require_isolation), limits)
    return None


def plan_cache_path() -> str | None:
    """Where one file's predicted plan is cached. The probes' inputs are numbers numpy computed, so the code paths
    it takes count too (run/numerics.py): a plan cached by a pinned run (the tests) and read by one that is not
    would be a wrong prediction every time."""
    from grader.judge import diskcache
    from grader.run import numerics

    return diskcache.path("plan", diskcache.grader_code(), numerics.early_signature().encode())


def _is_class(path: str) -> bool:
    return os.path.isdir(path) or path.lower().endswith(".zip")


def _grade(args: argparse.Namespace, runner, plan_cache: str | None = None) -> int:
    from grader.course import config as course_config

    _imported()
    try:
        course = course_config.load(args.config)
    except course_config.ConfigError as e:
        return usage_error(f"configuration: {e}")
    config = course_config.grade_config(course, timeout_s=args.timeout, memory_mb=args.memory_mb,
                                       require_isolation=args.require_isolation)
    if not os.path.lexists(args.submission):  # a dangling link is graded: bad_file, saying it is a link
        return usage_error(f"{args.submission} does not exist; give a .py or .ipynb file, or a class folder or "
                            ".zip with --out")
    if _is_class(args.submission):
        from grader import cli_class

        return cli_class.batch(args, course, config)
    lms_formats = [f for f in args.format if f in LMS_FORMATS]
    if lms_formats:
        return usage_error(f"--format {lms_formats[0]} is for a class (a folder or .zip, with --out)")
    if args.format and not args.out:
        return usage_error("--format gradescope needs --out DIR (results.json is written there)")
    if args.shard != (1, 1) or args.known:
        return usage_error(f"{'--shard' if args.shard != (1, 1) else '--known'} is for a class; give a folder "
                            "or .zip")
    if args.watch:
        return _watch(args, config, runner, plan_cache)
    from grader import grade
    from grader.report import contract, terminal
    from grader.run import sandbox

    # No runner when the path is not a regular file: grade_path refuses it before anything would run.
    result = grade.grade_path(args.submission, config, runner=runner if runner is not None else sandbox.FRESH,
                              early=True)
    d = contract.to_dict(result)  # once, for the JSON, the report and the summary
    refused = _after_grading(args, config, result, plan_cache, d)
    if refused is not None:
        return refused
    if "gradescope" in args.format:
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
        out.write(terminal.render(d, colour=colour, report=args.html))
    return _exit_status(result, args.fail_under)


def _after_grading(args: argparse.Namespace, config, result: GradeResult, plan_cache: str | None,
                   d: dict | None = None) -> int | None:
    """Fill the plan cache, write --json and --html (from `d`, contract.to_dict(result), when the caller has it).
    EXIT_USAGE when the grading was refused for want of isolation (--require-isolation), and nothing is
    written."""
    from grader import grade
    from grader.report import contract
    from grader.report.tty import visible

    if plan_cache:
        from grader.judge import diskcache

        diskcache.write(plan_cache, [p.to_plan() for p in config.plan.probes])
    if args.require_isolation and result.status == "error" and result.error.message.startswith(grade.REFUSED):
        print(f"grader: error: {visible(result.error.message)}", file=sys.stderr)
        return EXIT_USAGE
    if d is None and (args.json or args.html):
        d = contract.to_dict(result)
    if args.json:  # with hidden cases it holds their expected values: readable by its owner only
        _write(args.json, contract.dumps(d), private=any(c.hidden for c in result.checks))
    if args.html:
        from grader.report import html  # here: most runs write no page, and its import is on the way to the result

        _write(args.html, html.from_dict(d))
    return None


def _watch(args: argparse.Namespace, config, runner, plan_cache: str | None) -> int:
    """--watch: grade on every save until Ctrl-C (grader/watch.py), rewriting --json and --html each run."""
    from grader import watch

    single = [flag for flag, given in (("--json -", args.json == "-"), ("--fail-under", args.fail_under is not None),
                                       ("--format", args.format), ("--junit", args.junit), ("--quiet", args.quiet),
                                       ("--runner fork-server", args.runner == "fork-server")) if given]
    if single:
        return usage_error(f"{', '.join(single)} can't be used with --watch, which prints a summary per run "
                            "in a fresh child and writes files (--json PATH, --html PATH)")
    cache = [plan_cache]

    def after_each(result: GradeResult) -> int | None:
        done, cache[0] = _after_grading(args, config, result, cache[0]), None
        return done

    if args.html:
        print(f"Report: {args.html} (rewritten on every run: reload it after a save)")
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    if runner is None:  # not a regular file now (no child was started for it); it may become one
        from grader.run.sandbox import FreshChild

        runner = FreshChild()
    return watch.run(args.submission, config, runner, after_each, out=sys.stdout, colour=colour)


def usage_error(message: str) -> int:
    from grader.report.tty import visible  # the message may name a learner's file

    print(f"grader: error: {visible(message)}", file=sys.stderr)
    return EXIT_USAGE


def _exit_status(result: GradeResult, fail_under: float | None) -> int:
    if fail_under is None:
        return EXIT_OK
    pct = 100.0 * result.score / result.max_score if result.max_score else 0.0
    return EXIT_BELOW if pct < fail_under else EXIT_OK


def _write(path: str, text: str, *, private: bool = False) -> None:
    """Atomic: a reader never sees half a result, and an interrupted run leaves the old file intact. Not flushed
    to disk first (no fsync): one file's outputs are made again in a second, where a class's must survive a
    power cut (course/batch.py)."""
    if path == "-":
        sys.stdout.write(text)
        return
    from grader.course import storage

    storage.write_text(path, text, private=private, durable=False)
