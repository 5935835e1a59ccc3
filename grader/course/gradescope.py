"""Gradescope, both ends: the package an instructor uploads, and the grading of one submission inside it.

`python -m grader.course.gradescope [--out dist] [--config FILE]` (or `make gradescope [CONFIG=FILE]`) writes
OUT/gradescope/ (setup.sh and run_autograder from templates/gradescope/, the grader, the reference
solution, the templates, requirements.txt and, when given, the instructor's config as config.toml) and the same
as OUT/gradescope.zip, the file to upload. The config is checked here, so a mistake shows now rather than on the
first student's submission. Inside Gradescope, run_autograder calls `python -m grader gradescope`, which is
`grade_submission` below.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tomllib
import zipfile

from grader import ROOT, grade
from grader.course import config as course_config
from grader.course import discover, storage
from grader.grade import GradeConfig
from grader.report import contract, exports
from grader.result import ErrorInfo, GradeResult

SCRIPTS = os.path.join(ROOT, "templates", "gradescope")
# What the autograder needs; tests, the starter and the development tools stay behind.
COPIED = ("grader", "solution", "templates")
SKIPPED = ("__pycache__", "gradescope", "tools")


def build(out: str, config: str | None = None) -> str:
    """Write OUT/gradescope/ and OUT/gradescope.zip; returns the zip's path. Raises course_config.ConfigError."""
    if config:
        course_config.load(config)
    folder = os.path.join(out, "gradescope")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for name in ("setup.sh", "run_autograder"):
        shutil.copy2(os.path.join(SCRIPTS, name), os.path.join(folder, name))
        os.chmod(os.path.join(folder, name), 0o755)
    for top in COPIED:
        shutil.copytree(os.path.join(ROOT, top), os.path.join(folder, top),
                        ignore=shutil.ignore_patterns(*SKIPPED, "*.pyc"))
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    with open(os.path.join(folder, "requirements.txt"), "w") as f:
        f.write("\n".join(deps) + "\n")
    if config:
        shutil.copyfile(config, os.path.join(folder, "config.toml"))
    archive = os.path.join(out, "gradescope.zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for here, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(here, name)
                info = zipfile.ZipInfo(os.path.relpath(path, folder), date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = (os.stat(path).st_mode & 0o777 | 0o100000) << 16  # keeps the exec bits
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(path, "rb") as f:
                    z.writestr(info, f.read())
    return archive


def grade_submission(submission_dir: str, results_path: str, config: GradeConfig, *, visibility: str = "visible",
                     hidden_visibility: str = "after_due_date") -> GradeResult:
    """Gradescope's run_autograder: pick the student's file in `submission_dir` (a regular file, never through a
    link: a link, a FIFO or a device named like code is a bad_file that says what it is), grade it, write
    results.json."""
    found = discover.scan(submission_dir)
    path, problem, _ = discover.pick_file(found.files, found.refused, submission_dir)
    if found.truncated and path is None and not problem:
        problem = f"more than {discover.MAX_FILES_PER_STUDENT} files were submitted"
    if path is None:
        result = grade.fault_result("submission", ErrorInfo("bad_file", problem), config)
    else:
        result = grade.grade_path(path, config)
    storage.write_text(results_path, contract.dumps(exports.gradescope(
        contract.to_dict(result), visibility=visibility, hidden_visibility=hidden_visibility)))
    return result


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.course.gradescope", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default="dist", help="where gradescope/ and gradescope.zip go (default dist)")
    p.add_argument("--config", metavar="FILE", help="the instructor's TOML (hidden cases, points...), shipped as "
                                                    "config.toml")
    args = p.parse_args(argv)
    try:
        archive = build(args.out, args.config)
    except course_config.ConfigError as e:
        print(f"grader: error: configuration: {e}", file=sys.stderr)
        return 2
    print(f"Upload {archive} as the autograder (Gradescope: Configure Autograder → Zip file upload).")
    if args.config:
        print("It contains your config.toml: keep the zip as private as the config's secret seed.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
