"""The course configuration, the instructor's TOML file (`--config FILE`): points, tolerances, limits, hidden cases.

Every key is checked before anything is graded. A mistake raises ConfigError naming the file, the key and what was
expected, so a typo never silently grades a class with the defaults. Everything not set keeps its default, and
`grade_config` turns it into the one frozen GradeConfig the stages receive.

    [limits]            timeout_s = 10, memory_mb = 1024              (the command line's flags win)
    [points]            forward = 30 ...                              a group's total, shared by its checks in
                                                                      proportion to their default points
    [points.checks]     "backward/W_xh" = 8 ...                       one check; its group's other checks share
                                                                      what is left of the group's total
    [tolerances]        forward_rtol, update_rtol, official_rtol, official_atol, update_floor_ulps
    [hidden]            seed = "secret", forward = 3, backward = 3, points = 10
    [gradescope]        visibility = "visible", hidden_visibility = "after_due_date"
    [lms]               format = "canvas" | "moodle" | [both], assignment = "SimpleRNN", ungraded = "empty" | "zero",
                        points = the LMS assignment's maximum (scores are scaled to it; default: the grader's)
    [integrity]         known = "DIR"   a folder of known solutions (relative to the TOML file's folder)
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

from grader.grade import GradeConfig
from grader.judge import compare
from grader.judge.diskcache import files_digest
from grader.judge.plan import CheckSpec, Plan, default_plan, hidden_cases
from grader.run.sandbox import Limits

DEFAULT_TIMEOUT_S, DEFAULT_MEMORY_MB = Limits().timeout_s, Limits().memory_mb
GRADESCOPE_VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")
LMS_FORMATS = ("canvas", "moodle")
UNGRADED = ("empty", "zero")
MAX_HIDDEN_CASES = 50
_TOLERANCE_KEYS = {"forward_rtol": "forward_rtol", "update_rtol": "update_rtol", "official_rtol": "official_rtol",
                   "official_atol": "official_atol", "update_floor_ulps": "floor_ulps"}


class ConfigError(Exception):
    """A configuration mistake: `str()` names the file, the key and what was expected."""

    def __init__(self, path: str, key: str, expected: str, got: Any = dataclasses.MISSING):
        where = f"{path}: {key}: " if key else f"{path}: "
        got_text = "" if got is dataclasses.MISSING else f", got {got!r}"
        super().__init__(f"{where}{expected}{got_text}")
        self.path, self.key = path, key


@dataclass(frozen=True)
class Hidden:
    """The instructor's hidden cases: drawn from this seed, so many of each kind."""
    seed: str
    forward: int = 3
    backward: int = 3
    points: float = 10.0


@dataclass(frozen=True)
class LmsSettings:
    """What goes back to an LMS (course/lms.py): which imports, the assignment's title (Canvas's column), what a
    student who could not be graded gets ("empty": no score, left to grade by hand, the default; "zero"), and the LMS
    assignment's maximum, when the scores are to be scaled to it."""
    formats: tuple[str, ...] = ()
    assignment: str = "SimpleRNN"
    ungraded: str = "empty"
    points: float | None = None

    def with_formats(self, extra: list[str] | tuple[str, ...]) -> "LmsSettings":
        """These settings with more imports (the command line's --format adds to the file's)."""
        return dataclasses.replace(self, formats=tuple(f for f in LMS_FORMATS if f in {*self.formats, *extra}))


@dataclass(frozen=True)
class CourseConfig:
    """The instructor's settings, as read from their TOML file."""
    path: str = ""                        # the file they came from ("" for the defaults)
    timeout_s: float | None = None
    memory_mb: int | None = None
    group_points: dict[str, float] = field(default_factory=dict)
    check_points: dict[str, float] = field(default_factory=dict)
    tolerances: compare.Tolerances = field(default_factory=compare.Tolerances)
    hidden: Hidden | None = None
    visibility: str = "visible"
    hidden_visibility: str = "after_due_date"
    lms: LmsSettings = field(default_factory=LmsSettings)
    known: str | None = None              # [integrity] known: a folder, resolved against the file's folder


def load(path: str | None) -> CourseConfig:
    """Read and check the TOML file at `path` (None: the defaults). Raises ConfigError."""
    if not path:
        return CourseConfig()
    import tomllib  # here: one file graded with the defaults needn't load it (a few ms of the latency)

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(path, "", "no such file")
    except IsADirectoryError:
        raise ConfigError(path, "", "is a folder; expected a TOML file")
    except OSError as e:
        raise ConfigError(path, "", f"can't be read ({e.strerror})")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(path, "", f"not valid TOML ({e})")
    return _parse(path, data)


def _parse(path: str, data: dict[str, Any]) -> CourseConfig:
    r = _Reader(path)
    r.known("", data, ("limits", "points", "tolerances", "hidden", "gradescope", "lms", "integrity"))
    limits = r.table("limits", data)
    r.known("limits", limits, ("timeout_s", "memory_mb"))
    points = r.table("points", data)
    plan = default_plan()
    groups = sorted({c.group for c in plan.checks})
    r.known("points", points, (*groups, "checks"))
    check_points = r.table("points.checks", points)
    tolerances = r.table("tolerances", data)
    r.known("tolerances", tolerances, tuple(_TOLERANCE_KEYS))
    hidden = r.table("hidden", data)
    r.known("hidden", hidden, ("seed", "forward", "backward", "points"))
    gradescope = r.table("gradescope", data)
    r.known("gradescope", gradescope, ("visibility", "hidden_visibility"))
    lms = r.table("lms", data)
    r.known("lms", lms, ("format", "assignment", "ungraded", "points"))
    integrity = r.table("integrity", data)
    r.known("integrity", integrity, ("known",))
    course = CourseConfig(
        path=path,
        timeout_s=r.number("limits.timeout_s", limits.get("timeout_s"), positive=True),
        memory_mb=r.integer("limits.memory_mb", limits.get("memory_mb"), low=16),
        group_points={g: r.number(f"points.{g}", v) for g, v in points.items() if g != "checks"},
        check_points={c: r.number(f'points.checks."{c}"', v) for c, v in check_points.items()},
        tolerances=compare.Tolerances(**{_TOLERANCE_KEYS[k]: r.number(f"tolerances.{k}", v, positive=True)
                                         for k, v in tolerances.items()}),
        hidden=_hidden(r, hidden) if hidden else None,
        visibility=r.choice("gradescope.visibility", gradescope.get("visibility", "visible"),
                            GRADESCOPE_VISIBILITY),
        hidden_visibility=r.choice("gradescope.hidden_visibility",
                                   gradescope.get("hidden_visibility", "after_due_date"), GRADESCOPE_VISIBILITY),
        lms=_lms(r, lms),
        known=r.folder("integrity.known", integrity.get("known")))
    build_plan(course)  # point totals that can't be met are configuration errors too
    return course


def _hidden(r: _Reader, table: dict[str, Any]) -> Hidden:
    seed = table.get("seed")
    if seed is None:
        r.fail("hidden.seed", "missing; hidden cases need a secret: a non-empty string or an integer")
    if isinstance(seed, bool) or not isinstance(seed, (str, int)) or seed == "":
        r.fail("hidden.seed", "expected a secret: a non-empty string or an integer", seed)
    counts = {k: r.integer(f"hidden.{k}", table.get(k, 3), low=0, high=MAX_HIDDEN_CASES)
              for k in ("forward", "backward")}
    if counts["forward"] + counts["backward"] == 0:
        r.fail("hidden", "expected at least one hidden case (hidden.forward or hidden.backward above 0)")
    return Hidden(str(seed), counts["forward"], counts["backward"],
                  r.number("hidden.points", table.get("points", 10.0)))


def _lms(r: _Reader, table: dict[str, Any]) -> LmsSettings:
    formats = table.get("format", [])
    formats = [formats] if isinstance(formats, str) else formats
    if not isinstance(formats, list):
        r.fail("lms.format", 'expected "canvas", "moodle" or a list of them', formats)
    for f in formats:
        r.choice("lms.format", f, LMS_FORMATS)
    assignment = table.get("assignment", LmsSettings.assignment)
    if not isinstance(assignment, str) or not assignment.strip():
        r.fail("lms.assignment", "expected the assignment's title in the LMS (a non-empty string)", assignment)
    return LmsSettings(tuple(f for f in LMS_FORMATS if f in formats), assignment.strip(),
                       r.choice("lms.ungraded", table.get("ungraded", LmsSettings.ungraded), UNGRADED),
                       r.number("lms.points", table.get("points"), positive=True))


class _Reader:
    """Typed reads of the TOML data; each failure names the key."""

    def __init__(self, path: str):
        self.path = path

    def fail(self, key: str, expected: str, got: Any = dataclasses.MISSING):
        raise ConfigError(self.path, key, expected, got)

    def known(self, where: str, table: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                name = f"{where}.{key}" if where else key
                self.fail(name, "unknown key; expected one of " + ", ".join(allowed))

    def table(self, key: str, parent: dict[str, Any]) -> dict[str, Any]:
        value = parent.get(key.rsplit(".", 1)[-1], {})
        if not isinstance(value, dict):
            self.fail(key, "expected a table", value)
        return value

    def number(self, key: str, value: Any, *, positive: bool = False) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value in (
                float("inf"), float("-inf")):
            self.fail(key, "expected a number", value)
        if value < 0 or (positive and value == 0):
            self.fail(key, "expected a positive number" if positive else "expected a number of at least 0", value)
        return float(value)

    def integer(self, key: str, value: Any, *, low: int, high: int | None = None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            self.fail(key, f"expected a whole number from {low}" + (f" to {high}" if high is not None else " up"),
                      value)
        return value

    def folder(self, key: str, value: Any) -> str | None:
        """A folder that exists, relative to the TOML file's own folder."""
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            self.fail(key, "expected the path of a folder, as a string", value)
        path = os.path.join(os.path.dirname(os.path.abspath(self.path)), os.path.expanduser(value))
        if not os.path.isdir(path):
            self.fail(key, f"no such folder ({path})", value)
        return path

    def choice(self, key: str, value: Any, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            self.fail(key, "expected one of " + ", ".join(f'"{a}"' for a in allowed), value)
        return value


def build_plan(course: CourseConfig) -> Plan:
    """The default plan with the course's hidden cases, points and tolerances. Raises ConfigError."""
    base = default_plan()
    probes, specs = list(base.probes), list(base.checks)
    if course.hidden:
        h = course.hidden
        extra_probes, extra_checks = hidden_cases(h.seed, forward=h.forward, backward=h.backward,
                                                        points=h.points)
        probes += extra_probes
        specs += extra_checks
    points = _points(course, specs)
    specs = [dataclasses.replace(s, points=points[s.id]) for s in specs]
    return Plan(tuple(probes), tuple(specs), course.tolerances)


def _points(course: CourseConfig, specs: list[CheckSpec]) -> dict[str, float]:
    """Each check's points: its own setting, else its share of its group's setting, else its default."""
    points = {s.id: s.points for s in specs}
    for check_id, value in course.check_points.items():
        if check_id not in points:
            raise ConfigError(course.path, f'points.checks."{check_id}"',
                              "no such check; expected one of " + ", ".join(points))
        points[check_id] = value
    for group, total in course.group_points.items():
        members = [s for s in specs if s.group == group]
        fixed = sum(course.check_points.get(s.id, 0.0) for s in members if s.id in course.check_points)
        rest = [s for s in members if s.id not in course.check_points]
        if fixed > total or (not rest and fixed != total):
            raise ConfigError(course.path, f"points.{group}",
                              f"expected the group's total to {'cover' if rest else 'equal'} the {fixed:g} points "
                              f"its checks get in [points.checks]", total)
        weights = [s.points for s in rest] if sum(s.points for s in rest) > 0 else [1.0] * len(rest)
        for s, w in zip(rest, weights):
            points[s.id] = (total - fixed) * w / sum(weights)
    return points


def grade_config(course: CourseConfig, *, timeout_s: float | None = None, memory_mb: int | None = None,
                 **flags: Any) -> GradeConfig:
    """The frozen GradeConfig for this course; command-line limits (when given) win over the file's."""
    limits = Limits(timeout_s=timeout_s or course.timeout_s or DEFAULT_TIMEOUT_S,
                    memory_mb=memory_mb or course.memory_mb or DEFAULT_MEMORY_MB)
    return GradeConfig(limits=limits, plan=build_plan(course), **flags)


def fingerprint(config: GradeConfig) -> str:
    """A digest of everything that decides a grade besides the submission: the plan (cases, points,
    tolerances), the limits and the grader's own code. A stored result is reused only when it matches."""
    h = hashlib.sha256()
    h.update(json.dumps({"limits": dataclasses.asdict(config.limits),
                         "tolerances": dataclasses.asdict(config.plan.tolerances),
                         "checks": [dataclasses.asdict(c) for c in config.plan.checks],
                         "probes": [p.to_plan() for p in config.plan.probes]}, sort_keys=True).encode())
    h.update(files_digest("grader", "solution", "templates").encode())
    return h.hexdigest()
