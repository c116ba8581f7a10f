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

import pandas as pd
from formulaic import Formula

from cxresearch.sampling.engine import TooManyCells, is_engine_design
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import resolve
from cxresearch.statistics.design.results import records_warnings
from cxresearch.statistics.models.engine_glm import glm_on_engine
from cxresearch.statistics.models.engine_linear import linear_on_engine
from cxresearch.statistics.models.fitting import fit_model, prepare_data
from cxresearch.statistics.models.frame import parse_formula, split_formula
from cxresearch.statistics.models.inference import coef_table, coefficient_variance, model_stats
from cxresearch.statistics.models.regression_result import RegressionResult

__all__ = ["RegressionResult", "regress"]

_FAMILIES = ("gaussian", "binomial", "poisson")
_SE = ("model", "robust", "HC0", "HC1", "design")


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
        return linear_on_engine(d, outcome, predictors, reference=reference,
                                conf_level=conf_level, ddf=ddf, result_cls=RegressionResult,
                                exponentiate=exponentiate)
    se = _check_options(se, ddf, weights, design is not None)
    yname, rhs, variables, reference = parse_formula(frame, outcome, predictors, reference)
    data = prepare_data(frame, design, yname, variables, reference, family, event, weights)
    fit = fit_model(family, data, rhs, maxiter)
    var = coefficient_variance(se, design, ddf, family, data, fit)
    if weights is not None and design is None:
        var["method"] += ", frequency weights"
    if data.coding:
        var["method"] += "; " + data.coding
    coef = coef_table(fit, var, family, conf_level, exponentiate)
    if design is not None and getattr(getattr(d, "manifest", None), "get", None):
        coef.attrs["synthetic"] = bool(d.manifest.get("synthetic", False))
    st = model_stats(family, design, data, fit, var)
    st["outcome"] = yname
    notes = []
    if data.n_dropped:
        notes.append(f"{data.n_dropped} row(s) with a missing outcome or predictor left out "
                     f"(listwise); {st['n']} used")
    return RegressionResult(
        coefficients=coef, vcov=pd.DataFrame(var["V"], index=fit.names, columns=fit.names),
        stats=st, family=family, method=coef["method"].iloc[0], params=fit.b, _spec=fit.spec,
        _frame=data.used_frame, _w=fit.w, _prep=data.prep, _conf=conf_level,
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
