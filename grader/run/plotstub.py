"""Inside the child: plotting libraries replaced by no-ops, so that a notebook that draws its losses is graded.

Learners' notebooks import matplotlib, seaborn or IPython.display to plot or show things. None of them is
installed for the child, and drawing has nothing to do with the grade, so an import finder placed first on
sys.meta_path serves a stand-in for each of them (and for their sub-modules): every attribute is a no-op that
accepts any arguments and returns another no-op, which can also be indexed, iterated (as nothing), used as a context
manager or in arithmetic. `plt.subplots(...)` returns a pair, so that `fig, ax = plt.subplots()` works. The finder
records which modules were asked for, so the report can say that plotting was skipped.
"""
from __future__ import annotations

import importlib.machinery
import sys
import types
from typing import Any

STUBBED = ("matplotlib", "seaborn", "IPython", "mpl_toolkits")


class NoOp:
    """Whatever a plotting call returns: callable, indexable, iterable (empty), a context manager."""

    def __call__(self, *args: Any, **kwargs: Any) -> "NoOp":
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _SUBPLOTS if name == "subplots" else self

    def __getitem__(self, key: Any) -> "NoOp":
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __enter__(self) -> "NoOp":
        return self

    def __exit__(self, *exc: Any) -> bool:
        return False

    def __bool__(self) -> bool:
        return True

    def _same(self, *args: Any) -> "NoOp":
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __neg__ = _same

    def __repr__(self) -> str:
        return "<plotting replaced by a no-op while grading>"


_NOOP = NoOp()


def _subplots(*args: Any, **kwargs: Any) -> tuple[NoOp, NoOp]:
    return _NOOP, _NOOP


_SUBPLOTS = _subplots


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _SUBPLOTS if name == "subplots" else _NOOP


class _Finder:
    """A meta-path finder and loader for STUBBED and everything below them."""

    def __init__(self) -> None:
        self.requested: list[str] = []

    def find_spec(self, name: str, path: Any = None, target: Any = None):
        if name.partition(".")[0] not in STUBBED:
            return None
        if name not in self.requested:
            self.requested.append(name)
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec) -> types.ModuleType:
        module = _StubModule(spec.name)
        module.__path__ = []  # a package, so that `import matplotlib.pyplot` finds its sub-module here too
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def install() -> _Finder:
    """Put the finder first on sys.meta_path (once per process). Returns it; `.requested` lists the modules
    served so far."""
    for finder in sys.meta_path:
        if isinstance(finder, _Finder):
            return finder
    finder = _Finder()
    sys.meta_path.insert(0, finder)
    return finder


def note(requested: list[str]) -> str | None:
    """The report's note for the stubbed modules a submission imported, or None."""
    if not requested:
        return None
    top = sorted({n.partition(".")[0] for n in requested})
    return (f"{', '.join(top)} {'is' if len(top) == 1 else 'are'} not available while grading: plotting and "
            "display calls were replaced by no-ops (nothing is drawn), and the rest was graded as usual")
