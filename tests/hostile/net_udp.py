"""Hostile: the reference implementation (prepended by the test) that also sends datagrams to a UDP socket the
test binds on 127.0.0.1. Expected: full marks, and nothing received."""
import socket

TARGETS = {}  # filled in by tests/test_hostile.py

try:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"leak", ("127.0.0.1", TARGETS["udp"]))
    print("NET sent over UDP")
except OSError as e:
    print(f"NET udp refused: {type(e).__name__}: {e}")
