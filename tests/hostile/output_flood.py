"""Hostile (or just very chatty): the reference implementation (prepended by the test) after hundreds of MB on
stdout and stderr. Expected: full marks; the first 64 KiB of each stream kept, and the report says it was cut."""
import sys

chunk = b"flood " * (1 << 17)  # 768 KiB
for _ in range(400):
    sys.stdout.buffer.write(chunk)
    sys.stderr.buffer.write(chunk)
sys.stdout.flush()
