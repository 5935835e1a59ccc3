"""Notebooks: code cells run in order as one module, IPython lines skipped, faults named by cell and line."""
import nbformat

from conftest import by_id, grade_file, reference_code


def write_nb(path, *cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbformat.v4.new_code_cell(c)
                for c in cells]
    nbformat.write(nb, str(path))
    return str(path)


def split_reference():
    code = reference_code()
    head, cls = code.split("class SimpleRNN", 1)
    return head, "class SimpleRNN" + cls


def test_cells_run_in_order_and_magics_are_skipped(tmp_path):
    head, cls = split_reference()
    path = write_nb(tmp_path / "nb.ipynb", "md:# My RNN", "%matplotlib inline\n!pip install numpy\n" + head,
                    "%%bash\necho hi", cls, "rnn = SimpleRNN(1, 2, 1)\nrnn.forward?")
    result = grade_file(path)
    assert result.status == "graded" and result.score == 100
    assert "cell 1, line 1: skipped the IPython line `%matplotlib inline`" in result.warnings
    assert "cell 1, line 2: skipped the IPython line `!pip install numpy`" in result.warnings
    assert "cell 2, line 1: skipped the IPython line `%%bash (the whole cell)`" in result.warnings


def test_cell_raising_after_class_exists_is_a_warning(tmp_path):
    head, cls = split_reference()
    path = write_nb(tmp_path / "nb.ipynb", head + cls, "x = 1\nundefined_name + x")
    result = grade_file(path)
    assert result.status == "graded" and result.score == 100
    assert any(w.startswith("cell 2, line 2: loading the submission raised NameError") and "grading went on" in w
               for w in result.warnings), result.warnings


def test_cell_raising_before_class_is_an_import_error_naming_the_cell(tmp_path):
    head, cls = split_reference()
    path = write_nb(tmp_path / "nb.ipynb", head, "import numpy as np\n\nnp.linalg.inv(np.zeros((2, 2)))", cls)
    result = grade_file(path)
    assert result.status == "error" and result.error.kind == "import_error"
    assert "cell 2, line 3" in result.error.message and "LinAlgError" in result.error.message
    assert "cell 2, line 3, in <module>" in result.error.traceback


def test_syntax_error_names_cell_and_line(tmp_path):
    path = write_nb(tmp_path / "nb.ipynb", "import numpy as np", "def f(:\n    pass")
    result = grade_file(path)
    assert result.status == "error" and result.error.kind == "syntax_error"
    assert result.error.message.startswith("cell 2, line 1: SyntaxError")


def test_learner_traceback_names_cell_and_line(tmp_path):
    head, cls = split_reference()
    broken = cls.replace("        h0 = np.zeros((self.hidden_size, 1))",
                         "        h0 = np.zeros((self.hidden_size, 1))\n        raise ValueError('boom')")
    path = write_nb(tmp_path / "nb.ipynb", head, broken)
    result = grade_file(path)
    check = by_id(result)["forward/basic"]
    assert check.status.value == "error" and "raised ValueError: boom" in check.message
    tb = check.details["traceback"]
    assert "cell 2, line" in tb and "in forward" in tb and "raise ValueError('boom')" in tb
    assert "probe.py" not in tb and "numpy" not in tb  # only the learner's own lines


def test_unreadable_notebooks_are_bad_files(tmp_path):
    cases = {"broken.ipynb": ("{not json", "not a valid notebook: not JSON"),
             "list.ipynb": ("[1, 2]", "JSON but not a Jupyter notebook"),
             "empty.ipynb": ("", "is empty")}
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text)
        result = grade_file(str(tmp_path / name))
        assert result.status == "error" and result.error.kind == "bad_file", name
        assert expected in result.error.message, (name, result.error.message)
    path = write_nb(tmp_path / "prose.ipynb", "md:# only words")
    result = grade_file(path)
    assert result.error.kind == "bad_file" and "has no code cells" in result.error.message
