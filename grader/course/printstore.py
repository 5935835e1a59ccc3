"""The store of fingerprints: OUTDIR/_integrity/<sha256>.json, one file's fingerprints named by its content.

While a class is graded, a process of the lowest CPU priority stores each submission's fingerprints
(`in_background`: it takes only what the grading leaves idle), and the batch stores whatever it had not reached
afterwards (`store_all`); the similarity pass reads them back. Named by content, a record never goes stale and two
shards never disagree about one, and a rerun after one file changed fingerprints that file only. A record is two
JSON lines: a header with what the pass needs of every submission (the winnowed hashes, the `identical` digest, the
count of its own tokens), read alone; then the body (the text, the lines of the tokens, every k-gram) for the pairs
compared in full.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from typing import Callable

from grader import ROOT
from grader.course import storage
from grader.course.fingerprints import METHOD, Print, fingerprint
from grader.course.similarity import own_count
from grader.run.submission import MAX_BYTES, LoadFault, read_submission

CACHE = "_integrity"  # no student id starts with "_" (discover._clean_id); no dot: CI uploads skip hidden folders
COMMON_FILES = (os.path.join(ROOT, "starter", "simple_rnn.py"),
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "common_code.txt"))
REFERENCE = os.path.join(ROOT, "solution", "simple_rnn.py")
_HEAD = json.dumps({"method": METHOD}, separators=(",", ":"))[:-1]  # how every current record begins


@dataclass(frozen=True)
class Header:
    """The first line of a record: the winnowed hashes, the `identical` digest, and the author's own tokens."""
    kept: tuple[int, ...]
    identical: str
    own: int


@functools.lru_cache(maxsize=1)
def common_kgrams() -> frozenset[int]:
    """The k-grams no flag may rest on: the starter's, the reference's skeleton's (its code with forward's and
    backward's bodies taken out) and the kata's common lines (common_code.txt). Read once per process; a file
    missing from this install (missing_common) is left out rather than stopping the class."""
    texts = [_read(path) for path in COMMON_FILES]
    reference = _read(REFERENCE)
    if reference:
        tree = ast.parse(reference)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in ("forward", "backward"):
                node.body = [ast.Pass()]
        texts.append(ast.unparse(tree))
    return frozenset(h for text in texts if text for h in fingerprint([text]).kgrams)


def missing_common() -> list[str]:
    """The common files (COMMON_FILES, REFERENCE) this install lacks: their lines are not discounted."""
    return [os.path.relpath(p, ROOT) for p in (*COMMON_FILES, REFERENCE) if _read(p) is None]


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


@functools.lru_cache(maxsize=1)
def _common_digest() -> str:
    return hashlib.sha256(json.dumps(sorted(common_kgrams())).encode()).hexdigest()[:16]


def path_of(out: str, sha256: str) -> str:
    return os.path.join(out, CACHE, f"{sha256}.json")


def store(out: str, path: str) -> str | None:
    """Fingerprint the submission file at `path` into the store unless its content already is. Returns the
    file's sha256, or None when it can't be read as code."""
    try:
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read(MAX_BYTES + 1)).hexdigest()  # as read_submission computes it
    except OSError:
        return None
    if _is_stored(out, sha):
        return sha
    source = read_submission(path)
    if isinstance(source, LoadFault):
        return None
    p = fingerprint([c.code for c in source.chunks])
    header = {"method": METHOD, "common": _common_digest(), "own": own_count(p, common_kgrams()), "kept": p.kept,
              "identical": p.identical}
    body = {"text": p.text, "starts": p.starts, "ends": p.ends, "kgrams": p.kgrams}
    # No fsync: a record lost or cut short by a power cut reads as absent (load, _is_stored) and is made again.
    storage.write_text(path_of(out, source.sha256), json.dumps(header, separators=(",", ":")) + "\n" +
                       json.dumps(body, separators=(",", ":")) + "\n", private=True, durable=False)
    return source.sha256


def in_background(out: str, paths: list[str], start_method: str) -> Callable[[], None]:
    """Start storing the fingerprints of `paths` in a process of its own at the lowest CPU priority (nice 19: it
    yields to the workers and to learner code), so that tokenizing, which costs a file a few ms, uses the cores'
    idle moments rather than the workers' time. Returns what stops it (after the file in hand) and waits for it;
    store_all then does what it left. `start_method`: the batch's pool_start_method, "fork" where this process can
    be forked safely (one thread, Linux); elsewhere nothing starts, and store_all does it all."""
    import multiprocessing

    if not paths or start_method != "fork":
        return lambda: None
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    process = context.Process(target=_store_until, args=(out, paths, stop), name="fingerprints", daemon=True)
    process.start()

    def finish() -> None:
        stop.set()
        process.join()

    return finish


def _store_until(out: str, paths: list[str], stop) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the batch's to handle; it stops this
    os.nice(19)
    for path in paths:
        if stop.is_set():
            return
        try:
            store(out, path)
        except Exception:  # store_all tries it again, in the batch's own process, where a failure is seen
            pass


def store_all(out: str, paths: list[str]) -> None:
    """Make sure every file in `paths` has its fingerprints stored (after a batch's grading: for results kept
    from an earlier run, or a worker that could not store them)."""
    for path in paths:
        store(out, path)


def _is_stored(out: str, sha256: str) -> bool:
    """A whole record of this version of the method (read no further than needed to tell)."""
    return load_header(out, sha256) is not None


def load_header(out: str, sha256: str) -> Header | None:
    """The header of the stored record, or None (absent, cut short, or of another version of the method). Its own
    token count is recounted when the common code has changed since it was stored."""
    try:
        with open(path_of(out, sha256), encoding="utf-8") as f:
            line = f.readline()
            if not line.startswith(_HEAD) or not line.endswith("\n"):
                return None
            d = json.loads(line)
            own = d["own"]
            if d.get("common") != _common_digest():
                body = json.loads(f.readline())
                own = own_count(_print(d, body), common_kgrams())
            return Header(tuple(d["kept"]), d["identical"], own)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def load(out: str, sha256: str) -> Print | None:
    """The stored fingerprints of the file with this content, or None (absent, cut short, or of another version
    of the method)."""
    try:
        with open(path_of(out, sha256), encoding="utf-8") as f:
            head = f.readline()
            if not head.startswith(_HEAD):
                return None
            return _print(json.loads(head), json.loads(f.readline()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _print(header: dict, body: dict) -> Print:
    return Print(body["text"], tuple(body["starts"]), tuple(body["ends"]), tuple(body["kgrams"]),
                 tuple(header["kept"]), header["identical"])


def copy_from(shard: str, out: str) -> None:
    """Bring a shard's records into `out` (for merge); those already there are the same, being named by content."""
    src, dst = os.path.join(shard, CACHE), os.path.join(out, CACHE)
    if not os.path.isdir(src) or os.path.abspath(src) == os.path.abspath(dst):
        return
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if len(name) == 64 + 5 and name.endswith(".json") and not os.path.exists(os.path.join(dst, name)):
            tmp = os.path.join(dst, ".tmp-" + name)
            shutil.copyfile(os.path.join(src, name), tmp)
            os.replace(tmp, os.path.join(dst, name))
