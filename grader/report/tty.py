"""Text for a terminal: everything a terminal would obey rather than print is shown as an escape instead.

A submission controls much of what the grader prints (exception messages and class names, tracebacks, its file
name, a student's name in a batch). Raw, an ESC or a C1 control in there could set the terminal's title, write to
the clipboard (OSC 52), move the cursor, print a fake score line or conceal the real one. Every renderer that
writes to a terminal passes such text through `visible`; the grader's own colours are added afterwards.
"""
from __future__ import annotations

import re
import unicodedata

# C0 but \t and \n, DEL, C1; the bidirectional overrides and isolates (they reorder what follows them on the
# line); the line and paragraph separators; lone surrogates (a UTF-8 stream can't even encode them).
_OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")
_OBEYED_OR_NEWLINE = re.compile(_OBEYED.pattern[:-1] + "\n]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _shown(m: re.Match) -> str:
    ch = m.group()
    n = ord(ch)
    return _NAMED.get(ch) or (f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}")


def visible(text: str, *, one_line: bool = False) -> str:
    """`text` with each control character written out as it would be in Python source: ESC as `\\x1b`, BEL as
    `\\x07`, CR as `\\r`, CSI (U+009B) as `\\x9b`, an override as `\\u202e`. Tabs stay; newlines stay unless
    `one_line`, where they become `\\n` too (a check's message is one line of the summary). A backslash already in
    the text stays as it is: the point is that nothing is obeyed, not that the escape can be read back."""
    return (_OBEYED_OR_NEWLINE if one_line else _OBEYED).sub(_shown, text)


def blank_like(text: str) -> str:
    """Whitespace as wide on a terminal as `text` (already `visible`): tabs kept, a wide character (CJK, most
    emoji) two columns, a combining mark none. What goes under a line of code to put a caret below one of its
    characters."""
    out = []
    for ch in text:
        if ch == "\t":
            out.append(ch)
        elif unicodedata.combining(ch):
            continue
        else:
            out.append("  " if unicodedata.east_asian_width(ch) in "WF" else " ")
    return "".join(out)
