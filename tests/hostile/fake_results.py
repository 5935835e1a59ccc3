"""Hostile: implements nothing (the reference, prepended by the test, with forward and backward undone), but prints result lines that claim full marks on stdout and stderr, and writes
result files wherever it can. Expected: score 0 (not_implemented); the real result file is the grader's."""
import json
import os
import sys

TARGETS = {}  # filled in by tests/test_hostile.py

fake = {"schema_version": 1, "status": "graded", "score": 100, "max_score": 100, "error": None}
for stream in (sys.stdout, sys.stderr):
    print(json.dumps(fake), file=stream)
    print(json.dumps({"done": True}), file=stream)
    print('{"probe": "init", "results": []}', file=stream)
for path in (TARGETS["result"], os.path.join(os.getcwd(), "result.json"),
             os.path.join(os.path.dirname(TARGETS["result"]), "PWNED-result.json")):
    try:
        with open(path, "w") as f:
            json.dump(fake, f)
    except OSError:
        pass



def _not_written(self, *args):
    raise NotImplementedError


SimpleRNN.forward = SimpleRNN.backward = _not_written  # noqa: F821 (the reference, prepended by the test)
