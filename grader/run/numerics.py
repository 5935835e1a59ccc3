"""Which SIMD code paths numpy and OpenBLAS take, and pinning them.

Both pick their kernels for the CPU they start on (numpy's dispatch among AVX2 and AVX-512 loops, OpenBLAS's
core type), and kernels that sum in another order give other last bits: the same submission graded on an AVX-512
machine and on an AVX2 one passes the same checks (every comparison has a tolerance), but its numbers differ in the
16th digit. Where bits must agree across machines (the golden copy of every grade, tests/golden/), both are pinned
to the x86-64 AVX2+FMA paths, which nearly every x86-64 CPU of the last decade has, by two environment variables
that each library reads once, as it loads: set before numpy is imported, and handed on to every child
(launch.child_env). Imported before numpy, and by run/launch.py before the child is started: os and sys only
(platform and typing would delay every single-file run's child by ~10 ms).
"""
from __future__ import annotations

import os
import sys

# numpy 2.4 names its AVX-512 dispatch targets X86_V4, AVX512_ICL and AVX512_SPR; older releases AVX512F and
# AVX512_SKX and the rest. A name this numpy does not know is ignored.
PINNED = {"OPENBLAS_CORETYPE": "Haswell",
          "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_KNL AVX512_KNM "
                                      "AVX512_SKX AVX512_CLX AVX512_CNL"}
VARIABLES = tuple(PINNED)


def unpinnable() -> str | None:
    """Why the paths can't be pinned here (None: they can). Forcing OpenBLAS's Haswell core on a CPU without AVX2
    and FMA would end the process with an illegal instruction."""
    if sys.platform != "linux" or _machine() not in ("x86_64", "AMD64"):
        return f"the pinned paths are x86-64's (this is {_machine()} on {sys.platform})"
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return "/proc/cpuinfo can't be read, so AVX2 and FMA can't be confirmed"
    lacking = [name for name in ("avx2", "fma") if name not in flags]
    return f"this CPU lacks {' and '.join(lacking)}" if lacking else None


def _machine() -> str:
    return os.uname().machine if hasattr(os, "uname") else ""  # platform.machine(), without importing platform


def pin(environ: "os._Environ[str] | dict[str, str]" = os.environ) -> None:
    """Set the variables in `environ` (before numpy is imported, for this process). Only where unpinnable() is None."""
    environ.update(PINNED)


def pinned() -> bool:
    """Whether this process runs the pinned paths: the variables were set, and numpy (loaded by now) obeyed them."""
    if any(os.environ.get(k) != v for k, v in PINNED.items()):
        return False
    return not any(on for name, on in cpu_features().items() if name.startswith(("AVX512", "X86_V4")) and
                   name in dispatch_targets())


def early_signature() -> str:
    """What decides the paths, told before numpy loads: the two variables, the machine, and the CPU's flags as
    /proc/cpuinfo lists them (numpy's dispatch and OpenBLAS's core follow from those)."""
    said = " ".join(f"{k}={os.environ.get(k, '')}" for k in VARIABLES)
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].strip() for line in f if line.startswith(("flags", "Features"))), "")
    except OSError:
        flags = ""
    return f"{said} {_machine()} {flags}"


def signature() -> str:
    """What decides the paths of this process: the two variables, and the CPU features numpy found (numpy loaded)."""
    said = " ".join(f"{k}={os.environ.get(k, '')}" for k in VARIABLES)
    return f"{said} {' '.join(sorted(k for k, on in cpu_features().items() if on))}"


def cpu_features() -> dict[str, bool]:
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_features__
    return dict(__cpu_features__)


def dispatch_targets() -> set[str]:
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__
    except ImportError:
        from numpy.core._multiarray_umath import __cpu_dispatch__
    return set(__cpu_dispatch__)
