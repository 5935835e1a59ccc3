"""Hostile: an endless loop at import. Expected: timeout while loading."""
while True:
    pass
