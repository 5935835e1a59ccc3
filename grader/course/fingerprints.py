"""Token fingerprints of one submission's code, as MOSS takes them (Schleimer, Wilkerson and Aiken, "Winnowing:
local algorithms for document fingerprinting", SIGMOD 2003).

The code is read with the standard library's `tokenize`: comments, docstrings, blank lines and line breaks inside
brackets are dropped; names a learner may choose become one token `V`, numbers `#` and strings `S`, so that
renaming and reformatting change nothing. Names a learner can't rename are kept: keywords, builtins, `self`, the
starter's attributes and parameters (`W_xh`, `learning_rate` ...), and attributes of anything but `self`
(`np.tanh`, `.reshape`, `.T`). Every run of K such tokens is hashed (a k-gram); winnowing keeps the smallest hash
of every window of W consecutive k-grams, which guarantees that any match of W + K − 1 tokens or more shares at
least one kept hash. A `Print` also holds the line each token starts and ends on, for the side-by-side view.
"""
from __future__ import annotations

import builtins
import hashlib
import io
import keyword
import tokenize
from dataclasses import dataclass

K = 15          # tokens per k-gram: shorter runs are too common in this kata to mean anything
W = 6           # k-grams per winnowing window: every shared run of W + K − 1 = 20 tokens is seen
METHOD = f"tokens-2 k={K} w={W}"   # changes whenever the fingerprints would: stored prints are then recomputed
# The starter's names: everyone's code uses them, and the grader needs them, so renaming them is not an option.
STARTER_NAMES = frozenset({"SimpleRNN", "W_xh", "W_hh", "W_hy", "b_h", "b_y", "hidden_size", "input_size",
                           "output_size", "forward", "backward", "learning_rate", "np", "numpy"})
KEPT_NAMES = frozenset(dir(builtins)) | {"self"} | STARTER_NAMES
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_MARKERS = {tokenize.NEWLINE: ";", tokenize.INDENT: "{", tokenize.DEDENT: "}"}
# Python 3.12 splits f-strings into parts: the start stands for the string, the literal parts go (the expressions
# inside stay, as tokens of their own).
_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)
_FSTRING_PARTS = {getattr(tokenize, n) for n in ("FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, n)}
_PRIME, _BASE = (1 << 61) - 1, 1_000_003   # k-gram hashes: 61 bits, then cut to 48 (exact in JSON and a double)


@dataclass(frozen=True)
class Print:
    """One submission's fingerprints. `starts`/`ends`: the 1-based line in `text` on which each counted token
    starts and ends; `kgrams`: the hash of the K normalised tokens from each position; `kept`: the winnowed
    hashes (sorted, unique); `identical`: a digest of the exact token texts (names and values included), the same
    for two files that differ only in layout, comments and docstrings."""
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    kgrams: tuple[int, ...]
    kept: tuple[int, ...]
    identical: str


def fingerprint(chunks: list[str]) -> Print:
    """The fingerprints of a submission given as its code chunks (a .py file is one chunk, a notebook one per code
    cell). The chunks are shown one after another; a chunk that can't be tokenized to its end (a syntax error)
    counts up to where it breaks."""
    lines: list[str] = []
    tokens: list[str] = []
    exact: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for chunk in chunks:
        offset = len(lines)
        for tok, text, (l0, l1) in _normalised(chunk):
            tokens.append(tok)
            exact.append(text)
            starts.append(l0 + offset)
            ends.append(l1 + offset)
        lines += chunk.split("\n")
    kgrams = kgram_hashes(tokens)
    digest = hashlib.sha256("\0".join(exact).encode()).hexdigest()
    return Print("\n".join(lines), tuple(starts), tuple(ends), tuple(kgrams),
                 tuple(sorted(set(winnow(kgrams)))), digest)


def _normalised(code: str) -> list[tuple[str, str, tuple[int, int]]]:
    """(normalised token, exact text, (first line, last line)) for each token that counts."""
    raw = _tokens(code)
    own = own_attributes(raw)
    out = []
    previous: list[str] = []   # the exact texts of the last two tokens kept: is a name an attribute?
    statement_start, in_docstring = True, False
    for i, t in enumerate(raw):
        if t.type in _SKIPPED or t.type in _FSTRING_PARTS:
            continue
        if t.type == tokenize.STRING and statement_start and _ends_statement(raw, i + 1):
            in_docstring = True  # a docstring, or a string standing alone as a statement: a comment by another name
            continue
        if in_docstring:  # the end of that statement goes with it
            in_docstring = False
            if t.type == tokenize.NEWLINE or t.string == ";":
                continue
        statement_start = t.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
        if t.type in _MARKERS:
            norm = text = _MARKERS[t.type]
        elif t.type == tokenize.NAME:
            norm, text = _name(t.string, previous, own), t.string
        elif t.type == tokenize.NUMBER:
            norm, text = "#", t.string
        elif t.type == tokenize.STRING or t.type == _FSTRING_START:
            norm, text = "S", t.string
        else:
            norm = text = t.string
        out.append((norm, text, (t.start[0], t.end[0])))
        previous = (previous + [t.string])[-2:]
    return out


def _tokens(code: str) -> list[tokenize.TokenInfo]:
    """Python's tokens of `code`, up to where it stops being Python (an unclosed bracket, a bad dedent)."""
    found = []
    try:
        for t in tokenize.generate_tokens(io.StringIO(code).readline):
            found.append(t)
    except (tokenize.TokenError, SyntaxError):
        pass
    return found


def _ends_statement(raw: list[tokenize.TokenInfo], i: int) -> bool:
    while i < len(raw) and raw[i].type in (tokenize.COMMENT, tokenize.NL):
        i += 1
    return i >= len(raw) or raw[i].type in (tokenize.NEWLINE, tokenize.ENDMARKER) or raw[i].string == ";"


def own_attributes(raw: list[tokenize.TokenInfo]) -> frozenset[str]:
    """The attribute names the author chose: those given to `self` (self.hs, self.cache) and the functions and
    methods defined, wherever they are then read from (cell.out, cell.run()). Theirs to rename, unlike the
    starter's or numpy's."""
    named = {raw[i + 2].string for i in range(len(raw) - 2)
             if raw[i].string == "self" and raw[i + 1].string == "." and raw[i + 2].type == tokenize.NAME}
    named |= {raw[i + 1].string for i in range(len(raw) - 1) if raw[i].string == "def"}
    return frozenset(n for n in named if n not in STARTER_NAMES and not n.startswith("__"))


def _name(name: str, previous: list[str], own: frozenset[str]) -> str:
    if keyword.iskeyword(name) or name.startswith("__") and name.endswith("__"):
        return name  # keywords, and dunders (__init__, __name__): Python's names, not the author's
    if previous and previous[-1] == ".":
        # An attribute: the author's own (self.hs) can be renamed; numpy's, an array's or a list's can't.
        return "V" if name in own else name
    return name if name in KEPT_NAMES else "V"


def kgram_hashes(tokens: list[str] | tuple[str, ...], k: int = K) -> list[int]:
    """The hash of the k tokens starting at each position (len(tokens) − k + 1 of them; [] for fewer tokens): a
    polynomial rolling hash modulo the prime 2^61 − 1 over each token's own 64-bit digest, cut to 48 bits. The
    same in every process (no per-process hash seed reaches it)."""
    ids: dict[str, int] = {}
    values = [ids.get(t) or ids.setdefault(t, int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(),
                                                             "big") % _PRIME) for t in tokens]
    if len(values) < k:
        return []
    top = pow(_BASE, k - 1, _PRIME)
    h = 0
    for v in values[:k]:
        h = (h * _BASE + v) % _PRIME
    out = [h >> 13]
    for i in range(k, len(values)):
        h = ((h - values[i - k] * top) * _BASE + values[i]) % _PRIME
        out.append(h >> 13)
    return out


def winnow(hashes: list[int] | tuple[int, ...], w: int = W) -> list[int]:
    """Winnowing: the smallest hash of every window of w consecutive hashes (the rightmost one on ties, as in the
    paper), each recorded once per run of windows that selects it. A sequence shorter than one window keeps its
    smallest hash."""
    if not hashes:
        return []
    if len(hashes) <= w:
        return [min(hashes)]
    kept, chosen = [], -1
    for end in range(w - 1, len(hashes)):
        start = end - w + 1
        if chosen < start:  # the window's minimum left it: find the new one (rightmost on ties)
            window = hashes[start:end + 1]
            chosen = end - window[::-1].index(min(window))
            kept.append(hashes[chosen])
        elif hashes[end] <= hashes[chosen]:
            chosen = end
            kept.append(hashes[chosen])
    return kept
