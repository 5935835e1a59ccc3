"""The plan: which calls the child makes (probes, inputs only) and which checks read them (with points).

Everything is generated from fixed seeds, so the same plan is built on every run and for every submission.
Weights the grader injects are drawn around N(0, 0.5²), not the starter's 0.01 scale: with tiny weights the
recurrent terms vanish and a wrong BPTT changes the updates by only about 1 %.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.judge.compare import Tolerances
from grader.run import wire

OFFICIAL_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "official_cases.json")
PARAMS = ("W_xh", "W_hh", "W_hy", "b_h", "b_y")


@dataclass(frozen=True)
class Probe:
    """One instance's life in the child: a list of ops (see run/probe.py). `meta` stays on the grader's side."""
    name: str
    ops: tuple[dict[str, Any], ...]
    seed: int = 0
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_plan(self) -> dict[str, Any]:
        return {"name": self.name, "seed": self.seed, "ops": list(self.ops)}


@dataclass(frozen=True)
class CheckSpec:
    """One scored check of the plan: its points, and the probe whose results it reads."""
    id: str            # "group/case"
    points: float
    probe: str         # the probe it reads
    params: tuple[str, ...] = ()  # backward: the parameters it judges
    hidden: bool = False
    kind: str = ""     # which check judges it, when not its group (hidden cases: "forward" or "backward")
    call: int = 1      # backward: which backward() call of the probe it judges (2: the second on one instance)

    @property
    def group(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def checker(self) -> str:
        return self.kind or self.group


@dataclass(frozen=True)
class Plan:
    """What every submission is run through (the probes) and scored on (the checks), within these tolerances."""
    probes: tuple[Probe, ...]
    checks: tuple[CheckSpec, ...]
    tolerances: Tolerances = field(default_factory=Tolerances)

    def probe(self, name: str) -> Probe:
        return self._by_name[name]

    @functools.cached_property
    def _by_name(self) -> dict[str, Probe]:
        return {p.name: p for p in self.probes}


def _enc(a: np.ndarray) -> dict[str, Any]:
    return wire.encode_array(np.asarray(a, dtype=float))


def param_shapes(sizes: tuple[int, int, int]) -> dict[str, tuple[int, int]]:
    """The kata's parameter shapes for sizes (I, H, O), in the starter's order."""
    i, h, o = sizes
    return {"W_xh": (h, i), "W_hh": (h, h), "W_hy": (o, h), "b_h": (h, 1), "b_y": (o, 1)}


def random_params(rng: np.random.Generator, sizes: tuple[int, int, int], scale: float = 0.5) -> dict[str, np.ndarray]:
    return {name: rng.normal(0.0, scale * (0.6 if name.startswith("b") else 1.0), shape)
            for name, shape in param_shapes(sizes).items()}


def _sequence(rng: np.random.Generator, t: int, n: int, scale: float = 1.0) -> np.ndarray:
    return rng.normal(0.0, scale, (t, n))


def injected_probe(name: str, seed: int, sizes: tuple[int, int, int], tail: list[dict[str, Any]],
                   params: dict[str, np.ndarray], **meta: Any) -> Probe:
    """new → set(params) → tail ops. The constructor's own draws are replaced by `params`."""
    ops = [{"op": "new", "sizes": list(sizes), "seed": seed},
           {"op": "set", "params": {k: _enc(v) for k, v in params.items()}}] + tail
    return Probe(name, tuple(ops), seed, {"sizes": sizes, "params": params, **meta})


def forward_probe(name: str, seed: int, sizes, t: int, *, weight_scale=0.5, input_scale=1.0,
                  again: tuple[int, ...] = ()) -> Probe:
    """One forward(x) of T = t on injected weights, then one more forward per length in `again` (new sequences)."""
    rng = np.random.default_rng(seed)
    params = random_params(rng, sizes, weight_scale)
    xs = [_sequence(rng, n, sizes[0], input_scale) for n in (t, *again)]
    return injected_probe(name, seed, sizes, [{"op": "forward", "x": _enc(x)} for x in xs], params, xs=xs)


def backward_probe(name: str, seed: int, sizes, t: int, lr: float, *, target_scale: float = 1.0,
                   forward_first: bool = True, again: str = "", long_memory: bool = False) -> Probe:
    """forward(x) then backward(x, y, lr) on injected weights. `again`: the same weights injected again, then a
    second forward + backward on the same instance, on new data of the same length ("new") or on the same data
    ("same"); meta "calls" lists each call's (x, y). `long_memory`: W_hh orthogonal (gain 1) and small inputs
    after a larger first one, so that the error of every output reaches back to step 0 (a truncated BPTT of any
    window k < T is far off)."""
    rng = np.random.default_rng(seed)
    params = random_params(rng, sizes)
    if long_memory:
        q, r = np.linalg.qr(rng.normal(0.0, 1.0, (sizes[1], sizes[1])))
        params["W_hh"] = q * np.sign(np.diag(r))
    x, y = _sequence(rng, t, sizes[0]), _sequence(rng, t, sizes[2], target_scale)
    if long_memory:
        x, y = x * np.r_[0.5, np.full(t - 1, 0.1)][:, None], y * np.r_[np.ones(t - 1), 3.0][:, None]
    calls = [(x, y)]
    if again:
        calls.append((_sequence(rng, t, sizes[0]), _sequence(rng, t, sizes[2], target_scale)) if again == "new"
                     else (x, y))
    tail: list[dict[str, Any]] = []
    for k, (cx, cy) in enumerate(calls):
        # The second call starts from the same injected weights: only what the instance kept can change it.
        tail += ([{"op": "set", "params": {n: _enc(v) for n, v in params.items()}}] if k else []) + \
            ([{"op": "forward", "x": _enc(cx)}] if forward_first else []) + \
            [{"op": "backward", "x": _enc(cx), "y": _enc(cy), "lr": lr}]
    return injected_probe(name, seed, sizes, tail, params, x=x, y=y, lr=lr, calls=calls)


def training_probe(name: str, seed: int, sizes, t: int, lr: float, epochs: int) -> Probe:
    rng = np.random.default_rng(seed)
    params = random_params(rng, sizes, 0.3)
    x, y = _sequence(rng, t, sizes[0]), _sequence(rng, t, sizes[2])
    tail = [{"op": "train", "x": _enc(x), "y": _enc(y), "lr": lr, "epochs": epochs}]
    return injected_probe(name, seed, sizes, tail, params, x=x, y=y, lr=lr, epochs=epochs)


@functools.lru_cache(maxsize=1)
def official_cases() -> tuple[dict[str, Any], ...]:
    with open(OFFICIAL_PATH) as f:
        return tuple(json.load(f)["cases"])


def official_probe(case: dict[str, Any]) -> Probe:
    """Exactly as the site runs it: its seed, the learner's own __init__, its epochs."""
    sizes = (case["input_size"], case["hidden_size"], case["output_size"])
    x, y = np.array(case["x"], dtype=float), np.array(case["y"], dtype=float)
    ops = ({"op": "new", "sizes": list(sizes), "seed": case["seed"]},
           {"op": "train", "x": _enc(x), "y": _enc(y), "lr": case["learning_rate"], "epochs": case["epochs"]})
    return Probe(f"official/{case['name']}", ops, case["seed"],
                 {"sizes": sizes, "x": x, "y": y, "lr": case["learning_rate"], "epochs": case["epochs"],
                  "expected": np.array(case["expected_output"], dtype=float).reshape(len(x), -1)})


# Sizes are (I, H, O). T = 2 is never used (a 2-step list would look like an (outputs, states) pair), and O != H.
# Some backward cases have I = 1, so that a backward that only works for one input still shows its other mistakes.
def build_probes() -> list[Probe]:
    probes = [Probe("init", ({"op": "new", "sizes": [4, 16, 3], "seed": 42},), 42, {"sizes": (4, 16, 3)})]
    probes += [
        forward_probe("forward/basic", 101, (2, 4, 1), 5),
        forward_probe("forward/single_step", 102, (3, 4, 2), 1),
        forward_probe("forward/multi_input", 103, (5, 4, 1), 6),
        forward_probe("forward/multi_output", 104, (2, 5, 3), 6),
        forward_probe("forward/long_sequence", 105, (2, 6, 2), 40),
        # Pre-activations of several units: tanh is flat there. Kept below |z| ≈ 50, far from math.exp overflow.
        forward_probe("forward/saturated", 106, (3, 5, 2), 8, weight_scale=3.0, input_scale=2.0),
        # Another length, then that length again: a state kept until len(x) changes shows in the third call.
        forward_probe("forward/repeat_call", 107, (2, 4, 1), 5, again=(7, 7)),
        backward_probe("backward/basic", 201, (3, 4, 1), 6, 0.01, again="new"),
        backward_probe("backward/multi_output", 202, (2, 4, 3), 5, 0.01, again="same"),
        backward_probe("backward/learning_rate", 203, (2, 4, 2), 5, 0.1),
        backward_probe("backward/single_step", 204, (1, 4, 2), 1, 0.05),
        # Every truncation window k < T is 23 % off or more here (seed 207 was picked for that).
        backward_probe("backward/long_sequence", 207, (1, 5, 2), 20, 0.01, long_memory=True),
        training_probe("training/basic", 301, (2, 4, 2), 5, 0.01, 20),
    ]
    probes += [official_probe(c) for c in official_cases()]
    # Not scored: tells whether backward needs a forward first (the report names the convention).
    probes.append(backward_probe("conventions/backward_alone", 401, (2, 4, 1), 3, 0.01, forward_first=False))
    probes += diagnostic_probes() + length_probes()
    return probes


def length_probes() -> list[Probe]:
    """Not scored; only diagnose/sizes.py reads them. forward/basic's sizes at the shortest and the longest length
    the plan uses: a method that raises for T = 1 or T = 40 then also raises at sizes where it runs otherwise, so
    that the length, not the sizes, is named as what sets the failing cases apart."""
    return [backward_probe("lengths/single_step", 208, (2, 4, 1), 1, 0.01),
            backward_probe("lengths/long", 209, (2, 4, 1), 40, 0.01)]


def diagnostic_probes() -> list[Probe]:
    """Not scored; diagnose/ reads them. backward/basic's data again at 5× its learning rate (an update that
    doesn't scale with lr ignores it, one that isn't proportional is applied inside the time loop); targets 100×
    larger, so that gradients reach far beyond the usual clipping limits (±1, ±5); finite differences through the
    learner's own forward, on a case where most mistakes show (O > 1, T ≥ 6)."""
    return [backward_probe("diagnose/learning_rate_5x", 201, (3, 4, 1), 6, 0.05),
            backward_probe("diagnose/large_gradient", 205, (2, 4, 2), 4, 0.001, target_scale=100.0),
            finite_difference_probe("diagnose/finite_differences", 206, (2, 3, 2), 6, 0.01)]


def finite_difference_probe(name: str, seed: int, sizes, t: int, lr: float, eps: float = 1e-3) -> Probe:
    """One forward + backward at injected weights, then the learner's own forward at every parameter entry nudged
    by ±eps (one op: run/probe.py's nudged_forwards, a fresh instance each time). The grader turns the outputs
    into a central-difference gradient of ½Σ(ŷ − y)²: is backward the gradient of this forward?"""
    rng = np.random.default_rng(seed)
    params = random_params(rng, sizes)
    x, y = _sequence(rng, t, sizes[0]), _sequence(rng, t, sizes[2])
    entries = [(k, idx) for k in PARAMS for idx in np.ndindex(params[k].shape)]
    nudges = {"op": "nudged_forwards", "sizes": list(sizes), "seed": seed, "eps": eps, "x": _enc(x),
              "params": {k: _enc(v) for k, v in params.items()},
              "entries": [[k, int(np.ravel_multi_index(idx, params[k].shape))] for k, idx in entries]}
    tail = [{"op": "forward", "x": _enc(x)}, {"op": "backward", "x": _enc(x), "y": _enc(y), "lr": lr}, nudges]
    return injected_probe(name, seed, sizes, tail, params, x=x, y=y, lr=lr, eps=eps, entries=entries,
                          calls=[(x, y)])


def build_checks() -> list[CheckSpec]:
    checks = [CheckSpec("init/shapes", 0, "init"), CheckSpec("init/zero_biases", 0, "init"),
              CheckSpec("init/scale", 0, "init"), CheckSpec("init/draw_order", 0, "init")]
    forward_points = {"basic": 5, "single_step": 4, "multi_input": 4, "multi_output": 5, "long_sequence": 4,
                      "saturated": 4, "repeat_call": 4}
    checks += [CheckSpec(f"forward/{k}", v, f"forward/{k}") for k, v in forward_points.items()]
    checks += [CheckSpec(f"backward/{p}", pts, "backward/basic", (p,))
               for p, pts in zip(PARAMS, (5, 5, 4, 4, 3))]
    checks += [CheckSpec(f"backward/{k}", v, f"backward/{k}", PARAMS)
               for k, v in {"multi_output": 4, "learning_rate": 4, "single_step": 3, "long_sequence": 4}.items()]
    # The second call on one instance: new data (backward/basic's), then the same data again (multi_output's).
    checks += [CheckSpec("backward/second_call", 2, "backward/basic", PARAMS, call=2),
               CheckSpec("backward/same_data_twice", 2, "backward/multi_output", PARAMS, call=2)]
    checks += [CheckSpec("training/outputs", 5, "training/basic"),
               CheckSpec("training/weights", 5, "training/basic", PARAMS)]
    checks += [CheckSpec(f"official/{c['name']}", pts, f"official/{c['name']}")
               for c, pts in zip(official_cases(), (7, 7, 6))]
    return checks


def hidden_cases(secret: str, *, forward: int, backward: int, points: float) -> tuple[list[Probe], list[CheckSpec]]:
    """Extra cases drawn from an instructor's secret: sizes, sequences and weights no learner has seen. Returns the
    probes and their checks (ids "hidden/forward-k", "hidden/backward-k"), sharing `points` equally. The same
    secret gives the same cases on every machine; learners' self-check runs have no secret, so no hidden cases."""
    probes, checks = [], []
    each = points / (forward + backward) if forward + backward else 0.0
    for kind, count in (("forward", forward), ("backward", backward)):
        for k in range(1, count + 1):
            name = f"hidden/{kind}-{k}"
            seed = int.from_bytes(hashlib.sha256(f"{secret}\0{name}".encode()).digest()[:4], "big")
            rng = np.random.default_rng([seed, 1])  # its own stream, so sizes don't correlate with the weights
            sizes = (int(rng.integers(1, 6)), int(rng.integers(2, 9)), int(rng.integers(1, 4)))
            if sizes[2] == sizes[1]:
                sizes = (sizes[0], sizes[1] + 1, sizes[2])  # O != H, as in the public cases
            t = int(rng.choice([1, 3, 4, 5, 6, 8, 10, 12]))  # never T = 2 (see build_probes)
            if kind == "forward":
                probes.append(forward_probe(name, seed, sizes, t))
                checks.append(CheckSpec(name, each, name, hidden=True, kind="forward"))
            else:
                probes.append(backward_probe(name, seed, sizes, t, float(rng.choice([0.01, 0.05, 0.1]))))
                checks.append(CheckSpec(name, each, name, PARAMS, hidden=True, kind="backward"))
    return probes, checks


@functools.lru_cache(maxsize=1)
def default_plan() -> Plan:
    """The kata's plan, once per process: from the disk cache (diskcache.py) when this grader code, numpy and CPU
    made it before, else built (and stored). Building it draws its inputs from numpy.random, whose import a
    one-file run would otherwise wait for (~20 ms); the cache holds the same objects, shared ones shared."""
    from grader.judge import diskcache
    from grader.run import numerics

    cached = diskcache.path("default_plan", diskcache.grader_code(),
                            f"{np.__version__} {numerics.signature()}".encode(), suffix=".pickle")
    plan = diskcache.read_pickled(cached)
    if not isinstance(plan, Plan):
        plan = Plan(tuple(build_probes()), tuple(build_checks()))
        diskcache.write_pickled(cached, plan)
    return plan
