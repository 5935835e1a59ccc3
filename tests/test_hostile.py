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

import csv
import ctypes
import fcntl
import importlib.metadata
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

import pytest

from conftest import REFERENCE, ROOT, reference_code, run_cli

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
    "terminal_escapes.py": Expect("graded", None, 89, with_reference=True),
    "readback_huge.py": Expect("graded", None, 30, with_reference=True),
    "readback_float16.py": Expect("graded", None, 30, with_reference=True),
    "hidden_leak.py": Expect("graded", None, 100, with_reference=True),
    "spawn_processes.py": Expect("graded", None, 100, with_reference=True, args=("--memory-mb", "256")),
    "new_namespaces.py": Expect("graded", None, 100, with_reference=True),
    "sleep_then_correct.py": Expect("graded", None, 100, with_reference=True, timeout=TIMEOUT),
    "cpu_hog_threads.py": Expect("error", "timeout", 0, timeout=TIMEOUT),
    "channel_huge_line.py": Expect("error", "crashed", 0, with_reference=True),
    "channel_deep_nesting.py": Expect("error", "crashed", 0, with_reference=True),
    "channel_bad_number.py": Expect("error", "crashed", 0),
    "long_class_name.py": Expect("graded", None, 45, with_reference=True),
    "overflow_outputs.py": Expect("graded", None, 45, with_reference=True),
    "fill_scratch.py": Expect("graded", None, 100, with_reference=True, timeout=30),
    "root_identity.py": Expect("graded", None, 100, with_reference=True),
}
# The runners the corpus goes through. The last one only as root: root, the way Gradescope and containers run the
# grader, with namespaces really unavailable (tests/no_userns.py, as Docker's default seccomp profile does).
RUNNERS = ("fresh", "fork-server", "root-no-namespaces")
NO_USERNS = os.path.join(ROOT, "tests", "no_userns.py")
# What is missing there, and nothing else.
NO_NAMESPACES_MISSING = ["namespaces: pid, net, mount (pid: Operation not permitted)",
                         "a bounded scratch dir (no mount namespace: only each file's size is limited)"]
SANDBOX_USER = "65534:65534"


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
    prefix: tuple[str, ...] = ()   # a launcher the grader runs under (tests/no_userns.py)
    also_uids: tuple[int, ...] = ()  # whom else its processes may run as (the sandbox's user, as root)

    def command(self, *args: str) -> list[str]:
        as_user = [] if self.uid is None else ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
                                                "--init-groups", "--"]
        return as_user + list(self.prefix) + list(args)

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
        uids = {os.getuid() if self.uid is None else self.uid, *self.also_uids}
        out = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == os.getpid():
                continue
            try:
                with open(f"/proc/{entry}/status") as f:
                    real_uid = int(next(ln for ln in f if ln.startswith("Uid:")).split()[1])
                if real_uid not in uids:
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                ours = self.root in cmd and ("grader.run.child" in cmd or "grader.run.serving" in cmd)
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
    for part in ("grader", "solution", "starter", "templates"):
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


def root_host(host: Host) -> Host:
    """The same project copy and venv, run as root under tests/no_userns.py: no namespace can be created."""
    if os.getuid() != 0:
        pytest.skip("the root variant needs root")
    return Host(host.python, host.root, host.work, prefix=(host.python, NO_USERNS),
                also_uids=(int(SANDBOX_USER.split(":")[0]),))


class Corpus:
    """Every hostile file graded in a row with one runner, in name order, then the reference ("after"): name →
    Outcome, and "runner". Each file is graded when a test first asks for it (the tests ask in that same order), so
    that each test's time limit covers its own file's grading, not the whole corpus's."""

    def __init__(self, host: Host, listeners: Listeners, runner: str):
        self.host, self.listeners, self.runner = host, listeners, runner
        self.cli_runner = "fresh" if runner == "root-no-namespaces" else runner  # Gradescope's: a fresh child
        self.outcomes: dict[str, Outcome] = {}

    def __getitem__(self, name: str):
        if name == "runner":
            return self.runner
        for todo in sorted(EXPECT) + ["after"]:  # everything before `name`, in order, is graded first
            if todo not in self.outcomes:
                self.outcomes[todo] = self._grade(todo)
            if todo == name:
                return self.outcomes[name]
        raise KeyError(name)

    def _grade(self, name: str) -> Outcome:
        if name == "after":
            return _grade_one(self.host, self.listeners, "after_corpus.py", reference_code(),
                              Expect("graded", None, 100), self.cli_runner)
        with open(os.path.join(HOSTILE, name)) as f:
            return _grade_one(self.host, self.listeners, name, f.read(), EXPECT[name], self.cli_runner)


@pytest.fixture(scope="module", params=RUNNERS)
def corpus(request, host, listeners) -> Corpus:
    grading = root_host(host) if request.param == "root-no-namespaces" else host
    classmate = os.path.join(host.work, "class", "classmate_rnn.py")
    shutil.copy(REFERENCE, classmate)
    os.chmod(classmate, 0o644)
    return Corpus(grading, listeners, request.param)


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
    _assert_confined(corpus, r)


def _assert_confined(corpus, r: dict) -> None:
    """Fully confined; as root without namespaces, all but the namespaces (and the scratch dir's bound)."""
    if corpus["runner"] == "root-no-namespaces":
        assert r["sandbox"]["missing"] == NO_NAMESPACES_MISSING and r["sandbox"]["user"] == SANDBOX_USER
        assert r["sandbox"]["landlock"] is True and r["sandbox"]["capabilities"] == "none"
    else:
        assert r["sandbox"]["isolated"] is True, r["sandbox"]["missing"]


def test_correct_submission_graded_right_after_the_corpus_gets_full_marks(corpus):
    o = corpus["after"]
    assert (o.result["status"], o.result["score"], o.result["error"]) == ("graded", 100, None)
    assert o.left_running == {} and o.written == [] and o.connections == [] and o.scratch_left == []
    isolation = [w for w in o.result["warnings"] if "incomplete confinement" in w]
    assert o.result["warnings"] == isolation and len(isolation) == (corpus["runner"] == "root-no-namespaces")


def _message(o: Outcome) -> str:
    return o.result["error"]["message"]


def test_timeouts_say_where_they_happened(corpus):
    assert "while loading the submission" in _message(corpus["loop_import.py"])
    assert "while running the checks" in _message(corpus["loop_forward.py"])
    for name in ("loop_import.py", "sleep_forever.py", "ignore_sigterm.py", "fork_bomb.py"):
        assert f"{TIMEOUT:g} s time limit" in _message(corpus[name])


def test_the_time_limit_is_cpu_time_with_a_wall_clock_backstop(corpus):
    # Spinning (a fork bomb is one spinning process now: no fork succeeds), however many threads: the CPU time,
    # unless the machine is so busy that the submission got less than a third of a core (then the backstop; which
    # one is a matter of load, not of the submission), and the message says which.
    for name in ("loop_import.py", "ignore_sigterm.py", "fork_bomb.py", "cpu_hog_threads.py"):
        message = _message(corpus[name])
        assert "(CPU time:" in message or f"wall-clock backstop ({3 * TIMEOUT:g} s" in message, name
    # Sleeping: the wall clock, at three times the limit; a submission that waits 3 s within it is graded.
    assert f"wall-clock backstop ({3 * TIMEOUT:g} s" in _message(corpus["sleep_forever.py"])
    assert corpus["sleep_then_correct.py"].result["score"] == 100


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
    # It can't even start: its fork raised at import, after SimpleRNN was defined.
    assert any("PermissionError" in w and "Operation not permitted" in w for w in o.result["warnings"])


# ---- the weaknesses of issue 10 --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["readback_huge.py", "readback_float16.py"])
def test_a_read_back_that_is_not_what_was_injected_fails_the_update_checks(corpus, name):
    checks = {c["id"]: c for c in corpus[name].result["checks"]}
    assert all(c["status"] == "pass" for c in checks.values() if c["group"] == "forward")
    updates = [c for c in checks.values() if c["group"] in ("backward", "training") and c["id"] != "training/outputs"]
    assert updates and all(c["status"] == "fail" and "read back right after the grader set it, is not what was set"
                           in c["message"] for c in updates)
    assert sum(c["points"] for c in checks.values() if c["group"] in ("backward", "training")) == 0


def test_no_process_can_be_started_but_threads_can(host, corpus):
    out = corpus["spawn_processes.py"].result["stdout"]
    spawned = [ln for ln in out.splitlines() if ln.startswith("SPAWN ") and ":" in ln]
    assert len(spawned) >= 4 and all("refused" in ln for ln in spawned), out
    assert "SPAWN 0 processes held 0 MB together" in out and "THREADS ran 4 of 4" in out
    # The positive control: the same code, as the same user, outside the sandbox, starts them all.
    done = _run_standalone(host, "spawn_processes.py")
    assert "SPAWN 4 processes held 800 MB together" in done.stdout or platform_without_raw_fork(done.stdout)


def platform_without_raw_fork(out: str) -> bool:
    """aarch64 has no fork system call: two os.fork and one raw clone there."""
    return "SPAWN 3 processes held 600 MB together" in out


def test_no_namespace_can_be_created(host, corpus):
    out = corpus["new_namespaces.py"].result["stdout"]
    tried = [ln for ln in out.splitlines() if ln.startswith("NAMESPACE ")]
    assert len(tried) == 6 and all("refused" in ln for ln in tried), out
    # The positive control: outside the sandbox, as the same user, a new user namespace can be made by clone(3).
    done = _run_standalone(host, "new_namespaces.py")
    assert "NAMESPACE clone CLONE_NEWUSER: created" in done.stdout, done.stdout + done.stderr


def _run_standalone(host: Host, name: str) -> subprocess.CompletedProcess:
    path = os.path.join(host.work, "class", "standalone_" + name)
    with open(os.path.join(HOSTILE, name)) as f:
        code = reference_code() + "\n\n" + f.read()
    with open(path, "w") as f:
        f.write(code)
    os.chmod(path, 0o644)
    return host.run(host.python, path)


def test_what_the_channel_carries_is_bounded_before_it_is_decoded(corpus):
    assert "results line longer than any grader message" in _message(corpus["channel_huge_line.py"])
    assert "not a grader message" in _message(corpus["channel_deep_nesting.py"])
    assert "something other than the grader wrote to its results channel" in _message(corpus["channel_bad_number.py"])


def test_a_thirty_million_character_name_arrives_cut(corpus):
    o = corpus["long_class_name.py"]
    forward = next(c for c in o.result["checks"] if c["id"] == "forward/basic")
    assert "forward returned a NNNNNNNN" in forward["message"] and "NNN..." in forward["message"]
    assert len(json.dumps(o.result)) < 1_000_000 and len(o.html) < 1_000_000


def test_an_overflowing_loss_is_written_as_null_with_a_note(corpus):
    o = corpus["overflow_outputs.py"]
    assert o.result["analysis"]["training"]["training/basic"]["learner"] == [None] * 20
    assert any("not finite" in w and "analysis.training" in w for w in o.result["warnings"])
    assert "Your updates, parameter by parameter" in o.html


def test_the_scratch_dir_is_bounded_and_removed_whatever_its_permissions(corpus):
    o = corpus["fill_scratch.py"]
    filled = re.search(r"FILLED (\d+) bytes, (\d+) files", o.result["stdout"])
    written, files = int(filled[1]), int(filled[2])
    if corpus["runner"] == "root-no-namespaces":  # no mount namespace: only each file's size is bounded
        assert written == 1 << 30 and files == 100_000
    else:
        assert written <= 64 << 20 and files < 4096 and "No space left on device" in o.result["stdout"]
    assert o.scratch_left == [] and not any("could not be removed" in w for w in o.result["warnings"])


def test_whom_the_learners_code_runs_as(host, corpus):
    out = corpus["root_identity.py"].result["stdout"]
    uid = SANDBOX_USER.split(":")[0] if corpus["runner"] == "root-no-namespaces" else str(host.uid or os.getuid())
    assert f"IDENTITY uid=({uid}, {uid}, {uid})" in out and "IDENTITY setuid(0): refused" in out
    if corpus["runner"] == "root-no-namespaces":
        assert "groups=[]" in out


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
                        "OPENBLAS_L2_SIZE", "NPY_DISABLE_CPU_FEATURES", "LC_CTYPE"}
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
    if corpus["runner"] == "root-no-namespaces":
        assert sb["namespaces"] == [] and sb["root"] is True and sb["missing"] == NO_NAMESPACES_MISSING
        return
    assert set(sb["namespaces"]) == {"user", "pid", "net", "mount", "ipc", "uts"}
    assert sb["landlock"] is True and sb["landlock_tcp"] is True and "socket" in sb["seccomp"]
    assert sb["scratch"] == {"tmpfs_bytes": 64 << 20, "tmpfs_inodes": 4096}
    assert "fork" in sb["seccomp"] and "clone3" in sb["seccomp"] and "clone (but for a thread)" in sb["seccomp"]
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
    isolation, fork = r["warnings"]  # one warning about the confinement; the other: the daemon's fork refused
    assert "missing namespaces: user, pid, net, mount" in isolation and "Operation not permitted" in fork
    assert r["sandbox"]["isolated"] is False and r["sandbox"]["landlock"] is True
    # No PID namespace to take a daemon down, and none could start: seccomp refuses every new process (and the
    # supervisor, a subreaper, would kill one re-parented to it).
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


def test_without_namespaces_a_locked_scratch_dir_is_still_removed(host, listeners):
    """No namespace at all (tests/no_userns.py; inside a user namespace the grader would be its root, which needs no
    permissions to remove anything), so no tmpfs: the scratch dir is a plain folder that the submission fills and
    locks (chmod 000); as an ordinary user, the grader gives its folders back their permissions and removes it."""
    path = os.path.join(host.work, "class", "fill_scratch_fallback.py")
    with open(os.path.join(HOSTILE, "fill_scratch.py")) as f:
        code = reference_code() + "\n\n" + f.read()
    with open(path, "w") as f:
        f.write(code)
    os.chmod(path, 0o644)
    done = host.run(host.python, NO_USERNS, host.python, "-m", "grader", path, "--json", path + ".json", "--quiet",
                    "--timeout", "30")
    assert done.returncode == 0, done.stderr
    with open(path + ".json") as f:
        r = json.load(f)
    assert r["score"] == 100 and "FILLED 1073741824 bytes, 100000 files" in r["stdout"]
    assert "a bounded scratch dir (no mount namespace: only each file's size is limited)" in r["sandbox"]["missing"]
    assert os.listdir(os.path.join(host.work, "tmp")) == [] and not any("could not be removed" in w
                                                                        for w in r["warnings"])


# ---- hidden cases, a batch, a notebook, root ---------------------------------------------------------------------

HIDDEN_TOML = '[hidden]\nseed = "not for learners"\nforward = 3\nbackward = 3\npoints = 10\n'


def _hidden_inputs() -> dict[str, list[str]]:
    """Per hidden case, its inputs as hidden_leak.py writes them (repr of the first entry of W_xh and of x)."""
    from grader.judge.plan import hidden_cases

    probes, _ = hidden_cases("not for learners", forward=3, backward=3, points=10)
    return {p.name: [repr(float(p.meta["params"]["W_xh"].flat[0])),
                     repr(float((p.meta.get("xs") or [p.meta.get("x")])[0].flat[0]))] for p in probes}


def test_hidden_inputs_reach_no_learner_visible_file(host):
    """hidden_leak.py finds the hidden cases' inputs in its process and writes them everywhere it can. Graded in a
    class with hidden cases, Gradescope's format and JUnit, none of them is in anything a learner sees; the
    instructor's view shows what it wrote (so the attack did find them, and this test can fail)."""
    folder = os.path.join(host.work, "hidden-class")
    os.makedirs(os.path.join(folder, "class"))
    with open(os.path.join(HOSTILE, "hidden_leak.py")) as f:
        code = reference_code() + "\n\n" + f.read()
    for name, text in (("class/mallory.py", code), ("class/honest.py", reference_code()), ("course.toml", HIDDEN_TOML)):
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)
    subprocess.run(["chmod", "-R", "a+rwX", folder], check=True)
    out = os.path.join(folder, "out")
    done = host.grade(os.path.join(folder, "class"), "--out", out, "--config", os.path.join(folder, "course.toml"),
                      "--format", "gradescope", "--junit", os.path.join(out, "junit.xml"), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    inputs = _hidden_inputs()

    def leaked(path: str) -> list[str]:
        with open(os.path.join(out, path)) as f:
            text = f.read()
        return [case for case, values in inputs.items() if any(v in text for v in values)]

    for path in ("mallory/report.html", "mallory/results.json", "junit.xml"):
        assert leaked(path) == [], path
    assert sorted(leaked("mallory/result.json")) == sorted(leaked("mallory/instructor.html")) == sorted(inputs)
    with open(os.path.join(out, "mallory", "result.json")) as f:
        r = json.load(f)
    assert "HIDDEN hidden/" in r["hidden_run"]["stdout"] and "LEAK hidden/" in r["hidden_run"]["stderr"]
    assert "HIDDEN none found" in r["stdout"] and r["stderr"] == ""
    # The public cases never held a hidden input: the public forward call that would have raised with them passed.
    assert all(c["status"] == "pass" for c in r["checks"] if not c["hidden"] and c["max_points"])
    with open(os.path.join(out, "honest", "result.json")) as f:
        honest = json.load(f)
    assert (honest["score"], honest["max_score"], honest["hidden_run"]["ran"]) == (110, 110, True)


def test_a_cpu_hog_in_the_class_times_out_alone(host):
    """Beside a submission that burns every core from several threads, the honest ones keep full marks: each
    time limit is the submission's own CPU time."""
    folder = os.path.join(host.work, "hog-class")
    os.makedirs(folder)
    with open(os.path.join(HOSTILE, "cpu_hog_threads.py")) as f:
        files = {"hog.py": f.read(), **{f"honest{k}.py": reference_code() for k in range(3)}}
    for name, text in files.items():
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)
    subprocess.run(["chmod", "-R", "a+rwX", folder], check=True)
    out = os.path.join(host.work, "hog-out")
    done = host.grade(folder, "--out", out, "--jobs", "2", "--timeout", str(TIMEOUT))
    assert done.returncode == 0, done.stderr
    with open(os.path.join(out, "grades.csv")) as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == ["hog", "honest0", "honest1", "honest2"]
    assert (rows["hog"]["status"], rows["hog"]["error_kind"]) == ("error", "timeout")
    assert [rows[f"honest{k}"]["score"] for k in range(3)] == ["100"] * 3
    assert host.processes() == {}


def _deep_notebook(path: str) -> None:
    with open(path, "w") as f:
        f.write('{"cells": ' + "[" * 20_000 + "]" * 20_000 + "}")


def test_a_notebook_nested_too_deeply_is_a_bad_file_on_every_path(tmp_path):
    """The fast start-up path (default settings, the plan cache filled by the first run), the ordinary one
    (a fork server), and a class: each says bad_file, never a traceback or internal."""
    path = tmp_path / "deep.ipynb"
    _deep_notebook(str(path))
    for args in ((), (), ("--runner", "fork-server")):
        done = run_cli(str(path), "--json", "-", "--quiet", *args)
        assert done.returncode == 0, done.stderr
        r = json.loads(done.stdout)
        assert (r["status"], r["error"]["kind"]) == ("error", "bad_file")
        assert "nested too deeply to read" in r["error"]["message"]
    (tmp_path / "class").mkdir()
    _deep_notebook(str(tmp_path / "class" / "alice.ipynb"))
    done = run_cli(str(tmp_path / "class"), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    with open(tmp_path / "out" / "alice" / "result.json") as f:
        assert json.load(f)["error"]["kind"] == "bad_file"


def test_as_root_with_namespaces_learner_code_runs_as_an_unprivileged_user(tmp_path):
    """Root, where namespaces can be made: they are, without a user namespace, and the learner's code runs as
    the sandbox's user all the same (root_identity.py), fully confined."""
    if os.getuid() != 0:
        pytest.skip("needs root")
    path = tmp_path / "root_identity.py"
    with open(os.path.join(HOSTILE, "root_identity.py")) as f:
        path.write_text(reference_code() + "\n\n" + f.read())
    for runner in RUNNERS[:2]:
        done = run_cli(str(path), "--json", "-", "--quiet", "--runner", runner)
        r = json.loads(done.stdout)
        uid = SANDBOX_USER.split(":")[0]
        assert r["score"] == 100 and f"IDENTITY uid=({uid}, {uid}, {uid})" in r["stdout"]
        assert "groups=[]" in r["stdout"] and "IDENTITY setuid(0): refused" in r["stdout"]
        assert r["sandbox"]["user"] == SANDBOX_USER and r["sandbox"]["isolated"] is True, r["sandbox"]["missing"]
        assert set(r["sandbox"]["namespaces"]) == {"pid", "net", "mount", "ipc", "uts"}
