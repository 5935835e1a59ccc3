"""`make bench`: how fast grading is, and what confinement costs. A benchmark, not a test.

Prints, from one run on this machine, medians and ratios (these machines are shared and noisy):
  (a) batch throughput with full confinement (submissions/s),
  (b) the same grading work in-process with no isolation at all: the floor,
  (c) one fresh `python -m grader` per submission: the naive way,
  a/b, a/c, and the end-to-end latency of `python -m grader FILE` against `python -c "import numpy"`,
and writes them to bench-results.json.
"""
from __future__ import annotations

import argparse
import contextlib
import glob
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ERRORING = {
    "syntax_error.py": "def forward(self, x:\n    pass\n",
    "raises_at_import.py": "import numpy as np\nnp.linalg.inv(np.zeros((2, 2)))\n",
    "missing_class.py": "class RNN:\n    pass\n",
    "forward_raises.py": "class SimpleRNN:\n    def __init__(self, i, h, o):\n        self.hidden_size = h\n"
                         "    def forward(self, x):\n        raise ValueError('not yet')\n"
                         "    def backward(self, x, y, lr):\n        raise ValueError('not yet')\n",
}


def make_mix(folder: str, n: int) -> list[str]:
    """n submissions cycling through correct, wrong and erroring ones (in a fixed order)."""
    pool = sorted(glob.glob(os.path.join(ROOT, "tests", "submissions", "correct", "*.py")))[:8]
    pool += sorted(glob.glob(os.path.join(ROOT, "tests", "submissions", "wrong", "*.py")))[::3]
    texts = [(os.path.basename(p), open(p, encoding="utf-8").read()) for p in pool] + sorted(ERRORING.items())
    paths = []
    for i in range(n):
        name, text = texts[i % len(texts)]
        path = os.path.join(folder, f"s{i:04d}_{name}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        paths.append(path)
    return paths


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def in_process(paths: list[str]) -> None:
    """(b) The floor: read, run the plan on the learner's class and judge it, all in this process, no child."""
    from grader import checks, diagnose, probe, reference
    from grader.cases import default_plan
    from grader.submission import Source, read_submission

    plan = default_plan()
    ref = {p.name: checks.decode_ops(reference.results_for(p), len(p.ops), "") for p in plan.probes}
    for path in paths:
        source = read_submission(path)
        if not isinstance(source, Source):
            continue
        chunks = [{"label": c.label, "code": c.code} for c in source.chunks]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            cls, _ = probe.load(chunks, source.kind)
            if cls is None:
                continue
            labels = frozenset(c["label"] for c in chunks)
            raw = {p.name: probe.run_probe(cls, p.to_plan(), labels) for p in plan.probes}
        learner = {p.name: checks.decode_ops(raw[p.name], len(p.ops), "") for p in plan.probes}
        evaluation = checks.evaluate(plan, learner, ref)
        diagnose.diagnose(plan, learner, ref, evaluation)


def confined_batch(paths: list[str], jobs: int) -> None:
    """(a) Full confinement, the batch path."""
    from grader.config import GradeConfig
    from grader.grade import grade_path

    config = GradeConfig()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda p: grade_path(p, config), paths))


def naive(paths: list[str], jobs: int, out: str) -> None:
    """(c) A fresh `python -m grader` per submission."""
    def one(path: str) -> None:
        subprocess.run([sys.executable, "-m", "grader", path, "--quiet", "--json",
                        os.path.join(out, os.path.basename(path) + ".json")], cwd=ROOT, check=False)
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, paths))


def latency(path: str, repeats: int) -> tuple[float, float]:
    """Median wall time of `python -m grader FILE` and of `python -c "import numpy"`, interleaved."""
    grader, numpy = [], []
    for _ in range(repeats):
        numpy.append(timed(lambda: subprocess.run([sys.executable, "-c", "import numpy"], check=True)))
        grader.append(timed(lambda: subprocess.run([sys.executable, "-m", "grader", path, "--quiet"], cwd=ROOT,
                                                   check=True)))
    return statistics.median(grader), statistics.median(numpy)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m grader.bench")
    ap.add_argument("-n", type=int, default=60, help="submissions in the mix (default 60)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each measurement; medians are reported")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-results.json"))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        paths = make_mix(tmp, args.n)
        os.makedirs(os.path.join(tmp, "naive"))
        runs: dict[str, list[float]] = {"confined": [], "floor": [], "naive": []}
        in_process(paths[:4])  # warm the reference cache and imports, as a long batch would be
        for _ in range(args.repeats):  # interleaved, so load on the shared machine hits all three alike
            runs["confined"].append(timed(lambda: confined_batch(paths, args.jobs)))
            runs["floor"].append(timed(lambda: in_process(paths)))
            runs["naive"].append(timed(lambda: naive(paths, args.jobs, os.path.join(tmp, "naive"))))
        lat, numpy_lat = latency(os.path.join(ROOT, "solution", "simple_rnn.py"), max(5, args.repeats))
    rate = {k: args.n / statistics.median(v) for k, v in runs.items()}
    child_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    results = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "submissions": args.n, "jobs": args.jobs, "repeats": args.repeats,
        "throughput_per_s": {"a_confined_batch": rate["confined"], "b_in_process_floor": rate["floor"],
                             "c_naive_fresh_interpreter": rate["naive"]},
        "ratio_a_over_b": rate["confined"] / rate["floor"], "ratio_a_over_c": rate["confined"] / rate["naive"],
        "latency_s": {"grader_single_file": lat, "python_import_numpy": numpy_lat, "ratio": lat / numpy_lat},
        "peak_child_rss_mb": child_peak_mb,
        "targets": {"a/b >= 0.6": rate["confined"] / rate["floor"] >= 0.6,
                    "a/c >= 2.5": rate["confined"] / rate["naive"] >= 2.5,
                    "latency <= 2.5 x import numpy": lat <= 2.5 * numpy_lat,
                    "peak memory per worker < 150 MB": child_peak_mb < 150},
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    t = results["throughput_per_s"]
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}")
    print(f"{args.n} submissions, --jobs {args.jobs}, median of {args.repeats} interleaved runs")
    print(f"  (a) confined batch          {t['a_confined_batch']:8.1f} submissions/s")
    print(f"  (b) in-process floor        {t['b_in_process_floor']:8.1f} submissions/s")
    print(f"  (c) fresh interpreter each  {t['c_naive_fresh_interpreter']:8.1f} submissions/s")
    print(f"  a/b = {results['ratio_a_over_b']:.2f} (target >= 0.6)   a/c = {results['ratio_a_over_c']:.2f} "
          f"(target >= 2.5)")
    print(f"  latency: python -m grader FILE {lat:.3f} s, python -c 'import numpy' {numpy_lat:.3f} s, "
          f"ratio {lat / numpy_lat:.2f} (target <= 2.5)")
    print(f"  peak RSS of a child process: {child_peak_mb:.0f} MB (target < 150)")
    for name, ok in results["targets"].items():
        print(f"  {'met ' if ok else 'MISS'}  {name}")
    print(f"wrote {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
