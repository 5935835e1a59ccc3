"""Command line for a class (the rest of it is cli.py, which hands over here):

    python -m grader CLASS_DIR_OR_ZIP --out OUTDIR [--jobs N] ...         grade a class (course/batch.py)
    python -m grader merge --out OUTDIR SHARD_OUTDIR...                   combine the outputs of --shard runs
    python -m grader gradescope [--submission DIR] [--results DIR]        inside Gradescope's autograder
"""
from __future__ import annotations

import argparse
import os
import sys

from grader.cli import EXIT_INTERRUPTED, EXIT_OK, LMS_FORMATS, Parser, usage_error


def build_merge_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m grader merge", description="Combine the output folders of --shard runs into one "
                                                           "gradebook and summary.")
    p.add_argument("shards", nargs="+", metavar="SHARD_OUTDIR")
    p.add_argument("--out", metavar="DIR", required=True)
    p.add_argument("--junit", metavar="PATH", help="also write JUnit XML for the whole class")
    p.add_argument("--config", metavar="FILE", help="the course's TOML, for its [lms] settings (give the shards' own)")
    p.add_argument("--format", choices=LMS_FORMATS, action="append", default=[],
                   help="also write the class's import files for Canvas or Moodle, as the shards' --format did")
    p.add_argument("--known", metavar="DIR", help="compare with the files in DIR (default: those the shards "
                                                  "were compared with)")
    return p


def build_gradescope_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m grader gradescope", description="Grade the one submission in Gradescope's "
                                                                "autograder and write its results.json.")
    p.add_argument("--submission", metavar="DIR", default="/autograder/submission")
    p.add_argument("--results", metavar="DIR", default="/autograder/results")
    p.add_argument("--config", metavar="FILE")
    return p


def batch(args: argparse.Namespace, course, config) -> int:
    """A class: a folder or a .zip of submissions, graded into --out."""
    from grader.course import batch, discover, integrity
    from grader.course.config import fingerprint

    if not args.out:
        return usage_error(f"{args.submission} is a class; say where its results go with --out DIR")
    single = [flag for flag, value in (("--json", args.json), ("--html", args.html), ("--fail-under", args.fail_under),
                                       ("--watch", args.watch or None)) if value is not None]
    if single:
        return usage_error(f"{', '.join(single)} is for one submission; a class gets OUTDIR/<student>/ files")
    known = args.known or course.known
    try:
        integrity.check_known(known)
    except integrity.KnownError as e:
        return usage_error(f"--known: {e}" if args.known else f"{course.path}: integrity.known: {e}")
    options = batch.Options(out=args.out, jobs=args.jobs, shard=args.shard, gradescope="gradescope" in args.format,
                            fork_server=args.runner != "fresh", known=known,
                            junit=args.junit, visibility=course.visibility,
                            hidden_visibility=course.hidden_visibility,
                            lms=course.lms.with_formats(args.format))
    try:
        outcome = batch.run(args.submission, options, config, fingerprint(config))
    except discover.LayoutError as e:
        return usage_error(str(e))
    except KeyboardInterrupt:
        print("\nInterrupted. Run the same command again to grade the rest.", file=sys.stderr)
        return EXIT_INTERRUPTED
    if outcome.interrupted:
        return EXIT_INTERRUPTED
    if not args.quiet:
        counts = ", ".join(f"{n} {status}" for status, n in sorted(outcome.tally.by_status.items()))
        print(f"{outcome.total} submissions ({counts}); graded now: {outcome.graded}, kept: {outcome.reused}.")
        _print_outputs(args.out, options.lms, outcome.tally)
    return EXIT_OK


def _print_outputs(out: str, lms, tally) -> None:
    """Where the class's files are, and what an LMS import had to leave out."""
    from grader.course import lms as lms_files

    names = [("Gradebook", "grades.csv"), ("Summary", "summary.html"), ("Similar submissions", "integrity.csv"),
             ("Reports by id", lms_files.FEEDBACK + "/")]
    if "canvas" in lms.formats:
        names.append(("Canvas (Grades → Import)", lms_files.CANVAS_GRADES))
    if "moodle" in lms.formats:
        names += [("Moodle (Upload grading worksheet)", lms_files.MOODLE_GRADES),
                  ("Moodle (Upload multiple feedback files in a zip)", lms_files.MOODLE_FEEDBACK)]
    print("\n".join(f"{label}: {os.path.join(out, name)}" for label, name in names))
    for note in tally.notes:
        print(f"Note: {note}")


def merge(args: argparse.Namespace) -> int:
    from grader.course import config as course_config
    from grader.course import gradebook, integrity

    missing = [d for d in args.shards if not os.path.isdir(d)]
    if missing:
        return usage_error(f"not a folder: {', '.join(missing)}")
    try:
        lms = course_config.load(args.config).lms.with_formats(args.format)
    except course_config.ConfigError as e:
        return usage_error(f"configuration: {e}")
    try:
        integrity.check_known(args.known)
    except integrity.KnownError as e:
        return usage_error(f"--known: {e}")
    try:
        tally = gradebook.merge(args.out, args.shards, junit=args.junit, lms_settings=lms, known=args.known)
    except gradebook.MergeError as e:
        return usage_error(str(e))
    print(f"{tally.total} submissions from {len(args.shards)} shards.")
    _print_outputs(args.out, lms, tally)
    from grader.course import lms as lms_files

    for name, fmt in ((lms_files.CANVAS_GRADES, "canvas"), (lms_files.MOODLE_GRADES, "moodle")):
        if fmt not in lms.formats and any(os.path.lexists(os.path.join(s, name)) for s in args.shards):
            print(f"Note: the shards have {name}: pass --format {fmt} (and the shards' --config) to merge {name} too")
    return EXIT_OK


def gradescope(args: argparse.Namespace) -> int:
    from grader.course import config as course_config
    from grader.course import gradescope
    from grader.report import terminal

    try:
        course = course_config.load(args.config)
    except course_config.ConfigError as e:
        return usage_error(f"configuration: {e}")
    if not os.path.isdir(args.submission):
        return usage_error(f"{args.submission} is not a folder")
    result = gradescope.grade_submission(args.submission, os.path.join(args.results, "results.json"),
                                         course_config.grade_config(course), visibility=course.visibility,
                                         hidden_visibility=course.hidden_visibility)
    sys.stdout.write(terminal.to_terminal(result))  # Gradescope keeps this log for the instructor
    return EXIT_OK
