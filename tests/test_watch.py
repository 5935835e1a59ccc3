"""`python -m grader FILE --watch`, end to end in a subprocess: a summary per save with what changed, the reports
rewritten each run, a save that ends the run in flight (its child gone), a file that goes away and comes back,
Ctrl-C that ends it cleanly (exit 0, no child left), and the options it refuses."""
from __future__ import annotations

import glob
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import REFERENCE, ROOT, STARTER, reference_code, run_cli

from grader.watch import FAREWELL, STOPPED, _Abandonable

GUARD_S = 120  # only so that a broken watch fails the test instead of hanging it
CHANGED = ("  now passing:", "  now failing:", "  diagnosis gained:", "  diagnosis lost:", "  nothing changed")


def sleeper(token: str) -> str:
    """Code that says it has started, then sleeps at import: the run stays in flight until something ends it. It
    says so by its process name (/proc/PID/comm, readable by anyone): its scratch dir is a tmpfs of its own mount
    namespace, which the test can't see, and it can write nowhere else."""
    return (f"import ctypes\nctypes.CDLL(None).prctl(15, {_comm(token).encode()!r}, 0, 0, 0)\n"
            "import time\ntime.sleep(600)\n")


def _comm(token: str) -> str:
    return token[-15:]  # a process name holds 15 characters


def wait_asleep(token: str) -> None:
    """Until the sleeper with this token runs."""
    for _ in range(int(GUARD_S / 0.05)):
        for comm in glob.glob("/proc/[0-9]*/comm"):
            try:
                if _read(comm).strip() == _comm(token):
                    return
            except OSError:  # gone meanwhile
                continue
        time.sleep(0.05)
    raise AssertionError(f"the sleeper {token} never ran")


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def forward_done() -> str:
    """The starter with the reference's forward; backward still raises NotImplementedError."""
    starter, ref = _read(STARTER), reference_code()
    forward = ref[ref.index("    def forward"):ref.index("    def backward")]
    return starter[:starter.index("    def forward")] + forward + starter[starter.index("    def backward"):]


class Watch:
    """The watch in a subprocess; its stdout read line by line in a thread."""

    def __init__(self, path, *args: str):
        self.proc = subprocess.Popen([sys.executable, "-m", "grader", str(path), "--watch", *args], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, done) -> list[str]:
        """The lines up to and including the first for which done(line) holds."""
        got = []
        while True:
            try:
                line = self.lines.get(timeout=GUARD_S)
            except queue.Empty:
                raise AssertionError(f"the watch said nothing more; so far: {self.seen}")
            assert line is not None, f"the watch ended: {self.seen}\n{self.proc.stderr.read()}"
            self.seen.append(line)
            got.append(line)
            if done(line):
                return got

    def run(self) -> list[str]:
        """One run's lines: from its "run N: grading" header to its score line."""
        lines = self.until(lambda ln: ln.startswith("Score:"))
        start = max(i for i, ln in enumerate(lines) if "] run " in ln and ": grading " in ln)
        return lines[start:]

    def interrupt(self, sig: int = signal.SIGINT) -> tuple[int, list[str]]:
        """Ctrl-C (or another signal): the exit status, and the lines said after it."""
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=GUARD_S)
        rest = []
        while (line := self.lines.get(timeout=GUARD_S)) is not None:
            rest.append(line)
        return code, rest

    def children(self) -> set[int]:
        """Every process the watch started, and theirs: the confined children, their supervised workers."""
        parents = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    parents[int(entry)] = int(_read(f"/proc/{entry}/stat").rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
        found, frontier = set(), {self.proc.pid}
        while frontier:
            frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
            found |= frontier
        return found

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def alive(pid: int) -> bool:
    try:
        return _read(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def watch():
    started: list[Watch] = []

    def start(path, *args: str) -> Watch:
        started.append(Watch(path, *args))
        return started[-1]
    yield start
    for w in started:
        w.kill()


def changed(lines: list[str]) -> list[str]:
    return [ln for ln in lines if ln.startswith(CHANGED)]


def test_three_saves_starter_forward_done_all_done(tmp_path, watch):
    path, html, result = tmp_path / "simple_rnn.py", tmp_path / "r.html", tmp_path / "r.json"
    path.write_text(_read(STARTER))
    w = watch(path, "--html", str(html), "--json", str(result))
    first = w.run()
    assert w.seen[:2] == [f"Report: {html} (rewritten on every run: reload it after a save)",
                          "Watching simple_rnn.py: graded now and each time it is saved; Ctrl-C to stop."]
    assert changed(first) == [] and first[1:] == [
        "  first thing to fix: 23 checks (100 points) raised NotImplementedError: forward is not written yet",
        '    at simple_rnn.py, line 35, in forward: raise NotImplementedError("forward is not written yet")',
        "Score: 0/100"]
    assert json.loads(result.read_text())["score"] == 0 and "0 / 100" in html.read_text()

    path.write_text(forward_done())
    second = w.run()
    assert changed(second) == ["  now passing: forward/* (7)"]
    assert second[-2:] == ['    at simple_rnn.py, line 52, in backward: raise NotImplementedError("backward is '
                           'not written yet")', "Score: 30/100 (was 0)"]
    assert json.loads(result.read_text())["score"] == 30 and "30 / 100" in html.read_text()

    path.write_text(_read(REFERENCE))
    third = w.run()
    assert changed(third) == ["  now passing: backward/* (11); training/* (2); official/* (3)",
                              "  diagnosis lost: [not_implemented]"]
    assert third[-2:] == ["  every check passes", "Score: 100/100 (was 30)"]
    assert json.loads(result.read_text())["score"] == 100 and "100 / 100" in html.read_text()

    code, rest = w.interrupt()
    assert code == 0 and rest[-1] == FAREWELL


def test_a_save_ends_the_run_in_flight_and_ctrl_c_ends_the_watch(tmp_path, watch):
    path, token = tmp_path / "simple_rnn.py", os.urandom(6).hex()
    path.write_text(reference_code())
    w = watch(path, "--timeout", "300")
    assert w.run()[-1] == "Score: 100/100"
    # Run 2 sleeps at import (a later run's child gets its plan only once the file has been read for it).
    path.write_text(sleeper(token + "-2") + reference_code())
    wait_asleep(token + "-2")
    asleep = w.children()
    # The positive control: run 2's child is there, asleep, with the worker it supervises.
    assert len(asleep) >= 2 and all(alive(p) for p in asleep)
    path.write_text(reference_code())
    third = w.run()
    # Run 2 never reported: it was stopped, its child is gone, and run 3 is compared with run 1.
    assert w.seen[-len(third) - 1] == STOPPED and third[0].endswith("run 3: grading simple_rnn.py ...")
    assert third[1:] == ["  nothing changed since the last run", "  every check passes", "Score: 100/100 (was 100)"]
    assert not any(alive(p) for p in asleep)

    path.write_text(sleeper(token + "-4") + reference_code())
    wait_asleep(token + "-4")
    asleep = w.children()
    assert len(asleep) >= 2 and all(alive(p) for p in asleep)
    code, rest = w.interrupt()
    assert code == 0 and rest[-3:] == [rest[0], "", FAREWELL] and rest[0].endswith("run 4: grading simple_rnn.py ...")
    assert not any(alive(p) for p in asleep)


def test_a_file_that_goes_away_or_becomes_a_folder_is_said_so_and_the_watch_goes_on(tmp_path, watch):
    path = tmp_path / "simple_rnn.py"
    path.write_text(reference_code())
    w = watch(path)
    assert w.run()[-1] == "Score: 100/100"
    path.unlink()
    assert w.until(lambda ln: "not found" in ln)[-1] == \
        "  simple_rnn.py: not found (deleted, or renamed?); it is graded again once it is back"
    path.mkdir()
    folder = w.run()
    assert folder[1:] == [f"  could not be graded: {path} is a folder; give the .py or .ipynb file inside it",
                          "Score: 0/100 (was 100)"]
    path.rmdir()
    path.write_text(forward_done())
    back = w.run()  # compared with the last run that was graded, not with the folder
    assert "  now failing: backward/* (11); training/* (2); official/* (3)" in back
    assert back[-1] == "Score: 30/100 (was 100)"
    assert w.interrupt(signal.SIGTERM) == (0, ["", FAREWELL])  # `kill`, or a closed terminal, ends it as Ctrl-C


def test_a_file_that_cant_be_looked_at_is_said_so_and_the_watch_goes_on(tmp_path, watch):
    folder = tmp_path / "work"
    folder.mkdir()
    path = folder / "simple_rnn.py"
    path.write_text(reference_code())
    w = watch(path)
    assert w.run()[-1] == "Score: 100/100"
    (tmp_path / "moved").mkdir()
    path.rename(tmp_path / "moved" / "simple_rnn.py")
    folder.rmdir()
    folder.write_text("a file where the folder was\n")  # stat() now fails with ENOTDIR, not "not found"
    assert w.until(lambda ln: "can't be looked at" in ln)[-1] == \
        "  simple_rnn.py: can't be looked at (Not a directory); it is graded again once it can"
    folder.unlink()
    (tmp_path / "moved").rename(folder)
    assert w.run()[1:] == ["  nothing changed since the last run", "  every check passes", "Score: 100/100 (was 100)"]
    assert w.interrupt()[0] == 0


class _Proc:
    def __init__(self):
        self.signals = []

    def send_signal(self, sig):
        self.signals.append(sig)


class _Run:
    def __init__(self):
        self.proc = _Proc()


class _Runner:
    def begin(self, plan, limits):
        return _Run()


def test_a_run_abandoned_before_its_child_began_is_killed_as_it_begins():
    """The grading thread may not have handed the plan over yet when a save comes: its child is killed the moment
    it begins, so that the run ends at once instead of running to its time limit."""
    early = _Abandonable(_Runner())
    early.abandon()
    assert early.begin({}, None).proc.signals == [signal.SIGKILL]
    late = _Abandonable(_Runner())
    run = late.begin({}, None)
    assert run.proc.signals == []  # the positive control: not abandoned, not killed
    late.abandon()
    assert run.proc.signals == [signal.SIGKILL]


@pytest.mark.parametrize("args, said", [
    (("--json", "-"), "--json - can't be used with --watch"),
    (("--fail-under", "50"), "--fail-under can't be used with --watch"),
    (("--quiet",), "--quiet can't be used with --watch"),
    (("--runner", "fork-server"), "--runner fork-server can't be used with --watch"),
])
def test_options_for_one_run_are_refused(args, said):
    proc = run_cli(REFERENCE, "--watch", *args)
    assert proc.returncode == 2 and said in proc.stderr and proc.stdout == ""


def test_a_class_is_not_watched(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "alice.py").write_text(reference_code())
    proc = run_cli(str(tmp_path / "class"), "--watch", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "--watch is for one submission" in proc.stderr


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs util-linux's unshare")
def test_a_refused_grading_ends_the_watch_with_exit_2():
    """--require-isolation on a machine that can't confine (namespaces blocked, as in test_hostile.py): the first
    run is refused, and watching on would only repeat it."""
    block = "; ".join(f"echo 0 > /proc/sys/user/max_{k}_namespaces" for k in ("user", "pid", "net", "mnt", "ipc",
                                                                              "uts", "cgroup", "time"))
    proc = subprocess.run(["unshare", "--user", "--map-root-user", "sh", "-c", f'{block}; exec "$@"', "sh",
                           sys.executable, "-m", "grader", REFERENCE, "--watch", "--require-isolation"],
                          cwd=ROOT, capture_output=True, text=True, timeout=GUARD_S)
    assert proc.returncode == 2, proc.stderr
    assert "isolation is required" in proc.stderr and "missing: namespaces" in proc.stderr
