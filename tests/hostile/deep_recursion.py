"""Hostile: lifts the recursion limit and recurses in C (repr of a deeply nested list) until the C stack
overflows. Expected: crashed with SIGSEGV (not a hang, not a grader crash)."""
import sys

sys.setrecursionlimit(10 ** 8)
nested = []
for _ in range(1_000_000):
    nested = [nested]
repr(nested)
