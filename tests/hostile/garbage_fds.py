"""Hostile: the reference implementation (prepended by the test) that writes garbage, including a fake
"done" message, to every file descriptor it may have, the grader's results channel among them.
Expected: crashed (the channel carried something that is not a grader message), nothing graded."""
import os

for fd in range(1024):
    try:
        os.write(fd, b'garbage\x00\xff\n{"done": true}\n')
    except OSError:
        pass
