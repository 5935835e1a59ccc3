"""The learner's errors read back as structure, for renderers that show them as code: a syntax error's line with
the column its caret points at, and a traceback's frames.

They arrive as text (the result contract keeps them so). A syntax error's message is the child's
(run/probe._syntax_message): "LABEL, line N: SyntaxError: MSG", then the offending line and a caret line, each
indented by four spaces. A traceback is the child's too (run/probe.describe_exception): the learner's own frames
only, as "  LABEL, line N, in NAME" each followed by its code line, then the exception and its notes. A grader
bug's traceback (error kind `internal`) is Python's own: "  File "PATH", line N, in NAME" frames, the grader's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_INDENT = "    "
_OWN_FRAME = re.compile(r"^  (?P<where>.+), line (?P<line>\d+), in (?P<name>\S+)$")
_PYTHON_FRAME = re.compile(r'^  File "(?P<where>.+)", line (?P<line>\d+), in (?P<name>\S+)$')
_LINE = re.compile(r", line (\d+): ")
_HEADERS = ("Traceback (learner code only):", "Traceback (most recent call last):")


@dataclass(frozen=True)
class SyntaxLine:
    """A syntax error: `head` ("simple_rnn.py, line 12: SyntaxError: ..."), the offending line without its
    indentation, the index in it of the character the caret is under (len(code) when it is past the end), and
    the line's number in its file or cell (0 if the head does not say)."""
    head: str
    code: str
    column: int
    line: int = 0


def syntax_line(message: str) -> SyntaxLine | None:
    """The parts of a syntax error's message, or None when it has no code line with a caret under it."""
    lines = message.split("\n")
    if len(lines) != 3 or not all(ln.startswith(_INDENT) for ln in lines[1:]) or not lines[2].endswith("^"):
        return None
    pad = lines[2][len(_INDENT):-1]
    if pad.strip(" "):
        return None
    code = lines[1][len(_INDENT):]
    number = _LINE.search(lines[0])
    return SyntaxLine(lines[0], code, min(len(pad), len(code)), int(number[1]) if number else 0)


@dataclass(frozen=True)
class Frame:
    """One frame: where ("simple_rnn.py" or "cell 3" for the learner's; a path for the grader's), the line
    number, the function, the code line (may be empty), and whether it is the learner's own."""
    where: str
    line: int
    function: str
    code: str
    own: bool


@dataclass(frozen=True)
class Traceback:
    """A traceback in parts: its frames, outermost first, then the exception line and any notes (`tail`)."""
    frames: tuple[Frame, ...]
    tail: tuple[str, ...]

    @property
    def own(self) -> tuple[Frame, ...]:
        return tuple(f for f in self.frames if f.own)

    @property
    def grader(self) -> tuple[Frame, ...]:
        return tuple(f for f in self.frames if not f.own)


def parse_traceback(text: str) -> Traceback:
    """Frames and tail of a traceback text (either format above). Lines that belong to neither (the header, the
    carets Python adds under a call) are dropped; anything after the last frame is the tail."""
    frames: list[Frame] = []
    tail: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _PYTHON_FRAME.match(line) or _OWN_FRAME.match(line)
        if m:
            code = ""
            if i + 1 < len(lines) and lines[i + 1].startswith(_INDENT) and not _is_frame(lines[i + 1]):
                code, i = lines[i + 1].strip(), i + 1
                while i + 1 < len(lines) and lines[i + 1].strip() and set(lines[i + 1].strip()) <= set("^~"):
                    i += 1  # Python's carets under the expression
            frames.append(Frame(m["where"], int(m["line"]), m["name"], code, m.re is _OWN_FRAME))
            tail = []
        elif line not in _HEADERS and line.strip():
            tail.append(line)
        i += 1
    return Traceback(tuple(frames), tuple(tail))


def _is_frame(line: str) -> bool:
    return bool(_PYTHON_FRAME.match(line) or _OWN_FRAME.match(line))


def without_notes(text: str) -> str:
    """A traceback without the notes that vary between calls of the same fault ("(in epoch 3 of 20)")."""
    return "\n".join(line for line in text.split("\n") if not line.startswith("(in epoch "))
