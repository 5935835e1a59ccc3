"""The HTML report: one self-contained page per result (jinja2, autoescaped, CSS inlined, charts as inline SVG).
A pure function of the result dict; render_template also serves the class summary (course/summary.py).
"""
from __future__ import annotations

import functools
import os
import re
from typing import Any

from grader import CACHE_DIR, ROOT
from grader.report.contract import learner_dict, points_text, to_dict
from grader.result import GradeResult

TEMPLATES = os.path.join(ROOT, "templates")
_SURROGATES = re.compile("[\ud800-\udfff]")


# Short names for the diagnoses in the report's headings; the message and hint come with the result.
TITLES = {
    "not_implemented": "not written yet",
    "init_changed": "__init__ differs from the starter's",
    "output_activation": "an activation on the output layer",
    "missing_recurrence": "the recurrent term is missing",
    "hidden_state_not_reset": "the hidden state leaks between calls",
    "forward_mismatch": "the forward pass is off",
    "gradient_ascent": "the update goes uphill",
    "loss_missing_half": "the ½ of the loss is missing",
    "loss_mean_over_time": "the loss is averaged over time",
    "loss_mean_over_outputs": "the loss is averaged over the outputs",
    "only_last_step_loss": "only the last step's error is used",
    "truncated_bptt": "no gradient through time",
    "tanh_derivative": "the derivative of tanh is wrong",
    "whh_gradient_uses_current_state": "W_hh's gradient uses h_t, not h_t−1",
    "initial_state_aliased": "h_0 is read from the end of the sequence",
    "biases_not_updated": "the biases are not updated",
    "updates_inside_time_loop": "updates inside the time loop",
    "gradient_clipping": "the gradient is clipped",
    "learning_rate_ignored": "the learning rate is ignored",
    "backward_mismatch": "the updates are off",
    "fails_for_some_sizes": "a method raises for some sizes",
    "fails_for_some_lengths": "a method raises for some lengths",
    "fails_for_some_cases": "a method raises in some cases",
    "shape_broadcast": "the hidden state became a matrix",
    "first_step_skipped": "the backward loop stops before t = 0",
    "learning_rate_applied_twice": "the learning rate is applied twice",
    "weight_decay": "a weight decay is added",
    "gradients_not_reset": "gradients pile up across calls",
    "optimizer_not_sgd": "the step is not plain SGD",
}
OUTPUT_SHOWN = 6000      # characters of stdout/stderr the report shows; the JSON keeps what the sandbox kept
ENTRIES_SHOWN = 24       # rows of an expected-vs-got table before it is cut
FORWARD_CHARTS = 3       # forward cases (no targets) drawn where the outputs are off


def to_html(result: GradeResult, *, learner_view: bool = True) -> str:
    """One self-contained HTML page (CSS inlined, pictures as inline SVG, no external resource)."""
    return from_dict(to_dict(result), learner_view=learner_view)


def from_dict(d: dict[str, Any], *, learner_view: bool = True) -> str:
    """to_html from the result dict (contract.to_dict's output, instructor's view), for a caller that has it
    already: the dict is converted once per result, not once per page. `d` is not changed."""
    data = learner_dict(d) if learner_view else d
    return render_template("report.html.j2", r=data, v=_view(data))


def preload(*names: str) -> None:
    """Load these templates now (jinja2, the report's own modules and the compiled code with them): a batch
    forks its workers after this, and each would otherwise pay the ~30 ms on its first page."""
    from grader.report import charts, codeview, groups  # noqa: F401  what _view imports on a page's first render

    for name in names:
        _template(name)
    _css()


def _encodable(text: str) -> str:
    # A lone surrogate (JSON from the child may carry "\ud800") can't be written as UTF-8: show U+FFFD instead.
    # Encoding tells whether there is one at a sixth of the regex's cost, and a page rarely has one.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def render_template(name: str, **context: Any) -> str:
    """A page from templates/ (autoescaped, the report CSS inlined as `css`)."""
    return _encodable(_template(name).render(css=_css(), **context))


@functools.lru_cache(maxsize=None)
def _template(name: str):
    """A template of templates/, compiled once per process (a batch worker renders hundreds of pages). The cache
    holds compiled templates only, which rendering doesn't change."""
    import jinja2  # only HTML pages pay for this import

    class Environment(jinja2.Environment):
        def getattr(self, obj: Any, attribute: str) -> Any:
            # `r.status` on a dict: jinja2 tries the attribute first, and the AttributeError costs more than the
            # lookup, thousands of times a page. A name that is not an attribute of dict reads the key at once.
            if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    options = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True}  # what the compiled code depends on
    env = Environment(loader=jinja2.FileSystemLoader(TEMPLATES), bytecode_cache=_bytecode_cache(options),
                      undefined=jinja2.StrictUndefined, **options)
    env.filters["points"] = points_text
    env.filters["num"] = lambda x: "—" if x is None else f"{x:.6g}"
    env.filters["pct"] = lambda x: "—" if x is None else f"{100 * x:.3g} %"
    return env.get_template(name)


_DICT_ATTRIBUTES = frozenset(dir(dict))


def _bytecode_cache(options: dict[str, Any]):
    """jinja2's cache of compiled templates, in the grader's cache folder: compiling a page's template costs a
    process tens of ms (every `make grade`, every batch worker), loading its code about 2. jinja2 keys each entry
    by the template's source and its own and Python's versions; the folder's name adds the environment's options,
    which the compiled code depends on too. One that can't be read or written is no cache (None outside a venv)."""
    import hashlib

    import jinja2

    if CACHE_DIR is None:
        return None

    class Cache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: Any) -> None:
            try:
                super().load_bytecode(bucket)
            except OSError:
                pass

        def dump_bytecode(self, bucket: Any) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:  # a read-only venv, say: compiled again next time
                pass

    digest = hashlib.sha256(repr(sorted(options.items())).encode()).hexdigest()[:12]
    folder = os.path.join(CACHE_DIR, f"templates-{digest}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return Cache(folder)


@functools.lru_cache(maxsize=None)
def _css() -> str:
    return _read(os.path.join(TEMPLATES, "report.css"))


def _view(d: dict[str, Any]) -> dict[str, Any]:
    """What the template shows, derived from the result dict only."""
    from grader.report import charts, codeview
    from grader.report.groups import first_fix

    groups: dict[str, list] = {}
    for c in d["checks"]:  # in plan order, which is the order a learner works through the kata
        # A table of entries is shown for a comparison that failed only: the rest need none made.
        groups.setdefault(c["group"], []).append({**c, "tables": [_NO_TABLE if cmp.get("passed") else _entries(cmp)
                                                                   for cmp in c["details"].get("comparisons", [])]})
    analysis = d.get("analysis") or {}
    return {"verdict": _verdict_line(d), "groups": [{"name": g, "checks": cs,
                                                      "points": sum(c["points"] for c in cs),
                                                      "max_points": sum(c["max_points"] for c in cs)}
                                                     for g, cs in groups.items()],
            "diagnoses": [{**x, "title": TITLES.get(x["id"], x["id"].replace("_", " ")),
                           "evidence": _evidence(x.get("evidence") or {})} for x in d["diagnoses"]],
            "parameters": _parameter_rows(analysis, charts), "predictions": _prediction_charts(analysis, charts),
            "losses": _loss_charts(analysis, charts), "tracebacks": codeview.tracebacks(d),
            "glance": codeview.glance(d), "first_fix": _first_fix(d, first_fix),
            "syntax": codeview.syntax(d["error"]["message"]) if d.get("error") else None,
            "stdout": _cut(d.get("stdout", "")), "stderr": _cut(d.get("stderr", "")),
            "hidden_output": [(k, _cut((d.get("hidden_run") or {}).get(k) or "")) for k in ("stdout", "stderr")]}


def _first_fix(d: dict[str, Any], first_fix) -> list[str]:
    """The first thing to fix, unless the page says it already: an error that stopped the grading has a section
    of its own, and a diagnosis is named in the verdict and has its card."""
    rows = first_fix(d) if d["status"] != "error" else []
    return [] if rows and d["diagnoses"] and rows[0] == d["diagnoses"][0]["message"] else rows


def _verdict_line(d: dict[str, Any]) -> str:
    if d["status"] == "error":
        return f"Could not be graded: {d['error']['message'].splitlines()[0] if d['error'] else 'unknown error'}"
    failed = [c for c in d["checks"] if c["status"] != "pass"]
    if not failed:
        return "Every check passes: your forward pass, your BPTT and your updates match the reference."
    line = f"{len(failed)} of {len(d['checks'])} checks did not pass"
    if d["diagnoses"]:
        names = [TITLES.get(x["id"], x["id"]) for x in d["diagnoses"]]
        line += f"; most likely because {names[0]}" + (f" (and {len(names) - 1} more finding"
                                                         f"{'s' if len(names) > 2 else ''})" if len(names) > 1 else "")
    return line + "."


def _evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """Key/value rows, and the per-probe numbers ("…_by_probe") gathered into one table, a row per probe."""
    columns = [k for k, v in evidence.items() if k.endswith("_by_probe") and isinstance(v, dict)]
    probes = list(dict.fromkeys(p for k in columns for p in evidence[k]))
    return {"rows": [(k.replace("_", " "), _compact(v)) for k, v in evidence.items() if k not in columns],
            "columns": [k[:-len("_by_probe")].replace("_", " ") for k in columns],
            "probes": [(p, [_compact(evidence[k].get(p)) for k in columns]) for p in probes]}


def _compact(v: Any) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_compact(x)}" for k, x in v.items())
    if isinstance(v, list):
        return "[" + ", ".join(_compact(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:.4g}"
    return "—" if v is None else str(v)


_NO_TABLE = {"rows": [], "omitted": 0}


def _entries(cmp: dict[str, Any]) -> dict[str, Any]:
    """Expected vs got, one row per entry, mismatches (beyond the tolerance) marked. Long tables keep their start
    and their worst entries, with a row saying how many were left out."""
    import numpy as np

    expected, actual = np.asarray(cmp["expected"], dtype=float), np.asarray(cmp["actual"], dtype=float)
    if expected.shape != actual.shape:
        return _NO_TABLE
    diff = np.abs(actual - expected)
    # Entries by their flat (C-order) position: the order np.ndindex walks them in.
    flat, total = diff.ravel(), diff.size
    keep = set(range(min(total, ENTRIES_SHOWN)))
    if total > ENTRIES_SHOWN:
        if np.isfinite(flat).all():  # the worst first, ties in order: what a stable sort on -diff gives
            worst = [int(k) for k in np.argsort(-flat, kind="stable")[:6]]
        else:  # NaN has no place in numpy's order that Python's sort would give it: sort as Python does
            worst = sorted(range(total), key=lambda k: -flat[k])[:6]
        keep = set(range(ENTRIES_SHOWN - len(worst))) | set(worst)
    kept = np.array(sorted(keep), dtype=np.intp)
    # The kept rows' numbers in one go each (indices, values, verdicts), not entry by entry through numpy scalars.
    indices = zip(*(d.tolist() for d in np.unravel_index(kept, expected.shape))) if expected.ndim else [()]
    values = zip(indices, expected.ravel()[kept].tolist(), actual.ravel()[kept].tolist(),
                 (flat[kept] > cmp["tolerance"]).tolist())
    rows, last = [], -1
    for n, (i, want, got, bad) in zip(kept.tolist(), values):
        if n != last + 1:
            rows.append({"gap": n - last - 1})
        rows.append({"index": ", ".join(map(str, i)), "expected": want, "actual": got, "bad": bad})
        last = n
    if last != total - 1:
        rows.append({"gap": total - 1 - last})
    return {"rows": rows, "bad": int(np.sum(diff > cmp["tolerance"])), "total": total}


def _parameter_rows(analysis: dict[str, Any], charts) -> list[dict[str, Any]]:
    rows = []
    for name, verdict in (analysis.get("verdicts") or {}).items():
        comparison = (analysis.get("parameters") or {}).get(verdict["probe"], {}).get(name, {})
        heat = None
        if comparison.get("error_map") and isinstance(comparison["error_map"][0], list):
            heat = charts.heat_map(comparison["error_map"], comparison["expected"], comparison["tolerance"])
            heat["cells_html"] = _cells_html(heat, name)
        rows.append({"name": name, **verdict, "heat": heat})
    return rows


def _prediction_charts(analysis: dict[str, Any], charts) -> list[dict[str, Any]]:
    """Per case with targets (the published ones): targets, the expected outputs and the learner's, per output.
    Forward cases without targets are drawn too where the learner's outputs are off (more than 0.1 %)."""
    import numpy as np

    out, off_cases = [], 0
    for case, f in (analysis.get("forward") or {}).items():
        expected, actual = np.asarray(f["expected"], dtype=float), np.asarray(f["actual"], dtype=float)
        off = expected.shape == actual.shape and expected.size and \
            np.abs(actual - expected).max() > 1e-3 * max(np.abs(expected).max(), 1e-12)
        if "targets" not in f and (not off or off_cases == FORWARD_CHARTS) or expected.ndim != 2 or len(expected) < 2:
            continue
        off_cases += "targets" not in f
        # A case without targets shows its first output only: enough to see where the curves part.
        for o in range(expected.shape[1] if "targets" in f else 1):
            series = [{"name": "target y", "values": [r[o] for r in f["targets"]], "role": "target"}] \
                if "targets" in f else []
            series += [{"name": "expected ŷ", "values": list(expected[:, o]), "role": "expected"},
                       {"name": "your ŷ", "values": list(actual[:, o]), "role": "actual"}]
            chart = charts.line_chart(series, x_label="time step t", y_label="output", log_y=False)
            if chart:
                out.append({"title": case + (f", output {o}" if expected.shape[1] > 1 else ""),
                            "chart": _dots_html(chart)})
    return out


def _loss_charts(analysis: dict[str, Any], charts) -> list[dict[str, Any]]:
    out = []
    for case, curves in (analysis.get("training") or {}).items():
        chart = charts.line_chart([{"name": "reference", "values": curves.get("reference") or [], "role": "expected"},
                                   {"name": "yours", "values": curves.get("learner") or [], "role": "actual"}],
                                  x_label="epoch", y_label="loss ½Σ(ŷ − y)²", x_start=1)
        if chart:
            out.append({"title": case, "chart": _dots_html(chart)})
    return out


# The repeated elements of the pictures, written here as templates/_charts.html.j2 wrote them in a loop: the same
# bytes, every text escaped (numbers need none), at a fraction of a template loop's cost per element.

def _dots_html(chart: dict[str, Any]) -> dict[str, Any]:
    """A line chart with each line's dots as markup (`dots_html`)."""
    from markupsafe import Markup, escape

    for line in chart["lines"]:
        role, name = escape(line["role"]), escape(line["name"])
        line["dots_html"] = Markup("".join(
            f'<circle class="dot {role}" cx="{d["x"]}" cy="{d["y"]}" r="2"><title>{name} at {escape(d["label"])}'
            f'</title></circle>' for d in line["dots"]))
    return chart


def _cells_html(heat: dict[str, Any], name: str) -> Any:
    """A heat map's cells as markup, one indented line each."""
    from markupsafe import Markup, escape

    size, label = heat["cell"], escape(name)
    return Markup("".join(
        f'  <rect x="{c["x"]}" y="{c["y"]}" width="{size}" height="{size}" fill="{escape(c["fill"])}" '
        f'class="{"bad" if c["bad"] else "ok"}"><title>{label}{escape(c["label"])}</title></rect>\n'
        for c in heat["cells"]))


def _cut(text: str) -> dict[str, Any]:
    if len(text) <= OUTPUT_SHOWN:
        return {"text": text, "cut": 0}
    return {"text": text[:OUTPUT_SHOWN], "cut": len(text) - OUTPUT_SHOWN}


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()
