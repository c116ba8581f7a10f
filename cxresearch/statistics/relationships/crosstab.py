"""r x c contingency tables: counts, shares, residuals and tests of association.

Simple random samples (a plain DataFrame) get the classical tests: Pearson X², likelihood
ratio G², Cramér's V and, for ordered variables, Goodman-Kruskal gamma, Kendall's tau-b (with
asymptotic SEs) and the linear-by-linear (Mantel-Haenszel) trend test. Weighted or complex
designs (a :class:`~cxresearch.design.Design` or a Wave) get the Rao-Scott corrections and the
design-based Wald tests of ``survey::svychisq``.

Hand-written here (no maintained Python library has them): the Rao-Scott first- and
second-order corrections and the design-based Wald tests (Rao & Scott 1984; Thomas & Rao 1987;
code follows ``survey::svychisq`` 4.x), and the asymptotic SEs of gamma and tau-b (Brown &
Benedetti 1977, as in SAS PROC FREQ and DescTools). Every design-based variance comes from
``Design.total_variance``. Pearson and G² come from ``scipy.stats.chi2_contingency``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxresearch.errors import SmallCellWarning, UnorderedCategoryWarning
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import (
    column,
    design_weights,
    dropped_note,
    named,
    resolve,
    row_counts,
)
from cxresearch.statistics.design.results import Result, records_warnings

__all__ = ["CrosstabResult", "crosstab_test", "ordinal_association"]

TEST_COLUMNS = ["test", "statistic", "se", "ci_low", "ci_high", "df", "df2", "p_value", "method"]


@dataclass(repr=False)  # repr: Result.__repr__ (the summary)
class CrosstabResult(Result):
    """What :func:`crosstab_test` returns (the result protocol: ``table`` is ``tests``,
    ``notes``, ``summary()``, ``_repr_html_``).

    Attributes
    ----------
    counts, row_shares, col_shares : DataFrame
        Wide tables (rows = levels of ``row``, columns = levels of ``col``); weighted counts
        for a design.
    residuals : DataFrame
        Long (tidy) table, one line per cell: ``row, col, count, expected, pearson_residual,
        adjusted_residual`` (adjusted = standardized residual of ``chisq.test()$stdres``).
    tests : DataFrame
        One line per statistic: ``test, statistic, se, ci_low, ci_high, df, df2, p_value,
        method``.
    primary : str
        Name of the test to report first (``rao_scott_f`` for a design, ``pearson_chisq``
        otherwise); :attr:`p_value` is its p-value (what a ``TestFamily`` takes).
    n : int
        Respondents used; ``n_dropped`` rows had a missing row or column value.
    notes : list of str
        Rows left out, small expected counts, levels without a declared order.
    """

    counts: pd.DataFrame
    row_shares: pd.DataFrame
    col_shares: pd.DataFrame
    residuals: pd.DataFrame
    tests: pd.DataFrame
    primary: str
    n: int
    n_dropped: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def p_value(self) -> float:
        return float(self.tests.set_index("test").loc[self.primary, "p_value"])

    @property
    def table(self) -> pd.DataFrame:
        """The tests with ``n`` (one row per statistic), ready for :class:`TestFamily`."""
        return self.tests.assign(n=self.n)

    def _headline(self) -> str:
        p = self.p_value
        return (f"cross-tabulation {self.counts.index.name} x {self.counts.columns.name}: "
                f"{self.primary} p = {p:.3g}, n = {self.n}")


def _axis_name(x, argname: str) -> str:
    """The name of a table axis: the column name, a Series' name, else the argument's."""
    if isinstance(x, str):
        return x
    name = getattr(x, "name", None)
    return str(name) if name is not None else argname


def _scores(given, lev, is_num, name) -> np.ndarray:
    """Scores of the levels for the linear-by-linear test (given, numeric values, or 1..k)."""
    if given is not None:
        if len(given) != len(lev):
            raise ValueError(f"{name} must have {len(lev)} values (one per level {lev})")
        return np.asarray(given, float)
    if is_num and not isinstance(lev[0], str):
        try:
            return np.asarray(lev, float)
        except (TypeError, ValueError):
            pass
    return np.arange(1, len(lev) + 1, dtype=float)


def _naive(records: list[dict]) -> list[dict]:
    """The classical statistics of the weighted table rescaled to n, labelled as not
    design-based (their p-values and SEs left out)."""
    for rec in records:
        rec["method"] += "; weighted table rescaled to n, ignores the design"
        if rec["test"] in ("pearson_chisq", "likelihood_ratio", "linear_by_linear",
                           "gamma", "kendall_tau_b", "cramers_v"):
            rec.update(p_value=np.nan, se=np.nan, ci_low=np.nan, ci_high=np.nan)
            rec["method"] += " (p-value and SE left out: not design-based)"
    return records


def _residuals(t, scaled, rl, cl, n) -> pd.DataFrame:
    """One line per cell: count, expected, Pearson and adjusted (standardized) residuals."""
    nr, nc = len(rl), len(cl)
    expected = np.outer(scaled.sum(1), scaled.sum(0)) / n
    pr = (scaled - expected) / np.sqrt(expected)
    adj = (scaled - expected) / np.sqrt(
        expected * np.outer(1 - scaled.sum(1) / n, 1 - scaled.sum(0) / n))
    return pd.DataFrame({
        "row": np.repeat(rl, nc), "col": np.tile(cl, nr), "count": t.ravel(),
        "expected": (expected * t.sum() / n).ravel(), "pearson_residual": pr.ravel(),
        "adjusted_residual": adj.ravel()})


def _levels(s: pd.Series) -> tuple[np.ndarray, list, bool]:
    """Integer codes (-1 = missing), level labels, and whether the levels are ordered."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        used = pd.unique(s.dropna())
        cats = [c for c in s.cat.categories if c in set(used)]
        codes = pd.Categorical(s, categories=cats).codes.astype(np.int64)
        return codes, cats, bool(s.cat.ordered)
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    cats = sorted(pd.unique(s.dropna()), key=(float if numeric else str))
    codes = pd.Categorical(s, categories=cats).codes.astype(np.int64)
    return codes, list(cats), numeric


def _pairs(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each cell, the counts of concordant and discordant cells (both directions)."""
    cum = t.cumsum(0).cumsum(1)
    tot = t.sum()
    r, c = t.shape

    def block(i0, i1, j0, j1):  # sum of t[i0:i1, j0:j1] with inclusive-exclusive bounds
        def cc(i, j):
            return cum[i - 1, j - 1] if i > 0 and j > 0 else 0.0
        return cc(i1, j1) - cc(i0, j1) - cc(i1, j0) + cc(i0, j0)

    a = np.zeros_like(t, dtype=float)
    d = np.zeros_like(t, dtype=float)
    for i in range(r):
        for j in range(c):
            a[i, j] = block(0, i, 0, j) + block(i + 1, r, j + 1, c)
            d[i, j] = block(0, i, j + 1, c) + block(i + 1, r, 0, j)
    del tot
    return a, d


@check_params
def ordinal_association(table, conf_level: float = 0.95) -> pd.DataFrame:
    """Goodman-Kruskal gamma and Kendall tau-b of an ordered table with asymptotic SEs.

    The SEs are the non-null asymptotic standard errors (ASE1) of Brown & Benedetti (1977),
    as SAS PROC FREQ and DescTools report; CIs and p-values are Wald with them.

    Examples
    --------
    >>> ordinal_association([[10, 5], [3, 12]])["statistic"].round(3).tolist()
    [0.778, 0.471]
    >>> # In R: DescTools::GoodmanKruskalGamma(tab, conf.level = 0.95)
    """
    t = np.asarray(table, dtype=float)
    n = t.sum()
    z = stats.norm.ppf(0.5 + conf_level / 2)
    a, d = _pairs(t)
    C, D = (a * t).sum() / 2, (d * t).sum() / 2
    rows = []
    if C + D > 0:
        g = (C - D) / (C + D)
        psi = 2 * (D * a - C * d) / (C + D) ** 2
        se = np.sqrt(max((t * psi**2).sum() - (t * psi).sum() ** 2 / n, 0.0))
    else:
        g, se = np.nan, np.nan
    rows.append(("gamma", g, se, "Goodman-Kruskal gamma, asymptotic SE (ASE1), Wald CI and p"))
    wr = n**2 - (t.sum(1) ** 2).sum()
    wc = n**2 - (t.sum(0) ** 2).sum()
    w = np.sqrt(wr * wc)
    if w > 0:
        tau = 2 * (C - D) / w
        v = np.outer(t.sum(1), np.ones(t.shape[1])) * wc + np.outer(np.ones(t.shape[0]),
                                                                      t.sum(0)) * wr
        inner = (t * (2 * w * (a - d) + tau * v) ** 2).sum() - n**3 * tau**2 * (wr + wc) ** 2
        se_t = np.sqrt(max(inner, 0.0)) / w**2
    else:
        tau, se_t = np.nan, np.nan
    rows.append(("kendall_tau_b", tau, se_t, "Kendall tau-b, asymptotic SE (ASE1), Wald CI and p"))
    out = []
    for name, est, s, m in rows:
        p = 2 * stats.norm.sf(abs(est / s)) if s and np.isfinite(s) and s > 0 else np.nan
        out.append(dict(test=name, statistic=est, se=s, ci_low=est - z * s, ci_high=est + z * s,
                        df=np.nan, df2=np.nan, p_value=p, method=m))
    return pd.DataFrame(out, columns=TEST_COLUMNS)


def _row(test, statistic, df=np.nan, df2=np.nan, p=np.nan, method="", se=np.nan,
         lo=np.nan, hi=np.nan):
    return dict(test=test, statistic=float(statistic), se=se, ci_low=lo, ci_high=hi, df=df,
                df2=df2, p_value=float(p), method=method)


def _classical(t: np.ndarray, rs, cs, ordered: bool, conf_level: float, note: str) -> list:
    n = t.sum()
    r, c = t.shape
    chi = stats.chi2_contingency(t, correction=False)
    g2 = stats.chi2_contingency(t, correction=False, lambda_="log-likelihood")
    df = (r - 1) * (c - 1)
    rows = [
        _row("pearson_chisq", chi.statistic, df, p=chi.pvalue, method="Pearson X²" + note),
        _row("likelihood_ratio", g2.statistic, df, p=g2.pvalue,
             method="likelihood-ratio G²" + note),
        _row("cramers_v", np.sqrt(chi.statistic / (n * min(r - 1, c - 1))),
             p=chi.pvalue, method="Cramér's V (p-value of Pearson X²)" + note),
    ]
    if ordered:
        oa = ordinal_association(t, conf_level)
        for rec in oa.to_dict("records"):
            rec["method"] += note
            rows.append(rec)
        # linear-by-linear: M² = (N - 1) r² with the scores of the levels
        x = np.repeat(np.asarray(rs, float), t.shape[1])
        y = np.tile(np.asarray(cs, float), t.shape[0])
        f = t.ravel()
        mx, my = (f * x).sum() / n, (f * y).sum() / n
        sxy = (f * (x - mx) * (y - my)).sum()
        sxx, syy = (f * (x - mx) ** 2).sum(), (f * (y - my) ** 2).sum()
        rr = sxy / np.sqrt(sxx * syy) if sxx > 0 and syy > 0 else np.nan
        m2 = (n - 1) * rr**2
        rows.append(_row("linear_by_linear", m2, 1, p=stats.chi2.sf(m2, 1),
                         method=f"Mantel-Haenszel M² = (N-1) r², r = {rr:.4f}, level scores"
                         + note))
    return rows


def _rao_scott(design, rc, cc, ok, nr, nc, table_n) -> list:
    """svychisq's 'Chisq', 'F', 'Wald' and 'adjWald' (survey 4.x), scores via the engine."""
    w = design_weights(design, len(rc)) * ok
    cell = np.where(ok, rc + nr * cc, 0)  # R's interaction() order: rows vary fastest
    T = w.sum()
    tot = np.bincount(cell, weights=w, minlength=nr * nc)
    p = tot / T
    N = float(row_counts(design, len(rc))[ok].sum())
    # interaction contrasts: residual of the saturated model's interaction columns on the
    # main-effects columns (any basis gives the same trace(Delta), trace(Delta²))
    ri = np.tile(np.arange(nr), nc)
    ci = np.repeat(np.arange(nc), nr)
    X1 = np.column_stack([np.ones(nr * nc)] + [(ri == i).astype(float) for i in range(1, nr)]
                         + [(ci == j).astype(float) for j in range(1, nc)])
    X12 = np.column_stack([((ri == i) & (ci == j)).astype(float)
                           for j in range(1, nc) for i in range(1, nr)])
    Cm = X12 - X1 @ np.linalg.lstsq(X1, X12, rcond=None)[0]
    ip = np.where(p > 0, 1 / np.where(p > 0, p, 1), 0.0)
    A = ip[:, None] * Cm                          # iD %*% Cmat, (rc x q)
    # scores of the cell means, projected: z_i = (1[cell_i] - p) / T, then z @ A. Every score
    # below is a function of the row's cell, so the variances come from cell-level sums
    # (Design.group_total_variance); rows left out go to an extra all-zero group.
    group = np.where(ok, cell, nr * nc)
    zero = np.zeros((1, A.shape[1]))
    numr = design.group_total_variance(group, np.vstack([(A - (p @ A)[None, :]) / T, zero]))
    denom = Cm.T @ (ip[:, None] / N * Cm)
    Delta = np.linalg.solve(denom, numr)
    tr, tr2 = np.trace(Delta), np.trace(Delta @ Delta)
    d0 = tr**2 / tr2
    nu = float(design.df)
    scaled = tot * N / T
    X2 = stats.chi2_contingency(scaled.reshape(nc, nr).T, correction=False).statistic
    q = (nr - 1) * (nc - 1)
    rows = [
        _row("rao_scott_chisq", X2, q, p=stats.chi2.sf(X2 / np.mean(np.diag(Delta)), q),
             method="first-order Rao-Scott: statistic is X² of the weighted table scaled to n, "
                    "p from X²/mean(δ) on (r-1)(c-1) df (svychisq 'Chisq')"),
        _row("rao_scott_f", X2 / tr, d0, d0 * nu, p=stats.f.sf(X2 / tr, d0, d0 * nu),
             method="second-order Rao-Scott F with Satterthwaite df (svychisq 'F')"),
    ]
    # design-based Wald test of independence on Y_rc = T_rc - R_r C_c / T (r, c >= 2)
    R = np.bincount(np.where(ok, rc, 0), weights=w, minlength=nr)
    Cc = np.bincount(np.where(ok, cc, 0), weights=w, minlength=nc)
    use = [(i, j) for j in range(1, nc) for i in range(1, nr)]
    Y = np.array([tot[i + nr * j] - R[i] * Cc[j] / T for i, j in use])
    GZ = np.column_stack([
        ((ri == i) & (ci == j)) - (Cc[j] / T) * (ri == i) - (R[i] / T) * (ci == j)
        + R[i] * Cc[j] / T**2
        for i, j in use])
    V = design.group_total_variance(group, np.vstack([GZ, np.zeros((1, len(use)))]))
    ws = float(Y @ np.linalg.solve(V, Y))
    rows.append(_row("wald", ws / q, q, nu, p=stats.f.sf(ws / q, q, nu),
                     method="design-based Wald F of independence (svychisq 'Wald')"))
    dd = nu - q + 1
    adj = ws * dd / (q * nu)
    rows.append(_row("adj_wald", adj, q, dd, p=stats.f.sf(adj, q, dd) if dd > 0 else np.nan,
                     method="adjusted design-based Wald F (svychisq 'adjWald')"))
    return rows


@records_warnings
@check_params
def crosstab_test(d, row, col, *, ordered: bool | None = None, row_scores=None,
                  col_scores=None, conf_level: float = 0.95, min_expected: float = 5.0
                  ) -> CrosstabResult:
    """Cross-tabulate two variables and test their association.

    Parameters
    ----------
    d : DataFrame, Design or Wave
        A DataFrame is a simple random sample (classical tests). A Design (or Wave) gives the
        Rao-Scott and design-based Wald tests as ``survey::svychisq``, and the classical
        statistics on the weighted table rescaled to ``n`` (point estimates; their p-values
        ignore the design and are labelled so).
    row, col : str
        Column names. Categorical columns keep their category order; other columns are sorted.
    ordered : bool, optional
        Whether both variables are ordinal (adds gamma, tau-b and the linear-by-linear test).
        Default: both are ordered categoricals or numeric codes.
    row_scores, col_scores : sequence of float, optional
        Scores of the levels for the linear-by-linear test (default: numeric values for numeric
        columns, 1..k for categoricals).
    min_expected : float
        A :class:`~cxresearch.errors.SmallCellWarning` is issued when any expected count is
        below 1 or more than 20 % are below ``min_expected`` (Cochran's rule).

    Returns
    -------
    CrosstabResult
        ``.counts``, ``.row_shares``, ``.col_shares``, ``.residuals``, ``.tests``, ``.p_value``.

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis*, 3rd ed., ch. 2-3.
    Rao, J. N. K., & Scott, A. J. (1984). On chi-squared tests for multiway contingency tables
    with cell proportions estimated from survey data. *Annals of Statistics* 12, 46-60.
    Lumley, T. (2010). *Complex Surveys*, sec. 6.2 (``svychisq``).

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"a": list("xxyyxy") * 10, "b": list("ppqqqp") * 10})
    >>> res = cx.crosstab_test(df, "a", "b")
    >>> res.tests.loc[0, "test"]
    'pearson_chisq'
    >>> # In R: chisq.test(table(df$a, df$b), correct = FALSE); survey::svychisq(~a + b, des)
    """
    frame, design = resolve(d, columns=[row, col])
    rs_, cs_ = column(frame, row, "row"), column(frame, col, "col")
    rname, cname = named(row, "row"), named(col, "col")
    rc, rlev, rord = _levels(rs_)
    cc, clev, cord = _levels(cs_)
    ok = (rc >= 0) & (cc >= 0)
    fr = row_counts(design, len(frame))  # rows per frame row (engine cells), else 1
    n_dropped = int(fr[~ok].sum())
    note = dropped_note(n_dropped, "row or column")
    nr, nc = len(rlev), len(clev)
    if nr < 2 or nc < 2:
        raise ValueError(f"crosstab_test needs at least two levels in row={rname} ({rlev}) and "
                         f"col={cname} ({clev})")
    if ordered is None:
        ordered = rord and cord
    elif ordered:
        loose = [name for name, ser in ((rname, rs_), (cname, cs_))
                 if isinstance(ser.dtype, pd.CategoricalDtype) and not ser.cat.ordered
                 or pd.api.types.is_string_dtype(ser.dtype)]
        if loose:
            warnings.warn(f"ordered=True but {' and '.join(loose)} have no declared order; "
                          "using the category "
                          "(or sorted) order of their levels for gamma, tau-b and the trend test",
                          UnorderedCategoryWarning, stacklevel=2)
    w = design_weights(design, len(rc)) if design is not None else np.ones(len(rc))
    cell = np.where(ok, rc * nc + cc, 0)
    t = np.bincount(cell, weights=w * ok, minlength=nr * nc).reshape(nr, nc)
    tu = np.bincount(cell, weights=fr * ok, minlength=nr * nc).reshape(nr, nc)
    n = int(fr[ok].sum())
    expected_u = np.outer(tu.sum(1), tu.sum(0)) / max(n, 1)
    if np.any(expected_u < 1) or np.mean(expected_u < min_expected) > 0.2:
        warnings.warn(
            f"crosstab {rname} x {cname}: {int((expected_u < min_expected).sum())} of "
            f"{nr * nc} expected counts below {min_expected:g} (smallest "
            f"{expected_u.min():.2f}); chi-square approximations may be poor",
            SmallCellWarning, stacklevel=2)
    if np.any(t.sum(1) == 0) or np.any(t.sum(0) == 0):
        raise ValueError(f"crosstab {rname} x {cname} has an empty row or column after "
                         "weighting")
    scaled = t * n / t.sum()  # weighted table rescaled to n (= t for a DataFrame)
    rsc = _scores(row_scores, rlev, rord and not isinstance(rs_.dtype, pd.CategoricalDtype),
             "row_scores")
    csc = _scores(col_scores, clev, cord and not isinstance(cs_.dtype, pd.CategoricalDtype),
             "col_scores")
    if design is None:
        tests, primary = _classical(t, rsc, csc, ordered, conf_level, note), "pearson_chisq"
    else:
        tests = _rao_scott(design, rc, cc, ok, nr, nc, n) + _naive(
            _classical(scaled, rsc, csc, ordered, conf_level, note))
        primary = "rao_scott_f"
    rl = [str(x) for x in rlev]
    cl = [str(x) for x in clev]
    counts = pd.DataFrame(t, index=pd.Index(rl, name=_axis_name(row, "row")),
                          columns=pd.Index(cl, name=_axis_name(col, "col")))
    return CrosstabResult(
        counts=counts,
        row_shares=counts.div(counts.sum(axis=1), axis=0),
        col_shares=counts.div(counts.sum(axis=0), axis=1),
        residuals=_residuals(t, scaled, rl, cl, n),
        tests=pd.DataFrame(tests, columns=TEST_COLUMNS),
        primary=primary, n=n, n_dropped=n_dropped,
        notes=[note.lstrip("; ")] if note else [])
