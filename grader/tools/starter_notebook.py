"""Build starter/simple_rnn.ipynb from starter/simple_rnn.py with nbformat: `make notebook`.

The notebook's single code cell is the .py file verbatim, so the two can't drift (tests/test_starter.py).
"""
import os

import nbformat

from grader import ROOT

PY = os.path.join(ROOT, "starter", "simple_rnn.py")
NB = os.path.join(ROOT, "starter", "simple_rnn.ipynb")

INTRO = """# SimpleRNN with back-propagation through time

Implement `forward` and `backward` in the cell below. The docstrings give every shape and the loss:
L = Σ_t ½‖ŷ_t − y_t‖², summed over the outputs and the time steps.

Keep the parameter names (`W_xh`, `W_hh`, `W_hy`, `b_h`, `b_y`) and the body of `__init__`: the grader reads
and sets them, and the published test cases depend on the order of the random draws."""

OUTRO = """Check your work from a terminal: `make grade SUBMISSION=starter/simple_rnn.ipynb`.
The report lands in `reports/simple_rnn.html`."""


def build() -> nbformat.NotebookNode:
    with open(PY, encoding="utf-8") as f:
        code = f.read().rstrip("\n")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(INTRO), nbformat.v4.new_code_cell(code),
                nbformat.v4.new_markdown_cell(OUTRO)]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"  # fixed ids: rebuilding gives the same bytes
    return nb


if __name__ == "__main__":
    nbformat.write(build(), NB)
    print(f"wrote {os.path.relpath(NB, ROOT)}")
