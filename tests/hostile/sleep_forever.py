"""Hostile: sleeps at import, far past any time limit. Expected: timeout while loading."""
import time

time.sleep(10 ** 6)
