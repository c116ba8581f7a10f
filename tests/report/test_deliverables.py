"""Excel and PowerPoint deliverables: save_banner, save_table(formats=("xlsx",)), save_deck,
write_run_deliverables. Oracle: the files read back with openpyxl and python-pptx."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import openpyxl  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from pptx import Presentation  # noqa: E402
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402

import cxresearch as cx  # noqa: E402
from cxresearch.report.output.deliverables import write_run_deliverables  # noqa: E402
from cxresearch.report.output.xlsx import sheet_name  # noqa: E402

EVIL = "=HYPERLINK(\"http://x\",\"y\")"


def _data(n=300, seed=2):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({
        "seg": pd.Categorical(rng.choice(["a", "b", EVIL], n)),
        "q": rng.integers(1, 6, n).astype(float),
        "rec": rng.integers(0, 11, n).astype(float),
        "w": rng.uniform(0.5, 2, n),
    })
    d.loc[d["seg"] == "a", "q"] = np.minimum(d.loc[d["seg"] == "a", "q"] + 2, 5)
    return d


@pytest.fixture
def result():
    return cx.banner(cx.Design(_data(), weights="w"), ["mean:q", "nps:rec",
                                                      {"kind": "net", "item": "q",
                                                       "levels": [4, 5], "label": "+Top"}],
                     "seg", compare_total=True, title="Q by segment")


def _all_cells(ws):
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def test_save_banner_xlsx_layout(tmp_path, result):
    e = cx.save_banner(result, "qseg", outdir=tmp_path)
    assert set(e["files"]) == {"xlsx", "csv", "csv_long"}
    wb = openpyxl.load_workbook(tmp_path / "qseg.xlsx")
    assert wb.sheetnames == ["Q by segment", "long table", "comparisons", "Provenance"]
    ws = wb["Q by segment"]
    assert ws.freeze_panes == "B7"          # title, subtitle, three header rows, first column
    assert ws["A1"].value == "Q by segment"
    assert ws["B4"].value == "Total"        # once, merged over the group and label rows
    assert ws["D4"].value == "Seg"          # the banner variable as a group header
    heads = [c.value for c in ws[5]]
    assert "a" in heads and "b" in heads and "Total" not in heads
    assert [c.value for c in ws[6] if c.value] == ["(A)", "(B)", "(C)"]
    # the mean row: numbers with 2 decimals, letters in the cell to the right
    row = next(r for r in ws.iter_rows(min_row=6) if r[0].value == "  Mean")
    a_col = heads.index("a")
    assert isinstance(row[a_col].value, float) and row[a_col].number_format == "0.00"
    b_letter = ws[6][heads.index("b")].value.strip("()")
    assert b_letter in (row[a_col + 1].value or "").upper()   # segment a is higher than b
    net = next(r for r in ws.iter_rows(min_row=6) if str(r[0].value).endswith("+Top"))
    assert net[0].value == "'  +Top"                  # a label starting with + is neutralised
    assert net[1].number_format == "0%" and 0 < net[1].value < 1
    # notes under the table name the test, alpha and multiplicity
    text = " ".join(str(c.value) for c in _all_cells(ws))
    assert "svycontrast" in text and "p < 0.01" in text and "no adjustment" in text
    assert "Effective base (Kish)" in text


def test_every_text_cell_is_formula_safe(tmp_path, result):
    cx.save_banner(result, "qseg", outdir=tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "qseg.xlsx")
    n_evil = 0
    for ws in wb.worksheets:
        for c in _all_cells(ws):
            assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula"
            if isinstance(c.value, str) and "HYPERLINK" in c.value:
                assert not c.value.lstrip().startswith("=")
                n_evil += 1
    assert n_evil >= 3     # header, long table, comparisons
    for name in ("qseg.csv", "qseg_long.csv"):
        for line in (tmp_path / name).read_text().splitlines():
            for cell in line.split(","):
                assert not cell.strip('"').startswith("=")


def test_numbers_stay_numbers_in_long_sheet(tmp_path, result):
    cx.save_banner(result, "qseg", outdir=tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "qseg.xlsx")["long table"]
    head = [c.value for c in ws[1]]
    est = head.index("estimate")
    vals = [r[est].value for r in ws.iter_rows(min_row=2) if r[est].value is not None]
    assert len(vals) == len(result.table) and all(isinstance(v, float) for v in vals)
    assert ws.freeze_panes == "A2"


def test_synthetic_banner_says_so(tmp_path, result):
    e = cx.save_banner(result, "qseg", outdir=tmp_path, synthetic=True)
    assert e["synthetic"]
    ws = openpyxl.load_workbook(tmp_path / "qseg.xlsx").worksheets[0]
    text = " ".join(str(c.value) for c in _all_cells(ws))
    assert "synthetic" in ws["A2"].value and "Reconstructed (synthetic) data" in text
    prov = openpyxl.load_workbook(tmp_path / "qseg.xlsx")["Provenance"]
    assert any(c.value == "synthetic" for c in _all_cells(prov))


def test_suppressed_and_small_bases_in_xlsx(tmp_path):
    d = _data(120)
    d["tiny"] = pd.Categorical(["x"] * 3 + ["y"] * 20 + ["z"] * 97)
    res = cx.banner(d, ["mean:q"], "tiny")
    cx.save_banner(res, "tiny", outdir=tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "tiny.xlsx").worksheets[0]
    row = next(r for r in ws.iter_rows(min_row=6) if r[0].value == "  Mean")
    vals = [c.value for c in row]
    assert "\u2013" in vals                           # x: suppressed
    assert any(isinstance(v, str) and v.endswith("*") for v in vals)  # y: small base flag


def test_save_table_xlsx(tmp_path):
    df = pd.DataFrame({"group": [EVIL, "B"], "estimate": [0.4, 0.6], "ci_low": [0.3, 0.5],
                       "ci_high": [0.5, 0.7], "n": [120, 3]})
    e = cx.save_table(df, "demo", outdir=tmp_path, formats=("csv", "xlsx"), caption="Demo")
    assert set(e["files"]) == {"csv", "xlsx"}
    wb = openpyxl.load_workbook(tmp_path / "demo.xlsx")
    assert wb.sheetnames == ["demo", "Provenance"]
    ws = wb["demo"]
    rows = list(ws.iter_rows(values_only=True))
    i = next(k for k, r in enumerate(rows) if r[0] == "group")
    assert ws.freeze_panes == f"A{i + 2}"
    assert rows[i + 1][0].startswith("'=") and rows[i + 1][1] == 0.4 and rows[i + 1][3] == 120
    assert rows[i + 2][1] == "\u2013" and rows[i + 2][3] == "<5"     # suppression kept
    assert any(r[0] and "fewer than 5" in str(r[0]) for r in rows)


def test_save_table_column_formats_still_accepted(tmp_path):
    df = pd.DataFrame({"g": ["a"], "estimate": [0.123], "n": [50]})
    cx.save_table(df, "t1", outdir=tmp_path, formats={"estimate": "prop"})
    assert "12.3" in (tmp_path / "t1.csv").read_text()
    with pytest.raises(ValueError, match="formats must be among"):
        cx.save_table(df, "t2", outdir=tmp_path, formats=("docx",))


@pytest.mark.parametrize("name,want", [("a" * 40, "a" * 31), ("x/y:z", "x_y_z"),
                                       ("[q]", "_q_")])
def test_sheet_names(name, want):
    assert sheet_name(name, set()) == want
    taken = {want}
    assert sheet_name(name, taken) != want and len(sheet_name(name, taken)) <= 31


# ----------------------------------------------------------------------------- PowerPoint
def _fig(w=6, h=3):
    fig, ax = plt.subplots(figsize=(w, h))
    ax.plot([0, 1], [0, 1])
    return fig


def test_save_deck_slides(tmp_path, result):
    long = pd.DataFrame({"x": range(20), "y": range(20)})
    short = pd.DataFrame({"x": [1, 2], "y": ["u", "v"]})
    p = cx.save_deck([(_fig(), "A line"), (short, "Short"), (long, "Long"), result],
                     tmp_path / "deck.pptx", title="Deck", subtitle="wave 1",
                     source="toy study")
    prs = Presentation(p)
    slides = list(prs.slides)
    assert len(slides) == 6
    assert slides[0].shapes.title.text == "Deck"
    assert slides[1].shapes.title.text == "Contents"
    slides = slides[:1] + slides[2:]
    assert [sl.shapes.title.text for sl in slides[1:]] == ["A line", "Short", "Long",
                                                           "Q by segment"]
    kinds = [[s.shape_type for s in sl.shapes] for sl in slides[1:]]
    assert MSO_SHAPE_TYPE.PICTURE in kinds[0]
    assert any(s.has_table for s in slides[2].shapes)              # <= 12 rows: native
    assert not any(s.has_table for s in slides[3].shapes)          # 20 rows: image
    assert MSO_SHAPE_TYPE.PICTURE in kinds[2]
    assert any(s.has_table for s in slides[4].shapes)               # the banner
    for sl in slides[1:]:
        texts = [s.text_frame.text for s in sl.shapes if s.has_text_frame]
        assert "Source: toy study" in texts
    assert "svycontrast" in slides[4].notes_slide.notes_text_frame.text


def test_picture_keeps_its_aspect(tmp_path):
    p = cx.save_deck([_fig(8, 2)], tmp_path / "a.pptx")
    pic = next(s for s in Presentation(p).slides[1].shapes
               if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert pic.width / pic.height == pytest.approx(4.0, rel=0.01)


def test_deck_from_manifest_entries_with_provenance_and_notice(tmp_path):
    fig = _fig()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        e = cx.save_figure(fig, "line", outdir=tmp_path, data=pd.DataFrame({"x": [1]}),
                           synthetic=True)
    p = cx.save_deck([e], tmp_path / "d.pptx", base=tmp_path)
    prs = Presentation(p)
    assert len(prs.slides) == 2                       # one item: no contents slide
    sl = prs.slides[1]
    texts = " ".join(s.text_frame.text for s in sl.shapes if s.has_text_frame)
    # the notice is drawn in the picture by save_figure: not a second time on the slide
    assert "Reconstructed (synthetic) data" not in texts
    assert "Reconstructed (synthetic) data" in prs.slides[0].placeholders[1].text_frame.text
    notes = sl.notes_slide.notes_text_frame.text
    assert "reconstructed (synthetic) data" in notes and e["files"]["png"]["sha256"][:12] in notes
    assert not notes.lstrip().startswith("{")         # provenance in words, not JSON


class TestDeckHostile:
    def test_bad_suffix(self, tmp_path):
        with pytest.raises(ValueError, match=r"\.pptx"):
            cx.save_deck([_fig()], tmp_path / "x.ppt")

    def test_svg_without_png(self, tmp_path):
        (tmp_path / "f.svg").write_text("<svg/>")
        with pytest.raises(ValueError, match="SVG"):
            cx.save_deck([tmp_path / "f.svg"], tmp_path / "x.pptx")

    def test_unknown_item(self, tmp_path):
        with pytest.raises(TypeError, match="items entries"):
            cx.save_deck([42], tmp_path / "x.pptx")

    def test_missing_image(self, tmp_path):
        with pytest.raises(ValueError, match="does not exist"):
            cx.save_deck([tmp_path / "nope.png"], tmp_path / "x.pptx")

    @pytest.mark.parametrize("k", [0, True, 2.5])
    def test_bad_max_rows(self, tmp_path, k):
        with pytest.raises(ValueError, match="max_native_rows"):
            cx.save_deck([_fig()], tmp_path / "x.pptx", max_native_rows=k)


class TestSaveBannerHostile:
    def test_not_a_banner(self, tmp_path):
        with pytest.raises(TypeError, match="BannerResult"):
            cx.save_banner(pd.DataFrame(), "x", outdir=tmp_path)

    @pytest.mark.parametrize("name", ["../x", "", "a b", None])
    def test_bad_name(self, tmp_path, result, name):
        with pytest.raises(ValueError, match="name"):
            cx.save_banner(result, name, outdir=tmp_path)

    def test_bad_formats(self, tmp_path, result):
        with pytest.raises(ValueError, match="formats"):
            cx.save_banner(result, "x", outdir=tmp_path, formats=("pdf",))

    def test_synthetic_false_for_synthetic_input(self, tmp_path, result):
        result.synthetic = True
        with pytest.raises(ValueError, match="synthetic"):
            cx.save_banner(result, "x", outdir=tmp_path, synthetic=False)


# ----------------------------------------------------------------------------- run folder
def test_write_run_deliverables(tmp_path, result):
    df = pd.DataFrame({"g": ["a", "b"], "estimate": [1.5, 2.5], "n": [40, 50]})
    cx.save_table(df, "t_one", outdir=tmp_path, caption="One")
    cx.save_banner(result, "q_banner", outdir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cx.save_figure(_fig(), "f_one", outdir=tmp_path, data=df)
        cx.save_figure(_fig(), "f_two", outdir=tmp_path, data=df, synthetic=True)
    out = write_run_deliverables(tmp_path)
    wb = openpyxl.load_workbook(out["xlsx"])
    assert wb.sheetnames[0] == "Contents" and wb.sheetnames[-1] == "Provenance"
    assert sorted(wb.sheetnames[1:3]) == ["One", "Q by segment"]   # in the order made
    rows = list(wb["One"].iter_rows(values_only=True))
    assert rows[0][0] == "One"
    assert ("a", 1.5, 40) in [r[:3] for r in rows]
    links = [c.hyperlink.location for c in wb["Contents"]["B"] if c.hyperlink]
    assert links == [f"'{s}'!A1" for s in wb.sheetnames[1:3]]
    prov = list(wb["Provenance"].iter_rows(min_row=5, values_only=True))
    assert len(prov) == 4                            # one row per output
    prs = Presentation(out["pptx"])
    assert len(prs.slides) == 4                       # cover, contents, two figures
    notes = [s.notes_slide.notes_text_frame.text for s in list(prs.slides)[2:]]
    assert "f_one" in notes[0] and "f_two" in notes[1]
    cover = prs.slides[0].placeholders[1].text_frame.text
    assert "1 of 2 slides show reconstructed (synthetic) data" in cover


def test_run_without_tables_or_figures(tmp_path):
    assert write_run_deliverables(tmp_path) == {}
    assert not (tmp_path / "report.xlsx").exists()


def test_pptx_bytes_are_a_zip(tmp_path):
    p = cx.save_deck([_fig()], tmp_path / "z.pptx")
    assert io.BytesIO(p.read_bytes()).read(2) == b"PK"


def test_deck_source_defaults_to_the_waves(tmp_path):
    e = {"kind": "figure", "name": "f", "waves": [{"study": "mitto_cx", "wave": "2021"}],
         "files": {"png": {"path": "f.png"}}, "synthetic": False}
    fig = _fig()
    fig.savefig(tmp_path / "f.png", dpi=50)
    p = cx.save_deck([e], tmp_path / "s.pptx", base=tmp_path)
    texts = [s.text_frame.text for s in Presentation(p).slides[1].shapes if s.has_text_frame]
    assert "Source: cxresearch, mitto_cx 2021" in texts
