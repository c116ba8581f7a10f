"""The display view of a banner: formatted cells with their letters, bases, notes.

Kept in the statistics layer (pure text, no output files) so that ``BannerResult.wide()`` and
``print(result)`` work without the report layer; :mod:`cxresearch.report.output.banners` writes it
to Excel and the other formats.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["as_text", "blocks", "cell_text", "wide_view"]

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
