"""Banners on an engine design (rows in DuckDB, Spark or files): one ``GROUP BY`` per row item.

Every banner cell is a ratio of weighted sums within a column — a share, a net, a mean of an
answer code, an NPS — so its score is constant within a cell of (stratum, PSU, row item's
answers, banner answers), and the estimates, bases and linearized (co)variances computed on the
aggregate (:class:`~cxresearch.sampling.engine.CollapsedDesign`) equal those of the rows
(:mod:`cxresearch.sampling.engine`). A row item is aggregated once over its own columns and all
banner columns; when that crossing exceeds ``JOINT_CELLS`` cells (several banner variables with
many levels), the item is aggregated once per banner variable instead. Nothing is lost: the
letters compare columns within one banner variable, and the complement test uses one column
only, so no covariance between columns of two banner variables is ever needed.

A row item of continuous answers (a mean of an unbinned amount) has too many cells to be
pushed down exactly and is refused by the engine with the column named (round or bin it, or
analyse ``design.sample(n)``).

Examples
--------
>>> import ibis, pandas as pd, cxresearch as cx
>>> d = pd.DataFrame({"q": [1.0, 2, 2, 1, 2, 1], "g": ["a", "a", "b", "b", "b", "a"]})
>>> b = cx.banner(cx.Design(ibis.memtable(d)), ["levels:q"], "g", suppress_below=1)
>>> b.table.loc[b.table.column == "g=a", "estimate"].round(3).tolist()
[0.667, 0.333]
>>> # In R: svyby(~factor(q), ~g, svydesign(~1, data = tbl(con, "d")), svymean)
"""

from __future__ import annotations

import copy

import numpy as np

from cxresearch.sampling.engine import TooManyCells
from cxresearch.statistics.banner.core import _cells, _row_core
from cxresearch.statistics.banner.rows import (
    Column,
    Labels,
    _normalise,
    build_columns,
    build_rows,
)

__all__ = ["JOINT_CELLS", "engine_rows", "equal_row_weights"]

JOINT_CELLS = 1_000_000


def equal_row_weights(des) -> bool:
    """Whether every respondent has the same weight (an engine design's cells: from their
    sums of ``w``, ``w²`` and rows)."""
    w = np.asarray(des.weights, dtype=float)
    f = getattr(des, "freq", None)
    if f is None:
        return bool(np.allclose(w, w[0]))
    f = np.asarray(f, dtype=float)
    per = w / f
    return bool(np.allclose(per, per[0]) and np.allclose(des.w2 * f, w * w))


def _multi(names: list, item: str) -> list:
    return [c for c in names if isinstance(c, str) and c.startswith(item + "__")]


def _row_columns(names: list, spec) -> list:
    """The engine columns a row spec reads (its item, or a multi-select item's options)."""
    s = _normalise(spec)
    item = s["item"]
    if s["kind"] == "multi" or (item not in names and _multi(names, item)):
        return _multi(names, item) or [item]
    if item not in names:
        raise ValueError(f"rows: {item!r} is not a column of the data (columns: "
                         f"{names[:25]})")
    return [item]


def _banner_columns(names: list, spec) -> list:
    parts = list(spec) if isinstance(spec, tuple) else [spec]
    out = []
    for c in parts:
        if isinstance(c, str) and c not in names and _multi(names, c):
            out += _multi(names, c)
        elif isinstance(c, str):
            if c not in names:
                raise ValueError(f"columns: {c!r} is not a column of the data (columns: "
                                 f"{names[:25]})")
            out.append(c)
        else:
            raise TypeError(f"columns entries must be item names or (outer, inner) tuples of "
                            f"names, got {spec!r}")
    return out


def _unit(cd, row_spec, specs: list, lab: Labels, total: bool, compare_total: bool,
          need_v: bool):
    """Columns, quantities and per-quantity ``(stats, comp, V)`` of one aggregate."""
    frame = cd.data
    cols, n_groups = build_columns(frame, specs, lab)
    quantities = build_rows(frame, [row_spec], lab, cd)
    everyone = np.ones(cd.n, dtype=bool)
    allcols = ([Column("Total", "Total", "Total", everyone, -1, "")] if total else []) + cols
    cell, M = _cells(allcols)
    comp_idx = list(range(1 if total else 0, len(allcols))) if compare_total else []
    cores = [_row_core(q, cell, M, cd.weights, cd, comp_idx, need_v, None)
             for q in quantities]
    return cols, n_groups, quantities, cores


def engine_rows(eng, rows, columns, lab: Labels, *, total: bool, compare_total: bool,
                need_v: bool):
    """The banner of an engine design, row item by row item.

    Returns ``(cols, n_groups, quantities, cores, first)``: the banner columns (without the
    total; their masks are those of one aggregate, for display only), the number of
    comparison groups, the display rows, for each row ``(stats, comp, V)`` as
    :func:`~cxresearch.statistics.banner.core._row_core` gives them (``V`` with NaN between
    columns of different banner variables, which no test uses), and the first aggregate (for
    the checks that read the design).
    """
    names = list(eng.columns)
    if isinstance(rows, str | dict):
        rows = [rows]
    if not isinstance(rows, list | tuple) or not rows:
        raise TypeError(f"rows must be a non-empty list of row specs, got {rows!r}")
    specs = [columns] if isinstance(columns, str | tuple) else columns
    if not isinstance(specs, list) or not specs:
        raise TypeError(f"columns must be a banner item name, a (outer, inner) tuple or a list "
                        f"of them, got {columns!r}")
    spec_cols = [_banner_columns(names, s) for s in specs]
    all_bcols = list(dict.fromkeys(c for cs in spec_cols for c in cs))
    joint = copy.copy(eng)
    joint.max_cells = min(eng.max_cells, JOINT_CELLS)
    out_cols, out_groups, quantities, cores, first = None, 0, [], [], None
    for row_spec in rows:
        rcols = _row_columns(names, row_spec)
        units = None
        if len(specs) > 1:
            try:
                cd = joint.collapse([*rcols, *all_bcols])
                units = [(cd, _unit(cd, row_spec, specs, lab, total, compare_total, need_v))]
            except TooManyCells:
                units = None
        if units is None:   # one aggregate per banner variable
            units = []
            for s, cs in zip(specs, spec_cols, strict=True):
                cd = eng.collapse([*rcols, *cs])
                units.append((cd, _unit(cd, row_spec, [s], lab, total, compare_total, need_v)))
        first = first or units[0][0]
        cols = [c for _, u in units for c in u[0]]
        # comparison groups numbered across the banner variables, as build_columns does
        off, groups = 0, []
        for _, u in units:
            groups += [c.group + off for c in u[0]]
            off += u[1]
        for c, g in zip(cols, groups, strict=True):
            c.group = g
        if out_cols is None:
            out_cols, out_groups = cols, off
        nq = len(units[0][1][2])
        for k in range(nq):
            cores.append(_merge([u[3][k] for _, u in units], [len(u[0]) for _, u in units],
                                total, compare_total, need_v))
        quantities += units[0][1][2]
    return out_cols, out_groups, quantities, cores, first


def _merge(parts: list, ncols: list, total: bool, compare_total: bool, need_v: bool):
    """Per-aggregate ``(stats, comp, V)`` of one display row into the banner's."""
    t = 1 if total else 0
    C = sum(ncols)
    K = t + C
    stats_ = list(parts[0][0][:t])
    comp: list = []
    V = np.full((K + (C if compare_total else 0),) * 2, np.nan) if need_v else None
    start = 0
    for (st, cp, v), nc in zip(parts, ncols, strict=True):
        stats_ += st[t:]
        comp += cp
        if need_v:
            loc = np.arange(t + nc + (nc if compare_total else 0))
            glob = np.concatenate([np.arange(t), t + start + np.arange(nc),
                                   K + start + np.arange(nc if compare_total else 0)])
            V[np.ix_(glob, glob)] = v[np.ix_(loc, loc)]
        start += nc
    return stats_, comp, V
