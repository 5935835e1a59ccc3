"""Hostile: the reference implementation (prepended by the test) whose forward returns an instance of a class
named with 30 million characters (its state cached as usual, so backward works). Sent and quoted as is, the
name would make a 30 MB result.json, report and terminal line.
Expected: the forward checks fail naming a shortened class name; backward's checks pass (45); the result stays
small."""
_forward = SimpleRNN.forward  # noqa: F821 (the reference, prepended by the test)
Huge = type("N" * 30_000_000, (), {})


def _forward_returning_huge(self, x):
    _forward(self, x)
    return Huge()


SimpleRNN.forward = _forward_returning_huge  # noqa: F821
