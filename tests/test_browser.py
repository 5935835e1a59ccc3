"""The HTML report in a real browser: headless Chromium renders it at a phone's width without console messages,
and the screenshot shows the page (not blank: text, the red diagnosis cards, the coloured charts)."""
import html
import json
import os
import re
import shutil
import struct
import subprocess
import zlib

import pytest

from conftest import SUBMISSIONS, grade_file

from grader.report.html import to_html

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install "
                                                          "chromium; .ci/run installs it)")
WIDTH, HEIGHT = 420, 4400       # a phone's width, tall enough to reach the charts (below "At a glance")
DIAGNOSIS_RED = (198, 40, 40)   # --bad in report.css: the diagnosis cards' border
YOURS_ORANGE = (209, 96, 10)    # --actual: the learner's line in the charts


def chromium(tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                           "--no-first-run", "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
                           "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=90)


def console_messages(stderr: str) -> list[str]:
    """Chromium logs every console message (errors, uncaught exceptions, CSP refusals) as `...:CONSOLE...`."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def decode_png(data: bytes) -> tuple[int, int, list[bytes], int]:
    """(width, height, rows of raw pixel bytes, bytes per pixel) of an 8-bit RGB or RGBA PNG, stdlib only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6), (depth, colour)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # undo the row filter (PNG spec, section 9)
            a = line[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + prev[i]) & 255
            elif kind == 3:
                line[i] = (line[i] + ((a + prev[i]) >> 1)) & 255
            elif kind == 4:
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def pixel_counts(rows: list[bytes], bpp: int, colours: dict[str, tuple[int, int, int]]) -> dict[str, int]:
    counts = {"non_white": 0, **{k: 0 for k in colours}}
    for row in rows:
        for i in range(0, len(row), bpp):
            r, g, b = row[i], row[i + 1], row[i + 2]
            if r < 245 or g < 245 or b < 245:
                counts["non_white"] += 1
            for name, (cr, cg, cb) in colours.items():
                if abs(r - cr) + abs(g - cg) + abs(b - cb) <= 24:
                    counts[name] += 1
    return counts


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    result = grade_file(os.path.join(SUBMISSIONS, "wrong", "hidden_state_not_reset+loss_mean_over_time+"
                                                           "loss_missing_half__col.py"))
    assert result.diagnoses
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(to_html(result), encoding="utf-8")
    return path


@needs_chromium
def test_report_displays_in_headless_chromium(report, tmp_path):
    shot = tmp_path / "shot.png"
    run = chromium(tmp_path, f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}", report.as_uri())
    assert shot.exists(), run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    width, height, rows, bpp = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    counts = pixel_counts(rows, bpp, {"diagnosis": DIAGNOSIS_RED, "yours": YOURS_ORANGE})
    assert counts["non_white"] > 0.03 * width * height, counts   # text, cards, tables: not a blank page
    assert counts["diagnosis"] > 3 * 100, counts                  # three diagnosis cards with a red border
    assert counts["yours"] > 50, counts                           # the learner's line in the charts


@needs_chromium
def test_browser_parses_every_section_and_picture(report, tmp_path):
    run = chromium(tmp_path, "--dump-dom", report.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    dom = run.stdout
    for section in ("diagnoses", "parameters", "predictions", "training", "checks", "output"):
        assert f'id="{section}"' in dom, section
    assert dom.count('class="heat"') == 5 and dom.count("<polyline") >= 6


def test_png_decoder_reads_what_zlib_and_struct_wrote():
    # A 2 × 2 RGB image: row 0 unfiltered (black, white), row 1 with the Sub filter (red, red).
    raw = b"\x00" + bytes([0, 0, 0, 255, 255, 255]) + b"\x01" + bytes([255, 0, 0, 0, 0, 0])

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    width, height, rows, bpp = decode_png(png)
    assert (width, height, bpp) == (2, 2, 3)
    assert rows == [bytes([0, 0, 0, 255, 255, 255]), bytes([255, 0, 0, 255, 0, 0])]
    assert pixel_counts(rows, bpp, {"red": (255, 0, 0)}) == {"non_white": 3, "red": 2}


MEASURE = """<script>
const at = document.querySelector("pre.syntax .at").getBoundingClientRect();
const caret = document.querySelector("pre.syntax .caret").getBoundingClientRect();
const start = document.querySelector("pre.syntax .src").getBoundingClientRect();
const style = getComputedStyle(document.querySelector("pre.syntax"));
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify({at: at.left, caret: caret.left, start: start.left, at_top: at.top,
                                  caret_top: caret.top, font: style.fontFamily, white_space: style.whiteSpace});
document.body.appendChild(out);
</script></body>"""


@needs_chromium
def test_a_syntax_errors_caret_stands_under_the_offending_character(tmp_path):
    """Measured in the browser's layout: the caret's left edge is the offending character's, although the code
    before it holds a tab, wide characters and is longer than a phone's screen is wide."""
    code = 'import numpy as np\n\ndef f():\n    x = {"日本語": "\t' + "a" * 60 + '"} + (1, 2\n'
    path = tmp_path / "syntax.py"
    path.write_text(code)
    result = grade_file(str(path))
    assert result.error.kind == "syntax_error"
    page = tmp_path / "report.html"
    page.write_text(to_html(result).replace("</body>", MEASURE), encoding="utf-8")
    run = chromium(tmp_path, f"--window-size={WIDTH},{HEIGHT}", "--dump-dom", page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', run.stdout)
    assert found, run.stdout[-2000:]
    m = json.loads(html.unescape(found.group(1)))
    assert "monospace" in m["font"] and m["white_space"] == "pre"
    assert m["at"] - m["start"] > WIDTH  # the positive control: far along a line wider than the screen
    assert abs(m["caret"] - m["at"]) < 0.5, m
    assert m["caret_top"] > m["at_top"]  # on the row below
# ---- the class summary's similar submissions ---------------------------------------------------------------------

MATCH_ORANGE = (255, 216, 168)  # .m0 in summary.html.j2: the first matched region, on both sides


@pytest.fixture(scope="module")
def summary_page(tmp_path_factory):
    """A summary whose section on similar submissions holds a near copy, shown side by side (no grading)."""
    from grader.course import integrity, printstore
    from grader.course.summary import Summary
    from grader.tools.copies import renamed

    base = tmp_path_factory.mktemp("summary")
    out = str(base / "out")
    original = os.path.join(os.path.dirname(SUBMISSIONS), "integrity", "independent", "karpathy_port.py")
    with open(original, encoding="utf-8") as f:
        code = f.read()
    (base / "copy.py").write_text(renamed(code))
    shas = {"alice": printstore.store(out, original), "bob": printstore.store(out, str(base / "copy.py"))}
    report = integrity.run(out, ["alice", "bob"], {s: integrity.Facts(sha) for s, sha in shas.items()})
    assert [(f.student, f.other, f.kind) for f in report.findings] == [("alice", "bob", "near_copy")]
    summary = Summary("browser")
    summary.integrity(report, out)
    path = base / "summary.html"
    path.write_text(summary.to_html(), encoding="utf-8")
    return path


@needs_chromium
def test_summary_shows_matched_regions_side_by_side(summary_page, tmp_path):
    run = chromium(tmp_path, "--dump-dom", summary_page.as_uri())
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    dom = run.stdout
    assert 'id="integrity"' in dom and dom.count('<table class="code">') == 2 and 'class="m0"' in dom
    shot = tmp_path / "shot.png"
    run = chromium(tmp_path, "--window-size=1100,2400", f"--screenshot={shot}", summary_page.as_uri())
    assert shot.exists(), run.stderr[-2000:]
    width, height, rows, bpp = decode_png(shot.read_bytes())
    counts = pixel_counts(rows, bpp, {"match": MATCH_ORANGE})
    # Both files' matched lines drawn in the region's colour: two columns of about 25 lines each.
    assert counts["match"] > 2 * 20 * 12 * 300, counts  # columns ~450 px wide, ~16 px a line
