"""What the speed work changed, unit by unit (the golden test proves that no grade or report did)."""
from __future__ import annotations

import pickle
import random

import numpy as np

from grader.course import worker
from grader.diagnose.behaviour import median
from grader.grade import GradeConfig
from grader.report import html


def test_median_is_numpys_to_the_bit():
    rng = random.Random(14)
    for n in range(1, 40):
        values = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-8, 8) for _ in range(n)]
        assert median(values) == float(np.median(values))
        assert median(np.array(values)) == float(np.median(np.array(values)))
    assert np.isnan(median([1.0, float("nan"), 2.0])) and np.isnan(np.median([1.0, float("nan"), 2.0]))


def test_worker_settings_are_pickled_once_and_unpack_to_equal_ones():
    config = GradeConfig()
    packed = worker.pack(config, {"p": [1.0]})
    assert isinstance(packed, bytes)
    assert pickle.loads(packed) == (config, {"p": [1.0]})


def test_the_report_template_is_compiled_once_per_process():
    first = html._template("report.html.j2")
    assert html._template("report.html.j2") is first
    assert html._template("summary.html.j2") is not first
