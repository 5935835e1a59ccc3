"""The instructor's TOML: every mistake names the file, the key and what was expected; values reach the checks."""
import os

import pytest

from conftest import SUBMISSIONS, by_id, run_cli

from grader.course import config as settings
from grader.grade import grade_path
from grader.judge import compare
from grader.judge import plan as cases


def load_text(tmp_path, text):
    path = tmp_path / "course.toml"
    path.write_text(text)
    return settings.load(str(path)), str(path)


@pytest.mark.parametrize("text, key, expected", [
    ("[limits]\ntimeout = 3\n", "limits.timeout", "unknown key; expected one of timeout_s, memory_mb"),
    ("[limits]\ntimeout_s = \"ten\"\n", "limits.timeout_s", "expected a number, got 'ten'"),
    ("[limits]\ntimeout_s = 0\n", "limits.timeout_s", "expected a positive number, got 0"),
    ("[limits]\nmemory_mb = 1.5\n", "limits.memory_mb", "expected a whole number from 16 up, got 1.5"),
    ("limits = 3\n", "limits", "expected a table, got 3"),
    ("[points]\nfowrard = 3\n", "points.fowrard", "unknown key; expected one of backward, forward, init, official,"
                                                    " training, checks"),
    ("[points]\nforward = -1\n", "points.forward", "expected a number of at least 0, got -1"),
    ("[points.checks]\n\"forward/nope\" = 3\n", 'points.checks."forward/nope"', "no such check; expected one of "),
    ("[points]\nforward = 3\n[points.checks]\n\"forward/basic\" = 5\n", "points.forward",
     "expected the group's total to cover the 5 points its checks get in [points.checks], got 3.0"),
    ("[tolerances]\nforward_rtol = true\n", "tolerances.forward_rtol", "expected a number, got True"),
    ("[hidden]\nforward = 2\n", "hidden.seed", "missing; hidden cases need a secret"),
    ("[hidden]\nseed = \"\"\n", "hidden.seed", "expected a secret: a non-empty string or an integer, got ''"),
    ("[hidden]\nseed = 7\nforward = 0\nbackward = 0\n", "hidden", "expected at least one hidden case"),
    ("[hidden]\nseed = 7\nforward = 51\n", "hidden.forward", "expected a whole number from 0 to 50, got 51"),
    ("[gradescope]\nvisibility = \"public\"\n", "gradescope.visibility", 'expected one of "hidden", "after_due_date"'),
    ("[integrity]\nknwon = \"x\"\n", "integrity.knwon", "unknown key; expected one of known"),
    ("[integrity]\nknown = 3\n", "integrity.known", "expected the path of a folder, as a string, got 3"),
    ("[integrity]\nknown = \"no/such/folder\"\n", "integrity.known", "no such folder"),
])
def test_config_errors_name_file_key_and_expectation(tmp_path, text, key, expected):
    with pytest.raises(settings.ConfigError) as e:
        load_text(tmp_path, text)
    assert str(e.value).startswith(f"{tmp_path / 'course.toml'}: {key}: {expected}")
    assert e.value.key == key


def test_unreadable_config_files(tmp_path):
    with pytest.raises(settings.ConfigError, match=r"nope.toml: no such file"):
        settings.load(str(tmp_path / "nope.toml"))
    (tmp_path / "bad.toml").write_text("[limits\n")
    with pytest.raises(settings.ConfigError, match=r"bad.toml: not valid TOML \(.*line 1"):
        settings.load(str(tmp_path / "bad.toml"))


def test_config_error_on_the_command_line_is_a_usage_error(tmp_path):
    (tmp_path / "c.toml").write_text("[points]\nforward = \"lots\"\n")
    proc = run_cli(os.path.join(SUBMISSIONS, "correct", "float32.py"), "--config", str(tmp_path / "c.toml"))
    assert proc.returncode == 2
    assert f"configuration: {tmp_path / 'c.toml'}: points.forward: expected a number, got 'lots'" in proc.stderr


def test_points_per_group_and_per_check(tmp_path):
    s, _ = load_text(tmp_path, '[points]\nforward = 40\ninit = 4\n[points.checks]\n"forward/basic" = 10\n'
                               '"official/official-1" = 1\n')
    plan = settings.build_plan(s)
    points = {c.id: c.points for c in plan.checks}
    # forward: basic fixed at 10; the other six share 30 in proportion to their defaults (4, 4, 5, 4, 4, 4).
    assert points["forward/basic"] == 10 and points["forward/multi_output"] == pytest.approx(30 * 5 / 25)
    assert sum(v for k, v in points.items() if k.startswith("forward/")) == pytest.approx(40)
    assert all(points[f"init/{k}"] == 1 for k in ("shapes", "zero_biases", "scale", "draw_order"))  # 0 by default
    assert points["official/official-1"] == 1 and points["official/official-2"] == 7  # no group total: as set
    assert sum(points.values()) == pytest.approx(4 + 40 + 40 + 10 + 14)


def test_limits_from_config_and_the_command_line_wins(tmp_path):
    s, _ = load_text(tmp_path, "[limits]\ntimeout_s = 3\nmemory_mb = 512\n")
    c = settings.grade_config(s)
    assert (c.limits.timeout_s, c.limits.memory_mb) == (3, 512)
    c = settings.grade_config(s, timeout_s=7)
    assert (c.limits.timeout_s, c.limits.memory_mb) == (7, 512)
    assert settings.grade_config(settings.load(None)).limits.timeout_s == 10


def test_tolerances_reach_the_checks(tmp_path):
    """A forward pass without the recurrence fails at the default tolerance and passes at an absurd one."""
    wrong = os.path.join(SUBMISSIONS, "wrong", "missing_recurrence__col.py")
    strict = by_id(grade_path(wrong, settings.grade_config(settings.load(None))))
    s, _ = load_text(tmp_path, "[tolerances]\nforward_rtol = 100\n")
    assert settings.build_plan(s).tolerances == compare.Tolerances(forward_rtol=100.0)
    loose = by_id(grade_path(wrong, settings.grade_config(s)))
    assert strict["forward/basic"].status == "fail" and loose["forward/basic"].status == "pass"
    assert "100 × largest expected entry" in loose["forward/basic"].details["comparisons"][0]["rule"]


def test_hidden_cases_come_from_the_secret(tmp_path):
    s, _ = load_text(tmp_path, '[hidden]\nseed = "s3cret"\nforward = 2\nbackward = 1\npoints = 9\n')
    plan = settings.build_plan(s)
    hidden = [c for c in plan.checks if c.hidden]
    assert [(c.id, c.points, c.checker) for c in hidden] == [
        ("hidden/forward-1", 3, "forward"), ("hidden/forward-2", 3, "forward"), ("hidden/backward-1", 3, "backward")]
    again = settings.build_plan(settings.load(str(tmp_path / "course.toml")))
    assert [p.to_plan() for p in again.probes] == [p.to_plan() for p in plan.probes]
    other = cases.hidden_cases("another secret", forward=2, backward=1, points=9)[0]
    assert [p.to_plan() for p in other] != [p.to_plan() for p in plan.probes if p.name.startswith("hidden/")]
    assert not any(c.hidden for c in cases.default_plan().checks)  # a learner's own run has none


def test_fingerprint_changes_with_anything_that_decides_a_grade(tmp_path):
    base = settings.fingerprint(settings.grade_config(settings.load(None)))
    assert base == settings.fingerprint(settings.grade_config(settings.load(None)))
    s, _ = load_text(tmp_path, "[points]\nforward = 31\n")
    assert settings.fingerprint(settings.grade_config(s)) != base
    assert settings.fingerprint(settings.grade_config(settings.load(None), timeout_s=5)) != base


def test_known_is_a_folder_next_to_the_toml_file(tmp_path):
    (tmp_path / "solutions").mkdir()
    course, _ = load_text(tmp_path, '[integrity]\nknown = "solutions"\n')
    assert course.known == str(tmp_path / "solutions")
    assert settings.load(None).known is None
