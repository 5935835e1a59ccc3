"""Hostile: the reference implementation (prepended by the test) whose __init__ never returns.
Expected: timeout in the first check, nothing graded."""


def _forever(self, *args):
    while True:
        pass


SimpleRNN.__init__ = _forever  # noqa: F821 (prepended)
