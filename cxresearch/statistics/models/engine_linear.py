"""Design-based linear regression on an engine design from weighted cross-products.

``regress(engine_design, "aht ~ tenure + channel")`` with a continuous variable cannot use the
cell aggregate (as many cells as rows); a linear model needs only ``XᵀWX`` and ``XᵀWy`` (pass
1) and the PSU totals of the scores ``w x (y − xᵀβ)`` (pass 2), computed in the engine by
:func:`cxresearch.sampling.sums.linear_by_sums`. This module turns them into the same
:class:`~cxresearch.statistics.models.regression.RegressionResult` (coefficients, vcov, stats,
method text) as the in-memory route; ``predict`` and ``marginal_effects`` need the rows and
are not available on it. Formulas are sums of columns (``y ~ a + b + c``); numeric and
boolean columns enter as they are, text and categorical columns as treatment dummies.

Examples
--------
>>> import numpy as np, pandas as pd, ibis, cxresearch as cx
>>> d = pd.DataFrame({"y": np.arange(8.0) ** 1.5, "x": np.arange(8.0), "w": [1.0, 2] * 4})
>>> des = cx.Design(ibis.memtable(d), weights="w", max_cells=2)
>>> fit = cx.regress(des, "y ~ x")
>>> fit.coefficients["term"].tolist()
['(Intercept)', 'x']
>>> # In R: svyglm(y ~ x, svydesign(ids=~1, weights=~w, data=d))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.sums import linear_by_sums
from cxresearch.statistics.models.frame import (
    prepare_column,
    refuse_collinear,
    split_formula,
)
from cxresearch.statistics.models.inference import coefficient_frame

__all__ = ["coding_text", "engine_terms", "interval_df", "linear_on_engine"]


def _check_gram(G: np.ndarray, names: list[str]) -> None:
    """``frame.check_matrix`` from the weighted Gram matrix alone (the rows stay in the
    engine): constant predictors, then collinear columns, with the same messages."""
    sw = G[0, 0]
    m = G[0] / sw
    var = np.diag(G) / sw - m**2
    for j in np.flatnonzero(var <= 1e-10 * np.maximum(m**2, 1e-300)):
        if j > 0:
            raise ValueError(f"predictor column {names[j]!r} is constant ({m[j]:g}) in "
                             "the rows used; drop it (a constant cannot be estimated next "
                             "to the intercept)")
    refuse_collinear(G, names)


def engine_terms(d, outcome, predictors, reference, *, numeric_outcome: bool = True):
    """The model-matrix columns of ``outcome ~ a + b + …`` on an engine design's rows:
    ``(yname, terms, names, refs, ordered)`` — numeric and boolean columns as they are, text
    and categorical columns as treatment dummies (their levels read by one ``DISTINCT``)."""
    stub = pd.DataFrame(columns=d.columns)
    yname, rhs = split_formula(outcome, predictors, stub)
    parts = [x.strip().strip("`") for x in rhs.split("+")]
    if any(not x or x not in d.columns for x in parts):
        raise ValueError(f"on an engine design a model with a continuous variable takes a sum "
                         f"of columns ('y ~ a + b'), got {rhs!r}; transforms and interactions "
                         "need the rows: fit them on design.sample(n)")
    if numeric_outcome and not d.table[yname].type().is_numeric() and \
            not d.table[yname].type().is_boolean():
        raise TypeError(f"outcome {yname!r} is not numeric (dtype {d.table[yname].type()})")
    reference = dict(reference or {})
    bad_ref = [k for k in reference if k not in parts]
    if bad_ref:
        raise ValueError(f"reference names {bad_ref}, which are not predictors ({parts})")
    terms, names, refs, ordered = [], ["(Intercept)"], {}, []
    for v in parts:
        typ = d.table[v].type()
        if (typ.is_numeric() or typ.is_boolean()) and v not in reference and not isinstance(
                d.dtypes.get(v), pd.CategoricalDtype):
            terms.append(("num", v))
            names.append(v)
            continue
        vals = d.table.select(v).distinct().to_pyarrow().column(v).to_pandas()
        dt = d.dtypes.get(v)
        if isinstance(dt, pd.CategoricalDtype):
            vals = vals.astype(dt)
        _, levels, is_ord = prepare_column(vals, v, reference.get(v))
        if len(levels) < 2:
            raise ValueError(f"predictor {v!r} has fewer than two levels ({levels})")
        refs[v] = f"{v}={levels[0]}"
        if is_ord:
            ordered.append(v)
        for lv in levels[1:]:
            terms.append(("dummy", v, lv))
            names.append(f"{v}[T.{lv}]")
    return yname, terms, names, refs, ordered


def coding_text(refs: dict, ordered: list) -> str:
    """How the categorical predictors were coded, for the method text."""
    ref_list = [refs[v] for v in sorted(refs)]
    coding = (f"treatment (dummy) coding against reference {', '.join(ref_list)}"
              if ref_list else "")
    if ordered:
        coding += f" (ordered {sorted(ordered)} dummy-coded too; R would use polynomial " \
                  "contrasts)"
    return coding


def interval_df(ddf, design_df: int, k: int) -> tuple[float, float]:
    """``(df of intervals and tests, residual df)`` as ``regress``'s ``ddf`` option says."""
    df_resid = design_df + 1 - k
    if isinstance(ddf, str) and ddf not in ("design", "residual"):
        raise ValueError(f"ddf must be 'design', 'residual' or a number, got {ddf!r}")
    df_ci = {"design": design_df, "residual": df_resid}.get(ddf, ddf) \
        if isinstance(ddf, str) else float(ddf)
    if df_resid <= 0:
        raise ValueError(f"the design has {design_df} degrees of freedom, too few for "
                         f"{k} coefficients")
    return float(df_ci), float(df_resid)


def linear_on_engine(d, outcome, predictors, *, reference, conf_level, ddf, result_cls,
                     exponentiate=False):
    """The gaussian ``regress`` of an engine design (see the module notes)."""
    yname, terms, names, refs, ordered = engine_terms(d, outcome, predictors, reference)
    r = linear_by_sums(d, yname, terms, check=lambda A: _check_gram(A, names))
    k, n = r["k"], r["n"]
    b, V, design_df = r["beta"], r["V"], r["design_df"]
    df_ci, df_resid = interval_df(ddf, design_df, k)
    sum_w = r["sum_w"]
    dispersion = r["rss"] / sum_w * n / (n - 1)
    meth = (f"design-weighted linear (identity) regression, linearization (sandwich) SE as "
            f"svyglm, t with {df_ci:g} df")
    coding = coding_text(refs, ordered)
    if coding:
        meth += "; " + coding
    coef = coefficient_frame(names, b, V, df_ci, meth, "gaussian", conf_level, exponentiate)
    st = {"n": n, "n_dropped": r["n_dropped"], "sum_w": sum_w, "k": k,
          "df_residual": float(df_resid), "design_df": design_df, "dispersion": dispersion,
          "r2": 1 - r["rss"] / r["sst"], "deviance": r["rss"], "null_deviance": r["sst"],
          "loglik": None, "aic": None, "outcome": yname}
    return result_cls(coefficients=coef, vcov=pd.DataFrame(V, index=names, columns=names),
                      stats=st, family="gaussian", method=meth, params=b, _spec=None,
                      _frame=None, _w=None, _prep={}, _conf=conf_level, _df_ci=float(df_ci))
