"""Entry point of the confined child: `python -c 'from grader.run.child import main; main()' RESULTS_FD`.

Order matters: namespaces need a single-threaded process, so `confine.early` runs first (it forks: from there on
this is the worker, PID 1 of its own PID namespace), then numpy is imported and the plan is read from stdin (a
child started ahead of its plan boots while the grader builds it), the scratch dir the plan names gets a small
tmpfs of its own (scratch.bound) and becomes the cwd, HOME and TMPDIR, and the rest of the confinement comes
before any learner code runs. The plan holds inputs
only, never expected values. A fork server's child (forkserver.py) enters at `run`, with numpy already loaded.
"""
import json
import os
import sys


def main() -> None:
    run(int(sys.argv[1]))


def executor():
    """The plan's executor (run/probe.py) with numpy and numpy.random, which numpy loads on first use (~20 ms): a
    child loads them before its plan arrives, a fork server before it forks any child. The grader's own process
    imports probe.py without numpy.random, which it needs only to build the plan or run the reference."""
    import numpy.random  # noqa: F401

    from grader.run import probe

    return probe


def run(results_fd: int) -> None:
    """Confine, read the plan on stdin, load and probe the submission. Never returns."""
    from grader.run import confine, identity, scratch

    early = confine.early()
    probe = executor()

    plan = json.loads(sys.stdin.buffer.read(64 << 20))
    scratch.bound(plan["scratch"], early, identity.sandbox_user())
    os.chdir(plan["scratch"])
    os.environ["HOME"] = os.environ["TMPDIR"] = plan["scratch"]
    probe.child_main(plan, results_fd, early)
