"""Hostile: allocates memory, touching every page, until something gives. Expected: memory_limit while loading."""
hoard = []
while True:
    hoard.append(b"x" * (64 * 1024 * 1024))
