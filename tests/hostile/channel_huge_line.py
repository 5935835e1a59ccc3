"""Hostile: writes one results-channel line of 22 million `{}` (63 MiB, under the channel's byte limit) before
SimpleRNN is defined: decoded, it would cost the grader, not the child, about 2 GB.
Expected: crashed (a forged channel), found before the line is decoded."""
import os
import stat

channel = None
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            channel = fd
            break
    except OSError:
        continue
data = memoryview(b"[" + b"{}," * 21_999_999 + b"{}]\n")
while data:
    data = data[os.write(channel, data):]
