"""Entry point of the confined child: `python -c 'from grader.child import main; main()' RESULTS_FD`.

Order matters: namespaces need a single-threaded process, so `confine.early` runs before numpy is imported (it
forks: from there on this is the worker, PID 1 of its own PID namespace); the rest of the confinement comes once
numpy is loaded and before any learner code runs. The plan on stdin holds inputs only, never expected values.
"""
import json
import sys


def main() -> None:
    results_fd = int(sys.argv[1])
    plan = json.loads(sys.stdin.buffer.read(64 << 20))
    from grader import confine

    early = confine.early()
    from grader import probe  # imports numpy

    probe.child_main(plan, results_fd, early)
