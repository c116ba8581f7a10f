"""Hostile text in the report layer (issue 12, part 2 and the chart item of part 3).

Classes (several variants each):

A. Spreadsheet formulas: ``spreadsheet_safe`` / ``spreadsheet_safe_frame`` (OWASP CSV
   injection: a cell or header starting with ``=``, ``+``, ``-``, ``@``, tab or CR gets a
   leading ``'``; real numbers stay numbers).
B. Every CSV the report layer writes (``save_table``, the data behind ``save_figure``,
   ``write_published_checks``) is neutralised, cell by cell and header by header.
C. HTML/Markdown: ``esc``, ``say(template, **values)``, ``describe_wave``, ``markdown_table``
   and the HTML tables never let text from data become markup.
D. The executed notebooks' HTML (nbconvert, as ``reader_html`` renders it) has no live tag or
   handler from a hostile export name, wave label or error message.
E. Chart labels with ``$`` are text, not mathtext or TeX; ``$\\input{x}$`` never crashes a save.
"""

from __future__ import annotations

import csv
import io
import re
import types
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import cxresearch as cx  # noqa: E402
from cxresearch.paths import spreadsheet_safe, spreadsheet_safe_frame  # noqa: E402
from cxresearch.report.narrative import story  # noqa: E402
from cxresearch.report.output.documents import markdown_table, write_published_checks  # noqa: E402

HOSTILE = [
    "x`<img src=x onerror=alert(1)>`.csv",
    "<script>alert(document.cookie)</script>",
    "a\n# heading\n<b>x</b>",
    "[click](javascript:alert(1))",
    "![img](http://evil/x.png)",
    "`code` **bold** $\\input{/etc/passwd}$",
    "\"><svg onload=alert(1)>",
    "2024\n",
    "name\x1b[31mred\u202eevil",
]
FORMULAS = ["=1+1", "=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(A1:A2)", "\t=1", "\r=1", "  =1+1", "\u00a0=1", "=", "-", "+", "@",
            "-inf", "- 3", "-1,000", "=cmd|' /C notepad'!'A1'", "-A1", "+x@y"]
NUMBERS = ["-3.5", "+12%", "-1e-3", "1e5", "0", "-0.0", "+7", ".5", "-.5", "  -3"]


def _risky(cell: str) -> bool:
    """A cell a spreadsheet would evaluate: starts (after spaces) with a formula character
    and is not a plain number."""
    if cell.startswith(("\t", "\r")):
        return True
    s = cell.lstrip(" \u00a0")
    if not s or s[0] not in "=+-@":
        return False
    return not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?", s.strip())


# ------------------------------------------------------------------ A. the neutraliser
@pytest.mark.parametrize("value", FORMULAS)
def test_formula_cells_get_a_quote(value):
    out = spreadsheet_safe(value)
    assert out == "'" + value
    assert not _risky(out)


@pytest.mark.parametrize("value", NUMBERS + ["plain text", "", " ", "a=b", "e-mail@x.org",
                                             "3-5 years", "'=already quoted"])
def test_numbers_and_plain_text_are_left_alone(value):
    assert spreadsheet_safe(value) == value


@pytest.mark.parametrize("value", [-3.5, 7, np.int64(-2), np.float64(-0.5), True, None,
                                   np.nan, pd.NA])
def test_non_strings_are_returned_unchanged(value):
    assert spreadsheet_safe(value) is value


def test_frame_headers_and_every_text_dtype():
    df = pd.DataFrame({
        "=SUM(A1)": ["=1", "ok"],
        "obj": pd.Series(["@x", 3], dtype=object),
        "str": pd.Series(["-x", "y"], dtype="string"),
        "cat": pd.Categorical(["+bad", "fine"]),
        "num": [-1.5, 2.0],
        "int": pd.array([-1, None], dtype="Int64"),
        7: ["=7", "b"],
    })
    before = df.copy()
    out = spreadsheet_safe_frame(df)
    assert list(out.columns) == ["'=SUM(A1)", "obj", "str", "cat", "num", "int", 7]
    assert out["'=SUM(A1)"].tolist() == ["'=1", "ok"]
    assert out["obj"].tolist() == ["'@x", 3]                       # numbers stay numbers
    assert out["str"].tolist() == ["'-x", "y"]
    assert out["cat"].tolist() == ["'+bad", "fine"]
    assert out[7].tolist() == ["'=7", "b"]
    pd.testing.assert_series_equal(out["num"], df["num"])
    pd.testing.assert_series_equal(out["int"], df["int"])
    pd.testing.assert_frame_equal(df, before)                      # input untouched


# ------------------------------------------------------------------ B. every CSV written
def _cells(path) -> list[str]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return [c for row in rows for c in row]


def _hostile_frame() -> pd.DataFrame:
    k = len(FORMULAS)
    return pd.DataFrame({"group": FORMULAS, "estimate": np.linspace(-1, 1, k),
                         "ci_low": np.linspace(-2, 0, k), "ci_high": np.linspace(0, 2, k),
                         "n": np.arange(10, 10 + k), "=header": FORMULAS[::-1]})


def test_save_table_csv_is_neutralised(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cx.save_table(_hostile_frame(), "hostile", outdir=tmp_path, caption="=cap",
                      notes=["=note"])
    cells = _cells(tmp_path / "hostile.csv")
    assert not [c for c in cells if _risky(c)]
    assert "'=header" in cells and "'=1+1" in cells
    assert any(c.startswith("-") for c in cells)    # negative numbers are still numbers


def test_save_figure_data_csv_is_neutralised(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    cx.save_figure(fig, "hostile_fig", data=_hostile_frame(), outdir=tmp_path,
                   formats=("png",))
    plt.close(fig)
    cells = _cells(tmp_path / "hostile_fig.csv")
    assert not [c for c in cells if _risky(c)]
    assert "-1.0" in cells


def test_published_checks_csv_is_neutralised(tmp_path):
    cons = pd.DataFrame({"check_id": ["=c1", "c2"], "explanation": ["@x", "-y + z"],
                         "value": [-1.0, 2.0]})
    claims = pd.DataFrame({"claim_id": ["+k"], "claim": ["=HYPERLINK(\"x\")"],
                           "verdict": ["supported"]})
    written = write_published_checks(tmp_path, consistency=cons, claims=claims)
    for p in written:
        if p.suffix == ".csv":
            assert not [c for c in _cells(p) if _risky(c)], p
        else:
            assert "<" not in p.read_text().replace("&lt;", "")


# ------------------------------------------------------------------ C. Markdown / HTML
_LIVE = re.compile(r"<\s*(img|script|svg|b|iframe)\b|\bon\w+\s*=\s*[^\s&]|"
                   r"(?<!\\)\]\((javascript|http)")


@pytest.mark.parametrize("value", HOSTILE)
def test_esc_leaves_no_markup(value):
    out = story.esc(value)
    assert not _LIVE.search(out), out
    assert "\n" not in out and "\r" not in out
    assert "<" not in out and ">" not in out
    assert "\x1b" not in out and "\u202e" not in out


@pytest.mark.parametrize("value", HOSTILE)
def test_say_escapes_values_not_the_template(value, capsys):
    story.say("**File**: {f} ({n:,} rows, {share:.0%})", f=value, n=1200, share=0.25)
    out = capsys.readouterr().out
    assert out.startswith("**File**: ") and "1,200 rows, 25%" in out
    assert not _LIVE.search(out)


def test_say_refuses_non_text():
    with pytest.raises(TypeError, match="text"):
        story.say(None)


def _wave(label="2024", source="export.csv", study="mitto_cx", **manifest):
    return types.SimpleNamespace(study=study, label=label, synthetic=False,
                                 data=pd.DataFrame({"a": range(3)}),
                                 manifest={"source_file": source, **manifest})


@pytest.mark.parametrize("field", ["source", "label", "study"])
@pytest.mark.parametrize("value", HOSTILE[:7])
def test_describe_wave_escapes_every_value(field, value):
    text = story.describe_wave(_wave(**{field: value}))
    assert not _LIVE.search(text), text
    assert "3 respondents" in text


def test_describe_wave_keeps_plain_names_readable():
    text = story.describe_wave(_wave(study="ecsi_mobi", label="2024", source="mobi.csv"))
    assert "ecsi_mobi/2024" in text and "mobi\\.csv" in text


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_table_and_html_table(value, tmp_path):
    df = pd.DataFrame({value: [value], "estimate": [0.5], "n": [40]})
    md = markdown_table(df)
    assert "<" not in md and ">" not in md           # no tag can open: handlers are text
    assert not re.search(r"(?<!\\)\]\((javascript|http)", md)
    assert len(md.strip().splitlines()) == 3          # header, rule, one row: no new lines
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cx.save_table(df, "t", outdir=tmp_path, caption=value, notes=[value], source=value)
    tags = _tags((tmp_path / "t.html").read_text())
    assert {t for t, _ in tags} <= {"table", "caption", "thead", "tbody", "tfoot", "tr", "th",
                                    "td"}
    assert not [a for _, attrs in tags for a in attrs if a.startswith("on")]


def _tags(page: str) -> list[tuple[str, list[str]]]:
    """Every element (name, attribute names) an HTML parser finds in ``page``."""
    from html.parser import HTMLParser

    found = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [k for k, _ in attrs]))

    P().feed(page)
    return found


# ------------------------------------------------------------------ D. notebook HTML
def _rendered(tmp_path, markdown: str) -> str:
    import nbformat

    from cxresearch.pipeline.notebooks import reader_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("story.say(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": markdown})]
    nb.cells.append(cell)
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    return reader_html(path)


def _live_in_html(page: str) -> list[str]:
    """Tags/handlers from the hostile text that are live in the page (not the page's own)."""
    return re.findall(r"<img[^>]*onerror|<script>alert|<svg[^>]*onload|<b>x</b>|"
                      r"href=\"javascript:", page)


@pytest.mark.slow   # the first nbconvert export loads its templates (~10 s)
def test_the_unescaped_name_was_live(tmp_path):
    """Control: the old narration (a code span around the file name) gives a live handler,
    so the checks below can see one."""
    page = _rendered(tmp_path, f"from `{HOSTILE[0]}`")
    assert _live_in_html(page)


@pytest.mark.slow
@pytest.mark.parametrize("value", HOSTILE)
def test_notebook_html_has_no_live_markup(tmp_path, value):
    md = story.describe_wave(_wave(source=value, label=value)) + "\n\n" + \
        story._Escaping().format("Error: {e}", e=f"ValueError: {value}")
    page = _rendered(tmp_path, md)
    assert not _live_in_html(page), _live_in_html(page)


@pytest.mark.slow
def test_executed_notebook_html_has_no_live_markup(tmp_path):
    """End to end: a notebook narrates a hostile export name through story.say/describe_wave,
    is executed by the reproduce pipeline, and its reader HTML is searched."""
    import nbformat

    from cxresearch.pipeline import run as pipeline

    books = tmp_path / "nb"
    books.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(
        "import types, pandas as pd\nfrom cxresearch.report.narrative import story\n"
        f"name = {HOSTILE[0]!r}\n"
        "w = types.SimpleNamespace(study='s', label='2024', synthetic=False,\n"
        "    data=pd.DataFrame({'a': [1]}), manifest={'source_file': name})\n"
        "story.say(story.describe_wave(w))\n"
        "story.say('Export {f} failed: {e}', f=name, e='ValueError: ' + name)\n"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, books / "01_hostile.ipynb")
    rep = pipeline.reproduce(notebooks=books, out=tmp_path / "run", examples=False,
                             progress=False, jobs=1)
    assert rep.ok, [r.describe() for r in rep.notebooks]
    page = (tmp_path / "run" / "notebooks" / "01_hostile.html").read_text()
    assert "onerror" in page            # the text is there, shown literally ...
    assert not _live_in_html(page)      # ... but not as a live handler


# ------------------------------------------------------------------ E. charts and "$"
DOLLARS = [r"$\input{x}$", "Revenue $1M-$5M", r"$\frac{1", "a$b", "$$", r"$\x$ \$",
           r"$\def\a{\a}\a$"]


def test_chart_labels_with_dollars_are_text(tmp_path):
    df = pd.DataFrame({"group": DOLLARS, "estimate": np.linspace(.1, .7, len(DOLLARS)),
                       "ci_low": 0.0, "ci_high": 0.8, "n": 50})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = cx.estimate_bars(df, title=r"$\input{t}$ costs $5")
        cx.save_figure(fig, "dollars", outdir=tmp_path, formats=("png", "svg"))
    shown = [t for t in fig.findobj(Text) if "$" in t.get_text()]
    # labels are shown as given (the chart capitalises a first letter: "A$b")
    assert {t.get_text().lower() for t in shown} >= {d.lower() for d in DOLLARS}
    assert not any(t.get_parse_math() for t in shown)
    svg = (tmp_path / "dollars.svg").read_text()
    assert "Revenue $1M-$5M" in svg     # drawn literally, not as maths


@pytest.mark.parametrize("label", DOLLARS)
def test_save_figure_survives_dollar_labels_on_any_figure(tmp_path, label):
    """A figure made outside the theme (mathtext on, even usetex asked for)."""
    with matplotlib.rc_context({"text.parse_math": True}):
        fig, ax = plt.subplots()
        ax.set_title(label)
        ax.set_xlabel(label, usetex=True)
        ax.text(.5, .5, "$x^2$")          # valid maths stays maths
    fmts = ("png", "pdf", "svg") if label == DOLLARS[0] else ("png",)
    cx.save_figure(fig, "d", data=pd.DataFrame({"a": [1]}), outdir=tmp_path, formats=fmts)
    assert (tmp_path / "d.png").stat().st_size > 0
    assert not any(t.get_usetex() for t in fig.findobj(Text))
    plt.close(fig)
