"""What the speed work changed, unit by unit (the golden test proves that no grade or report did)."""
from __future__ import annotations

import os
import pickle
import random

import numpy as np

from grader import ROOT, grade
from grader.course import worker
from grader.diagnose.behaviour import median
from grader.grade import GradeConfig
from grader.judge import signature
from grader.report import html
from grader.run import sandbox
from grader.run.submission import read_submission


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


def test_the_channel_decoded_as_it_arrives_is_the_one_read_at_the_end():
    """grade_source decodes the child's messages, and digests each probe, as they arrive: the same channel and the
    same digests as reading the outcome's messages afterwards; fed other messages (a run retried after its fork
    server was lost), the decoder reads those instead."""
    config = GradeConfig()
    public, _ = grade.split_probes(config.plan)
    source = read_submission(os.path.join(ROOT, "solution", "simple_rnn.py"))
    decoder = grade.Decoder(public, digests=True)
    run = sandbox.FRESH.begin(sandbox.child_plan(source, [p.to_plan() for p in public], False), config.limits)
    outcome = run.outcome(decoder.feed)
    names = [p.name for p in public]
    assert decoder.fed == outcome.messages and decoder.channel(outcome.messages) is decoder.ch
    after = grade.read_channel(outcome.messages, public)
    assert after.done and not after.forged and list(after.probes) == list(decoder.ch.probes) == names
    assert decoder.ch.digests == signature.behaviour(after.probes, names) and after.digests == {}
    assert signature.behaviour(after.probes, names, decoder.ch.digests) == decoder.ch.digests
    other = list(outcome.messages[:3])  # sandbox, loaded, the first probe
    again = decoder.channel(other)
    assert again is not decoder.ch and list(again.probes) == names[:1] and not again.done
