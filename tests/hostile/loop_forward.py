"""Hostile: the reference implementation (prepended by the test) whose forward never returns.
Expected: timeout while running the checks; the run is graded with what finished (nothing scores)."""


def _forever(self, *args):
    while True:
        pass


SimpleRNN.forward = _forever  # noqa: F821 (prepended)
