"""Confinement applied by the child to itself, before any learner code runs.

Two steps: `early` while the process is still single-threaded (nothing yet), and `apply` once numpy is imported
(resource limits). Each returns which protections are active, for the result's "sandbox" field.
"""
from __future__ import annotations

import resource
from typing import Any

MiB = 1024 * 1024


def early(limits: dict[str, Any]) -> dict[str, Any]:
    return {}


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def apply(limits: dict[str, Any], early_report: dict[str, Any]) -> dict[str, Any]:
    report = dict(early_report)
    # Address space counts what Python and numpy have already mapped, so the learner gets memory_mb on top.
    memory = _mapped_bytes() + limits["memory_mb"] * MiB
    rlimits = {
        "RLIMIT_AS": memory,
        "RLIMIT_CPU": int(limits["timeout_s"]) + 2,
        "RLIMIT_FSIZE": 16 * MiB,
        "RLIMIT_NOFILE": 64,
        "RLIMIT_CORE": 0,
    }
    active = []
    for name, value in rlimits.items():
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
            active.append(name)
        except (ValueError, OSError, AttributeError):
            pass
    report["rlimits"] = active
    return report
