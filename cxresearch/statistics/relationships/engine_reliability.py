"""Reliability on an engine design: alpha and omega from aggregates of the items.

Cronbach's alpha, its Duhachek and Feldt intervals, standardized alpha, item-rest
correlations and omega are functions of the items' covariance (and correlation) matrix and
the number of rows, so :func:`cxresearch.reliability` needs no rows: three aggregate passes
over the engine table give what the in-memory route computes from them —

0. per item: infinite values, answers, smallest and largest answer (all rows and complete
   rows), per pair the rows answering both, and the smallest and largest weight (the
   in-memory route's checks, reverse keying ``min + max - x`` and the weighted/unweighted
   choice);
1. and 2. :func:`cxresearch.sampling.moments.pairwise_cross_products`: per pair of items the
   rows answering both (``missing="pairwise"``) or every item (``"listwise"``), their
   weighted means, then the centred cross-products — the covariances of
   ``pandas.DataFrame.cov`` / ``psych::alpha`` (unweighted) or the weighted ones.

The unweighted/weighted choice compares the smallest and largest weight of the rows used
(the in-memory route compares every weight with the first row's, ``np.allclose``; the two
agree unless the weights differ by about 1e-5 relative).

Examples
--------
>>> import numpy as np, pandas as pd, ibis, cxresearch as cx
>>> rng = np.random.default_rng(1)
>>> t = rng.normal(size=(300, 1))
>>> df = pd.DataFrame(np.round(3 + t + rng.normal(size=(300, 4))), columns=list("abcd"))
>>> eng = cx.Design(ibis.memtable(df))
>>> a = cx.reliability(eng, list("abcd"), omega=False).alpha
>>> bool(abs(a - cx.reliability(df, list("abcd"), omega=False).alpha) < 1e-12)
True
>>> # In R: psych::alpha(df)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.moments import pairwise_cross_products

__all__ = ["engine_moments"]


def _check_type(eng, name) -> None:
    """The in-memory route's type checks (``_numeric_item``), from the DataFrame's dtypes
    when the design was built from one, else from the engine's column types."""
    dt = eng.dtypes.get(name)
    if isinstance(dt, pd.CategoricalDtype):
        cats = dt.categories
        if not pd.api.types.is_numeric_dtype(cats.dtype) or pd.api.types.is_bool_dtype(
                cats.dtype):
            raise TypeError(f"items must be numeric; {name!r} is a categorical of "
                            f"{list(cats)[:8]} (code it as numbers first)")
        return
    if dt is not None:
        if pd.api.types.is_bool_dtype(dt) or not pd.api.types.is_numeric_dtype(dt):
            raise TypeError(f"items must be numeric; {name!r} has dtype {dt}")
        return
    typ = eng.table[name].type()
    if typ.is_boolean() or not typ.is_numeric():
        raise TypeError(f"items must be numeric; {name!r} has dtype {typ}")


def _scan(eng, items):
    """Pass 0: what the checks, the reverse keying and the weighting choice need."""
    import ibis

    t = eng.table.mutate(__w=eng._weight_expr())
    xs = [t[c].cast("float64") for c in items]
    pres = [(x.notnull() & ~x.isnan()).fill_null(False) for x in xs]
    allp = ibis.literal(True)
    for p_ in pres:
        allp = allp & p_
    allp = allp.fill_null(False)
    k = len(items)
    # 0/1 indicators as columns: the pair counts are sums of products (no filters)
    t = t.mutate(__all=allp, **{f"__p{i}": pres[i].cast("float64") for i in range(k)})
    P = [t[f"__p{i}"] for i in range(k)]
    agg = {"__wlo": t["__w"].min(), "__whi": t["__w"].max(),
           "__cwlo": t["__w"].min(where=t["__all"]), "__cwhi": t["__w"].max(where=t["__all"])}
    for i, c in enumerate(items):
        x = t[c].cast("float64")
        agg[f"__inf{i}"] = x.isinf().fill_null(False).cast("int64").sum()
        agg[f"__lo{i}"] = x.min(where=P[i] > 0)
        agg[f"__hi{i}"] = x.max(where=P[i] > 0)
        agg[f"__clo{i}"] = x.min(where=t["__all"])
        agg[f"__chi{i}"] = x.max(where=t["__all"])
        for j in range(i, k):
            agg[f"__n{i}_{j}"] = (P[i] * P[j]).sum() if j > i else P[i].sum()
    r = t.aggregate(**agg).to_pyarrow().to_pylist()[0]
    n = np.array([[r[f"__n{min(i, j)}_{max(i, j)}"] for j in range(k)] for i in range(k)])

    def arr(name):
        return np.array([np.nan if r[f"{name}{i}"] is None else r[f"{name}{i}"]
                         for i in range(k)], dtype=float)

    return {"inf": [int(r[f"__inf{i}"] or 0) for i in range(k)], "both": n.astype(float),
            "lo": arr("__lo"), "hi": arr("__hi"), "clo": arr("__clo"), "chi": arr("__chi"),
            "w": (r["__wlo"], r["__whi"]), "cw": (r["__cwlo"], r["__cwhi"])}


def _check(items, count, lo, hi, both, reversed_=None) -> None:
    """``reliability._check_items`` from counts and ranges (same messages, same order)."""
    for j, it in enumerate(items):
        if count[j] < 2:
            raise ValueError(f"item {it!r} has {int(count[j])} non-missing answer(s); "
                             "reliability needs at least two per item (drop the item)")
        if lo[j] == hi[j]:
            v = lo[j] if reversed_ is None else reversed_(j, lo[j])
            raise ValueError(f"item {it!r} is constant (every answer is {v:g}); its "
                             "variance is 0, so alpha and item correlations are undefined "
                             "(drop the item)")
    few = [(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items))
           if both[i, j] < 2]
    if few:
        raise ValueError(f"item pair(s) {few[:5]} have fewer than two respondents answering "
                         "both; their covariance is undefined (use missing='pairwise' only "
                         "with overlapping items)")


def _constant(lo, hi) -> bool:
    """``np.allclose(w, w[0])`` from the smallest and largest weight."""
    if lo is None or hi is None:
        return True
    return bool(hi - lo <= 1e-8 + 1e-5 * abs(lo))


def engine_moments(eng, items, keys, missing) -> dict:
    """What ``reliability._moments`` gives, from aggregates of an engine design."""
    import ibis

    for c in items:
        _check_type(eng, c)
    s = _scan(eng, items)
    for c, k in zip(items, s["inf"], strict=True):
        if k:
            raise ValueError(f"item {c!r} has infinite values; declare them missing first")
    _check(items, np.diag(s["both"]), s["lo"], s["hi"], s["both"])
    lo, hi = float(np.nanmin(s["lo"])), float(np.nanmax(s["hi"]))
    rev = np.array([c in keys for c in items])

    def flip(j, v):
        return lo + hi - v if rev[j] else v

    n = eng.n
    wlo, whi = s["cw"] if missing == "listwise" else s["w"]
    weighted = not _constant(wlo, whi)
    m = pairwise_cross_products(
        eng, items, mode=missing, unit_weights=not weighted,
        transform=lambda j, x: (ibis.literal(lo + hi) - x) if rev[j] else x)
    ncomp = m["n_complete"]
    if missing == "listwise":
        nsub = ncomp
        how = f"listwise: {n - ncomp} incomplete row(s) left out, {nsub} used"
        k = len(items)
        _check(items, np.full(k, ncomp), s["clo"], s["chi"], np.full((k, k), ncomp),
               reversed_=flip)
    else:
        nsub = n
        how = (f"pairwise: covariances from pairwise-complete answers; {n - ncomp} row(s) "
               "have at least one missing item")
    W, W2 = m["W"], m["W2"]
    with np.errstate(invalid="ignore", divide="ignore"):
        C = m["C"] / (W - W2 / W)
        corr = m["C"] / np.sqrt(m["SS"] * m["SS"].T)
        sd = np.sqrt(m["ss"] / (m["count"] - 1))
    return {"C": C, "weighted": weighted, "nsub": nsub, "how": how, "rev": rev,
            "corr": None if weighted else corr, "item_n": m["count"].astype(np.int64),
            "item_mean": m["mean"], "item_sd": sd, "npos": m["npos"]}
