"""Design-weighted logistic and Poisson regression on an engine design, one pass per iteration.

A generalized linear model with a continuous predictor cannot use the cell aggregate (as many
cells as rows), but its maximum-likelihood fit and its linearization variance need only sums
over the rows, which the engine computes:

* each Newton (IRLS) iteration at ``β``: ``Σ w x (y − μ)`` (the score), ``Σ w v(μ) x xᵀ``
  (the information; ``v = μ(1 − μ)`` for the logit link, ``μ`` for the log link, canonical
  links, so observed and expected information agree) and the deviance, with
  ``η = xᵀβ`` written into the query as literals — one aggregate, no GROUP BY;
* the last pass, per (stratum, PSU): the score totals ``Σ w x (y − μ)`` at the estimate, the
  input of the sandwich ``A⁻¹ V(scores) A⁻¹`` of ``svyglm`` (variance code shared with the
  in-memory route, :func:`cxresearch.sampling.sums.score_meat`).

Newton's method from the intercept-only fit, halving a step that raises the deviance, until
the largest step is below ``1e-10 (1 + |β|)``: tighter than statsmodels' IRLS of the in-memory
route (relative deviance change below 1e-8), so the two agree to that route's own precision.
Hand-written because no maintained library fits a GLM from SQL aggregates (R's ``sqlsurvey``
did, for MonetDB; it is unmaintained).

Examples
--------
>>> import numpy as np, pandas as pd, ibis
>>> from cxresearch.sampling.engine import EngineDesign
>>> rng = np.random.default_rng(1)
>>> d = pd.DataFrame({"x": rng.normal(size=300)})
>>> d["y"] = (rng.random(300) < 1 / (1 + np.exp(-d["x"]))).astype(float)
>>> r = glm_by_sums(EngineDesign(ibis.memtable(d)), "y", [("num", "x")], "binomial")
>>> r["converged"]
True
>>> # In R: svyglm(y ~ x, svydesign(ids=~1, data=d), family=quasibinomial())
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.sums import score_meat, used_df

__all__ = ["glm_by_sums"]

_ETA_MAX = 30.0  # |η| beyond which a fitted probability is 0 or 1 to double precision


def _mu(family: str, eta):
    """μ and v(μ) as Ibis expressions of the linear predictor."""
    if family == "binomial":
        mu = 1.0 / (1.0 + (-eta).exp())
        return mu, mu * (1.0 - mu)
    mu = eta.exp()
    return mu, mu


def _unit_deviance(family: str, y, mu):
    """The deviance contribution of a row (without its weight), safe at y = 0 and y = 1."""
    import ibis

    if family == "binomial":
        a = ibis.ifelse(y > 0, y * (y / mu).ln(), 0.0)
        b = ibis.ifelse(y < 1, (1.0 - y) * ((1.0 - y) / (1.0 - mu)).ln(), 0.0)
        return 2.0 * (a + b)
    a = ibis.ifelse(y > 0, y * (y / mu).ln(), 0.0)
    return 2.0 * (a - (y - mu))


def _prepare(eng, yname, terms, event):
    """The rows with the working columns ``__w``, ``__c`` (complete), ``__x{j}``, ``__y``."""
    import ibis

    t = eng.table.mutate(__w=eng._weight_expr())
    col = t[yname]
    if event is not None:
        y = ibis.ifelse(col.isnull(), ibis.null("float64"), (col == event).cast("float64"))
    else:
        y = col.cast("float64")
    complete = y.notnull() & ~y.isnan()
    for tm in terms:
        x = t[tm[1]]
        complete &= x.notnull() & (~x.cast("float64").isnan() if tm[0] == "num" else True)
    complete = complete.fill_null(False)
    xs = [ibis.literal(1.0)] + [t[tm[1]].cast("float64") if tm[0] == "num" else
                                (t[tm[1]] == tm[2]).cast("float64") for tm in terms]
    k = len(xs)
    t = t.mutate(__c=complete.cast("int64"),
                 **{f"__x{j}": ibis.ifelse(complete, xs[j], 0.0) for j in range(k)},
                 __y=ibis.ifelse(complete, y, 0.0))
    return t, k


def _check_values(t, yname, terms, family, event) -> dict:
    """One aggregate: infinite values, the outcome's range, counts and the unweighted spread
    of each model column (for naming the likeliest cause of separation)."""
    k = len(terms) + 1
    c = t["__c"]
    agg = {"__n": t.count(), "__nok": (c * (t["__w"] > 0).cast("int64")).sum(),
           "__ndrop": (1 - c).sum(), "__sw": (t["__w"] * c).sum(),
           "__swy": (t["__w"] * t["__y"]).sum()}
    cols = ([] if event is not None else [yname]) + [tm[1] for tm in terms if tm[0] == "num"]
    for i, cname in enumerate(dict.fromkeys(cols)):
        agg[f"__inf{i}"] = t[cname].cast("float64").isinf().fill_null(False).cast("int64").sum()
    for j in range(k):
        x = t[f"__x{j}"]
        agg[f"__sx{j}"] = (x * c).sum()
        agg[f"__sxx{j}"] = (x * x * c).sum()
    # the outcome's range over the complete rows (zeros elsewhere would hide a minimum)
    ycc = t.filter(c == 1)
    first = t.aggregate(**agg).to_pyarrow().to_pandas().iloc[0]
    rng = ycc.aggregate(lo=ycc["__y"].min(), hi=ycc["__y"].max()).to_pyarrow().to_pandas()
    first["__ymin"], first["__ymax"] = rng["lo"].iloc[0], rng["hi"].iloc[0]
    for i, cname in enumerate(dict.fromkeys(cols)):
        if first[f"__inf{i}"]:
            raise ValueError(f"column {cname!r} has {int(first[f'__inf{i}'])} infinite "
                             "value(s); recode them as missing if that is what they mean")
    return first


def glm_by_sums(eng, yname: str, terms: list[tuple], family: str, *, event=None,
                maxiter: int = 100, check=None, names=None) -> dict:
    """Fit a design-weighted ``family`` GLM on an engine design's rows by sums.

    Parameters
    ----------
    eng : EngineDesign
    yname : str
        The outcome column: 0/1 (or a proportion) for ``binomial``, non-negative counts for
        ``poisson``; with ``event``, rows equal to ``event`` count as 1.
    terms : list of tuple
        Model-matrix columns after the intercept, as
        :func:`~cxresearch.sampling.sums.linear_by_sums`.
    family : {"binomial", "poisson"}
    maxiter : int
        Newton iterations (one pass over the rows each).
    check : callable, optional
        Called with ``Σ w x xᵀ`` (refuses constant or collinear columns).
    names : list of str, optional
        Column names for messages (intercept first).

    Returns
    -------
    dict
        ``beta, V, A, n, n_dropped, sum_w, design_df, k, deviance, null_deviance, pearson,
        iterations, converged``.

    Raises
    ------
    ValueError
        Infinite values, an outcome out of range or constant, too few rows, or separation
        (fitted probabilities of 0 or 1), with the likeliest column named.

    Examples
    --------
    >>> # In R: svyglm(y ~ x, design, family = quasibinomial())
    """
    import ibis

    if family not in ("binomial", "poisson"):
        raise ValueError(f"family must be 'binomial' or 'poisson', got {family!r}")
    names = names or ["(Intercept)"] + [str(tm[1]) for tm in terms]
    t, k = _prepare(eng, yname, terms, event)
    first = _check_values(t, yname, terms, family, event)
    n, n_dropped = int(first["__nok"]), int(first["__ndrop"])
    if n == 0:
        raise ValueError("no complete rows: every row misses the outcome or a predictor")
    if n <= k:
        raise ValueError(f"{n} complete rows for {k} coefficients; need more rows")
    lo, hi = float(first["__ymin"]), float(first["__ymax"])
    if family == "binomial" and (lo < 0 or hi > 1):
        raise ValueError(f"outcome {yname!r} must be 0/1 (or a proportion) for family="
                         f"'binomial'; values range {lo:g}..{hi:g}; pass event=")
    if family == "poisson" and lo < 0:
        raise ValueError(f"outcome {yname!r} must be non-negative for family='poisson'; "
                         f"minimum is {lo:g}")
    if family == "binomial" and lo == hi:
        raise ValueError(f"outcome {yname!r} is constant ({lo:g}) in the rows used")
    sum_w = float(first["__sw"])
    ybar = float(first["__swy"]) / sum_w
    tc = t.filter(t["__c"] == 1)
    X = [tc[f"__x{j}"] for j in range(k)]
    w, y = tc["__w"], tc["__y"]

    def moments(beta, grouped: bool):
        eta = sum((X[j] * float(beta[j]) for j in range(k)), ibis.literal(0.0))
        mu, v = _mu(family, eta)
        r = y - mu
        agg = {"__dev": (w * _unit_deviance(family, y, mu)).sum(),
               "__pear": (w * r * r / v).sum(),
               "__etamax": eta.abs().max()}
        for j in range(k):
            agg[f"__t{j}"] = (w * X[j] * r).sum()
            for m in range(j, k):
                agg[f"__a{j}_{m}"] = (w * v * X[j] * X[m]).sum()
        if grouped:
            if family == "binomial":  # fitted 0/1 against the observed outcome (separation)
                agg["__sep"] = (((mu < 1e-8) & (y < 0.5)) | ((mu > 1 - 1e-8) & (y > 0.5))
                                ).cast("int64").sum()
            agg["__null"] = (w * _unit_deviance(family, y, ibis.literal(ybar))).sum()
            if eng.spec["psu"] is None:
                for j in range(k):
                    for m in range(j, k):
                        agg[f"__m{j}_{m}"] = (w * w * r * r * X[j] * X[m]).sum()
            s, p = eng.spec["strata"], eng.spec["psu"]
            dkeys = list(dict.fromkeys(c for c in (s, p) if c is not None))
            e = tc.group_by(dkeys).aggregate(**agg) if dkeys else tc.aggregate(**agg)
            codes = eng._codes_table()
            if codes is not None:
                e = e.join(codes, dkeys)
            return e.to_pyarrow().to_pandas()
        return tc.aggregate(**agg).to_pyarrow().to_pandas()

    def unpack(a):
        U = np.array([a[f"__t{j}"].sum() for j in range(k)])
        A = np.empty((k, k))
        for j in range(k):
            for m in range(j, k):
                A[j, m] = A[m, j] = a[f"__a{j}_{m}"].sum()
        return U, A, float(a["__dev"].sum())

    if check is not None:  # Σ w x xᵀ: constant or collinear columns, as in memory
        G = moments(np.zeros(k), False)
        Gw = np.empty((k, k))
        scale = 0.25 if family == "binomial" else 1.0  # v(μ) at η = 0
        for j in range(k):
            for m in range(j, k):
                Gw[j, m] = Gw[m, j] = G[f"__a{j}_{m}"].sum() / scale
        check(Gw)
    beta = np.zeros(k)
    p0 = min(max(ybar, 1e-10), 1 - 1e-10) if family == "binomial" else max(ybar, 1e-10)
    beta[0] = np.log(p0 / (1 - p0)) if family == "binomial" else np.log(p0)
    U, A, dev = unpack(moments(beta, False))
    converged, it = False, 0
    while it < maxiter:
        it += 1
        try:
            step = np.linalg.solve(A, U)
        except np.linalg.LinAlgError:
            break
        new = beta + step
        for _ in range(30):  # halve a step that raises the deviance
            U2, A2, dev2 = unpack(moments(new, False))
            if np.isfinite(dev2) and dev2 <= dev * (1 + 1e-12) + 1e-12:
                break
            new = (beta + new) / 2
        beta, U, A, dev = new, U2, A2, dev2
        if np.max(np.abs(step)) < 1e-10 * (1 + np.max(np.abs(beta))):
            converged = True
            break
    a2 = moments(beta, True)
    U, A, dev = unpack(a2)
    if family == "binomial" and int(a2["__sep"].sum()) > 0:
        sx, sxx = (np.array([first[f"__s{q}{j}"] for j in range(k)]) for q in ("x", "xx"))
        sd = np.sqrt(np.maximum(sxx / n - (sx / n) ** 2, 0.0))
        sd[0] = sd[0] or 1
        j = int(np.argmax(np.abs(beta * sd)[1:]) + 1) if k > 1 else 0
        raise ValueError(
            f"separation: the logistic model predicts some outcomes perfectly (fitted "
            f"probabilities of 0 or 1); predictor column {names[j]!r} is the likeliest "
            "cause; combine sparse levels or drop it (coefficients would be infinite)")
    if not np.all(np.isfinite(beta)):
        raise ValueError(f"the fit did not converge (non-finite coefficients for "
                         f"{[names[j] for j in np.flatnonzero(~np.isfinite(beta))]})")
    a1 = pd.DataFrame()  # usable rows per PSU for the domain df, only when rows were dropped
    if n < eng.n:
        s, p = eng.spec["strata"], eng.spec["psu"]
        dkeys = list(dict.fromkeys(c for c in (s, p) if c is not None))
        tw = t.mutate(__ok=(t["__c"] * (t["__w"] > 0).cast("int64")))
        e = (tw.group_by(dkeys).aggregate(__nok=tw["__ok"].sum()) if dkeys
             else tw.aggregate(__nok=tw["__ok"].sum()))
        codes = eng._codes_table()
        if codes is not None:
            e = e.join(codes, dkeys)
        a1 = e.to_pyarrow().to_pandas()
    meat = score_meat(eng, a2, k)
    Ainv = np.linalg.inv(A)
    return {"beta": beta, "V": Ainv @ meat @ Ainv, "A": A, "n": n, "n_dropped": n_dropped,
            "sum_w": sum_w, "design_df": used_df(eng, a1, n), "k": k, "deviance": dev,
            "null_deviance": float(a2["__null"].sum()), "pearson": float(a2["__pear"].sum()),
            "iterations": it, "converged": converged}
