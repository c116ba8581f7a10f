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

__all__ = ["banner_sheet", "banner_slide_table", "banner_wide", "group_label", "save_banner"]


def banner_wide(result: BannerResult, **kw) -> pd.DataFrame:
    """The formatted wide view (same as ``result.wide()``)."""
    if not isinstance(result, BannerResult):
        raise TypeError(f"result must be a BannerResult from cx.banner, got "
                        f"{type(result).__name__}")
    return wide_view(result, **kw)


def _value_format(book: Workbook, scale: str, decimals: int, mean_decimals: int):
    if scale == "share":
        return book.fmt["pct1"] if decimals >= 1 else book.fmt["pct0"]
    if scale == "nps":
        if decimals < 1:
            return book.fmt["signed"]
        z = "0." + "0" * decimals
        return book.wb.add_format({"num_format": f"+{z};-{z};{z}"})
    return book.dec(mean_decimals)


def _unweighted(result: BannerResult) -> bool:
    """True when every weighted base equals its unweighted base (no weights in effect)."""
    t = result.table
    if not len(t) or "wbase" not in t:
        return True
    w, n = t["wbase"].astype(float).to_numpy(), t["n"].astype(float).to_numpy()
    ok = np.isfinite(w) & np.isfinite(n)
    return bool(np.allclose(w[ok], n[ok], rtol=1e-9, atol=1e-9))


def group_label(cols: pd.DataFrame, k: int) -> str:
    """Header of banner column ``k``'s group in words (``banner_label`` when the result has
    one, else the banner variable tidied); ``""`` for the total."""
    b = str(cols.at[k, "banner"])
    if b == "Total":
        return ""
    if "banner_label" in cols and str(cols.at[k, "banner_label"] or ""):
        return str(cols.at[k, "banner_label"])
    from cxresearch.report.charts.base import pretty

    return " / ".join(pretty(x.strip()) for x in b.split("/"))


def banner_sheet(book: Workbook, result: BannerResult, name: str = "Banner", *,
                 decimals: int = 0, mean_decimals: int = 2, synthetic: bool = False,
                 subtitle: str | None = None, footer: str | None = None) -> str:
    """Write the banner on a new sheet of ``book`` laid out as a tabulation.

    Two Excel columns per banner column: the estimate as a number with its format (percent,
    signed NPS, decimals) and its significance letters in the narrow cell to its right (blue,
    small, like a superscript: never inside the number). Header rows: the banner variables in
    words merged over their columns ("Total" once, over two rows), the column labels, the
    column letters. One base row per block when the data are unweighted (unweighted, weighted
    and effective bases otherwise). Printed landscape when wide, one page wide, headers
    repeated, notes as footnotes, the source in the footer."""
    from cxresearch.report.output.xlsx import print_setup, row_height, title_sheet_name

    ws = book.wb.add_worksheet(title_sheet_name(name, book.names))
    f = book.fmt
    cols = result.columns.reset_index(drop=True)
    keys = list(cols["column"])
    title = result.title or "Banner"
    book.text(ws, 0, 0, title, f["title"])
    unweighted = _unweighted(result)
    sub = subtitle or ("Data: reconstructed (synthetic)" if synthetic else None)
    extra = "Unweighted" if unweighted else "Weighted (bases: unweighted, weighted, effective)"
    book.text(ws, 1, 0, " \u00b7 ".join(x for x in (sub, extra) if x), f["subtitle"])
    h = 3
    label_w = 38
    ws.set_column(0, 0, label_w)
    for k in range(len(keys)):
        ws.set_column(1 + 2 * k, 1 + 2 * k, 8)
        ws.set_column(2 + 2 * k, 2 + 2 * k, 4.5)
    grp = book.wb.add_format({"bold": True, "align": "center", "valign": "vcenter",
                              "text_wrap": True, "bottom": 1, "bg_color": "#EEF2F7"})
    lab = book.wb.add_format({"bold": True, "align": "center", "valign": "bottom",
                              "text_wrap": True, "bg_color": "#EEF2F7"})
    let_head = book.wb.add_format({"align": "center", "font_color": "#1F4E79",
                                   "font_size": 8, "bottom": 1, "bg_color": "#EEF2F7"})
    corner = book.wb.add_format({"bg_color": "#EEF2F7", "bottom": 1})
    fill = book.wb.add_format({"bg_color": "#EEF2F7"})
    for r in range(h, h + 3):
        ws.write_blank(r, 0, None, corner if r == h + 2 else fill)
    start = 0
    while start < len(keys):
        end = start
        while end + 1 < len(keys) and cols.at[end + 1, "banner"] == cols.at[start, "banner"]:
            end += 1
        c0, c1 = 1 + 2 * start, 2 + 2 * end
        if str(cols.at[start, "banner"]) == "Total":
            ws.merge_range(h, c0, h + 1, c1, "", lab)
            book.text(ws, h, c0, "Total", lab)
        else:
            ws.merge_range(h, c0, h, c1, "", grp)
            book.text(ws, h, c0, group_label(cols, start), grp)
        start = end + 1
    longest = 1
    for k in range(len(keys)):
        if str(cols.at[k, "banner"]) != "Total":
            ws.merge_range(h + 1, 1 + 2 * k, h + 1, 2 + 2 * k, "", lab)
            book.text(ws, h + 1, 1 + 2 * k, cols.at[k, "column_label"], lab)
            longest = max(longest, len(str(cols.at[k, "column_label"])))
        let = cols.at[k, "letter"]
        ws.merge_range(h + 2, 1 + 2 * k, h + 2, 2 + 2 * k, "", let_head)
        book.text(ws, h + 2, 1 + 2 * k, f"({let})" if let else "", let_head)
    ws.set_row(h, 30)
    ws.set_row(h + 1, 15 * min(4, 1 + longest // 11))
    ws.freeze_panes(h + 3, 1)
    r = h + 3
    marks = {"+": "\u25b2", "-": "\u25bc"}
    wrap = book.wb.add_format({"text_wrap": True, "valign": "bottom"})
    block_f = book.wb.add_format({"bold": True, "text_wrap": True, "top": 1})
    base_f = book.wb.add_format({"num_format": "#,##0", "font_color": "#555555",
                                 "italic": True, "font_size": 9})
    base_l = book.wb.add_format({"font_color": "#555555", "italic": True, "font_size": 9})
    letter_f = book.wb.add_format({"font_color": "#1F4E79", "bold": True, "font_script": 1,
                                   "valign": "bottom", "align": "left"})
    bases = ([("Base", "n")] if unweighted else
             [("Base (unweighted)", "n"), ("Base (weighted)", "wbase"),
              ("Effective base (Kish)", "n_eff")])
    for blabel, rows in blocks(result):
        book.text(ws, r, 0, blabel, block_f)
        for j in range(1, 1 + 2 * len(keys)):
            ws.write_blank(r, j, None, block_f)
        if len(str(blabel)) > label_w:
            ws.set_row(r, 15 * min(3, 1 + len(str(blabel)) // label_w))
        r += 1
        for label, col in bases:
            book.text(ws, r, 0, "  " + label, base_l)
            for k, rw in enumerate(rows[0]):
                book.cell(ws, r, 1 + 2 * k, float(rw[col]), base_f)
            r += 1
        for cells in rows:
            scale = cells[0]["scale"]
            book.text(ws, r, 0, "  " + str(cells[0]["row_label"]), wrap)
            tall = row_height([("  " + str(cells[0]["row_label"]), label_w)])
            if tall:
                ws.set_row(r, tall)
            vf = _value_format(book, scale, decimals, mean_decimals)
            for k, rw in enumerate(cells):
                if rw["suppressed"]:
                    book.text(ws, r, 1 + 2 * k, "\u2013", f["textr"])
                    continue
                book.cell(ws, r, 1 + 2 * k, float(rw["estimate"]), vf)
                mark = str(rw["letters"] or "") + marks.get(rw["vs_total"], "") + (
                    "*" if rw["small_base"] else "")
                if mark:
                    book.text(ws, r, 2 + 2 * k, mark, letter_f)
            r += 1
            if scale == "mean":
                book.text(ws, r, 0, "    Standard deviation", f["muted"])
                for k, rw in enumerate(cells):
                    if np.isfinite(rw["sd"]):
                        book.cell(ws, r, 1 + 2 * k, float(rw["sd"]), book.dec(mean_decimals))
                r += 1
    notes = [n for n in result.notes if n != SYNTHETIC]
    notes.append("Letters in the small cell to the right of each value name the columns it is "
                 "significantly higher than; * small base; \u2013 suppressed.")
    r += 1
    if synthetic:
        book.text(ws, r, 0, SYNTHETIC, f["footwarn"])
        r += 1
    for n in notes:
        book.text(ws, r, 0, n, f["foot"])
        r += 1
    print_setup(ws, ncols=1 + 2 * len(keys), width_chars=label_w + 12.5 * len(keys),
                header_row=None, footer=footer)
    ws.repeat_rows(h, h + 2)
    return ws.get_name()


def banner_slide_table(slide, result, box):
    """A banner as a native PowerPoint table on ``slide`` inside ``box`` (inches: left, top,
    width, height): group headers in words ("Total" once), the column labels
    with their letters, values with the significance letters as superscripts, a base row."""
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches, Pt

    from cxresearch.statistics.banner.format import cell_text

    cols = result.columns.reset_index(drop=True)
    body = []
    for blabel, rows in blocks(result):
        body.append(("block", blabel, None))
        body.append(("base", "Base", [f"{int(c['n']):,}" for c in rows[0]]))
        for cells in rows:
            body.append(("row", str(cells[0]["row_label"]), cells))
    left, top, width, height = box
    n_rows, n_cols = len(body) + 2, len(cols) + 1
    size = 12 if n_cols <= 7 and n_rows <= 12 else 10 if n_cols <= 10 else 8
    row_h = min(height / n_rows, size / 72 * 2.1)
    shape = slide.shapes.add_table(n_rows, n_cols, Inches(left), Inches(top), Inches(width),
                                   Inches(row_h * n_rows))
    t = shape.table
    t.columns[0].width = Inches(min(3.6, width * 0.3))
    rest = (Inches(width) - t.columns[0].width) // max(1, len(cols))
    for j in range(1, n_cols):
        t.columns[j].width = rest
    for k in range(len(cols)):
        t.cell(0, k + 1).text = "Total" if str(cols.at[k, "banner"]) == "Total" else \
            group_label(cols, k)
        let = cols.at[k, "letter"]
        t.cell(1, k + 1).text = "" if str(cols.at[k, "banner"]) == "Total" else \
            f"{cols.at[k, 'column_label']} ({let})" if let else str(cols.at[k, "column_label"])
    k = 1
    while k < n_cols:  # merge a group's header over its columns
        end = k
        while end + 1 < n_cols and cols.at[end, "banner"] == cols.at[k - 1, "banner"]:
            end += 1
        if end > k:
            t.cell(0, k).merge(t.cell(0, end))
        k = end + 1
    for i, (kind, label, cells) in enumerate(body, start=2):
        t.cell(i, 0).text = label
        if kind == "base":
            for j, v in enumerate(cells, start=1):
                t.cell(i, j).text = v
        elif kind == "row":
            for j, rw in enumerate(cells, start=1):
                tf = t.cell(i, j).text_frame
                p = tf.paragraphs[0]
                p.text = cell_text(rw, show_sd=False)
                if rw["letters"] and not rw["suppressed"]:
                    r = p.add_run()
                    r.text = str(rw["letters"])
                    r.font._rPr.set("baseline", "30000")
    for i in range(n_rows):
        for j in range(n_cols):
            for p in t.cell(i, j).text_frame.paragraphs:
                if j > 0:
                    p.alignment = PP_ALIGN.CENTER if i < 2 else PP_ALIGN.RIGHT
                for run in p.runs:
                    run.font.size = Pt(size * (0.8 if i >= 2 and body[i - 2][0] == "base"
                                               else 1))
                    run.font.bold = i < 2 or body[i - 2][0] == "block"
    return shape


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
        banner_sheet(book, result, result.title or name, decimals=decimals,
                     mean_decimals=mean_decimals, synthetic=synth,
                     footer="cxresearch banner " + name)
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
