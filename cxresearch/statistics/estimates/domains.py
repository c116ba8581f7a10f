"""Domain ratio estimation: the machinery every design-based estimate of a mean or a share
shares — the analysed values, the domains of ``by=``, the ratio estimates with their
linearized variances, the design's description, the interval's df and the tidy table.

Split from :mod:`~cxresearch.statistics.estimates.means` (which holds ``mean``, ``total``,
``proportion``); the conventions (one df rule, deff, Kish's n_eff, refusals of overflowing
values) are stated there.

References
----------
Lumley, T. (2010). *Complex Surveys*. Wiley. Ch. 2–3 (ratio estimators, domains).

Examples
--------
>>> import pandas as pd
>>> from cxresearch.sampling.design import Design
>>> design_label(Design(pd.DataFrame({"y": [1.0, 2.0]})))
'simple random sample'
>>> # In R: svyratio(~y, ~one, des); svyby(~y, ~g, des, svymean)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from cxresearch.errors import SingleRespondentWarning
from cxresearch.sampling.design import Design
from cxresearch.statistics.design.params import check
from cxresearch.statistics.design.resolve import refuse_infinite, row_counts

__all__ = ["COLUMNS", "HUGE", "assemble", "design_label", "df_text", "groups", "numeric",
           "ratio_estimates", "refuse_huge", "resolve_df", "t_quantile", "without_replacement"]

COLUMNS = ["estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff", "method"]


def numeric(design: Design, var, what: str = "var") -> tuple[np.ndarray, np.ndarray]:
    """A column (name or array) as float values with a validity mask."""
    if isinstance(var, str):
        if var not in design.data.columns:
            raise ValueError(f"{what}={var!r} is not a column of the data; columns are "
                             f"{list(design.data.columns)[:30]}")
        s = design.column(var)
    else:
        arr = var.to_numpy() if isinstance(var, pd.Series) else np.asarray(var)
        if arr.shape != (design.n,):
            raise ValueError(f"{what} must be a column name or an array of length {design.n}")
        s = pd.Series(arr)
    if isinstance(s.dtype, pd.CategoricalDtype):
        raise TypeError(f"{what}={getattr(s, 'name', var)!r} is categorical; use proportion()")
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        raise TypeError(f"{what}={var!r} is not numeric (dtype {s.dtype})")
    x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    name = f"{what}={getattr(s, 'name', None) or var!r}" if isinstance(var, str) else what
    refuse_infinite(x, name)
    refuse_huge(x, name)
    ok = np.isfinite(x)
    return np.where(ok, x, 0.0), ok


HUGE = 1e100  # sums of squares of larger numbers can overflow a float: no variance exists


def refuse_huge(x: np.ndarray, what: str, kind: str = "value") -> None:
    """Raise a ValueError when ``x`` holds a number above 1e100 in absolute value: sums of
    squares can overflow a float there, so no variance can be computed and an SE of 0 or inf
    would be wrong. The message names ``what``, the value and its row."""
    a = np.abs(np.asarray(x, dtype=float))
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(a) & (a > HUGE)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValueError(f"{what} has {rows.size} {kind}(s) beyond the range a variance can be "
                         f"computed for (first at row {rows[0]}: {float(np.asarray(x)[rows[0]]):g}; "
                         f"above {HUGE:g} the sums of squares behind a variance overflow); "
                         "check the data for a unit or coding error"
                         + (", or recode the value as missing" if kind == "value" else ""))



def groups(design: Design, by) -> tuple[pd.DataFrame, np.ndarray]:
    """Group table (one row per observed group, sorted) and each row's group code (-1: NA)."""
    if by is None:
        return pd.DataFrame(index=[0]), np.zeros(design.n, dtype=np.intp)
    cols = [by] if isinstance(by, str) else list(by)
    if not cols:
        return pd.DataFrame(index=[0]), np.zeros(design.n, dtype=np.intp)
    codes, uniq, bad = [], [], np.zeros(design.n, dtype=bool)
    for c in cols:
        s = design.column(c)
        cc, u = pd.factorize(s, sort=True)
        bad |= cc < 0
        codes.append(np.where(cc < 0, 0, cc))
        uniq.append(u)
    key = np.ravel_multi_index(codes, [max(len(u), 1) for u in uniq])
    key = np.where(bad, -1, key)
    present, inv = np.unique(key[~bad], return_inverse=True)
    if not len(present) and design.n:
        rows = getattr(design, "n_rows", design.n)  # an engine design's cells: its rows
        raise ValueError(f"by={by!r} has no answer in any of the {rows} rows: there is no "
                         "domain to estimate in (check the column, or leave by= out)")
    g = np.full(design.n, -1, dtype=np.intp)
    g[~bad] = inv
    parts = np.unravel_index(present, [max(len(u), 1) for u in uniq])
    table = pd.DataFrame({c: u.take(p) for c, u, p in zip(cols, uniq, parts, strict=True)})
    for c in cols:
        s = design.column(c)
        if isinstance(s.dtype, pd.CategoricalDtype):
            table[c] = pd.Categorical(table[c], categories=s.cat.categories,
                                      ordered=s.cat.ordered)
    return table.reset_index(drop=True), g


def _group_label(table: pd.DataFrame, g: int) -> str:
    return ", ".join(f"{c}={table.iloc[g][c]!r}" for c in table.columns) or "the whole sample"


def t_quantile(conf_level: float, df) -> float:
    check("conf_level", conf_level)
    a = (1 + conf_level) / 2
    if df is None or not np.isfinite(df):
        return float(stats.norm.ppf(a))
    return float(stats.t.ppf(a, df)) if df > 0 else np.nan


def design_label(design: Design) -> str:
    if design.srs:
        return "simple random sample"
    bits = []
    vary = getattr(design, "weights_vary", None)  # an engine design's cells know
    if vary if vary is not None else (design.spec.get("weights") is not None
                                      or not np.all(design.weights == design.weights[0])):
        bits.append("weighted")
    if len(design.strata_levels) > 1:
        bits.append(f"{len(design.strata_levels)} strata")
    if not design.psu_is_row:
        bits.append(f"{design.n_psu} PSUs")
    if design.has_fpc:
        bits.append("fpc")
    if design.has_calibration:
        bits.append("raked/calibrated")
    return "design: " + (", ".join(bits) or "unit weights")


def without_replacement(design: Design) -> bool:
    """Whether ``deff`` compares with sampling *without* replacement: only when the weights
    estimate a population clearly larger than the sample (their sum at least twice the number
    of respondents). Weights that average about 1 (normalized, or raked to the sample size)
    say nothing about a population; there the factor ``1 - n/N̂`` of a domain whose weights
    sum to a little more than its respondents is near zero and would inflate deff (the
    "Effective n 27.7, deff 4.44" of issue 26; R's ``svymean(deff=TRUE)`` gives the same
    number, with its warning "Sample size greater than population size" on the whole sample).
    """
    return float(np.sum(design.weights)) >= 2.0 * float(np.sum(row_counts(design, design.n)))


def ratio_estimates(design: Design, A: np.ndarray, B: np.ndarray, valid: np.ndarray,
                    gcode: np.ndarray, gtable: pd.DataFrame, what: str,
                    total: bool = False, cov: bool = False) -> list[dict]:
    """Ratios Σw·A_j / Σw·B (or totals Σw·A_j) in every group, with linearized variances.

    ``A`` (n × k) and ``B`` (n,) are zero where ``valid`` is False. Returns, per group, a dict
    with arrays ``est, var, vsrs`` (length k), ``n`` (valid respondents), ``df`` and, with
    ``cov=True``, the k × k covariance ``V``.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim == 1:
        A = A[:, None]
    B = np.asarray(B, dtype=float)
    w = design.weights
    refuse_huge(w, "the design's weights" if design.spec.get("weights") is None
                else f"weights={design.spec.get('weights')!r}", "weight")
    G, k = len(gtable), A.shape[1]
    m = np.asarray(valid, dtype=bool) & (gcode >= 0)
    gi = np.where(m, gcode, 0)
    rows = np.flatnonzero(m)
    gr, wr = gi[rows], w[rows]
    nn = np.bincount(gr, weights=row_counts(design, design.n)[rows], minlength=G)
    Wd = np.bincount(gr, weights=wr, minlength=G)
    w2 = getattr(design, "w2", None)  # an engine's collapsed cells carry their sum of w²
    W2d = np.bincount(gr, weights=(w * w if w2 is None else w2)[rows], minlength=G)
    npos = np.bincount(gr, weights=(wr > 0).astype(float), minlength=G)
    for g in range(G):
        if nn[g] == 0 or npos[g] == 0:
            raise ValueError(f"empty domain: no respondent with a valid {what} in "
                             f"{_group_label(gtable, g)}")
    num = np.column_stack([np.bincount(gr, weights=wr * A[rows, j], minlength=G)
                           for j in range(k)])                           # G x k
    if total:
        est = num
        mean_g = num / Wd[:, None]
        zr = A[rows]                                                     # score of a total
        zc = zr - mean_g[gr]
    else:
        Bd = np.bincount(gr, weights=wr * B[rows], minlength=G)
        for g in range(G):
            if Bd[g] <= 0:
                raise ValueError(f"empty domain: denominator is zero in "
                                 f"{_group_label(gtable, g)}")
        est = num / Bd[:, None]
        zr = (A[rows] - B[rows, None] * est[gr]) / Bd[gr, None]
        zc = zr
    ss = np.column_stack([np.bincount(gr, weights=wr * zc[:, j] ** 2, minlength=G)
                          for j in range(k)])
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where((nn > 1)[:, None], ss / Wd[:, None] * (nn / (nn - 1))[:, None], np.nan)
    vsrs = s2 * (Wd**2 / nn)[:, None]
    if not design.srs and without_replacement(design):
        fpc = np.where(Wd > nn * (1 + 1e-9), (Wd - nn) / Wd, 1.0)
        vsrs = vsrs * fpc[:, None]
    # one variance-engine call per block of groups (scores are zero outside each group)
    Vs = [None] * G
    step = max(1, 8 // k)  # the engine returns the full covariance: keep blocks narrow
    for g0 in range(0, G, step):
        gs = range(g0, min(G, g0 + step))
        Z = np.zeros((design.n, len(gs) * k))
        for t, g in enumerate(gs):
            sel = gr == g
            Z[rows[sel], t * k:(t + 1) * k] = zr[sel]
        V = design.total_variance(Z)
        for t, g in enumerate(gs):
            Vs[g] = V[t * k:(t + 1) * k, t * k:(t + 1) * k].copy()
    out = []
    for g in range(G):
        V = Vs[g]
        var = np.diag(V).copy()
        if nn[g] == 1:
            warnings.warn(f"only one respondent with a valid {what} in "
                          f"{_group_label(gtable, g)}: its standard error is undefined (NaN)",
                          SingleRespondentWarning, stacklevel=3)
            var[:] = np.nan
            V = np.full_like(V, np.nan)
        df_dom = design.df if gtable.shape[1] == 0 else (
            lambda g=g: design.domain_df(gcode == g))  # computed only when df="domain" asks
        out.append({"est": est[g].copy(), "var": var, "vsrs": vsrs[g].copy(), "n": int(nn[g]),
                    "n_eff": float(Wd[g] ** 2 / W2d[g]) if W2d[g] > 0 else np.nan,
                    "df": design.df, "df_domain": df_dom, "V": V if cov else None})
    return out


def resolve_df(df_opt, r: dict):
    """The interval df for one ``ratio_estimates`` group: ``df=`` None/"design"/"domain"/x."""
    if df_opt is None or (isinstance(df_opt, str) and df_opt == "design"):
        return r["df"]
    if isinstance(df_opt, str):
        if df_opt == "domain":
            dfd = r.get("df_domain", r["df"])
            return dfd() if callable(dfd) else dfd
        raise ValueError(f"df must be None, 'design', 'domain' or a positive number, got "
                         f"{df_opt!r}")
    if isinstance(df_opt, bool) or not isinstance(df_opt, int | float | np.integer |
                                                  np.floating) or not df_opt > 0:
        raise ValueError(f"df must be None, 'design', 'domain' or a positive number, got "
                         f"{df_opt!r}")
    return float(df_opt)


def assemble(gtable, res, lead: dict, conf_level, df_opt, label, scale=1.0, ci=None):
    """Tidy DataFrame from ``ratio_estimates`` output; ``lead`` maps a column to k values."""
    t_quantile(conf_level, None)  # checks conf_level
    rows = []
    k = len(next(iter(lead.values()))) if lead else 1
    for g, r in enumerate(res):
        df = resolve_df(df_opt, r)
        for j in range(k):
            est, var = r["est"][j], r["var"][j]
            if np.isfinite(var):
                var = max(var, 0.0)
                if var <= 1e-24 * max(est * est, 1e-300):  # rounding noise of an exact zero
                    var = 0.0
            se = np.sqrt(var)
            deff = var / r["vsrs"][j] if np.isfinite(var) and r["vsrs"][j] > 0 else np.nan
            if not np.isfinite(se):
                lo, hi, how = np.nan, np.nan, "SE undefined: one respondent in the domain"
            elif ci is None:
                q = t_quantile(conf_level, df)
                lo, hi, how = est - q * se, est + q * se, df_text(df)
            else:
                lo, hi, how = ci(est, se, r["n"], df, deff)
            row = {c: gtable.iloc[g][c] for c in gtable.columns}
            row.update({c: v[j] for c, v in lead.items()})
            row.update({"estimate": est * scale, "se": se * scale, "ci_low": lo * scale,
                        "ci_high": hi * scale, "n": r["n"],
                        "n_eff": r.get("n_eff", np.nan),
                        "deff": deff, "method": f"{label}; {how}"})
            rows.append(row)
    out = pd.DataFrame(rows)
    for c in gtable.columns:
        out[c] = out[c].astype(gtable[c].dtype)
    return out


def df_text(df) -> str:
    if df is None or not np.isfinite(df):
        return "normal CI"
    return f"t CI, df={int(df)}"


