"""Weighted means and centred cross-products of numeric columns on an engine design.

What covariance-based estimators (key-driver importances, reliability) need from rows that
stay in the engine, in two aggregate passes, so that nothing cancels:

1. counts, ``Σw``, ``Σw²``, ``Σw·x`` (and the smallest and largest value) over the rows used;
   the weighted means ``c = Σw·x / Σw`` follow;
2. with ``c`` as literals, ``Σ w (x_j − c_j)(x_m − c_m)`` — once for the whole table, or per
   PSU (the PSU totals a bootstrap of the cross-products resamples).

:func:`complete_cross_products` uses the rows where every column is present (listwise);
:func:`pairwise_cross_products` each pair's rows where both are present, centred at that
pair's means (``psych::alpha``'s pairwise covariances, ``pandas.DataFrame.cov``). The
in-memory routes compute the same sums with numpy; the two agree to rounding (sums in another
order), not bit for bit.

Examples
--------
>>> import pandas as pd, ibis
>>> from cxresearch.sampling.engine import EngineDesign
>>> d = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 1, 4, 3], "w": [1.0, 1, 2, 2]})
>>> m = complete_cross_products(EngineDesign(ibis.memtable(d), weights="w"), ["x", "y"])
>>> m["centre"].round(6).tolist()
[2.833333, 2.833333]
>>> # In R: cov.wt(d[, c("x", "y")], wt = d$w, method = "ML")$center
"""

from __future__ import annotations

import numpy as np

__all__ = ["complete_cross_products", "infinite_counts", "pairwise_cross_products"]


def _num(v) -> float:
    """An aggregate's value as a float (an empty sum comes back as NULL)."""
    return 0.0 if v is None or (isinstance(v, float) and np.isnan(v)) else float(v)


def _present(x):
    return (x.notnull() & ~x.isnan()).fill_null(False)


def infinite_counts(eng, cols) -> dict:
    """``{column: number of ±inf values}`` in one aggregate (callers refuse them by name)."""
    t = eng.table
    agg = {f"__i{j}": t[c].cast("float64").isinf().fill_null(False).cast("int64").sum()
           for j, c in enumerate(cols)}
    row = t.aggregate(**agg).to_pyarrow().to_pylist()[0]
    return {c: int(_num(row[f"__i{j}"])) for j, c in enumerate(cols)}


def complete_cross_products(eng, cols, *, positive_weight: bool = True,
                            unit_weights: bool = False, per_psu: bool = False,
                            extra=None) -> dict:
    """Listwise sums of ``cols`` on an engine design (see the module notes).

    Parameters
    ----------
    eng : EngineDesign
    cols : list of str
        Numeric columns (the caller has checked their types and refused infinite values).
    positive_weight : bool
        Use only complete rows with a positive weight (key drivers); otherwise every complete
        row (reliability, whose unweighted route counts zero-weight rows too).
    unit_weights : bool
        Weight every row 1 (the classical, unweighted statistics).
    per_psu : bool
        Also return the cross-products per PSU (``psu_cross``, PSUs × (q+1)², in the design's
        PSU order; needs a PSU column).
    extra : dict, optional
        ``name -> function(table, used) -> ibis scalar`` added to the first pass.

    Returns
    -------
    dict
        ``n_all`` (rows), ``n_complete`` (rows with every column present), ``n`` (rows used),
        ``sum_w``, ``sum_w2``, ``centre`` (weighted means), ``lo``/``hi`` (smallest and largest
        value over the rows used), ``cross`` ((q+1) × (q+1): ``[1, x − centre]`` weighted
        cross-products), ``psu_cross`` (or None) and the ``extra`` values.
    """
    import ibis

    t = eng.table.mutate(__w=ibis.literal(1.0) if unit_weights else eng._weight_expr())
    xs = [t[c].cast("float64") for c in cols]
    complete = ibis.literal(True)
    for x in xs:
        complete = complete & _present(x)
    used = complete & (t["__w"] > 0) if positive_weight else complete
    used = used.fill_null(False)
    w = t["__w"]
    agg = {"__nall": t.count(), "__ncomp": complete.cast("int64").sum(),
           "__n": used.cast("int64").sum(), "__sw": w.sum(where=used),
           "__sw2": (w * w).sum(where=used)}
    for j, x in enumerate(xs):
        agg[f"__s{j}"] = (w * x).sum(where=used)
        agg[f"__lo{j}"] = x.min(where=used)
        agg[f"__hi{j}"] = x.max(where=used)
    for name, fn in (extra or {}).items():
        agg[name] = fn(t, used)
    r1 = t.aggregate(**agg).to_pyarrow().to_pylist()[0]
    q = len(cols)
    out = {"n_all": int(r1["__nall"]), "n_complete": int(_num(r1["__ncomp"])),
           "n": int(_num(r1["__n"])), "sum_w": _num(r1["__sw"]), "sum_w2": _num(r1["__sw2"]),
           "lo": np.array([r1[f"__lo{j}"] if r1[f"__lo{j}"] is not None else np.nan
                           for j in range(q)], dtype=float),
           "hi": np.array([r1[f"__hi{j}"] if r1[f"__hi{j}"] is not None else np.nan
                           for j in range(q)], dtype=float),
           "psu_cross": None}
    out.update({name: r1[name] for name in (extra or {})})
    sw = out["sum_w"]
    out["centre"] = (np.array([_num(r1[f"__s{j}"]) for j in range(q)]) / sw if sw > 0
                     else np.full(q, np.nan))
    if out["n"] == 0 or not sw > 0:
        out["cross"] = None
        return out
    # pass 2: centred cross-products of z = [1, x - centre] over the rows used
    tu = t.filter(used)
    z = [ibis.literal(1.0)] + [tu[c].cast("float64") - float(out["centre"][j])
                               for j, c in enumerate(cols)]
    wu = tu["__w"]
    agg2 = {f"__c{j}_{m}": (wu * z[j] * z[m]).sum() for j in range(q + 1)
            for m in range(j, q + 1)}
    if per_psu:
        s, p = eng.spec["strata"], eng.spec["psu"]
        if p is None:
            raise ValueError("per-PSU cross-products need a design with PSUs")
        keys = list(dict.fromkeys(c for c in (s, p) if c is not None))
        e = tu.group_by(keys).aggregate(**agg2).join(eng._codes_table(), keys)
        a2 = e.to_pyarrow().to_pandas()
        T = np.zeros((eng.n_psu, q + 1, q + 1))
        psu = a2["__psu"].to_numpy(np.intp)
        for j in range(q + 1):
            for m in range(j, q + 1):
                v = a2[f"__c{j}_{m}"].to_numpy(float)
                T[psu, j, m] = v
                T[psu, m, j] = v
        out["psu_cross"] = T.reshape(eng.n_psu, (q + 1) ** 2)
        out["cross"] = T.sum(0)
        return out
    r2 = tu.aggregate(**agg2).to_pyarrow().to_pylist()[0]
    M = np.empty((q + 1, q + 1))
    for j in range(q + 1):
        for m in range(j, q + 1):
            M[j, m] = M[m, j] = _num(r2[f"__c{j}_{m}"])
    out["cross"] = M
    return out


def pairwise_cross_products(eng, cols, *, mode: str = "pairwise", unit_weights: bool = False,
                            transform=None) -> dict:
    """Per pair of columns, the sums of the rows where both (or, listwise, all) are present.

    ``transform`` maps a column's ibis expression to the value used (reverse keying).
    Returns ``n``, ``W``, ``W2``, ``npos`` (q × q: rows, Σw, Σw², rows with ``w > 0`` per
    pair), ``C`` (q × q: Σ w (x_i −
    m_i)(x_j − m_j), each pair centred at its own weighted means) and ``SS`` (q × q: entry
    ``i, j`` is Σ w (x_i − m_i)² over the pair's rows), and per column over its own rows the
    unweighted ``count``, ``mean``, ``ss`` (Σ (x − mean)²), ``lo``, ``hi``.
    """
    import ibis

    if mode not in ("pairwise", "listwise"):
        raise ValueError(f"mode must be 'pairwise' or 'listwise', got {mode!r}")
    t = eng.table.mutate(__w=ibis.literal(1.0) if unit_weights else eng._weight_expr())
    q = len(cols)
    xs = [t[c].cast("float64") for c in cols]
    if transform is not None:
        xs = [transform(j, x) for j, x in enumerate(xs)]
    pres = [_present(x) for x in xs]
    allp = ibis.literal(True)
    for p_ in pres:
        allp = allp & p_
    allp = allp.fill_null(False)
    # 0/1 indicators and values filled with 0 where missing: the pair sums are then plain
    # products (no per-aggregate filters, which the engines evaluate far more slowly)
    own = [allp if mode == "listwise" else p_ for p_ in pres]
    t = t.mutate(__wpos=(t["__w"] > 0).cast("float64"),
                 **{f"__p{i}": own[i].cast("float64") for i in range(q)},
                 **{f"__x{i}": ibis.ifelse(own[i], xs[i], 0.0) for i in range(q)})
    w, wpos = t["__w"], t["__wpos"]
    P = [t[f"__p{i}"] for i in range(q)]
    X = [t[f"__x{i}"] for i in range(q)]

    def both(i, j):
        return P[i] if mode == "listwise" or i == j else P[i] * P[j]

    agg = {"__nrows": t.count(),
           "__ncomp": (P[0] if mode == "listwise" else allp.cast("float64")).sum()}
    for i in range(q):
        agg[f"__k{i}"] = P[i].sum()
        agg[f"__u{i}"] = X[i].sum()
        agg[f"__lo{i}"] = t[f"__x{i}"].min(where=own[i])
        agg[f"__hi{i}"] = t[f"__x{i}"].max(where=own[i])
        for j in range(i, q):
            b = both(i, j)
            agg[f"__n{i}_{j}"] = b.sum()
            agg[f"__W{i}_{j}"] = (w * b).sum()
            agg[f"__V{i}_{j}"] = (w * w * b).sum()
            agg[f"__P{i}_{j}"] = (wpos * b).sum()
            agg[f"__a{i}_{j}"] = (w * X[i] * P[j]).sum()
            agg[f"__b{i}_{j}"] = (w * X[j] * P[i]).sum()
    r1 = t.aggregate(**agg).to_pyarrow().to_pylist()[0]
    n, W, W2, npos = (np.zeros((q, q)) for _ in range(4))
    mi, mj = np.full((q, q), np.nan), np.full((q, q), np.nan)
    for i in range(q):
        for j in range(i, q):
            n[i, j] = n[j, i] = _num(r1[f"__n{i}_{j}"])
            W[i, j] = W[j, i] = _num(r1[f"__W{i}_{j}"])
            W2[i, j] = W2[j, i] = _num(r1[f"__V{i}_{j}"])
            npos[i, j] = npos[j, i] = _num(r1[f"__P{i}_{j}"])
            if W[i, j] > 0:
                mi[i, j] = _num(r1[f"__a{i}_{j}"]) / W[i, j]
                mj[i, j] = _num(r1[f"__b{i}_{j}"]) / W[i, j]
    count = np.array([_num(r1[f"__k{i}"]) for i in range(q)])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.array([_num(r1[f"__u{i}"]) for i in range(q)]) / count
    out = {"n": n, "W": W, "W2": W2, "npos": npos, "count": count, "mean": mean,
           "n_rows": int(r1["__nrows"]), "n_complete": int(_num(r1["__ncomp"])),
           "lo": np.array([np.nan if r1[f"__lo{i}"] is None else r1[f"__lo{i}"]
                           for i in range(q)], dtype=float),
           "hi": np.array([np.nan if r1[f"__hi{i}"] is None else r1[f"__hi{i}"]
                           for i in range(q)], dtype=float)}
    # pass 2: centred sums, each pair at its own means
    agg2 = {}
    lit = ibis.literal
    for i in range(q):
        if count[i] > 0:
            agg2[f"__ss{i}"] = (P[i] * (X[i] - lit(float(mean[i]))) ** 2).sum()
        for j in range(i, q):
            if not W[i, j] > 0:
                continue
            b = both(i, j)
            di = X[i] - lit(float(mi[i, j]))
            dj = X[j] - lit(float(mj[i, j]))
            wb = w * b
            agg2[f"__c{i}_{j}"] = (wb * di * dj).sum()
            agg2[f"__p{i}_{j}"] = (wb * di * di).sum()
            agg2[f"__q{i}_{j}"] = (wb * dj * dj).sum()
    r2 = t.aggregate(**agg2).to_pyarrow().to_pylist()[0] if agg2 else {}
    C, SS = np.full((q, q), np.nan), np.full((q, q), np.nan)
    for i in range(q):
        for j in range(i, q):
            if f"__c{i}_{j}" in r2:
                C[i, j] = C[j, i] = _num(r2[f"__c{i}_{j}"])
                SS[i, j] = _num(r2[f"__p{i}_{j}"])
                SS[j, i] = _num(r2[f"__q{i}_{j}"])
    out["C"], out["SS"] = C, SS
    out["ss"] = np.array([_num(r2.get(f"__ss{i}")) if count[i] > 0 else np.nan
                          for i in range(q)])
    return out
