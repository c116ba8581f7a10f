"""Internal consistency of a multi-item scale: Cronbach's alpha and McDonald's omega.

Follows ``psych::alpha`` (Revelle): covariances and correlations from pairwise-complete
answers by default (``missing="listwise"`` uses complete rows only; the result says which),
raw and standardized alpha, the Duhachek & Lacobucci (2004) asymptotic SE and the Feldt (1965)
F-based interval, average inter-item correlation, item-rest correlations (``r_drop``) and the
smc-corrected item-total correlations (``r_cor``), alpha if an item is dropped. Omega total is
from a one-factor maximum-likelihood factor analysis (``statsmodels`` ``Factor(method="ml")``,
as ``psych::fa(fm = "ml")``), ``1 - sum(uniqueness) / sum(R)`` as ``psych::omega``.

Reverse-keyed items (``keys``) are reflected as ``min + max - x`` with the smallest and largest
answer over all items (``psych`` does the same); an item that correlates negatively with the
rest raises :class:`NegativeItemWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxresearch.errors import ConvergenceWarning, NegativeItemWarning
from cxresearch.sampling.engine import is_engine_design
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import resolve
from cxresearch.statistics.design.results import Result, records_warnings

__all__ = ["NegativeItemWarning", "ReliabilityResult", "reliability"]


@dataclass(repr=False)  # repr: Result.__repr__ (the summary)
class ReliabilityResult(Result):
    """What :func:`reliability` returns (the result protocol).

    ``table`` (tidy, one row per measure of the whole scale: ``measure, estimate, se, ci_low,
    ci_high, n, n_eff, deff, method``), ``items`` (per item: ``item, n, mean, sd, r_cor,
    r_drop, alpha_if_dropped, std_alpha_if_dropped, reversed``), ``missing`` (how missing
    answers were handled), ``notes`` (missing answers, weights, items that correlate
    negatively, omega's factor analysis not converging).
    """

    table: pd.DataFrame
    items: pd.DataFrame
    missing: str
    n: int
    notes: list = field(default_factory=list)

    @property
    def alpha(self) -> float:
        return float(self.table.set_index("measure").loc["alpha", "estimate"])

    def _headline(self) -> str:
        return f"reliability of {len(self.items)} items: alpha = {self.alpha:.3f}, n = {self.n}"


def _alpha(C: np.ndarray) -> float:
    k = C.shape[0]
    return (1 - np.trace(C) / C.sum()) * k / (k - 1)


def _std_alpha(R: np.ndarray) -> float:
    k = R.shape[0]
    return (1 - k / R.sum()) * k / (k - 1)


def _smc(R: np.ndarray) -> np.ndarray:
    try:
        return 1 - 1 / np.diag(np.linalg.inv(R))
    except np.linalg.LinAlgError:
        return np.diag(R @ np.linalg.pinv(R))


def refuse_unweighable(items, npos) -> None:
    """A weighted covariance needs two rows with a positive weight answering both items."""
    few = [(items[i], items[j]) for i in range(len(items)) for j in range(i, len(items))
           if npos[i, j] < 2]
    if few:
        raise ValueError(f"item pair(s) {few[:5]} have fewer than two respondents with a "
                         "positive weight answering both; their weighted covariance is "
                         "undefined")


def _weighted_cov(X: np.ndarray, w: np.ndarray, items) -> np.ndarray:
    k = X.shape[1]
    present = ~np.isnan(X)
    pos = (present & (w > 0)[:, None]).astype(int)
    refuse_unweighable(items, pos.T @ present.astype(int))
    C = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            ok = present[:, i] & present[:, j]
            ww = w[ok]
            xi, xj = X[ok, i], X[ok, j]
            mi, mj = np.average(xi, weights=ww), np.average(xj, weights=ww)
            v = np.sum(ww * (xi - mi) * (xj - mj)) / (ww.sum() - np.sum(ww**2) / ww.sum())
            C[i, j] = C[j, i] = v
    return C


def _numeric_item(s: pd.Series, name) -> np.ndarray:
    """One item as a writable float64 array (NaN for missing); refuses non-numeric answers."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if not pd.api.types.is_numeric_dtype(cats.dtype) or pd.api.types.is_bool_dtype(
                cats.dtype):
            raise TypeError(f"items must be numeric; {name!r} is a categorical of "
                            f"{list(cats)[:8]} (code it as numbers first)")
        codes = s.cat.codes.to_numpy()
        vals = np.asarray(cats, dtype=float)
        return np.where(codes >= 0, vals[np.maximum(codes, 0)], np.nan)
    if pd.api.types.is_bool_dtype(s.dtype) or not pd.api.types.is_numeric_dtype(s.dtype):
        raise TypeError(f"items must be numeric; {name!r} has dtype {s.dtype}")
    x = np.array(s.astype("Float64").to_numpy(dtype="float64", na_value=np.nan), dtype=float,
                 copy=True)
    if np.isinf(x).any():
        raise ValueError(f"item {name!r} has infinite values; declare them missing first")
    return x


def _check_items(X: np.ndarray, items: list) -> None:
    """Constant, empty or non-overlapping items have no covariance structure: say which."""
    for j, it in enumerate(items):
        col = X[:, j]
        ok = col[~np.isnan(col)]
        if ok.size < 2:
            raise ValueError(f"item {it!r} has {ok.size} non-missing answer(s); reliability "
                             "needs at least two per item (drop the item)")
        if np.all(ok == ok[0]):
            raise ValueError(f"item {it!r} is constant (every answer is {ok[0]:g}); its "
                             "variance is 0, so alpha and item correlations are undefined "
                             "(drop the item)")
    present = ~np.isnan(X)
    both = present.T.astype(int) @ present.astype(int)
    few = [(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items))
           if both[i, j] < 2]
    if few:
        raise ValueError(f"item pair(s) {few[:5]} have fewer than two respondents answering "
                         "both; their covariance is undefined (use missing='pairwise' only "
                         "with overlapping items)")


@records_warnings
@check_params
def reliability(d, items, *, keys=None, missing: str = "pairwise", conf_level: float = 0.95,
                omega: bool = True) -> ReliabilityResult:
    """Cronbach's alpha (raw and standardized) with Feldt and Duhachek CIs, and omega total.

    Parameters
    ----------
    d : DataFrame, Design, Wave or engine design
        Respondent answers. With a weighted Design the covariances are weighted; the intervals
        still treat the rows as a simple random sample (the method column says so). An engine
        design (rows in DuckDB, Spark or files) gives the same numbers from per-pair sums
        computed in the engine (:mod:`~cxresearch.statistics.relationships.engine_reliability`).
    items : list of str
        Item columns (numeric).
    keys : list of str, optional
        Items to reverse before scoring (``min + max - x`` over all items' answers).
    missing : {"pairwise", "listwise"}
        Pairwise-complete covariances (``psych::alpha``'s default) or complete rows only.
    omega : bool
        Also compute omega total from a one-factor ML factor analysis.

    Returns
    -------
    ReliabilityResult

    References
    ----------
    Cronbach (1951), *Psychometrika* 16, 297-334. Feldt, L. S. (1965), *Psychometrika* 30,
    357-370. Duhachek, A. & Lacobucci, D. (2004), *J. Applied Psychology* 89, 792-808.
    McDonald, R. P. (1999). *Test Theory: A Unified Treatment*. Revelle, W. ``psych``.

    Examples
    --------
    >>> import cxresearch as cx
    >>> # res = cx.reliability(bfi, ["A1", "A2", "A3", "A4", "A5"], keys=["A1"])
    >>> # In R: psych::alpha(bfi[, 1:5], keys = "A1"); psych::omega(bfi[, 1:5], nfactors = 1)
    """
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")
    if is_engine_design(d):   # rows in DuckDB/Spark: the same moments from aggregates
        from cxresearch.statistics.relationships.engine_reliability import engine_moments
        items, keys = _check_items_and_keys(d.columns, items, keys)
        mom = engine_moments(d, items, keys, missing)
        if mom["weighted"]:   # where the in-memory route's _weighted_cov refuses
            refuse_unweighable(items, mom["npos"])
    else:
        frame, design = resolve(d)
        items, keys = _check_items_and_keys(frame.columns, items, keys)
        mom = _moments(frame, design, items, keys, missing, omega)
    C, weighted, nsub, how = mom["C"], mom["weighted"], mom["nsub"], mom["how"]
    sd = np.sqrt(np.diag(C))
    R = C / np.outer(sd, sd)
    k = len(items)
    a = _alpha(C)
    sa = _std_alpha(R)
    avr = (R.sum() - k) / (k * (k - 1))
    sC = C.sum()
    Q = (2 * k**2 / ((k - 1) ** 2 * sC**3)) * (
        sC * (np.trace(C @ C) + np.trace(C) ** 2) - 2 * np.trace(C) * (C @ C).sum())
    ase = np.sqrt(Q / nsub)
    z = stats.norm.ppf(0.5 + conf_level / 2)
    pv = 1 - conf_level
    df1, df2 = nsub - 1, (nsub - 1) * (k - 1)
    f_lo = 1 - (1 - a) * stats.f.ppf(1 - pv / 2, df1, df2)
    f_hi = 1 - (1 - a) * stats.f.ppf(pv / 2, df1, df2)
    note = "; weighted covariances, intervals treat rows as a simple random sample" \
        if weighted else ""
    rows = [
        dict(measure="alpha", estimate=a, se=ase, ci_low=a - z * ase, ci_high=a + z * ase,
             method="Cronbach's alpha (raw), Duhachek asymptotic SE and CI" + note),
        dict(measure="alpha_feldt", estimate=a, se=np.nan, ci_low=f_lo, ci_high=f_hi,
             method="Cronbach's alpha (raw), Feldt F-based CI" + note),
        dict(measure="alpha_std", estimate=sa, se=np.nan, ci_low=np.nan, ci_high=np.nan,
             method="standardized alpha (from correlations)" + note),
        dict(measure="average_r", estimate=avr, se=np.nan, ci_low=np.nan, ci_high=np.nan,
             method="average inter-item correlation" + note),
    ]
    if omega:
        from statsmodels.multivariate.factor import Factor

        # psych::omega factors cor(x, use = "pairwise"), not cov2cor of the covariances
        Rf = R if weighted else mom["corr"]
        # a fixed start (communalities = squared multiple correlations): statsmodels' own
        # start is random (fresh OS entropy), which made omega differ from run to run
        h2 = np.clip(_smc(Rf), 0.05, 0.95) if np.isfinite(Rf).all() else np.full(k, 0.5)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fa = Factor(corr=Rf, n_factor=1, method="ml", nobs=nsub).fit(
                    start=(np.sqrt(h2)[:, None], 1 - h2))
                uniq = np.asarray(fa.uniqueness, float)
            except (np.linalg.LinAlgError, ValueError):
                uniq = np.full(k, np.nan)
        if not np.isfinite(uniq).all():
            warnings.warn("omega: the one-factor maximum-likelihood factor analysis failed "
                          "(a singular or degenerate correlation matrix); omega is not given "
                          "(alpha does not depend on it)", ConvergenceWarning, stacklevel=2)
        elif any("Convergence" in c.category.__name__ for c in caught):
            warnings.warn("omega: the one-factor maximum-likelihood factor analysis did not "
                          "converge; read omega with caution (alpha does not depend on it)",
                          ConvergenceWarning, stacklevel=2)
        rows.append(dict(measure="omega_total", estimate=1 - uniq.sum() / Rf.sum(), se=np.nan,
                         ci_low=np.nan, ci_high=np.nan,
                         method="McDonald's omega total, one-factor ML factor analysis, "
                                "1 - sum(uniqueness)/sum(R) as psych::omega" + note))
    scale = pd.DataFrame(rows)
    scale["n"] = nsub
    scale["n_eff"] = float(nsub)
    scale["deff"] = np.nan if weighted else 1.0
    scale["method"] = scale["method"] + "; " + how
    scale = scale[["measure", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff",
                   "method"]]
    item_df = _item_table(mom["item_n"], mom["item_mean"], mom["item_sd"], C, R, items,
                          mom["rev"])
    r_drop = item_df["r_drop"].to_numpy()
    neg = [it for it, r in zip(items, r_drop, strict=True) if r < 0]
    if neg:
        warnings.warn(
            f"item(s) {neg} correlate negatively with the rest of the scale "
            f"(item-rest r = {[round(float(r), 3) for r in r_drop if r < 0]}); they probably "
            "need reverse keying (keys=[...])", NegativeItemWarning, stacklevel=2)
    notes = [f"missing answers, {how}"]
    if weighted:
        notes.append("weighted covariances; the intervals treat the rows as a simple random "
                     "sample")
    return ReliabilityResult(table=scale, items=item_df, missing=how, n=nsub, notes=notes)


def _check_items_and_keys(columns, items, keys) -> tuple[list, list]:
    """The item columns (two or more, distinct, present) and the reverse-keyed ones."""
    if isinstance(items, str) or not isinstance(items, list | tuple | pd.Index):
        raise TypeError(f"items must be a list of column names, got {items!r:.80}")
    items = list(items)
    if len(items) < 2:
        raise ValueError(f"items needs at least two columns, got {items}")
    absent = [c for c in items if c not in columns]
    if absent:
        raise ValueError(f"items {absent} are not columns of the data")
    dup = sorted({c for c in items if items.count(c) > 1})
    if dup:
        raise ValueError(f"items lists {dup} more than once")
    if isinstance(keys, str) or not isinstance(keys, list | tuple | pd.Index | None):
        raise TypeError(f"keys must be a list of item names, got {keys!r:.80}")
    keys = list(keys or [])
    bad = [k for k in keys if k not in items]
    if bad:
        raise ValueError(f"keys {bad} are not among the items")
    return items, keys


def _answers(frame, design, items, keys, missing):
    """Answers as floats (reverse-keyed items mirrored), weights, rows used, missing note."""
    # a fresh, writable float array (pandas 3 copy-on-write hands out read-only views)
    X = np.column_stack([_numeric_item(frame[c], c) for c in items])
    w = None if design is None else np.asarray(design.weights, float)
    _check_items(X, items)
    lo, hi = np.nanmin(X), np.nanmax(X)
    rev = np.array([c in keys for c in items])
    X[:, rev] = lo + hi - X[:, rev]
    nsub = X.shape[0]
    if missing == "listwise":
        keep = ~np.isnan(X).any(axis=1)
        X = X[keep]
        w = None if w is None else w[keep]
        nsub = X.shape[0]
        how = f"listwise: {int((~keep).sum())} incomplete row(s) left out, {nsub} used"
        _check_items(X, items)
    else:
        nmiss = int(np.isnan(X).any(axis=1).sum())
        how = (f"pairwise: covariances from pairwise-complete answers; {nmiss} row(s) have at "
               "least one missing item")
    return X, w, rev, nsub, how


def _moments(frame, design, items, keys, missing, omega) -> dict:
    """Covariances (weighted or not), correlations for omega and item statistics from the
    rows in memory (the engine route computes the same: ``engine_reliability``)."""
    X, w, rev, nsub, how = _answers(frame, design, items, keys, missing)
    weighted = w is not None and not np.allclose(w, w[0])
    if weighted:
        C = _weighted_cov(X, w, items)
    else:
        C = pd.DataFrame(X).cov().to_numpy()
    # psych::omega factors cor(x, use = "pairwise"), not cov2cor of the covariances
    corr = pd.DataFrame(X).corr().to_numpy() if omega and not weighted else None
    return {"C": C, "weighted": weighted, "nsub": nsub, "how": how, "rev": rev, "corr": corr,
            "item_n": (~np.isnan(X)).sum(0), "item_mean": np.nanmean(X, 0),
            "item_sd": np.nanstd(X, 0, ddof=1)}


def _item_table(item_n, item_mean, item_sd, C, R, items, rev) -> pd.DataFrame:
    """Per item: n, mean, sd, corrected item-total r, item-rest r, alpha if dropped."""
    k = len(items)
    RC = R.copy()
    np.fill_diagonal(RC, _smc(R))
    r_cor = RC.sum(0) / np.sqrt(RC.sum())
    r_drop, a_drop, sa_drop = np.empty(k), np.empty(k), np.empty(k)
    for i in range(k):
        o = np.arange(k) != i
        r_drop[i] = (C[:, i].sum() - C[i, i]) / np.sqrt(C[i, i] * C[np.ix_(o, o)].sum())
        if k > 2:
            a_drop[i] = _alpha(C[np.ix_(o, o)])
            sa_drop[i] = _std_alpha(R[np.ix_(o, o)])
        else:
            a_drop[i] = sa_drop[i] = np.nan
    item_df = pd.DataFrame({
        "item": items, "n": item_n, "mean": item_mean, "sd": item_sd, "r_cor": r_cor, "r_drop": r_drop,
        "alpha_if_dropped": a_drop, "std_alpha_if_dropped": sa_drop, "reversed": rev})
    return item_df
