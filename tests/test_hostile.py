"""The hostile corpus (tests/hostile/, one file per behaviour), graded through the real CLI in a subprocess.

One module fixture grades every file once, in a row, once per runner: a fresh child per submission (the default
for one file), and a fork server's child (what a batch uses; `--runner fork-server`). It records after each one
what was left behind: processes,
files written outside the scratch dir, connections to listeners the test runs (TCP, UDP, unix sockets), scratch
dirs not removed. A correct submission is graded right after the whole corpus. The tests then assert each file's
specific outcome.

Root skips several limits (RLIMIT_NPROC) and every file permission, so when the tests run as root, grading runs as
an unprivileged user, created if needed (`grader-hostile`). That user can't read under /root (mode 700), so it
gets a world-readable copy of the project and a venv of its own made from the system's Python with the same numpy
(cached under /var/tmp, keyed by the versions). Run as anyone else, the tests grade as that user.
"""
from __future__ import annotations

import ctypes
import fcntl
import importlib.metadata
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import pytest

from conftest import REFERENCE, ROOT, reference_code

pytestmark = pytest.mark.slow

HOSTILE = os.path.join(ROOT, "tests", "hostile")
USER = "grader-hostile"
CANARY_VAR = "GRADER_TEST_CANARY"
CANARY = "canary-" + os.urandom(8).hex()
SYSTEM_PYTHONS = ("/usr/bin/python3.11", "/usr/bin/python3.12", "/usr/bin/python3.13", "/usr/bin/python3")
PLACEHOLDER = "TARGETS = {}"


@dataclass(frozen=True)
class Expect:
    """What grading one hostile file must give: result status, error kind (None: no error), score."""
    status: str
    kind: str | None
    score: float
    with_reference: bool = False  # the test prepends the reference implementation
    timeout: float = 10.0
    args: tuple[str, ...] = ()
    settle_s: float = 0.0  # wait this long after grading before looking for what was left behind


TIMEOUT = 2.0  # for the files that are meant to hit the time limit
EXPECT = {
    "loop_import.py": Expect("error", "timeout", 0, timeout=TIMEOUT),
    "loop_init.py": Expect("error", "timeout", 0, with_reference=True, timeout=TIMEOUT),
    "loop_forward.py": Expect("graded", "timeout", 0, with_reference=True, timeout=TIMEOUT),
    "loop_backward.py": Expect("graded", "timeout", 30, with_reference=True, timeout=TIMEOUT),
    "sleep_forever.py": Expect("error", "timeout", 0, timeout=TIMEOUT),
    "ignore_sigterm.py": Expect("error", "timeout", 0, timeout=TIMEOUT),
    "fork_bomb.py": Expect("error", "timeout", 0, timeout=TIMEOUT),
    "memory_bomb.py": Expect("error", "memory_limit", 0, args=("--memory-mb", "256")),
    "segfault.py": Expect("error", "crashed", 0),
    "deep_recursion.py": Expect("error", "crashed", 0),
    "daemon.py": Expect("graded", None, 100, with_reference=True, settle_s=1.5),
    "steal_files.py": Expect("error", "import_error", 0),
    "write_outside.py": Expect("graded", None, 100, with_reference=True),
    "fake_results.py": Expect("graded", None, 0, with_reference=True),
    "garbage_fds.py": Expect("error", "crashed", 0, with_reference=True),
    "forge_channel.py": Expect("graded", None, 0),
    "net_tcp.py": Expect("graded", None, 100, with_reference=True),
    "net_udp.py": Expect("graded", None, 100, with_reference=True),
    "net_unix.py": Expect("graded", None, 100, with_reference=True),
    "env_dump.py": Expect("graded", None, 100, with_reference=True),
    "proc_snoop.py": Expect("graded", None, 100, with_reference=True),
    "output_flood.py": Expect("graded", None, 100, with_reference=True),
    "monkeypatch_numpy.py": Expect("graded", None, 0, with_reference=True),
    "huge_array.py": Expect("graded", None, 0, with_reference=True),
    "lying_objects.py": Expect("graded", None, 0, with_reference=True),
    "lying_ndarray.py": Expect("graded", None, 45, with_reference=True),
    "gc_scan.py": Expect("graded", None, 0),
    "terminal_escapes.py": Expect("graded", None, 88, with_reference=True),
}


def test_every_hostile_file_has_an_expectation():
    assert sorted(f for f in os.listdir(HOSTILE) if f.endswith(".py")) == sorted(EXPECT)


# ---- where and as whom grading runs ------------------------------------------------------------------------

@dataclass
class Host:
    """How to run the grader as the grading user: `python` with numpy, `root` a project copy it can read,
    `work` a folder it can write; uid/gid None means as ourselves."""
    python: str
    root: str
    work: str
    uid: int | None = None
    gid: int | None = None

    def command(self, *args: str) -> list[str]:
        as_user = [] if self.uid is None else ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
                                                "--init-groups", "--"]
        return as_user + list(args)

    def env(self) -> dict[str, str]:
        return {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": os.path.join(self.work, "home"),
                "TMPDIR": os.path.join(self.work, "tmp"), CANARY_VAR: CANARY}

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(*args), cwd=self.root, env=self.env(), capture_output=True, text=True,
                              timeout=timeout)

    def grade(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return self.run(self.python, "-m", "grader", *args, timeout=timeout)

    def processes(self) -> dict[int, str]:
        """Live processes of the grading user started by this module's grading, pid → command line. Those are
        recognised by the child's command line naming this run's project copy, or by this run's work dir as their
        cwd or in their environment (another test run may grade as the same user at the same time)."""
        uid = os.getuid() if self.uid is None else self.uid
        out = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/status") as f:
                    real_uid = int(next(ln for ln in f if ln.startswith("Uid:")).split()[1])
                if real_uid != uid:
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                ours = self.root in cmd and ("grader.run.child" in cmd or "grader.run.forkserver" in cmd)
                if ours or self._mentions_work(int(entry)):
                    out[int(entry)] = cmd
            except (OSError, StopIteration):
                continue
        return out

    def _mentions_work(self, pid: int) -> bool:
        try:
            if os.readlink(f"/proc/{pid}/cwd").startswith(self.work):
                return True
            with open(f"/proc/{pid}/environ", "rb") as f:
                return self.work.encode() in f.read()
        except OSError:  # not ours to inspect: as ourselves, only our own processes are
            return False


def _ensure_user() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        made = subprocess.run(["useradd", "--system", "--user-group", "--no-create-home", "--home-dir",
                               "/nonexistent", "--shell", "/usr/sbin/nologin", USER], capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"running as root, and could not create the unprivileged user {USER}: {made.stderr.strip()}")
        entry = pwd.getpwnam(USER)
    return entry.pw_uid, entry.pw_gid


def _system_python() -> str:
    for path in SYSTEM_PYTHONS:
        if os.path.exists(path):
            version = subprocess.run([path, "-c", "import sys; print(sys.version_info >= (3, 11))"],
                                     capture_output=True, text=True).stdout.strip()
            if version == "True":
                return path
    pytest.skip("running as root, and no system Python 3.11+ that an unprivileged user could run "
                f"(looked for {', '.join(SYSTEM_PYTHONS)})")


def _user_venv() -> str:
    """A world-readable venv with this venv's numpy, jinja2 and nbformat, made once and kept in /var/tmp."""
    pins = [f"{d}=={importlib.metadata.version(d)}" for d in ("numpy", "jinja2", "nbformat")]
    base = _system_python()
    key = "-".join([os.path.basename(base)] + [p.replace("==", "") for p in pins])
    venv = f"/var/tmp/grader-hostile-venv-{key}"
    python = os.path.join(venv, "bin", "python")
    with open("/var/tmp/grader-hostile-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(python):
            building = tempfile.mkdtemp(prefix="grader-hostile-venv-", dir="/var/tmp")
            os.chmod(building, 0o755)
            steps = [[base, "-m", "venv", building],
                     [os.path.join(building, "bin", "python"), "-m", "pip", "install", "--quiet",
                      "--disable-pip-version-check", *pins]]
            for step in steps:
                done = subprocess.run(step, capture_output=True, text=True, timeout=600)
                if done.returncode != 0:
                    shutil.rmtree(building, ignore_errors=True)
                    pytest.skip(f"could not build a venv for {USER} ({' '.join(step[:4])}...): "
                                f"{done.stderr.strip()[-400:]}")
            os.rename(building, venv)  # bin/python is a symlink and pyvenv.cfg sits next to it: renaming is fine
    return python


def _copy_project(folder: str) -> str:
    root = os.path.join(folder, "project")
    for part in ("grader", "solution", "templates"):
        shutil.copytree(os.path.join(ROOT, part), os.path.join(root, part),
                        ignore=shutil.ignore_patterns("__pycache__"))
    for path, dirs, files in os.walk(folder):
        os.chmod(path, 0o755)
        for name in files:
            os.chmod(os.path.join(path, name), 0o644)
    return root


@pytest.fixture(scope="module")
def host() -> Host:
    base = tempfile.mkdtemp(prefix="grader-hostile-")
    os.chmod(base, 0o755)
    if os.getuid() == 0:
        uid, gid = _ensure_user()
        h = Host(_user_venv(), _copy_project(base), os.path.join(base, "work"), uid, gid)
    else:
        h = Host(sys.executable, ROOT, os.path.join(base, "work"))
    for sub in ("", "home", "tmp", "out", "class", "sockets"):
        os.makedirs(os.path.join(h.work, sub), exist_ok=True)
        if h.uid is not None:
            os.chown(os.path.join(h.work, sub), h.uid, h.gid)
    os.chmod(os.path.join(h.work, "sockets"), 0o777)
    _require_kernel_support(h)
    yield h
    shutil.rmtree(base, ignore_errors=True)


def _require_kernel_support(h: Host) -> None:
    """Skip (with the reason) only where the kernel can't do it; checked independently of grader/run/confine.py."""
    userns = subprocess.run(h.command("unshare", "--user", "--map-root-user", "true"), capture_output=True, text=True)
    if userns.returncode != 0:
        pytest.skip(f"user namespaces are not available to an unprivileged user here: {userns.stderr.strip()}")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(ctypes.c_long(444), None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 4:
        pytest.skip(f"Landlock with TCP rules (ABI 4) is not available here (ABI {abi})")


# ---- listeners the hostile files try to reach ---------------------------------------------------------------

class Listeners:
    """TCP and UDP on 127.0.0.1, a unix socket the grading user may connect to, an abstract unix socket."""

    def __init__(self, folder: str):
        self.tcp = self._bound(socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
        self.udp = self._bound(socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
        self.unix_path = os.path.join(folder, "listener.sock")
        self.unix = self._bound(socket.AF_UNIX, socket.SOCK_STREAM, self.unix_path)
        os.chmod(self.unix_path, 0o777)
        self.abstract_name = "grader-hostile-" + os.urandom(6).hex()
        self.abstract = self._bound(socket.AF_UNIX, socket.SOCK_STREAM, "\0" + self.abstract_name)

    @staticmethod
    def _bound(family, kind, address) -> socket.socket:
        s = socket.socket(family, kind)
        s.bind(address)
        if kind == socket.SOCK_STREAM:
            s.listen(16)
        s.setblocking(False)
        return s

    def targets(self) -> dict:
        return {"tcp": self.tcp.getsockname()[1], "udp": self.udp.getsockname()[1], "unix": self.unix_path,
                "abstract": self.abstract_name}

    def received(self) -> list[str]:
        """What reached us since the last call (connections accepted, datagrams)."""
        got = []
        for name, s in (("tcp", self.tcp), ("unix", self.unix), ("abstract", self.abstract)):
            while True:
                try:
                    conn, _ = s.accept()
                except BlockingIOError:
                    break
                conn.close()
                got.append(f"{name} connection")
        while True:
            try:
                data = self.udp.recv(4096)
            except BlockingIOError:
                break
            got.append(f"udp datagram {data[:20]!r}")
        return got

    def close(self) -> None:
        for s in (self.tcp, self.udp, self.unix, self.abstract):
            s.close()


@pytest.fixture(scope="module")
def listeners(host):
    ls = Listeners(os.path.join(host.work, "sockets"))
    yield ls
    ls.close()


# ---- grading the corpus ---------------------------------------------------------------------------------------

@dataclass
class Outcome:
    result: dict
    html: str
    returncode: int
    cli_stderr: str
    seconds: float
    left_running: dict[int, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    connections: list[str] = field(default_factory=list)
    scratch_left: list[str] = field(default_factory=list)
    result_rewritten: bool = False

    @property
    def text(self) -> str:
        """Everything the grader wrote about this submission."""
        return json.dumps(self.result) + self.html


def _files(folders: list[str]) -> dict[str, tuple[float, int]]:
    """Every file under `folders` (but caches and venvs, which this test process itself may touch) → mtime, size."""
    out = {}
    for folder in folders:
        for path, dirs, names in os.walk(folder):
            dirs[:] = [d for d in dirs if d not in (".venv", ".git", "__pycache__", ".pytest_cache")]
            for name in names:
                full = os.path.join(path, name)
                try:
                    st = os.lstat(full)
                except OSError:
                    continue
                out[full] = (st.st_mtime, st.st_size)
    return out


def _marks() -> list[str]:
    """Marks a hostile file may have left where the test can't snapshot everything (shared system folders)."""
    found = []
    for folder in ("/tmp", "/var/tmp", "/dev/shm"):
        found += [os.path.join(folder, n) for n in os.listdir(folder) if n.startswith("PWNED")]
    return found


def _paths(host: Host) -> dict:
    return {"solution": os.path.join(host.root, "solution", "simple_rnn.py"),
            "classmate": os.path.join(host.work, "class", "classmate_rnn.py"),
            "dirs": [os.path.join(host.work, "class"), os.path.join(host.work, "out"), host.root,
                     os.path.join(host.root, "grader"), os.path.join(host.work, "home"), host.work, "/tmp",
                     "/var/tmp", "/dev/shm"]}


def _targets(host: Host, listeners: Listeners, result_path: str) -> dict:
    """What the hostile files aim at (their `TARGETS = {}` line is replaced with this)."""
    return {**listeners.targets(), **_paths(host), "result": result_path}


def _grade_one(host: Host, listeners: Listeners, name: str, code: str, expect: Expect, runner: str) -> Outcome:
    """Grade `code` saved as `name` next to a classmate's file, and record what was left behind."""
    stem = name.removesuffix(".py")
    json_path, html_path = (os.path.join(host.work, "out", f"{stem}.{ext}") for ext in ("json", "html"))
    code = code.replace(PLACEHOLDER, f"TARGETS = {_targets(host, listeners, json_path)!r}")
    if expect.with_reference:
        code = reference_code() + "\n\n# ---- the hostile part ----\n" + code
    submission = os.path.join(host.work, "class", name)
    with open(submission, "w") as f:
        f.write(code)
    os.chmod(submission, 0o644)
    watched = [host.work, host.root]
    before = _files(watched)
    start = time.monotonic()
    done = host.grade(submission, "--runner", runner, "--json", json_path, "--html", html_path, "--quiet",
                      "--timeout", str(expect.timeout), *expect.args)
    seconds = time.monotonic() - start
    left = host.processes()
    with open(json_path) as f:
        written_json = f.read()
    time.sleep(expect.settle_s)
    left.update(host.processes())
    for pid in left:  # don't let one failure spoil the rest of the corpus
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    after = _files(watched)
    with open(json_path) as f:
        final_json = f.read()
    with open(html_path) as f:
        html = f.read()
    changed = sorted(p for p in after if before.get(p) != after[p] and p not in (submission, json_path, html_path))
    return Outcome(json.loads(final_json), html, done.returncode, done.stderr, seconds, left,
                   changed + _marks(), listeners.received(), os.listdir(os.path.join(host.work, "tmp")),
                   final_json != written_json)


@pytest.fixture(scope="module", params=["fresh", "fork-server"])
def corpus(request, host, listeners) -> dict[str, Outcome]:
    """Every hostile file graded in a row with one runner, then the reference ("after"): name → Outcome."""
    classmate = os.path.join(host.work, "class", "classmate_rnn.py")
    shutil.copy(REFERENCE, classmate)
    os.chmod(classmate, 0o644)
    outcomes = {}
    for name, expect in sorted(EXPECT.items()):
        with open(os.path.join(HOSTILE, name)) as f:
            outcomes[name] = _grade_one(host, listeners, name, f.read(), expect, request.param)
    outcomes["after"] = _grade_one(host, listeners, "after_corpus.py", reference_code(), Expect("graded", None, 100),
                                   request.param)
    return outcomes


# ---- the outcome of each file -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPECT))
def test_hostile_file_gets_its_grade_and_leaves_nothing_behind(corpus, name):
    o, expect = corpus[name], EXPECT[name]
    r = o.result
    assert o.returncode == 0, o.cli_stderr
    assert (r["status"], (r["error"] or {}).get("kind"), r["score"]) == (expect.status, expect.kind, expect.score)
    assert o.left_running == {}, "processes outlived grading"
    assert o.written == [], "files were written outside the scratch dir"
    assert o.connections == [], "the listeners were reached"
    assert o.scratch_left == [], "the scratch dir was not removed"
    assert not o.result_rewritten
    assert CANARY not in o.text
    assert r["sandbox"]["isolated"] is True, r["sandbox"]["missing"]


def test_correct_submission_graded_right_after_the_corpus_gets_full_marks(corpus):
    o = corpus["after"]
    assert (o.result["status"], o.result["score"], o.result["error"]) == ("graded", 100, None)
    assert o.left_running == {} and o.written == [] and o.connections == [] and o.scratch_left == []
    assert o.result["warnings"] == []


def _message(o: Outcome) -> str:
    return o.result["error"]["message"]


def test_timeouts_say_where_they_happened(corpus):
    assert "while loading the submission" in _message(corpus["loop_import.py"])
    assert "while running the checks" in _message(corpus["loop_forward.py"])
    for name in ("loop_import.py", "sleep_forever.py", "ignore_sigterm.py", "fork_bomb.py"):
        assert f"{TIMEOUT:g} s time limit" in _message(corpus[name])


def test_a_backward_that_never_returns_keeps_the_forward_marks(corpus):
    checks = corpus["loop_backward.py"].result["checks"]
    assert all(c["status"] == "pass" for c in checks if c["group"] == "forward")
    assert all(c["status"] != "pass" for c in checks if c["group"] in ("backward", "training", "official"))


def test_crashes_name_the_signal(corpus):
    for name in ("segfault.py", "deep_recursion.py"):
        assert "SIGSEGV" in _message(corpus[name])


def test_memory_bomb_is_reported_as_memory(corpus):
    assert "ran out of memory" in _message(corpus["memory_bomb.py"])


def test_reading_the_reference_or_a_classmate_is_refused(host, corpus):
    o = corpus["steal_files.py"]
    assert "PermissionError" in _message(o) and "STOLEN" not in o.result["stdout"]
    # The same reads succeed as the same user outside the sandbox: the refusal is the sandbox's doing.
    for path in (_paths(host)["solution"], _paths(host)["classmate"]):
        assert host.run("cat", path).returncode == 0


def test_writes_outside_the_scratch_dir_are_refused(host, corpus):
    lines = corpus["write_outside.py"].result["stdout"].splitlines()
    wrote = [ln for ln in lines if ln.startswith("wrote ")]
    refused = [ln for ln in lines if ln.startswith("refused ")]
    assert wrote and all("/grader-scratch-" in ln for ln in wrote)  # its cwd and $HOME: the scratch dir
    assert len(refused) == len(_paths(host)["dirs"]) and all("PermissionError" in ln for ln in refused)


def test_daemon_dies_with_the_submission(corpus):
    o = corpus["daemon.py"]
    assert o.result["score"] == 100 and not o.result_rewritten and o.left_running == {}


def test_fake_results_are_captured_not_believed(corpus):
    o = corpus["fake_results.py"]
    assert '"score": 100' in o.result["stdout"] and '"score": 100' in o.result["stderr"]
    assert [d["id"] for d in o.result["diagnoses"]] == ["not_implemented"]


def test_garbage_on_every_fd_is_a_crash_not_a_grade(corpus):
    assert "not a grader message" in _message(corpus["garbage_fds.py"])


def test_a_forged_channel_can_only_carry_wrong_values(corpus):
    checks = corpus["forge_channel.py"].result["checks"]
    assert not any(c["status"] == "pass" and c["max_points"] > 0 for c in checks)


@pytest.mark.parametrize("name", ["net_tcp.py", "net_udp.py", "net_unix.py"])
def test_no_network(corpus, name):
    out = corpus[name].result["stdout"]
    assert "refused: PermissionError" in out and "NET connected" not in out and "NET sent" not in out


def test_the_listeners_are_reachable_without_the_sandbox(host, listeners):
    """The positive control: as the same user, outside the grader, every listener can be reached."""
    t = listeners.targets()
    code = (f"import socket\n"
            f"socket.create_connection(('127.0.0.1', {t['tcp']})).close()\n"
            f"socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('127.0.0.1', {t['udp']}))\n"
            f"for a in ({t['unix']!r}, '\\0' + {t['abstract']!r}):\n"
            f"    s = socket.socket(socket.AF_UNIX); s.connect(a); s.close()\n")
    done = host.run(host.python, "-c", code)
    assert done.returncode == 0, done.stderr
    time.sleep(0.1)
    assert sorted(listeners.received()) == ["abstract connection", "tcp connection", "udp datagram b'x'",
                                            "unix connection"]


def test_a_process_left_behind_would_be_seen(host):
    """The positive control of "nothing left running": a process of the grading user in the work dir is found."""
    stray = subprocess.Popen(host.command("sleep", "30"), cwd=os.path.join(host.work, "tmp"), env=host.env())
    try:
        time.sleep(0.2)
        assert any(cmd.startswith("sleep") for cmd in host.processes().values())
    finally:
        stray.kill()
        stray.wait()


def test_environment_is_minimal(corpus):
    env = dict(line[4:].split("=", 1) for line in corpus["env_dump.py"].result["stdout"].splitlines()
               if line.startswith("ENV "))
    assert CANARY_VAR not in env
    assert set(env) <= {"PATH", "LANG", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "OPENBLAS_NUM_THREADS",
                        "OMP_NUM_THREADS", "MKL_NUM_THREADS", "HOME", "TMPDIR", "OPENBLAS_CORETYPE",
                        "OPENBLAS_L2_SIZE", "LC_CTYPE"}
    assert "/grader-scratch-" in env["HOME"]


def test_no_other_process_can_be_read(corpus):
    out = corpus["proc_snoop.py"].result["stdout"]
    assert "SNOOP" in out and "LEAK" not in out


def test_output_flood_is_cut_and_full_marks_stand(corpus):
    r = corpus["output_flood.py"].result
    for stream in ("stdout", "stderr"):
        assert "[... output cut:" in r[stream] and len(r[stream]) < 70_000


def test_nothing_to_find_in_the_childs_memory(corpus):
    assert "STOLEN: nothing" in corpus["gc_scan.py"].result["stdout"]


def test_huge_values_are_described_not_sent(corpus):
    messages = " ".join(c["message"] for c in corpus["huge_array.py"].result["checks"])
    assert "too big to send" in messages


def test_lying_objects_are_named_not_trusted(corpus):
    checks = {c["id"]: c for c in corpus["lying_objects.py"].result["checks"]}
    assert "Liar" in checks["forward/basic"]["message"] and "Liar" in checks["backward/W_xh"]["message"]
    outputs = [c for c in corpus["lying_ndarray.py"].result["checks"]
               if c["group"] in ("forward", "official") or c["id"] == "training/outputs"]
    assert outputs and all(c["status"] == "fail" for c in outputs)


def test_sandbox_report_is_complete(corpus):
    sb = corpus["after"].result["sandbox"]
    assert set(sb["namespaces"]) == {"user", "pid", "net", "mount", "ipc", "uts"}
    assert sb["landlock"] is True and sb["landlock_tcp"] is True and "socket" in sb["seccomp"]
    assert sb["missing"] == [] and sb["limits"]["timeout_s"] == 10
    assert "Sandbox" in corpus["after"].html


# ---- without namespaces, and --require-isolation ---------------------------------------------------------------

NAMESPACE_KINDS = ("user", "pid", "net", "mnt", "ipc", "uts", "cgroup", "time")


def _grade_without_namespaces(host: Host, *args: str) -> subprocess.CompletedProcess:
    """Grade inside a user namespace whose limits forbid creating any namespace: how a machine with user
    namespaces blocked looks to the grader."""
    block = "; ".join(f"echo 0 > /proc/sys/user/max_{k}_namespaces" for k in NAMESPACE_KINDS)
    script = f'{block}; exec "$@"'
    return host.run("unshare", "--user", "--map-root-user", "sh", "-c", script, "sh", host.python, "-m", "grader",
                    *args)


@pytest.fixture(scope="module")
def daemon_file(host, listeners) -> str:
    path = os.path.join(host.work, "class", "daemon_fallback.py")
    with open(os.path.join(HOSTILE, "daemon.py")) as f:
        code = f.read().replace(PLACEHOLDER, f"TARGETS = {_targets(host, listeners, path + '.json')!r}")
    with open(path, "w") as f:
        f.write(reference_code() + "\n\n" + code)
    os.chmod(path, 0o644)
    return path


def test_without_namespaces_grading_goes_on_with_one_warning(host, daemon_file):
    done = _grade_without_namespaces(host, daemon_file, "--json", daemon_file + ".json", "--quiet")
    assert done.returncode == 0, done.stderr
    with open(daemon_file + ".json") as f:
        r = json.load(f)
    assert (r["status"], r["score"]) == ("graded", 100)
    assert len(r["warnings"]) == 1 and "missing namespaces: user, pid, net, mount" in r["warnings"][0]
    assert r["sandbox"]["isolated"] is False and r["sandbox"]["landlock"] is True
    # No PID namespace to take the daemon down: the supervisor, a subreaper, killed it.
    time.sleep(1.0)
    assert host.processes() == {}


def test_require_isolation_refuses_without_namespaces(host, daemon_file):
    out = os.path.join(host.work, "out", "refused.json")
    done = _grade_without_namespaces(host, daemon_file, "--require-isolation", "--json", out)
    assert done.returncode == 2
    assert "isolation is required" in done.stderr and "missing: namespaces" in done.stderr
    assert not os.path.exists(out)


def test_require_isolation_grades_when_confined(host, daemon_file):
    done = host.grade(daemon_file, "--require-isolation", "--json", "-", "--quiet")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["score"] == 100
