"""The README's scale-out path run on a real scheduler: a single-node Slurm cluster (Debian's slurm-wlm and munge,
configured and started here, as root, with no cgroup plugin), the README's array job and merge taken from its code
blocks as they are (so the docs can't drift from what runs), submitted with sbatch; the merged gradebook, summary
and Canvas import must equal those of a single run over the same class of three dozen.

Skipped, with the reason, where the cluster can't be started: not root, or the packages missing (.ci/run installs
them)."""
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import zipfile

import pytest

from conftest import ROOT, STARTER, SUBMISSIONS, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

PROGRAMS = ("munged", "munge", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel")
SEARCH_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin"
STUDENTS = 36
WAIT_S = 900


def readme_blocks():
    """The README's Slurm job script and the commands that submit it and the merge, as the README shows them."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text[text.index("A Slurm array job"):text.index("A Kubernetes Indexed Job")]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    job = [b for b in blocks if "#SBATCH --array" in b]
    submit = [b for b in blocks if "sbatch --parsable" in b]
    assert len(job) == 1 and len(submit) == 1, "the README's Slurm section lost its two code blocks"
    return job[0], submit[0]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what, ready, timeout, logs):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.5)
    pytest.fail(f"{what} did not come up in {timeout} s\n" + "\n".join(
        f"--- {log}:\n{open(log).read()[-3000:]}" for log in logs if os.path.exists(log)))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A Slurm controller and one node (this machine, 8 CPUs as configured), and their munge daemon, in a folder
    of their own. Yields the environment that reaches them; stops them all afterwards."""
    if os.geteuid() != 0:
        pytest.skip("starting munged, slurmctld and slurmd here takes root")
    missing = [p for p in PROGRAMS if not shutil.which(p, path=SEARCH_PATH)]
    if missing:
        pytest.skip(f"Debian's slurm-wlm and munge are not installed (no {', '.join(missing)}); .ci/run installs them")
    home = tmp_path_factory.mktemp("slurm")
    os.chmod(home, 0o755)  # munged wants every folder above its socket to be searchable
    for sub in ("munge", "state", "spool"):
        os.makedirs(home / sub)
    key = home / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    os.chmod(key, 0o400)
    host = socket.gethostname().split(".")[0]
    conf = home / "slurm.conf"
    conf.write_text(f"""\
ClusterName=gradertest
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={home}/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation={home}/state
SlurmdSpoolDir={home}/spool
SlurmctldPidFile={home}/slurmctld.pid
SlurmdPidFile={home}/slurmd.pid
SlurmctldLogFile={home}/slurmctld.log
SlurmdLogFile={home}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
NodeName={host} NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN
PartitionName=grading Nodes={host} Default=YES MaxTime=INFINITE State=UP
""")
    env = {**os.environ, "SLURM_CONF": str(conf), "PATH": SEARCH_PATH}
    logs = [str(home / n) for n in ("munged.log", "slurmctld.log", "slurmd.log", "daemons.out")]
    daemons = []
    out = open(home / "daemons.out", "w")

    def start(*cmd):
        daemons.append(subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
    try:
        start("munged", "-F", "-f", f"--key-file={key}", f"--socket={home}/munge/munge.socket",
              f"--pid-file={home}/munge/munged.pid", f"--log-file={home}/munged.log", f"--seed-file={home}/munge/seed")
        _wait("munged", lambda: os.path.exists(home / "munge" / "munge.socket"), 30, logs)
        start("slurmctld", "-D", "-i", "-f", str(conf))
        start("slurmd", "-D", "-f", str(conf), "-N", host)
        _wait("the node", lambda: subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True,
                                                 text=True).stdout.strip() == "idle", 90, logs)
        yield env, logs
    finally:
        subprocess.run(["scancel", "--full", "--user=root"], env=env, capture_output=True)
        for proc in reversed(daemons):  # slurmd, slurmctld, then munged
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        out.close()


def _class_zip(path):
    """Three dozen Canvas-named submissions: every correct and wrong implementation of the test corpus there is
    room for, the starter, a syntax error and a PDF."""
    corpus = sorted(os.path.join(here, n) for here, _, names in os.walk(SUBMISSIONS) for n in names
                    if n.endswith(".py"))[:STUDENTS - 3]
    texts = [open(p, encoding="utf-8").read() for p in corpus] + [open(STARTER).read(), "def broken(:\n"]
    with zipfile.ZipFile(path, "w") as z:
        for i, text in enumerate(texts):
            z.writestr(f"student{i:02d}_{10000 + i}_{20000 + i}_simple_rnn.py", text)
        z.writestr(f"student99_{10099}_{20099}_essay.pdf", "%PDF-1.4")
    return len(texts) + 1


def test_the_readme_array_job_and_merge_equal_one_run(cluster, tmp_path):
    env, logs = cluster
    job_script, submit = readme_blocks()
    work = tmp_path / "course"
    work.mkdir()
    n = _class_zip(work / "class.zip")
    (work / "course.toml").write_text('[lms]\nformat = "canvas"\nassignment = "SimpleRNN kata"\n')
    (work / "grade.sbatch").write_text(job_script)
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", submit], cwd=work, env={**env, "GRADER": ROOT},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    merged = work / "out" / "all"
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        queue = subprocess.run(["squeue", "-h", "-o", "%i %T %r"], env=env, capture_output=True, text=True).stdout
        if not queue.strip():
            break
        time.sleep(2)
    job_logs = "\n".join(f"--- {p.name}:\n{p.read_text()[-2000:]}" for p in sorted(work.glob("slurm-*.out")))
    assert not queue.strip(), f"jobs still queued after {WAIT_S} s:\n{queue}\n{job_logs}"
    assert (merged / "grades.csv").exists(), f"no merged gradebook\n{job_logs}"
    shards = sorted(p.name for p in (work / "out").iterdir() if p.name.startswith("shard-"))
    assert shards == [f"shard-{k}" for k in range(1, 9)]
    # One run of the same class, on this machine, without the scheduler.
    single = tmp_path / "single"
    one = run_cli(str(work / "class.zip"), "--out", str(single), "--config", str(work / "course.toml"), timeout=600)
    assert one.returncode == 0, one.stderr
    for name in ("grades.csv", "summary.html", "canvas_grades.csv"):
        assert (merged / name).read_text() == (single / name).read_text(), name
    with open(merged / "grades.csv") as f:
        assert sum(1 for _ in f) == n + 1
    assert sorted(os.listdir(merged / "feedback")) == sorted(os.listdir(single / "feedback"))
    assert f"<strong>{n}</strong>submissions" in (merged / "summary.html").read_text()
