"""Grader for the SimpleRNN kata. Run as `python -m grader SUBMISSION`.

Kept import-free: the confined child imports this package too, and must load nothing it does not need.
"""
SCHEMA_VERSION = 1
