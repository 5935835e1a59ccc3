"""Hostile: the reference implementation (prepended by the test) whose backward never returns.
Expected: timeout while running the checks, the forward checks (which come first) still score."""


def _forever(self, *args):
    while True:
        pass


SimpleRNN.backward = _forever  # noqa: F821 (prepended)
