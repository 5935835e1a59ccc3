"""The starter: compiles, keeps the published __init__, matches its notebook, and scores 0 with not_implemented."""
import ast
import os

import nbformat

from conftest import ROOT, STARTER, grade_file

NOTEBOOK = os.path.join(ROOT, "starter", "simple_rnn.ipynb")


def test_starter_compiles_and_has_no_tabs():
    with open(STARTER) as f:
        text = f.read()
    compile(text, STARTER, "exec")
    assert "\t" not in text  # the published starter's TabError came from mixing


def test_starter_init_draws_in_published_order():
    with open(STARTER) as f:
        tree = ast.parse(f.read())
    init = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    assigned = [t.attr for stmt in init.body if isinstance(stmt, ast.Assign) for t in stmt.targets]
    assert assigned == ["hidden_size", "W_xh", "W_hh", "W_hy", "b_h", "b_y"]


def test_notebook_is_in_sync_with_py():
    from grader.tools.starter_notebook import build

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    with open(STARTER) as f:
        assert code == [f.read().rstrip("\n")]
    assert nbformat.writes(build()) == nbformat.writes(nb), "run `make notebook` after editing the starter"


def test_starter_scores_zero_with_not_implemented():
    for path in (STARTER, NOTEBOOK):
        result = grade_file(path)
        assert result.status == "graded"
        assert result.score == 0 and result.max_score == 100
        assert [d.id for d in result.diagnoses] == ["not_implemented"]
