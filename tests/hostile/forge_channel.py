"""Hostile: finds the grader's results channel, the plan and the grader's own encoder in its process, writes a
complete, well-formed fake run (loaded, one result per op of every probe in plan order, done) in which forward
returns zeros and backward leaves the weights as injected, then exits before the grader's code reports anything.
Expected: the forgery is taken as this submission's results, and those are wrong: nothing that counts passes.
The channel can only carry values, and every verdict is computed in the grader against the reference."""
import gc
import os
import stat
import sys

import numpy as np

wire = sys.modules["grader.run.wire"]
plan = next(o for o in gc.get_objects() if isinstance(o, dict) and "probes" in o and "chunks" in o)
channel = None
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            channel = fd
            break
    except OSError:
        continue


def fake_results(ops):
    sizes, params, out = (1, 1, 1), {}, []
    for op in ops:
        if op["op"] == "new":
            sizes = i, h, o = op["sizes"]
            shapes = {"W_xh": (h, i), "W_hh": (h, h), "W_hy": (o, h), "b_h": (h, 1), "b_y": (o, 1)}
            params = {n: wire.encode_array(np.zeros(s)) for n, s in shapes.items()}
            out.append({"ok": {"params": params, "hidden_size": wire.encode_value(h)}})
        elif op["op"] == "set":
            params = op["params"]
            out.append({"ok": {"params": params, "adapted": {}, "viewed": []}})
        elif op["op"] == "forward":
            out.append({"ok": {"value": wire.encode_array(np.zeros((op["x"]["shape"][0], sizes[2], 1)))}})
        elif op["op"] == "backward":
            out.append({"ok": {"params": params, "returned": None, "rebound": []}})
        elif op["op"] == "nudged_forwards":
            zeros = wire.encode_array(np.zeros((op["x"]["shape"][0], sizes[2], 1)))
            out.append({"ok": {"values": [zeros] * (2 * len(op["entries"]))}})
        else:
            zeros = wire.encode_array(np.zeros((op["x"]["shape"][0], sizes[2], 1)))
            out.append({"ok": {"outputs": [zeros] * op["epochs"], "params": params}})
    return out


def send(msg):
    data = wire.dumps(msg)
    while data:
        data = data[os.write(channel, data):]


send({"loaded": {"warnings": [], "classes": ["SimpleRNN"], "signature_problems": {}}})
for probe in plan["probes"]:
    send({"probe": probe["name"], "results": fake_results(probe["ops"])})
send({"done": True})
os._exit(0)
