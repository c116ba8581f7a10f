"""Linear, logistic and Poisson regression, design-based as ``survey::svyglm``.

The point estimates come from statsmodels (``WLS`` for the gaussian family, ``GLM`` otherwise)
with the design (or frequency) weights. On a :class:`~cxresearch.sampling.design.Design` or a
Wave the covariance is the linearization sandwich of ``svyglm``::

    V = A^-1  total_variance(z)  A^-1,   A = X' diag(w v(mu)) X,   z_i = x_i (y_i - mu_i)

(canonical links, so the working residual times the working weight is ``y - mu``), with
``total_variance`` the package's one variance engine (strata, PSUs, fpc, calibration). Rows
left out for missing values enter with a zero score (``survey``'s domain convention).
Intervals use t with the design degrees of freedom (#PSU - #strata); :meth:`wald_test` uses
``regTermTest``'s denominator df (design df + 1 - #coefficients) by default.

On a plain DataFrame the caller chooses model-based standard errors (``lm``/``glm``, the
default) or heteroskedasticity-robust ones (HC0/HC1); ``weights=`` are frequency weights and
reproduce the expanded rows exactly (coefficients, SEs and df).

Only what statsmodels lacks is written here: the design sandwich, the regTermTest F, the
average marginal effects with a delta-method SE, and the input checks.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from formulaic import Formula
from scipy import stats

from cxresearch.errors import ConvergenceWarning
from cxresearch.sampling.design import check_weights
from cxresearch.sampling.engine import TooManyCells, is_engine_design
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import resolve, row_counts, total_variance
from cxresearch.statistics.design.results import Result, records_warnings
from cxresearch.statistics.models.engine_glm import glm_on_engine
from cxresearch.statistics.models.engine_linear import linear_on_engine
from cxresearch.statistics.models.frame import (
    check_matrix,
    dmu,
    inverse_link,
    model_matrix,
    outcome_values,
    parse_formula,
    prepare_column,
    pvalue,
    split_formula,
    wls,
)

__all__ = ["RegressionResult", "regress"]

_FAMILIES = ("gaussian", "binomial", "poisson")
_SE = ("model", "robust", "HC0", "HC1", "design")
COEF_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value",
                "method"]


# ----------------------------------------------------------------------------- result
@dataclass(repr=False)  # repr: Result.__repr__ (the summary)
class RegressionResult(Result):
    """What :func:`regress` returns (the result protocol: ``table``, ``notes``, ``summary()``).

    Attributes
    ----------
    table, coefficients : DataFrame
        The same tidy table: ``term, estimate, se, ci_low, ci_high, statistic, df, p_value,
        method`` (``coefficients`` is the models' customary name for it).
    vcov : DataFrame
        Covariance of the coefficients (link scale).
    stats : dict
        ``n`` (rows used), ``n_dropped``, ``sum_w``, ``df_residual``, ``design_df``, ``r2``
        (weighted, gaussian), ``adj_r2`` (gaussian without a design), ``deviance``,
        ``null_deviance``, ``aic`` and ``loglik`` (where defined: not under a design),
        ``dispersion``.
    notes : list of str
        What was left out or warned (rows with missing values, ...).
    """

    coefficients: pd.DataFrame
    vcov: pd.DataFrame
    stats: dict
    family: str
    method: str
    params: np.ndarray = field(repr=False)
    _spec: object = field(repr=False)
    _frame: pd.DataFrame = field(repr=False)
    _w: np.ndarray = field(repr=False)
    _prep: dict = field(repr=False)
    _conf: float = 0.95
    _df_ci: float = np.inf
    notes: list = field(default_factory=list)

    @property
    def table(self) -> pd.DataFrame:
        return self.coefficients

    def _headline(self) -> str:
        r2 = self.stats.get("r2")
        return (f"{self.family} regression of {self.stats.get('outcome', 'the outcome')}: "
                f"n = {self.stats['n']}" + (f", R² = {r2:.3f}" if r2 is not None else ""))

    def _matrix(self, data: pd.DataFrame) -> np.ndarray:
        return np.asarray(self._spec.get_model_matrix(data), dtype=float)

    def _newframe(self, newdata) -> pd.DataFrame:
        if not isinstance(newdata, pd.DataFrame):
            raise TypeError(f"newdata must be a DataFrame, got {type(newdata).__name__}")
        out = {}
        for v, (levels, _) in self._prep.items():
            if v not in newdata.columns:
                raise ValueError(f"newdata lacks the predictor column {v!r}")
            s = newdata[v]
            if levels is not None:
                bad = set(pd.unique(s.dropna())) - set(levels)
                if bad:
                    raise ValueError(f"newdata[{v!r}] has level(s) {sorted(map(str, bad))} "
                                     f"not seen in the fit ({levels})")
                out[v] = pd.Categorical(np.asarray(s.astype(object)), categories=levels)
            else:
                out[v] = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        return pd.DataFrame(out, index=newdata.index)

    def predict(self, newdata: pd.DataFrame | None = None, type: str = "response"
                ) -> pd.Series:
        """Predictions on the response scale (``type="response"``) or the link scale.

        Rows of ``newdata`` with a missing predictor are refused (ValueError).
        """
        if type not in ("response", "link"):
            raise ValueError(f"type must be 'response' or 'link', got {type!r}")
        frame = self._frame if newdata is None else self._newframe(newdata)
        if newdata is not None and frame.isna().any().any():
            bad = frame.columns[frame.isna().any()].tolist()
            raise ValueError(f"newdata has missing values in {bad}")
        eta = self._matrix(frame) @ self.params
        mu = inverse_link(self.family, eta) if type == "response" else eta
        return pd.Series(mu, index=frame.index, name="prediction")

    def wald_test(self, term, ddf=None) -> pd.DataFrame:
        """Wald F test that all coefficients of a term are zero (``survey::regTermTest``).

        Parameters
        ----------
        term : str or list of str
            A model term as written in the formula (``"stype"``, ``"ell:stype"``) or a list
            of coefficient names from ``coefficients["term"]``.
        ddf : float, optional
            Denominator df. Default: the residual df (under a design: design df + 1 -
            #coefficients, as ``regTermTest``; for a GLM without a design: infinity, i.e. a
            chi-square test divided by its df).
        """
        names = self.coefficients["term"].tolist()
        if isinstance(term, str):
            idx = None
            for t, sl in self._spec.term_slices.items():
                if str(t) == term.replace(" ", "").replace("`", ""):
                    idx = list(range(sl.start, sl.stop))
            if idx is None and term in names:
                idx = [names.index(term)]
            if idx is None:
                raise ValueError(f"term={term!r} is not a term of the model; terms are "
                                 f"{[str(t) for t in self._spec.term_slices]}")
        else:
            miss = [t for t in term if t not in names]
            if miss:
                raise ValueError(f"term: {miss} are not coefficients ({names})")
            idx = [names.index(t) for t in term]
        b = self.params[idx]
        V = self.vcov.to_numpy()[np.ix_(idx, idx)]
        q = len(idx)
        F = float(b @ np.linalg.solve(V, b)) / q
        d2 = self.stats["df_residual"] if ddf is None else float(ddf)
        p = float(stats.f.sf(F, q, d2)) if np.isfinite(d2) else float(stats.chi2.sf(F * q, q))
        return pd.DataFrame({"term": [term if isinstance(term, str) else ", ".join(term)],
                             "statistic": [F], "df1": [q], "df2": [d2], "p_value": [p],
                             "method": [f"Wald F test ({self.method.split(';')[0]})"]})

    def marginal_effects(self, variables=None) -> pd.DataFrame:
        """Average marginal effects on the response scale with delta-method SEs.

        For a numeric variable the weighted mean over the rows used of d mu / d x (central
        difference through the model matrix, so interactions and transformations are
        included); for a categorical variable the weighted mean change in mu from the
        reference level to each other level. SEs: ``sqrt(G V G')`` with ``V`` the model's
        covariance (design-based under a design) — the AME conditional on the sample, as
        ``margins``/``marginaleffects`` compute it.
        """
        variables = list(self._prep) if variables is None else (
            [variables] if isinstance(variables, str) else list(variables))
        w = self._w
        W = w.sum()
        b = self.params
        V = self.vcov.to_numpy()
        rows = []
        for v in variables:
            if v not in self._prep:
                raise ValueError(f"variables: {v!r} is not a predictor ({list(self._prep)})")
            levels = self._prep[v][0]
            pairs = []
            if levels is None:
                x = self._frame[v].to_numpy(dtype=float)
                h = 1e-5 * max(float(np.std(x)), 1e-8)
                lo, hi = self._frame.copy(), self._frame.copy()
                lo[v] = x - h
                hi[v] = x + h
                pairs.append((v, lo, hi, 2 * h))
            else:
                for lv in levels[1:]:
                    lo, hi = self._frame.copy(), self._frame.copy()
                    lo[v] = pd.Categorical([levels[0]] * len(lo), categories=levels)
                    hi[v] = pd.Categorical([lv] * len(hi), categories=levels)
                    pairs.append((f"{v}[{lv} vs {levels[0]}]", lo, hi, 1.0))
            for name, lo, hi, step in pairs:
                X0, X1 = self._matrix(lo), self._matrix(hi)
                e0, e1 = X0 @ b, X1 @ b
                m0, m1 = inverse_link(self.family, e0), inverse_link(self.family, e1)
                est = float(w @ (m1 - m0)) / (step * W)
                d0, d1 = dmu(self.family, e0), dmu(self.family, e1)
                G = ((w * d1) @ X1 - (w * d0) @ X0) / (step * W)
                rows.append((name, est, float(np.sqrt(G @ V @ G))))
        out = pd.DataFrame(rows, columns=["term", "estimate", "se"])
        df = self._df_ci
        crit = stats.t.ppf(0.5 + self._conf / 2, df) if np.isfinite(df) else \
            stats.norm.ppf(0.5 + self._conf / 2)
        out["ci_low"] = out["estimate"] - crit * out["se"]
        out["ci_high"] = out["estimate"] + crit * out["se"]
        out["statistic"] = out["estimate"] / out["se"]
        out["df"] = df
        out["p_value"] = pvalue(out["statistic"].to_numpy(), df)
        out["method"] = "average marginal effect, delta method; " + self.method
        return out[COEF_COLUMNS]



# ----------------------------------------------------------------------------- regress
def _engine_columns(d, outcome, predictors) -> list[str]:
    """The columns a model reads, for the one GROUP BY of an engine design: exact whenever
    they take few distinct values (answers on a scale, categories); a continuous predictor
    makes the aggregate too large and the engine says so."""
    stub = pd.DataFrame(columns=d.columns)
    yname, rhs = split_formula(outcome, predictors, stub)
    try:
        variables = set(Formula(rhs).required_variables)
    except Exception as exc:  # formulaic parse errors have several types
        raise ValueError(f"cannot parse the formula right-hand side {rhs!r}: {exc}") from None
    tokens = re.findall(r"`([^`]+)`|([A-Za-z_.][A-Za-z0-9_.]*)", rhs)
    cols = set(d.columns)
    names = {str(v) for v in variables} | {a or b for a, b in tokens if (a or b) in cols}
    return [yname, *sorted(names & cols)]


@records_warnings
@check_params
def regress(d, outcome: str, predictors=None, *, family: str = "gaussian",
            se: str | None = None, weights=None, reference: dict | None = None, event=None,
            exponentiate: bool = False, conf_level: float = 0.95, ddf="design",
            maxiter: int = 100) -> RegressionResult:
    """Fit a linear, logistic or Poisson regression, design-based under a survey design.

    Parameters
    ----------
    d : DataFrame, Design or Wave
        A Design or Wave: design weights in the fit and linearization (sandwich) SEs exactly as
        ``survey::svyglm``. A DataFrame: a simple random sample (``se="model"`` or robust).
    outcome : str
        The outcome column, or a whole formula ``"y ~ a * b + c"`` (formulaic syntax, as
        statsmodels accepts; quote odd column names with backticks). The left-hand side must
        be a column name.
    predictors : list of str, optional
        Predictor columns (main effects) when ``outcome`` is a column name.
    family : {"gaussian", "binomial", "poisson"}
        Identity, logit and log links. Under a design binomial/poisson are the quasi families
        of ``svyglm`` (the SEs do not depend on the dispersion).
    se : {"model", "robust", "HC0", "HC1"}, optional
        For a DataFrame: ``"model"`` (default; ``lm``/``glm``) or heteroskedasticity-robust
        ``"HC0"``/``"HC1"`` (``"robust"`` = HC1). Under a design only the design-based SE
        exists (``"design"``, the default there).
    weights : str or array-like, optional
        Frequency weights for a DataFrame (fit, SEs and df equal the expanded rows). A Design
        carries its own weights.
    reference : dict, optional
        Reference level per categorical predictor (``{"stype": "E"}``); otherwise the first
        category (categorical dtype) or the first sorted value. Categorical predictors,
        ordered or not, are treatment (dummy) coded; ``method`` states the references.
    event : optional
        For ``family="binomial"`` with a non-0/1 outcome: the value that counts as 1.
    exponentiate : bool
        Odds ratios (binomial) or rate ratios (poisson) in ``estimate``, ``ci_low``,
        ``ci_high`` (as ``broom::tidy(exponentiate=TRUE)``: ``se``, ``statistic`` and
        ``p_value`` stay on the link scale).
    conf_level : float
    ddf : {"design", "residual"} or float
        Degrees of freedom of the t intervals and p-values under a design: ``"design"``
        (default; #PSU - #strata, ``confint(m, ddf=degf(design))``) or ``"residual"`` (design
        df + 1 - #coefficients, what ``summary.svyglm`` uses) or a number (``inf`` for z).

    Returns
    -------
    RegressionResult
        ``coefficients`` (tidy), ``vcov``, ``stats``, ``predict()``, ``wald_test(term)``,
        ``marginal_effects()``.

    Notes
    -----
    Rows with a missing outcome or predictor are left out (listwise); ``stats["n_dropped"]``
    counts them. Separation in a logistic model, collinear or constant predictors, and
    infinite values are refused with a ValueError naming the columns.

    References
    ----------
    Binder, D. A. (1983). On the variances of asymptotically normal estimators from complex
    surveys. *International Statistical Review* 51, 279-292.
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*, ch. 5 (``svyglm``).
    White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator.
    *Econometrica* 48, 817-838.

    Examples
    --------
    >>> import numpy as np, pandas as pd, cxresearch as cx
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"x": rng.normal(size=200), "h": np.repeat(["a", "b"], 100),
    ...                    "w": rng.uniform(1, 3, 200)})
    >>> df["y"] = 1 + 2 * df["x"] + rng.normal(size=200)
    >>> fit = cx.regress(cx.Design(df, weights="w", strata="h"), "y ~ x")
    >>> fit.coefficients["term"].tolist()
    ['(Intercept)', 'x']
    >>> # In R: svyglm(y ~ x, svydesign(ids=~1, strata=~h, weights=~w, data=df))
    """
    if family not in _FAMILIES:
        raise ValueError(f"family must be one of {_FAMILIES}, got {family!r}")
    try:
        frame, design = resolve(d, columns=_engine_columns(d, outcome, predictors)
                                if is_engine_design(d) else None)
    except TooManyCells:  # a continuous variable on an engine design: fit from sums
        if weights is not None:
            raise
        if family != "gaussian":
            return glm_on_engine(d, outcome, predictors, family=family, reference=reference,
                                 conf_level=conf_level, ddf=ddf, event=event,
                                 exponentiate=exponentiate, maxiter=maxiter,
                                 result_cls=RegressionResult)
        if exponentiate:
            raise ValueError("exponentiate=True is for family='binomial' (odds ratios) or "
                             "'poisson' (rate ratios), not 'gaussian'") from None
        return linear_on_engine(d, outcome, predictors, reference=reference,
                                conf_level=conf_level, ddf=ddf, result_cls=RegressionResult)
    se = _check_options(se, ddf, weights, design is not None)
    yname, rhs, variables, reference = parse_formula(frame, outcome, predictors, reference)
    data = _prepare(frame, design, yname, variables, reference, family, event, weights)
    fit = _fit(family, data, rhs, maxiter)
    var = _variance(se, design, ddf, family, data, fit)
    if weights is not None and design is None:
        var["method"] += ", frequency weights"
    if data.coding:
        var["method"] += "; " + data.coding
    coef = _coef_table(fit, var, family, conf_level, exponentiate)
    if design is not None and getattr(getattr(d, "manifest", None), "get", None):
        coef.attrs["synthetic"] = bool(d.manifest.get("synthetic", False))
    st = _model_stats(family, design, data, fit, var)
    st["outcome"] = yname
    notes = []
    if data.n_dropped:
        notes.append(f"{data.n_dropped} row(s) with a missing outcome or predictor left out "
                     f"(listwise); {st['n']} used")
    return RegressionResult(
        coefficients=coef, vcov=pd.DataFrame(var["V"], index=fit.names, columns=fit.names),
        stats=st, family=family, method=coef["method"].iloc[0], params=fit.b, _spec=fit.spec,
        _frame=fit.frame, _w=fit.w, _prep=data.prep, _conf=conf_level,
        _df_ci=float(var["df_ci"]), notes=notes)


# ----------------------------------------------------------------------------- steps of regress
def _check_options(se, ddf, weights, design_given: bool) -> str:
    """The standard-error choice, checked against the input (design or DataFrame)."""
    if design_given:
        if weights is not None:
            raise ValueError("weights= is for a DataFrame; a Design carries its own weights")
        if se not in (None, "design"):
            raise ValueError(f"se={se!r} is for a DataFrame; under a design the SE is the "
                             "design-based linearization (se='design')")
        if isinstance(ddf, str) and ddf not in ("design", "residual"):
            raise ValueError(f"ddf must be 'design', 'residual' or a number, got {ddf!r}")
        return "design"
    se = "model" if se is None else se
    if not (isinstance(ddf, str) and ddf == "design"):
        raise ValueError(f"ddf={ddf!r} applies under a design; on a DataFrame the df are "
                         "the residual df (gaussian) or infinite (GLM)")
    if se not in _SE[:-1]:
        raise ValueError(f"se must be one of {_SE[:-1]} for a DataFrame, got {se!r}")
    return "HC1" if se == "robust" else se


@dataclass
class _Data:
    """The model's columns prepared, the rows used and the coding of categorical predictors."""

    work: pd.DataFrame
    prep: dict
    y_all: np.ndarray
    w_all: np.ndarray
    ok: np.ndarray
    n_all: int
    n_dropped: int
    coding: str
    yname: str
    fr: np.ndarray    # rows behind each frame row: 1, or an engine cell's row count
    pos: np.ndarray   # of those, rows with a positive weight


def _prepare(frame, design, yname, variables, reference, family, event, weights) -> _Data:
    """Predictors coded, outcome values, weights, and the complete rows (listwise)."""
    n_all = len(frame)
    work, prep, refs, ordered = {}, {}, [], []
    for v in variables:
        col, levels, is_ord = prepare_column(frame[v], v, reference.get(v))
        work[v] = col
        prep[v] = (levels, is_ord)
        if levels is not None:
            if len(levels) < 2:
                raise ValueError(f"predictor {v!r} has fewer than two levels ({levels})")
            refs.append(f"{v}={levels[0]}")
            if is_ord:
                ordered.append(v)
    work = pd.DataFrame(work, index=pd.RangeIndex(n_all))
    y_all = outcome_values(frame[yname], yname, family, event)
    if weights is not None:
        w_all = check_weights(frame[weights] if isinstance(weights, str) else weights, "row")
        if len(w_all) != n_all:
            raise ValueError(f"weights has {len(w_all)} values for {n_all} rows")
    elif design is not None:
        w_all = np.asarray(design.weights, dtype=float)
    else:
        w_all = np.ones(n_all)
    complete = np.isfinite(y_all)
    for v in variables:
        complete &= ~pd.isna(work[v]).to_numpy()
    ok = complete & (w_all > 0)
    fr = row_counts(design, n_all)
    pos = getattr(design, "npos", None)
    pos = (w_all > 0).astype(float) if pos is None else np.asarray(pos, dtype=float)
    if ok.sum() == 0:
        raise ValueError("no complete rows: every row misses the outcome or a predictor")
    coding = (f"treatment (dummy) coding against reference {', '.join(refs)}"
              if refs else "")
    if ordered:
        coding += f" (ordered {ordered} dummy-coded too; R would use polynomial contrasts)"
    return _Data(work, prep, y_all, w_all, ok, n_all, int(fr[~complete].sum()), coding, yname,
                 fr, pos)


@dataclass
class _Fit:
    """The fitted model on the rows used: matrix, coefficients, means and the bread ``A``."""

    spec: object
    names: list
    frame: pd.DataFrame
    X: np.ndarray
    y: np.ndarray
    w: np.ndarray
    b: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    XtWX: np.ndarray
    Ainv: np.ndarray
    glm: object  # the statsmodels GLM result (binomial/poisson), else None


def _fit(family, data: _Data, rhs, maxiter) -> _Fit:
    """Fit on the complete rows: gaussian by the weighted normal equations, GLMs by IRLS.

    Gaussian: X'WX is needed for the sandwich anyway; Cholesky of the equilibrated Gram matrix
    plus one step of iterative refinement, equal to statsmodels WLS to ~1e-12 and an order of
    magnitude faster than its pinv/QR route on a million rows. Binomial/poisson: statsmodels
    GLM. Separation and non-finite coefficients are refused.
    """
    ok = data.ok
    fit_frame = data.work if ok.all() else data.work.loc[ok]
    spec, X = model_matrix(rhs, fit_frame, data.prep)
    names = ["(Intercept)" if c == "Intercept" else c for c in spec.column_names]
    if not np.all(np.isfinite(X)):
        badc = [names[j] for j in range(X.shape[1]) if not np.all(np.isfinite(X[:, j]))]
        raise ValueError(f"model matrix columns {badc} have non-finite values (a transform "
                         "such as log(0)?)")
    y, w = data.y_all[ok], data.w_all[ok]
    k = X.shape[1]
    if data.pos[ok].sum() <= k:
        raise ValueError(f"{int(data.pos[ok].sum())} complete rows for {k} coefficients; need more "
                         "rows")
    if np.ptp(y) == 0 and family != "poisson":
        raise ValueError(f"outcome {data.yname!r} is constant ({y[0]:g}) in the rows used")
    wX = X * w[:, None]
    XtWX = check_matrix(X, names, wX)
    res = None
    if family == "gaussian":
        b = wls(X, y, wX, XtWX)
    else:
        fam = sm.families.Binomial() if family == "binomial" else sm.families.Poisson()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                res = sm.GLM(y, X, family=fam, freq_weights=w).fit(maxiter=maxiter)
            except Exception as exc:
                raise ValueError(f"the {family} model could not be fitted: {exc}") from None
        b = np.asarray(res.params)
        if not bool(getattr(res, "converged", True)):
            warnings.warn(f"regress: the {family} model did not converge in {maxiter} IRLS "
                          "iterations (raise maxiter=); its estimates are not maximum-likelihood "
                          "estimates", ConvergenceWarning, stacklevel=3)
    eta = X @ b
    mu = inverse_link(family, eta)
    if family == "binomial":
        if np.any((mu < 1e-8) & (y < 0.5)) or np.any((mu > 1 - 1e-8) & (y > 0.5)):
            sd = X.std(0)
            sd[0] = sd[0] or 1
            j = int(np.argmax(np.abs(b * sd)[1:]) + 1) if k > 1 else 0
            raise ValueError(
                f"separation: the logistic model predicts some outcomes perfectly (fitted "
                f"probabilities of 0 or 1); predictor column {names[j]!r} is the likeliest "
                "cause; combine sparse levels or drop it (coefficients would be infinite)")
    if not np.all(np.isfinite(b)):
        raise ValueError(f"the fit did not converge (non-finite coefficients for "
                         f"{[names[j] for j in np.flatnonzero(~np.isfinite(b))]})")
    A = XtWX if family == "gaussian" else (X * (w * dmu(family, eta))[:, None]).T @ X
    return _Fit(spec, names, fit_frame, X, y, w, b, eta, mu, XtWX, np.linalg.inv(A), res)


_FAMILY_TEXT = {"gaussian": "linear (identity)", "binomial": "logistic (logit)",
                "poisson": "Poisson (log)"}


def _variance(se, design, ddf, family, data: _Data, fit: _Fit) -> dict:
    """Covariance of the coefficients, the df of intervals and tests, and the method text.

    Under a design the linearization sandwich of ``svyglm`` (scores into the one variance
    engine, zero for rows left out); otherwise model-based or HC0/HC1 sandwich.
    """
    X, w, Ainv = fit.X, fit.w, fit.Ainv
    k = X.shape[1]
    n, n_all = int(data.pos[data.ok].sum()), data.n_all
    n_rows = int(data.fr.sum())
    resid = fit.y - fit.mu
    v_mu = dmu(family, fit.eta)
    sum_w = float(w.sum())
    fam_txt = _FAMILY_TEXT[family]
    if se == "design":
        if data.ok.all():
            Z = X * resid[:, None]
        else:
            Z = np.zeros((n_all, k))
            Z[data.ok] = X * resid[:, None]
        V = Ainv @ total_variance(design, Z) @ Ainv
        design_df = design.domain_df(data.ok) if n < n_rows else design.df
        df_resid = design_df + 1 - k
        df_ci = {"design": design_df, "residual": df_resid}.get(ddf, ddf) \
            if isinstance(ddf, str) else float(ddf)
        if df_resid <= 0:
            raise ValueError(f"the design has {design_df} degrees of freedom, too few for "
                             f"{k} coefficients")
        # summary.svyglm: weighted mean of squared Pearson residuals times n / (n - 1)
        dispersion = float(w @ (resid**2 / v_mu)) / sum_w * n / (n - 1)
        meth = (f"design-weighted {fam_txt} regression, linearization (sandwich) SE as svyglm, "
                f"t with {df_ci:g} df" + (", quasi-likelihood" if family != "gaussian" else ""))
        return dict(V=V, df_ci=df_ci, df_resid=df_resid, design_df=design_df,
                    dispersion=dispersion, method=meth)
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


def _coef_table(fit: _Fit, var: dict, family, conf_level, exponentiate) -> pd.DataFrame:
    """The tidy coefficient table (t or z intervals; odds or rate ratios on request)."""
    b, df_ci, meth = fit.b, var["df_ci"], var["method"]
    seb = np.sqrt(np.diag(var["V"]))
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
    coef = pd.DataFrame({"term": fit.names, "estimate": est, "se": seb, "ci_low": lo,
                         "ci_high": hi, "statistic": stat, "df": float(df_ci),
                         "p_value": pvalue(stat, df_ci), "method": meth})
    coef.attrs["measure"] = ("odds_ratio" if family == "binomial" else "rate_ratio") \
        if exponentiate else ("log_odds_ratio" if family == "binomial" else
                              "log_rate_ratio" if family == "poisson" else "coefficient")
    return coef


def _model_stats(family, design, data: _Data, fit: _Fit, var: dict) -> dict:
    """n, df, dispersion, R² (gaussian), deviances, and AIC/log-likelihood where defined."""
    y, w = fit.y, fit.w
    k = fit.X.shape[1]
    sum_w = float(w.sum())
    resid = y - fit.mu
    ybar = float(w @ y) / sum_w
    st = {"n": int(data.pos[data.ok].sum()), "n_dropped": data.n_dropped, "sum_w": sum_w, "k": k,
          "df_residual": float(var["df_resid"]), "design_df": var["design_df"],
          "dispersion": var["dispersion"]}
    if family == "gaussian":
        sst = float(w @ (y - ybar) ** 2)
        st["r2"] = 1 - float(w @ resid**2) / sst
        st["deviance"] = float(w @ resid**2)
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
