"""Proportional-odds (cumulative link) regression for ordered outcomes.

Convention of R's ``MASS::polr`` and ``ordinal::clm``::

    logit P(Y <= k | x) = zeta_k - x'beta,   k = 1..K-1

so a positive coefficient moves respondents to *higher* categories, and ``exp(beta)`` is the
odds ratio of answering above any cut-point (``P(Y > k)``) per unit of ``x``.

The fit is a Newton-Raphson with the analytic gradient and Hessian written here (statsmodels'
``OrderedModel`` gives the same estimates but uses numerical derivatives and a generic
optimizer, which is an order of magnitude slower at 100,000 rows; see
``benchmarks/bench_relationships.py``). Standard errors are the inverse observed information
(as ``polr(Hess = TRUE)``), with frequency weights equal to expanded data; with a
:class:`~cxresearch.design.Design` they are the design-based sandwich of ``survey::svyolr``
through ``Design.total_variance``. The proportional-odds assumption is checked with the Brant
(1990) Wald test (written here; no maintained Python library has it); for a design its
covariance comes from the linearized scores of the K-1 binary logits.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from cxresearch.errors import ConvergenceWarning, SeparationWarning
from cxresearch.sampling.design import check_weights
from cxresearch.sampling.engine import is_engine_design
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import (
    column,
    design_weights,
    engine_columns,
    resolve,
    total_variance,
)
from cxresearch.statistics.design.results import Result, records_warnings
from cxresearch.statistics.relationships.brant import brant_test

__all__ = ["OrdinalResult", "ordinal_logit"]

_LINKS = ("logit", "probit")
_SE = ("auto", "model", "design")
# a coefficient is "not estimable" when it moves the linear predictor by more than this many
# logits per standard deviation of its column: exp(12) = 160,000-fold odds, which no survey
# answer pattern supports; it is the signature of (quasi-)complete separation, where
# Newton-Raphson walks towards infinity while the log-likelihood flattens.
_SEP_LIMIT = 12.0


def _check_matrix(X: np.ndarray, names: list, terms: list) -> None:
    """Constant or collinear predictor columns (with the thresholds' intercept): ValueError
    naming them, instead of a singular information matrix."""
    if X.shape[1] == 0:
        return
    const = sorted({t for j, t in enumerate(terms) if np.ptp(X[:, j]) == 0})
    if const:
        raise ValueError(f"predictor(s) {const} are constant in the rows used (after dropping "
                         "missing answers); a constant has no effect to estimate: drop it")
    X1 = np.column_stack([np.ones(len(X)), (X - X.mean(0)) / X.std(0)])
    rank = np.linalg.matrix_rank(X1)
    if rank == X1.shape[1]:
        return
    involved = [names[j] for j in range(X.shape[1])
                if np.linalg.matrix_rank(np.delete(X1, j + 1, axis=1)) == rank]
    raise ValueError(f"predictor column(s) {involved} are collinear (one is a linear "
                     "combination of the others) in the rows used; drop one of them")


def _separated(est: np.ndarray, X: np.ndarray, names: list, m: int, rows=None) -> list:
    """Coefficients whose effect per SD of their column is beyond :data:`_SEP_LIMIT` (SD over
    the rows used: ``rows`` counts the rows each row of ``X`` stands for, a cell's)."""
    if X.shape[1] == 0:
        return []
    if rows is None:
        sd = X.std(0)
    else:
        mu = rows @ X / rows.sum()
        sd = np.sqrt(rows @ (X - mu) ** 2 / rows.sum())
    scale = np.abs(est[m:]) * sd
    return [names[j] for j in np.flatnonzero(~np.isfinite(scale) | (scale > _SEP_LIMIT))]


def _cdf(u, link):
    if link == "logit":
        return special.expit(u)
    return special.ndtr(u)


def _pdf_and_deriv(u, link):
    if link == "logit":
        F = special.expit(u)
        f = F * (1 - F)
        return f, f * (1 - 2 * F)
    f = np.exp(-0.5 * u * u) / np.sqrt(2 * np.pi)
    return f, -u * f


def _prep_outcome(s: pd.Series, outcome, outcome_order):
    if outcome_order is not None:
        levels = list(outcome_order)
        bad = sorted(set(map(str, pd.unique(s.dropna()))) - set(map(str, levels)))
        if bad:
            raise ValueError(f"outcome {outcome!r} has values {bad} not in outcome_order")
        codes = pd.Categorical(s.astype("str").where(s.notna()),
                               categories=[str(v) for v in levels]).codes
        return codes.astype(np.int64), levels
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not s.cat.ordered:
            raise ValueError(
                f"outcome {outcome!r} is an unordered categorical ({list(s.cat.categories)}); a "
                "proportional-odds model needs an ordered outcome: make it ordered "
                "(s.cat.as_ordered() after checking the category order) or pass "
                "outcome_order=[lowest, ..., highest]")
        used = set(pd.unique(s.dropna()))
        levels = [c for c in s.cat.categories if c in used]
        return pd.Categorical(s, categories=levels).codes.astype(np.int64), levels
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        levels = sorted(pd.unique(s.dropna()).tolist())
        return pd.Categorical(s, categories=levels).codes.astype(np.int64), levels
    raise ValueError(
        f"outcome {outcome!r} has dtype {s.dtype} with no order; pass an ordered categorical, "
        "numeric codes, or outcome_order=[lowest, ..., highest]")


@dataclass
class _Encoder:
    """Turns predictor columns into the model matrix (treatment dummies for categoricals)."""

    specs: list = field(default_factory=list)   # (name, kind, levels or None)

    def fit(self, frame, predictors, reference):
        for p in predictors:
            s = column(frame, p, "predictors")
            ref = (reference or {}).get(p)
            if pd.api.types.is_bool_dtype(s.dtype):
                self.specs.append((p, "bool", None))
            elif pd.api.types.is_numeric_dtype(s.dtype) and ref is None:
                self.specs.append((p, "num", None))
            else:
                if isinstance(s.dtype, pd.CategoricalDtype):
                    used = set(pd.unique(s.dropna()))
                    levels = [c for c in s.cat.categories if c in used]
                else:
                    levels = sorted(pd.unique(s.dropna()).tolist(), key=str)
                if ref is not None:
                    if ref not in levels:
                        raise ValueError(f"reference[{p!r}]={ref!r} is not a level of {p!r} "
                                         f"({levels})")
                    levels = [ref] + [v for v in levels if v != ref]
                if len(levels) < 2:
                    raise ValueError(f"predictor {p!r} has fewer than two levels ({levels})")
                self.specs.append((p, "cat", levels))
        return self

    def names(self):
        out, terms = [], []
        for p, kind, levels in self.specs:
            cols = [p] if kind != "cat" else [f"{p}{lv}" for lv in levels[1:]]
            out += cols
            terms += [p] * len(cols)
        return out, terms

    def transform(self, frame):
        cols, missing = [], np.zeros(len(frame), dtype=bool)
        for p, kind, levels in self.specs:
            s = column(frame, p, "predictors")
            missing |= s.isna().to_numpy()
            if kind == "cat":
                codes = pd.Categorical(s, categories=levels).codes
                missing |= (codes < 0) & s.notna().to_numpy()
                for j in range(1, len(levels)):
                    cols.append((codes == j).astype(float))
            else:
                cols.append(s.astype("float64").fillna(0.0).to_numpy())
        X = np.column_stack(cols) if cols else np.zeros((len(frame), 0))
        return X, missing


def _loglik_parts(theta, beta, y, X, w, link, need_hess=True):
    """Log-likelihood, gradient, Hessian and per-row scores of the cumulative link model."""
    m = len(theta)
    eta = X @ beta
    top = y < m        # has an upper cut-point theta_y
    bot = y > 0        # has a lower cut-point theta_{y-1}
    yy = np.minimum(y, m - 1)
    u = np.where(top, theta[yy] - eta, np.inf)
    lo = np.where(bot, theta[np.maximum(y - 1, 0)] - eta, -np.inf)
    Pr = _cdf(u, link) - _cdf(lo, link)
    if np.any(Pr <= 0):
        return -np.inf, None, None, None
    ll = float(np.sum(w * np.log(Pr)))
    fu, dfu = (np.where(top, v, 0.0) for v in _pdf_and_deriv(np.where(top, u, 0.0), link))
    fl, dfl = (np.where(bot, v, 0.0) for v in _pdf_and_deriv(np.where(bot, lo, 0.0), link))
    gu, gl = fu / Pr, -fl / Pr
    geta = -(gu + gl)
    p = X.shape[1]
    # per-row scores (unweighted): thresholds then coefficients
    S = np.zeros((len(y), m + p))
    S[np.flatnonzero(top), y[top]] += gu[top]
    S[np.flatnonzero(bot), y[bot] - 1] += gl[bot]
    S[:, m:] = geta[:, None] * X
    grad = w @ S
    if not need_hess:
        return ll, grad, None, S
    huu = dfu / Pr - gu * gu
    hll = -dfl / Pr - gl * gl
    hul = -gu * gl
    hue, hle = -(huu + hul), -(hul + hll)
    hee = huu + 2 * hul + hll
    H = np.zeros((m + p, m + p))
    H[:m, :m] += np.diag(np.bincount(y[top], weights=(w * huu)[top], minlength=m)[:m])
    H[:m, :m] += np.diag(np.bincount(y[bot] - 1, weights=(w * hll)[bot], minlength=m)[:m])
    mid = top & bot
    off = np.bincount(y[mid], weights=(w * hul)[mid], minlength=m)[:m]
    for k in range(1, m):
        H[k, k - 1] += off[k]
        H[k - 1, k] += off[k]
    for c in range(p):
        H[:m, m + c] = (np.bincount(y[top], weights=(w * hue * X[:, c])[top], minlength=m)[:m]
                        + np.bincount(y[bot] - 1, weights=(w * hle * X[:, c])[bot],
                                      minlength=m)[:m])
    H[m:, :m] = H[:m, m:].T
    H[m:, m:] = X.T @ ((w * hee)[:, None] * X)
    return ll, grad, H, S


def _fit(y, X, w, link, maxiter=100, tol=1e-9):
    K = int(y.max()) + 1
    m = K - 1
    share = np.bincount(y, weights=w, minlength=K).cumsum()[:m] / w.sum()
    share = np.clip(share, 1e-6, 1 - 1e-6)
    theta = special.logit(share) if link == "logit" else special.ndtri(share)
    if m > 1 and np.any(np.diff(theta) <= 0):
        raise ValueError("an outcome level is empty after dropping missing rows")
    beta = np.zeros(X.shape[1])
    params = np.concatenate([theta, beta])
    ll, g, H, S = _loglik_parts(theta, beta, y, X, w, link)
    converged = False
    it = 0
    for it in range(1, maxiter + 1):  # noqa: B007 (it is returned)
        try:
            step = np.linalg.solve(-H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(-H, g, rcond=None)[0]
        t = 1.0
        while True:
            new = params + t * step
            ll_new, g_new, H_new, S_new = _loglik_parts(new[:m], new[m:], y, X, w, link)
            if ll_new >= ll - 1e-10 * abs(ll) or t < 1e-8:
                break
            t /= 2
        if not np.isfinite(ll_new) or not np.all(np.isfinite(new)):
            break   # cannot improve further (probabilities underflow): not converged
        params, ll, g, H, S = new, ll_new, g_new, H_new, S_new
        if np.max(np.abs(t * step)) < tol or np.max(np.abs(g)) < tol * max(1.0, w.sum()) * 1e-3:
            converged = True
            break
    return params, ll, H, S, converged, it


@dataclass(repr=False)  # repr: Result.__repr__ (the summary)
class OrdinalResult(Result):
    """Result of :func:`ordinal_logit` (the result protocol: ``table``, ``notes``, ``summary()``).

    ``table`` (also ``coefficients``, as for :func:`regress`; tidy: ``term, kind, estimate,
    se, ci_low, ci_high, z, p_value, odds_ratio, or_ci_low, or_ci_high, n, n_eff, deff,
    method``; ``kind`` is ``threshold`` or ``coefficient``), ``loglik``, ``aic``, ``nobs``,
    ``po_test`` (Brant), ``vcov``, ``notes`` (rows left out, separation, non-convergence);
    :meth:`predict` gives category probabilities.
    """

    table: pd.DataFrame
    vcov: pd.DataFrame
    loglik: float
    aic: float
    nobs: float
    n: int
    n_dropped: int
    levels: list
    link: str
    converged: bool
    iterations: int
    po_test: pd.DataFrame | None
    _encoder: _Encoder = field(repr=False, default=None)
    notes: list = field(default_factory=list)

    @property
    def coefficients(self) -> pd.DataFrame:
        """The tidy table (thresholds and coefficients), as ``RegressionResult.coefficients``."""
        return self.table

    @property
    def thresholds(self) -> pd.Series:
        c = self.table[self.table["kind"] == "threshold"]
        return pd.Series(c["estimate"].to_numpy(), index=c["term"].to_numpy())

    def _slopes(self) -> np.ndarray:
        return self.table.loc[self.table["kind"] == "coefficient", "estimate"].to_numpy()

    def _headline(self) -> str:
        return (f"proportional-odds {self.link} model, {len(self.levels)} levels: n = {self.n}"
                + ("" if self.converged else " (not converged)"))

    def predict(self, newdata: pd.DataFrame) -> pd.DataFrame:
        """Probabilities of each outcome level (columns) for the rows of ``newdata``."""
        X, missing = self._encoder.transform(newdata)
        theta = self.thresholds.to_numpy()
        eta = X @ self._slopes()
        cum = _cdf(theta[None, :] - eta[:, None], self.link)
        cum = np.column_stack([np.zeros(len(eta)), cum, np.ones(len(eta))])
        prob = np.diff(cum, axis=1)
        prob[missing] = np.nan
        return pd.DataFrame(prob, index=newdata.index, columns=[str(v) for v in self.levels])


@records_warnings
@check_params
def ordinal_logit(d, outcome: str, predictors, *, reference: dict | None = None,
                  link: str = "logit", weights=None, outcome_order=None,
                  conf_level: float = 0.95, po_test: bool = True, maxiter: int = 100,
                  se: str = "auto") -> OrdinalResult:
    """Fit a proportional-odds cumulative logit (or probit) model.

    Parameters
    ----------
    d : DataFrame, Design, Wave or engine design
        A DataFrame: model-based SEs (optionally with frequency ``weights``). A Design (or a
        Wave): design weights in the fit and design-based sandwich SEs (``survey::svyolr``).
        An engine design (rows in DuckDB, Spark or files) is fitted on its cells (one GROUP
        BY stratum x PSU x outcome x predictors) with the same estimates and SEs; a
        continuous predictor (more cells than ``max_cells``) is refused by name.
    outcome : str
        Ordered categorical or numeric codes. An unordered categorical or text column is refused
        (ValueError) unless ``outcome_order`` gives the order.
    predictors : list of str
        Numeric and boolean columns enter as they are; categorical/text columns as treatment
        dummies against the first level or ``reference[col]``. Ordered categorical predictors
        are dummy-coded too (R would use polynomial contrasts); ``method`` says so.
    link : {"logit", "probit"}
    weights : str or array-like, optional
        Frequency weights for a DataFrame (same fit and SEs as expanding the rows).
    po_test : bool
        Run the Brant test of proportional odds (logit link only).
    se : {"auto", "model", "design"}
        ``"design"``: design-based sandwich (``survey::svyolr``; needs a Design or Wave);
        ``"model"``: inverse observed information, weights as frequency weights
        (``MASS::polr(Hess = TRUE)``); ``"auto"``: design for a Design/Wave, model for a
        DataFrame. The ``method`` column says which variance was used.

    Warns
    -----
    SeparationWarning
        (Quasi-)complete separation: some coefficient has no finite ML estimate. Its
        estimate, SE, interval and odds ratio are NaN, ``converged`` is False and ``method``
        names the terms.
    ConvergenceWarning
        Newton-Raphson stopped at ``maxiter`` without converging (``converged`` False).

    Returns
    -------
    OrdinalResult

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. *JRSS B* 42, 109-142.
    Brant, R. (1990). Assessing proportionality in the proportional odds model for ordinal
    logistic regression. *Biometrics* 46, 1171-1178.
    Lumley, T. (2010). *Complex Surveys*, sec. 6.4 (``svyolr``).

    Examples
    --------
    >>> import pandas as pd, cxresearch as cx
    >>> df = pd.DataFrame({"sat": pd.Categorical(list("LMHLMHHHLM"), categories=list("LMH"),
    ...                                          ordered=True),
    ...                    "ceo": [0, 0, 1, 0, 1, 1, 1, 0, 0, 1], "w": [5, 3, 4, 2, 6, 3, 1, 4, 2, 2]})
    >>> res = cx.ordinal_logit(df, "sat", ["ceo"], weights="w")
    >>> res.table["term"].tolist()
    ['L|M', 'M|H', 'ceo']
    >>> # In R: MASS::polr(sat ~ ceo, weights = w, data = df, Hess = TRUE)
    """
    if link not in _LINKS:
        raise ValueError(f"link must be one of {_LINKS}, got {link!r}")
    if se not in _SE:
        raise ValueError(f"se must be one of {_SE}, got {se!r}")
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a column name (str), got {type(outcome).__name__}")
    if predictors is None or not isinstance(predictors, str | list | tuple):
        raise TypeError(f"predictors must be a column name or a list of names, got "
                        f"{type(predictors).__name__}")
    if isinstance(predictors, str):
        predictors = [predictors]
    predictors = list(predictors)
    # an engine design is fitted on its cells (stratum x PSU x outcome x predictors), with
    # the cells' weight sums: likelihood, scores and sandwich are those of the rows; a
    # continuous predictor (too many cells) is refused by the collapse, naming the columns
    if is_engine_design(d):
        stub = pd.DataFrame(columns=d.columns)    # the in-memory route's messages
        column(stub, outcome, "outcome")
        for p in predictors:
            if isinstance(p, str):
                column(stub, p, "predictors")
    frame, design = resolve(d, columns=engine_columns(outcome, predictors))
    if design is not None and weights is not None:
        raise ValueError("weights= is for a DataFrame; a Design carries its own weights")
    if se == "design" and design is None:
        raise ValueError("se='design' needs a Design or Wave as d (a DataFrame has no design); "
                         "use se='model'")
    use_design = design is not None and se != "model"
    x = _model_data(frame, design, outcome, predictors, reference, weights, outcome_order)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        params, ll, H, S, converged, it = _fit(x.y, x.X, x.w, link, maxiter=maxiter)
    m = len(x.levels) - 1
    sep = _separated(params, x.X, x.names, m, x.rows)
    A = -H
    try:
        Ainv = np.linalg.inv(A)
    except np.linalg.LinAlgError:
        Ainv = np.linalg.pinv(A)
        if not sep:
            sep = list(x.names)
    V, deff, meth = _variance(Ainv, S, x, design, use_design, weights, link, len(frame))
    coef, meth = _coef_table(params, V, deff, x, link, conf_level, sep, meth)
    if sep:
        converged = False
        warnings.warn(
            f"ordinal_logit: (quasi-)complete separation: {sep} have no finite maximum-"
            f"likelihood estimate (some predictor values occur with only the top or bottom "
            "outcome levels); their estimates are reported as NaN. Merge sparse levels, drop "
            "the predictor, or use a penalized fit", SeparationWarning, stacklevel=2)
    elif not converged:
        meth += f"; NOT CONVERGED after {it} iterations"
        warnings.warn(f"ordinal_logit did not converge after {it} iterations (maxiter="
                      f"{maxiter}); the estimates are not maximum-likelihood estimates",
                      ConvergenceWarning, stacklevel=2)
    if x.ordered_preds:
        meth += (f"; ordered predictor(s) {x.ordered_preds} dummy-coded (R: polynomial "
                 "contrasts)")
    coef["method"] = meth
    nobs = float(x.w.sum()) if (weights is not None) else float(x.n)
    po = None
    if po_test and link == "logit" and x.X.shape[1] > 0 and not sep:
        po = brant_test(x.y, x.X, x.w, x.terms, design=design if use_design else None,
                    ok=x.ok if use_design else None)
    n, n_dropped, levels, enc = x.n, x.n_dropped, x.levels, x.enc
    lab = coef["term"].tolist()
    notes = [f"{n_dropped} row(s) with a missing outcome or predictor left out"] \
        if n_dropped else []
    return OrdinalResult(
        table=coef, vcov=pd.DataFrame(V, index=lab, columns=lab), loglik=ll,
        aic=-2 * ll + 2 * len(params), nobs=nobs, n=n, n_dropped=n_dropped, levels=levels,
        link=link, converged=converged, iterations=it, po_test=po, _encoder=enc, notes=notes)



# ----------------------------------------------------------------------------- steps
@dataclass
class _ModelData:
    """Outcome codes, the model matrix and weights of the rows used."""

    y: np.ndarray
    X: np.ndarray
    w: np.ndarray
    ok: np.ndarray
    n: int
    n_dropped: int
    levels: list
    names: list
    terms: list
    enc: _Encoder
    ordered_preds: list
    rows: np.ndarray | None = None   # rows per used row of X (an engine design's cells)


def _model_data(frame, design, outcome, predictors, reference, weights, outcome_order
                ) -> _ModelData:
    """Outcome levels, coded predictors, weights; rows with a missing value left out."""
    y_all, levels = _prep_outcome(column(frame, outcome, "outcome"), outcome, outcome_order)
    if len(levels) < 3:
        raise ValueError(f"outcome {outcome!r} needs at least three ordered levels for a "
                         f"proportional-odds model, got {levels} (use two_by_two or a logit)")
    enc = _Encoder().fit(frame, predictors, reference)
    ordered_preds = [p for p in predictors if isinstance(p, str) and p in frame.columns
                     and isinstance(frame[p].dtype, pd.CategoricalDtype) and frame[p].cat.ordered]
    X_all, xmiss = enc.transform(frame)
    if weights is not None:
        w_all = check_weights(frame[weights] if isinstance(weights, str) else weights, "row")
    else:
        w_all = design_weights(design, len(frame))
    ok = (y_all >= 0) & ~xmiss & (w_all > 0)
    n_dropped = int(((y_all < 0) | xmiss).sum())
    n = int(ok.sum())
    rows = None
    if getattr(design, "freq", None) is not None:   # the cells of an engine design: rows
        n_dropped = int(np.asarray(design.freq)[(y_all < 0) | xmiss].sum())
        rows = np.asarray(design.npos, dtype=float)[ok]   # rows with a positive weight
        n = int(rows.sum())
    y, X, w = y_all[ok], X_all[ok], w_all[ok]
    present = np.unique(y)
    if len(present) < len(levels):
        raise ValueError(f"outcome {outcome!r}: level(s) "
                         f"{[levels[i] for i in set(range(len(levels))) - set(present)]} have no "
                         "respondents after dropping missing rows")
    names, terms = enc.names()
    inf = [names[j] for j in np.flatnonzero(np.isinf(X).any(0))]
    if inf:
        raise ValueError(f"predictor(s) {inf} have infinite values; set them to missing or "
                         "recode them first")
    _check_matrix(X, names, terms)
    return _ModelData(y, X, w, ok, n, n_dropped, levels, names, terms, enc, ordered_preds,
                      rows)


def _variance(Ainv, S, x: _ModelData, design, use_design, weights, link, n_rows):
    """Model-based (inverse information) or design-based sandwich covariance, deff, method."""
    if not use_design:
        meth = (f"proportional-odds {link}, ML (Newton-Raphson); SE model-based: inverse "
                "observed information (as MASS::polr)")
        if weights is not None or design is not None:
            meth += ", weights as frequency weights"
        return Ainv, np.ones(Ainv.shape[0]), meth
    Sf = np.zeros((n_rows, S.shape[1]))
    Sf[x.ok] = S
    V = Ainv @ total_variance(design, Sf) @ Ainv
    V_srs = Ainv * x.w.sum() / x.n
    meth = (f"proportional-odds {link}, design-weighted ML; SE design-based: linearized "
            "sandwich (as survey::svyolr)")
    return V, np.diag(V) / np.diag(V_srs), meth


def _coef_table(params, V, deff, x: _ModelData, link, conf_level, sep, meth):
    """The tidy table: thresholds then coefficients, z intervals, odds ratios (logit)."""
    m = len(x.levels) - 1
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(V))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    lab = [f"{x.levels[k]}|{x.levels[k + 1]}" for k in range(m)]
    est = params
    zstat = est / se
    coef = pd.DataFrame({
        "term": lab + x.names, "kind": ["threshold"] * m + ["coefficient"] * len(x.names),
        "estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se,
        "z": zstat, "p_value": 2 * stats.norm.sf(np.abs(zstat)),
    })
    isc = coef["kind"] == "coefficient"
    with np.errstate(over="ignore", invalid="ignore"):
        coef["odds_ratio"] = np.where(isc, np.exp(est), np.nan) if link == "logit" else np.nan
        coef["or_ci_low"] = (np.where(isc, np.exp(est - z * se), np.nan) if link == "logit"
                             else np.nan)
        coef["or_ci_high"] = (np.where(isc, np.exp(est + z * se), np.nan) if link == "logit"
                              else np.nan)
    coef.loc[~isc, "p_value"] = np.nan
    if sep:
        # thresholds run off to infinity too under complete separation
        bad = coef["term"].isin(sep).to_numpy() | (
            ~isc.to_numpy() & ~(np.abs(est) <= 2 * _SEP_LIMIT))
        cols = ["estimate", "se", "ci_low", "ci_high", "z", "p_value", "odds_ratio",
                "or_ci_low", "or_ci_high"]
        coef.loc[bad, cols] = np.nan
        meth += (f"; NOT ESTIMABLE: (quasi-)complete separation in {sep} (no finite ML "
                 "estimate; shown as NaN)")
    coef["n"] = x.n
    coef["n_eff"] = x.n / deff
    coef["deff"] = deff
    return coef, meth
