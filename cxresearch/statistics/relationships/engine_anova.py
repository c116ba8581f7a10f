"""The classical one-way ANOVA F of a simple random sample whose rows stay in an engine.

The wave report tests segments of an unweighted wave (no weights, strata or PSUs) with the
classical one-way ANOVA F, as ``oneway.test(var.equal = TRUE)``. On an engine design the F
needs only per-group counts, means and within-group sums of squares: two ``GROUP BY`` passes
(the group means first, then the squared deviations from them, so that no sum of squares is
computed as a difference of large numbers). Nothing here is weighted: a design with weights,
strata or PSUs is tested by the design-based Wald F of ``regress`` instead.

Examples
--------
>>> import ibis, pandas as pd, cxresearch as cx
>>> df = pd.DataFrame({"y": [1., 2, 3, 4, 5, 6, 7, 8, 9], "g": list("aaabbbccc")})
>>> round(anova_on_engine(cx.Design(ibis.memtable(df)), "y", "g")["statistic"], 3)
27.0
>>> # In R: oneway.test(y ~ g, df, var.equal = TRUE)
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["anova_on_engine"]


def anova_on_engine(eng, value: str, group: str) -> dict:
    """One-way ANOVA F of ``value`` across the levels of ``group`` on an engine design's rows
    (respondents with both answered; unweighted).

    Parameters
    ----------
    eng : EngineDesign
        Rows in DuckDB, Spark or files; must be a simple random sample (``eng.srs``).
    value, group : str
        Column names: a numeric outcome and the grouping column.

    Returns
    -------
    dict
        ``statistic, df1, df2, p_value, n, groups`` (``groups``: number of levels used).

    Raises
    ------
    ValueError
        The design has weights, strata, PSUs or fpc (use the design-based test), a column is
        missing, fewer than two groups have answers, or no residual degrees of freedom.

    Examples
    --------
    >>> # In R: anova(lm(y ~ g, d)) or oneway.test(y ~ g, d, var.equal = TRUE)
    """
    if not getattr(eng, "srs", False):
        raise ValueError("anova_on_engine is for a simple random sample; a design with weights, "
                         "strata, PSUs or fpc is tested by regress(...).wald_test()")
    for arg, c in (("value", value), ("group", group)):
        if not isinstance(c, str) or c not in eng.columns:
            raise ValueError(f"{arg}={c!r} is not a column of the design's data")
    t = eng.table
    y = t[value].cast("float64")
    ok = y.notnull() & ~y.isnan().fill_null(True) & t[group].notnull()
    sub = t.filter(ok).mutate(__y=y)
    g1 = sub.group_by(group).aggregate(__n=lambda s: s.count(), __m=lambda s: s["__y"].mean())
    first = g1.to_pyarrow().to_pandas()
    k = len(first)
    n = float(first["__n"].sum()) if k else 0.0
    if k < 2:
        raise ValueError(f"{group!r} has answers in {k} group(s) among respondents who answered "
                         f"{value!r}; a comparison needs at least two")
    if n - k < 1:
        raise ValueError(f"{int(n)} respondents in {k} groups leave no residual degrees of "
                         "freedom for the ANOVA")
    # pass 2: deviations from a shift near the grand mean (group differences without
    # cancellation) and squared deviations from each group's mean
    shift = float(np.sum(first["__n"].to_numpy(float) * first["__m"].to_numpy(float)) / n)
    j = sub.join(g1, group)
    g2 = j.group_by(group).aggregate(__n=lambda s: s["__n"].max(),
                                     __d=lambda s: (s["__y"] - shift).sum(),
                                     __ss=lambda s: ((s["__y"] - s["__m"]) ** 2).sum())
    out = g2.to_pyarrow().to_pandas()
    ng = out["__n"].to_numpy(float)
    dg = out["__d"].to_numpy(float) / ng          # group mean - shift
    grand = float(np.sum(ng * dg) / n)
    ssb = float(np.sum(ng * (dg - grand) ** 2))
    ssw = float(out["__ss"].sum())
    df1, df2 = k - 1.0, n - k
    if ssw <= 0:
        raise ValueError(f"{value!r} does not vary within the groups of {group!r}; the F "
                         "statistic is undefined")
    f = (ssb / df1) / (ssw / df2)
    return {"statistic": f, "df1": df1, "df2": df2, "p_value": float(stats.f.sf(f, df1, df2)),
            "n": int(n), "groups": k}
