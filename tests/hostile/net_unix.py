"""Hostile: the reference implementation (prepended by the test) that also tries a unix socket the test listens
on (a path its user may write, and an abstract name). Expected: full marks, and no connection."""
import socket

TARGETS = {}  # filled in by tests/test_hostile.py

for address in (TARGETS["unix"], "\0" + TARGETS["abstract"]):
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(address)
            s.sendall(b"leak")
        print(f"NET connected to {address!r}")
    except OSError as e:
        print(f"NET unix {address!r} refused: {type(e).__name__}: {e}")
