"""What reaches a terminal: everything the submission could put in the text (messages, exception class names,
tracebacks, its file name, a notebook's skipped lines, a student's name in a batch, the Gradescope log, the watch
summary) is shown escaped, never obeyed; the grader's own colours still work on a TTY; the real score line is
last and intact."""
import io
import json
import os
import pty
import re
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT, grade_file, reference_code, run_cli

from grader.course.batch import Done, Progress
from grader.report import changes, contract, terminal, tty
from grader.result import Check, Diagnosis, ErrorInfo, GradeResult, Status

HOSTILE = os.path.join(ROOT, "tests", "hostile", "terminal_escapes.py")
EVIL_NAME = "evil\x1b]0;t\x07.py"
SHOWN_NAME = r"evil\x1b]0;t\x07.py"
# What a terminal obeys: C0 but \t and \n, DEL, C1.
OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The grader's own colours, and nothing else, on a TTY.
GRADER_SGR = re.compile(r"\x1b\[(?:0|1|3[1-6])m")
SHOWN_MESSAGE = r"\x1b]0;PWNED\x07\x1b]52;c;cHduZWQ=\x07\x1b[1mScore: 100/100\x1b[0m\n\x1b[8m\x9b2J\r"


def test_visible_writes_out_every_control_character():
    assert tty.visible("a\x1b[2Jb\x07c\x9bd\re\x7ff\x00g\x0c") == r"a\x1b[2Jb\x07c\x9bd\re\x7ff\x00g\x0c"
    assert tty.visible("tab\tstays\nand so does a newline") == "tab\tstays\nand so does a newline"
    assert tty.visible("one\nline", one_line=True) == r"one\nline"
    assert tty.visible("\u202eevil\u2066 \u2028") == r"\u202eevil\u2066 \u2028"
    assert tty.visible("lone \ud800") == r"lone \ud800"
    # The positive control: ordinary text, non-English and mathematical included, is left as it is.
    assert tty.visible("Grüße, 日本語, ½‖ŷ−y‖², C:\\x1b") == "Grüße, 日本語, ½‖ŷ−y‖², C:\\x1b"


def test_blank_like_keeps_tabs_and_counts_wide_characters_twice():
    assert tty.blank_like("a\tb日e\u0301") == " \t" + " " + "  " + " "  # a, tab, b, 日, e and its accent


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The hostile corpus's terminal_escapes.py, after the reference, under a file name that sets the title."""
    path = tmp_path_factory.mktemp("escapes") / EVIL_NAME
    with open(HOSTILE) as f:
        path.write_text(reference_code() + "\n" + f.read())
    return path


def _line_number(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_hostile_messages_class_names_and_file_name_are_shown_escaped(hostile):
    proc = run_cli(str(hostile), "--json", str(hostile.parent / "r.json"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert not OBEYED.search(out), OBEYED.search(out)
    lines = out.splitlines()
    assert lines[0] == f"Grading {SHOWN_NAME}"
    raised = _line_number(hostile, "raise ValueError(TITLE")
    at = lines.index(f"  ERR   2 checks                        0/7  raised ValueError: {SHOWN_MESSAGE}")
    assert lines[at + 1:at + 4] == [
        "        forward/single_step (1 of 7); backward/single_step (1 of 11)",
        f"        {SHOWN_NAME}, line {raised}, in _hostile_forward",
        r'          raise ValueError(TITLE + CLIPBOARD + FAKE_SCORE + "\x9b2J\r")']
    # A name the learner chose (a class's) reaches the grader as printable ASCII only (run/wire.py): ESC is a "?".
    assert r"  ERR   forward/long_sequence           0/4  forward() (sizes I, H, O = (2, 6, 2)) raised " \
           r"Evil?[2J: class named to clear the screen" in lines
    # It raises for T = 1 and T = 40 at sizes where it runs otherwise: the length is named, not the sizes.
    assert any(ln.startswith("  diagnosis [fails_for_some_lengths]: forward raises ValueError: ") and
               "for sequences of length T = 1, 40" in ln for ln in lines)
    # The fake score is inside a line, escaped; the one score line is the grader's, the last line.
    assert [ln for ln in lines if ln.lstrip().startswith("Score")] == ["Score: 89/100"] == lines[-1:]
    # The JSON keeps what the learner's code said, byte for byte: only what a terminal shows is escaped.
    data = json.loads((hostile.parent / "r.json").read_text())
    check = next(c for c in data["checks"] if c["id"] == "forward/single_step")
    assert "\x1b]52;c;cHduZWQ=\x07\x1b[1mScore: 100/100\x1b[0m\n\x1b[8m\x9b2J\r" in check["message"]


def run_on_a_tty(*args: str) -> str:
    """The CLI with its stdout on a pseudo-terminal (so that it colours), as the terminal receives it."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.Popen([sys.executable, "-m", "grader", *args], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    received = bytearray()
    while True:
        try:
            data = os.read(master, 1 << 16)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        received += data
    os.close(master)
    proc.wait(timeout=120)
    assert proc.returncode == 0, proc.stderr.read()
    return received.decode().replace("\r\n", "\n")  # the terminal's own line endings


def test_on_a_tty_the_grader_colours_and_the_learner_does_not(hostile):
    out = run_on_a_tty(str(hostile))
    assert "\x1b[32mPASS\x1b[0m" in out and "\x1b[35mERR \x1b[0m" in out  # the positive control: colour is on
    assert out.splitlines()[-1] == "\x1b[1mScore: 89/100\x1b[0m"
    plain = GRADER_SGR.sub("", out)
    assert not OBEYED.search(plain), OBEYED.search(plain)
    assert SHOWN_MESSAGE in plain


def test_gradescope_log_is_escaped(hostile, tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / EVIL_NAME).write_text(hostile.read_text())
    proc = run_cli("gradescope", "--submission", str(folder), "--results", str(tmp_path / "results"))
    assert proc.returncode == 0, proc.stderr
    assert not OBEYED.search(proc.stdout)
    assert SHOWN_MESSAGE in proc.stdout and proc.stdout.splitlines()[-1] == "Score: 89/100"


def test_syntax_error_keeps_its_caret_under_the_escaped_code(grade_code):
    result = grade_code('x = "\x1b]0;t\x07日" + (1, 2\n', name="syn.py")
    lines = terminal.to_terminal(result).splitlines()
    assert lines == ["Grading syn.py",
                     "  error (syntax_error): syn.py, line 1: SyntaxError: '(' was never closed",
                     r'      x = "\x1b]0;t\x07日" + (1, 2',
                     "                             ^",
                     "Score: 0/100"]
    # The caret stands under "(": the escaped prefix is 22 characters, 日 two columns wide.
    assert lines[3].index("^") == lines[2].index("(") + 1


def test_load_faults_warnings_and_traceback_lines_are_escaped(grade_code, tmp_path):
    fault = terminal.to_terminal(grade_code('raise RuntimeError("\x1b]52;c;eA==\x07 at import")\n'))
    assert not OBEYED.search(fault)
    assert r"  error (import_error): loading the submission raised RuntimeError at submission.py, line 1: " \
           r"\x1b]52;c;eA==\x07 at import" in fault.splitlines()
    assert r"    RuntimeError: \x1b]52;c;eA==\x07 at import" in fault.splitlines()  # its traceback's last line
    # A raw ESC in the source line a traceback quotes.
    code = reference_code().replace('"""x: (T, I). Returns the outputs of every step, (T, O, 1); caches what '
                                    'backward needs."""', 'raise KeyError("k")  # \x1b[8m hidden')
    quoted = terminal.to_terminal(grade_code(code))
    assert not OBEYED.search(quoted) and r'          raise KeyError("k")  # \x1b[8m hidden' in quoted.splitlines()
    # A notebook's skipped IPython line becomes a warning.
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext \x1b]0;t\x07"), nbformat.v4.new_code_cell(reference_code())]
    nbformat.write(nb, str(tmp_path / "nb.ipynb"))
    warned = terminal.to_terminal(grade_file(str(tmp_path / "nb.ipynb")))
    assert not OBEYED.search(warned)
    assert r"  warning: cell 1, line 1: skipped the IPython line `%load_ext \x1b]0;t\x07`" in warned.splitlines()


def _everything_hostile() -> GradeResult:
    """A result whose every text field carries control characters (diagnoses and conventions are the grader's
    words today; they are escaped all the same)."""
    bad = "\x1b]0;t\x07\x9b2J"
    return GradeResult(
        submission=f"s{bad}.py", status="graded", score=5, max_score=10, error=ErrorInfo("timeout", f"late{bad}"),
        checks=[Check("forward/a", "forward", Status.PASS, 5, 5, f"ok{bad}"),
                Check("forward/b", "forward", Status.ERROR, 0, 5, f"forward() raised E{bad}: m{bad}",
                      {"traceback": f"Traceback (learner code only):\n  s{bad}.py, line 3, in forward\n"
                                    f"    raise E{bad}()\nE{bad}: m{bad}"})],
        diagnoses=[Diagnosis("forward_mismatch", f"wrong{bad}", f"look{bad}")], conventions=[f"conv{bad}"],
        stdout=bad, stderr=bad, warnings=[f"warn{bad}"])


def test_every_field_of_the_summary_and_of_the_watch_summary_is_escaped():
    shown = r"\x1b]0;t\x07\x9b2J"
    result = _everything_hostile()
    for colour in (False, True):
        out = terminal.to_terminal(result, colour=colour)
        assert not OBEYED.search(GRADER_SGR.sub("", out))
        for field in ("Grading s", "ok", "raised E", "s", "raise E", "wrong", "look", "conv", "warn", "late"):
            assert field + shown in GRADER_SGR.sub("", out), field
        assert out.splitlines()[-1] == ("\x1b[1mScore: 5/10\x1b[0m" if colour else "Score: 5/10")
    d = contract.to_dict(result)
    summary = changes.watch_summary(dict(d, checks=[dict(c, status="pass") for c in d["checks"]], diagnoses=[]), d)
    assert not OBEYED.search(summary)
    assert f"  diagnosis gained: [forward_mismatch] wrong{shown}" in summary.splitlines()
    assert summary.splitlines()[-1] == "Score: 5/10 (was 5)"


def test_batch_progress_lines_show_student_names_escaped():
    stream = io.StringIO()
    progress = Progress(2, stream)
    progress.done(Done("m\x1b]0;x\x07ller", "graded", 88, 100, ""))
    progress.note("2 submissions in cl\x1bass")
    progress.done(Done("ok", "error", 0, 100, "bad_file"))
    assert stream.getvalue().splitlines() == [r"[1/2] m\x1b]0;x\x07ller: 88/100", r"2 submissions in cl\x1bass",
                                              "[2/2] ok: not graded (bad_file)"]
