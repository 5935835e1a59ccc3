"""The grader's side of a run (grader/run/sandbox.py): the time limit is the CPU time the child and everything it
runs used, which sleeping does not use; a timeout says which limit it hit."""
import os
import signal
import subprocess
import sys
import time

from grader import grade
from grader.run import sandbox

# Spins until this process has used `cpu` seconds of CPU, then sleeps: the work done is fixed, not the time.
SPIN = "import os, time\nwhile sum(os.times()[:2]) < {cpu}: pass\ntime.sleep(30)\n"


def test_cpu_time_counts_the_child_and_its_descendants_and_not_sleep():
    code = ("import os, sys\n"
            f"if os.fork() == 0:\n    exec({SPIN.format(cpu=0.3)!r})\n"
            + SPIN.format(cpu=0.3))
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        while (sandbox.cpu_seconds(proc.pid) or 0.0) < 0.55:  # both have spun (or the test's time limit ends it)
            time.sleep(0.05)
        time.sleep(0.3)  # both are asleep now: no more CPU time
        used = sandbox.cpu_seconds(proc.pid)
        assert 0.55 <= used < 0.8, used
    finally:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            for child in f.read().split():
                os.kill(int(child), signal.SIGKILL)
        proc.kill()
        proc.wait()
    assert sandbox.cpu_seconds(proc.pid) is None  # gone: /proc can't tell


def _outcome(limit_hit: str, cpu: float | None) -> sandbox.RunOutcome:
    return sandbox.RunOutcome(messages=[], stdout="", stderr="", returncode=-9, timed_out=True, channel_error=None,
                              duration_s=6.0, limit_hit=limit_hit, cpu_s=cpu)


def test_a_timeout_says_which_limit_it_hit():
    limits = sandbox.Limits(timeout_s=2)
    ch = grade.read_channel([], [])
    cpu = grade._abnormal_end(_outcome("cpu", 2.01), ch, limits=limits)
    wall = grade._abnormal_end(_outcome("backstop", 0.2), ch, limits=limits)
    plain = grade._abnormal_end(_outcome("wall", None), ch, limits=limits)
    assert cpu.kind == wall.kind == plain.kind == "timeout"
    assert "2 s time limit while loading the submission (CPU time:" in cpu.message
    assert "wall-clock backstop (6 s, 3 times the 2 s time limit)" in wall.message and "0.2 s of CPU" in wall.message
    assert "(wall-clock time, as CPU time can't be measured here:" in plain.message
