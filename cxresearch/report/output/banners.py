"""Banner tables as deliverables: the formatted wide view, Excel, CSV, and ``save_banner``.

``save_banner(result, name)`` writes ``<reports>/tables/<name>.xlsx`` (the banner sheet with
estimates and letters in their own cells, frozen headers, percent / decimal formats, bases, notes;
a sheet with the tidy long table; one with every pairwise comparison; the provenance sheet),
``<name>.csv`` (the wide view as text) and ``<name>_long.csv`` (the tidy table), every cell
spreadsheet-safe, and records a manifest entry like :func:`cxresearch.save_table`.

References
----------
IBM (2021). SPSS Custom Tables, column proportions / means tests (letters in the cells).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from cxresearch.paths import atomic_write, spreadsheet_safe_frame
from cxresearch.report.output.save import _base_entry, _waves, destination
from cxresearch.report.output.xlsx import SYNTHETIC, Workbook
from cxresearch.report.provenance import file_record, is_synthetic, update_manifest
from cxresearch.statistics.banner.build import BannerResult
from cxresearch.statistics.banner.format import blocks, wide_view

__all__ = ["banner_sheet", "banner_wide", "save_banner"]


def banner_wide(result: BannerResult, **kw) -> pd.DataFrame:
    """The formatted wide view (same as ``result.wide()``)."""
    if not isinstance(result, BannerResult):
        raise TypeError(f"result must be a BannerResult from cx.banner, got "
                        f"{type(result).__name__}")
    return wide_view(result, **kw)


def _value_format(book: Workbook, scale: str, decimals: int, mean_decimals: int):
    if scale == "share":
        return book.fmt["pct1"] if decimals >= 1 else book.fmt["pct0"]
    return book.dec(decimals if scale == "nps" else mean_decimals)


def banner_sheet(book: Workbook, result: BannerResult, name: str = "Banner", *,
                 decimals: int = 0, mean_decimals: int = 2, synthetic: bool = False) -> str:
    """Write the banner on a new sheet of ``book``: two Excel columns per banner column
    (value, letters), three header rows (banner item, column label, letter)."""
    ws = book.add_sheet(name)
    f = book.fmt
    cols = result.columns.reset_index(drop=True)
    keys = list(cols["column"])
    title = result.title or "Banner"
    if synthetic:
        title += " (reconstructed, synthetic data)"
    book.text(ws, 0, 0, title, f["title"])
    h = 2
    ws.set_column(0, 0, 42)
    for k in range(len(keys)):
        ws.set_column(1 + 2 * k, 1 + 2 * k, 11)
        ws.set_column(2 + 2 * k, 2 + 2 * k, 5)
    # header row 1: banner items, merged over their columns
    start = 0
    while start < len(keys):
        end = start
        while end + 1 < len(keys) and cols.at[end + 1, "banner"] == cols.at[start, "banner"]:
            end += 1
        c0, c1 = 1 + 2 * start, 2 + 2 * end
        label = str(cols.at[start, "banner"])
        if c1 > c0:
            ws.merge_range(h, c0, h, c1, "", f["headc"])
        book.text(ws, h, c0, label, f["headc"])
        start = end + 1
    for k in range(len(keys)):
        book.text(ws, h + 1, 1 + 2 * k, cols.at[k, "column_label"], f["headc"])
        book.text(ws, h + 1, 2 + 2 * k, "", f["headc"])
        let = cols.at[k, "letter"]
        book.text(ws, h + 2, 1 + 2 * k, f"({let})" if let else "", f["letter_head"])
    ws.freeze_panes(h + 3, 1)
    r = h + 3
    marks = {"+": "\u25b2", "-": "\u25bc"}
    for blabel, rows in blocks(result):
        book.text(ws, r, 0, blabel, f["bold"])
        r += 1
        for cells in rows:
            scale = cells[0]["scale"]
            book.text(ws, r, 0, "  " + str(cells[0]["row_label"]))
            vf = _value_format(book, scale, decimals, mean_decimals)
            for k, rw in enumerate(cells):
                if rw["suppressed"]:
                    book.text(ws, r, 1 + 2 * k, "\u2013", f["muted"])
                    continue
                book.cell(ws, r, 1 + 2 * k, float(rw["estimate"]), vf)
                mark = str(rw["letters"]) + marks.get(rw["vs_total"], "") + (
                    "*" if rw["small_base"] else "")
                if mark:
                    book.text(ws, r, 2 + 2 * k, mark, f["letters"])
            r += 1
            if scale == "mean":
                book.text(ws, r, 0, "    SD", f["muted"])
                for k, rw in enumerate(cells):
                    if np.isfinite(rw["sd"]):
                        book.cell(ws, r, 1 + 2 * k, float(rw["sd"]), book.dec(mean_decimals))
                r += 1
        for label, col in (("Base (unweighted)", "n"), ("Base (weighted)", "wbase"),
                           ("Effective base (Kish)", "n_eff")):
            book.text(ws, r, 0, "  " + label, f["muted"])
            for k, rw in enumerate(rows[0]):
                book.cell(ws, r, 1 + 2 * k, float(rw[col]), f["base"])
            r += 1
        r += 1
    notes = list(result.notes)
    notes.append("* small base; \u2013 suppressed; letters in the cell to the right of each "
                 "value.")
    book.notes(ws, r, notes, synthetic)
    return ws.get_name()


def _csv(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    spreadsheet_safe_frame(df).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _flat_wide(result: BannerResult) -> pd.DataFrame:
    w = result.wide()
    w.columns = [c for _, c in w.columns]
    return w.reset_index()


def save_banner(result: BannerResult, name: str, *, title: str | None = None,
                formats=None, waves=None, synthetic: bool | None = None,
                notebook: str | None = None, parameters: dict | None = None,
                outdir: str | Path | None = None, decimals: int = 0,
                mean_decimals: int = 2) -> dict:
    """Write a banner as Excel (and CSV) with its notes and provenance.

    Parameters
    ----------
    result : BannerResult
        From :func:`cxresearch.banner`.
    name : str or path
        A file stem (``<reports>/tables/<name>.xlsx``, ``<name>.csv``, ``<name>_long.csv``)
        or a path (``"out/banner.xlsx"``: that file, its format from the suffix, with a
        ``manifest.json`` in its folder); a manifest entry of that name is replaced. Hostile
        names are refused (see :func:`cxresearch.report.output.save.destination`).
    title : str, optional
        Shown above the banner (default: the result's title).
    formats : tuple of {"xlsx", "csv"}, optional
        Default both, or the one the suffix of ``name`` names.
    waves, synthetic, notebook, parameters, outdir
        As for :func:`cxresearch.save_table` (files go to ``<reports>/tables``).
    decimals, mean_decimals : int
        Decimals of percentages / NPS and of means.

    Returns
    -------
    dict
        The manifest entry (``kind="table"``, with ``banner`` options and notes).

    References
    ----------
    OWASP, CSV injection (every cell is neutralised); XlsxWriter documentation.

    Examples
    --------
    >>> b = cx.banner(wave, ["top2:q5", "nps:recommend"], ["region"])  # doctest: +SKIP
    >>> cx.save_banner(b, "q5_by_region", title="Satisfaction by region")  # doctest: +SKIP
    >>> # In R: openxlsx::write.xlsx(tab, "q5_by_region.xlsx")  (no letters in R's survey)
    """
    if not isinstance(result, BannerResult):
        raise TypeError(f"result must be a BannerResult from cx.banner, got "
                        f"{type(result).__name__}")
    folder, name, formats, manifest = destination(
        name, outdir=outdir, sub="tables", formats=formats, allowed=("xlsx", "csv"),
        default=("xlsx", "csv"), what="save_banner")
    wave_recs = _waves(waves)
    synth = is_synthetic(synthetic, *wave_recs, bool(result.synthetic), result.table)
    if title is not None:
        result.title = title
    notes = list(result.notes)
    if synth and SYNTHETIC not in notes:
        notes.insert(0, SYNTHETIC)
    base = manifest.parent
    files = {}
    entry = _base_entry("table", name, notebook, parameters, wave_recs, synth)
    if "csv" in formats:
        for suffix, df in (("", _flat_wide(result)), ("_long", result.table)):
            p = folder / f"{name}{suffix}.csv"
            with atomic_write(p, "wb") as fh:
                fh.write(_csv(df))
            files["csv" + suffix] = file_record(p, base)
    if "xlsx" in formats:
        p = folder / f"{name}.xlsx"
        book = Workbook(p)
        banner_sheet(book, result, name, decimals=decimals, mean_decimals=mean_decimals,
                     synthetic=synth)
        book.table("long table", result.table, notes=notes, synthetic=synth)
        book.table("comparisons", result.pairs, notes=notes, synthetic=synth)
        book.provenance([entry])
        book.close()
        files["xlsx"] = file_record(p, base)
    entry["table"] = {"rows": int(result.table["row"].nunique()),
                      "columns": list(result.columns["column"]), "caption": result.title,
                      "banner": {k: (list(v) if isinstance(v, tuple) else v)
                                 for k, v in result.options.items()},
                      "notes": notes}
    entry["files"] = files
    update_manifest(manifest, entry)
    return entry
