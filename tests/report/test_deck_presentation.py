"""report.pptx as a presentation: titles in title placeholders, a contents slide, a truthful
cover, the synthetic notice once and only where it applies, pictures at the largest size
that keeps their aspect, native tables with number formats, provenance in words, and a
researcher's own .pptx/.potx master. Oracle: the deck read back with python-pptx."""

from __future__ import annotations

import io
import zipfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from pptx import Presentation  # noqa: E402
from pptx.dml.color import RGBColor  # noqa: E402
from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER  # noqa: E402
from pptx.util import Inches  # noqa: E402

import cxresearch as cx  # noqa: E402

FONT = "Courier New"
COLOUR = "7A0019"


def _fig(w=8.0, h=4.0, synthetic=False):
    fig, ax = plt.subplots(figsize=(w, h))
    ax.plot([0, 1], [0, 1])
    fig.cx_synthetic = synthetic
    return fig


def _template(path, *, width=10.0, height=7.5):
    """A researcher's master: 4:3, titles in Courier New and a dark red of their own, a
    sample slide that must not survive."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(width), Inches(height)
    for lay in prs.slide_layouts:
        for ph in lay.placeholders:
            if ph.placeholder_format.type in (PP_PLACEHOLDER.TITLE,
                                              PP_PLACEHOLDER.CENTER_TITLE):
                for para in ph.text_frame.paragraphs:
                    para.font.name = FONT
                    para.font.color.rgb = RGBColor.from_string(COLOUR)
    master = prs.slide_master
    for ph in master.placeholders:
        if ph.placeholder_format.type == PP_PLACEHOLDER.TITLE:
            ph.text_frame.paragraphs[0].font.name = FONT
            ph.text_frame.paragraphs[0].font.color.rgb = RGBColor.from_string(COLOUR)
    s = prs.slides.add_slide(prs.slide_layouts[0])
    s.shapes.title.text = "SAMPLE SLIDE OF THE TEMPLATE"
    prs.save(path)
    return path


def _potx(pptx_path, potx_path):
    """The same master saved as a PowerPoint template (.potx content type)."""
    src = zipfile.ZipFile(pptx_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            b = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                b = b.replace(b"presentationml.presentation.main+xml",
                              b"presentationml.template.main+xml")
            z.writestr(info, b)
    potx_path.write_bytes(buf.getvalue())
    return potx_path


def _titles(prs):
    return [s.shapes.title.text if s.shapes.title is not None else None for s in prs.slides]


def test_titles_are_placeholders_in_words(tmp_path):
    p = cx.save_deck([(_fig(), "Quality drives satisfaction most"),
                      (pd.DataFrame({"x": [1]}), "A small table")],
                     tmp_path / "d.pptx", title="Client study")
    prs = Presentation(p)
    assert _titles(prs) == ["Client study", "Contents", "Quality drives satisfaction most",
                            "A small table"]
    for s in prs.slides:
        assert s.shapes.title.is_placeholder
    toc = " ".join(sh.text_frame.text for sh in prs.slides[1].shapes if sh.has_text_frame)
    assert "1. Quality drives satisfaction most" in toc and "2. A small table" in toc


def test_figure_title_from_the_figure_itself(tmp_path):
    fig = _fig()
    fig.suptitle("Satisfaction over time")
    prs = Presentation(cx.save_deck([fig], tmp_path / "d.pptx"))
    assert _titles(prs)[1] == "Satisfaction over time"


def test_landscape_picture_fills_the_content_area(tmp_path):
    prs = Presentation(cx.save_deck([_fig(8, 4)], tmp_path / "d.pptx"))
    pic = next(s for s in prs.slides[1].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
    assert pic.width / pic.height == pytest.approx(2.0, rel=0.01)
    area = pic.width * pic.height / (prs.slide_width * prs.slide_height)
    assert area > 0.45                               # most of the slide, not a strip
    assert pic.left >= 0 and pic.top + pic.height <= prs.slide_height


def test_observed_only_deck_never_says_synthetic(tmp_path):
    p = cx.save_deck([(_fig(), "One"), (_fig(), "Two")], tmp_path / "d.pptx", title="Real")
    prs = Presentation(p)
    for s in prs.slides:
        for sh in s.shapes:
            if sh.has_text_frame:
                assert "synthetic" not in sh.text_frame.text.lower()


def test_notice_once_where_synthetic_and_cover_says_how_many(tmp_path):
    p = cx.save_deck([(pd.DataFrame({"x": [1.5]}), "First table"),
                      (pd.DataFrame({"x": [2.5]}), "Second table")],
                     tmp_path / "d.pptx")
    prs = Presentation(p)
    assert all("synthetic" not in sh.text_frame.text.lower()
               for s in prs.slides for sh in s.shapes if sh.has_text_frame)
    df = pd.DataFrame({"x": [2.5]})
    df.attrs["synthetic"] = True
    prs = Presentation(cx.save_deck([(pd.DataFrame({"x": [1.5]}), "First"),
                                     (df, "Second")], tmp_path / "e.pptx"))
    counts = [sum(sh.text_frame.text.count("Reconstructed (synthetic) data")
                  for sh in s.shapes if sh.has_text_frame) for s in prs.slides]
    assert counts[2:] == [0, 1]                       # once, on the synthetic slide only
    cover = prs.slides[0].placeholders[1].text_frame.text
    assert "1 of 2 slides show reconstructed (synthetic) data" in cover


def test_native_table_with_number_formats(tmp_path):
    df = pd.DataFrame({"level": ["a", "b"], "estimate": ["0.36", "0.20"],
                       "95% CI": ["[0.33, 0.40]", "[0.17, 0.23]"], "n": ["610", "610"],
                       "method": ["proportion; logit CI"] * 2})
    prs = Presentation(cx.save_deck([(df, "Shares")], tmp_path / "d.pptx"))
    tab = next(s for s in prs.slides[1].shapes if s.has_table).table
    heads = [tab.cell(0, j).text for j in range(len(tab.columns))]
    assert heads == ["Answer", "Estimate", "95% CI low", "95% CI high", "Base (n)"]
    assert [tab.cell(1, j).text for j in range(1, 5)] == ["36%", "33%", "40%", "610"]
    notes = prs.slides[1].notes_slide.notes_text_frame.text
    assert "Method: proportion; logit CI" in notes


def test_banner_is_a_native_table_with_superscript_letters(tmp_path):
    import numpy as np

    rng = np.random.default_rng(1)
    d = pd.DataFrame({"g": rng.choice(["x", "y"], 300), "rec": rng.integers(0, 11, 300)})
    d.loc[d.g == "x", "rec"] = np.minimum(d.loc[d.g == "x", "rec"] + 3, 10)
    b = cx.banner(d, ["nps:rec"], "g", title="NPS by g")
    prs = Presentation(cx.save_deck([b], tmp_path / "d.pptx"))
    tab = next(s for s in prs.slides[1].shapes if s.has_table).table
    assert tab.cell(0, 1).text == "Total"
    assert [tab.cell(0, j).text for j in range(len(tab.columns))].count("Total") == 1
    xml = tab._tbl.xml
    assert 'baseline="30000"' in xml                   # letters as superscripts
    assert tab.cell(3, 0).text == "Base"               # unweighted: one base row


class TestTemplate:
    def test_pptx_master_fonts_colours_size_and_no_sample_slides(self, tmp_path):
        t = _template(tmp_path / "brand.pptx")
        p = cx.save_deck([(_fig(), "A finding")], tmp_path / "d.pptx", template=t,
                         title="Branded")
        prs = Presentation(p)
        assert prs.slide_width == Inches(10) and prs.slide_height == Inches(7.5)
        assert "SAMPLE SLIDE OF THE TEMPLATE" not in _titles(prs)
        assert _titles(prs) == ["Branded", "A finding"]
        lay = prs.slides[1].slide_layout
        ttl = next(ph for ph in lay.placeholders
                   if ph.placeholder_format.type == PP_PLACEHOLDER.TITLE)
        assert ttl.text_frame.paragraphs[0].font.name == FONT
        # the slide's own title keeps the template's look (no direct font override)
        assert prs.slides[1].shapes.title.text_frame.paragraphs[0].runs[0].font.name is None
        pic = next(s for s in prs.slides[1].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE)
        assert pic.left + pic.width <= prs.slide_width

    def test_potx_master(self, tmp_path):
        t = _potx(_template(tmp_path / "brand.pptx"), tmp_path / "brand.potx")
        prs = Presentation(cx.save_deck([_fig()], tmp_path / "d.pptx", template=t))
        assert prs.slide_width == Inches(10)
        assert len(prs.slides) == 2

    @pytest.mark.parametrize("name, content, match", [
        ("brand.key", b"x", r"\.pptx or \.potx"),
        ("brand.pptx", None, "does not exist"),
        ("brand.pptx", b"not a zip at all", "not a PowerPoint file"),
        ("brand.potx", b"PK\x03\x04broken", "not a PowerPoint file"),
    ])
    def test_hostile_templates(self, tmp_path, name, content, match):
        t = tmp_path / name
        if content is not None:
            t.write_bytes(content)
        with pytest.raises(ValueError, match=match):
            cx.save_deck([_fig()], tmp_path / "d.pptx", template=t)
        assert not (tmp_path / "d.pptx").exists()
