"""Hostile: writes, in the order and shape the child's own messages have, a "loaded" message and the init case's
result, whose hidden_size is a number that is not one, then exits.
Expected: crashed (a forged channel: a value that can't be decoded), never internal."""
import os
import stat

for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, b'{"loaded": {"warnings": [], "classes": ["SimpleRNN"], "signature_problems": {}}}\n'
                         b'{"probe": "init", "results": [{"ok": {"params": {}, '
                         b'"hidden_size": {"t": "num", "v": "not a number"}}}]}\n')
            break
    except OSError:
        continue
os._exit(0)
