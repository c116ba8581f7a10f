"""The deliverables opened in the applications people use: report.xlsx, report.pptx and a
banner workbook converted to PDF by LibreOffice (headless), a reader page with a banner
rendered by headless Chromium. Oracle: page counts (pypdf), the text on each page, the
screenshot's pixels.

Skipped, with the reason, when LibreOffice (``soffice``) or Chromium is not installed
(``.ci/run`` installs them from Debian: libreoffice-calc, libreoffice-impress, chromium,
poppler-utils, fonts-dejavu-core).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import cxresearch as cx  # noqa: E402
from cxresearch.report.output.deliverables import write_run_deliverables  # noqa: E402

pytestmark = pytest.mark.slow

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser",
                                                       "google-chrome")) if p), None)
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not "
                                   "installed: apt-get install libreoffice-calc "
                                   "libreoffice-impress")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: "
                                    "apt-get install chromium")


def _to_pdf(path, tmp_path):
    """``path`` converted to PDF by LibreOffice with a profile of its own (no lock shared
    with a LibreOffice running elsewhere)."""
    profile = tmp_path / "lo-profile"
    out = tmp_path / "pdf"
    out.mkdir(exist_ok=True)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}",
                    "--convert-to", "pdf", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=240)
    pdf = out / (path.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {path.name}"
    return pdf


def _pages(pdf):
    from pypdf import PdfReader

    return [p.extract_text() or "" for p in PdfReader(pdf).pages]


def _wave(n=600, seed=4):
    rng = np.random.default_rng(seed)
    region = rng.choice(["north", "south", "east", "west"], n)
    role = rng.choice(["marketing", "service"], n)
    q = np.clip(rng.normal(3.4, 1, n) + (region == "north") * 0.6, 1, 5).round()
    rec = np.clip(rng.normal(7, 2, n) + (role == "service"), 0, 10).round()
    return pd.DataFrame({"region": region, "role": role, "q": q, "rec": rec})


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run folder like reproduce writes: three tables, a banner, two figures."""
    root = tmp_path_factory.mktemp("run")
    d = _wave()
    banner = cx.banner(d, [{"kind": "top", "item": "q", "item_range": (1, 5), "k": 2},
                           "mean:q", "nps:rec"], ["region", "role"],
                       title="Satisfaction by region and role")
    cx.save_banner(banner, "q_by_region", outdir=root)
    for g in ("region", "role"):
        tab = cx.mean(d, "q", by=g)
        cx.save_table(tab, f"q_by_{g}x", outdir=root, caption=f"Mean satisfaction by {g}")
    share = cx.proportion(d.assign(top=(d["q"] >= 4)), "top", level=True, by="region")
    cx.save_table(share, "top2_by_region", outdir=root, caption="Top-2 share by region")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cx.mean(d, "q", by="region")
        fig = cx.estimate_bars(est, label="region", title="Mean satisfaction by region")
        cx.save_figure(fig, "q_bars", outdir=root, data=est)
        fig2 = cx.estimate_bars(est, label="region", title="Same, synthetic")
        cx.save_figure(fig2, "q_bars_syn", outdir=root, data=est, synthetic=True)
    out = write_run_deliverables(root)
    return root, out, banner


@needs_soffice
def test_workbook_prints_about_one_page_per_table(run, tmp_path):
    root, out, _ = run
    pages = _pages(_to_pdf(out["xlsx"], tmp_path))
    n_tables = 4
    # contents + one page per table + provenance; every table sheet is one page wide
    assert len(pages) <= n_tables + 2 + 1, len(pages)
    assert "Satisfaction by region and role" in pages[0]          # the contents lists it
    body = "\n".join(pages)
    assert "Mean satisfaction by region" in body
    assert re.search(r"\b\d{1,3}%", body)                       # shares as percentages
    assert "{" not in body.replace("{}", "")                     # no raw JSON anywhere
    assert "Provenance" in pages[-1]


@needs_soffice
def test_banner_workbook_is_one_page_wide(run, tmp_path):
    root, _, banner = run
    pages = _pages(_to_pdf(root / "q_by_region.xlsx", tmp_path))
    first = pages[0]
    for lab in ("Total", "Region", "Role", "north", "south", "east", "west", "marketing",
                "service", "(A)", "(F)"):
        assert lab in first, f"{lab!r} is not on the banner's first page"
    # the whole banner, down to its last footnote, is on the first page; the next page is
    # the next sheet (the long table), not the banner's right-hand columns
    assert "Letters in the small cell" in first
    assert "column_label" in pages[1] and "Letters in the small cell" not in pages[1]
    assert first.count("Total") == 1
    assert "Base (unweighted)" not in first and "Base" in first   # unweighted: one base


@needs_soffice
def test_deck_one_page_per_slide_titles_in_words(run, tmp_path):
    from pptx import Presentation

    root, out, _ = run
    prs = Presentation(out["pptx"])
    pages = _pages(_to_pdf(out["pptx"], tmp_path))
    assert len(pages) == len(prs.slides) == 4                    # cover, contents, 2 figures
    assert "Mean satisfaction by region" in pages[2]
    assert "q_bars" not in pages[2]                             # never the file name
    # the notice once: drawn into the synthetic figure, never on the observed one
    assert "synthetic" not in pages[2].lower()


@needs_chromium
def test_reader_page_shows_the_banner_as_a_table(run, tmp_path):
    import nbformat
    from PIL import Image

    from cxresearch.pipeline.notebooks import reader_html

    _, _, banner = run
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("b")
    cell.outputs = [nbformat.v4.new_output("execute_result", data={
        "text/html": banner._repr_html_(), "text/plain": str(banner)}, execution_count=1)]
    nb.cells = [cell]
    src = tmp_path / "page.ipynb"
    nbformat.write(nb, src)
    html = reader_html(src)
    assert '<table class="cx-banner">' in html and "<sup>" in html
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    shot = tmp_path / "page.png"
    pdf = tmp_path / "page.pdf"
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'chrome'}"]
    subprocess.run(base + ["--window-size=1280,1000", f"--screenshot={shot}",
                           page.as_uri()], check=True, capture_output=True, timeout=120)
    subprocess.run(base + ["--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    im = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert im.shape[1] == 1280 and im.std() > 5                  # something was drawn
    text = " ".join(_pages(pdf))
    # the header reads in one line per row: the group header, then the column labels
    assert "Region" in text and "Role" in text
    assert text.index("Region") < text.index("north")
