"""Design-based means, totals and proportions, with confidence intervals.

Every estimator takes a :class:`~cxresearch.design.Design`, a plain DataFrame (simple random
sample, unit weights) or a Wave (its ``design()``), computes the influence function of the
estimate and obtains its variance from ``Design.total_variance`` — the one variance engine —
so that weights, strata, PSUs, fpc and raking are honoured. Domains (``by=``) are handled as in
``survey::svyby``: domain membership is random, the scores are zero outside the domain and the
design is not cut.

Conventions (stated in each result's ``method`` column):

* **Confidence intervals — the one convention of the package.** Student's t with the degrees
  of freedom of the *whole* design (PSUs minus strata), also for every ``by=`` domain: R's
  ``confint(svymean(~y, des), df = degf(des))`` and ``confint(svyby(~y, ~g, des, svymean),
  df = degf(des))``. :func:`mean`, :func:`total`, :func:`proportion`, the CX indices
  (:func:`cxresearch.nps`, ``top_box``, ``csat``, ``likert_index``) and
  :func:`cxresearch.compare_groups` all follow it, so the same domain gets the same interval
  from each. The ``df=`` argument chooses otherwise: ``df="domain"`` uses, per domain, the
  PSUs minus strata that have respondents in it (``degf()`` of the subset design, what
  ``svyby(..., svyciprop)`` uses); a number fixes the df; ``df=np.inf`` gives the normal
  interval of R's plain ``confint()``. The df used is stated in ``method``.
* A domain with a single respondent has an undefined variance: its ``se``, ``deff``,
  and interval are NaN (``n_eff`` is 1), with a :class:`~cxresearch.errors.SingleRespondentWarning`
  and a note in ``method`` (never a silent SE of 0).
* ``deff`` is the design effect against simple random sampling without replacement of the same
  number of respondents, as ``svymean(..., deff=TRUE)``: ``var / (s² / n · (1 − n / N̂))``.
  When the weights do not estimate a population size (their sum is not larger than the sample
  size, e.g. unit or normalized weights) the without-replacement factor is dropped (``survey``
  would report an infinite deff), and also when they sum to less than twice the sample size
  (weights averaging about 1 estimate no population, and a domain's factor ``1 − n/N̂`` would
  be near zero and inflate deff): then deff is against sampling with replacement, as
  ``svymean(deff="replace")``. It depends on the estimate, so reports show Kish's n_eff.
* ``n_eff`` is Kish's effective sample size of the respondents behind the estimate (valid
  answers in the domain): ``(Σw)² / Σw²`` — the same number in estimates, banners and
  tracking; it depends on the weights only, not on the variable or the clustering
  (R: ``sum(w)^2 / sum(w^2)`` over the domain's respondents).
* Weights and answers above 1e100 in absolute value (where sums of squares overflow) are
  refused with a ``ValueError`` naming them: their variance cannot be computed in floating
  point, and an SE of 0 would be a silent wrong answer.
* Missing values of the analysed variable are left out of the domain (``na.rm=TRUE``).

Written by hand on top of numpy (linearization needs the design); plain-count intervals come
from ``statsmodels.stats.proportion.proportion_confint``.

References
----------
Lumley, T. (2010). *Complex Surveys*. Wiley. Ch. 2–3.
Korn, E. L., & Graubard, B. I. (1998). Confidence intervals for proportions with small
expected number of positive counts estimated from survey data. *Survey Methodology*, 24, 193–201.
Brown, L. D., Cai, T. T., & DasGupta, A. (2001). Interval estimation for a binomial proportion.
*Statistical Science*, 16(2), 101–133.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats
from statsmodels.stats.proportion import proportion_confint

from cxresearch.sampling.engine import TooManyCells
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import as_design
from cxresearch.statistics.design.results import records_warnings
from cxresearch.statistics.estimates.domains import (
    COLUMNS,
    assemble,
    design_label,
    df_text,
    groups,
    numeric,
    ratio_estimates,
    t_quantile,
)

__all__ = ["mean", "proportion", "proportion_ci", "total"]


_PLAIN = {"wilson": "wilson", "clopper-pearson": "beta", "agresti-coull": "agresti_coull",
          "jeffreys": "jeffreys", "wald": "normal"}
_DESIGN_ONLY = ("logit", "beta", "mean")


def _vars(var) -> list:
    return [var] if isinstance(var, str) or not isinstance(var, Sequence) else list(var)


# --------------------------------------------------------------------------- public
@records_warnings
@check_params
def mean(d, var, by=None, *, conf_level: float = 0.95, df=None) -> pd.DataFrame:
    """Weighted mean with its linearized standard error and confidence interval.

    Parameters
    ----------
    d : Design, DataFrame or Wave
    var : str or list of str
        Numeric column(s); missing values are left out (``na.rm=TRUE``).
    by : str or list of str, optional
        Domain columns (``svyby``); rows with a missing group are left out.
    conf_level : float
    df : None, "design", "domain" or float
        Degrees of freedom of the t interval: the whole design's (default, also for every
        ``by=`` domain, as ``confint(svyby(...), df = degf(des))``), ``"domain"`` (each
        domain's own PSUs minus strata), a number, or ``np.inf`` for a normal interval. See
        the module notes: this rule is shared by every estimator of the package.

    Returns
    -------
    DataFrame with the ``by`` columns, ``item`` and ``estimate, se, ci_low, ci_high, n, n_eff,
    deff, method``.

    References
    ----------
    Lumley (2010), §2.3; ``survey::svymean``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxresearch.sampling.design import Design
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2]})
    >>> float(mean(Design(d, weights="w"), "y")["estimate"].iloc[0])
    2.8333333333333335
    >>> # In R: svymean(~y, svydesign(ids=~1, weights=~w, data=d))
    """
    return _weighted(d, var, by, conf_level, df, total=False)


@records_warnings
@check_params
def total(d, var, by=None, *, conf_level: float = 0.95, df=None) -> pd.DataFrame:
    """Weighted total (population total estimate) with its linearized SE and CI.

    Same parameters and columns as :func:`mean`. ``deff`` follows ``svytotal(deff=TRUE)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxresearch.sampling.design import Design
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2]})
    >>> float(total(Design(d, weights="w"), "y")["estimate"].iloc[0])
    17.0
    >>> # In R: svytotal(~y, svydesign(ids=~1, weights=~w, data=d))
    """
    return _weighted(d, var, by, conf_level, df, total=True)


def _weighted(d, var, by, conf_level, df, total: bool) -> pd.DataFrame:
    """The body of :func:`mean` and :func:`total`: each variable as a ratio (or total) in every
    ``by`` group. An engine design whose cell aggregate would be too large (a continuous
    variable) goes by two passes of per-PSU sums (:mod:`cxresearch.sampling.sums`) instead,
    giving the same table."""
    try:
        des = as_design(d, columns=[var, by])
    except TooManyCells:
        from cxresearch.sampling.sums import ratio_by_sums
        des, gcode = d, None
    else:
        gtable, gcode = groups(des, by)
    outs = []
    for v in _vars(var):
        if gcode is None:
            gtable, res = ratio_by_sums(d, v, by, total=total)
        else:
            y, ok = numeric(des, v)
            res = ratio_estimates(des, y, ok.astype(float), ok, gcode, gtable,
                                  f"value of {v!r}", total=total)
        outs.append(assemble(gtable, res, {"item": [v]}, conf_level, df,
                             f"weighted {'total' if total else 'mean'}; linearized SE "
                             f"({design_label(des)})"))
    return _order(pd.concat(outs, ignore_index=True), gtable, ["item"])


def _order(out: pd.DataFrame, gtable: pd.DataFrame, lead: list[str]) -> pd.DataFrame:
    return out[[*gtable.columns, *lead, *COLUMNS]]


def _plain_ci(x, n, method: str, alpha: float):
    """statsmodels' interval, with exact end points at x = 0 and x = n."""
    x, n = np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(n, dtype=float))
    lo, hi = proportion_confint(x, n, alpha=alpha, method=_PLAIN[method])
    lo, hi = np.array(lo, dtype=float, ndmin=1), np.array(hi, dtype=float, ndmin=1)
    # at x = 0 (x = n) every method's lower (upper) end is 0 (1): remove rounding noise, and
    # apply the boundary rule of Brown et al. (2001) to Jeffreys
    lo = np.where(x <= 0, 0.0, np.maximum(lo, 0.0))
    hi = np.where(x >= n, 1.0, np.minimum(hi, 1.0))
    return lo, hi


def design_prop_ci(method: str, conf_level: float, srs_counts: bool):
    """Interval function (est, se, n, df, deff) -> (lo, hi, text) for a design proportion."""
    if method not in _DESIGN_ONLY and method not in _PLAIN:
        raise ValueError(f"ci_method must be one of {sorted([*_DESIGN_ONLY, *_PLAIN])}, "
                         f"got {method!r}")
    alpha = 1 - conf_level

    def ci(p, se, n, df, deff):
        dft = np.inf if df is None else df
        if method == "mean":
            q = t_quantile(conf_level, df)
            return p - q * se, p + q * se, f"Wald {df_text(df)}"
        if method == "logit" and 0 < p < 1:
            q = t_quantile(conf_level, df)
            h = q * se / (p * (1 - p))
            lg = special.logit(p)
            return (special.expit(lg - h), special.expit(lg + h),
                    f"logit CI ({df_text(df)}), as svyciprop(method='logit')")
        if method in ("beta", "logit"):
            # Korn-Graubard: effective n, scaled by (t_{n-1} / t_df)^2
            neff = p * (1 - p) / se**2 if se > 0 else float(n)
            if dft > 0 and n > 1:
                neff *= (stats.t.ppf(alpha / 2, n - 1) / stats.t.ppf(alpha / 2, dft)) ** 2
            x = neff * p
            lo = stats.beta.ppf(alpha / 2, x, neff - x + 1) if x > 0 else 0.0
            hi = stats.beta.ppf(1 - alpha / 2, x + 1, neff - x) if neff - x > 0 else 1.0
            txt = "Korn-Graubard beta CI (effective n, design df)"
            if method == "logit":
                txt += f"; logit CI undefined at p={p:g}"
            return lo, hi, txt
        # plain-count methods: counts for an SRS, else effective n = n / deff
        if srs_counts:
            x, m = p * n, n
            txt = f"{method} CI"
        else:
            m = n / deff if np.isfinite(deff) and deff > 0 else n
            x = p * m
            txt = f"{method} CI on effective n (n/deff)"
        lo, hi = _plain_ci(x, m, method, alpha)
        return float(lo[0]), float(hi[0]), txt

    return ci


@records_warnings
@check_params
def proportion(d, var, level=None, by=None, *, ci_method: str = "logit",
               conf_level: float = 0.95, df=None, label: str | None = None) -> pd.DataFrame:
    """Proportion per level of a categorical column, or of a condition.

    Parameters
    ----------
    d : Design, DataFrame or Wave
    var : str or boolean array-like
        A column (categorical, string, numeric codes or boolean) or a condition: a boolean
        array/Series of length n (NA = missing).
    level : scalar or list, optional
        Level(s) of ``var`` to report (default: every level; ``True`` for a boolean).
    by : str or list of str, optional
    ci_method : {"logit", "beta", "mean", "wilson", "clopper-pearson", "agresti-coull",
        "jeffreys", "wald"}
        ``logit`` (default, as ``svyciprop``), ``beta`` (Korn–Graubard) and ``mean`` (Wald) use
        the design df. The plain-count methods use the counts for a simple random sample and
        the effective sample size ``n / deff`` for other designs. At p = 0 or 1 the logit
        interval is undefined and the Korn–Graubard interval is given (stated in ``method``).
    label : str, optional
        Name shown in the ``item`` column when ``var`` is a condition (default
        ``"condition"``).
    df : None, "design", "domain" or float
        Interval degrees of freedom, as in :func:`mean` (default: the whole design's df for
        every domain; ``svyby(..., svyciprop)`` uses ``"domain"``).

    Returns
    -------
    DataFrame with the ``by`` columns, ``item``, ``level`` and the standard columns.

    References
    ----------
    Korn & Graubard (1998); ``survey::svyciprop``, ``survey::svymean`` of a factor.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"g": ["a", "b", "b", "b"]})
    >>> proportion(d, "g")["estimate"].tolist()
    [0.25, 0.75]
    >>> # In R: svymean(~g, svydesign(ids=~1, data=d)); svyciprop(~I(g == "b"), des)
    """
    des = as_design(d, columns=[var, by])
    gtable, gcode = groups(des, by)
    if isinstance(var, str):
        s = des.column(var)
        term = var
    else:
        arr = var.to_numpy() if isinstance(var, pd.Series) else np.asarray(var)
        if arr.shape != (des.n,):
            raise ValueError(f"var must be a column name or an array of length {des.n}")
        s = pd.Series(arr, index=des.data.index)
        term = label or "condition"
    ok = ~s.isna().to_numpy()
    is_bool = pd.api.types.is_bool_dtype(s.dtype) or (
        s.dtype == object and set(pd.unique(s[ok])) <= {True, False})
    if is_bool:
        levels = [True] if level is None else _vars(level) if not isinstance(level, bool) else [
            level]
        vals = s.to_numpy(dtype=object)
    else:
        codes, uniq = pd.factorize(s, sort=True)
        levels = list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype) else list(
            uniq)
        if level is not None:
            want = [level] if np.isscalar(level) else list(level)
            unknown = [x for x in want if x not in levels]
            if unknown:
                raise ValueError(f"level {unknown[0]!r} is not a level of {term!r} "
                                 f"(levels: {levels[:20]})")
            levels = want
        vals = s.to_numpy(dtype=object)
    A = np.zeros((des.n, len(levels)))
    vok = vals[ok]
    for j, lv in enumerate(levels):
        A[ok, j] = vok == lv
    srs_counts = des.srs
    res = ratio_estimates(des, A, ok.astype(float), ok, gcode, gtable, f"answer to {term!r}")
    out = assemble(gtable, res, {"item": [term] * len(levels), "level": levels}, conf_level, df,
                   f"proportion; linearized SE ({design_label(des)})",
                   ci=design_prop_ci(ci_method, conf_level, srs_counts))
    return _order(out, gtable, ["item", "level"])


@records_warnings
@check_params
def proportion_ci(x, n, method: str = "wilson", *, conf_level: float = 0.95) -> pd.DataFrame:
    """Confidence interval for a proportion from plain counts ``x`` successes out of ``n``.

    Parameters
    ----------
    x, n : int or array-like
    method : {"wilson", "clopper-pearson", "agresti-coull", "jeffreys", "wald"}
        Wilson score (``prop.test(correct=FALSE)``), Clopper–Pearson exact
        (``binom.test``), Agresti–Coull, Jeffreys (equal-tailed Beta(x+½, n−x+½)) and Wald;
        computed by ``statsmodels.stats.proportion.proportion_confint``.

    Returns
    -------
    DataFrame, one row per (x, n), with ``x`` and the standard columns (``se`` is the binomial
    ``sqrt(p(1-p)/n)``; ``deff`` is 1 and ``n_eff`` is n).

    Examples
    --------
    >>> proportion_ci(7, 20, "clopper-pearson")[["ci_low", "ci_high"]].round(4).values.tolist()
    [[0.1539, 0.5922]]
    >>> # In R: binom.test(7, 20)$conf.int
    """
    if method not in _PLAIN:
        raise ValueError(f"method must be one of {sorted(_PLAIN)}, got {method!r}; "
                         "logit and beta intervals need a design: use proportion()")
    for nm, v in (("x", x), ("n", n)):
        a = np.asarray(v)
        if a.dtype.kind not in "iuf" or a.dtype == bool:
            raise TypeError(f"{nm} must be whole counts (numbers), got {v!r}")
    xa = np.atleast_1d(np.asarray(x, dtype=float))
    na = np.atleast_1d(np.asarray(n, dtype=float))
    xa, na = (np.array(a) for a in np.broadcast_arrays(xa, na))
    if np.any(na <= 0) or np.any(xa < 0) or np.any(xa > na) or np.any(xa != np.round(xa)):
        raise ValueError(f"need whole counts with 0 <= x <= n and n > 0, got x={x}, n={n}")
    p = xa / na
    lo, hi = _plain_ci(xa, na, method, 1 - conf_level)
    return pd.DataFrame({"x": xa.astype(int), "estimate": p, "se": np.sqrt(p * (1 - p) / na),
                         "ci_low": np.asarray(lo, dtype=float),
                         "ci_high": np.asarray(hi, dtype=float),
                         "n": na.astype(int), "n_eff": na, "deff": 1.0,
                         "method": f"{method} CI ({conf_level:.0%})"})
