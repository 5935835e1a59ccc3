"""The results channel (grader/run/wire.py): what an honest child sends fits the bounds computed from its plan,
and anything beyond them, or that does not decode, is rejected before it costs the grader memory."""
import json
import tracemalloc

import numpy as np
import pytest

from grader.judge import reference
from grader.judge.plan import default_plan
from grader import ROOT
from grader.run import memo, sandbox, series, wire
from grader.run.probe import run_probe


def _reader(probes=None) -> wire.ChannelReader:
    probes = probes if probes is not None else [p.to_plan() for p in default_plan().probes]
    return wire.ChannelReader(wire.channel_bounds(probes))


def _feed(reader: wire.ChannelReader, data: bytes, chunk: int = 1 << 20) -> None:
    for i in range(0, len(data), chunk):  # as sandbox._collect reads the pipe
        reader.add(data[i:i + chunk])


def test_an_honest_childs_messages_fit_their_bounds():
    """The positive control: the reference's results, encoded as the child encodes them, fit with room to spare,
    and read back as they were."""
    cls = reference.load_reference()
    probes = [p.to_plan() for p in default_plan().probes]
    reader = _reader(probes)
    sent = []
    for probe in probes:
        msg = {"probe": probe["name"], "results": run_probe(cls, probe)}
        line = wire.dumps(msg)
        size, tokens = wire.probe_bound(probe)
        assert len(line) < size / 4 and wire.tokens(line) < tokens / 4, probe["name"]
        _feed(reader, line)
        sent.append(msg)
    messages, error = reader.messages()
    assert error is None and [m["probe"] for m in messages] == [p["name"] for p in probes]


def test_a_line_longer_than_any_message_is_rejected_before_it_is_decoded():
    line = b"[" + b"{}," * 21_999_999 + b"{}]\n"  # 63 MiB of empty objects: about 2 GB decoded
    reader = _reader()
    tracemalloc.start()
    try:
        _feed(reader, line)
        messages, error = reader.messages()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert messages == [] and "longer than any grader message" in error
    assert peak < 8 << 20


@pytest.mark.parametrize("line", [
    b"[" * 100_000 + b"]" * 100_000,                           # too deep for the decoder: RecursionError
    b'{"v": NaN}', b'{"v": Infinity}',                         # numbers JSON has not
    b'{"v": ' + b"9" * 5000 + b"}",                            # an int Python refuses to convert
    b'{"a": [' + b"{}," * 300_000 + b"{}]}",                    # short enough, but more items than any message
    b"[1, 2]", b"not json",
], ids=["deep", "nan", "infinity", "huge-int", "items", "not-an-object", "not-json"])
def test_a_line_that_is_not_a_message_ends_the_channel(line):
    reader = _reader()
    _feed(reader, b'{"sandbox": {}}\n' + line + b'\n{"done": true}\n')
    messages, error = reader.messages()
    assert messages == [{"sandbox": {}}] and error == "the results channel carried something that is not a grader message"


def test_each_message_is_handed_over_as_its_line_completes_and_none_after_a_bad_one():
    """The grader judges while the child works: a message reaches on_message once its newline has arrived (even
    split across reads, one byte at a time), in order; nothing after a line that is not a message does, and
    messages() says the same as it did when it parsed everything at the end."""
    seen = []
    reader = wire.ChannelReader(_reader().bounds, seen.append)
    first, second = b'{"sandbox": {"a": 1}}\n', b'{"loaded": {}}\n'
    _feed(reader, first[:-1], chunk=1)
    assert seen == []  # no newline yet: the line may still grow
    _feed(reader, first[-1:] + second[:5])
    assert seen == [{"sandbox": {"a": 1}}]
    _feed(reader, second[5:] + b"\n\nnot json\n" + b'{"done": true}\n', chunk=3)
    assert seen == [{"sandbox": {"a": 1}}, {"loaded": {}}]
    messages, error = reader.messages()
    assert messages == seen and error == "the results channel carried something that is not a grader message"


def test_a_listener_that_fails_is_dropped_and_the_messages_are_still_read():
    calls = []

    def listener(msg):
        calls.append(msg)
        raise RuntimeError("a grader bug")

    reader = wire.ChannelReader(_reader().bounds, listener)
    _feed(reader, b'{"sandbox": {}}\n{"done": true}\n', chunk=1)
    assert calls == [{"sandbox": {}}] and reader.messages() == ([{"sandbox": {}}, {"done": True}], None)


def test_more_than_the_whole_channel_allows_ends_it():
    probes = [p.to_plan() for p in default_plan().probes][:1]
    reader = _reader(probes)
    line = b'{"x": "' + b"a" * 1000 + b'"}\n'
    _feed(reader, line * (reader.bounds.total_bytes // len(line) + 1))
    assert "more than the results channel allows" in reader.messages()[1]


def test_a_value_beyond_its_budget_is_described_not_sent():
    probe = default_plan().probe("forward/basic").to_plan()
    budget = wire.value_budget(probe)
    honest = np.zeros((5, 1, 1))
    assert wire.encode_value(honest, budget)["t"] == "array"
    huge = wire.encode_value(np.zeros((100, 100)), budget)
    assert huge == {"t": "too_big", "shape": [100, 100], "dtype": "float64"}
    many = wire.encode_value([0.5] * 10_000, budget)
    assert many == {"t": "too_big", "type": "list", "len": 10_000}
    assert len(wire.dumps({"value": huge})) < wire.DESCRIPTION_BYTES


def test_names_arrive_cut_to_printable_ascii():
    assert wire.name("N" * 30_000_000) == "N" * 45 + "..."
    assert wire.name("Ergebnis") == "Ergebnis"
    assert wire.name("Résultat\x1b[2J") == "R\\xe9sultat?[2J"
    assert len(wire.name("é" * 40)) == wire.NAME_CAP


def test_decoding_refuses_what_the_child_never_sends():
    for bad in ({"t": "num", "v": "not a number"}, {"t": "num", "v": True}, {"t": "other", "type": "x" * 100},
                {"t": "dict", "items": [[["key"], {"t": "none"}]]}, {"t": "too_big", "shape": [1] * 9}):
        with pytest.raises(wire.WireError):
            wire.decode_value(bad)
    assert wire.decode_value({"t": "num", "v": "inf"}) == float("inf")


def test_a_series_of_outputs_decodes_to_the_arrays_sent_one_by_one():
    budget = wire.Budget(100_000, 10_000)
    same = [np.arange(4.0).reshape(2, 2, 1) + k for k in range(3)]
    odd = [np.float32([1.5, 2.5]), [1.0, 2.0], np.arange(3.0), np.arange(3.0) * 2]
    for calls in (same, odd, same + odd + same):
        sent = series.encode_series([series.keep(v, budget) for v in calls], budget)
        got = series.decode_series(json.loads(json.dumps(sent)), len(calls))
        one_by_one = [wire.decode_value(wire.encode_value(v, budget)) for v in calls]
        assert len(got) == len(one_by_one)
        for a, b in zip(got, one_by_one):
            assert type(a) is type(b)
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
            else:
                assert a == b
    assert [d["t"] for d in series.encode_series([series.keep(v, budget) for v in same], budget)] == ["stack"]


def test_a_kept_array_is_a_copy_and_one_too_big_is_described_at_once():
    budget = wire.Budget(2_000, 1_000)
    mine = np.zeros(3)
    kept = series.keep(mine, budget)
    mine[0] = 7.0  # the learner's next call writes into its own array
    assert kept[0] == 0.0
    assert series.keep(np.zeros(10_000), budget)["t"] == "too_big"


@pytest.mark.parametrize("item", [
    {"t": "stack", "count": 5, "shape": [2], "dtype": "float64", "data": ""},      # more than the calls
    {"t": "stack", "count": 1, "shape": [2], "dtype": "float64", "data": ""},      # a stack of one is never sent
    {"t": "stack", "count": 2, "shape": [2], "dtype": "float64", "data": "AAAA"},  # data that isn't 2 x 2 floats
    {"t": "stack", "count": "2", "shape": [2], "dtype": "float64", "data": ""},
])
def test_a_malformed_series_is_refused(item):
    with pytest.raises(wire.WireError):
        series.decode_series([item], 4)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "uint8", "bool", ">f8"])
def test_an_array_sent_without_a_budget_check_fits_its_budget(dtype):
    """encode_value skips writing the JSON of a plain array whose size alone shows that it fits (_array_fits):
    whatever it lets through must fit the budget, as the JSON check it saves would have found."""
    for shape in [(1,), (3, 1), (16, 16), (2,) * 8, (7, 1, 1), (1000,), (100, 100)]:
        a = np.zeros(shape, dtype=dtype)
        for budget in (wire.Budget(2000, 300), wire.Budget(100_000, 1000), wire.Budget(10 ** 6, 13)):
            if wire._array_fits(a.size, budget):
                text = json.dumps(wire.encode_value(a, budget), separators=(",", ":"))
                assert len(text) <= budget.bytes and wire.tokens(text) <= budget.tokens
                assert json.loads(text)["t"] == "array"


def test_a_probe_is_known_by_its_name_seed_and_ops():
    calls = []
    f = memo.per_probe(lambda p: calls.append(p["name"]) or len(calls))
    probe = default_plan().probe("forward/basic")
    assert f(probe.to_plan()) == f(probe.to_plan()) == 1  # a new dict per submission, the same ops
    assert f(dict(probe.to_plan(), ops=[dict(op) for op in probe.ops])) == 2  # equal, but other ops
    assert f(dict(probe.to_plan(), seed=probe.seed + 1)) == 3
    odd = dict(probe.to_plan(), extra=1)  # a form the memo doesn't know: computed every time
    assert f(odd) == 4 and f(odd) == 5


def test_the_payload_is_the_plan_as_json_and_the_bounds_are_the_probes():
    probes = [p.to_plan() for p in default_plan().probes]
    plan = {"kind": "py", "chunks": [{"label": "a.py", "code": "x = 1"}], "probes": probes,
            "require_isolation": False}
    limits = sandbox.Limits()
    want = {**plan, "limits": limits.to_plan(), "grader_root": ROOT, "scratch": "S"}
    for _ in range(2):  # computed, then from the memo
        assert json.loads(sandbox.payload(plan, limits, "S")) == want
        assert [wire.probe_bound(p) for p in probes] == [wire.probe_bound.__wrapped__(p) for p in probes]
    assert json.loads(sandbox.payload({"kind": "py"}, limits, "S"))["scratch"] == "S"
