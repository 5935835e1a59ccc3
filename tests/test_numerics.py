"""The SIMD paths numpy and OpenBLAS take are pinned for the whole suite where the CPU has them (conftest.py), and
every child is handed the same (run/numerics.py): the last bits of every grade are then the same on every machine."""
from __future__ import annotations

import os

import pytest

from grader.run import launch, numerics


def test_the_suite_runs_the_pinned_paths_and_hands_them_to_every_child():
    if numerics.unpinnable():
        pytest.skip(numerics.unpinnable())
    assert numerics.pinned()
    env = launch.child_env()
    assert {k: env.get(k) for k in numerics.VARIABLES} == numerics.PINNED


def test_unpinned_paths_are_told_apart_in_the_reference_cache_key(monkeypatch):
    """The reference's cached results are keyed by the paths too: a run pinned and one not don't share them."""
    pinned = numerics.signature()
    for k in numerics.VARIABLES:
        monkeypatch.delenv(k, raising=False)
    assert numerics.signature() != pinned
    assert not numerics.pinned()


def test_a_cpu_without_avx2_is_not_pinned(monkeypatch, tmp_path):
    """Forcing OpenBLAS's Haswell core where AVX2 or FMA is missing would kill the process (illegal instruction)."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse sse2 avx\n")
    real_open = open
    monkeypatch.setattr("builtins.open", lambda p, *a, **k: real_open(cpuinfo if p == "/proc/cpuinfo" else p, *a, **k))
    monkeypatch.setattr(numerics, "_machine", lambda: "x86_64")
    monkeypatch.setattr(numerics.sys, "platform", "linux")
    assert numerics.unpinnable() == "this CPU lacks avx2 and fma"
    monkeypatch.setattr(numerics, "_machine", lambda: "aarch64")
    assert "x86-64" in numerics.unpinnable()
    assert os.environ.get("OPENBLAS_CORETYPE") in (None, numerics.PINNED["OPENBLAS_CORETYPE"])


def test_the_plan_cache_is_keyed_by_the_paths_before_numpy_loads(monkeypatch):
    """The plan's inputs are numbers numpy computed (backward/long_sequence's differ between the pinned paths and
    AVX-512's): one file's plan cache, read before numpy loads, is keyed by the variables and the CPU's flags, so
    that a plan cached by a pinned run is not handed to the child of one that is not (a wrong prediction each
    time: the child is discarded and another started)."""
    from grader.judge import diskcache

    if numerics.unpinnable():
        pytest.skip(numerics.unpinnable())
    before = numerics.early_signature()
    assert "flags" not in before and numerics.PINNED["OPENBLAS_CORETYPE"] in before
    monkeypatch.delenv("OPENBLAS_CORETYPE", raising=False)
    after = numerics.early_signature()
    assert after != before
    assert diskcache.path("plan", b"code", before.encode()) != diskcache.path("plan", b"code", after.encode())
