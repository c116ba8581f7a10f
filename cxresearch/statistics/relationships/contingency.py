"""Contingency tables: two-by-two measures of association and r x c tests.

``two_by_two`` gives the risk ratio, odds ratio and risk difference of an exposure on an
outcome (the "k times more likely" of the reports) with Wald intervals, and Fisher's exact
test with the conditional-MLE odds ratio; from a weighted or complex design the same measures
with linearized (design-based) standard errors. ``crosstab_test`` (defined in
``cxresearch.crosstab``, re-exported here) tests an r x c table.

Hand-written here: the linearized scores of the ratio measures (no maintained Python library
does design-based 2 x 2 measures); the exact conditional odds ratio comes from
``scipy.stats.contingency.odds_ratio`` and the exact p-value from ``scipy.stats.fisher_exact``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from cxresearch.sampling.engine import is_engine_design
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import (
    column,
    design_weights,
    dropped_note,
    engine_columns,
    resolve,
    row_counts,
    total_variance,
)
from cxresearch.statistics.design.results import records_warnings
from cxresearch.statistics.relationships.crosstab import CrosstabResult, crosstab_test

__all__ = ["CrosstabResult", "crosstab_test", "two_by_two"]

COLUMNS = ["measure", "estimate", "se", "ci_low", "ci_high", "p_value", "n", "n_eff", "deff",
           "method"]


def _binary(s: pd.Series, level, argname: str, levelname: str) -> tuple[np.ndarray, np.ndarray]:
    """(values as bool, valid mask) for an exposure/outcome column."""
    missing = s.isna().to_numpy()
    if level is not None:
        if callable(level):
            x = np.asarray(pd.Series(level(s)).fillna(False), dtype=bool)
        else:
            levels = list(level) if isinstance(level, list | tuple | set) else [level]
            x = s.isin(levels).to_numpy()
        return x & ~missing, ~missing
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).to_numpy(dtype=bool), ~missing
    if pd.api.types.is_numeric_dtype(s.dtype):
        vals = set(pd.unique(s.dropna().astype(float)))
        if vals <= {0.0, 1.0}:
            return (s.fillna(0).astype(float).to_numpy() == 1.0), ~missing
    shown = sorted(map(str, pd.unique(s.dropna())))[:10]
    raise ValueError(
        f"{argname} is not boolean or 0/1 (values {shown}); say which value(s) count with "
        f"{levelname}=..."
    )


def _table_from_arg(table) -> np.ndarray:
    t = np.asarray(table, dtype=float)
    if t.shape != (2, 2):
        raise ValueError(f"table must be 2 x 2 [[a, b], [c, d]], got shape {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"table must hold finite non-negative counts, got {t.tolist()}")
    if np.any(t.sum(axis=1) == 0):
        raise ValueError(f"table has an empty row (no exposed or no unexposed): {t.tolist()}")
    return t


def _wald_rows(t: np.ndarray, z: float, correction: float) -> list[dict]:
    """Classical (multinomial/binomial) Wald measures from counts [[a, b], [c, d]]."""
    a, b, c, d = t.ravel()
    n1, n0 = a + b, c + d
    p1, p0 = a / n1, c / n0
    rows = []
    zero = np.any(t == 0)
    a_, b_, c_, d_ = (t.ravel() + correction) if zero and correction else (a, b, c, d)
    note = f" (+{correction:g} added to every cell: a zero cell)" if zero and correction else ""
    # log risk ratio: var = 1/a - 1/n1 + 1/c - 1/n0 (Katz)
    rr = (a_ / (a_ + b_)) / (c_ / (c_ + d_))
    se_rr = np.sqrt(1 / a_ - 1 / (a_ + b_) + 1 / c_ - 1 / (c_ + d_))
    rows.append(("risk_ratio", rr, np.log(rr), se_rr, "Wald CI on the log scale (Katz)" + note))
    orr = a_ * d_ / (b_ * c_)
    se_or = np.sqrt(1 / a_ + 1 / b_ + 1 / c_ + 1 / d_)
    rows.append(("odds_ratio", orr, np.log(orr), se_or, "Wald CI on the log scale (Woolf)" + note))
    out = []
    for name, est, lest, se, meth in rows:
        out.append(dict(measure=name, estimate=est, se=est * se,
                        ci_low=np.exp(lest - z * se), ci_high=np.exp(lest + z * se),
                        p_value=2 * stats.norm.sf(abs(lest / se)), log_se=se, method=meth))
    rd = p1 - p0
    se_rd = np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    out.append(dict(measure="risk_difference", estimate=rd, se=se_rd, ci_low=rd - z * se_rd,
                    ci_high=rd + z * se_rd,
                    p_value=2 * stats.norm.sf(abs(rd / se_rd)) if se_rd > 0 else np.nan,
                    log_se=np.nan, method="Wald CI (unpooled binomial variance)"))
    return out


def _fisher_row(t: np.ndarray, conf_level: float, n: float, weighted: bool = False) -> dict:
    base = dict(measure="odds_ratio_cmle", n=n, n_eff=n, deff=1.0)
    if weighted or not np.allclose(t, np.round(t)):
        base.update(n_eff=np.nan, deff=np.nan)
        return {**base, "estimate": np.nan, "se": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                "p_value": np.nan,
                "method": "Fisher's exact test needs integer counts; not available for "
                          "weighted (non-integer) counts"}
    ti = np.round(t).astype(np.int64)
    res = stats.contingency.odds_ratio(ti, kind="conditional")
    ci = res.confidence_interval(confidence_level=conf_level)
    p = stats.fisher_exact(ti, alternative="two-sided").pvalue
    return {**base, "estimate": float(res.statistic), "se": np.nan, "ci_low": float(ci.low),
            "ci_high": float(ci.high), "p_value": float(p),
            "method": "conditional MLE odds ratio, exact CI and two-sided p of Fisher's exact "
                      "test (as R fisher.test)"}


@records_warnings
@check_params
def two_by_two(d=None, exposure=None, outcome=None, *, table=None, conf_level: float = 0.95,
               exposed=None, event=None, correction: float = 0.5) -> pd.DataFrame:
    """Risk ratio, odds ratio, risk difference and Fisher's exact test of a 2 x 2 table.

    Parameters
    ----------
    d : DataFrame, Design, Wave or engine design, optional
        Respondent-level data. A DataFrame is a simple random sample; a Design (or a Wave,
        via ``wave.design()``) gives design-based (linearized) standard errors. An engine
        design (rows in DuckDB, Spark or files) runs on its cells (stratum x PSU x exposure x
        outcome) with the same numbers.
    exposure, outcome : str or array-like of bool, optional
        Column names (or boolean arrays) of the exposure and the outcome. Boolean or 0/1
        columns are used as they are; otherwise say which values count with ``exposed=`` /
        ``event=`` (a value, a list of values, or a callable returning a boolean Series).
    table : array-like, optional
        ``[[a, b], [c, d]]``: rows exposed / unexposed, columns outcome yes / no. Counts may be
        non-integer (weighted); Fisher's test is then not available. Give either ``table`` or
        ``d`` with ``exposure`` and ``outcome``.
    conf_level : float
        Confidence level of the intervals.
    correction : float
        Added to every cell of the Wald RR/OR when a cell is zero (Haldane-Anscombe); the
        ``method`` column says when it was used. ``0`` turns it off.

    Returns
    -------
    DataFrame
        One row per ``measure`` (``risk_ratio``, ``odds_ratio``, ``risk_difference``,
        ``odds_ratio_cmle``) with ``estimate, se, ci_low, ci_high, p_value, n, n_eff, deff,
        method``. RR and OR intervals and p-values are Wald on the log scale (``se`` is the
        delta-method SE of the ratio itself); RD is Wald on the difference. ``p_value`` tests
        no association (RR = 1, OR = 1, RD = 0). With a design, ``deff`` is the design
        variance over the simple-random-sampling variance of the same estimate and
        ``n_eff = n / deff``; the CMLE row always uses the unweighted counts and is left
        empty for a weighted design.

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., sections 3.1 and 3.5.
    Woolf, B. (1955); Katz, D. et al. (1978) *Biometrics* 34, 469-474.
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. *International Statistical Review* 51, 279-292.

    Examples
    --------
    >>> import cxresearch as cx
    >>> res = cx.two_by_two(table=[[30, 70], [10, 90]])
    >>> round(float(res.set_index("measure").loc["risk_ratio", "estimate"]), 2)
    3.0
    >>> # In R: fisher.test(matrix(c(30, 10, 70, 90), 2))$estimate   (conditional MLE OR)
    """
    z = stats.norm.ppf(0.5 + conf_level / 2)
    if table is not None:
        if d is not None or exposure is not None or outcome is not None:
            raise ValueError("give either table=... or d with exposure and outcome, not both")
        t = _table_from_arg(table)
        n = float(t.sum())
        rows = _wald_rows(t, z, correction)
        for r in rows:
            r.update(n=n, n_eff=n, deff=1.0)
            r.pop("log_se")
        rows.append(_fisher_row(t, conf_level, n))
        return pd.DataFrame(rows)[COLUMNS]
    if d is None or exposure is None or outcome is None:
        raise ValueError("two_by_two needs table=[[a, b], [c, d]] or d, exposure and outcome")
    # an engine design runs on its cells (stratum x PSU x exposure x outcome): exact, as
    # every count, weighted total and linearized score is constant within a cell
    if is_engine_design(d):
        stub = pd.DataFrame(columns=d.columns)    # the in-memory route's messages
        for arg, name in (("exposure", exposure), ("outcome", outcome)):
            if isinstance(name, str):
                column(stub, name, arg)
    frame, design = resolve(d, columns=engine_columns(exposure, outcome))
    x, okx = _binary(column(frame, exposure, "exposure"), exposed, "exposure", "exposed")
    y, oky = _binary(column(frame, outcome, "outcome"), event, "outcome", "event")
    ok = okx & oky
    rc = row_counts(design, len(frame))        # rows per row of frame (1, or a cell's rows)
    n_dropped = int(rc[~ok].sum())
    note = dropped_note(n_dropped, "exposure or outcome")
    n = int(rc[ok].sum())
    tu = np.array([[rc[ok & x & y].sum(), rc[ok & x & ~y].sum()],
                   [rc[ok & ~x & y].sum(), rc[ok & ~x & ~y].sum()]], dtype=float)
    if design is None:
        t = _table_from_arg(tu)
        rows = _wald_rows(t, z, correction)
        for r in rows:
            r.update(n=n, n_eff=float(n), deff=1.0)
            r["method"] += note
            r.pop("log_se")
        f = _fisher_row(t, conf_level, n)
        f["method"] += note
        rows.append(f)
        return pd.DataFrame(rows)[COLUMNS]
    return _two_by_two_design(design, x, y, ok, tu, z, conf_level, note, n)


def _unit_weights(design, ok) -> bool:
    """Is every used row's weight 1 (``np.allclose``)? On the cells of an engine design,
    from their sums: ``Σ(w - 1)² = Σw² - 2Σw + n`` at most the square of allclose's tolerance
    (plus the rounding of the subtraction), so one row further from 1 than that is caught."""
    w = np.asarray(design.weights, dtype=float)[ok]
    if getattr(design, "freq", None) is None:
        return bool(np.allclose(w, 1.0))
    f = np.asarray(design.freq, dtype=float)[ok]
    w2 = np.asarray(design.w2, dtype=float)[ok]
    ss = w2 - 2 * w + f
    return bool(np.all(ss <= (1e-5 + 1e-8) ** 2 + 8 * np.finfo(float).eps * (w2 + f)))


def _two_by_two_design(design, x, y, ok, tu, z, conf_level, note, n) -> pd.DataFrame:
    w = design_weights(design, len(x)) * ok
    xf, yf = x.astype(float) * ok, y.astype(float) * ok
    x0 = (1.0 - x.astype(float)) * ok
    tw = np.array([[np.sum(w * xf * yf), np.sum(w * xf * (1 - yf))],
                   [np.sum(w * x0 * yf), np.sum(w * x0 * (1 - yf))]])
    _table_from_arg(tw)
    t1, t0 = tw[0].sum(), tw[1].sum()
    p1, p0 = tw[0, 0] / t1, tw[1, 0] / t0
    # linearized scores (influence functions times the total): estimator = f(totals)
    s_p1 = xf * (yf - p1) / t1
    s_p0 = x0 * (yf - p0) / t0
    scores = np.column_stack([
        s_p1 / p1 - s_p0 / p0,                                # log RR
        s_p1 / (p1 * (1 - p1)) - s_p0 / (p0 * (1 - p0)),      # log OR
        s_p1 - s_p0,                                          # RD
    ])
    v = np.diag(total_variance(design, scores))
    # simple-random-sampling variance of the same estimates: binomial formulas with the
    # weighted proportions and the weighted group shares of the n respondents
    n1, n0 = n * t1 / (t1 + t0), n * t0 / (t1 + t0)
    v_srs = np.array([
        (1 - p1) / (n1 * p1) + (1 - p0) / (n0 * p0),
        1 / (n1 * p1 * (1 - p1)) + 1 / (n0 * p0 * (1 - p0)),
        p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0,
    ])
    rows = []
    meth = "linearized (design-based) SE; "
    for k, (name, est, lest) in enumerate([
        ("risk_ratio", p1 / p0, np.log(p1 / p0)),
        ("odds_ratio", p1 / (1 - p1) / (p0 / (1 - p0)),
         np.log(p1 / (1 - p1) / (p0 / (1 - p0)))),
        ("risk_difference", p1 - p0, p1 - p0),
    ]):
        se = float(np.sqrt(v[k]))
        deff = float(v[k] / v_srs[k]) if v_srs[k] > 0 else np.nan
        if name == "risk_difference":
            lo, hi, sey, m = lest - z * se, lest + z * se, se, "Wald CI"
        else:
            lo, hi, sey = np.exp(lest - z * se), np.exp(lest + z * se), est * se
            m = "Wald CI on the log scale"
        rows.append(dict(measure=name, estimate=float(est), se=float(sey), ci_low=float(lo),
                         ci_high=float(hi),
                         p_value=float(2 * stats.norm.sf(abs(lest / se))) if se > 0 else np.nan,
                         n=n, n_eff=n / deff if deff and np.isfinite(deff) else np.nan,
                         deff=deff, method=meth + m + note))
    if _unit_weights(design, ok):
        f = _fisher_row(tu, conf_level, n)
        f["method"] += " (unit weights; design ignored)" + note
    else:
        f = _fisher_row(tw, conf_level, n, weighted=True)
    rows.append(f)
    return pd.DataFrame(rows)[COLUMNS]

