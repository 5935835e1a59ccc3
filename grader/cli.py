"""Command line: `python -m grader SUBMISSION [--json PATH|-] [--html PATH] ...`.

Exit status: 0 whenever grading completed, whatever the score; 1 below --fail-under; 2 for a usage error, an
unreadable path, or --require-isolation on a machine that can't confine the submission fully.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

from grader.result import GradeResult

EXIT_OK, EXIT_BELOW, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 too; keep its message but make it ours
        self.print_usage(sys.stderr)
        print(f"grader: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader", description="Grade a SimpleRNN kata submission (.py or .ipynb).")
    p.add_argument("submission", help="the .py or .ipynb file to grade")
    p.add_argument("--json", metavar="PATH", help="write the result JSON here ('-' for stdout)")
    p.add_argument("--html", metavar="PATH", help="write the HTML report here")
    p.add_argument("--timeout", metavar="SECONDS", type=_positive(float), default=10.0,
                   help="wall-clock limit for the submission (default 10)")
    p.add_argument("--memory-mb", metavar="MB", type=_positive(int), default=1024,
                   help="memory limit for the submission (default 1024)")
    p.add_argument("--fail-under", metavar="PCT", type=float, default=None,
                   help="exit 1 when the score is below PCT percent (for CI)")
    p.add_argument("--quiet", action="store_true", help="no terminal summary")
    p.add_argument("--require-isolation", action="store_true",
                   help="refuse to grade (exit 2) unless the submission can be fully confined (grading servers)")
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


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from grader import grade, render
    from grader.config import GradeConfig
    from grader.sandbox import Limits

    if not os.path.isfile(args.submission):
        what = "is a folder" if os.path.isdir(args.submission) else "does not exist"
        print(f"grader: error: {args.submission} {what}; give a .py or .ipynb file", file=sys.stderr)
        return EXIT_USAGE
    config = GradeConfig(limits=Limits(timeout_s=args.timeout, memory_mb=args.memory_mb),
                         require_isolation=args.require_isolation)
    result = grade.grade_path(args.submission, config)
    if args.require_isolation and result.status == "error" and result.error.message.startswith(grade.REFUSED):
        print(f"grader: error: {result.error.message}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        _write(args.json, render.to_json(result))
    if args.html:
        _write(args.html, render.to_html(result))
    if not args.quiet:
        # With --json -, stdout carries the JSON alone and the summary moves to stderr.
        out = sys.stderr if args.json == "-" else sys.stdout
        colour = out.isatty() and not os.environ.get("NO_COLOR")
        out.write(render.to_terminal(result, colour=colour))
        if args.html:
            out.write(f"Report: {args.html}\n")
    return _exit_status(result, args.fail_under)


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
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is meant to be shared
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
