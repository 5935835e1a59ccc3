"""Hostile: dereferences a null pointer through ctypes at import. Expected: crashed, with SIGSEGV named."""
import ctypes

ctypes.string_at(0)
