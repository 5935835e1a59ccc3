"""Batch memory benchmark: peak memory of grading a generated class of 100 and of 2,000 submissions, and the time
and memory of the similarity pass over 100 and 2,000 others.

`python -m grader.tools.bench_batch [--sizes 100 2000] [--jobs N] [--similarity-only]` (or `make bench-batch`).
Each class is graded for real by `python -m grader CLASS --out OUT` in a fresh process, which then reports its own
peak resident memory and that of the largest process it waited for (a worker or a learner's child). Results are
streamed to disk, never held, so the two peaks should be within 20 % of each other whatever the class size. Not a
test: it takes minutes. `measure(n)` is the function to call from elsewhere (a `make bench` that collects numbers).

The similarity pass is measured without grading (tools/bench_similarity.py: generated submissions, fingerprinted
as the grading workers do, then the pass alone in a fresh process).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from grader import ROOT
from grader.tools import bench_similarity

# Runs the real CLI in-process, then prints the peaks (ru_maxrss is in KiB on Linux).
_RUNNER = """
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from grader.cli import main
code = main(sys.argv[2:])
print(json.dumps({"exit": code, "self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def variants() -> list[str]:
    """Submission texts of every kind a class has: right, unchanged starter, wrong in several ways, broken."""
    def read(path: str) -> str:
        with open(path, encoding="utf-8") as f:
            return f.read()

    texts = [read(os.path.join(ROOT, "solution", "simple_rnn.py")), read(os.path.join(ROOT, "starter", "simple_rnn.py")),
             "def forward(:\n", "import sys\nsys.exit(3)\n"]
    texts += [read(p) for p in sorted(glob.glob(os.path.join(ROOT, "tests", "submissions", "wrong", "*.py")))[:6]]
    return texts


def make_class(folder: str, n: int) -> None:
    """`n` submissions s0000.py ... cycling through `variants()`, each one distinct (its own sha256)."""
    texts = variants()
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        with open(os.path.join(folder, f"s{i:04d}.py"), "w", encoding="utf-8") as f:
            f.write(texts[i % len(texts)] + f"\n# student {i}\n")


def measure(n: int, *, jobs: int = 0, workdir: str | None = None) -> dict[str, Any]:
    """Grade a generated class of `n` in a fresh process. Returns n, seconds, the grading process's peak RSS
    (MiB) and the largest peak of the processes it waited for (MiB)."""
    with tempfile.TemporaryDirectory(prefix="grader-bench-", dir=workdir) as scratch:
        make_class(os.path.join(scratch, "class"), n)
        args = [sys.executable, "-c", _RUNNER, ROOT, os.path.join(scratch, "class"), "--out",
                os.path.join(scratch, "out"), "--quiet"] + (["--jobs", str(jobs)] if jobs else [])
        start = time.monotonic()
        proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
        seconds = time.monotonic() - start
        if proc.returncode != 0:
            raise RuntimeError(f"the batch failed ({proc.returncode}): {proc.stderr[-2000:]}")
        peaks = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"n": n, "seconds": round(seconds, 1), "per_submission_s": round(seconds / n, 3),
            "parent_peak_mib": round(peaks["self_kib"] / 1024, 1),
            "largest_child_peak_mib": round(peaks["children_kib"] / 1024, 1)}


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m grader.tools.bench_batch", description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 2000])
    p.add_argument("--jobs", type=int, default=0)
    p.add_argument("--similarity-only", action="store_true", help="only the similarity pass (seconds, not minutes)")
    args = p.parse_args(argv)
    for n in args.sizes:
        row = bench_similarity.measure(n)
        print(f"{n:>6} submissions, similarity pass: {row['pass_s']:.2f} s ({row['pairs']} pairs flagged, "
              f"{row['verified']} verified), peak {row['pass_peak_mib']:.1f} MiB; fingerprints "
              f"{1000 * row['fingerprint_s'] / n:.1f} ms a submission (in the grading workers)", flush=True)
    if args.similarity_only:
        return 0
    rows = []
    for n in args.sizes:
        row = measure(n, jobs=args.jobs)
        rows.append(row)
        print(f"{n:>6} submissions: {row['seconds']:>7.1f} s ({row['per_submission_s']:.3f} s each), "
              f"grading process peak {row['parent_peak_mib']:.1f} MiB, "
              f"largest child {row['largest_child_peak_mib']:.1f} MiB", flush=True)
    if len(rows) > 1:
        small, large = rows[0]["parent_peak_mib"], rows[-1]["parent_peak_mib"]
        growth = (large - small) / small
        print(f"peak memory {rows[-1]['n']} vs {rows[0]['n']}: {100 * growth:+.1f} % "
              f"({'within' if abs(growth) <= 0.20 else 'NOT within'} 20 %)")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
