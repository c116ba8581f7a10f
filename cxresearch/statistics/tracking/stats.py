"""Per-wave sufficient statistics of :func:`cxresearch.track` and the small computations on
them: a wave's estimate and interval, the trend fit from per-wave totals, Wald F tests.

Private helpers of :mod:`cxresearch.statistics.tracking.track` (the method is described
there). A wave enters only through the weighted totals of ``[y·ok, ok]`` per series and
segment and their 2 × 2 (per segment block) covariance from one ``Design.total_variance`` call.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special

from cxresearch.errors import ConvergenceWarning
from cxresearch.sampling.design import Design
from cxresearch.statistics.estimates.domains import without_replacement
from cxresearch.statistics.estimates.means import design_prop_ci

__all__ = ["at_shift"]


@lru_cache(maxsize=256)
def _tq(conf_level: float, df: float) -> float:
    a = (1 + conf_level) / 2
    if not np.isfinite(df):
        return float(special.ndtri(a))
    return float(special.stdtrit(df, a)) if df > 0 else np.nan


def _p_t(t: float, df: float) -> float:
    if not np.isfinite(t) or not df > 0:
        return np.nan
    return float(2 * (special.ndtr(-abs(t)) if not np.isfinite(df)
                      else special.stdtr(df, -abs(t))))


# ------------------------------------------------------------------ per-wave sufficient stats
def _psu_rows(design):
    """``(design on the PSUs, PSU code of each row)`` for an uncalibrated clustered in-memory
    Design, else None. The PSU totals of ``w·z`` on a design whose rows are the PSUs (unit
    weights, same strata, fpc and lonely-PSU rule) have the variance ``total_variance(z)`` of
    the respondents — computed by the same code from the same totals, so the same bits —
    without an n × k score matrix."""
    if type(design) is not Design or design.has_calibration or design.psu_is_row:
        return None
    ps = design._psu_stratum   # the design's own codes (sampling is below statistics)
    fpc = design._N_h[ps] if design.has_fpc else None
    pdes = Design(pd.DataFrame(index=pd.RangeIndex(len(ps))), weights=np.ones(len(ps)),
                  strata=ps, fpc=fpc, lonely_psu=design.lonely_psu)
    return pdes, design._psu


def _wave_stats(design, ys: list, seg_masks: list) -> list:
    """For each series (a y array or None) and segment: n, W, Σwy, Σwy², domain df and the 2×2
    covariance of the totals of ``[y·ok, ok]``; one ``total_variance`` call for all of them
    (on the PSU totals when the design is clustered)."""
    w = design.weights
    # an engine design's cells (CollapsedDesign): rows per cell and their sums of w²
    freq, w2 = getattr(design, "freq", None), getattr(design, "w2", None)
    ww = w * w if w2 is None else w2
    live = [j for j, y in enumerate(ys) if y is not None]
    where: list = [None] * len(ys)
    if not live:
        return where
    S, K = len(live), len(seg_masks)
    red = _psu_rows(design)
    if red is None:
        Z = np.empty((design.n, 2 * S * K), order="F")  # columns contiguous: one pass each
    else:
        pdes, psu = red
        Z = np.empty((pdes.n, 2 * S * K), order="F")    # PSU totals of w·[y·ok, ok]
    W, S1, S2, N, W2 = (np.empty(S * K) for _ in range(5))
    dfs = np.zeros(S * K, dtype=np.int64)
    shift = np.zeros(S * K)   # U is the covariance of the totals of [(y - shift)·ok, ok]
    for a, j in enumerate(live):
        ok = np.isfinite(ys[j])
        for s, m in enumerate(seg_masks):
            c = a * K + s  # columns 2c, 2c + 1: y·ok and ok of series j in segment s
            okm = ok if m is None else ok & m
            y0 = np.where(okm, ys[j], 0.0)
            o = okm.astype(float)
            wy = w * y0
            W[c], S1[c], S2[c] = w @ o, wy.sum(), wy @ y0
            N[c] = np.count_nonzero(okm) if freq is None else freq @ o
            W2[c] = ww @ o
            dfs[c] = design.df if m is None else design.domain_df(okm)
            if W[c] > 0:
                # y centred at the wave's mean: the SE of a mean, change or slope is then a
                # quadratic form without cancellation (uncentred, L'UL subtracts terms of the
                # size of mean², leaving ~1e-8·|mean| of rounding as the SE of a wave whose
                # answers are all alike; and an engine design's one-pass cell sums cancel)
                shift[c] = S1[c] / W[c]
                y0 = np.where(okm, ys[j] - shift[c], 0.0)
                wy = w * y0
            if red is None:
                Z[:, 2 * c], Z[:, 2 * c + 1] = y0, o
            else:
                Z[:, 2 * c] = np.bincount(psu, weights=wy, minlength=pdes.n)
                Z[:, 2 * c + 1] = np.bincount(psu, weights=o * w, minlength=pdes.n)
    try:
        V = (design if red is None else pdes).total_variance(Z)
    except ValueError as exc:
        # a wave of one PSU under lonely_psu="average" (nothing to average over): its standard
        # errors are undefined, as for any one-respondent wave; the rows say so (NaN, a note)
        if "single PSU" not in str(exc):
            raise
        V = np.full((Z.shape[1], Z.shape[1]), np.nan)
    wor = without_replacement(design)
    for a, j in enumerate(live):
        sl = slice(2 * a * K, 2 * (a + 1) * K)
        block = V[sl, sl]
        ent = []
        for s in range(K):
            c = a * K + s
            ent.append({"n": int(N[c]), "W": float(W[c]), "W2": float(W2[c]), "S1": float(S1[c]),
                        "wor": wor, "S2": float(S2[c]),
                        "U": block[2 * s:2 * s + 2, 2 * s:2 * s + 2], "df": int(dfs[c]),
                        "shift": float(shift[c])})
        ent[0]["Ublock"] = block  # segments of one series: needed by the interaction test
        where[j] = ent
    return where


def at_shift(L: np.ndarray, e: dict) -> np.ndarray:
    """A linear combination ``L`` of the totals of ``[y·ok, ok]`` as one of the totals of
    ``[(y − shift)·ok, ok]``, whose covariance ``e["U"]`` holds (``[L0, L1 + shift·L0]``);
    ``L`` itself when the shift is 0 (no valid answer)."""
    c = e.get("shift", 0.0)
    if c == 0.0:
        return L
    return np.array([L[0], L[1] + c * L[0]])


def _mean_row(e, srs: bool, measure: str, conf_level: float):
    """Estimate, variance, n, n_eff, deff and CI of a wave (or segment) mean from its stats."""
    n, W = e["n"], e["W"]
    if n == 0 or W <= 0:
        return None
    m = e["S1"] / W
    L = np.array([1.0, -m]) / W
    L = at_shift(L, e)
    var = max(float(L @ e["U"] @ L), 0.0)
    if var <= 1e-24 * max(m * m, 1e-300):
        var = 0.0
    if n == 1:  # one respondent: no variance, whatever a lonely-PSU rule would centre on
        var = np.nan
    se = np.sqrt(var)
    ss = max(e["S2"] - e["S1"] ** 2 / W, 0.0)
    vsrs = ss / W / (n - 1) if n > 1 else np.nan
    if W > n * (1 + 1e-9) and not srs and e.get("wor", True):
        vsrs *= (W - n) / W
    deff = var / vsrs if np.isfinite(vsrs) and vsrs > 0 and np.isfinite(var) else np.nan
    neff = W * W / e["W2"] if e.get("W2", 0) > 0 else np.nan  # Kish, within the domain
    df = e["df"]
    if not np.isfinite(var):
        return {"estimate": m, "se": np.nan, "var": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "n": n, "n_eff": neff, "deff": np.nan,
                "how": "SE undefined: one respondent", "L": L}
    if measure == "proportion":
        lo, hi, how = design_prop_ci("logit", conf_level, srs)(m, se, n, df, deff)
    else:
        q = _tq(conf_level, df)
        lo, hi, how = m - q * se, m + q * se, f"t CI, df={int(df)}"
        if measure == "nps":
            lo, hi = max(lo, -100.0), min(hi, 100.0)
        elif measure == "index":
            lo, hi = max(lo, 0.0), min(hi, 100.0)
    return {"estimate": m, "se": se, "var": var, "ci_low": lo, "ci_high": hi, "n": n,
            "n_eff": neff, "deff": deff, "how": how, "L": L}


# ------------------------------------------------------------------ trend
def _fit_trend(t: np.ndarray, W: np.ndarray, m: np.ndarray, link: str):
    """Coefficients and bread of the fit of y on [1, t] from per-wave totals."""
    X = np.column_stack([np.ones_like(t), t])
    if link == "identity":
        A = (X * W[:, None]).T @ X
        beta = np.linalg.solve(A, X.T @ (W * m))
        return beta, np.linalg.inv(A), X @ beta
    if np.any((m < -1e-12) | (m > 1 + 1e-12)):
        raise ValueError("trend='logit' needs a proportion measure (values 0..1)")
    m = np.clip(m, 0.0, 1.0)   # a share of 1 summed to 1 + 2e-16 is a share of 1
    mm = np.clip(np.sum(W * m) / np.sum(W), 1e-6, 1 - 1e-6)
    beta = np.array([special.logit(mm), 0.0])
    for _ in range(100):
        mu = special.expit(X @ beta)
        info = (X * (W * mu * (1 - mu))[:, None]).T @ X
        step = np.linalg.solve(info, X.T @ (W * (m - mu)))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    else:
        warnings.warn("the logit trend did not converge in 100 iterations", ConvergenceWarning,
                      stacklevel=3)
    mu = special.expit(X @ beta)
    info = (X * (W * mu * (1 - mu))[:, None]).T @ X
    return beta, np.linalg.inv(info), mu




def _wald(d: np.ndarray, C: np.ndarray, df1: int, ddf: float) -> dict:
    if not (np.all(np.isfinite(C)) and np.all(np.isfinite(d))):
        return {"statistic": np.nan, "df": float(df1), "ddf": float(ddf), "p_value": np.nan}
    try:
        chi2 = float(d @ np.linalg.solve(C, d))
    except np.linalg.LinAlgError:
        chi2 = float(d @ np.linalg.pinv(C) @ d)
    F = chi2 / df1
    p = float(special.fdtrc(df1, ddf, F)) if ddf > 0 and np.isfinite(F) else np.nan
    return {"statistic": F, "df": float(df1), "ddf": float(ddf), "p_value": p}
