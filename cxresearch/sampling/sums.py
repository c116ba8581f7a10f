"""Means and totals of a continuous variable on an engine design, from per-PSU sums.

When a variable takes too many distinct values for the cell aggregate of
:meth:`~cxresearch.sampling.engine.EngineDesign.collapse` (handle times, spend), a weighted
mean or total still needs only sums, in two passes over the data:

1. per (stratum, PSU, domain): ``Σw``, ``Σw·y``, counts (valid rows, rows with ``w > 0``);
   the domain estimates ``m_g = Σw·y / Σw`` follow;
2. per (stratum, PSU, domain), with ``m_g`` joined in: ``Σw(y − m_g)`` (the PSU totals of the
   mean's score, centred, so nothing cancels), ``Σw(y − m_g)²`` (the SRS variance for the
   design effect) and, when every row is its own PSU, ``Σw²(y − m_g)²``, ``Σw²(y − m_g)`` and
   ``Σw²`` per stratum.

The PSU totals then go through :mod:`cxresearch.sampling.variance`, the code of the in-memory
route. The result is one dict per domain in the layout of
``cxresearch.statistics.estimates.domains.ratio_estimates``.

Examples
--------
>>> import pandas as pd, ibis
>>> from cxresearch.sampling.engine import EngineDesign
>>> d = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2]})
>>> gt, res = ratio_by_sums(EngineDesign(ibis.memtable(d), weights="w"), "y", None)
>>> round(float(res[0]["est"][0]), 12)
2.833333333333
>>> # In R: svymean(~y, svydesign(ids=~1, weights=~w, data=d))
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxresearch.errors import SingleRespondentWarning
from cxresearch.sampling.variance import average_factor, psu_variance, stratum_scales

__all__ = ["linear_by_sums", "ratio_by_sums", "score_meat", "used_df"]


def refuse_calibrated(eng, what: str) -> None:
    """The per-PSU sums route has no calibration residuals: refuse a raked engine design."""
    if getattr(eng, "has_calibration", False):
        raise ValueError(
            f"{what} on a raked engine design is not pushed down: the variable has more "
            f"distinct values than max_cells={eng.max_cells}, and the per-PSU sums route has "
            "no calibration residuals. Round or bin the variable at the source (the cell "
            "route is exact after raking), raise max_cells, or rake an explicit sample")


def _label(gtable: pd.DataFrame, g: int) -> str:
    return ", ".join(f"{c}={gtable.iloc[g][c]!r}" for c in gtable.columns) or "the whole sample"


def ratio_by_sums(eng, var: str, by, *, total: bool = False, what: str | None = None):
    """``(gtable, results)`` of a weighted mean (or total) of ``var`` in each ``by`` domain."""
    import ibis

    refuse_calibrated(eng, f"a mean or total of {var!r}")
    what = what or f"value of {var!r}"
    bys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    for c in [var, *bys]:
        if not isinstance(c, str) or c not in eng.table.columns:
            raise ValueError(f"{c!r} is not a column of the design's data")
    if not eng.table[var].type().is_numeric():
        raise TypeError(f"var={var!r} is not numeric (dtype {eng.table[var].type()})")
    s, p = eng.spec["strata"], eng.spec["psu"]
    dkeys = list(dict.fromkeys(c for c in (s, p) if c is not None))
    t = eng.table.mutate(__w=eng._weight_expr())
    y = t[var].cast("float64")
    bad = t.filter(y.isinf()).count().to_pyarrow().as_py()
    if bad:
        raise ValueError(f"{var!r} has {bad} infinite value(s); recode them as missing if that "
                         "is what they mean")
    valid = (y.notnull() & ~y.isnan()).fill_null(False)
    t = t.mutate(__v=valid.cast("int64"), __y=ibis.ifelse(valid, y, 0.0))
    pos = (t["__w"] > 0).cast("int64")
    keys = list(dict.fromkeys(dkeys + bys))
    codes = eng._codes_table()

    def fetch(e):
        if codes is not None:
            e = e.join(codes, dkeys)
        return e.to_pyarrow().to_pandas()

    agg1 = dict(__nall=t.count(), __posall=pos.sum(), __n=t["__v"].sum(),
                __npos=(t["__v"] * pos).sum(), __W=(t["__w"] * t["__v"]).sum(),
                __W2=(t["__w"] * t["__w"] * t["__v"]).sum(),
                __S=(t["__w"] * t["__y"]).sum())
    a1 = fetch(t.group_by(keys).aggregate(**agg1) if keys else t.aggregate(**agg1))
    # domains: observed combinations of the by columns without a missing value, sorted
    if bys:
        ok = a1[bys].notna().all(axis=1).to_numpy()
        gt = a1.loc[ok, bys].drop_duplicates().sort_values(bys, kind="stable")
        gt = gt.reset_index(drop=True)
        for c in bys:
            dt = eng.dtypes.get(c)
            if isinstance(dt, pd.CategoricalDtype):
                gt[c] = pd.Categorical(gt[c], categories=dt.categories, ordered=dt.ordered)
        gidx = pd.MultiIndex.from_frame(gt[bys].astype(object))
        key1 = pd.MultiIndex.from_frame(a1[bys].astype(object))
        g1 = np.where(ok, gidx.get_indexer(key1), -1)
    else:
        gt = pd.DataFrame(index=[0])
        g1 = np.zeros(len(a1), dtype=np.intp)
    G = len(gt)
    m1 = g1 >= 0
    nn = np.bincount(g1[m1], weights=a1["__n"].to_numpy(float)[m1], minlength=G)
    npos = np.bincount(g1[m1], weights=a1["__npos"].to_numpy(float)[m1], minlength=G)
    Wd = np.bincount(g1[m1], weights=a1["__W"].to_numpy(float)[m1], minlength=G)
    Sd = np.bincount(g1[m1], weights=a1["__S"].to_numpy(float)[m1], minlength=G)
    W2d = np.bincount(g1[m1], weights=a1["__W2"].to_numpy(float)[m1], minlength=G)
    for g in range(G):
        if nn[g] == 0 or npos[g] == 0:
            raise ValueError(f"empty domain: no respondent with a valid {what} in "
                             f"{_label(gt, g)}")
    m = Sd / Wd                                       # domain means (centre of pass 2)

    # pass 2: centred sums, m_g joined in by domain
    row_psu = p is None
    tv = t.filter(t["__v"] == 1)
    if bys:
        mt = gt.copy()
        for c in bys:
            if isinstance(mt[c].dtype, pd.CategoricalDtype):
                mt[c] = mt[c].astype(object)
        mt["__m"] = m
        tv = tv.join(ibis.memtable(mt), bys)
        mc = tv["__m"]
    else:
        mc = ibis.literal(float(m[0]))
    r = tv["__y"] - mc
    wv = tv["__w"]
    agg2 = dict(__T1=(wv * r).sum(), __Q=(wv * r * r).sum())
    if row_psu:
        agg2.update(__R2=(wv * wv * r * r).sum(), __R2a=(wv * wv * r).sum(),
                    __R2b=(wv * wv).sum(), __W1=wv.sum())
    a2 = fetch(tv.group_by(keys).aggregate(**agg2) if keys else tv.aggregate(**agg2))
    if bys:
        g2 = gidx.get_indexer(pd.MultiIndex.from_frame(a2[bys].astype(object)))
    else:
        g2 = np.zeros(len(a2), dtype=np.intp)
    Q = np.bincount(g2, weights=a2["__Q"].to_numpy(float), minlength=G)

    # deff's SRS variance, as ratio_estimates
    ss = Q if total else Q / Wd**2
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(nn > 1, ss / Wd * (nn / (nn - 1)), np.nan)
    vsrs = s2 * (Wd**2 / nn)
    # without replacement only when the weights estimate a population clearly larger than the
    # sample, as estimates.domains.without_replacement
    if not eng.srs and eng.sum_w >= 2.0 * eng.n:
        vsrs = vsrs * np.where(Wd > nn * (1 + 1e-9), (Wd - nn) / Wd, 1.0)

    scale_h, centred = stratum_scales(eng._n_h, eng._f_h, eng._lonely_h, eng.lonely_psu)
    avg = average_factor(eng._lonely_h, eng.lonely_psu)
    H = len(eng.strata_levels)
    h2 = a2["__h"].to_numpy(np.intp) if s is not None else np.zeros(len(a2), np.intp)
    T1 = a2["__T1"].to_numpy(float)
    if not row_psu:
        # PSU totals of the score: mean (y - m)/W_d, total y = (y - m) + m
        tp = np.zeros((eng.n_psu, G))
        psu2 = a2["__psu"].to_numpy(np.intp)
        if total:
            # Σw·y per PSU and domain from pass 1 (the total's score is y itself)
            psu1 = a1["__psu"].to_numpy(np.intp)
            np.add.at(tp, (psu1[m1], g1[m1]), a1["__S"].to_numpy(float)[m1])
        else:
            np.add.at(tp, (psu2, g2), T1 / Wd[g2])
        var = np.diag(psu_variance(tp, eng._psu_stratum, eng._n_h, scale_h, centred, avg))
    else:
        R2, R2a, R2b = (a2[c].to_numpy(float) for c in ("__R2", "__R2a", "__R2b"))
        W1 = a2["__W1"].to_numpy(float)
        mg = m[g2]
        if total:   # t = w y = w (y - m) + w m
            tt = R2 + 2 * mg * R2a + mg * mg * R2b
            t1 = T1 + mg * W1
        else:
            tt = R2 / Wd[g2] ** 2
            t1 = T1 / Wd[g2]
        S2 = np.zeros((H, G))
        S1 = np.zeros((H, G))
        np.add.at(S2, (h2, g2), tt)
        np.add.at(S1, (h2, g2), t1)
        cf = np.where(centred, scale_h / np.maximum(eng._n_h, 1), 0.0)
        var = (scale_h @ S2 - cf @ (S1 * S1)) * avg
    est = Sd if total else m

    # domain df: PSUs (rows, when rows are PSUs) with a positive weight in the domain
    posall = a1["__posall"].to_numpy(float)

    def df_domain(g):
        sel = (g1 == g) & (posall > 0)
        if not sel.any():
            return 0
        if row_psu:
            hs = a1["__h"].to_numpy(np.intp)[sel] if s is not None else np.zeros(sel.sum())
            return int(posall[sel].sum() - len(np.unique(hs)))
        psus = np.unique(a1["__psu"].to_numpy(np.intp)[sel])
        return int(len(psus) - len(np.unique(eng._psu_stratum[psus])))

    out = []
    for g in range(G):
        v = np.array([var[g]])
        if nn[g] == 1:
            warnings.warn(f"only one respondent with a valid {what} in {_label(gt, g)}: its "
                          "standard error is undefined (NaN)", SingleRespondentWarning,
                          stacklevel=3)
            v[:] = np.nan
        out.append({"est": np.array([est[g]]), "var": v, "vsrs": np.array([vsrs[g]]),
                    "n": int(nn[g]), "df": eng.df,
                    # Kish's effective n of the domain's respondents, as ratio_estimates
                    "n_eff": float(Wd[g] ** 2 / W2d[g]) if W2d[g] > 0 else np.nan,
                    "df_domain": eng.df if not bys else (lambda g=g: df_domain(g)),
                    "V": None})
    return gt, out


def linear_by_sums(eng, yname: str, terms: list[tuple], check=None) -> dict:
    """Design-weighted least squares from weighted cross-products, in two passes.

    ``terms`` lists the model-matrix columns after the intercept: ``("num", col)`` (a numeric
    or boolean column as a float) or ``("dummy", col, level)`` (``col == level``). Rows
    missing the outcome or a predictor are left out (zero score, as ``svyglm``). Pass 1 sums
    ``w x xᵀ`` and ``w x y`` per PSU (per stratum when rows are PSUs) and gives
    ``β = (XᵀWX)⁻¹ XᵀWy``; pass 2, with ``β`` as literals, sums the scores ``w x (y − xᵀβ)``
    per PSU (and ``w² r² x xᵀ`` per stratum when rows are PSUs), ``Σ w r²`` and
    ``Σ w (y − ȳ)²``. The sandwich ``A⁻¹ V(scores) A⁻¹`` uses
    :mod:`cxresearch.sampling.variance`.
    """
    import ibis

    refuse_calibrated(eng, f"a linear regression of {yname!r}")
    s, p = eng.spec["strata"], eng.spec["psu"]
    dkeys = list(dict.fromkeys(c for c in (s, p) if c is not None))
    t = eng.table.mutate(__w=eng._weight_expr())
    y = t[yname].cast("float64")
    cols = [yname] + [tm[1] for tm in terms if tm[0] == "num"]
    for c in cols:
        bad = t.filter(t[c].cast("float64").isinf()).count().to_pyarrow().as_py()
        if bad:
            raise ValueError(f"column {c!r} has {bad} infinite value(s); recode them as "
                             "missing if that is what they mean")
    complete = y.notnull() & ~y.isnan()
    for tm in terms:
        x = t[tm[1]]
        complete &= x.notnull() & (~x.cast("float64").isnan() if tm[0] == "num" else True)
    complete = complete.fill_null(False)
    xs = [ibis.literal(1.0)]
    for tm in terms:
        x = t[tm[1]]
        xs.append(x.cast("float64") if tm[0] == "num" else
                  (x == tm[2]).cast("float64"))
    k = len(xs)
    t = t.mutate(__c=complete.cast("int64"),
                 **{f"__x{j}": ibis.ifelse(complete, xs[j], 0.0) for j in range(k)},
                 __y=ibis.ifelse(complete, y, 0.0))
    w, c = t["__w"], t["__c"]
    X = [t[f"__x{j}"] for j in range(k)]
    agg = {"__nok": (c * (w > 0).cast("int64")).sum(), "__ndrop": (1 - c).sum(),
           "__sy": (w * t["__y"]).sum(), "__syy": (w * t["__y"] * t["__y"]).sum()}
    for j in range(k):
        agg[f"__b{j}"] = (w * X[j] * t["__y"]).sum()
        for m in range(j, k):
            agg[f"__a{j}_{m}"] = (w * X[j] * X[m]).sum()
    codes = eng._codes_table()

    def fetch(e):
        if codes is not None:
            e = e.join(codes, dkeys)
        return e.to_pyarrow().to_pandas()

    a1 = fetch(t.group_by(dkeys).aggregate(**agg) if dkeys else t.aggregate(**agg))
    A = np.empty((k, k))
    for j in range(k):
        for m in range(j, k):
            A[j, m] = A[m, j] = a1[f"__a{j}_{m}"].sum()
    bvec = np.array([a1[f"__b{j}"].sum() for j in range(k)])
    n = int(a1["__nok"].sum())
    n_dropped = int(a1["__ndrop"].sum())
    sum_w = float(A[0, 0])
    if n == 0:
        raise ValueError("no complete rows: every row misses the outcome or a predictor")
    if n <= k:
        raise ValueError(f"{n} complete rows for {k} coefficients; need more rows")
    ybar = float(a1["__sy"].sum()) / sum_w
    # a constant outcome (only a test against zero: the one-pass variance is not used)
    if float(a1["__syy"].sum()) / sum_w - ybar**2 <= 1e-12 * max(ybar**2, 1e-300):
        raise ValueError(f"outcome {yname!r} is constant ({ybar:g}) in the rows used")
    if check is not None:
        check(A)
    beta = np.linalg.solve(A, bvec)

    # pass 2: residuals with beta as literals
    tc = t.filter(t["__c"] == 1)
    r = tc["__y"] - sum((tc[f"__x{j}"] * float(beta[j]) for j in range(k)),
                        ibis.literal(0.0))
    wc = tc["__w"]
    agg2 = {"__rss": (wc * r * r).sum(), "__sst": (wc * (tc["__y"] - ybar) ** 2).sum()}
    for j in range(k):
        agg2[f"__t{j}"] = (wc * tc[f"__x{j}"] * r).sum()
    row_psu = p is None
    if row_psu:
        for j in range(k):
            for m in range(j, k):
                agg2[f"__m{j}_{m}"] = (wc * wc * r * r * tc[f"__x{j}"] * tc[f"__x{m}"]).sum()
    a2 = fetch(tc.group_by(dkeys).aggregate(**agg2) if dkeys else tc.aggregate(**agg2))
    meat = score_meat(eng, a2, k)
    Ainv = np.linalg.inv(A)
    design_df = used_df(eng, a1, n)
    return {"beta": beta, "V": Ainv @ meat @ Ainv, "A": A, "n": n, "n_dropped": n_dropped,
            "sum_w": sum_w, "rss": float(a2["__rss"].sum()), "sst": float(a2["__sst"].sum()),
            "design_df": design_df, "k": k}


def score_meat(eng, a2: pd.DataFrame, k: int) -> np.ndarray:
    """The covariance of the PSU totals of model scores from a per-PSU aggregate ``a2``.

    ``a2`` holds, per (stratum, PSU), the score sums ``__t0..__t{k-1}`` and the design codes
    (``__psu``, ``__h``); when every row is its own PSU, per stratum, the sums of the scores'
    squares and cross-products ``__m{j}_{m}`` instead. The variance code is the in-memory
    route's (:mod:`cxresearch.sampling.variance`).
    """
    s, p = eng.spec["strata"], eng.spec["psu"]
    T = a2[[f"__t{j}" for j in range(k)]].to_numpy(float)
    scale_h, centred = stratum_scales(eng._n_h, eng._f_h, eng._lonely_h, eng.lonely_psu)
    avg = average_factor(eng._lonely_h, eng.lonely_psu)
    H = len(eng.strata_levels)
    if p is not None:
        tp = np.zeros((eng.n_psu, k))
        np.add.at(tp, a2["__psu"].to_numpy(np.intp), T)
        return psu_variance(tp, eng._psu_stratum, eng._n_h, scale_h, centred, avg)
    h2 = a2["__h"].to_numpy(np.intp) if s is not None else np.zeros(len(a2), np.intp)
    meat = np.zeros((k, k))
    S1 = np.zeros((H, k))
    np.add.at(S1, h2, T)
    for j in range(k):
        for m in range(j, k):
            v = float(scale_h[h2] @ a2[f"__m{j}_{m}"].to_numpy(float))
            meat[j, m] = meat[m, j] = v
    cf = np.where(centred, scale_h / np.maximum(eng._n_h, 1), 0.0)
    return (meat - (S1 * cf[:, None]).T @ S1) * avg


def used_df(eng, a1: pd.DataFrame, n: int) -> int:
    """The design df of the rows a model used: PSUs (rows, when rows are PSUs) with a usable
    row, minus their strata; the design's df when every row was used. ``a1`` is a per-PSU
    aggregate with the usable rows in ``__nok``."""
    if n >= eng.n:
        return eng.df
    s = eng.spec["strata"]
    nok = a1["__nok"].to_numpy(float)
    sel = nok > 0
    if eng.spec["psu"] is None:
        hs = a1["__h"].to_numpy(np.intp)[sel] if s is not None else np.zeros(int(sel.sum()))
        return int(nok[sel].sum() - len(np.unique(hs)))
    psus = np.unique(a1["__psu"].to_numpy(np.intp)[sel])
    return int(len(psus) - len(np.unique(eng._psu_stratum[psus])))
