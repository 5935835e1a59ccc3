"""Hostile: the reference implementation (prepended by the test) that also tries to reach a TCP listener the
test runs on 127.0.0.1 (to fetch hidden tests, or leak data). Expected: full marks, and no connection."""
import socket

TARGETS = {}  # filled in by tests/test_hostile.py

try:
    with socket.create_connection(("127.0.0.1", TARGETS["tcp"]), timeout=2) as s:
        s.sendall(b"leak")
    print("NET connected over TCP")
except OSError as e:
    print(f"NET tcp refused: {type(e).__name__}: {e}")
