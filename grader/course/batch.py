"""Orchestrator for a class: find the submissions (discover.py), grade each one (grade.grade_path) in parallel, write
each result the moment it is ready, then the gradebook and the summary (gradebook.py).

Nothing is lost. OUTDIR/<student>/result.json is written atomically, last, when that student is done; it records
the file's sha256 and a fingerprint of the grading settings (config.fingerprint). A rerun of the same command
(after Ctrl-C, `kill -9` or a power cut) keeps every stored result whose file and settings are unchanged and grades
the rest, so its gradebook equals that of an uninterrupted run. A submission that breaks anything, the grader's
own worker process included, becomes a result that says so; the batch goes on.

Grades don't depend on --jobs: every submission is graded the same way, its code in a confined child of its own
(whose global state, numpy's random generator included, no other submission shares), and the gradebook is written
from the stored results in student order. Each worker forks those children from a fork server of its own, a fork
of the batch's zygote (run/forkserver.py: numpy imported once per class, nothing secret held), and the reference
runs once, in the parent.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import hashlib
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TextIO

from grader import grade
from grader.course import discover, gradebook, printstore, storage, summary, worker
from grader.course.config import LmsSettings
from grader.course.gradebook import INSTRUCTOR_REPORT, REPORT, RESULT
from grader.course.worker import pool_start_method
from grader.grade import GradeConfig
from grader.judge import reference
from grader.report import contract, exports, html
from grader.report.tty import visible
from grader.result import ErrorInfo, GradeResult
from grader.run import files, sandbox
from grader.run.submission import MAX_BYTES

GRADESCOPE_RESULTS = "results.json"


@dataclass(frozen=True)
class Options:
    out: str
    jobs: int = 0                   # 0: one per core
    shard: tuple[int, int] = (1, 1)  # (K, N): the K-th of N parts, K from 1
    gradescope: bool = False        # also OUTDIR/<student>/results.json
    junit: str | None = None
    visibility: str = "visible"     # Gradescope visibility of public and of hidden checks
    hidden_visibility: str = "after_due_date"
    fork_server: bool = True        # each worker forks children from a warm server (forkserver.py)
    lms: LmsSettings = LmsSettings()  # the LMS imports to write with the gradebook (lms.py)
    class_name: str = ""            # the folder's or zip's name, for the summary's title (set by run)
    known: str | None = None        # a folder of known solutions for the similarity pass (integrity.py)


@dataclass(frozen=True)
class Done:
    """What the parent hears about one finished submission (the result itself stays on disk)."""
    student: str
    status: str
    score: float
    max_score: float
    error_kind: str
    cpu_s: float = 0.0        # the worker's CPU time on it (grading, diagnosis, reports), its children's aside
    child_cpu_s: float = 0.0  # its children's (with a fork server; 0 where that is not known)
    peak_kib: tuple[int, int, int] = (0, 0, 0)  # peak resident memory so far: worker, fork server, largest child
    card: bytes = b""         # the result as the gradebook reads it (gradebook.card; empty: read result.json)


@dataclass
class Outcome:
    total: int
    reused: int
    graded: int
    interrupted: bool
    tally: gradebook.Tally | None
    cpu_s: float = 0.0        # the workers' CPU time on the submissions graded, all told (Done.cpu_s)
    child_cpu_s: float = 0.0  # their children's (Done.child_cpu_s)
    peak_kib: tuple[int, int, int] = (0, 0, 0)  # the largest of Done.peak_kib, each of the three


def parse_shard(text: str) -> tuple[int, int]:
    """"K/N" with 1 ≤ K ≤ N. Raises ValueError with a message for people."""
    k, sep, n = text.partition("/")
    if not (sep and k.strip().isdigit() and n.strip().isdigit()) or not 1 <= int(k) <= int(n):
        raise ValueError(f"expected K/N with 1 ≤ K ≤ N (say 2/3 for the second of three parts), got {text!r}")
    return int(k), int(n)


def shard_of(entries: list[discover.Entry], shard: tuple[int, int]) -> list[discover.Entry]:
    """Every N-th student from the K-th, in student order: the same split on every machine, no hashing."""
    k, n = shard
    return sorted(entries, key=lambda e: e.student)[k - 1::n]


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run(source: str, options: Options, config: GradeConfig, key: str, *, stream: TextIO = sys.stderr) -> Outcome:
    """Grade the class in `source` (a folder or .zip) into options.out. `key` is settings.fingerprint(config).
    Raises discover.LayoutError when `source` can't be read. Returns what happened; Ctrl-C ends it early (after
    the submissions in progress are written) with `interrupted` set and no gradebook."""
    with worker.zygote(options.fork_server) as zygote:
        return _run(source, options, config, key, stream, zygote)


def _run(source: str, options: Options, config: GradeConfig, key: str, stream: TextIO, zygote) -> Outcome:
    jobs = options.jobs or default_jobs()
    options = dataclasses.replace(options, class_name=os.path.basename(os.path.normpath(source)))
    with discover.opened(source) as found:
        entries = shard_of(discover.submissions(found.root, found.faults), options.shard)
        os.makedirs(options.out, exist_ok=True)
        todo = [e for e in entries if not _up_to_date(options, e, key)]
        shard = f", shard {options.shard[0]}/{options.shard[1]}" if options.shard[1] > 1 else ""
        progress = Progress(len(todo), stream)
        progress.note(f"{len(entries)} submissions in {source}{shard}: {len(entries) - len(todo)} already graded "
                      f"and unchanged, {len(todo)} to grade with {jobs} job{'s' if jobs != 1 else ''}")
        stop = printstore.in_background(options.out, [e.path for e in todo if e.path], pool_start_method())
        try:  # the zygote starts here, and boots while the settings are packed and the pool forks
            interrupted = not _grade_all(todo, options, config, key, jobs, progress,
                                         zygote.fileno() if zygote is not None and todo else None)
        finally:
            stop()
        if not interrupted:  # while the files are at hand (a zip's are gone after this block)
            printstore.store_all(options.out, [e.path for e in entries if e.path])
            for missing in printstore.missing_common():
                progress.note(f"similarity: {missing} is missing from the grader's folder, so the lines it "
                              "gives every learner are not discounted: flags may rest on them")
    progress.finish()
    if interrupted:
        progress.cards.close()
        progress.note(f"Interrupted: {progress.count} of {len(todo)} graded and saved. Run the same command again "
                      "to grade the rest.")
        return Outcome(len(entries), len(entries) - len(todo), progress.count, True, None, progress.cpu_s,
                       progress.child_cpu_s, progress.peak_kib)
    title = options.class_name + shard
    try:
        tally = gradebook.build(options.out, [e.student for e in entries], junit=options.junit, title=title,
                                lms_settings=options.lms, known=options.known, cards=progress.cards)
    finally:
        progress.cards.close()
    return Outcome(len(entries), len(entries) - len(todo), progress.count, False, tally, progress.cpu_s,
                   progress.child_cpu_s, progress.peak_kib)


def _grade_all(todo: list[discover.Entry], options: Options, config: GradeConfig, key: str, jobs: int,
               progress: Progress, zygote: int | None = None) -> bool:
    """Grade `todo` with `jobs` worker processes, at most 2 × jobs submissions queued at once (memory stays
    flat). A worker that dies breaks its pool: the submissions in flight there are retried once in a fresh pool,
    then recorded as internal errors. Returns False when interrupted by Ctrl-C."""
    if not todo:
        return True
    with pack_settings(config) as packed:
        return _run_pool(todo, packed, options, config, key, jobs, progress, zygote)


def _run_pool(todo: list[discover.Entry], packed: str, options: Options, config: GradeConfig, key: str, jobs: int,
              progress: Progress, zygote: int | None) -> bool:
    queue = collections.deque(todo)
    attempts: dict[str, int] = collections.Counter()
    pending: dict[Future, tuple[discover.Entry, ProcessPoolExecutor]] = {}
    pool = make_pool(jobs, config, options.fork_server, packed, zygote)

    def renew(broken: ProcessPoolExecutor) -> None:
        """A worker died and broke `broken`: the submissions it held are retried in a fresh pool (said once)."""
        nonlocal pool
        if broken is pool:
            progress.note("a grading process died; the submissions it held are graded again")
            pool.shutdown(wait=False, cancel_futures=True)
            pool = make_pool(jobs, config, options.fork_server, packed, zygote)

    try:
        while queue or pending:
            while queue and len(pending) < 2 * jobs:
                e = queue.popleft()
                try:
                    future = pool.submit(_grade_task, e, key, options)
                except BrokenProcessPool:  # it broke since the last wait: e never ran
                    queue.appendleft(e)
                    renew(pool)
                    continue
                attempts[e.student] += 1
                pending[future] = (e, pool)
            finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for f in finished:
                e, owner = pending.pop(f)
                try:
                    progress.done(f.result())
                except BrokenProcessPool:
                    renew(owner)
                    if attempts[e.student] < 2:
                        queue.appendleft(e)
                    else:
                        progress.done(_record_failure(e, config, key, options, "its grading process died"))
                except Exception:
                    progress.done(_record_failure(e, config, key, options, traceback.format_exc()))
            progress.tick()
        return True
    except KeyboardInterrupt:
        running = [f for f in pending if not f.cancel()]  # those already handed to a worker can't be
        progress.note(f"stopping: saving the {len(running)} submissions in progress (each within its time limit)")
        pool.shutdown(wait=True, cancel_futures=True)
        progress.count += sum(1 for f in running if f.exception() is None)
        return False
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def make_pool(jobs: int, config: GradeConfig, fork_server: bool, packed: str | None = None,
              zygote: int | None = None) -> ProcessPoolExecutor:
    """`jobs` workers, each with its own fork server (a fork of the `zygote` when they are forked) or fresh children,
    given the settings and the reference's results, computed here once (cached in this process) and pickled once
    for them all (worker.py), or read from `packed`, a file of pack_settings. Tasks call worker_runner()."""
    for stream in (sys.stdout, sys.stderr):  # a forked worker must not write our unflushed text a second time
        with contextlib.suppress(Exception):
            stream.flush()
    forked = pool_start_method() == "fork"
    if forked:  # forked workers inherit the pages' templates; this process renders one too
        worker.preload("report.html.j2", summary.TEMPLATE)
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork" if forked else "spawn"),
                               initializer=worker.init,
                               initargs=(packed or _packed(config), fork_server, zygote if forked else None))


def _packed(config: GradeConfig) -> bytes:
    return worker.pack(config, reference.results_for_plan(config.plan))


@contextlib.contextmanager
def pack_settings(config: GradeConfig):
    """A private file holding the workers' start-up data (worker.pack), removed afterwards: its path."""
    fd, path = tempfile.mkstemp(prefix="grader-pool-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_packed(config))
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def worker_runner() -> sandbox.Runner:
    """What runs a child's plan in this worker: its fork server, or a fresh interpreter."""
    server = worker.server()
    return server if server is not None else sandbox.FRESH


def _grade_task(entry: discover.Entry, key: str, options: Options) -> Done:
    """A pool task: grade_entry with the settings the worker was started with (not sent again per task), and
    the CPU time it took here and in the submission's children (for `make bench`)."""
    server, cpu = worker.server(), time.process_time()
    children = server.children_cpu_s if server else 0.0
    done = grade_entry(entry, worker.config(), key, options)
    peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,) + \
        ((server.server_peak_kib(), server.child_peak_kib) if server else (0, 0))
    return dataclasses.replace(done, cpu_s=time.process_time() - cpu, peak_kib=peak,
                               child_cpu_s=server.children_cpu_s - children if server else 0.0)


def grade_entry(entry: discover.Entry, config: GradeConfig, key: str, options: Options) -> Done:
    """Grade one student's submission and write its files (in a worker process)."""
    if entry.path is None:
        result = grade.fault_result(entry.shown, ErrorInfo("bad_file", entry.problem), config)
    else:
        result = grade.grade_path(entry.path, config, runner=worker_runner())
    try:
        return write_outputs(entry, result, config, key, options)
    except Exception:  # a grader bug while rendering: the result says so, and the batch goes on
        return _record_failure(entry, config, key, options, traceback.format_exc())


def _record_failure(entry: discover.Entry, config: GradeConfig, key: str, options: Options, why: str) -> Done:
    error = ErrorInfo("internal", "the grader failed on this submission (a bug in the grader, not in your code); "
                                  "it is graded again on the next run", why[-4000:])
    result = grade.fault_result(entry.shown, error, config)
    try:
        return write_outputs(entry, result, config, key, options)
    except Exception:  # the reports themselves can't be made: the record alone
        return write_outputs(entry, result, config, key, options, reports=False)


def write_outputs(entry: discover.Entry, result: GradeResult, config: GradeConfig, key: str, options: Options,
                  *, reports: bool = True) -> Done:
    """OUTDIR/<student>/: report.html (the learner's view), instructor.html (with hidden cases), results.json
    (Gradescope, when asked), and result.json last, the record that the student is done."""
    folder = os.path.join(options.out, entry.student)
    os.makedirs(folder, exist_ok=True)
    storage.remove_leftovers(folder)
    d = contract.to_dict(result)  # once: both pages and the record start from it
    if reports:
        storage.write_text(os.path.join(folder, REPORT), html.from_dict(d, learner_view=True))
    if reports and any(c.hidden for c in result.checks):  # the hidden cases whole: for the instructor only
        storage.write_text(os.path.join(folder, INSTRUCTOR_REPORT), html.from_dict(d, learner_view=False),
                           private=True)
    d["batch"] = {"student": entry.student, "name": entry.name, "file": entry.shown, "note": entry.note,
                  "problem": entry.problem, "settings": key, "layout": entry.layout, "lms_id": entry.lms_id,
                  "class": options.class_name,
                  "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}
    if options.gradescope:
        storage.write_text(os.path.join(folder, GRADESCOPE_RESULTS), contract.dumps(exports.gradescope(
            d, visibility=options.visibility, hidden_visibility=options.hidden_visibility)))
    storage.write_text(os.path.join(folder, RESULT), contract.dumps(d), private=True)  # hidden expected values
    return Done(entry.student, result.status, result.score, result.max_score,
                result.error.kind if result.error else "", card=gradebook.card(d))


def _up_to_date(options: Options, entry: discover.Entry, key: str) -> bool:
    """A stored result can stand: same settings, same file and content, every requested file present, and not an
    internal error (those are worth another try)."""
    folder = os.path.join(options.out, entry.student)
    d = gradebook.read_result(options.out, entry.student)
    if d is None or (d.get("error") or {}).get("kind") == "internal":
        return False
    info = d.get("batch", {})
    if (info.get("settings"), info.get("file"), info.get("problem", "")) != (key, entry.shown, entry.problem):
        return False
    wanted = [REPORT] + ([GRADESCOPE_RESULTS] if options.gradescope else [])
    return d.get("sha256", "") == file_sha256(entry.path) and all(
        files.is_regular(os.path.join(folder, name)) for name in wanted)


def file_sha256(path: str | None) -> str:
    """As submission.read_submission computes it ("" when there is no regular file to read: never through a link)."""
    if path is None:
        return ""
    data = files.read_regular(path, MAX_BYTES + 1)
    return hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else ""


class Progress:
    """A bar with an ETA on a terminal; otherwise a plain line per submission (for logs and CI)."""

    def __init__(self, total: int, stream: TextIO):
        self.total, self.stream, self.count = total, stream, 0
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.start = time.monotonic()
        self.last = ""
        self.cpu_s = self.child_cpu_s = 0.0
        self.cards = gradebook.Cards()  # gradebook.card of each result graded in this run
        self.peak_kib = (0, 0, 0)

    def done(self, d: Done) -> None:
        self.count += 1
        if d.card:
            self.cards.add(d.student, d.card)
        self.cpu_s += d.cpu_s
        self.child_cpu_s += d.child_cpu_s
        self.peak_kib = tuple(max(a, b) for a, b in zip(self.peak_kib, d.peak_kib))
        if d.status == "error":
            what = f"not graded ({d.error_kind})"
        else:
            what = f"{d.score:g}/{d.max_score:g}" + (f", stopped early ({d.error_kind})" if d.error_kind else "")
        self.last = visible(f"{d.student}: {what}", one_line=True)  # ids come from file names
        if self.tty:
            self.tick()
        else:
            self._write(f"[{self.count}/{self.total}] {self.last}\n")

    def tick(self) -> None:
        if not self.tty or not self.total:
            return
        elapsed = time.monotonic() - self.start
        eta = elapsed / self.count * (self.total - self.count) if self.count else None
        width = max(10, min(40, shutil.get_terminal_size().columns - 60))
        filled = width * self.count // self.total
        eta_text = f"ETA {int(eta) // 60}:{int(eta) % 60:02d}" if eta is not None else "ETA --:--"
        line = (f"{self.count}/{self.total} [{'#' * filled}{'.' * (width - filled)}] "
                f"{100 * self.count // self.total:3d} %  {eta_text}  {self.last}")
        self._write("\r\033[K" + line[:shutil.get_terminal_size().columns - 1])

    def note(self, text: str) -> None:
        self._write(("\r\033[K" if self.tty else "") + visible(text) + "\n")  # over the bar; the next tick redraws it

    def finish(self) -> None:
        if self.tty and self.total:
            self._write("\n")

    def _write(self, text: str) -> None:
        # A log that goes away (`| head`, a closed terminal) must not stop the grading.
        if self.stream is None:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.stream = None
