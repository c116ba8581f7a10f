"""The draft's review page (issue 23, item 2): one line per column, riskiest first, with the
evidence (answers, blanks, distinct values, range, a text histogram) and what to check;
every text escaped; no answer of a personal-data, free-text or id column.
"""

from __future__ import annotations

import re

import pandas as pd

from cxresearch.codebooks.draft import draft
from cxresearch.codebooks.review import sparkline


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr class="r\d">.*?</tr>', page, flags=re.S)


def test_riskiest_first_with_evidence(tmp_path):
    df = pd.DataFrame({
        "satisfaction": [1, 2, 3, 4, 5] * 20,
        "provider": [1, 2, 3, 4] * 25,
        "email": [f"p{i}@example.org" for i in range(100)],
        "year": [2023, 2024] * 50,
        "note": [f"words and more words {i}" for i in range(100)],
    })
    p = tmp_path / "x.csv"
    df.to_csv(p, index=False)
    page = draft(p, "s").review
    rows = _rows(page)
    assert len(rows) == 5
    risks = [int(re.search(r'class="r(\d)"', r).group(1)) for r in rows]
    assert risks == sorted(risks, reverse=True)
    assert ">email<" in rows[0] and "e-mail addresses in 100 of 100 answers" in rows[0]
    sat = next(r for r in rows if ">satisfaction<" in r)
    assert "100 answered, 0 blank, 5 distinct, range 1..5" in sat
    assert "1:█ 2:█ 3:█ 4:█ 5:█" in sat
    prov = next(r for r in rows if ">provider<" in r)
    assert "write what each code means" in prov
    assert "p1@example.org" not in page and "words and more" not in page
    assert "Outcome candidates: satisfaction" in page


def test_everything_is_escaped(tmp_path):
    df = pd.DataFrame({"<script>alert(1)</script>": ["<b>x</b>", "&amp;"] * 20,
                       "q": [1, 2] * 20})
    p = tmp_path / "<img src=x onerror=alert(1)>.csv"
    df.to_csv(p, index=False)
    page = draft(p, "s").review
    assert "<script>" not in page and "<img" not in page and "<b>x" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_sparkline():
    assert sparkline([]) == "" and sparkline([0, 0]) == ""
    assert sparkline([1, 8]) == "▂█"
