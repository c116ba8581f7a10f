"""The display view of a banner: formatted cells with their letters, bases, notes.

Kept in the statistics layer (pure text, no output files) so that ``BannerResult.wide()`` and
``print(result)`` work without the report layer; :mod:`cxresearch.report.output.banners` writes it
to Excel and the other formats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["as_html", "as_text", "blocks", "cell_text", "wide_view"]

SUPPRESSED = "–"


def cell_text(row, decimals: int = 0, mean_decimals: int = 2, show_sd: bool = True) -> str:
    """One cell: ``45%``, ``3.21 (1.02)``, ``+12``; ``–`` when suppressed; ``*`` small base."""
    if row["suppressed"] or not np.isfinite(row["estimate"]):
        return SUPPRESSED
    e = float(row["estimate"])
    if row["scale"] == "share":
        s = f"{100 * e:.{decimals}f}%"
    elif row["scale"] == "nps":
        s = f"{e:+.{decimals}f}"
    else:
        s = f"{e:.{mean_decimals}f}"
        if show_sd and np.isfinite(row["sd"]):
            s += f" ({row['sd']:.{mean_decimals}f})"
    if row["small_base"]:
        s += "*"
    return s


def _header(res) -> list[tuple[str, str]]:
    cols = res.columns
    return [(b, f"{lab} ({let})" if let else lab)
            for b, lab, let in zip(cols["banner"], cols["column_label"], cols["letter"],
                                   strict=True)]


def blocks(res) -> list[tuple[str, list[list[dict]]]]:
    """``[(block label, [row cells, ...]), ...]``: each row's cells are the table's records
    (dicts) in column order. One pass over the table (no pandas indexing per cell)."""
    keys = list(res.columns["column"])
    pos = {k: j for j, k in enumerate(keys)}
    rows: dict[int, list] = {}
    block_of: dict[int, tuple[str, str]] = {}
    for rec in res.table.to_dict("records"):
        r = rec["row"]
        if r not in rows:
            rows[r] = [None] * len(keys)
            block_of[r] = (rec["block"], str(rec["block_label"]))
        rows[r][pos[rec["column"]]] = rec
    out: dict[str, tuple[str, list]] = {}
    for r in sorted(rows):
        b, label = block_of[r]
        out.setdefault(b, (label, []))[1].append(rows[r])
    return list(out.values())


def wide_view(res, decimals: int = 0, mean_decimals: int = 2, show_sd: bool = True,
              bases: bool = True) -> pd.DataFrame:
    """Rows ``(block label, row label)``; columns ``(banner, column (letter))``; each cell the
    estimate with its letters (and ``▲``/``▼`` against the rest of the sample). Base rows
    (unweighted, weighted, effective) close each block when ``bases``."""
    header = pd.MultiIndex.from_tuples(_header(res), names=["banner", "column"])
    arrows = {"+": " ▲", "-": " ▼"}
    out_rows, index = [], []
    for blabel, rows in blocks(res):
        for cells in rows:
            texts = []
            for rw in cells:
                s = cell_text(rw, decimals, mean_decimals, show_sd)
                if s != SUPPRESSED:
                    s += (" " + rw["letters"]) if rw["letters"] else ""
                    s += arrows.get(rw["vs_total"], "")
                texts.append(s)
            out_rows.append(texts)
            index.append((blabel, str(cells[0]["row_label"])))
        if bases:
            first = rows[0]
            out_rows.append([f"{int(c['n'])}" for c in first])
            index.append((blabel, "Base (unweighted)"))
            out_rows.append([f"{c['wbase']:,.0f}" for c in first])
            index.append((blabel, "Base (weighted)"))
            out_rows.append([f"{c['n_eff']:,.0f}" for c in first])
            index.append((blabel, "Effective base"))
    return pd.DataFrame(out_rows, index=pd.MultiIndex.from_tuples(index, names=["item", "row"]),
                        columns=header)


def as_text(res, width: int = 100) -> str:
    w = wide_view(res)
    with pd.option_context("display.width", 250, "display.max_columns", 60,
                           "display.max_colwidth", 30):
        body = w.to_string()
    lines = []
    if res.title:
        lines.append(res.title)
    lines.append(body)
    lines += ["  " + n for n in res.notes]
    return "\n".join(lines)


def _esc(s) -> str:
    import html

    return html.escape(str(s), quote=True)


_CSS = (
    "<style>"
    ".cx-banner{border-collapse:collapse;font-family:system-ui,-apple-system,'Segoe UI',"
    "Roboto,'DejaVu Sans',sans-serif;font-size:13px;margin:0.5em 0;font-variant-numeric:"
    "tabular-nums}"
    ".cx-banner caption{caption-side:top;text-align:left;font-weight:600;font-size:15px;"
    "padding:0 0 6px 0}"
    ".cx-banner th,.cx-banner td{padding:3px 8px;border:none;white-space:nowrap}"
    ".cx-banner thead th{background:#eef2f7;text-align:center;vertical-align:bottom;"
    "font-weight:600}"
    ".cx-banner thead tr.cx-group th{border-bottom:1px solid #9aa7b8}"
    ".cx-banner thead tr.cx-letters th{font-weight:400;color:#1f4e79;font-size:11px;"
    "border-bottom:1px solid #444}"
    ".cx-banner tbody th{text-align:left;font-weight:400;white-space:normal;max-width:22em}"
    ".cx-banner tbody tr.cx-block th{font-weight:600;padding-top:8px;border-top:1px solid "
    "#ccc}"
    ".cx-banner tbody tr.cx-base th,.cx-banner tbody tr.cx-base td{color:#666;"
    "font-style:italic;font-size:12px}"
    ".cx-banner td{text-align:right}"
    ".cx-banner td.cx-total{background:#f7f9fb}"
    ".cx-banner sup{color:#1f4e79;font-weight:700;font-size:9px;margin-left:1px}"
    ".cx-banner tfoot td{text-align:left;white-space:normal;color:#444;font-size:11.5px;"
    "padding-top:2px}"
    "</style>")


def as_html(res, decimals: int = 0, mean_decimals: int = 2) -> str:
    """The banner as an HTML table for reader pages and notebooks: the banner variables in
    words as merged group headers ("Total" once), column labels, column letters; per block a
    base row (one when unweighted; unweighted, weighted and effective otherwise) and the
    values with their significance letters as superscripts; the notes (the test, α,
    multiplicity, bases) as footnotes. Every text is HTML-escaped."""
    cols = res.columns.reset_index(drop=True)
    n_cols = len(cols)
    t = res.table
    unweighted = bool(len(t) == 0 or np.allclose(t["wbase"].astype(float).fillna(0),
                                                 t["n"].astype(float).fillna(0)))

    def group(k):
        if "banner_label" in cols and str(cols.at[k, "banner_label"] or ""):
            return str(cols.at[k, "banner_label"])
        return str(cols.at[k, "banner"]).replace("_", " ").capitalize()

    is_total = [str(cols.at[k, "banner"]) == "Total" for k in range(n_cols)]
    head1, head2, head3 = ['<th rowspan="3"></th>'], [], []
    k = 0
    while k < n_cols:
        if is_total[k]:
            head1.append('<th rowspan="2" class="cx-total">Total</th>')
            k += 1
            continue
        end = k
        while end + 1 < n_cols and cols.at[end + 1, "banner"] == cols.at[k, "banner"]:
            end += 1
        head1.append(f'<th colspan="{end - k + 1}">{_esc(group(k))}</th>')
        k = end + 1
    for k in range(n_cols):
        if not is_total[k]:
            head2.append(f"<th>{_esc(cols.at[k, 'column_label'])}</th>")
        let = cols.at[k, "letter"]
        head3.append(f"<th>{'(' + _esc(let) + ')' if let else ''}</th>")
    body = []
    bases = ([("Base", "n")] if unweighted else
             [("Base (unweighted)", "n"), ("Base (weighted)", "wbase"),
              ("Effective base (Kish)", "n_eff")])
    arrows = {"+": "\u25b2", "-": "\u25bc"}
    for blabel, rows in blocks(res):
        body.append(f'<tr class="cx-block"><th colspan="{n_cols + 1}">{_esc(blabel)}</th>'
                    "</tr>")
        for label, key in bases:
            cells = "".join(
                f'<td{" class=cx-total" if is_total[j] else ""}>{float(c[key]):,.0f}</td>'
                for j, c in enumerate(rows[0]))
            body.append(f'<tr class="cx-base"><th>{label}</th>{cells}</tr>')
        for cells in rows:
            tds = []
            for j, rw in enumerate(cells):
                txt = _esc(cell_text(rw, decimals, mean_decimals, show_sd=False))
                mark = "" if rw["suppressed"] else (str(rw["letters"] or "") +
                                                    arrows.get(rw["vs_total"] or "", ""))
                sup = f"<sup>{_esc(mark)}</sup>" if mark else ""
                cls = ' class="cx-total"' if is_total[j] else ""
                tds.append(f"<td{cls}>{txt}{sup}</td>")
            body.append(f"<tr><th>{_esc(cells[0]['row_label'])}</th>{''.join(tds)}</tr>")
    notes = list(res.notes) + ["Superscript letters name the columns a value is "
                               "significantly higher than; * small base; \u2013 suppressed."]
    foot = "".join(f'<tr><td colspan="{n_cols + 1}">{_esc(n)}</td></tr>' for n in notes)
    cap = f"<caption>{_esc(res.title)}</caption>" if res.title else ""
    return (_CSS + f'<table class="cx-banner">{cap}<thead>'
            f'<tr class="cx-group">{"".join(head1)}</tr><tr>{"".join(head2)}</tr>'
            f'<tr class="cx-letters">{"".join(head3)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody><tfoot>{foot}</tfoot></table>')
