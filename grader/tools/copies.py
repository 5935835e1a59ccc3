"""Derived copies of a submission, made the ways copiers make them: the corpus the similarity pass is calibrated
on (tools/calibrate_integrity.py) and tested with (tests/test_integrity.py).

Each transformation takes a Python source and returns another that still runs the same way (a correct
submission stays correct): `renamed` (every name its author chose), `reformatted` (re-laid out through the
syntax tree, like a formatter; comments go), `reordered` (methods and top-level functions in another order),
`recommented` (comments and docstrings removed and others written), `padded` (dead code and a demo block),
`retyped` (some lines written another way: `a @ b` as `a.dot(b)`, `np.zeros_like(a)` as `np.zeros(a.shape)`),
and combinations.
"""
from __future__ import annotations

import ast
import hashlib
import io
import keyword
import textwrap
import tokenize

from grader.course.fingerprints import KEPT_NAMES, own_attributes

_WORDS = ("alpha", "beta", "gamma", "delta", "omega", "store", "acc", "tmp", "val", "buf", "part", "piece", "item",
          "node", "cur", "nxt", "prv", "res", "out", "vec", "mat", "grad", "err", "sig")


def renamed(code: str) -> str:
    """Every name the author chose (variables, their own attributes, helpers, parameters) renamed consistently.
    Keyword arguments, imported modules and names that can't be renamed (the starter's, builtins) stay."""
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    imported = {t.string for i, t in enumerate(tokens) if t.type == tokenize.NAME and _in_import(tokens, i)}
    own = own_attributes(tokens)
    mapping: dict[str, str] = {}
    edits = []
    for i, t in enumerate(tokens):
        if t.type != tokenize.NAME or keyword.iskeyword(t.string) or t.string in KEPT_NAMES or t.string in imported \
                or t.string.startswith("__"):
            continue
        if i and tokens[i - 1].string == "." and t.string not in own:
            continue  # an attribute that isn't the author's: numpy's, an array's
        if _is_keyword_argument(tokens, i):
            continue
        new = mapping.setdefault(t.string, _new_name(t.string, len(mapping)))
        edits.append((t.start, t.end, new))
    return _apply(code, edits)


def _in_import(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    line = tokens[i].line.lstrip()
    return line.startswith(("import ", "from "))


def _is_keyword_argument(tokens: list[tokenize.TokenInfo], i: int) -> bool:
    """`name=` inside a call's brackets (not `==`, not a default in a def: those are the author's)."""
    after = tokens[i + 1].string if i + 1 < len(tokens) else ""
    if after != "=":
        return False
    depth = 0
    for t in reversed(tokens[:i]):
        if t.string in ")]}":
            depth += 1
        elif t.string in "([{":
            if depth == 0:
                return t.string == "("
            depth -= 1
        elif t.type == tokenize.NEWLINE:
            return False
    return False


def _new_name(old: str, n: int) -> str:
    word = _WORDS[int(hashlib.sha256(old.encode()).hexdigest(), 16) % len(_WORDS)]
    return f"{word}_{n}"


def _apply(code: str, edits: list[tuple[tuple[int, int], tuple[int, int], str]]) -> str:
    """Replace the (start, end) spans of one-line tokens, right to left so earlier positions stay valid."""
    lines = code.split("\n")
    for (row, col), (end_row, end_col), new in sorted(edits, reverse=True):
        assert row == end_row
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[end_col:]
    return "\n".join(lines)


def reformatted(code: str) -> str:
    """Laid out again from the syntax tree: other spacing, line breaks, quotes and brackets; comments gone."""
    return ast.unparse(ast.parse(code)) + "\n"


def reordered(code: str) -> str:
    """The class's methods after __init__ in reverse order, and top-level functions and classes after the class
    SimpleRNN instead of before it (or the other way round)."""
    tree = ast.parse(code)
    lines = code.split("\n")

    def block(node: ast.AST) -> list[str]:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return lines[start - 1:node.end_lineno]

    out: list[str] = []
    head = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.Assign))]
    rest = [n for n in tree.body if n not in head]
    for n in head:
        out += block(n)
    for n in rest[::-1]:
        out.append("")
        out.append("")
        if isinstance(n, ast.ClassDef) and n.name == "SimpleRNN":
            methods = [m for m in n.body if isinstance(m, ast.FunctionDef)]
            others = [m for m in n.body if not isinstance(m, ast.FunctionDef)]
            first = [m for m in methods if m.name == "__init__"]
            out += lines[n.lineno - 1:(others or first or methods)[0].lineno - 1]
            for m in others + first + [m for m in methods if m.name != "__init__"][::-1]:
                out += block(m)
                out.append("")
        else:
            out += block(n)
    return "\n".join(out).rstrip("\n") + "\n"


def recommented(code: str) -> str:
    """Comments and docstrings removed, then a comment written above every third statement and a docstring
    added to each method."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and node.body and \
                isinstance(node.body[0], ast.Expr) and isinstance(getattr(node.body[0], "value", None), ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
        if isinstance(node, ast.FunctionDef):
            node.body.insert(0, ast.Expr(ast.Constant(f"{node.name.strip('_')}: my implementation.")))
    lines = (ast.unparse(tree) + "\n").split("\n")
    out = []
    for n, line in enumerate(lines):
        stripped = line.lstrip()
        if n % 3 == 2 and stripped and not stripped.startswith(("def ", "class ", "@", "else", "elif", "except",
                                                                 "finally", '"', "'")):
            out.append(line[:len(line) - len(stripped)] + f"# step {n}: compute the next part")
        out.append(line)
    return "\n".join(out)


_DEMOS = ('''

if __name__ == "__main__":
    np.random.seed(0)
    demo = SimpleRNN(3, 8, 2)
    inputs = np.random.randn(10, 3)
    targets = np.random.randn(10, 2)
    for epoch in range(5):
        outputs = demo.forward(inputs)
        print("epoch", epoch, "loss", 0.5 * np.sum((np.asarray(outputs).reshape(10, 2) - targets) ** 2))
        demo.backward(inputs, targets, 0.01)
''', '''

def main():
    net = SimpleRNN(2, 4, 1)
    seq = np.linspace(-1, 1, 12).reshape(6, 2)
    goal = np.sin(np.arange(6)).reshape(6, 1)
    losses = []
    while len(losses) < 50:
        pred = np.array(net.forward(seq)).reshape(goal.shape)
        losses.append(float(((pred - goal) ** 2).sum()))
        net.backward(seq, goal, 0.05)
    print(losses[0], losses[-1])


if __name__ == "__main__":
    main()
''', '''

if __name__ == "__main__":
    import sys
    model = SimpleRNN(1, 5, 1)
    data = [[0.1 * k] for k in range(8)]
    print(model.forward(np.array(data)), file=sys.stderr)
''')
# Switched-off debugging lines; {i} is the line's indentation, {d} one level deeper.
_QUIET = ("debug = False\n{i}if debug:\n{d}print('{name} called')", "verbose = 0\n{i}if verbose > 1:\n{d}pass",
          "if False:\n{d}print('unreachable')", "_unused = None")


def padded(code: str) -> str:
    """Dead code: a switched-off debugging line at the start of every function, an old version of one of the
    file's own functions left at the end, and a demo block (which of each is chosen from the code's digest)."""
    tree = ast.parse(code)
    lines = code.rstrip("\n").split("\n")
    pick = int(hashlib.sha256(code.encode()).hexdigest(), 16)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.body]
    inserts: list[tuple[int, str]] = []
    for k, node in enumerate(functions):
        first = lines[node.body[0].lineno - 1]
        indent = first[:len(first) - len(first.lstrip())]
        deeper = indent + ("\t" if "\t" in indent else "    ")
        quiet = _QUIET[(pick >> (2 * k)) % len(_QUIET)]
        inserts.append((node.body[0].lineno - 1, indent + quiet.format(i=indent, d=deeper, name=node.name)))
    leftover = ""
    if functions:
        old = functions[pick % len(functions)]
        source = textwrap.dedent("\n".join(lines[old.lineno - 1:old.end_lineno]))
        leftover = "\n\n# an earlier attempt, not used\n" + source.replace(
            f"def {old.name}(", f"def {old.name.strip('_')}_old(", 1) + "\n"
    for at, text in sorted(inserts, reverse=True):
        lines[at:at] = text.split("\n")
    return "\n".join(lines) + "\n" + leftover + _DEMOS[pick % len(_DEMOS)]


class _Retype(ast.NodeTransformer):
    """Every other `a @ b` as `a.dot(b)`, `reversed(range(n))` as `range(n - 1, -1, -1)`, `np.zeros_like(a)` as
    `np.zeros(a.shape)`: the same numbers, other tokens."""

    def __init__(self):
        self.seen = 0

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.MatMult):
            self.seen += 1
            if self.seen % 2:
                return ast.Call(ast.Attribute(node.left, "dot", ast.Load()), [node.right], [])
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = ast.unparse(node.func)
        if name == "reversed" and len(node.args) == 1 and isinstance(node.args[0], ast.Call) and \
                ast.unparse(node.args[0].func) == "range" and len(node.args[0].args) == 1:
            n = node.args[0].args[0]
            return ast.Call(ast.Name("range", ast.Load()), [ast.BinOp(n, ast.Sub(), ast.Constant(1)),
                                                            ast.Constant(-1), ast.Constant(-1)], [])
        if name == "np.zeros_like" and len(node.args) == 1 and not node.keywords:
            return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "zeros", ast.Load()),
                            [ast.Attribute(node.args[0], "shape", ast.Load())], [])
        return node


def retyped(code: str) -> str:
    """Some lines written another way (and so laid out again, as a formatter would)."""
    tree = _Retype().visit(ast.parse(code))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


TRANSFORMS = {
    "renamed": renamed,
    "reformatted": reformatted,
    "reordered": reordered,
    "recommented": recommented,
    "padded": padded,
    "retyped": retyped,
    "renamed+reformatted": lambda c: reformatted(renamed(c)),
    "renamed+padded+reordered": lambda c: reordered(padded(renamed(c))),
    "retyped+renamed+recommented": lambda c: recommented(renamed(retyped(c))),
}
