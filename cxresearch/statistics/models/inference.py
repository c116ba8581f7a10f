"""Inference of :func:`cxresearch.regress` (private): the covariance of the coefficients
(the ``svyglm`` linearization sandwich under a design, model-based or HC0/HC1 otherwise), the
tidy coefficient table and the model statistics (n, df, dispersion, R², deviances, AIC).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxresearch.sampling.design import Design
from cxresearch.statistics.design.resolve import total_variance
from cxresearch.statistics.models.fitting import ModelData, ModelFit
from cxresearch.statistics.models.frame import dmu, pvalue

__all__: list[str] = []


FAMILY_TEXT = {"gaussian": "linear (identity)", "binomial": "logistic (logit)",
                "poisson": "Poisson (log)"}


def coefficient_variance(se, design, ddf, family, data: ModelData, fit: ModelFit) -> dict:
    """Covariance of the coefficients, the df of intervals and tests, and the method text.

    Under a design the linearization sandwich of ``svyglm`` (scores into the one variance
    engine, zero for rows left out); otherwise model-based or HC0/HC1 sandwich.
    """
    X, w, Ainv, resid, sum_w = fit.X, fit.w, fit.Ainv, fit.resid, fit.sum_w
    k = X.shape[1]
    n = data.n_used
    fam_txt = FAMILY_TEXT[family]
    if se == "design":
        V = Ainv @ _score_variance(design, data, fit) @ Ainv
        design_df = design.domain_df(data.ok) if n < data.n_rows else design.df
        df_resid = design_df + 1 - k
        df_ci = {"design": design_df, "residual": df_resid}.get(ddf, ddf) \
            if isinstance(ddf, str) else float(ddf)
        if df_resid <= 0:
            raise ValueError(f"the design has {design_df} degrees of freedom, too few for "
                             f"{k} coefficients")
        # summary.svyglm: weighted mean of squared Pearson residuals times n / (n - 1)
        pearson2 = resid**2 if family == "gaussian" else resid**2 / dmu(family, fit.eta)
        wp2 = float(w @ pearson2)   # gaussian: the residual sum of squares
        dispersion = wp2 / sum_w * n / (n - 1)
        meth = (f"design-weighted {fam_txt} regression, linearization (sandwich) SE as svyglm, "
                f"t with {df_ci:g} df" + (", quasi-likelihood" if family != "gaussian" else ""))
        return dict(V=V, df_ci=df_ci, df_resid=df_resid, design_df=design_df,
                    dispersion=dispersion, method=meth,
                    rss=wp2 if family == "gaussian" else None)
    if family == "gaussian":
        df_resid = sum_w - k
        dispersion = float(w @ resid**2) / df_resid
    else:
        df_resid = np.inf
        dispersion = 1.0
    if se == "model":
        V = Ainv * dispersion
        meth = f"{fam_txt} regression, model-based SE"
    else:
        meat = (X * (w * resid**2)[:, None]).T @ X
        V = Ainv @ meat @ Ainv
        if se == "HC1":
            V = V * sum_w / (sum_w - k)
        meth = f"{fam_txt} regression, heteroskedasticity-robust SE ({se})"
    df_ci = df_resid if family == "gaussian" else np.inf
    return dict(V=V, df_ci=df_ci, df_resid=df_resid, design_df=None, dispersion=dispersion,
                method=meth)


def _score_variance(design, data: ModelData, fit: ModelFit) -> np.ndarray:
    """``total_variance`` of the scores ``z_i = x_i (y_i - mu_i)`` (zero for rows left out).

    On an in-memory design without calibration the weighted scores ``(x_i e_i) w_i`` are
    formed column by column in the fit's spare n x k buffer and handed to
    ``Design.weighted_total_variance``: the same products in the same order as
    ``total_variance`` forms them, without two more n x k arrays. Other designs (calibrated,
    an engine design's cells) take ``total_variance`` itself.
    """
    X, resid, ok = fit.X, fit.resid, data.ok
    fast = type(design) is Design and not design.has_calibration
    if fast and data.rows is None and fit.work is not None:
        u = fit.work        # X * w, no longer needed: overwritten by (X * e) * w
        fit.work = None
        w, B = fit.w, 1 << 15   # blocks of rows that stay in cache (elementwise: same bits)
        for a in range(0, len(w), B):
            e, wa = resid[a:a + B], w[a:a + B]
            for j in range(X.shape[1]):
                c = u[a:a + B, j]
                np.multiply(X[a:a + B, j], e, out=c)
                c *= wa
    else:
        u = X * resid[:, None] if data.rows is None else _expand(X * resid[:, None], ok)
        if not fast:
            return total_variance(design, u)
        u *= data.w_all[:, None]
    V = design.weighted_total_variance(u)
    if not np.all(np.isfinite(V)):   # non-finite scores: the general route says which
        Z = X * resid[:, None]
        return total_variance(design, Z if data.rows is None else _expand(Z, ok))
    return V


def _expand(Z: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """The scores of the rows used, with zero rows for the rows left out."""
    out = np.zeros((len(ok), Z.shape[1]))
    out[ok] = Z
    return out


def coef_table(fit: ModelFit, var: dict, family, conf_level, exponentiate) -> pd.DataFrame:
    """The tidy coefficient table (t or z intervals; odds or rate ratios on request)."""
    return coefficient_frame(fit.names, fit.b, var["V"], var["df_ci"], var["method"], family,
                             conf_level, exponentiate)


def coefficient_frame(names, b, V, df_ci, meth: str, family: str, conf_level: float,
                      exponentiate: bool) -> pd.DataFrame:
    """Coefficients ``b`` with covariance ``V`` as the tidy table of every route (in memory,
    engine cells, engine sums): t intervals on ``df_ci`` (normal when infinite), odds or rate
    ratios on request."""
    seb = np.sqrt(np.diag(V))
    crit = stats.t.ppf(0.5 + conf_level / 2, df_ci) if np.isfinite(df_ci) else \
        stats.norm.ppf(0.5 + conf_level / 2)
    lo, hi = b - crit * seb, b + crit * seb
    stat = b / seb
    est = b
    if exponentiate:
        if family == "gaussian":
            raise ValueError("exponentiate=True is for family='binomial' (odds ratios) or "
                             "'poisson' (rate ratios), not 'gaussian'")
        est, lo, hi = np.exp(b), np.exp(lo), np.exp(hi)
        meth += ("; odds ratios" if family == "binomial" else "; rate ratios") + \
            " (exponentiated estimate and CI; se, statistic on the link scale)"
    coef = pd.DataFrame({"term": names, "estimate": est, "se": seb, "ci_low": lo,
                         "ci_high": hi, "statistic": stat, "df": float(df_ci),
                         "p_value": pvalue(stat, df_ci), "method": meth})
    coef.attrs["measure"] = ("odds_ratio" if family == "binomial" else "rate_ratio") \
        if exponentiate else ("log_odds_ratio" if family == "binomial" else
                              "log_rate_ratio" if family == "poisson" else "coefficient")
    return coef


def model_stats(family, design, data: ModelData, fit: ModelFit, var: dict) -> dict:
    """n, df, dispersion, R² (gaussian), deviances, and AIC/log-likelihood where defined."""
    y, w, resid, sum_w = fit.y, fit.w, fit.resid, fit.sum_w
    k = fit.X.shape[1]
    ybar = float(w @ y) / sum_w
    st = {"n": data.n_used, "n_dropped": data.n_dropped, "sum_w": sum_w, "k": k,
          "df_residual": float(var["df_resid"]), "design_df": var["design_df"],
          "dispersion": var["dispersion"]}
    if family == "gaussian":
        dev = y - ybar
        sst = float(w @ np.multiply(dev, dev, out=dev))   # = w @ (y - ybar)**2, one temporary
        rss = var.get("rss")
        rss = float(w @ resid**2) if rss is None else rss
        st["r2"] = 1 - rss / sst
        st["deviance"] = rss
        st["null_deviance"] = sst
        if design is None:
            st["adj_r2"] = 1 - (1 - st["r2"]) * (sum_w - 1) / (sum_w - k)
            sig2_ml = st["deviance"] / sum_w
            ll = -0.5 * sum_w * (np.log(2 * np.pi * sig2_ml) + 1)
            st["loglik"], st["aic"] = ll, -2 * ll + 2 * (k + 1)
    else:
        st["deviance"] = float(fit.glm.deviance)
        st["null_deviance"] = float(fit.glm.null_deviance)
        if design is None:
            st["loglik"], st["aic"] = float(fit.glm.llf), -2 * float(fit.glm.llf) + 2 * k
    if design is not None:
        st["loglik"] = st["aic"] = None   # not defined for a survey design (see svyglm's AIC)
    return st
