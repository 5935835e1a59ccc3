"""The golden copy of every grade: the test corpus graded through the batch path, each result.json, report.html,
instructor.html and terminal summary reduced to digests (per field and per check), so that a test can prove that a
change of speed changed nothing, and say what did change and where when something does.

`python -m grader.tools.golden` (or `make golden`) rewrites tests/golden/corpus.json: do that only for a change
meant to alter grades or reports, and say so in the commit. `--check` compares instead and prints the differences.
Durations, the time of grading, the settings fingerprint (it covers the grader's own code) and the temporary
folder's path are left out; every other byte counts, floats included (their JSON text is compared). Floats to the
last bit hang on the SIMD paths numpy and OpenBLAS take, so the copy is made and checked with those pinned
(run/numerics.py): the tool starts itself again with them pinned, and the test suite runs pinned throughout.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
from typing import Any

from grader import ROOT
from grader.run import numerics

GOLDEN = os.path.join(ROOT, "tests", "golden", "corpus.json")
CORPUS = os.path.join(ROOT, "tests", "submissions")
# The hostile corpus entries whose outcome doesn't hang on timing or load (no timeouts, no CPU limits, no races).
HOSTILE = ("channel_bad_number.py", "channel_deep_nesting.py", "fake_results.py", "forge_channel.py")
_DURATION = re.compile(r"graded in [0-9.]+ s")


def corpus() -> list[str]:
    """The submissions graded, relative to tests/: the whole corpus and the timing-free hostile entries, sorted."""
    found = glob.glob(os.path.join(CORPUS, "**", "*.py"), recursive=True) + \
        glob.glob(os.path.join(CORPUS, "**", "*.ipynb"), recursive=True)
    found += [os.path.join(ROOT, "tests", "hostile", name) for name in HOSTILE]
    return sorted(os.path.relpath(p, os.path.join(ROOT, "tests")) for p in found if os.path.isfile(p))


def grade_corpus(names: list[str], jobs: int = 0) -> dict[str, dict[str, Any]]:
    """Grade `names` (relative to tests/) as one class through course/batch.py; returns each one's digests."""
    from grader.course import batch
    from grader.course.config import fingerprint
    from grader.grade import GradeConfig

    config = GradeConfig()
    with tempfile.TemporaryDirectory(prefix="grader-golden-") as tmp:
        root, out = os.path.join(tmp, "class"), os.path.join(tmp, "out")
        students = {}
        for name in names:  # a folder per student keeps the file's own name (it is in the result)
            student = "s" + hashlib.sha256(name.encode()).hexdigest()[:10]  # the same whatever else is graded
            os.makedirs(os.path.join(root, student))
            shutil.copy(os.path.join(ROOT, "tests", name), os.path.join(root, student, os.path.basename(name)))
            students[student] = name
        batch.run(root, batch.Options(out=out, jobs=jobs), config, fingerprint(config), stream=io.StringIO())
        return {name: digests(os.path.join(out, student), tmp) for student, name in sorted(students.items())}


def digests(folder: str, tmp: str) -> dict[str, Any]:
    """One student's outputs as digests: result.json per top-level field (and per check), each HTML page whole,
    and the terminal summary rendered from result.json."""
    from grader.report import terminal

    with open(os.path.join(folder, "result.json"), encoding="utf-8") as f:
        text = f.read()
    d = json.loads(text)
    out: dict[str, Any] = {"result.json": _fields(normalise(d, tmp)),
                           "terminal": _digest(terminal.render(_without_batch(d)))}
    for page in ("report.html", "instructor.html"):
        path = os.path.join(folder, page)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                out[page] = _digest(_DURATION.sub("graded in - s", f.read()).replace(tmp, "TMP"))
    return out


def normalise(d: dict[str, Any], tmp: str) -> dict[str, Any]:
    """`d` without what changes from run to run: durations, the time of grading, the settings key, the paths."""
    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items() if k != "duration_s"}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v.replace(tmp, "TMP") if isinstance(v, str) else v
    d = clean(d)
    d["batch"] = {k: v for k, v in d.get("batch", {}).items() if k not in ("graded_at", "settings")}
    return d


def _without_batch(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k != "batch"}


def _fields(d: dict[str, Any]) -> dict[str, Any]:
    fields = {k: _digest(json.dumps(v, sort_keys=True)) for k, v in d.items() if k != "checks"}
    fields["checks"] = {f"{i}:{c.get('id')}": _digest(json.dumps(c, sort_keys=True))
                        for i, c in enumerate(d.get("checks", []))}
    return fields


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """Where `actual` differs from `expected` (submission: field), in sorted order; [] when they agree."""
    found = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual or name not in expected:
            found.append(f"{name}: {'missing now' if name not in actual else 'not in the golden copy'}")
            continue
        found += [f"{name}: {where}" for where in _diff(expected[name], actual[name], "")]
    return found


def _diff(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [w for k in sorted(set(a) | set(b)) for w in _diff(a.get(k), b.get(k), f"{path}.{k}" if path else k)]
    return [] if a == b else [path]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m grader.tools.golden", description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the golden copy instead of rewriting it")
    ap.add_argument("--jobs", type=int, default=0)
    args = ap.parse_args(argv)
    if any(os.environ.get(k) != v for k, v in numerics.PINNED.items()):  # before numpy loads: start again pinned
        why = numerics.unpinnable()
        if why:
            print(f"the golden copy holds the bits of numpy's and OpenBLAS's x86-64 AVX2 paths, which can't be pinned "
                  f"here: {why}", file=sys.stderr)
            return 2
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable, "-m", "grader.tools.golden", *argv],
                  {**os.environ, **numerics.PINNED})
    actual = grade_corpus(corpus(), args.jobs)
    if not numerics.pinned():
        print("numpy did not take the pinned paths (NPY_DISABLE_CPU_FEATURES): its bits are not the golden copy's",
              file=sys.stderr)
        return 2
    if args.check:
        with open(GOLDEN, encoding="utf-8") as f:
            found = differences(json.load(f), actual)
        print("\n".join(found) if found else f"{len(actual)} submissions: every grade and report as in the golden copy")
        return 1 if found else 0
    os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
    with open(GOLDEN, "w", encoding="utf-8") as f:
        json.dump(actual, f, indent=0, sort_keys=True)
        f.write("\n")
    print(f"wrote {os.path.relpath(GOLDEN, ROOT)} ({len(actual)} submissions)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
