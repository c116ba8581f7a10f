"""CX indices: Likert index scores, top-box and CSAT shares, Net Promoter Score.

Each index is a ratio or a mean of respondent-level quantities, so each is estimated with the
design-based machinery of :mod:`cxresearch.estimates` (linearized SE from
``Design.total_variance``, design-df t intervals, deff and effective n) and takes a
:class:`~cxresearch.design.Design`, a plain DataFrame (simple random sample) or a Wave (its
``design()``; item scales and index definitions then come from its codebook), with ``by=``.

* :func:`likert_index`: the score of a set of agreement items as *sum of points / maximum
  points* (how Mopinion scores its Measure / Manage / Master dimensions), with the point coding
  stated (``"1-5"``: 1 to 5 points; ``"0-4"``: 0 to 4 points), or as POMP (percent of maximum
  possible, 0–100, the same whatever the coding) or as the mean points per item.
* :func:`top_box` and :func:`csat`: share of answers in the top ``k`` categories / at or above
  a threshold, the threshold stated in ``method``.
* :func:`nps`: the classic Net Promoter Score on −100..100 (% promoters 9–10 minus % detractors
  0–6), i.e. the mean of codes +100/0/−100, and — as a separate, clearly named row — the mean
  of the 0–10 answer (``mean_0_10``), a different quantity (a report's "NPS of 8.5" is this).

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12).
Cohen, P., Cohen, J., Aiken, L. S., & West, S. G. (1999). The problem of units and the
circumstance for POMP. *Multivariate Behavioral Research*, 34(3), 315–346.
Mopinion (2023). Digital CX Management Benchmark (scoring: sum of points / maximum points).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from cxresearch.statistics.design import Design, as_design
from cxresearch.statistics.estimates import (
    COLUMNS,
    assemble,
    design_label,
    design_prop_ci,
    groups,
    ratio_estimates,
)
from cxresearch.waves.storage import is_wave

__all__ = [
    "csat", "likert_index", "nps", "to_pomp", "top_box"]


def _resolve(d) -> tuple[Design, object]:
    instrument = None
    if is_wave(d):
        instrument = d.instrument
    return as_design(d), instrument


def _scale_of(instrument, item: str, item_range) -> tuple[int, int] | None:
    if item_range is not None:
        lo, hi = item_range
        return int(lo), int(hi)
    if instrument is not None:
        it = getattr(instrument, "items", {}).get(item)
        if it is not None and getattr(it, "scale_min", None) is not None and getattr(
                it, "scale_max", None) is not None:
            return int(it.scale_min), int(it.scale_max)
        if it is not None and getattr(it, "levels", None):
            codes = [lv.code for lv in it.levels if lv.code is not None]
            if codes:
                return int(min(codes)), int(max(codes))
    return None


def _codes(design: Design, item: str, lo_hi: tuple[int, int] | None, default: tuple[int, int]):
    """Answer codes of an item as floats (NaN = missing), checked against its scale."""
    s = design.column(item)
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not s.cat.ordered:
            raise TypeError(f"item {item!r} is an unordered categorical; an ordered scale is "
                            "needed")
        x = s.cat.codes.to_numpy().astype(float)
        x[x < 0] = np.nan
        lo, hi = 1, len(s.cat.categories)
        x = x + 1
    else:
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            raise TypeError(f"item {item!r} is not numeric (dtype {s.dtype})")
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        lo, hi = lo_hi if lo_hi is not None else default
    ok = np.isfinite(x)
    bad = ok & ((x < lo) | (x > hi) | (x != np.round(x)))
    if bad.any():
        vals = sorted(set(x[bad].tolist()))[:10]
        raise ValueError(f"item {item!r} has value(s) {vals} outside its scale {lo}..{hi} "
                         f"({int(bad.sum())} row(s)); recode them or declare them missing")
    return x, ok, lo, hi


def _parse_coding(coding: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", str(coding))
    if not m or int(m.group(1)) >= int(m.group(2)):
        raise ValueError(f"coding must look like '1-5' or '0-4', got {coding!r}")
    return int(m.group(1)), int(m.group(2))


def _dimensions(items, instrument) -> dict[str, list[str]]:
    if isinstance(items, str):
        idx = getattr(instrument, "indices", None) if instrument is not None else None
        if not idx or items not in idx:
            known = sorted(idx) if idx else []
            raise ValueError(f"items={items!r} is not an index of the codebook (indices: "
                             f"{known}); pass a list of item columns or a Wave")
        return {items: list(idx[items])}
    if isinstance(items, dict):
        return {str(k): list(v) for k, v in items.items()}
    items = list(items)
    if not items:
        raise ValueError("items is empty")
    return {"index": items}


def likert_index(d, items, coding: str = "1-5", scale: str = "share", by=None, *,
                 item_range=None, missing: str = "complete", conf_level: float = 0.95,
                 df=None) -> pd.DataFrame:
    """Score of a set of Likert items: item scores and the dimension (index) score.

    Parameters
    ----------
    d : Design, DataFrame or Wave
    items : list of str, str or dict
        Item columns; the name of a codebook index (``d`` a Wave, e.g. ``"measure"``); or
        ``{dimension: [items]}`` for several dimensions at once.
    coding : str
        Points given to the answers, lowest to highest: ``"1-5"`` (default) or ``"0-4"`` for a
        five-point scale (``"1-7"``, ``"0-6"``… likewise). Must have as many points as the
        item's scale.
    scale : {"share", "pomp", "mean"}
        ``share``: sum of points / maximum points (0–1; Mopinion's score). ``pomp``: percent of
        maximum possible, ``100·(answer − min)/(max − min)`` (0–100; independent of coding).
        ``mean``: mean points per item on the coding.
    by : str or list of str, optional
    item_range : (int, int), optional
        Codes of the lowest and highest answer as stored (default: the codebook's scale for a
        Wave, else the range of ``coding`` shifted to start at 1, i.e. ``1..5`` for
        ``"0-4"``). Answers outside it raise ``ValueError``.
    missing : {"complete", "available"}
        ``complete``: respondents who answered every item of the dimension (items and dimension
        use the same respondents); ``available``: each item on its answers, the dimension as
        total points over total maximum points of the answered items.

    Returns
    -------
    DataFrame with the ``by`` columns, ``dimension``, ``item`` (the dimension name on the
    dimension's own row), ``kind`` (``"item"``/``"index"``) and the standard columns.

    References
    ----------
    Mopinion (2023); Cohen et al. (1999) for POMP.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"q1": [5, 4, 3, 5], "q2": [4, 4, 2, 5]})
    >>> r = likert_index(d, ["q1", "q2"])
    >>> float(r.loc[r.kind == "index", "estimate"].iloc[0])  # (17 + 15) / 40
    0.8
    >>> # In R: svyratio(~I(q1 + q2), ~I(0 * q1 + 10), svydesign(ids=~1, data=d))
    """
    if scale not in ("share", "pomp", "mean"):
        raise ValueError(f"scale must be 'share', 'pomp' or 'mean', got {scale!r}")
    if missing not in ("complete", "available"):
        raise ValueError(f"missing must be 'complete' or 'available', got {missing!r}")
    a, b = _parse_coding(coding)
    npts = b - a + 1
    des, instrument = _resolve(d)
    gtable, gcode = groups(des, by)
    dims = _dimensions(items, instrument)
    label = design_label(des)
    what = {"share": f"sum of points / maximum points (points coded {a}-{b})",
            "pomp": "POMP 0-100 (percent of maximum possible)",
            "mean": f"mean points per item (points coded {a}-{b})"}[scale]
    mult = 100.0 if scale == "pomp" else 1.0
    outs = []
    for dim, cols in dims.items():
        if not cols:
            raise ValueError(f"dimension {dim!r} has no items")
        P, M, V = [], [], []  # points, maximum points, validity per item
        for it in cols:
            x, ok, lo, hi = _codes(des, it, _scale_of(instrument, it, item_range), (1, npts))
            if hi - lo + 1 != npts and scale != "pomp":
                raise ValueError(f"coding {coding!r} has {npts} points but item {it!r} has a "
                                 f"{hi - lo + 1}-point scale ({lo}..{hi})")
            x0 = np.where(ok, x - lo, 0.0)
            if scale == "pomp":
                P.append(x0)
                M.append(np.full(des.n, float(hi - lo)))
            else:
                P.append(np.where(ok, x0 + a, 0.0))
                M.append(np.full(des.n, float(b if scale == "share" else 1.0)))
            V.append(ok)
        Vm = np.column_stack(V)
        allok = Vm.all(axis=1)
        note = ""
        if missing == "complete":
            dropped = int((Vm.any(axis=1) & ~allok).sum())
            note = f"; respondents answering all {len(cols)} items" + (
                f" ({dropped} partial answer(s) left out)" if dropped else "")
        for j, it in enumerate(cols):
            ok = allok if missing == "complete" else V[j]
            res = ratio_estimates(des, P[j] * ok, M[j] * ok, ok, gcode, gtable,
                                  f"answer to {it!r}")
            outs.append(assemble(gtable, res, {"dimension": [dim], "item": [it],
                                               "kind": ["item"]}, conf_level, df,
                                 f"item score, {what}; linearized SE ({label}){note}",
                                 scale=mult))
        okd = allok if missing == "complete" else Vm.any(axis=1)
        num = sum(P[j] * (okd & V[j]) for j in range(len(cols)))
        den = sum(M[j] * (okd & V[j]) for j in range(len(cols)))
        res = ratio_estimates(des, num, den, okd, gcode, gtable, f"answer in dimension {dim!r}")
        outs.append(assemble(gtable, res, {"dimension": [dim], "item": [dim], "kind": ["index"]},
                             conf_level, df, f"index score, {what}; ratio estimator, "
                             f"linearized SE ({label}){note}", scale=mult))
    out = pd.concat(outs, ignore_index=True)
    return out[[*gtable.columns, "dimension", "item", "kind", *COLUMNS]]


def _share(d, item, cond_fn, text: str, by, item_range, ci_method, conf_level, df,
           default=(1, 5)):
    des, instrument = _resolve(d)
    x, ok, lo, hi = _codes(des, item, _scale_of(instrument, item, item_range), default)
    cond = cond_fn(x, lo, hi)
    gtable, gcode = groups(des, by)
    res = ratio_estimates(des, (cond & ok).astype(float), ok.astype(float), ok, gcode, gtable,
                          f"answer to {item!r}")
    txt = text(lo, hi)
    out = assemble(gtable, res, {"item": [item]}, conf_level, df,
                   f"{txt}; linearized SE ({design_label(des)})",
                   ci=design_prop_ci(ci_method, conf_level, des.srs))
    return out[[*gtable.columns, "item", *COLUMNS]]


def top_box(d, item: str, k: int = 2, by=None, *, item_range=None, ci_method: str = "logit",
            conf_level: float = 0.95, df=None) -> pd.DataFrame:
    """Share of answers in the top ``k`` categories of a rating scale (top-k-box).

    ``item_range`` gives the stored codes of the lowest and highest answers (default: the
    codebook's scale for a Wave, else 1..5); an ordered categorical uses its categories.
    Missing answers are left out. Intervals as :func:`cxresearch.proportion`.

    Examples
    --------
    >>> import pandas as pd
    >>> top_box(pd.DataFrame({"q": [5, 4, 3, 1]}), "q")["estimate"].tolist()
    [0.5]
    >>> # In R: svyciprop(~I(q >= 4), svydesign(ids=~1, data=d))
    """
    if int(k) != k or k < 1:
        raise ValueError(f"k must be a positive whole number, got {k!r}")
    k = int(k)
    return _share(d, item, lambda x, lo, hi: x >= hi - k + 1,
                  lambda lo, hi: f"top-{k}-box share (answers {hi - k + 1}..{hi} on {lo}..{hi})",
                  by, item_range, ci_method, conf_level, df)


def csat(d, item: str, threshold: float | None = None, by=None, *, item_range=None,
         ci_method: str = "logit", conf_level: float = 0.95, df=None) -> pd.DataFrame:
    """CSAT: share of satisfied respondents, answering at or above ``threshold``.

    The default threshold is the second-highest answer of the scale (top-two-box, 4 on 1..5);
    the threshold used is stated in ``method``.

    Examples
    --------
    >>> import pandas as pd
    >>> csat(pd.DataFrame({"q": [5, 4, 3, 1]}), "q", threshold=3)["estimate"].tolist()
    [0.75]
    >>> # In R: svyciprop(~I(q >= 3), svydesign(ids=~1, data=d))
    """
    def cond(x, lo, hi):
        t = hi - 1 if threshold is None else threshold
        if not lo <= t <= hi:
            raise ValueError(f"threshold={t} is outside the scale {lo}..{hi} of {item!r}")
        return x >= t

    def text(lo, hi):
        t = hi - 1 if threshold is None else threshold
        return f"CSAT = share answering >= {t:g} on {lo}..{hi}"

    return _share(d, item, cond, text, by, item_range, ci_method, conf_level, df)


def nps(d, item: str, by=None, *, detail: bool = False, conf_level: float = 0.95,
        df=None) -> pd.DataFrame:
    """Net Promoter Score (−100..100) with its design-based SE, plus the mean 0–10 answer.

    NPS = % promoters (9–10) − % detractors (0–6) = the mean of the codes +100 / 0 / −100,
    so its SE is that of a mean (linearized). A second row, ``measure == "mean_0_10"``, is the
    mean of the 0–10 answer: a different quantity on a different scale (a report's "NPS of
    8.5" is this). With ``detail=True`` the shares (in %) of promoters, passives and detractors
    follow.

    Returns
    -------
    DataFrame with the ``by`` columns, ``item``, ``measure`` and the standard columns. The NPS
    interval is a t interval (design df) clipped to [−100, 100].

    References
    ----------
    Reichheld (2003).

    Examples
    --------
    >>> import pandas as pd
    >>> r = nps(pd.DataFrame({"r": [10, 9, 8, 6, 0, 10]}), "r")
    >>> r["measure"].tolist(), round(float(r["estimate"].iloc[0]), 2)
    (['nps', 'mean_0_10'], 16.67)
    >>> # In R: svymean(~I(100 * (r >= 9) - 100 * (r <= 6)), svydesign(ids=~1, data=d))
    """
    des, instrument = _resolve(d)
    x, ok, lo, hi = _codes(des, item, (0, 10), (0, 10))
    code = np.where(x >= 9, 100.0, np.where(x <= 6, -100.0, 0.0))
    code = np.where(ok, code, 0.0)
    xs = np.where(ok, x, 0.0)
    cols = [code, xs]
    names = ["nps", "mean_0_10"]
    if detail:
        for nm, c in (("pct_promoters", x >= 9), ("pct_passives", (x >= 7) & (x <= 8)),
                      ("pct_detractors", x <= 6)):
            cols.append(np.where(ok & c, 100.0, 0.0))
            names.append(nm)
    gtable, gcode = groups(des, by)
    res = ratio_estimates(des, np.column_stack(cols), ok.astype(float), ok, gcode, gtable,
                          f"answer to {item!r}")
    label = design_label(des)
    out = assemble(gtable, res, {"item": [item] * len(names), "measure": names}, conf_level, df,
                   f"linearized SE ({label})")
    texts = {"nps": "NPS on -100..100 (% promoters 9-10 minus % detractors 0-6)",
             "mean_0_10": "mean of the 0-10 answer (not an NPS)",
             "pct_promoters": "% promoters (9-10)", "pct_passives": "% passives (7-8)",
             "pct_detractors": "% detractors (0-6)"}
    out["method"] = [f"{texts[m]}; {meth}" for m, meth in zip(out["measure"], out["method"],
                                                             strict=True)]
    isn = out["measure"] == "nps"
    out.loc[isn, "ci_low"] = out.loc[isn, "ci_low"].clip(lower=-100)
    out.loc[isn, "ci_high"] = out.loc[isn, "ci_high"].clip(upper=100)
    return out[[*gtable.columns, "item", "measure", *COLUMNS]]


def to_pomp(estimates: pd.DataFrame, instrument, item: str = "item") -> pd.DataFrame:
    """Means on their items' scales -> percent of maximum possible (0–100), so that items on
    different scales share one axis: ``100 (x - min) / (max - min)`` with the codebook's scale
    (``scale_min``/``scale_max``) applied to ``estimate``, ``ci_low``, ``ci_high`` (and ``se``
    scaled). Rows whose item has no scale in the codebook are dropped."""
    out = []
    for name, rows in estimates.groupby(item, sort=False):
        it = instrument.items.get(str(name))
        lo, hi = getattr(it, "scale_min", None), getattr(it, "scale_max", None)
        if lo is None or hi is None or hi == lo:
            continue
        rows = rows.copy()
        for c in ("estimate", "ci_low", "ci_high"):
            rows[c] = 100 * (rows[c].astype(float) - lo) / (hi - lo)
        if "se" in rows:
            rows["se"] = 100 * rows["se"].astype(float) / (hi - lo)
        out.append(rows.assign(scale=f"{lo:g}–{hi:g}"))
    return pd.concat(out, ignore_index=True) if out else estimates.iloc[0:0]

