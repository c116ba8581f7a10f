"""Design-based logistic and Poisson regression on an engine design with a continuous variable.

``regress(engine_design, "repeat ~ handle_minutes + channel", family="binomial")`` cannot use
the cell aggregate (a continuous predictor has as many values as rows). The fit needs one
aggregate pass per Newton iteration and the sandwich one pass of per-PSU score totals
(:func:`cxresearch.sampling.glm_sums.glm_by_sums`); this module turns them into the
:class:`~cxresearch.statistics.models.regression.RegressionResult` of the in-memory route
(coefficients, odds or rate ratios on request, vcov, deviances, dispersion, method text).
Formulas are sums of columns, as for the linear model on an engine design
(:mod:`~cxresearch.statistics.models.engine_linear`); ``predict`` and ``marginal_effects``
need the rows and are not available.

Examples
--------
>>> import numpy as np, pandas as pd, ibis, cxresearch as cx
>>> rng = np.random.default_rng(2)
>>> d = pd.DataFrame({"x": rng.normal(size=400), "w": rng.uniform(1, 2, 400)})
>>> d["y"] = (rng.random(400) < 1 / (1 + np.exp(-d["x"]))).astype(float)
>>> fit = cx.regress(cx.Design(ibis.memtable(d), weights="w", max_cells=2), "y ~ x",
...                  family="binomial")
>>> fit.coefficients["term"].tolist()
['(Intercept)', 'x']
>>> # In R: svyglm(y ~ x, svydesign(ids=~1, weights=~w, data=d), family=quasibinomial())
"""

from __future__ import annotations

import warnings

import pandas as pd

from cxresearch.errors import ConvergenceWarning
from cxresearch.sampling.glm_sums import glm_by_sums
from cxresearch.statistics.models.engine_linear import (
    _check_gram,
    coding_text,
    engine_terms,
    interval_df,
)
from cxresearch.statistics.models.inference import FAMILY_TEXT, coefficient_frame

__all__ = ["glm_on_engine"]


def glm_on_engine(d, outcome, predictors, *, family, reference, conf_level, ddf, event,
                  exponentiate, maxiter, result_cls):
    """The binomial or Poisson ``regress`` of an engine design (see the module notes)."""
    yname, terms, names, refs, ordered = engine_terms(d, outcome, predictors, reference,
                                                      numeric_outcome=event is None)
    if event is not None and family != "binomial":
        raise ValueError(f"event= is for family='binomial', got family={family!r}")
    r = glm_by_sums(d, yname, terms, family, event=event, maxiter=maxiter,
                    check=lambda A: _check_gram(A, names), names=names)
    if not r["converged"]:
        warnings.warn(f"regress: the {family} model did not converge in {maxiter} IRLS "
                      "iterations (raise maxiter=); its estimates are not maximum-likelihood "
                      "estimates", ConvergenceWarning, stacklevel=3)
    k, n = r["k"], r["n"]
    b, V, design_df = r["beta"], r["V"], r["design_df"]
    df_ci, df_resid = interval_df(ddf, design_df, k)
    sum_w = r["sum_w"]
    # summary.svyglm: weighted mean of squared Pearson residuals times n / (n - 1)
    dispersion = r["pearson"] / sum_w * n / (n - 1)
    meth = (f"design-weighted {FAMILY_TEXT[family]} regression, linearization (sandwich) SE as "
            f"svyglm, t with {df_ci:g} df, quasi-likelihood")
    coding = coding_text(refs, ordered)
    if coding:
        meth += "; " + coding
    coef = coefficient_frame(names, b, V, df_ci, meth, family, conf_level, exponentiate)
    st = {"n": n, "n_dropped": r["n_dropped"], "sum_w": sum_w, "k": k,
          "df_residual": float(df_resid), "design_df": design_df, "dispersion": dispersion,
          "deviance": r["deviance"], "null_deviance": r["null_deviance"],
          "loglik": None, "aic": None, "outcome": yname, "iterations": r["iterations"]}
    return result_cls(coefficients=coef, vcov=pd.DataFrame(V, index=names, columns=names),
                      stats=st, family=family, method=meth, params=b, _spec=None,
                      _frame=None, _w=None, _prep={}, _conf=conf_level, _df_ci=float(df_ci))
