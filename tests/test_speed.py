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


def test_arriving_results_read_as_the_dict_once_each_probe_has_come():
    """A read waits for its probe (and iteration for them all); a name the plan does not have is a KeyError at
    once, as in the dict; abandoned, a read still waiting raises Abandoned, which `except Exception` can't catch."""
    import threading

    from grader.judge.arriving import Abandoned, Arriving

    got: list = []
    learner = Arriving(["a", "b"])
    reader = threading.Thread(target=lambda: got.append((learner["b"], dict(learner))))
    reader.start()
    learner.put("a", ["ops of a"])
    assert "b" in learner and "c" not in learner and len(learner) == 2 and not learner.complete()
    assert reader.is_alive()  # b has not come: the reader still waits
    learner.put("b", ["ops of b"])
    reader.join(10)
    assert got == [(["ops of b"], {"a": ["ops of a"], "b": ["ops of b"]})] and learner.complete()
    assert learner.get("c", "none") == "none" and learner["a"] == ["ops of a"]

    partial, raised = Arriving(["a", "b"]), []

    def read_b():
        try:
            partial["b"]
        except Exception:  # what a check or a diagnosis catches: not this
            raised.append("caught")
        except BaseException as e:
            raised.append(type(e))

    waiting = threading.Thread(target=read_b)
    waiting.start()
    partial.put("a", [])
    partial.abandon()
    waiting.join(10)
    assert raised == [Abandoned] and partial["a"] == []  # what came can still be read


def test_judging_started_while_the_child_reports_is_used_only_on_the_same_ops():
    """The early judging (one file) is the judging of the same ops objects: with every probe put, it equals
    judging the dict afterwards; when one is missing, or the final dict holds other objects, it gives None
    (the caller judges itself), and its thread has ended either way."""
    from grader.diagnose import judging
    from grader.judge import results

    config = GradeConfig()
    public, _ = grade.split_probes(config.plan)
    ref = grade.reference_ops(config.plan)
    names = [p.name for p in public]
    learner = {n: ref[n] for n in names}  # the reference's own results, as a learner's
    early = judging.EarlyJudge(config.plan, names, ref)
    for n in names:
        early.arriving.put(n, learner[n])
    evaluation, diagnoses, notes = early.result(learner)
    assert not early._thread.is_alive()
    plain = judging.judge(config.plan, learner, {}, ref)
    assert (evaluation.checks, evaluation.conventions, evaluation.analysis, diagnoses, notes) == \
        (plain[0].checks, plain[0].conventions, plain[0].analysis, plain[1], plain[2])
    assert all(c.status.value == "pass" for c in evaluation.checks)

    missing = judging.EarlyJudge(config.plan, names, ref)
    for n in names[:-1]:
        missing.arriving.put(n, learner[n])
    last = public[-1]
    assert missing.result({**learner, last.name: results.missing_ops(len(last.ops), "not reported")}) is None
    assert not missing._thread.is_alive()

    copied = judging.EarlyJudge(config.plan, names, ref)
    for n in names:
        copied.arriving.put(n, learner[n])
    assert copied.result({**learner, names[0]: list(learner[names[0]])}) is None  # equal, but not the same
    assert not copied._thread.is_alive()


def test_a_batch_worker_judges_the_moment_its_child_says_done(monkeypatch):
    """Without early judging (a batch worker), the decoder judges when the child's "done" arrives, while the child
    exits: that judgement is what the result is made of, and the result is the one judging afterwards gives.
    A wrong submission too, whose diagnosis reads the diagnostic probes."""
    from grader.diagnose import judging

    config = GradeConfig()
    used = []
    result = judging.AtDone.result
    monkeypatch.setattr(judging.AtDone, "result", lambda self, learner: used.append(r := result(self, learner)) or r)
    wrong = os.path.join(ROOT, "tests", "submissions", "wrong", "truncated_bptt__row.py")
    solution = os.path.join(ROOT, "solution", "simple_rnn.py")
    ahead = [grade.grade_path(p, config) for p in (solution, wrong)]
    assert len(used) == 2 and all(r is not None for r in used)
    monkeypatch.setattr(judging.AtDone, "done", lambda self: None)  # judged afterwards, as before
    after = [grade.grade_path(p, config) for p in (solution, wrong)]
    assert len(used) == 4 and used[2:] == [None, None]
    for a, b in zip(ahead, after):
        assert (a.score, a.checks, a.diagnoses, a.analysis, a.behaviour, a.warnings) == \
            (b.score, b.checks, b.diagnoses, b.analysis, b.behaviour, b.warnings)
    assert ahead[0].score == ahead[0].max_score and ahead[1].score < ahead[1].max_score
    assert any(d.id == "truncated_bptt" for d in ahead[1].diagnoses)


def test_judging_at_done_is_used_only_on_the_same_ops():
    """AtDone judges only once every probe came (a channel cut short is judged afterwards, from what did come), and
    its judgement is given only for the very ops objects it judged."""
    from grader.diagnose import judging

    config = GradeConfig()
    public, _ = grade.split_probes(config.plan)
    ref = grade.reference_ops(config.plan)
    names = [p.name for p in public]
    learner = {n: ref[n] for n in names}
    short = judging.AtDone(config.plan, names, ref)
    for n in names[:-1]:
        short.arriving.put(n, learner[n])
    short.done()
    assert short._judged is None and short.result(learner) is None
    whole = judging.AtDone(config.plan, names, ref)
    for n in names:
        whole.arriving.put(n, learner[n])
    whole.done()
    assert whole.result({**learner, names[0]: list(learner[names[0]])}) is None  # equal, but not the same
    assert whole.result(learner) is whole._judged is not None


def test_checks_and_analysis_written_ahead_give_the_same_text_once():
    """contract.prepare converts and writes a result's checks and analysis ahead (one file, while its child runs
    its last probes): to_dict and dumps of the result holding those objects give json's own bytes; a result
    holding others is converted as usual, and what was written ahead is used at most once; a number that is
    not finite is left to to_dict's own walk, which says where it was."""
    import dataclasses
    import json

    from grader.report import contract

    result = grade.grade_path(os.path.join(ROOT, "solution", "simple_rnn.py"), GradeConfig())
    plain = contract.dumps(contract.to_dict(result))
    assert plain == json.dumps(contract.to_dict(result), indent=1, allow_nan=False, default=contract._jsonable) + "\n"

    contract.prepare(result.checks, result.analysis)
    d = contract.to_dict(result)
    assert d["checks"] is contract._ahead["values"]["checks"]  # taken, not converted again
    assert contract.dumps(d) == plain and contract._ahead == {}
    assert contract.dumps(contract.to_dict(result)) == plain  # once: now converted and written as usual

    contract.prepare(result.checks, result.analysis)
    other = dataclasses.replace(result, checks=list(result.checks))  # equal, but not the same list
    assert contract.dumps(contract.to_dict(other)) == plain and contract._ahead == {}

    analysis = dict(result.analysis, training={"loss": float("inf")})
    contract.prepare(result.checks, analysis)
    assert contract._ahead == {}
    d = contract.to_dict(dataclasses.replace(result, analysis=analysis))
    assert d["analysis"]["training"] == {"loss": None} and any("analysis.training.loss" in w for w in d["warnings"])


def test_every_epochs_outputs_read_at_once_are_those_read_one_by_one():
    """conventions.read_all_outputs (a training's epochs in one layout, other than one array) gives what
    read_outputs gives for each epoch; another layout among them, or one that can't be read, gives None."""
    from grader.judge import conventions

    rng = np.random.default_rng(3)
    t, o, h = 4, 2, 3

    def epoch(kind: str):
        steps = [rng.normal(size=(o, 1)) for _ in range(t)]
        states = [rng.normal(size=(h, 1)) for _ in range(t + 1)]
        return {"list": lambda: steps,
                "flat": lambda: [s.reshape(o).astype(np.float32) for s in steps],
                "dict": lambda: {i + 1: s for i, s in enumerate(steps)},
                "pair": lambda: (states, steps),  # (hidden states, outputs): outputs second
                "cache": lambda: ({i: s for i, s in enumerate(steps)}, {"hs": states}),
                "floats": lambda: [[float(v) for v in s.ravel()] for s in steps]}[kind]()

    for kind in ("list", "flat", "dict", "pair", "cache", "floats"):
        values = [epoch(kind) for _ in range(5)]
        every = conventions.read_all_outputs(values, t=t, o=o, h=h)
        one_by_one = np.stack([conventions.read_outputs(v, t=t, o=o, h=h).array for v in values])
        assert every is not None and every.dtype == float, kind
        assert np.array_equal(every, one_by_one), kind
    mixed = [epoch("list"), epoch("dict")]
    assert conventions.read_all_outputs(mixed, t=t, o=o, h=h) is None
    unreadable = [[rng.normal(size=(o, 1)) for _ in range(t + 2)] for _ in range(3)]  # not T steps
    assert conventions.read_all_outputs(unreadable, t=t, o=o, h=h) is None
    assert conventions.read_outputs(unreadable[0], t=t, o=o, h=h).array is None


def test_the_default_plan_comes_back_from_the_disk_cache_as_it_was_built(tmp_path, monkeypatch):
    """plan.default_plan builds the plan once and stores it (pickled); later processes read it back: the same
    probes (their JSON for the child), checks and inputs to the bit, with the objects a probe shares (the second
    call's data `is` the first's) still shared. A cache file that can't be read is built again and rewritten."""
    import json
    import subprocess
    import sys

    from grader.judge import diskcache, plan

    monkeypatch.setattr(diskcache, "DIR", str(tmp_path))
    built = plan.default_plan.__wrapped__()  # no file yet: built and stored
    (stored,) = tmp_path.glob("default_plan-*.pickle")
    read = plan.default_plan.__wrapped__()
    fresh = plan.Plan(tuple(plan.build_probes()), tuple(plan.build_checks()))
    for p in (built, read):
        assert json.dumps([q.to_plan() for q in p.probes]) == json.dumps([q.to_plan() for q in fresh.probes])
        assert p.checks == fresh.checks and p.tolerances == fresh.tolerances
        for q, r in zip(p.probes, fresh.probes):
            for key, value in r.meta.items():
                if isinstance(value, np.ndarray):
                    assert q.meta[key].dtype == value.dtype and q.meta[key].tobytes() == value.tobytes(), (q.name, key)
            if len(r.meta.get("calls", ())) > 1:
                assert (q.meta["calls"][1][0] is q.meta["calls"][0][0]) == (r.meta["calls"][1][0] is
                                                                             r.meta["calls"][0][0]), q.name
    assert read is not built  # it was read, not kept from the first call
    stored.write_bytes(b"not a pickle")
    again = plan.default_plan.__wrapped__()
    assert [q.name for q in again.probes] == [q.name for q in fresh.probes] and stored.read_bytes() != b"not a pickle"
    # The grader's own process loads numpy.random (~20 ms) only to build a plan or run the reference; a child
    # loads it before its plan arrives, a fork server before its first fork.
    code = ("import sys; import grader.grade, grader.cli, grader.report.contract; a = 'numpy.random' in sys.modules; "
            "from grader.run import child; child.executor(); print(a, 'numpy.random' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True"]
