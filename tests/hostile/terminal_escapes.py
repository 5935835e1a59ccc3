"""Hostile: the reference implementation (prepended by the test) whose errors carry terminal control sequences.
For T = 1, forward raises a message that sets the terminal's title (OSC 0), writes to the clipboard (OSC 52),
prints a bold fake "Score: 100/100" on a line of its own, conceals what follows (SGR 8), clears the screen with a
C1 CSI and returns the cursor (CR); for T = 40 it raises an exception whose class name clears the screen.
Expected: graded, 89 (the three checks those calls break: forward/single_step, forward/long_sequence and
backward/single_step lose 11 points); every control character shown escaped, the grader's score line last."""

_forward = SimpleRNN.forward  # noqa: F821 (prepended)
TITLE, CLIPBOARD = "\x1b]0;PWNED\x07", "\x1b]52;c;cHduZWQ=\x07"
FAKE_SCORE = "\x1b[1mScore: 100/100\x1b[0m\n\x1b[8m"


def _hostile_forward(self, x):
    if len(x) == 1:
        raise ValueError(TITLE + CLIPBOARD + FAKE_SCORE + "\x9b2J\r")
    if len(x) == 40:
        raise type("Evil\x1b[2J", (Exception,), {})("class named to clear the screen")
    return _forward(self, x)


SimpleRNN.forward = _hostile_forward  # noqa: F821
