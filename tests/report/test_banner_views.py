"""Banners that look like banners: the HTML table of reader pages and notebooks, and the
Excel sheet. Oracle: the HTML parsed with the standard library, the sheet read back with
openpyxl, and counts computed by hand from the banner's columns."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import openpyxl
import pandas as pd
import pytest

import cxresearch as cx


class _Cells(HTMLParser):
    """Header cells (text, colspan, rowspan), body row headers and <sup> texts."""

    def __init__(self):
        super().__init__()
        self.stack, self.heads, self.rows, self.sups, self.scripts = [], [], [], [], 0
        self._cur = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append(tag)
        if tag == "script":
            self.scripts += 1
        if tag == "th":
            self._cur = {"text": "", "colspan": int(a.get("colspan", 1)),
                         "rowspan": int(a.get("rowspan", 1)), "head": "thead" in self.stack}
        if tag == "sup":
            self.sups.append("")

    def handle_endtag(self, tag):
        if tag == "th" and self._cur is not None:
            (self.heads if self._cur["head"] else self.rows).append(self._cur)
            self._cur = None
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        if self._cur is not None:
            self._cur["text"] += data
        if self.stack and self.stack[-1] == "sup":
            self.sups[-1] += data


def _data(n=400, seed=3, label="north"):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"region": rng.choice([label, "south", "east"], n),
                      "role": rng.choice(["marketing", "service"], n),
                      "rec": rng.integers(0, 11, n).astype(float),
                      "w": rng.uniform(0.5, 2, n)})
    d.loc[d.region == label, "rec"] = np.minimum(d.loc[d.region == label, "rec"] + 3, 10)
    return d


def _parse(b):
    p = _Cells()
    p.feed(b._repr_html_())
    return p


def test_html_is_a_banner_table():
    b = cx.banner(_data(), ["nps:rec"], ["region", "role"], title="NPS by region and role")
    html = b._repr_html_()
    assert '<table class="cx-banner">' in html and "<caption>NPS by region and role" in html
    p = _parse(b)
    texts = [h["text"] for h in p.heads]
    assert texts.count("Total") == 1
    total = next(h for h in p.heads if h["text"] == "Total")
    assert total["rowspan"] == 2
    groups = {h["text"]: h["colspan"] for h in p.heads if h["colspan"] > 1}
    assert groups == {"Region": 3, "Role": 2}        # variables in words over their columns
    assert [t for t in texts if t.startswith("(")] == ["(A)", "(B)", "(C)", "(D)", "(E)"]
    assert any(s.strip() for s in p.sups)            # letters as superscripts
    assert [r["text"] for r in p.rows].count("Base") == 1   # unweighted: one base row
    assert "svycontrast" in html or "t test" in html  # the test, as a footnote


def test_weighted_banner_shows_three_bases():
    b = cx.banner(cx.Design(_data(), weights="w"), ["nps:rec"], ["region"])
    rows = [r["text"] for r in _parse(b).rows]
    assert {"Base (unweighted)", "Base (weighted)", "Effective base (Kish)"} <= set(rows)


@pytest.mark.parametrize("label", ["<script>alert(1)</script>", "a & b", "\"quoted\" <b>x"])
def test_hostile_labels_are_escaped(label):
    b = cx.banner(_data(label=label), ["nps:rec"], ["region"], title=label)
    html = b._repr_html_()
    p = _parse(b)
    assert p.scripts == 0 and "<b>x" not in html
    assert label in [h["text"] for h in p.heads]     # shown as text, literally


def test_excel_banner_unweighted_one_base_row_and_print_setup(tmp_path):
    b = cx.banner(_data(), ["nps:rec", "mean:rec"], ["region", "role"], title="Recommend")
    cx.save_banner(b, "rec", outdir=tmp_path)
    ws = openpyxl.load_workbook(tmp_path / "rec.xlsx").worksheets[0]
    labels = [str(r[0].value).strip() for r in ws.iter_rows(min_row=7) if r[0].value]
    assert labels.count("Base") == 1 and "Base (weighted)" not in labels   # one, unweighted
    assert ws.page_setup.orientation == "landscape"              # 6 columns: wide
    assert ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows.replace("$", "") == "4:6"
    nps = next(r for r in ws.iter_rows(min_row=7) if str(r[0].value).strip() == "NPS")
    values = [c for c in nps[1::2] if c.value is not None]
    assert all(isinstance(c.value, float) for c in values)
    assert all(c.number_format == "+0;-0;0" for c in values)     # NPS as signed integers
    letters = [c for c in nps[2::2] if c.value]
    assert all(c.font.vertAlign == "superscript" for c in letters)
