"""Entry point of the confined child: `python -c 'from grader.child import main; main()' RESULTS_FD`.

Order matters: confinement that needs a single-threaded process (namespaces) comes before numpy is imported,
the rest before any learner code runs. Reads the plan (inputs only, never expected values) from stdin.
"""
import json
import sys


def main() -> None:
    results_fd = int(sys.argv[1])
    plan = json.loads(sys.stdin.buffer.read(64 << 20))
    from grader import confine

    early = confine.early(plan["limits"])
    from grader import probe  # imports numpy

    probe.child_main(plan, results_fd, early)
