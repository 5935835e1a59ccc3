"""Grader for the SimpleRNN kata. Run as `python -m grader SUBMISSION`.

The stages, in the order a submission passes through them (README, "How the code is organised"):
run/ (read the file, run it confined) → judge/ (check against the reference) → diagnose/ (what the failures mean)
→ report/ (render); course/ grades a class. grade.py orchestrates one submission, course/batch.py a class.

Kept import-free: the confined child imports this package too, and must load nothing it does not need.
"""
import os

SCHEMA_VERSION = 1
# The project's root: grader/, solution/, templates/ (a confined child may read none of it).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
