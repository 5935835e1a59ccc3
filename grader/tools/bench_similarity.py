"""The similarity pass's time and memory on a generated class, without grading it (part of `make bench-batch`).

A class of n is written as the kata's classes look to the pass: every submission its own, made of blocks of
lines from the corpus of independent implementations (tests/integrity/independent/), so that each passage is
shared with many others, as the kata's common ground is; and one in twenty a renamed copy of another. Each file
is fingerprinted into the store as a grading worker does (timed: that part runs in the workers, in parallel,
while grading), then the pass alone (integrity.run) runs in a fresh process, which reports its time and peak
resident memory. `measure(n)` returns the figures.
"""
from __future__ import annotations

import glob
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
import tokenize
from typing import Any

from grader import ROOT
from grader.course import printstore
from grader.tools.copies import renamed

INDEPENDENT = os.path.join(ROOT, "tests", "integrity", "independent")
BLOCK_LINES = 4
COPIES_EVERY = 20

STARTER = os.path.join(ROOT, "starter", "simple_rnn.py")

# In a fresh process: the pass over the stored fingerprints, its time and the process's peak memory.
_RUNNER = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from grader.course import integrity
with open(sys.argv[3]) as f:
    facts = {s: integrity.Facts(sha) for s, sha in json.load(f).items()}
start = time.perf_counter()
report = integrity.run(sys.argv[2], sorted(facts), facts)
print(json.dumps({"pass_s": time.perf_counter() - start, "pairs": len(report.findings),
                  "verified": report.verified, "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def blocks() -> list[str]:
    """Runs of BLOCK_LINES lines of the methods' bodies of every independent implementation, dedented (those that
    are whole lines of Python on their own)."""
    out = []
    for path in sorted(glob.glob(os.path.join(INDEPENDENT, "*.py"))):
        with open(path, encoding="utf-8") as f:
            lines = [line for line in f.read().split("\n") if line.startswith("        ") and line.strip()]
        for i in range(0, len(lines) - BLOCK_LINES + 1, BLOCK_LINES):
            block = textwrap.dedent("\n".join(lines[i:i + BLOCK_LINES]))
            if not block.startswith((" ", "\t")) and _tokenizes(block):  # whole: no bracket left open, no dedent
                                                                         # below its first line
                out.append(block)
    return out


def _tokenizes(code: str) -> bool:
    try:
        list(tokenize.generate_tokens(io.StringIO(code + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return False
    return True


# Statements of other shapes, one of which follows a line now and then: independent authors' code differs line by
# line, so two submissions that drew the same block still share only runs of it.
_FILLERS = ("assert True", "_ = None", "pass", "_ = [0]", "_ = {}", "_ = ()", "del _", "_ = 1 if True else 0",
            "_ = np.e", "_ = len([])", "_ = not False", "_ = -1")


def _varied(block: str, rng: random.Random) -> str:
    out = []
    for line in block.split("\n"):
        out.append(line)
        if rng.random() < 0.5 and not line.rstrip().endswith((":", ",", "(", "[", "\\")):
            out.append(line[:len(line) - len(line.lstrip())] + rng.choice(_FILLERS))
    return "\n".join(out)


def make_class(folder: str, n: int, seed: int = 0) -> None:
    """`n` submissions s0000.py ...: mosaics of blocks, each line followed now and then by a statement of another
    shape; one in COPIES_EVERY a renamed copy of an earlier submission."""
    rng = random.Random(seed)
    pool = blocks()
    with open(STARTER, encoding="utf-8") as f:
        head = f.read().split("    def forward")[0]  # the import, the class and its __init__
    os.makedirs(folder, exist_ok=True)
    texts: list[str] = []
    for i in range(n):
        if i and i % COPIES_EVERY == 0:
            text = renamed(texts[rng.randrange(i)]) + f"\n# submitted by student {i}\n"
        else:
            body = [textwrap.indent(_varied(rng.choice(pool), rng), " " * 8) for _ in range(7)]
            text = (head + "    def forward(self, x):\n" + "\n".join(body[:3]) +
                    "\n\n    def backward(self, x, y, learning_rate):\n" + "\n".join(body[3:]) + "\n")
        texts.append(text)
        with open(os.path.join(folder, f"s{i:04d}.py"), "w", encoding="utf-8") as f:
            f.write(text)


def measure(n: int, *, workdir: str | None = None) -> dict[str, Any]:
    """Generate a class of `n`, fingerprint it (seconds), then run the pass in a fresh process. Returns n,
    fingerprint_s, pass_s, pairs (flagged), verified (pairs compared in full), pass_peak_mib."""
    with tempfile.TemporaryDirectory(prefix="grader-bench-similarity-", dir=workdir) as scratch:
        folder, out = os.path.join(scratch, "class"), os.path.join(scratch, "out")
        make_class(folder, n)
        start = time.perf_counter()
        shas = {name[:-3]: printstore.store(out, os.path.join(folder, name)) for name in sorted(os.listdir(folder))}
        fingerprint_s = time.perf_counter() - start
        facts = os.path.join(scratch, "facts.json")
        with open(facts, "w") as f:
            json.dump(shas, f)
        proc = subprocess.run([sys.executable, "-c", _RUNNER, ROOT, out, facts], capture_output=True, text=True,
                              cwd=ROOT)
        if proc.returncode != 0:
            raise RuntimeError(f"the similarity pass failed: {proc.stderr[-2000:]}")
        row = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"n": n, "fingerprint_s": round(fingerprint_s, 2), "pass_s": round(row["pass_s"], 2),
            "pairs": row["pairs"], "verified": row["verified"], "pass_peak_mib": round(row["peak_kib"] / 1024, 1)}
