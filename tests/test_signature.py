"""judge/signature.py: behaviour digests over the decoded results grade.py hands it (judge/results.Op)."""
from __future__ import annotations

import numpy as np

from grader.judge import signature
from grader.judge.results import Op


def test_op_digests_see_the_last_bit_and_ignore_exception_texts():
    one = np.array([[1.0, 2.0]])
    ulp = np.array([[1.0, np.nextafter(2.0, 3.0)]])
    assert signature.probe_digest([Op("ok", value={"outputs": [one]})]) == \
        signature.probe_digest([Op("ok", value={"outputs": [one.copy()]})])
    # printed to 8 digits the two are the same text; their bytes are not
    assert repr(one) == repr(ulp)
    assert signature.probe_digest([Op("ok", value={"outputs": [one]})]) != \
        signature.probe_digest([Op("ok", value={"outputs": [ulp]})])
    assert signature.probe_digest([Op("ok", value={"outputs": [one]})]) != \
        signature.probe_digest([Op("ok", value={"outputs": [one.reshape(2, 1)]})])  # same bytes, another shape
    e1 = Op("error", error={"type": "ValueError", "message": "in alice.py line 3", "traceback": "..."})
    e2 = Op("error", error={"type": "ValueError", "message": "in bob.py line 9", "traceback": "---"})
    assert signature.probe_digest([e1]) == signature.probe_digest([e2])
    assert signature.probe_digest([e1]) != signature.probe_digest([Op("error", error={"type": "KeyError"})])
    assert signature.probe_digest([Op("skipped")]) != signature.probe_digest([Op("missing")])
    assert signature.probe_digest(None) == ""
