"""report.xlsx as a tabulation: typed cells from saved tables, contents, sheet names from
titles, print set-up, compact provenance. Oracle: the workbook read back with openpyxl and
hand-computed expectations."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import cxresearch as cx  # noqa: E402
from cxresearch.report.charts.labels import Labeller  # noqa: E402
from cxresearch.report.output.deliverables import write_run_deliverables  # noqa: E402
from cxresearch.report.output.typed import typed_table  # noqa: E402
from cxresearch.report.output.xlsx import title_sheet_name  # noqa: E402


def _t(**cols):
    return pd.DataFrame({k: list(v) for k, v in cols.items()})


class TestTypedTable:
    def test_share_rows_are_percent_with_two_numeric_interval_columns(self):
        t = typed_table(_t(term=["cx_owner"], level=["ceo"], estimate=["0.36"], se=["0.02"],
                           **{"95% CI": ["[0.33, 0.40]"]}, n=["610"],
                           method=["proportion; linearized SE"]), Labeller("mitto_cx"))
        assert t.headers == ["Term", "Answer", "Estimate", "Std. error", "95% CI low",
                             "95% CI high", "Base (n)"]
        vals = [(c.value, c.fmt) for c in t.rows[0]]
        assert vals[1] == ("CEO", "text")                     # the codebook's words
        assert vals[2] == (0.36, "pct0") and vals[4] == (0.33, "pct0")
        assert vals[5] == (0.40, "pct0") and vals[6] == (610.0, "int")
        assert t.footnotes == ["Method: proportion; linearized SE"]   # method: a footnote

    def test_three_decimals_give_one_decimal_percent(self):
        t = typed_table(_t(estimate=["0.365"], method=["proportion"]))
        assert (t.rows[0][0].value, t.rows[0][0].fmt) == (0.365, "pct1")

    def test_nps_is_a_signed_integer(self):
        t = typed_table(_t(estimate=["14.00", "-7.50"], se=["4.91", "3.0"],
                           method=["NPS on -100..100", "NPS on -100..100"]))
        assert [c.fmt for c in t.rows[0][:2]] == ["signed", "dec1"]
        assert t.rows[1][0].value == -7.5

    def test_means_keep_their_decimals(self):
        t = typed_table(_t(estimate=["3.8", "5.59"], method=["weighted mean"] * 2))
        assert [r[0].fmt for r in t.rows] == ["dec1", "dec2"]

    @pytest.mark.parametrize("mark", ["<0.001", "\u2013", "<5", ""])
    def test_marks_stay_text_and_never_become_numbers(self, mark):
        t = typed_table(_t(p_value=[mark, "0.25"], n=["<5", "12"]))
        first = t.rows[0][0]
        assert first.value == (mark or None) and first.fmt == "text"
        assert (t.rows[1][0].value, t.rows[1][0].fmt) == (0.25, "p")
        assert t.numeric == [True, True]

    def test_multiselect_levels_are_shares_in_words(self):
        t = typed_table(_t(item=["top_trends__ai"], level=["True"], difference=["-0.18"],
                           **{"95% CI": ["[-0.24, -0.12]"]}))
        assert t.rows[0][1].value == "Selected"
        assert [c.fmt for c in t.rows[0][2:]] == ["pct0", "pct0", "pct0"]

    @pytest.mark.parametrize("bad", [None, "x", 3, ["a"]])
    def test_not_a_frame(self, bad):
        with pytest.raises(TypeError, match="DataFrame"):
            typed_table(bad)

    def test_interval_column_with_a_suppressed_row(self):
        t = typed_table(_t(**{"95% CI": ["[1.0, 2.0]", "\u2013"]}))
        assert t.headers == ["95% CI low", "95% CI high"]
        assert [c.value for c in t.rows[1]] == ["\u2013", "\u2013"]


@pytest.mark.parametrize("titles", [
    ["Mean satisfaction by region and by role of the respondent"] * 3,
    ["A/B: test [1]?", "A/B: test [1]?"],
    ["'quoted'", "x" * 40, "x" * 40],
])
def test_sheet_names_from_titles(titles):
    taken: set[str] = set()
    names = [title_sheet_name(t, taken) for t in titles]
    assert len(set(n.lower() for n in names)) == len(names)
    for n in names:
        assert 0 < len(n) <= 31 and not set(n) & set("[]:*?/\\")


def _fig():
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot([0, 1], [0, 1])
    ax.set_title("A rising line")
    return fig


@pytest.fixture
def run(tmp_path):
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"g": rng.choice(["a", "b"], 200), "y": rng.normal(3, 1, 200),
                      "top": rng.random(200) < 0.4})
    cx.save_table(cx.mean(d, "y", by="g"), "y_by_g", outdir=tmp_path,
                  caption="Mean of y by group")
    cx.save_table(cx.proportion(d, "top", level=True, by="g"), "top_by_g", outdir=tmp_path,
                  caption="Share on top by group", synthetic=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cx.save_figure(_fig(), "line", outdir=tmp_path, data=d.head())
    return tmp_path


def test_contents_first_with_links_titles_and_data_kinds(run):
    out = write_run_deliverables(run)
    wb = openpyxl.load_workbook(out["xlsx"])
    assert wb.sheetnames[0] == "Contents" and wb.sheetnames[-1] == "Provenance"
    assert set(wb.sheetnames[1:3]) == {"Mean of y by group", "Share on top by group"}
    ws = wb["Contents"]
    rows = {r[1]: r for r in ([c.value for c in r] for r in ws.iter_rows(min_row=5))}
    assert set(rows) == {"Mean of y by group", "Share on top by group"}
    assert rows["Share on top by group"][3] == "Reconstructed (synthetic)"
    assert rows["Mean of y by group"][3] == "Not recorded"      # no waves, no notebook
    assert rows["Mean of y by group"][2].startswith("n = ")
    links = [c.hyperlink.location for c in ws["B"] if c.hyperlink]
    assert links == [f"'{s}'!A1" for s in wb.sheetnames[1:3]]


def test_table_sheet_numbers_formats_footnotes_and_print_setup(run):
    wb = openpyxl.load_workbook(write_run_deliverables(run)["xlsx"])
    ws = wb["Share on top by group"]
    assert ws["A1"].value == "Share on top by group"
    assert "Reconstructed (synthetic)" in ws["A2"].value and "Base: n = " in ws["A2"].value
    heads = [c.value for c in ws[4]]
    est = heads.index("Estimate")
    cell = ws.cell(row=5, column=est + 1)
    assert isinstance(cell.value, float) and 0 < cell.value < 1
    assert cell.number_format == "0%"
    lo, hi = heads.index("95% CI low"), heads.index("95% CI high")
    assert isinstance(ws.cell(row=5, column=lo + 1).value, float)
    assert ws.cell(row=5, column=lo + 1).value < cell.value < ws.cell(row=5, column=hi + 1
                                                                      ).value
    text = [str(c.value) for r in ws.iter_rows() for c in r if c.value is not None]
    assert any(t.startswith("Method: proportion") for t in text)      # footnote
    assert not any(t.lstrip().startswith(("{", "[")) for t in text)   # no JSON, no "[a, b]"
    assert ws.print_title_rows.replace("$", "") == "4:4"
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.orientation == "landscape"                  # 8 columns: wide
    assert "Source:" in ws.oddFooter.left.text and "Page" in ws.oddHeader.right.text


def test_provenance_is_one_row_per_output(run):
    wb = openpyxl.load_workbook(write_run_deliverables(run)["xlsx"])
    ws = wb["Provenance"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=5) if r[0].value]
    assert len(rows) == 3                                          # two tables, one figure
    assert {r[1] for r in rows} == {"table", "figure"}
    assert "A rising line" in [r[0] for r in rows]                 # the figure's own title
    for r in rows:
        assert all(len(str(v)) < 600 for v in r if v)              # compact, no JSON dumps
