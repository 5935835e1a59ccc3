"""Check stage: the learner's results as the child reports them, so that judging can start before the child ends.

`Arriving` reads as the {probe name: ops} dict the checks are given, in plan order, but is filled in while the
child works: reading a probe that has not come yet waits for it; iterating waits for them all. If the channel
ends without them all, `abandon()` makes every read that would wait raise Abandoned, which no check or diagnosis
catches (it is a BaseException), so that judging is thrown away and done again from what did come.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping

from grader.judge.results import Op


class Abandoned(BaseException):
    """The channel ended before the probe being read came."""


class Arriving(Mapping):
    def __init__(self, names: list[str]):
        self.names, self._known = list(names), frozenset(names)
        self.values: dict[str, list[Op]] = {}
        self._changed = threading.Condition()
        self._abandoned = False

    def put(self, name: str, ops: list[Op]) -> None:
        with self._changed:
            self.values[name] = ops
            self._changed.notify_all()

    def abandon(self) -> None:
        with self._changed:
            self._abandoned = True
            self._changed.notify_all()

    def complete(self) -> bool:
        return len(self.values) == len(self.names)

    def _wait(self, ready) -> None:
        with self._changed:
            while not ready():
                if self._abandoned:
                    raise Abandoned()
                self._changed.wait()

    def __getitem__(self, name: str) -> list[Op]:
        if name not in self._known:
            raise KeyError(name)
        self._wait(lambda: name in self.values)
        return self.values[name]

    def __contains__(self, name: object) -> bool:  # every probe is a key, as in the dict: no need to wait
        return name in self._known

    def __iter__(self) -> Iterator[str]:
        self._wait(self.complete)
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
