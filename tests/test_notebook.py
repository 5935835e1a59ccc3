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


def test_plotting_imports_are_replaced_by_no_ops_and_said_so(tmp_path):
    head, cls = split_reference()
    plots = ("import matplotlib.pyplot as plt\nimport seaborn as sns\nfrom IPython.display import display, "
             "clear_output\n%matplotlib inline")
    demo = ("rnn = SimpleRNN(1, 4, 1)\nx = np.linspace(0, 1, 6).reshape(-1, 1)\nlosses = []\nfor _ in range(3):\n"
            "    losses.append(float(np.sum((rnn.forward(x).reshape(-1, 1) - x) ** 2)))\n"
            "    rnn.backward(x, x, 0.1)\n"
            "fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3))\nax1.plot(losses)\nsns.lineplot(x=range(3), y=losses)\n"
            "with plt.style.context('ggplot'):\n    plt.title(f'loss {losses[-1]:.3f}')\nplt.show()\n"
            "clear_output(wait=True)\ndisplay(fig)")
    path = write_nb(tmp_path / "plots.ipynb", plots, head, cls, demo)
    result = grade_file(path)
    assert result.status == "graded" and result.score == 100, result.error
    notes = [w for w in result.warnings if "not available while grading" in w]
    assert len(notes) == 1 and "IPython, matplotlib, seaborn are" in notes[0] and "no-ops" in notes[0]
    plain = grade_file(write_nb(tmp_path / "plain.ipynb", head, cls))  # the positive control: no plotting, no note
    assert plain.score == 100 and not any("not available while grading" in w for w in plain.warnings)


def test_a_failing_cell_names_its_place_once(tmp_path):
    head, cls = split_reference()
    path = write_nb(tmp_path / "nb.ipynb", head + cls, "import missing_module_xyz", "def f(:\n    pass")
    result = grade_file(path)
    assert result.status == "graded" and result.score == 100
    where = [w for w in result.warnings if w.startswith(("cell 2", "cell 3"))]
    assert any(w.startswith("cell 2, line 1: imports `missing_module_xyz`") for w in where), where
    assert any(w.startswith("cell 3, line 1: SyntaxError") for w in where), where
    assert all(w.count("cell 2, line 1") + w.count("cell 3, line 1") == 1 for w in where), where
