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
* :func:`top_box`, :func:`bottom_box` and :func:`csat`: share of answers in the top/bottom
  ``k`` categories / at or above a threshold, the answers counted stated in ``method``.
* :func:`nps`: the Net Promoter Score on −100..100 (% promoters minus % detractors), i.e. the
  mean of codes +100/0/−100, with the cut-offs of :func:`nps_cutoffs` (see
  :mod:`cxresearch.statistics.estimates.recommend`), and — as a separate, clearly named row — the mean
  answer on the item's own scale (``mean_0_10``, ``mean_1_7``), a different quantity.

**Scales are known, never assumed.** Every function takes an item's scale (min, max) and
reverse keying from the codebook when given a Wave; ``item_range=``/``coding=``/``reverse=``
give or override them for plain DataFrames and Designs; an ordered categorical is coded
1..k. A numeric column whose scale is known from none of these is refused (``ValueError``
naming the item), as is an index whose items have different scales (unless
``scale="pomp"``). NPS keeps the classic 9–10 / 0–6 only for 0–10 items.

References
----------
Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12).
Cohen, P., Cohen, J., Aiken, L. S., & West, S. G. (1999). The problem of units and the
circumstance for POMP. *Multivariate Behavioral Research*, 34(3), 315–346.
Mopinion (2023). Digital CX Management Benchmark (scoring: sum of points / maximum points).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.design import Design
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import as_design, row_counts
from cxresearch.statistics.design.results import records_warnings
from cxresearch.statistics.estimates.domains import (
    COLUMNS,
    assemble,
    design_label,
    groups,
    ratio_estimates,
)
from cxresearch.statistics.estimates.itemscales import (
    dimensions,
    item_scale_of,
    parse_coding,
    reverse_set,
)
from cxresearch.statistics.estimates.means import design_prop_ci
from cxresearch.statistics.estimates.recommend import (
    NpsCutoffs,
    check_cutoffs_fit,
    declared_scale,
    nps_code,
    nps_cutoffs,
)
from cxresearch.waves.storage import is_wave

__all__ = ["bottom_box", "csat", "likert_index", "nps", "to_pomp", "top_box"]


def _resolve(d, columns=None) -> tuple[Design, object]:
    instrument = None
    if is_wave(d):
        instrument = d.instrument
    return as_design(d, columns), instrument


@records_warnings
@check_params
def likert_index(d, items, coding: str | None = None, scale: str = "share", by=None, *,
                 item_range=None, reverse=None, missing: str = "complete",
                 conf_level: float = 0.95, df=None) -> pd.DataFrame:
    """Score of a set of Likert items: item scores and the dimension (index) score.

    Parameters
    ----------
    d : Design, DataFrame or Wave
    items : list of str, str or dict
        Item columns; the name of a codebook index (``d`` a Wave, e.g. ``"measure"``); or
        ``{dimension: [items]}`` for several dimensions at once.
    coding : str, optional
        Points given to the answers, lowest to highest, e.g. ``"1-5"`` or ``"0-4"`` for a
        five-point scale (``"1-7"``, ``"0-6"``… likewise); must have as many points as the
        items' scale. Default: the items' own codes (``"1-7"`` for a 1..7 item).
    scale : {"share", "pomp", "mean"}
        ``share``: sum of points / maximum points (0–1; Mopinion's score). ``pomp``: percent of
        maximum possible, ``100·(answer − min)/(max − min)`` (0–100; independent of coding,
        and the one score that may combine items on different scales: the dimension score is
        the mean of its items' POMP scores). ``mean``: mean points per item on the coding.
    by : str or list of str, optional
    item_range : (int, int), optional
        Codes of the lowest and highest answer as stored. Default: the codebook's scale (a
        Wave), the categories of an ordered categorical, else ``1..k`` for a ``coding`` of
        ``k`` points; with none of these the item is refused (``ValueError``). Answers outside
        it raise ``ValueError``.
    reverse : list of str, optional
        Items to mirror (``min + max − answer``) before scoring. Default: the codebook's
        ``reverse: true`` items (none for a plain DataFrame); ``[]`` switches that off.
    missing : {"complete", "available"}
        ``complete``: respondents who answered every item of the dimension (items and dimension
        use the same respondents); ``available``: each item on its answers, the dimension as
        total points over total maximum points of the answered items.
    conf_level : float
    df : None, "design", "domain" or float
        Interval degrees of freedom, as in :func:`cxresearch.mean`.

    Returns
    -------
    DataFrame with the ``by`` columns, ``dimension``, ``item`` (the dimension name on the
    dimension's own row), ``kind`` (``"item"``/``"index"``) and the standard columns. Items of
    one dimension on different scales are refused (naming them) unless ``scale="pomp"``.

    References
    ----------
    Mopinion (2023); Cohen et al. (1999) for POMP.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"q1": [5, 4, 3, 5], "q2": [4, 4, 2, 5]})
    >>> r = likert_index(d, ["q1", "q2"], coding="1-5")
    >>> float(r.loc[r.kind == "index", "estimate"].iloc[0])  # (17 + 15) / 40
    0.8
    >>> # In R: svyratio(~I(q1 + q2), ~I(0 * q1 + 10), svydesign(ids=~1, data=d))
    """
    if scale not in ("share", "pomp", "mean"):
        raise ValueError(f"scale must be 'share', 'pomp' or 'mean', got {scale!r}")
    if missing not in ("complete", "available"):
        raise ValueError(f"missing must be 'complete' or 'available', got {missing!r}")
    ab = parse_coding(coding) if coding is not None else None
    des, instrument = _resolve(d, [dimensions(items, None) if not isinstance(items, str)
                                   else None, by])
    gtable, gcode = groups(des, by)
    dims = dimensions(items, instrument)
    label = design_label(des)
    mult = 100.0 if scale == "pomp" else 1.0
    outs = []
    for dim, cols in dims.items():
        if not cols:
            raise ValueError(f"dimension {dim!r} has no items")
        revs = reverse_set(reverse, cols)
        fb = (1, ab[1] - ab[0] + 1) if ab is not None else None
        sc = {it: item_scale_of(des, instrument, it, item_range, revs[it], fb,
                                 f"codes 1..{fb[1]} assumed from coding {coding!r}"
                                 if fb else "") for it in cols}
        ranges = {it: (v.lo, v.hi) for it, v in sc.items()}
        if scale != "pomp" and len(set(ranges.values())) > 1:
            raise ValueError(f"dimension {dim!r} mixes scales: " + ", ".join(
                f"{it} {lo}..{hi}" for it, (lo, hi) in ranges.items()) + "; score it with "
                "scale='pomp' (percent of maximum possible) or split the dimension")
        lo0, hi0 = next(iter(ranges.values()))
        a, b = ab if ab is not None else (lo0, hi0)
        npts = b - a + 1
        if scale != "pomp" and hi0 - lo0 + 1 != npts:
            bad = ", ".join(f"{it!r}" for it in cols)
            raise ValueError(f"coding {coding!r} has {npts} points but item(s) {bad} have a "
                             f"{hi0 - lo0 + 1}-point scale ({lo0}..{hi0})")
        srcs = sorted({v.source for v in sc.values()})
        what = {"share": f"sum of points / maximum points (points coded {a}-{b})",
                "pomp": "POMP 0-100 (percent of maximum possible, each item on its scale "
                        + ", ".join(sorted({f"{lo}..{hi}" for lo, hi in ranges.values()}))
                        + ")",
                "mean": f"mean points per item (points coded {a}-{b})"}[scale]
        what += f"; scale from {', '.join(srcs)}"
        rv = [it for it in cols if sc[it].reversed]
        if rv:
            what += f"; reverse-keyed (min + max - answer): {', '.join(rv)}"
        P, M, V = [], [], []  # points, maximum points, validity per item
        for it in cols:
            v = sc[it]
            x0 = np.where(v.ok, v.x - v.lo, 0.0)
            if scale == "pomp":  # each item counts equally, whatever its scale
                P.append(x0 / (v.hi - v.lo))
                M.append(np.ones(des.n))
            else:
                P.append(np.where(v.ok, x0 + a, 0.0))
                M.append(np.full(des.n, float(b if scale == "share" else 1.0)))
            V.append(v.ok)
        Vm = np.column_stack(V)
        allok = Vm.all(axis=1)
        note = ""
        if missing == "complete":
            dropped = int(((Vm.any(axis=1) & ~allok) * row_counts(des, des.n)).sum())
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


def _share(d, item, cond_fn, text, by, item_range, reverse, ci_method, conf_level, df):
    des, instrument = _resolve(d, [item, by])
    v = item_scale_of(des, instrument, item, item_range, reverse)
    cond = cond_fn(v.x, v.lo, v.hi)
    gtable, gcode = groups(des, by)
    res = ratio_estimates(des, (cond & v.ok).astype(float), v.ok.astype(float), v.ok, gcode,
                          gtable, f"answer to {item!r}")
    txt = text(v.lo, v.hi) + f"; scale from {v.source}"
    if v.reversed:
        txt += " (reverse-keyed: answers mirrored, min + max - answer, before counting)"
    out = assemble(gtable, res, {"item": [item]}, conf_level, df,
                   f"{txt}; linearized SE ({design_label(des)})",
                   ci=design_prop_ci(ci_method, conf_level, des.srs))
    return out[[*gtable.columns, "item", *COLUMNS]]


def _k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer | float) or int(k) != k or k < 1:
        raise ValueError(f"k must be a positive whole number, got {k!r}")
    return int(k)


@records_warnings
@check_params
def top_box(d, item: str, k: int = 2, by=None, *, item_range=None, reverse=None,
            ci_method: str = "logit", conf_level: float = 0.95, df=None) -> pd.DataFrame:
    """Share of answers in the top ``k`` categories of a rating scale (top-k-box).

    The scale is ``item_range`` (stored codes of the lowest and highest answers), else the
    codebook's (a Wave), else the categories of an ordered categorical; a plain numeric column
    without ``item_range`` is refused rather than assumed to be 1..5. A reverse-keyed item
    (codebook ``reverse: true``, or ``reverse=True``) is mirrored first, so the top box is
    its most favourable end. Missing answers are left out. Intervals as
    :func:`cxresearch.proportion`; the answers counted are stated in ``method``.

    References
    ----------
    Korn & Graubard (1998) for the interval; ``survey::svyciprop``.

    Examples
    --------
    >>> import pandas as pd
    >>> top_box(pd.DataFrame({"q": [5, 4, 3, 1]}), "q", item_range=(1, 5))["estimate"].tolist()
    [0.5]
    >>> # In R: svyciprop(~I(q >= 4), svydesign(ids=~1, data=d))
    """
    k = _k(k)

    def cond(x, lo, hi):
        if k > hi - lo:
            raise ValueError(f"k={k} leaves no answer outside the box on {lo}..{hi} of {item!r}")
        return x >= hi - k + 1

    return _share(d, item, cond,
                  lambda lo, hi: f"top-{k}-box share (answers {hi - k + 1}..{hi} on {lo}..{hi})",
                  by, item_range, reverse, ci_method, conf_level, df)


@records_warnings
@check_params
def bottom_box(d, item: str, k: int = 2, by=None, *, item_range=None, reverse=None,
               ci_method: str = "logit", conf_level: float = 0.95, df=None) -> pd.DataFrame:
    """Share of answers in the bottom ``k`` categories (bottom-k-box); see :func:`top_box`.

    Examples
    --------
    >>> import pandas as pd
    >>> bottom_box(pd.DataFrame({"q": [5, 4, 2, 1]}), "q", item_range=(1, 5))["estimate"].tolist()
    [0.5]
    >>> # In R: svyciprop(~I(q <= 2), svydesign(ids=~1, data=d))
    """
    k = _k(k)

    def cond(x, lo, hi):
        if k > hi - lo:
            raise ValueError(f"k={k} leaves no answer outside the box on {lo}..{hi} of {item!r}")
        return x <= lo + k - 1

    return _share(d, item, cond,
                  lambda lo, hi: f"bottom-{k}-box share (answers {lo}..{lo + k - 1} on "
                                 f"{lo}..{hi})",
                  by, item_range, reverse, ci_method, conf_level, df)


@records_warnings
@check_params
def csat(d, item: str, threshold: float | None = None, by=None, *, item_range=None,
         reverse=None, ci_method: str = "logit", conf_level: float = 0.95,
         df=None) -> pd.DataFrame:
    """CSAT: share of satisfied respondents, answering at or above ``threshold``.

    The default threshold is the second-highest answer of the item's scale (top-two-box: 4 on
    1..5, 6 on 1..7); the scale is found as in :func:`top_box` and the threshold used is
    stated in ``method``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"q": [5, 4, 3, 1]})
    >>> csat(d, "q", threshold=3, item_range=(1, 5))["estimate"].tolist()
    [0.75]
    >>> # In R: svyciprop(~I(q >= 3), svydesign(ids=~1, data=d))
    """
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(
            threshold, int | float | np.integer | np.floating) or not np.isfinite(threshold)):
        raise ValueError(f"threshold must be a number on the item's scale, got {threshold!r}")

    def cond(x, lo, hi):
        t = hi - 1 if threshold is None else threshold
        if not lo <= t <= hi:
            raise ValueError(f"threshold={t} is outside the scale {lo}..{hi} of {item!r}")
        return x >= t

    def text(lo, hi):
        t = hi - 1 if threshold is None else threshold
        return f"CSAT = share answering >= {t:g} on {lo}..{hi}"

    return _share(d, item, cond, text, by, item_range, reverse, ci_method, conf_level, df)


def _nps_answers(des: Design, item: str) -> np.ndarray:
    """Answer codes of a recommend item as floats (NaN = missing); text is refused."""
    s = des.column(item)
    if pd.api.types.is_bool_dtype(s.dtype):
        raise TypeError(f"item {item!r} is boolean, not an answer scale")
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = pd.to_numeric(pd.Series(list(s.cat.categories), dtype=object), errors="coerce")
        if cats.isna().any() or (cats != cats.round()).any():
            raise TypeError(f"item {item!r} is a categorical with non-numeric categories "
                            f"{list(s.cat.categories)[:5]}; NPS needs the answer codes")
        x = np.full(len(s), np.nan)
        c = s.cat.codes.to_numpy()
        x[c >= 0] = cats.to_numpy(dtype=float)[c[c >= 0]]
        return x
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        raise TypeError(f"item {item!r} is not numeric (dtype {s.dtype})")
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


@records_warnings
@check_params
def nps(d, item: str, by=None, *, promoters=None, detractors=None, item_range=None,
        detail: bool = False, conf_level: float = 0.95, df=None) -> pd.DataFrame:
    """Net Promoter Score (−100..100) on the item's own scale, plus the mean answer.

    NPS = % promoters − % detractors = the mean of the codes +100 / 0 / −100, so its SE is
    that of a mean (linearized). Who is a promoter follows :func:`nps_cutoffs`: the
    ``promoters=``/``detractors=`` arguments, else the codebook item's ``nps:`` key, else the
    classic 9–10 / 0–6 — but only for an item on a 0–10 scale (a codebook item on another
    scale without cut-offs is refused; without a codebook, answers that do not look like 0–10
    — none above 7 — and cut-offs no answer reaches are refused too, naming the item and the
    ways to proceed: :func:`~cxresearch.statistics.estimates.recommend.check_cutoffs_fit`).
    Weights or answers beyond 1e100 are refused (no variance exists). The cut-offs used are
    stated in ``method``. A second row, ``measure == "mean_<min>_<max>"`` (``mean_0_10``,
    ``mean_1_7``...), is the mean answer on the item's scale: a different quantity (a report's
    "NPS of 8.5" is this). With ``detail=True`` the shares (in %) of promoters, passives and
    detractors follow.

    Parameters
    ----------
    d : Design, DataFrame or Wave
    item : str
    by : str or list of str, optional
    promoters, detractors : range, list of int, int or "lo-hi", optional
        Answer codes of each group, e.g. ``promoters=[7], detractors=range(1, 6)`` on 1–7.
    item_range : (int, int), optional
        Lowest and highest answer when there is no codebook scale (see :func:`nps_cutoffs`).
    detail : bool
    conf_level : float
    df : None, "design", "domain" or float
        Interval degrees of freedom, as in :func:`cxresearch.mean`.

    Returns
    -------
    DataFrame with the ``by`` columns, ``item``, ``measure`` and the standard columns. The NPS
    interval is a t interval clipped to [−100, 100].

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12).

    Examples
    --------
    >>> import pandas as pd
    >>> r = nps(pd.DataFrame({"r": [10, 9, 8, 6, 0, 10]}), "r")
    >>> r["measure"].tolist(), round(float(r["estimate"].iloc[0]), 2)
    (['nps', 'mean_0_10'], 16.67)
    >>> # In R: svymean(~I(100 * (r >= 9) - 100 * (r <= 6)), svydesign(ids=~1, data=d))
    >>> r7 = nps(pd.DataFrame({"r": [7, 6, 5, 1]}), "r", promoters=[7], detractors="1-5")
    >>> r7["measure"].tolist(), float(r7["estimate"].iloc[0])
    (['nps', 'mean_1_7'], -25.0)
    >>> # In R: svymean(~I(100 * (r == 7) - 100 * (r <= 5)), svydesign(ids=~1, data=d))
    """
    des, instrument = _resolve(d, [item, by])
    cut = nps_cutoffs(d if instrument is not None else None, item, promoters, detractors,
                      item_range=item_range)
    x = _nps_answers(des, item)
    code = nps_code(x, cut)  # answers off the scale or not numbers: refused first
    check_cutoffs_fit(x, cut)
    ok = np.isfinite(code)
    cols = [np.where(ok, code, 0.0), np.where(ok, x, 0.0)]
    names = ["nps", cut.mean_name]
    span = NpsCutoffs._span
    texts = {"nps": f"NPS on -100..100 (% promoters minus % detractors; {cut.describe()})",
             cut.mean_name: f"mean of the {cut.scale_min}-{cut.scale_max} answer (not an NPS)",
             "pct_promoters": f"% promoters ({span(cut.promoters)} on "
                              f"{cut.scale_min}..{cut.scale_max})",
             "pct_passives": f"% passives ({span(cut.passives)} on "
                             f"{cut.scale_min}..{cut.scale_max})",
             "pct_detractors": f"% detractors ({span(cut.detractors)} on "
                               f"{cut.scale_min}..{cut.scale_max})"}
    if detail:
        for nm, c in (("pct_promoters", code == 100), ("pct_passives", code == 0),
                      ("pct_detractors", code == -100)):
            cols.append(np.where(ok & c, 100.0, 0.0))
            names.append(nm)
    gtable, gcode = groups(des, by)
    res = ratio_estimates(des, np.column_stack(cols), ok.astype(float), ok, gcode, gtable,
                          f"answer to {item!r}")
    label = design_label(des)
    out = assemble(gtable, res, {"item": [item] * len(names), "measure": names}, conf_level, df,
                   f"linearized SE ({label})")
    out["method"] = [f"{texts[m]}; {meth}" for m, meth in zip(out["measure"], out["method"],
                                                             strict=True)]
    isn = out["measure"] == "nps"
    out.loc[isn, "ci_low"] = out.loc[isn, "ci_low"].clip(lower=-100)
    out.loc[isn, "ci_high"] = out.loc[isn, "ci_high"].clip(upper=100)
    return out[[*gtable.columns, "item", "measure", *COLUMNS]]


def to_pomp(estimates: pd.DataFrame, instrument, item: str = "item") -> pd.DataFrame:
    """Means on their items' scales -> percent of maximum possible (0–100), so that items on
    different scales share one axis.

    ``100 (x - min) / (max - min)`` with the codebook's scale (``scale_min``/``scale_max``, or
    the level codes) applied to ``estimate``, ``ci_low``, ``ci_high`` (and ``se`` scaled); a
    reverse-keyed item (``reverse: true``) becomes ``100 (max - x) / (max - min)``, its
    interval ends swapped, so that 100 is always the favourable end. An ``item_range`` column
    states the answer range used (``"1–5"``, ``"1–5 reversed"``). Rows whose item has no scale in the
    codebook are dropped.

    References
    ----------
    Cohen, P., Cohen, J., Aiken, L. S., & West, S. G. (1999). The problem of units and the
    circumstance for POMP. *Multivariate Behavioral Research*, 34(3), 315–346.

    Examples
    --------
    >>> # In R: 100 * (coef(svymean(~q, des)) - 1) / (5 - 1)
    """
    out = []
    for name, rows in estimates.groupby(item, sort=False):
        it = instrument.items.get(str(name))
        sc = declared_scale(it) if it is not None else None
        if sc is None or sc[1] == sc[0]:
            continue
        lo, hi = sc
        rev = bool(getattr(it, "reverse", False))
        rows = rows.copy()
        conv = {}
        for c in ("estimate", "ci_low", "ci_high"):
            if c in rows:
                x = rows[c].astype(float)
                conv[c] = 100 * ((hi - x) if rev else (x - lo)) / (hi - lo)
        if rev and "ci_low" in conv and "ci_high" in conv:
            conv["ci_low"], conv["ci_high"] = conv["ci_high"], conv["ci_low"]
        for c, v in conv.items():
            rows[c] = v
        if "se" in rows:
            rows["se"] = 100 * rows["se"].astype(float) / (hi - lo)
        out.append(rows.assign(item_range=f"{lo:g}–{hi:g}" + (" reversed" if rev else "")))
    return pd.concat(out, ignore_index=True) if out else estimates.iloc[0:0]
