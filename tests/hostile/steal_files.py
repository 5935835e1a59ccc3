"""Hostile: tries to import the grader's reference runner, to read the reference solution (found through the
grader's own package, and by its path) and a classmate's submission, and to delegate to whichever it can read.
Expected: every read is refused; the submission fails to load with PermissionError (import_error)."""
import os
import sys

TARGETS = {}  # filled in by tests/test_hostile.py

candidates = [TARGETS["solution"], TARGETS["classmate"]]
grader = sys.modules.get("grader")
if grader is not None:
    for folder in getattr(grader, "__path__", []):
        candidates.append(os.path.join(os.path.dirname(folder), "solution", "simple_rnn.py"))
failures = []
try:  # the grader's own reference runner: its package is imported in this process already
    import grader.judge.reference

    SimpleRNN = grader.judge.reference.load_reference()
    print("STOLEN grader.judge.reference")
except Exception as e:
    failures.append(f"import grader.judge.reference: {type(e).__name__}")
for path in candidates:
    try:
        with open(path) as f:
            code = f.read()
    except OSError as e:
        failures.append(f"{path}: {type(e).__name__}")
        continue
    exec(compile(code, path, "exec"))
    print("STOLEN", path)
    break
else:
    for folder in (os.path.dirname(TARGETS["classmate"]), os.path.dirname(TARGETS["solution"])):
        try:
            failures.append(f"listdir {folder}: {os.listdir(folder)}")
        except OSError as e:
            failures.append(f"listdir {folder}: {type(e).__name__}")
    raise PermissionError("could not steal anything: " + "; ".join(failures))
