"""Hostile: the reference implementation (prepended by the test) that fills its scratch dir (up to 1 GiB in
16 MiB files and 100,000 empty files), then takes every permission away from it (chmod 000), so that an
ordinary user's rmtree can't remove it.
Expected: full marks; the scratch dir is bounded (a small tmpfs of its own where a mount namespace is
available) and removed afterwards, whatever its permissions."""
import os

written = files = 0
chunk = b"\0" * (1 << 20)
stopped = []
try:
    for i in range(64):
        with open(f"big-{i}", "wb") as f:
            for _ in range(16):
                f.write(chunk)
                written += len(chunk)
except OSError as e:
    stopped.append(f"bytes: {e.strerror}")
try:
    os.mkdir("many")
    for i in range(100_000):
        open(f"many/{i}", "w").close()
        files += 1
except OSError as e:
    stopped.append(f"files: {e.strerror}")
for path in ("many", "."):
    try:
        os.chmod(path, 0)
    except OSError:
        pass
print(f"FILLED {written} bytes, {files} files; stopped by {'; '.join(stopped) or 'nothing'}")
