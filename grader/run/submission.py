"""Read stage: a submission file (.py or .ipynb) becomes a Source (the code to run, in chunks), or a LoadFault.

Nothing here runs learner code, and only a regular file is read, never through a link (run/files.py). A notebook's code cells become one chunk each, run in order as one module by the
child, so that a cell that raises can be reported by number and the cells after it still run.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field

from grader.run import files

MAX_BYTES = 2 * 1024 * 1024
EXTENSIONS = (".py", ".ipynb")
# Cell magics whose body is still Python; any other %% cell (%%bash, %%writefile...) is skipped whole.
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")


@dataclass(frozen=True)
class Chunk:
    """One piece of a submission's code: a file, or a notebook's code cell."""
    label: str  # what tracebacks call it: the file name, or "cell 3"
    code: str


@dataclass(frozen=True)
class Source:
    """A submission read and ready to run: its code chunks, in order."""
    name: str
    kind: str  # "py" | "ipynb"
    chunks: tuple[Chunk, ...]
    sha256: str
    notes: tuple[str, ...] = field(default=())  # what was skipped, for the report


@dataclass(frozen=True)
class LoadFault:
    """Why a file could not be read as a submission (a learner fault, as a value)."""
    kind: str  # always "bad_file": the contract's kind for a file that can't be read as a submission
    message: str
    sha256: str = ""


def read_submission(path: str) -> Source | LoadFault:
    """Read `path` into a Source, or say precisely why it can't be graded. Only a regular file is read: a link,
    a FIFO or a device is a bad_file that says what it is."""
    name = os.path.basename(path) or path
    ext = os.path.splitext(name)[1].lower()
    refused = files.refusal(path)
    if refused is not None and refused.missing:
        return LoadFault("bad_file", f"{path}: no such file")
    if refused is not None and refused.what == "a folder":
        return LoadFault("bad_file", f"{path} is a folder; give the .py or .ipynb file inside it")
    if refused is not None:
        return LoadFault("bad_file", refused.message(name))
    if ext not in EXTENSIONS:
        return LoadFault("bad_file", f"{name}: unsupported file type '{ext or '(none)'}'; "
                                     "submit a Python file (.py) or a Jupyter notebook (.ipynb)")
    raw = files.read_regular(path, MAX_BYTES + 1)
    if isinstance(raw, files.Refused):
        return LoadFault("bad_file", raw.message(name))
    digest = hashlib.sha256(raw).hexdigest()
    if len(raw) > MAX_BYTES:
        return LoadFault("bad_file", f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MiB; "
                                     "a SimpleRNN needs a few kilobytes", digest)
    text = _decode(name, raw)
    if isinstance(text, LoadFault):
        return LoadFault(text.kind, text.message, digest)
    if not text.strip():
        return LoadFault("bad_file", f"{name} is empty", digest)
    if ext == ".py":
        return Source(name, "py", (Chunk(name, text),), digest)
    return _read_notebook(name, text, digest)


def _decode(name: str, raw: bytes) -> str | LoadFault:
    if b"\0" in raw:
        return LoadFault("bad_file", f"{name} is a binary file (it contains NUL bytes), not source code")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return LoadFault("bad_file", f"{name} is not UTF-8 text: byte 0x{raw[e.start]:02x} at offset {e.start} "
                                     "can't be decoded; save the file as UTF-8")
    return text.replace("\r\n", "\n")


def _read_notebook(name: str, text: str, digest: str) -> Source | LoadFault:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        return LoadFault("bad_file", f"{name} is not a valid notebook: not JSON ({e.msg} at line {e.lineno}, "
                                     f"column {e.colno})", digest)
    except (ValueError, RecursionError) as e:  # nested too deep for the decoder, a number of 5,000 digits, ...
        what = "nested too deeply to read" if isinstance(e, RecursionError) else str(e).splitlines()[0][:200]
        return LoadFault("bad_file", f"{name} is not a valid notebook: {what}", digest)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return LoadFault("bad_file", f"{name} is JSON but not a Jupyter notebook (no list of cells)", digest)
    import nbformat  # only notebooks pay for this import

    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as e:  # nbformat raises several unrelated types for malformed notebooks
        return LoadFault("bad_file", f"{name} is not a readable notebook: {str(e).splitlines()[0][:200]}", digest)
    chunks, notes = [], []
    code_cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    for number, cell in enumerate(code_cells, start=1):
        label = f"cell {number}"
        code, skipped = strip_ipython(cell.get("source", ""))
        notes += [f"{label}, line {line}: skipped the IPython line `{text_}`" for line, text_ in skipped]
        chunks.append(Chunk(label, code))
    if not code_cells:
        return LoadFault("bad_file", f"{name} has no code cells", digest)
    if not any(c.code.strip() for c in chunks):
        return LoadFault("bad_file", f"{name} has code cells, but they are all empty", digest)
    return Source(name, "ipynb", tuple(chunks), digest, tuple(notes))


def strip_ipython(code: str) -> tuple[str, list[tuple[int, str]]]:
    """Blank out IPython magics and shell lines, keeping line numbers. Returns (code, [(line, skipped text)])."""
    lines = code.split("\n")
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        if first.split()[0] in PYTHON_CELL_MAGICS:
            return "\n".join([""] + lines[1:]), [(1, first)]
        return "", [(1, first + " (the whole cell)")]
    skipped, out = [], []
    for i, line in enumerate(lines, start=1):
        s = line.strip()
        if s.startswith(("%", "!")) or (s.startswith("?") or (s.endswith("?") and s[:-1].isidentifier())):
            skipped.append((i, s))
            # Keep indentation so a magic inside a block still leaves a valid block.
            out.append(line[: len(line) - len(line.lstrip())] + "pass")
        else:
            out.append(line)
    return "\n".join(out), skipped
