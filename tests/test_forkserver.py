"""The fork server (grader/run/forkserver.py) and the fast single-file path (run/launch.py, the plan handed over
early).

A fork server's child must grade exactly as a fresh child does, sandbox report included; a server that dies is
replaced and the grading goes on; the server holds nothing secret. (The hostile corpus runs through both paths in
test_hostile.py.)
"""
import glob
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import REFERENCE, ROOT, STARTER, SUBMISSIONS, reference_code, run_cli

from grader import grade
from grader.grade import GradeConfig
from grader.judge import diskcache
from grader.report import contract
from grader.run import forkserver, landlock, sandbox
from grader.run.sandbox import Limits

pytestmark = pytest.mark.slow

# Every third file of the corpus (correct conventions, wrong implementations, combinations), the starter, and
# submissions that fail in different ways before or while running.
SAMPLE = sorted(glob.glob(os.path.join(SUBMISSIONS, "*", "*.py")))[::3] + [STARTER]
FAILING = {"syntax_error.py": "def forward(self, x:\n    pass\n",
           "exits_at_import.py": "import sys\nsys.exit(3)\n",
           "crashes.py": "import ctypes\nctypes.string_at(0)\n",
           "no_class.py": "class RNN:\n    pass\n"}


@pytest.fixture(scope="module")
def server():
    s = forkserver.ForkServer()
    s.start()
    yield s
    s.close()


def _comparable(result) -> dict:
    d = contract.to_dict(result)
    d.pop("duration_s")
    return d


def _failing_paths(folder) -> list[str]:
    paths = []
    for name, code in FAILING.items():
        path = folder / name
        path.write_text(code)
        paths.append(str(path))
    return paths


def test_a_fork_server_child_grades_exactly_as_a_fresh_child(server, tmp_path):
    config = GradeConfig()
    for path in SAMPLE + _failing_paths(tmp_path):
        fresh = grade.grade_path(path, config)
        forked = grade.grade_path(path, config, runner=server)
        assert _comparable(forked) == _comparable(fresh), path
        assert forked.sandbox == fresh.sandbox
    assert fresh.sandbox["isolated"] or fresh.sandbox["missing"]  # the report is there, whatever this machine has
    assert server.restarts == 0 and server.unusable is None


def test_the_failing_ones_fail_as_they_should(server, tmp_path):
    results = {os.path.basename(p): grade.grade_path(p, GradeConfig(), runner=server) for p in _failing_paths(tmp_path)}
    assert {n: r.error.kind for n, r in results.items()} == {
        "syntax_error.py": "syntax_error", "exits_at_import.py": "exited", "crashes.py": "crashed",
        "no_class.py": "missing_class"}
    assert "SIGSEGV" in results["crashes.py"].error.message


def test_a_timeout_in_a_fork_server_child(server, tmp_path):
    path = tmp_path / "loops.py"
    path.write_text(reference_code() + "\nwhile True:\n    pass\n")
    result = grade.grade_path(str(path), GradeConfig(limits=Limits(timeout_s=1.0)), runner=server)
    assert (result.status, result.error.kind) == ("error", "timeout")
    ok = grade.grade_path(REFERENCE, GradeConfig(), runner=server)  # the server goes on
    assert ok.score == 100


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="a root server makes the PID namespaces")
def test_a_root_servers_child_is_pid_1_of_its_own_namespace_with_no_supervisor(server, tmp_path):
    """serving._PidNamespaces: the child is forked into a PID namespace of its own, so no supervisor is forked; a
    SIGTERM it ignores (a learner's handler) can't keep it past its time limit, and the next child gets a namespace
    of its own again."""
    path = tmp_path / "stubborn.py"
    path.write_text(reference_code() + "\nimport signal, os\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                    "assert os.getpid() == 1\nwhile True:\n    pass\n")
    seen = []

    def watch():
        while not seen:
            for child in _server_children(server.pid):
                with open(f"/proc/{child}/status") as f:
                    nspid = next(line.split()[1:] for line in f if line.startswith("NSpid:"))
                seen.append((nspid, _server_children(child)))
            time.sleep(0.01)

    server.start()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    result = grade.grade_path(str(path), GradeConfig(limits=Limits(timeout_s=1.0)), runner=server)
    seen.append(None)
    assert (result.status, result.error.kind) == ("error", "timeout")
    nspid, grandchildren = seen[0]
    assert nspid[-1] == "1" and len(nspid) == 2  # PID 1 inside, one level below the server's namespace
    assert grandchildren == []  # no supervisor
    assert "pid" in result.sandbox["namespaces"] and result.sandbox["private_proc"] is True
    assert grade.grade_path(REFERENCE, GradeConfig(), runner=server).score == 100


def _server_children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return out


def test_a_server_that_dies_mid_run_is_replaced_and_the_submission_graded_again(tmp_path):
    path = tmp_path / "slow.py"
    path.write_text("import time\ntime.sleep(1.0)\n" + reference_code())
    s = forkserver.ForkServer()
    try:
        assert grade.grade_path(REFERENCE, GradeConfig(), runner=s).score == 100
        first = s.pid
        children: list[int] = []

        def kill_it():
            time.sleep(0.5)
            children.extend(_server_children(first))
            os.kill(first, signal.SIGKILL)

        killer = threading.Thread(target=kill_it)
        killer.start()
        result = grade.grade_path(str(path), GradeConfig(), runner=s)
        killer.join()
        assert (result.status, result.score) == ("graded", 100)
        assert s.restarts == 1 and s.pid != first
        assert children, "the submission's child was running when the server was killed"
        time.sleep(0.2)
        assert not [c for c in children if _alive(c)], "its child outlived its server"
        assert grade.grade_path(REFERENCE, GradeConfig(), runner=s).score == 100
    finally:
        s.close()
    assert not _alive(first)


def test_a_zygotes_sub_servers_grade_as_a_server_does_and_outlive_it_as_servers_of_their_own(tmp_path):
    """A batch's workers get their servers from its zygote: a sub-server is a fork of it (not of the worker that
    asked), grades as any server does, and ends when its worker's socket closes; when the zygote dies, its
    sub-servers die with it, and a worker then starts a server of its own and grades the submission again."""
    import socket

    zygote = forkserver.ForkServer()
    shared = zygote.fileno()
    subs = [forkserver.ForkServer(socket.socket(fileno=os.dup(shared))) for _ in range(2)]
    try:
        fresh = _comparable(grade.grade_path(REFERENCE, GradeConfig()))
        for sub in subs:
            assert _comparable(grade.grade_path(REFERENCE, GradeConfig(), runner=sub)) == fresh
        zygote_pid = zygote.pid
        for sub in subs:
            with open(f"/proc/{sub.pid}/stat") as f:
                assert int(f.read().rsplit(")", 1)[1].split()[1]) == zygote_pid  # its parent: the zygote
        first, second = subs[0].pid, subs[1].pid
        subs[1].close()
        time.sleep(0.2)
        assert not _alive(second) and _alive(first)  # a sub-server ends with its worker's end
        os.kill(zygote_pid, signal.SIGKILL)
        time.sleep(0.2)
        assert not _alive(first), "a sub-server outlived its zygote"
        result = grade.grade_path(REFERENCE, GradeConfig(), runner=subs[0])
        assert (result.status, result.score) == ("graded", 100)
        assert subs[0].restarts == 1 and subs[0].pid not in (first, zygote_pid)
        with open(f"/proc/{subs[0].pid}/stat") as f:
            assert int(f.read().rsplit(")", 1)[1].split()[1]) == os.getpid()  # a server of its own now
    finally:
        for sub in subs:
            sub.close()
        zygote.close()


def _alive(pid: int) -> bool:
    """Running (a zombie is dead: whoever inherited it reaps it in its own time)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _batch_servers(batch_pid: int) -> list[int]:
    """Fork servers whose parent is a worker of the batch `batch_pid`."""
    servers = []
    for worker in _server_children(batch_pid):
        for pid in _server_children(worker):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"grader.run.serving" in f.read():
                        servers.append(pid)
            except OSError:
                continue
    return servers


def test_a_batch_goes_on_when_its_fork_server_dies(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    slow = "import time\ntime.sleep(1.5)\n" + reference_code()
    for name, code in {"alice.py": slow, "bob.py": reference_code(), "carol.py": open(STARTER).read(),
                       "dave.py": reference_code()}.items():
        (folder / name).write_text(code)
    proc = subprocess.Popen([sys.executable, "-m", "grader", str(folder), "--out", str(tmp_path / "out"),
                             "--jobs", "1"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    servers: list[int] = []
    while not servers and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        servers = _batch_servers(proc.pid)
    assert servers, "no fork server found"
    time.sleep(0.5)  # alice is asleep in a child of that server
    for pid in servers:
        os.kill(pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    scores = {s: json.loads((tmp_path / "out" / s / "result.json").read_text())["score"]
              for s in ("alice", "bob", "carol", "dave")}
    assert scores == {"alice": 100, "bob": 100, "carol": 0, "dave": 100}


def _readable_regions(pid: int):
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]")):
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(start)
                yield mem.read(end - start)
            except (OSError, OverflowError, ValueError):
                continue


def test_the_server_holds_nothing_secret(tmp_path, monkeypatch):
    """The server is started by a grader that holds the reference's results and an instructor's secret; after
    it has run a submission, neither they, nor the submission's code, nor the grader's environment are anywhere in
    its memory, and no module but the child's was ever imported there."""
    canary_env = "GRADER_SERVER_CANARY"
    monkeypatch.setenv(canary_env, "env-canary-" + os.urandom(6).hex())
    secret = "instructor-secret-" + os.urandom(6).hex()
    from grader.course import config as settings

    config = settings.grade_config(settings.CourseConfig(hidden=settings.Hidden(seed=secret)))
    expected = grade.reference_ops(config.plan)["official/official-1"][1].value["outputs"][-1]
    code_canary = "submission-canary-" + os.urandom(6).hex()
    path = tmp_path / "modules.py"
    path.write_text(f"# {code_canary}\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith('grader')))\n"
                    + reference_code())
    s = forkserver.ForkServer()
    try:
        result = grade.grade_path(str(path), config, runner=s)
        assert result.score == result.max_score
        modules = set(re.findall(r"'(grader[.\w]*)'", result.stdout))
        assert modules and modules <= {"grader", "grader.run", "grader.run.child", "grader.run.confine",
                                       "grader.run.forkserver", "grader.run.identity", "grader.run.kernel",
                                       "grader.run.landlock", "grader.run.launch", "grader.run.memo",
                                       "grader.run.numerics", "grader.run.plotstub",
                                       "grader.run.privileges", "grader.run.probe", "grader.run.sandbox",
                                       "grader.run.scratch", "grader.run.seccomp", "grader.run.series",
                                       "grader.run.serving", "grader.run.wire"}, modules
        with open(f"/proc/{s.pid}/maps") as f:
            assert "solution" not in f.read()
        with open(f"/proc/{s.pid}/environ", "rb") as f:
            assert canary_env.encode() not in f.read()
        needles = [secret.encode(), code_canary.encode(), canary_env.encode(),
                   expected.astype("<f8").tobytes(), open(REFERENCE, "rb").read()[:200]]
        found = [n[:24] for region in _readable_regions(s.pid) for n in needles if n in region]
        assert found == []
    finally:
        s.close()


def test_the_disk_cache_is_out_of_a_childs_reach():
    if diskcache.DIR is None:
        pytest.skip("not in a venv: no disk cache")
    readable = landlock.readable_paths()  # numpy is imported here, as in the child when Landlock goes on
    assert not [p for p in readable if landlock._inside(os.path.realpath(diskcache.DIR), p)]


def test_a_plan_handed_over_early_is_checked_and_a_wrong_one_discarded():
    config = GradeConfig()
    child = sandbox.FreshChild()
    wrong_probes = [p.to_plan() for p in config.plan.probes][:-1]
    from grader.run.submission import read_submission

    child.hand_over(sandbox.child_plan(read_submission(REFERENCE), wrong_probes, False), config.limits)
    first = child.proc.pid
    result = grade.grade_path(REFERENCE, config, runner=child)
    assert result.score == 100 and child.proc is None  # graded by a second child, the first one discarded
    assert not _alive(first)


def test_the_cli_hands_over_the_plan_it_would_build(tmp_path):
    """What cli.py predicts from the disk cache before numpy is loaded equals the plan grade.py builds."""
    from grader import cli
    from grader.run.submission import read_submission

    config = GradeConfig()
    probes = [p.to_plan() for p in config.plan.probes]
    handed = {}

    class Recorder(sandbox.FreshChild):
        def __init__(self):
            pass

        def hand_over(self, plan, limits):
            handed["payload"] = sandbox.payload(plan, limits, "SCRATCH")

    args = cli.build_parser().parse_args([REFERENCE])
    cache = cli.plan_cache_path()
    if cache is None:
        pytest.skip("not in a venv: no disk cache")
    diskcache.write(cache, probes)
    assert cli._hand_over_early(Recorder(), args) is None
    real = sandbox.child_plan(read_submission(REFERENCE), probes, config.require_isolation)
    assert handed["payload"] == sandbox.payload(real, config.limits, "SCRATCH")


def test_one_python_file_imports_neither_jinja2_nor_nbformat():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "grader", REFERENCE, "--quiet"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "numpy" in imported and not {"jinja2", "nbformat"} & imported


def test_one_file_through_a_fork_server_from_the_command_line():
    done = run_cli(REFERENCE, "--runner", "fork-server", "--json", "-", "--quiet")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["score"] == 100
