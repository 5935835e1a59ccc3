"""Grader for the SimpleRNN kata. Run as `python -m grader SUBMISSION`.

The stages, in the order a submission passes through them (README, "How the code is organised"):
run/ (read the file, run it confined) → judge/ (check against the reference) → diagnose/ (what the failures mean)
→ report/ (render); course/ grades a class. grade.py orchestrates one submission, course/batch.py a class.

Kept import-free: the confined child imports this package too, and must load nothing it does not need.
"""
import os
import sys

# One BLAS thread in every grader process (the CLI, batch workers, tools), set here because every entry point
# imports this package before numpy: the grader's matrices are tiny, and a pool of spinning OpenBLAS threads per
# process only costs CPU (the confined child's environment says the same, run/launch.py child_env).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
del _name

SCHEMA_VERSION = 1
# The project's root: grader/, solution/, templates/ (a confined child may read none of it).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where the grader keeps what it can rebuild (judge/diskcache.py, the templates' compiled code): in its venv, beside
# site-packages, where a confined child can't read (Landlock opens site-packages only). None outside a venv.
CACHE_DIR = os.path.join(sys.prefix, "grader-cache") if sys.prefix != sys.base_prefix else None


def collect_less() -> None:
    """Cyclic garbage collection for a long-lived grader process, once its imports are done: what exists now (the
    modules, the settings, the reference's results) lives as long as the process, so collections skip it; and
    they run after 10,000 new containers, not 700. Grading makes thousands of dicts and lists per submission
    that reference counting frees (a class leaves no cycles behind): at the default, collections cost ~4 ms a
    submission in a batch worker and freed nothing. Turns collection on (grader/__main__.py has it off while the
    grader imports)."""
    import gc

    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    gc.enable()
