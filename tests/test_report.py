"""The HTML report: well-formed and self-contained, learner text always escaped, and it shows what it promises
(diagnoses with hints, per-parameter verdicts, the three pictures, expected vs got with mismatches marked,
tracebacks with the learner's own lines, output cut and marked)."""
import os
from html.parser import HTMLParser

import nbformat
import pytest

from conftest import SUBMISSIONS, grade_file, reference_code

from grader.report import charts
from grader.report.html import OUTPUT_SHOWN, TITLES, to_html

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Structure(HTMLParser):
    """Every element closed in order (SVG shapes may self-close), ids unique; records tags, scripts, links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.ids = [], [], set()
        self.tags: dict[str, int] = {}
        self.classes: dict[str, int] = {}
        self.scripts, self.urls, self.handlers, self.text = [], [], [], []
        self.doctype = False

    def handle_decl(self, decl):
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        self._open(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self._open(tag, attrs)

    def _open(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for name, value in attrs:
            value = value or ""
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"duplicate id {value}")
                self.ids.add(value)
            if name == "class":
                for c in value.split():
                    self.classes[f"{tag}.{c}"] = self.classes.get(f"{tag}.{c}", 0) + 1
            if name in ("src", "href", "xlink:href") or value.lstrip().lower().startswith(("http:", "https:", "//")):
                self.urls.append(value)
            if name.startswith("on"):
                self.handlers.append(name)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            if tag in self.stack:
                while self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] == "script":
            self.scripts.append(data)
        self.text.append(data)


def parse(html: str) -> Structure:
    s = Structure()
    s.feed(html)
    s.close()
    assert s.doctype, "no <!DOCTYPE html>"
    assert not s.problems and not s.stack, (s.problems, s.stack)
    assert s.tags.get("html") == s.tags.get("head") == s.tags.get("body") == 1
    assert s.tags.get("style") == 1 and s.tags.get("link") is None  # CSS inlined
    assert not s.urls, s.urls  # nothing fetched: works offline
    assert not s.handlers, s.handlers
    assert len(s.scripts) <= 1 and all("beforeprint" in x for x in s.scripts)  # only ours
    return s


@pytest.fixture(scope="module")
def wrong_report():
    result = grade_file(os.path.join(SUBMISSIONS, "wrong", "hidden_state_not_reset+loss_mean_over_time+"
                                                           "loss_missing_half__col.py"))
    return result, to_html(result)


def test_report_of_a_wrong_submission_shows_diagnoses_verdicts_and_pictures(wrong_report):
    result, html = wrong_report
    s = parse(html)
    assert {"diagnoses", "parameters", "predictions", "training", "checks", "output"} <= s.ids
    text = " ".join(s.text)
    for d in result.diagnoses:
        assert TITLES[d.id] in text and d.hint in text
    assert text.count("Hint:") == len(result.diagnoses) == 3
    assert "most likely because the hidden state leaks between calls" in text  # the one-line verdict
    # Per-parameter verdicts: all five, each wrong here, each with a heat map of its update error.
    assert s.classes.get("div.param") == 5 and s.classes.get("div.wrong") == 5
    assert s.classes.get("svg.heat") == 5 and s.tags["rect"] > 5
    # Predictions against targets (the published cases) and the training loss, as inline SVG line charts.
    assert s.classes.get("figure.chart", 0) >= 2 + len(result.analysis["training"])
    assert s.classes.get("polyline.target", 0) >= 3 and s.classes.get("polyline.actual", 0) >= 3
    # Expected vs got, mismatching entries marked, with the tolerance used.
    assert s.classes.get("tr.bad", 0) > 10 and "beyond the tolerance" in text


def test_per_parameter_verdicts_locate_the_wrong_updates():
    result = grade_file(os.path.join(SUBMISSIONS, "wrong", "truncated_bptt__col.py"))
    verdicts = result.analysis["verdicts"]
    assert {k for k, v in verdicts.items() if v["passed"]} == {"W_hy", "b_y"}  # no time in their gradients
    for name in ("W_xh", "W_hh", "b_h"):
        v = verdicts[name]
        assert v["probe"].startswith("backward/") and v["rel_err"] > 0.01 and v["max_abs_err"] > v["tolerance"]
        assert abs(v["actual_at"] - v["expected_at"]) == pytest.approx(v["max_abs_err"])
        assert len(v["worst_index"]) == 2


def test_report_of_a_correct_submission_says_so_and_has_no_diagnoses():
    result = grade_file(os.path.join(SUBMISSIONS, "correct", "out_T_O.py"))
    s = parse(to_html(result))
    text = " ".join(s.text)
    assert "Every check passes" in text and "diagnoses" not in s.ids
    assert s.classes.get("div.param") == s.classes.get("div.ok") == 5 and "tr.bad" not in s.classes


EVIL = '''
import numpy as np
print("<script>alert('stdout')</script><b>bold</b>")
import sys
print("</pre><img src=x onerror=alert(2)>", file=sys.stderr)


class SimpleRNN:
    def __init__(self, input_size, hidden_size, output_size):
        self.hidden_size = hidden_size
        self.W_xh = np.random.randn(hidden_size, input_size) * 0.01
        self.W_hh = np.random.randn(hidden_size, hidden_size) * 0.01
        self.W_hy = np.random.randn(output_size, hidden_size) * 0.01
        self.b_h = np.zeros((hidden_size, 1))
        self.b_y = np.zeros((output_size, 1))

    def forward(self, x):
        if len(x) == 6:
            raise ValueError("<img src=x onerror=alert(1)><script>alert(3)</script>")
        return np.zeros((len(x), self.W_hy.shape[0], 1))

    def backward(self, x, y, learning_rate):
        raise RuntimeError("</details></section><iframe src=//evil>")
'''


def test_learner_markup_is_escaped_everywhere(tmp_path):
    path = tmp_path / "evil<b>name.py"
    path.write_text(EVIL)
    result = grade_file(str(path))
    html = to_html(result)
    s = parse(html)
    assert "img" not in s.tags and "iframe" not in s.tags and "b" not in s.tags
    assert "alert(" not in "".join(s.scripts)
    assert "&lt;script&gt;alert(&#39;stdout&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;/details&gt;&lt;/section&gt;" in html
    text = " ".join(s.text)
    assert "evil<b>name.py" in text  # shown as text, the file name included
    # Tracebacks show the learner's own lines only.
    assert "evil<b>name.py, line 19, in forward" in text and "evil<b>name.py, line 23, in backward" in text
    assert "grader/" not in text and "probe.py" not in text


def test_long_output_is_cut_and_marked(grade_code):
    result = grade_code('print("x" * 50000)\n' + reference_code())
    s = parse(to_html(result))
    text = " ".join(s.text)
    assert "cut here" in text and f"{len(result.stdout) - OUTPUT_SHOWN} more characters" in text


def test_notebook_traceback_names_cell_and_line(tmp_path):
    code = reference_code().replace('"""x: (T, I). Returns the outputs of every step, (T, O, 1); caches what '
                                    'backward needs."""', "raise KeyError('no forward today')")
    assert "no forward today" in code
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy as np"), nbformat.v4.new_code_cell(code)]
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))
    html = to_html(grade_file(str(tmp_path / "nb.ipynb")))
    s = parse(html)
    text = " ".join(s.text)
    assert "Errors raised by your code" in text and "cell 2, line " in text and "in forward" in text
    assert "KeyError: &#39;no forward today&#39;" in html


def test_error_result_renders(grade_code):
    result = grade_code("def broken(:\n    pass\n")
    assert result.status == "error"
    text = " ".join(parse(to_html(result)).text)
    assert "Why nothing could be graded" in text and "syntax error" in text


# ---- the chart geometry ---------------------------------------------------------------------------------------

def test_line_chart_stays_in_its_box_and_picks_a_log_scale_for_decades():
    c = charts.line_chart([{"name": "a", "values": [100.0, 10.0, 1.0, 0.1]}, {"name": "b", "values": [5, 4, 3]}],
                          x_label="epoch", y_label="loss")
    assert "log scale" in c["y_label"]
    for line in c["lines"]:
        for pt in line["points"].split():
            x, y = map(float, pt.split(","))
            assert c["left"] <= x <= c["right"] and c["top"] <= y <= c["bottom"]
    assert "log scale" not in charts.line_chart([{"name": "a", "values": [1.0, 2.0]}], x_label="t", y_label="y")[
        "y_label"]
    assert charts.line_chart([{"name": "a", "values": [float("nan")]}], x_label="t", y_label="y") is None
    assert charts.line_chart([], x_label="t", y_label="y") is None


def test_heat_map_colours_sign_and_marks_entries_beyond_tolerance():
    h = charts.heat_map([[0.5, -0.5], [0.0, 1e-9]], [[1.0, 1.0], [1.0, 1.0]], tolerance=1e-6)
    fills = [c["fill"] for c in h["cells"]]
    assert fills[0].startswith("#ff") and fills[1].endswith("ff") and fills[2] == "#ffffff"
    assert [c["bad"] for c in h["cells"]] == [True, True, False, False]
    assert h["width"] == 2 * charts.CELL and h["height"] == 2 * charts.CELL


# ---- said once, and errors in their shape ---------------------------------------------------------------------

def test_the_starters_one_reason_is_said_once_at_the_top_and_every_check_kept_below():
    from conftest import STARTER

    html = to_html(grade_file(STARTER))
    s = parse(html)
    assert "glance" in s.ids and s.classes.get("li.pass") == 4 and s.classes.get("li.error") == 1
    glance = html[html.index('id="glance"'):html.index("</section>", html.index('id="glance"'))]
    assert '<span class="cid">23 checks</span> <span class="pts">0/100</span>' in glance
    assert "raised NotImplementedError: forward is not written yet" in glance
    assert "forward/* (7); backward/* (11); training/* (2); official/* (3)" in glance
    assert '<span class="ln">35</span><span class="src">raise NotImplementedError(&#34;forward is not written ' \
           'yet&#34;)</span>' in glance
    assert s.classes.get("details.check") == 27  # the per-check detail stays
    assert "First thing to fix:" in html and "23 checks (100 points) raised NotImplementedError" in html


def test_a_syntax_error_keeps_its_line_and_caret_in_a_code_block(grade_code):
    result = grade_code('import numpy as np\n\ndef f():\n    x = {"日": 1} + (1, 2\n', name="syn.py")
    html = to_html(result)
    parse(html)
    block = html[html.index('<pre class="code syntax">'):html.index("</pre>", html.index('<pre class="code syntax">'))]
    rows = block.split("\n")
    assert len(rows) == 2  # the code row, then the caret row: never run together
    assert rows[0] == '<pre class="code syntax"><span class="ln">4</span><span class="src">x = {&#34;日&#34;: 1} + ' \
                      '<span class="at">(</span>1, 2</span>'
    # The caret row repeats the code before the caret, invisible, so that the caret takes its place exactly.
    assert rows[1] == '<span class="ln"></span><span class="src"><span class="pad" aria-hidden="true">x = ' \
                      '{&#34;日&#34;: 1} + </span><span class="caret">^</span></span>'
    assert "syntax error: syn.py, line 4: SyntaxError: &#39;(&#39; was never closed" in html


def test_tracebacks_show_the_learners_frames_as_code_with_line_numbers(grade_code):
    code = reference_code().replace("h_t = np.tanh(", "h_t = self.helper(x_t) + np.tanh(") + \
        "\n    def helper(self, x_t):\n        return {}[x_t.shape]\n"
    html = to_html(grade_code(code))
    s = parse(html)
    lines = code.splitlines()
    call = next(n for n, ln in enumerate(lines, 1) if "self.helper(x_t)" in ln)
    raised = next(n for n, ln in enumerate(lines, 1) if "return {}[x_t.shape]" in ln)
    tb = html[html.index('id="tracebacks"'):]
    # Outermost first, each frame its place, then its line as code with its number.
    assert tb.index(f"submission.py, line {call}, in forward") < tb.index(f"submission.py, line {raised}, in helper")
    assert f'<span class="ln">{raised}</span><span class="src">return {{}}[x_t.shape]</span>' in tb
    assert '<pre class="exception">KeyError: (' in tb
    assert s.classes.get("details.grader-frames", 0) >= 1  # the grader's frames: folded away, never shown


def test_a_lone_surrogate_in_a_message_still_gives_a_report(tmp_path):
    from conftest import run_cli

    code = reference_code().replace('"""x: (T, I). Returns the outputs of every step, (T, O, 1); caches what '
                                    'backward needs."""', 'raise ValueError("lone \\ud800 surrogate")')
    path = tmp_path / "surrogate.py"
    path.write_text(code)
    proc = run_cli(str(path), "--html", str(tmp_path / "r.html"), "--json", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr
    assert "lone \ufffd surrogate" in (tmp_path / "r.html").read_text(encoding="utf-8")
    assert r"raised ValueError: lone \ud800 surrogate" in proc.stdout  # the terminal shows it escaped


def test_compiled_templates_are_cached_on_disk_and_give_the_same_page(tmp_path, monkeypatch):
    """report/html.py keeps jinja2's compiled templates in the grader's cache folder: a new process loads them
    instead of compiling; the page is the same, and a folder that can't be made is no cache, not an error."""
    from grader.report import html

    result = grade_file(os.path.join(SUBMISSIONS, "wrong", "missing_recurrence__col.py"))
    monkeypatch.setattr(html, "CACHE_DIR", str(tmp_path / "cache"))
    pages = []
    try:
        for _ in range(2):  # as two processes would: no template in memory either time
            html._template.cache_clear()
            pages.append(to_html(result))
        (folder,) = (tmp_path / "cache").iterdir()
        assert folder.name.startswith("templates-") and len(list(folder.iterdir())) == 2  # the page, its macros
        (tmp_path / "file").write_text("not a folder")
        for where in (None, str(tmp_path / "file" / "cache")):  # no venv; a cache folder that can't be made
            monkeypatch.setattr(html, "CACHE_DIR", where)
            html._template.cache_clear()
            assert to_html(result) == pages[0] == pages[1]
    finally:
        html._template.cache_clear()
