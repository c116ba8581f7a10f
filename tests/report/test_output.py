"""save_figure / save_table: files, embedded fonts, PNG resolution, provenance entries whose
hashes match the files, determinism, parallel manifest updates, rounding rules, and small-cell
suppression that hides every small cell.

Oracles: hashlib on the written bytes; the PDF font dictionaries parsed in Python (what
``pdffonts`` reports, without needing poppler); Pillow's reading of the PNG pHYs chunk;
Python's html.parser; rounding by hand.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pdf_checks import pdf_fonts, png_dpi

import cxresearch as cx
from cxresearch.errors import SyntheticDataWarning
from cxresearch.report.output.tables import format_table, round_half_up

ENTRY_KEYS = {"kind", "name", "created", "notebook", "parameters", "git", "package", "versions",
              "waves", "synthetic", "files"}


@pytest.fixture()
def reports(tmp_path, monkeypatch):
    out = tmp_path / "reports"
    monkeypatch.setenv("CXRESEARCH_REPORTS", str(out))
    monkeypatch.setenv("CXRESEARCH_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("CXRESEARCH_NOTEBOOK", raising=False)
    monkeypatch.delenv("CXRESEARCH_PARAMETERS", raising=False)
    return out


def _fig(synthetic=None):
    df = pd.DataFrame({"item": ["q1"] * 5 + ["q2"] * 5, "level": list(range(1, 6)) * 2,
                       "estimate": [.05, .1, .2, .4, .25, .02, .03, .15, .5, .3]})
    return cx.agreement_bars(df, synthetic=synthetic, source="test data")


def _manifest(reports):
    return json.loads((reports / "manifest.json").read_text())


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- figures
def test_save_figure_writes_files_and_complete_entry(reports, monkeypatch):
    monkeypatch.setenv("CXRESEARCH_NOTEBOOK", "01_demo.ipynb")
    monkeypatch.setenv("CXRESEARCH_PARAMETERS", json.dumps({"quick": True, "seed": 3}))
    wave = {"study": "demo", "wave": "2023-reconstructed", "synthetic": True, "seed": 3}
    entry = cx.save_figure(_fig(synthetic=True), "agree", waves=[wave])
    assert ENTRY_KEYS <= set(entry)
    assert set(entry["files"]) == {"pdf", "svg", "png", "csv"}
    assert entry["notebook"] == "01_demo.ipynb"
    assert entry["parameters"] == {"quick": True, "seed": 3}
    assert entry["synthetic"] is True  # from the wave
    assert entry["package"]["version"] == cx.__version__
    assert entry["waves"][0]["study"] == "demo" and entry["waves"][0]["synthetic"] is True
    assert re.fullmatch(r"[0-9a-f]{64}", entry["waves"][0]["manifest_sha256"])
    git = entry["git"]
    assert git["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", git["commit"])
    assert git["dirty"] in (True, False, None)
    assert entry["figure"]["width_mm"] == pytest.approx(85.0)
    doc = _manifest(reports)
    assert doc["entries"] == [json.loads(json.dumps(entry))]
    for rec in entry["files"].values():
        path = reports / rec["path"]
        assert path.is_file() and _sha(path) == rec["sha256"]
        assert path.stat().st_size == rec["bytes"]
    assert not list((reports / "figures").glob(".*"))  # no temporary files left
    csv = pd.read_csv(reports / entry["files"]["csv"]["path"])
    assert {"item", "level", "share"} <= set(csv.columns)


def test_pdf_fonts_are_embedded_truetype(reports):
    entry = cx.save_figure(_fig(synthetic=True), "fonts")
    fonts = pdf_fonts(reports / entry["files"]["pdf"]["path"])
    assert fonts, "no fonts found in the PDF"
    for f in fonts:
        assert f["embedded"], f
        assert "Type3" not in f["subtype"] and "Type1" not in f["subtype"], f
        assert "DejaVuSans" in f["name"]
    # the bold synthetic note is there too
    assert any("Bold" in f["name"] for f in fonts)


def test_pdf_font_check_detects_unembedded_fonts(tmp_path):
    # matplotlib's core-14 mode references Helvetica without embedding it: the check must say so
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    with mpl.rc_context({"pdf.use14corefonts": True, "font.family": "sans-serif",
                         "font.sans-serif": ["Helvetica"]}):
        fig, ax = plt.subplots()
        ax.set_title("core font")
        p = tmp_path / "core14.pdf"
        fig.savefig(p)
        plt.close(fig)
    fonts = pdf_fonts(p)
    assert fonts and not any(f["embedded"] for f in fonts), fonts


def test_png_resolution_and_svg_text(reports):
    entry = cx.save_figure(_fig(), "res")
    dpi = png_dpi(reports / entry["files"]["png"]["path"])
    assert dpi[0] >= 300 and dpi[1] >= 300
    from PIL import Image

    with Image.open(reports / entry["files"]["png"]["path"]) as im:
        assert im.size[0] == pytest.approx(85 / 25.4 * 300, abs=2)
    svg = (reports / entry["files"]["svg"]["path"]).read_text()
    assert "<text" in svg and "Source: test data." in svg
    with pytest.raises(ValueError, match="dpi"):
        cx.save_figure(_fig(), "low", dpi=150)


def test_save_figure_is_deterministic_and_replaces_entry(reports):
    e1 = cx.save_figure(_fig(), "same", parameters={"a": 1})
    e2 = cx.save_figure(_fig(), "same", parameters={"a": 1})
    strip = [{k: v for k, v in e.items() if k != "created"} for e in (e1, e2)]
    assert strip[0] == strip[1]  # same CSV, PDF, SVG and PNG hashes, same entry
    entries = _manifest(reports)["entries"]
    assert [e["name"] for e in entries] == ["same"]


def test_save_figure_waves_hash_the_manifest_file(reports, tmp_path):
    folder = tmp_path / "data" / "waves" / "demo" / "2024"
    folder.mkdir(parents=True)
    manifest = {"study": "demo", "wave": "2024", "synthetic": False, "source_sha256": "ab"}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    from support import fake_wave

    wave = fake_wave(pd.DataFrame({"x": [1]}), SimpleNamespace(items={}), manifest)
    entry = cx.save_figure(_fig(), "w", waves=wave)
    rec = entry["waves"][0]
    assert rec["manifest_hashed"] == "file"
    assert rec["manifest_sha256"] == _sha(folder / "manifest.json")
    assert rec["source_sha256"] == "ab" and entry["synthetic"] is False
    by_path = cx.save_figure(_fig(), "w2", waves=[str(folder)])
    assert by_path["waves"][0]["manifest_sha256"] == rec["manifest_sha256"]


def test_synthetic_rules(reports):
    fig = _fig()  # no note
    with pytest.warns(SyntheticDataWarning, match="no note"):
        entry = cx.save_figure(fig, "syn", synthetic=True)
    assert entry["synthetic"] is True
    assert any(t.get_text().startswith("Reconstructed (synthetic) data") for t in fig.texts)
    with pytest.raises(ValueError, match="synthetic=False"):
        cx.save_figure(_fig(synthetic=True), "x", synthetic=False)
    with pytest.raises(ValueError, match="synthetic=False"):
        cx.save_figure(_fig(), "x", synthetic=False, waves=[{"study": "s", "wave": "1",
                                                              "synthetic": True}])


def test_save_figure_checks_and_outdir(tmp_path):
    with pytest.raises(ValueError, match="name"):
        cx.save_figure(_fig(), "../escape", outdir=tmp_path)
    with pytest.raises(TypeError, match="Figure"):
        cx.save_figure("not a figure", "x", outdir=tmp_path)
    entry = cx.save_figure(_fig(), "here", outdir=tmp_path / "out", formats=("png",))
    assert set(entry["files"]) == {"png", "csv"}
    assert (tmp_path / "out" / "manifest.json").is_file()
    assert entry["files"]["png"]["path"] == "here.png"


def _worker(args):
    outdir, i = args
    df = pd.DataFrame({"group": ["a"], "estimate": [0.1 * i], "n": [10 + i]})
    cx.save_table(df, f"t{i:02d}", outdir=outdir)
    return i


@pytest.mark.slow
def test_parallel_saves_keep_every_entry(tmp_path):
    outdir = str(tmp_path / "par")
    ctx = mp.get_context("spawn")
    with ctx.Pool(4) as pool:
        done = pool.map(_worker, [(outdir, i) for i in range(16)])
    assert sorted(done) == list(range(16))
    doc = json.loads((Path(outdir) / "manifest.json").read_text())
    assert [e["name"] for e in doc["entries"]] == [f"t{i:02d}" for i in range(16)]


# ----------------------------------------------------------------------------- tables
def test_rounding_rules():
    assert round_half_up(2.675, 2) == "2.68"  # binary 2.67499.. still rounds up as printed
    assert round_half_up(0.125, 2) == "0.13"
    assert round_half_up(-1.25, 1) == "-1.3"
    assert round_half_up(-0.04, 1) == "0.0"
    assert round_half_up(float("inf"), 2) == "\u221e" and round_half_up(float("nan"), 1) == ""
    assert round_half_up(1e30, 2) == "1" + "0" * 30 + ".00"  # beyond Decimal's default precision
    df = pd.DataFrame({"group": ["a", "b", "c"], "estimate": [0.41234, 0.5, 0.675],
                       "ci_low": [0.3, 0.41, 0.6], "ci_high": [0.5, 0.6, 0.745],
                       "n": [120, 80, 40], "p_value": [0.0004, 0.0456, 1.0],
                       "share_pct": [12.34, 50.0, 99.95]})
    table, info = format_table(df)
    assert list(table.columns) == ["group", "estimate", "95% CI", "n", "p_value", "share_pct"]
    assert table["estimate"].tolist() == ["0.41", "0.50", "0.68"]
    assert table["95% CI"].tolist() == ["[0.30, 0.50]", "[0.41, 0.60]", "[0.60, 0.75]"]
    assert table["p_value"].tolist() == ["<0.001", "0.046", "1.000"]
    assert table["share_pct"].tolist() == ["12.3", "50.0", "100.0"]
    assert table["n"].tolist() == ["120", "80", "40"]
    prop, _ = format_table(df, formats={"estimate": "prop"})
    assert prop["estimate"].tolist() == ["41.2", "50.0", "67.5"]
    assert prop["95% CI"].tolist()[0] == "[30.0, 50.0]"
    with pytest.raises(ValueError, match="p-values"):
        format_table(pd.DataFrame({"p": [1.5]}))


def test_suppression_hides_every_small_cell(reports):
    rng = np.random.default_rng(7)
    n = rng.integers(0, 12, 60)
    x = np.minimum(rng.integers(0, 12, 60), n)
    df = pd.DataFrame({"segment": [f"s{i}" for i in range(60)], "n": n, "yes": x,
                       "share": np.where(n > 0, x / np.maximum(n, 1), np.nan)})
    entry = cx.save_table(df, "small", count_columns=["n", "yes"], caption="Cells")
    table = pd.read_csv(reports / entry["files"]["csv"]["path"], dtype=str,
                        keep_default_na=False)
    for i in range(60):
        small_row = n[i] < 5 or x[i] < 5
        if n[i] < 5:
            assert table.at[i, "n"] == "<5"
        if x[i] < 5:
            assert table.at[i, "yes"] == "<5"
        if small_row:
            assert table.at[i, "share"] == "\u2013"  # the share is suppressed too
            assert not re.search(r"\d", table.at[i, "share"])
        else:
            assert table.at[i, "n"] == str(n[i]) and table.at[i, "share"] not in ("<5", "\u2013")
    n_small = int((n < 5).sum() + (x < 5).sum())
    assert entry["table"]["small_count_cells"] == n_small
    tex = (reports / entry["files"]["tex"]["path"]).read_text()
    html = (reports / entry["files"]["html"]["path"]).read_text()
    for text in (tex, html):
        assert "fewer than 5 respondents" in text
    # no small count value survives anywhere in the rendered tables
    for i in np.flatnonzero(n < 5):
        row = [ln for ln in tex.splitlines() if ln.startswith(f"s{i} &")][0]
        assert row.split(" & ")[1] == r"\textless{}5"


def test_suppression_with_based_on_and_off():
    df = pd.DataFrame({"g": ["a", "b"], "n_a": [3, 50], "n_b": [40, 2], "share_a": [.2, .4],
                       "share_b": [.5, .6]})
    t, info = format_table(df, based_on={"share_a": "n_a", "share_b": "n_b"})
    assert t.loc[0, "share_a"] == "\u2013" and t.loc[0, "share_b"] == "0.50"
    assert t.loc[1, "share_b"] == "\u2013" and t.loc[1, "share_a"] == "0.40"
    off, info = format_table(df, suppress_below=None)
    assert off.loc[0, "n_a"] == "3" and not info["notes"]
    with pytest.raises(ValueError, match="suppress_below"):
        format_table(df, suppress_below=0)


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])

    def handle_data(self, data):
        if self.tags and self.tags[-1] in ("td", "th") and self.rows:
            self.rows[-1].append(data)

    def handle_endtag(self, tag):
        self.tags.pop()


def test_latex_and_html_are_well_formed(reports):
    df = pd.DataFrame({"owner": ["CEO & board", "Head_of_marketing", "No clear owner"],
                       "estimate": [8.5, 7.04, 5.8], "ci_low": [8.1, 6.6, 5.2],
                       "ci_high": [8.9, 7.5, 6.4], "n": [150, 4, 140],
                       "p_value": [0.0001, 0.2, 0.03]})
    df.attrs["synthetic"] = True
    entry = cx.save_table(df, "nps", caption="Mean NPS by CX owner (95% CI)", source="Mitto")
    assert entry["synthetic"] is True
    tex = (reports / entry["files"]["tex"]["path"]).read_text()
    for cmd in (r"\toprule", r"\midrule", r"\bottomrule", r"\begin{tabular}{lrrrr}",
                r"\end{tabular}", r"\caption{Mean NPS by CX owner (95\% CI) (reconstructed"):
        assert cmd in tex
    assert tex.index(r"\toprule") < tex.index(r"\midrule") < tex.index(r"\bottomrule")
    body = tex.split("\\midrule\n")[1].split("\\bottomrule")[0].strip().splitlines()
    assert len(body) == 3 and all(r.count(" & ") == 4 and r.endswith(r"\\") for r in body)
    assert r"CEO \& board" in tex and r"Head\_of\_marketing" in tex
    assert "Reconstructed (synthetic) data" in tex
    html = (reports / entry["files"]["html"]["path"]).read_text()
    p = _Cells()
    p.feed(html)
    assert not p.tags  # every tag closed
    assert p.rows[0] == ["owner", "estimate", "95% CI", "n", "p_value"]
    assert p.rows[1] == ["CEO & board", "8.50", "[8.10, 8.90]", "150", "<0.001"]
    assert p.rows[2][3] == "<5" and p.rows[2][1] == "\u2013"
    for rec in entry["files"].values():
        assert _sha(reports / rec["path"]) == rec["sha256"]


def test_save_table_deterministic(reports):
    df = pd.DataFrame({"g": ["a", "b"], "estimate": [1 / 3, 2 / 3], "n": [10, 20]})
    e1 = cx.save_table(df, "det")
    csv1 = (reports / e1["files"]["csv"]["path"]).read_bytes()
    e2 = cx.save_table(df, "det")
    assert (reports / e2["files"]["csv"]["path"]).read_bytes() == csv1
    assert {k: v for k, v in e1.items() if k != "created"} == \
        {k: v for k, v in e2.items() if k != "created"}
    kinds = [(e["kind"], e["name"]) for e in _manifest(reports)["entries"]]
    assert kinds == [("table", "det")]


def _all_charts():
    lik = pd.DataFrame({"item": ["q1"] * 5, "level": list(range(1, 6)),
                        "estimate": [.05, .1, .2, .4, .25]})
    est = pd.DataFrame({"group": ["a", "b"], "estimate": [1.5, 2.5], "ci_low": [1.0, 2.0],
                        "ci_high": [2.0, 3.0]})
    return {
        "agreement": cx.agreement_bars(lik, synthetic=True),
        "stacked": cx.stacked_bars(pd.DataFrame({"g": ["x"] * 3, "level": ["a", "b", "c"],
                                                 "estimate": [.2, .3, .5]}), group="g"),
        "estimate": cx.estimate_bars(est),
        "forest": cx.forest_plot(est.assign(ci_high=[2.0, np.inf])),
        "waves": cx.wave_comparison(est.assign(wave=[2023, 2024], group=["x", "x"],
                                               se=[.1, .1])),
        "published": cx.published_vs_reproduced(pd.DataFrame({
            "id": ["a", "b", "c"], "value": [50, 3, 10], "bound": ["approx", "le", "ge"],
            "unit": ["percent", "ratio", "count"], "reproduced": [51, 2.9, 12]})),
    }


def test_every_chart_type_embeds_its_fonts(tmp_path):
    """Unicode in labels (\u2264 \u2265 \u2248 \u221e \u2212) stays in the embedded DejaVu Sans."""
    for name, fig in _all_charts().items():
        entry = cx.save_figure(fig, name, outdir=tmp_path, formats=("pdf",))
        fonts = pdf_fonts(tmp_path / entry["files"]["pdf"]["path"])
        assert fonts and all(f["embedded"] and "DejaVuSans" in f["name"] and
                             f["subtype"].startswith("Type0") for f in fonts), (name, fonts)


# ----------------------------------------------------------------------------- reader tables
class TestShowTable:
    def _df(self):
        return pd.DataFrame({
            "level": ["yes", "no", "maybe"], "estimate": [0.61234, 0.3, 0.08766],
            "se": [0.02, 0.02, 0.01], "ci_low": [0.57, 0.26, 0.07], "ci_high": [0.65, 0.34, 0.11],
            "n": [400, 400, 400], "n_eff": [np.nan] * 3, "deff": [np.nan] * 3,
            "p_value": [0.00004, 0.0123, 0.5], "method": ["Wilson interval; linearized SE"] * 3})

    def test_compact_and_formatted(self):
        t = cx.show_table(self._df())
        assert list(t.table.columns) == ["Level", "Estimate", "SE", "95% CI", "n", "p"]
        row = t.table.iloc[0].tolist()
        assert row == ["yes", "0.61", "0.02", "[0.57, 0.65]", "400", "<0.001"]
        assert t.table.iloc[1]["p"] == "0.012"
        assert "Method: Wilson interval; linearized SE." in t.notes  # once, not truncated
        html_ = t._repr_html_()
        assert "Wilson interval; linearized SE" in html_ and "<table" in html_
        assert "Method: Wilson" in repr(t)

    def test_column_choice_rename_percent_and_distinct_methods(self):
        df = self._df()
        df.loc[2, "method"] = "exact"
        t = cx.show_table(df, {"level": "Answer", "estimate": "Share", "ci_low": "CI"},
                          formats={"estimate": "prop", "ci_low": "prop"})
        assert list(t.table.columns) == ["Answer", "Share", "95% CI"]
        assert t.table.iloc[0].tolist() == ["yes", "61.2", "[57.0, 65.0]"]
        assert "Method: Wilson interval; linearized SE; exact." in t.notes

    def test_small_cells_still_suppressed(self):
        df = self._df().assign(n=[400, 3, 400])
        t = cx.show_table(df)
        assert t.table.iloc[1]["n"] == "<5" and t.table.iloc[1]["Estimate"] == "\u2013"

    @pytest.mark.parametrize("bad,err", [("not a frame", TypeError),
                                         (None, TypeError)])
    def test_hostile_input(self, bad, err):
        with pytest.raises(err, match="DataFrame"):
            cx.show_table(bad)

    @pytest.mark.parametrize("cols", [["level", "nope"], {"missing": "x"}])
    def test_unknown_columns_named(self, cols):
        with pytest.raises(ValueError, match="nope|missing"):
            cx.show_table(self._df(), cols)

    def test_format_table_drop_empty_and_footnote(self):
        out, info = format_table(self._df(), drop_empty=True, footnote=("method",))
        assert "n_eff" not in out.columns and "deff" not in out.columns
        assert "method" not in out.columns
        keep, _ = format_table(self._df())
        assert "n_eff" in keep.columns and "method" in keep.columns  # default unchanged


# ----------------------------------------------------------------------------- LaTeX symbols
@pytest.mark.parametrize("text,want", [
    ("\u03c7\u00b2", r"$\chi$$^{2}$"), ("\u03b1 = 0.8", r"$\alpha$ = 0.8"),
    ("\u03b3", r"$\gamma$"), ("\u03c9", r"$\omega$"), ("\u2264 0.05", r"$\leq$ 0.05"),
    ("\u00b1", r"$\pm$"), ("2 \u00d7 3", r"2 $\times$ 3"), ("a \u2192 b", r"a $\rightarrow$ b"),
    ("R\u00b2 50%", r"R$^{2}$ 50\%"), ("Cram\u00e9r's V", "Cram\u00e9r's V"),
    ("\u0394 \u03a9", r"$\Delta$ $\Omega$"),
])
def test_latex_spells_out_what_pdflatex_cannot_typeset(text, want):
    from cxresearch.report.output.tables import latex_escape, latex_unsupported

    assert latex_escape(text) == want
    assert latex_unsupported(latex_escape(text)) == []


def test_latex_table_names_the_engine_when_it_must(reports):
    df = pd.DataFrame({"test": ["\u03c7\u00b2 (Rao\u2013Scott)", "Cram\u00e9r's V"],
                       "statistic": [3.2, 0.21]})
    cx.save_table(df, "symbols", formats=("tex",))
    text = next(reports.rglob("symbols.tex")).read_text("utf-8")
    body = [ln for ln in text.splitlines() if not ln.startswith("%")]
    assert not [ch for ln in body for ch in ln if ord(ch) > 0x17F], body
    assert "xelatex" not in text
    from cxresearch.report.output.tables import to_latex

    cjk, info = format_table(pd.DataFrame({"dimension": ["\u8861\u91cf"], "score": [0.7]}))
    assert "xelatex" in to_latex(cjk, info, caption=None, label="t", notes=[]).splitlines()[0]


# ----------------------------------------------------------------------------- scorecard
def test_scorecard_separates_contradicted_from_uncheckable_claims(tmp_path):
    from cxresearch.reconstruction.scorecard import Scorecard
    from cxresearch.report.output.documents import write_scorecard

    claims = pd.DataFrame({"study": ["s"] * 3, "claim_id": ["c1", "c2", "c3"],
                           "claim": ["A beats B", "C beats D", "E beats F"],
                           "verdict": ["supported", "contradicted", "undeterminable"],
                           "explanation": ["ok", "points the other way", "no n published"]})
    card = Scorecard(ledger=pd.DataFrame({"id": ["x"]}),
                     reproduction=pd.DataFrame({"study": ["s"], "id": ["x"],
                                                "status": ["reproduced"]}),
                     consistency=pd.DataFrame({"study": ["s"], "verdict": ["consistent"]}),
                     claims=claims, studies=["s"])
    text = write_scorecard(card, tmp_path / "scorecard.md").read_text("utf-8")
    assert "Claims not supported" not in text
    contra = text.index("## Claims the published figures contradict")
    unchecked = text.index("## Claims that cannot be checked from the published figures")
    assert "C beats D" in text[contra:unchecked] and "E beats F" not in text[contra:unchecked]
    assert "E beats F" in text[unchecked:] and "C beats D" not in text[unchecked:]
    assert "A beats B" not in text
