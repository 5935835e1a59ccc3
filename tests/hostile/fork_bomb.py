"""Hostile: a fork bomb; every process keeps forking. Expected: timeout, and no process left afterwards."""
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
