"""`make bench`: how fast grading is, and what confinement costs. A benchmark, not a test.

Prints, from one run on this machine, medians and ratios (these machines are shared and noisy):
  (a) batch throughput with full confinement: the batch's worker pool, each worker forking children from its own
      fork server (submissions/s),
  (b) the same grading work in-process with no isolation at all: the floor,
  (c) one fresh `python -m grader` per submission: the naive way,
  a/b, a/c, the end-to-end latency of `python -m grader FILE` against `python -c "import numpy"` (interleaved),
  and the peak resident memory of a worker, of its fork server and of the largest child,
and writes them to bench-results.json. The grader's bytecode is compiled first, as an installed grader's would be
(this matters where PYTHONDONTWRITEBYTECODE is set).
"""
from __future__ import annotations

import argparse
import compileall
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


def in_process(paths: list[str]) -> None:
    """(b) The floor: read, run the plan on the learner's class and judge it, all in this process, no child."""
    from grader.diagnose import explain
    from grader.judge import checks, reference, results
    from grader.judge.plan import default_plan
    from grader.run import probe
    from grader.run.submission import Source, read_submission

    plan = default_plan()
    ref = {p.name: results.decode_results(reference.results_for(p), p.ops) for p in plan.probes}
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
        learner = {p.name: results.decode_results(raw[p.name], p.ops) for p in plan.probes}
        evaluation = checks.evaluate(plan, learner, ref)
        explain.diagnose(plan, learner, ref, evaluation)


def confined_batch(paths: list[str], jobs: int) -> list[dict[str, Any]]:
    """(a) Full confinement, the batch path: the batch's pool (its start-up included), fork servers, no reports
    written. Returns what each worker measured (scores and peak memory)."""
    from grader.course import batch
    from grader.grade import GradeConfig

    config = GradeConfig()
    with batch.make_pool(jobs, config, fork_server=True) as pool:
        return list(pool.map(_grade_in_worker, paths, [config] * len(paths)))


def _grade_in_worker(path: str, config) -> dict[str, Any]:
    from grader import grade
    from grader.course import batch

    result = grade.grade_path(path, config, runner=batch.worker_runner())
    server = batch.worker_server()
    return {"score": result.score, "status": result.status, "fallback": server.unusable,
            "isolated": bool(result.sandbox.get("isolated")),
            "worker_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "server_kib": server.server_peak_kib(), "child_kib": server.child_peak_kib}


def naive(paths: list[str], jobs: int, out: str) -> None:
    """(c) A fresh `python -m grader` per submission."""
    def one(path: str) -> None:
        subprocess.run([sys.executable, "-m", "grader", path, "--quiet", "--json",
                        os.path.join(out, os.path.basename(path) + ".json")], cwd=ROOT, check=False)
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, paths))


def latency(path: str, repeats: int) -> tuple[list[float], list[float]]:
    """Wall times of `python -m grader FILE` (its terminal summary included) and of `python -c "import numpy"`,
    interleaved."""
    grader, numpy = [], []
    for _ in range(repeats):
        numpy.append(timed(lambda: subprocess.run([sys.executable, "-c", "import numpy"], check=True)))
        grader.append(timed(lambda: subprocess.run([sys.executable, "-m", "grader", path], cwd=ROOT, check=True,
                                                   stdout=subprocess.DEVNULL)))
    return grader, numpy


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
    ap.add_argument("-n", type=int, default=60, help="submissions in the mix (default 60)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each throughput measurement; medians are reported")
    ap.add_argument("--latency-repeats", type=int, default=11)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-results.json"))
    args = ap.parse_args(argv)
    compileall.compile_dir(os.path.join(ROOT, "grader"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as tmp:
        paths = make_mix(tmp, args.n)
        os.makedirs(os.path.join(tmp, "naive"))
        runs: dict[str, list[float]] = {"confined": [], "floor": [], "naive": []}
        in_process(paths[:4])  # warm the reference cache and imports, as a long batch would be
        workers: list[dict[str, Any]] = []
        for _ in range(args.repeats):  # interleaved, so load on the shared machine hits all three alike
            start = time.perf_counter()
            workers += confined_batch(paths, args.jobs)
            runs["confined"].append(time.perf_counter() - start)
            runs["floor"].append(timed(lambda: in_process(paths)))
            runs["naive"].append(timed(lambda: naive(paths, args.jobs, os.path.join(tmp, "naive"))))
        lat_runs, numpy_runs = latency(os.path.join(ROOT, "solution", "simple_rnn.py"), args.latency_repeats)
    lat, numpy_lat = statistics.median(lat_runs), statistics.median(numpy_runs)
    rate = {k: args.n / statistics.median(v) for k, v in runs.items()}
    peak = {k: max(w[k] for w in workers) / 1024 for k in ("worker_kib", "server_kib", "child_kib")}
    per_worker = sum(peak.values())
    fallbacks = sorted({w["fallback"] for w in workers if w["fallback"]})
    results = {
        "machine": machine(),
        "submissions": args.n, "jobs": args.jobs, "repeats": args.repeats, "latency_repeats": args.latency_repeats,
        "throughput_per_s": {"a_confined_batch": rate["confined"], "b_in_process_floor": rate["floor"],
                             "c_naive_fresh_interpreter": rate["naive"]},
        "ratio_a_over_b": rate["confined"] / rate["floor"], "ratio_a_over_c": rate["confined"] / rate["naive"],
        "latency_s": {"grader_single_file": lat, "python_import_numpy": numpy_lat, "ratio": lat / numpy_lat},
        "peak_rss_mib": {"worker": peak["worker_kib"], "fork_server": peak["server_kib"],
                         "largest_child": peak["child_kib"], "sum": per_worker},
        "fork_server_fallbacks": fallbacks,
        "a_fully_isolated": all(w["isolated"] for w in workers),
        "runs_s": {**runs, "latency_grader": lat_runs, "latency_import_numpy": numpy_runs},
        "targets": {"(a) with full confinement": all(w["isolated"] for w in workers),
                    "a/b >= 0.6": rate["confined"] / rate["floor"] >= 0.6,
                    "a/c >= 2.5": rate["confined"] / rate["naive"] >= 2.5,
                    "latency <= 2.5 x import numpy": lat <= 2.5 * numpy_lat,
                    "peak memory per worker < 150 MB": per_worker * 2 ** 20 < 150e6},
    }
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    m, t = results["machine"], results["throughput_per_s"]
    print(f"machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']:g} GiB, {m['platform']}, Python {m['python']}")
    print(f"{args.n} submissions (correct, wrong, erroring), --jobs {args.jobs}, median of {args.repeats} "
          "interleaved runs")
    isolated = "every child fully confined" if results["a_fully_isolated"] else "NOT every child fully confined"
    print(f"  (a) confined batch, fork servers  {t['a_confined_batch']:6.1f} submissions/s ({isolated})")
    print(f"  (b) in-process floor, no isolation {t['b_in_process_floor']:5.1f} submissions/s")
    print(f"  (c) fresh `python -m grader` each {t['c_naive_fresh_interpreter']:6.1f} submissions/s")
    print(f"  a/b = {results['ratio_a_over_b']:.2f} (target >= 0.6)   a/c = {results['ratio_a_over_c']:.2f} "
          "(target >= 2.5)")
    print(f"  latency (median of {args.latency_repeats}): python -m grader FILE {lat:.3f} s, "
          f"python -c 'import numpy' {numpy_lat:.3f} s, ratio {lat / numpy_lat:.2f} (target <= 2.5)")
    print(f"    (ranges: {min(lat_runs):.3f}-{max(lat_runs):.3f} s and {min(numpy_runs):.3f}-{max(numpy_runs):.3f} s)")
    print(f"  peak RSS per worker: worker {peak['worker_kib']:.0f} MiB + fork server {peak['server_kib']:.0f} MiB "
          f"+ largest child {peak['child_kib']:.0f} MiB = {per_worker:.0f} MiB (target < 150 MB; pages a child "
          "shares with its server count twice)")
    if fallbacks:
        print(f"  fork server unusable, fresh children used instead: {'; '.join(fallbacks)}")
    for name, ok in results["targets"].items():
        print(f"  {'met ' if ok else 'MISS'}  {name}")
    print(f"wrote {os.path.relpath(args.out, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
