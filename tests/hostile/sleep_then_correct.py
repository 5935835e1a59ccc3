"""Hostile to a wall-clock timeout: the reference implementation (prepended by the test) after sleeping 3 s at
import, graded with a 2 s time limit. It uses almost no CPU, as an honest submission does that a busy machine
leaves waiting. Expected: full marks; the time limit is CPU time, with a wall-clock backstop of three times it."""
import time

time.sleep(3)
