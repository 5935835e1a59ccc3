"""`make bench`: how fast grading is, against the cost of starting numpy. A benchmark, not a test.

Prints, from one run on this machine (medians of interleaved runs: these machines are shared and noisy):
  - a class graded the way `python -m grader CLASS --out OUT` grades it (course/batch.run: the worker pool, each
    worker forking fully confined children from its own fork server, every report and the gradebook written):
    wall seconds per submission, and their ratio to `python -c "import numpy"` measured beside it (target <= 0.5);
  - one file, `python -m grader FILE --json OUT` end to end, and its ratio to the same (target <= 2.0);
  - the CPU time per submission, split into the worker's (reading, judging, diagnosing, rendering), the child's
    (its process, confinement, the plan), the learner's code within it (the plan run in-process, no child) and
    the batch's fixed cost (pool and fork servers starting, gradebook; per submission of the class);
  - the peak resident memory of a worker, of its fork server and of the largest child;
and writes them to bench-results.json. The grader's bytecode is compiled first, as `make venv` does.
"""
from __future__ import annotations

import argparse
import compileall
import contextlib
import glob
import io
import json
import multiprocessing
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable

from grader import ROOT

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


def in_process(paths: list[str]) -> float:
    """The plan run on each learner's class in this process, no child, no isolation: the learner's code (and the
    executor's encoding of what it returns). Returns the CPU seconds of those runs alone."""
    from grader.judge.plan import default_plan
    from grader.run import probe
    from grader.run.submission import Source, read_submission

    plan, cpu = default_plan(), 0.0
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
            start = time.process_time()
            for p in plan.probes:
                probe.run_probe(cls, p.to_plan(), labels)
            cpu += time.process_time() - start
    return cpu


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def batch_run(folder: str, out: str, jobs: int) -> dict[str, Any]:
    """Grade the class in `folder` as the class command does (course/batch.run, fork servers, reports and the
    gradebook written). Returns its wall time, its CPU time all told (this process and every process it started,
    each waited for) and the split that the workers measured."""
    from grader.course import batch
    from grader.course.config import fingerprint
    from grader.grade import GradeConfig

    config = GradeConfig()
    key = fingerprint(config)
    cpu0, children0, start = cpu_self(), cpu_children(), time.perf_counter()
    outcome = batch.run(folder, batch.Options(out=out, jobs=jobs), config, key, stream=io.StringIO())
    wall = time.perf_counter() - start
    while multiprocessing.active_children():  # the workers (their servers reaped by them) exit after the pool
        time.sleep(0.01)
    cpu = cpu_self() - cpu0 + cpu_children() - children0  # before this function reads the results back
    results = [json.load(open(p, encoding="utf-8")) for p in glob.glob(os.path.join(out, "*", "result.json"))]
    return {"wall_s": wall, "cpu_s": cpu, "worker_cpu_s": outcome.cpu_s,
            "child_cpu_s": outcome.child_cpu_s, "peak_kib": outcome.peak_kib, "graded": outcome.graded,
            "isolated": all(r["sandbox"].get("isolated") for r in results if r["sandbox"]),
            "fork_server": all(r["sandbox"] for r in results) and len(results) == outcome.graded}


def import_numpy() -> float:
    return timed(lambda: subprocess.run([sys.executable, "-c", "import numpy"], check=True))


def single_file(path: str, out: str) -> float:
    """`python -m grader FILE --json OUT`, end to end (its terminal summary included)."""
    return timed(lambda: subprocess.run([sys.executable, "-m", "grader", path, "--json", out], cwd=ROOT, check=True,
                                        stdout=subprocess.DEVNULL))


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError):
        memory_gib = 0.0
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory_gib, 1), "platform": platform.platform(),
            "python": platform.python_version()}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m grader.tools.bench")
    ap.add_argument("-n", type=int, default=60, help="submissions in the class (default 60)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    # Five and fifteen: on a shared machine whose speed drifts within a run, the median of three class runs moved
    # by about 0.05 x from one bench to the next; more runs narrow what the median says, not where it lies.
    ap.add_argument("--repeats", type=int, default=5, help="runs of the class; medians are reported")
    ap.add_argument("--latency-repeats", type=int, default=15, help="runs of one file (and of import numpy)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-results.json"))
    args = ap.parse_args(argv)
    compileall.compile_dir(os.path.join(ROOT, "grader"), quiet=1)
    numpy_s: list[float] = []
    single_s: list[float] = []
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        folder = os.path.join(tmp, "class")
        os.makedirs(folder)
        paths = make_mix(folder, args.n)
        learner_cpu = in_process(paths)  # also warms this process's imports, as a class command has them
        # Each run between two timings of the yardstick, and its ratio to their mean: the shared machine's speed
        # drifts by up to 2x within minutes, and a ratio to a yardstick timed at another moment carries the drift.
        batch_ratios, single_ratios = [], []
        for r in range(args.repeats):
            before = import_numpy()
            runs.append(batch_run(folder, os.path.join(tmp, f"out{r}"), args.jobs))
            after = import_numpy()
            numpy_s += [before, after]
            batch_ratios.append(runs[-1]["wall_s"] / args.n / ((before + after) / 2))
        for _ in range(args.latency_repeats):
            before = import_numpy()
            single_s.append(single_file(os.path.join(ROOT, "solution", "simple_rnn.py"), os.path.join(tmp, "one.json")))
            after = import_numpy()
            numpy_s += [before, after]
            single_ratios.append(single_s[-1] / ((before + after) / 2))
    n = args.n
    med = statistics.median
    numpy_med, single_med = med(numpy_s), med(single_s)
    batch_per = med(r["wall_s"] for r in runs) / n
    batch_ratio, single_ratio = med(batch_ratios), med(single_ratios)
    cpu = {"worker": med(r["worker_cpu_s"] for r in runs) / n, "child": med(r["child_cpu_s"] for r in runs) / n,
           "learner_code": learner_cpu / n, "total": med(r["cpu_s"] for r in runs) / n}
    fixed_s = med(r["cpu_s"] - r["worker_cpu_s"] - r["child_cpu_s"] for r in runs)
    cpu["fixed"] = fixed_s / n
    peak = [max(r["peak_kib"][i] for r in runs) / 1024 for i in range(3)]
    isolated = all(r["isolated"] and r["fork_server"] and r["graded"] == n for r in runs)
    results = {
        "machine": machine(), "submissions": n, "jobs": args.jobs, "repeats": args.repeats,
        "latency_repeats": args.latency_repeats,
        "import_numpy_s": numpy_med,
        "batch": {"wall_s_per_submission": batch_per, "ratio": batch_ratio, "ratios": batch_ratios,
                  "fully_confined": isolated},
        "single_file": {"wall_s": single_med, "ratio": single_ratio, "ratios": single_ratios},
        "cpu_s_per_submission": cpu, "fixed_cpu_s_per_run": fixed_s,
        "peak_rss_mib": {"worker": peak[0], "fork_server": peak[1], "largest_child": peak[2], "sum": sum(peak)},
        "runs": {"import_numpy_s": numpy_s, "single_file_s": single_s, "batch": runs},
        "targets": {"batch <= 0.5 x import numpy, fully confined": isolated and batch_ratio <= 0.5,
                    "single file <= 2.0 x import numpy": single_ratio <= 2.0},
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    m = results["machine"]
    print(f"machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']:g} GiB, {m['platform']}, Python {m['python']}")
    print(f"python -c 'import numpy': {numpy_med:.3f} s (median of {len(numpy_s)}: timed before and after each "
          f"run below, whose ratio is to the mean of those two; range {min(numpy_s):.3f}-{max(numpy_s):.3f} s)")
    print(f"class of {n} (correct, wrong, erroring), --jobs {args.jobs}, median of {args.repeats}: "
          f"{batch_per * n:.2f} s, {batch_per:.3f} s per submission = {batch_ratio:.2f} x import numpy "
          f"(ratios {min(batch_ratios):.2f}-{max(batch_ratios):.2f}; "
          f"{'every child fully confined' if isolated else 'NOT every child fully confined by a fork server'})")
    print(f"one file, python -m grader FILE --json OUT, median of {len(single_s)}: {single_med:.3f} s = "
          f"{single_ratio:.2f} x import numpy (ratios {min(single_ratios):.2f}-{max(single_ratios):.2f}, "
          f"times {min(single_s):.3f}-{max(single_s):.3f} s)")
    print(f"CPU per submission of the class: {cpu['total'] * 1000:.0f} ms = worker {cpu['worker'] * 1000:.0f} + child "
          f"{cpu['child'] * 1000:.0f} (of which learner code {cpu['learner_code'] * 1000:.0f}) + fixed "
          f"{cpu['fixed'] * 1000:.0f} ({fixed_s:.2f} s per run: pool, fork servers, gradebook)")
    print(f"peak RSS: worker {peak[0]:.0f} MiB, fork server {peak[1]:.0f} MiB, largest child {peak[2]:.0f} MiB "
          f"(sum {sum(peak):.0f} MiB; pages a child shares with its server count twice)")
    for name, ok in results["targets"].items():
        print(f"  {'met ' if ok else 'MISS'}  {name}")
    print(f"wrote {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
