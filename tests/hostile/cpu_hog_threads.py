"""Hostile: burns CPU on every core it can, from several threads (hashing releases the GIL, so they run in
parallel) and the main thread. Expected: a timeout, judged on the CPU time the submission used (all its threads
together), and nothing left running."""
import hashlib
import threading

DATA = b"x" * (1 << 20)


def burn():
    while True:
        hashlib.sha256(DATA).digest()


for _ in range(8):
    threading.Thread(target=burn, daemon=True).start()
burn()
