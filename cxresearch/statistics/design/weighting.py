"""Weighting: raking (iterative proportional fitting), weight trimming, weight diagnostics.

:func:`rake` adjusts weights so that the weighted sample matches known population margins and
returns a :class:`~cxresearch.design.Design` that carries the calibration information, so that
every standard error computed from it accounts for the raking (residuals on the margins, as
``survey::calibrate(calfun="raking")``), not only for the unequal weights.

Raking is written by hand (no maintained Python library returns calibration-aware linearized
variances). Because raking multiplies the weight of every respondent in the same cell of the
margins' cross-classification by the same factor, the iterations run on the table of cell
totals (at most a few thousand cells) and the respondent weights are updated once at the end:
the cost is a few passes over the data, whatever the number of iterations. The same holds for
an engine design: the cell totals are one ``GROUP BY`` in the engine, the same iterations run on
them, and the rows stay where they are (:mod:`cxresearch.sampling.engine_calibration`).

References
----------
Deming, W. E., & Stephan, F. F. (1940). On a least squares adjustment of a sampled frequency
table when the expected marginal totals are known. *Ann. Math. Stat.*, 11, 427–444.
Deville, J.-C., Särndal, C.-E., & Sautory, O. (1993). Generalized raking procedures in survey
sampling. *JASA*, 88(423), 1013–1020.
Kish, L. (1965). *Survey Sampling*. Wiley (design effect of weighting, 1 + CV²).
Lumley, T. (2010). *Complex Surveys*, ch. 7 (``rake``, ``calibrate``, ``trimWeights``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxresearch.errors import ConvergenceWarning
from cxresearch.sampling.design import Calibration, Design, check_weights
from cxresearch.sampling.engine import is_engine_design
from cxresearch.statistics.design.resolve import as_design

__all__ = ["RakeInfo", "rake", "trim_weights", "weight_summary"]


@dataclass
class RakeInfo:
    """What :func:`rake` did: iterations, convergence and the achieved margins."""

    iterations: int
    converged: bool
    max_margin_error: float  # largest |achieved - target| / target over all margin levels
    tol: float
    total: float
    margins: pd.DataFrame = field(repr=False)  # margin, level, target, achieved, rel_error


def _margin_codes(col: pd.Series, targets: dict, name: str, freq=None):
    """Codes of the sample levels in the order of ``targets``; refuses mismatches. ``freq``:
    the rows each value of ``col`` stands for (the cells of an engine design)."""
    if col.isna().any():
        nbad = int(col.isna().sum()) if freq is None else int(np.asarray(freq)[
            col.isna().to_numpy()].sum())
        raise ValueError(
            f"margin {name!r}: {nbad} respondent(s) have no value, so they "
            "cannot be raked; impute or give them a level of their own")
    keys = list(targets)
    inv, uniques = pd.factorize(col, sort=False)
    uniq = [str(u) for u in uniques]
    keymap = {str(k): i for i, k in enumerate(keys)}
    if len(keymap) != len(keys):
        raise ValueError(f"margin {name!r}: duplicate levels in the targets")
    missing_target = [u for u in uniq if u not in keymap]
    if missing_target:
        raise ValueError(
            f"margin {name!r}: sample level(s) {missing_target[:10]} have no population target "
            "(give every level a target, or recode them)")
    present = set(uniq)
    empty = [k for k in keys if str(k) not in present]
    if empty:
        raise ValueError(
            f"margin {name!r}: target level(s) {empty[:10]} have no respondents, so no weight "
            "can reach them (collapse them with a neighbouring level)")
    lut = np.array([keymap[u] for u in uniq], dtype=np.intp)
    return lut[np.asarray(inv, dtype=np.intp)], keys


def _resolve_targets(margins: dict, w0_total: float, total: float | None):
    """Turn each margin into counts; shares (summing to 1) are scaled to the total."""
    out, kinds = {}, {}
    for name, tg in margins.items():
        if isinstance(tg, pd.Series):
            tg = tg.to_dict()
        if not isinstance(tg, dict) or not tg:
            raise TypeError(f"margin {name!r} must be a non-empty dict level -> target")
        v = np.array([float(x) for x in tg.values()])
        if not np.all(np.isfinite(v)) or np.any(v <= 0):
            bad = [k for k, x in tg.items() if not (np.isfinite(x) and x > 0)]
            raise ValueError(
                f"margin {name!r}: targets must be positive, got {bad[:5]} (a level with no "
                "population should not be in the sample)")
        kinds[name] = "share" if abs(v.sum() - 1) < 1e-6 else "count"
        out[name] = dict(zip(tg.keys(), v, strict=True))
    counts = {k: sum(t.values()) for k, t in out.items() if kinds[k] == "count"}
    if counts:
        tots = np.array(list(counts.values()))
        if np.ptp(tots) > 1e-6 * tots.max():
            detail = ", ".join(f"{k}: {v:g}" for k, v in counts.items())
            raise ValueError(f"margins disagree on the population total ({detail})")
        ctot = float(tots.mean())
        if total is not None and abs(total - ctot) > 1e-6 * ctot:
            raise ValueError(f"total={total:g} disagrees with the margin counts ({ctot:g})")
        total = ctot
    if total is None:
        total = w0_total
    for k in out:
        if kinds[k] == "share":
            out[k] = {lv: x * total for lv, x in out[k].items()}
    return out, float(total), kinds


def rake(data, margins: dict, weights=None, *, total: float | None = None, tol: float = 1e-8,
         max_iter: int = 100) -> Design:
    """Rake weights to population margins (iterative proportional fitting).

    Parameters
    ----------
    data : DataFrame, Design, Wave or engine design
        The sample. A Design (or ``wave.design()``) keeps its strata, PSUs and fpc, and its
        weights are the starting weights. An engine design (``cx.Design(path_or_table)``) is
        raked in its engine, exactly as in memory: one ``GROUP BY`` over the margins gives the
        joint cell totals the iterations need, and the result is a
        :class:`~cxresearch.sampling.engine_calibration.RakedEngineDesign` whose estimates
        carry the calibration (:mod:`cxresearch.sampling.engine_calibration`).
    margins : dict
        ``{column: {level: target}}``; targets are counts, or shares summing to 1 (scaled to
        ``total``, or to the count margins' total, or to the sum of the starting weights).
    weights : str or array-like, optional
        Starting weights when ``data`` is a DataFrame (default: unit weights).
    total : float, optional
        Population total for margins given as shares.
    tol : float
        Convergence: every margin level within ``tol`` relative error of its target.
    max_iter : int
        Maximum number of full sweeps over the margins; a ``ConvergenceWarning`` is issued when
        they do not suffice.

    Returns
    -------
    Design (or RakedEngineDesign for an engine design)
        With the raked ``weights`` and the calibration information (``has_calibration`` is
        True), so that standard errors are those of a raking estimator; ``.raking`` is a
        :class:`RakeInfo` (iterations, largest margin error, achieved margins).

    Raises
    ------
    ValueError
        A target level has no respondents, a sample level has no target, a margin column has
        missing values, targets are not positive, or count margins disagree on the total.

    Notes
    -----
    The variance uses the residuals of the scores on the margin dummies, weighted by the
    starting weights (Deville & Särndal 1992), which is what
    ``survey::calibrate(calfun="raking")`` does. ``survey::rake`` uses an approximation
    (10 backfitting sweeps with unweighted means), so its SEs can differ slightly when the
    starting weights are unequal; the weights agree when both have converged.

    References
    ----------
    Deming & Stephan (1940); Deville, Särndal & Sautory (1993); Lumley (2010), ch. 7.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"sex": ["f", "m", "m", "m"], "y": [1.0, 0, 1, 0]})
    >>> des = rake(d, {"sex": {"f": 0.5, "m": 0.5}})
    >>> des.weights.round(3).tolist()
    [2.0, 0.667, 0.667, 0.667]
    >>> # In R: rake(svydesign(ids=~1, data=d), list(~sex), list(data.frame(sex=c("f","m"),
    >>> #            Freq=c(2, 2))))
    """
    if is_engine_design(data):
        if weights is not None:
            raise ValueError("weights= is only for a DataFrame; a Design carries its weights")
        return _rake_engine(data, margins, total, tol, max_iter)
    if isinstance(data, pd.DataFrame):
        base = Design(data, weights=weights)
    else:
        if weights is not None:
            raise ValueError("weights= is only for a DataFrame; a Design carries its weights")
        base = as_design(data)
    _check_args(margins, tol, max_iter)
    w0 = base.weights
    targets, total, kinds = _resolve_targets(margins, float(w0.sum()), total)

    codes, levels, tvec = [], [], []
    for name, tg in targets.items():
        c, keys = _margin_codes(base.column(name), tg, name)
        codes.append(c)
        levels.append(keys)
        tvec.append(np.array([tg[k] for k in keys]))
    sizes = [len(k) for k in levels]

    # cells of the cross-classification actually present
    if np.prod(np.array(sizes, dtype=float)) < 2**62:
        key = np.ravel_multi_index(codes, sizes)
        ncell = int(np.prod(sizes))
        if ncell <= 4 * len(key) + 1_000_000:
            cw = np.bincount(key, weights=w0, minlength=ncell)
            present = np.flatnonzero(np.bincount(key, minlength=ncell))
            remap = np.full(ncell, -1, dtype=np.intp)
            remap[present] = np.arange(len(present))
            cell = remap[key]
            cw = cw[present]
        else:
            present, cell = np.unique(key, return_inverse=True)
            cw = np.bincount(cell, weights=w0)
        cell_codes = np.unravel_index(present, sizes)
    else:  # pragma: no cover - astronomically many levels
        stacked = np.stack(codes, axis=1)
        uc, cell = np.unique(stacked, axis=0, return_inverse=True)
        cw = np.bincount(cell, weights=w0)
        cell_codes = tuple(uc[:, m] for m in range(len(codes)))
    g, it, err, converged = _ipf(cw, cell_codes, sizes, tvec, levels, list(targets), tol,
                                 max_iter)
    if not converged:
        _warn_not_converged(max_iter, err, tol)
    w = w0 * g[cell]
    ach = [np.bincount(codes[m], weights=w, minlength=sizes[m]) for m in range(len(codes))]
    cal = Calibration(w0, codes, sizes, names=list(targets))
    out = base.with_weights(w, calibration=cal)
    out.raking = RakeInfo(iterations=it, converged=converged, max_margin_error=float(err),
                          tol=tol, total=total,
                          margins=_margins_table(targets, levels, tvec, ach, kinds))
    return out


def _check_args(margins, tol, max_iter) -> None:
    if not isinstance(margins, dict) or not margins:
        raise TypeError("margins must be a non-empty dict {column: {level: target}}")
    if tol <= 0 or max_iter < 1:
        raise ValueError(f"tol must be > 0 and max_iter >= 1, got tol={tol}, max_iter={max_iter}")


def _ipf(cw, cell_codes, sizes, tvec, levels, names, tol, max_iter):
    """Iterative proportional fitting on the table of cell totals ``cw``: the factor ``g`` of
    each cell, iterations, largest relative margin error and convergence. The one IPF of both
    routes (rows in memory, cells of an engine's ``GROUP BY``)."""
    if np.any(cw <= 0) and not np.any(cw > 0):
        raise ValueError("all starting weights are zero")
    for m, name in enumerate(names):
        reach = np.bincount(cell_codes[m], weights=cw, minlength=sizes[m])
        if np.any(reach <= 0):
            bad = [levels[m][i] for i in np.flatnonzero(reach <= 0)]
            raise ValueError(f"margin {name!r}: level(s) {bad[:10]} have only zero-weight "
                             "respondents, so no weight can reach them")
    M = len(sizes)
    g = np.ones_like(cw)
    it, err, converged = 0, np.inf, False
    for it in range(1, max_iter + 1):  # noqa: B007 - value used after the loop
        for m in range(M):
            cur = np.bincount(cell_codes[m], weights=cw * g, minlength=sizes[m])
            g *= (tvec[m] / cur)[cell_codes[m]]
        err = max(float(np.max(np.abs(
            np.bincount(cell_codes[m], weights=cw * g, minlength=sizes[m]) / tvec[m] - 1)))
            for m in range(M))
        if err < tol:
            converged = True
            break
    return g, it, err, converged


def _warn_not_converged(max_iter, err, tol, stacklevel: int = 3) -> None:
    warnings.warn(
        f"raking did not converge in {max_iter} iterations: largest relative margin error "
        f"{err:.3g} > tol={tol:g}; the margins may be incompatible with the sample "
        "(empty cells) — collapse levels or raise max_iter", ConvergenceWarning,
        stacklevel=stacklevel)


def _margins_table(targets, levels, tvec, ach, kinds) -> pd.DataFrame:
    rows = []
    for m, name in enumerate(targets):
        for i, lv in enumerate(levels[m]):
            rows.append((name, lv, tvec[m][i], ach[m][i], ach[m][i] / tvec[m][i] - 1,
                         kinds[name]))
    return pd.DataFrame(rows, columns=["margin", "level", "target", "achieved", "rel_error",
                                       "given_as"])


def _rake_engine(eng, margins, total, tol, max_iter):
    """:func:`rake` of an engine design: the IPF above on the joint table of one ``GROUP BY``
    over the margin variables, the factors joined back to the rows in the engine
    (:mod:`cxresearch.sampling.engine_calibration`). Same checks, messages and warnings as
    the in-memory route, in the same order."""
    from cxresearch.sampling.engine_calibration import (
        EngineCalibration,
        joint_cells,
        rake_engine_design,
    )
    _check_args(margins, tol, max_iter)
    names = list(margins)
    cols = [c for c in names if isinstance(c, str) and c in eng.columns]
    joint, keys = joint_cells(eng, cols)
    cwj = joint["__W"].to_numpy(float)
    targets, total, kinds = _resolve_targets(margins, float(cwj.sum()), total)
    codes, levels, tvec = [], [], []
    for name, tg in targets.items():
        if name not in cols:
            raise ValueError(f"{name!r} is not a column of the design's data")
        c, lv = _margin_codes(joint[name], tg, name, freq=joint["__n"].to_numpy())
        codes.append(c)
        levels.append(lv)
        tvec.append(np.array([tg[k] for k in lv]))
    sizes = [len(k) for k in levels]
    if np.prod(np.array(sizes, dtype=float)) >= 2**62:
        raise ValueError("the margins have too many combinations of levels (more than 2^62) "
                         "to be raked on an engine design")
    # the joint rows are distinct values; distinct values can share a level (matched by
    # str, as in memory), so the IPF cells are the distinct code combinations, sorted as
    # the in-memory route sorts them
    present, inv = np.unique(np.ravel_multi_index(codes, sizes), return_inverse=True)
    inv = inv.ravel()
    cw = np.bincount(inv, weights=cwj, minlength=len(present))
    cell_codes = np.unravel_index(present, sizes)
    g, it, err, converged = _ipf(cw, cell_codes, sizes, tvec, levels, list(targets), tol,
                                 max_iter)
    if not converged:
        _warn_not_converged(max_iter, err, tol, stacklevel=4)
    ach = [np.bincount(cell_codes[m], weights=cw * g, minlength=sizes[m])
           for m in range(len(sizes))]
    cal = EngineCalibration(list(targets), levels, present, g)
    out = rake_engine_design(eng, cal, keys.select(list(targets)), g[inv])
    out.raking = RakeInfo(iterations=it, converged=converged, max_margin_error=float(err),
                          tol=tol, total=total,
                          margins=_margins_table(targets, levels, tvec, ach, kinds))
    return out


def _weights_of(w) -> tuple[np.ndarray, object]:
    if is_engine_design(w):
        raise ValueError(
            "trim_weights is not pushed down to an engine design: "
            "trimming caps the weights of individual rows, which differ within every cell an "
            "aggregate could return, so no GROUP BY gives the trimmed design exactly. Rake it "
            "(cx.rake, exact on the engine), or trim an explicit sample (design.sample(n))")
    if isinstance(w, Design):
        return w.weights, w
    arr = np.asarray(w) if not isinstance(w, pd.Series) else w
    if arr.ndim != 1 or len(arr) == 0:
        raise ValueError(f"weights must be a non-empty 1-d array, got shape {arr.shape}")
    return check_weights(w), w


def trim_weights(w, lower: float | None = None, upper: float | None = None, *,
                 relative: bool = False, redistribute: bool = True,
                 spread: str = "proportional", max_iter: int = 100):
    """Trim weights to ``[lower, upper]``, keeping their total.

    Parameters
    ----------
    w : array-like, Series or Design
    lower, upper : float, optional
        Bounds; with ``relative=True`` they are multiples of the mean weight (e.g.
        ``upper=5`` caps at five times the mean).
    redistribute : bool
        When True (default) the weight removed by trimming (or added by raising) is spread
        proportionally over the weights that are inside the bounds, repeatedly until every
        weight respects the bounds, so the total is unchanged (as ``survey::trimWeights``).
        When False weights are only clipped and the total changes.
    spread : {"proportional", "equal"}
        How the trimmed amount is redistributed: in proportion to each weight (default; keeps
        the ratios of the untrimmed weights), or in equal additive shares, as
        ``survey::trimWeights(strict=TRUE)`` does.

    Returns
    -------
    Same kind as ``w``: ndarray, Series (with ``attrs["method"]`` describing the trimming) or
    a Design with the trimmed weights (its calibration kept, as ``trimWeights`` does; the
    margins then hold only approximately).

    Examples
    --------
    >>> trim_weights([1.0, 2, 3, 10], upper=6).tolist()
    [1.6666666666666667, 3.3333333333333335, 5.0, 6.0]
    >>> trim_weights([1.0, 2, 3, 10], upper=6, spread="equal").tolist()
    [2.333333333333333, 3.333333333333333, 4.333333333333333, 6.0]
    >>> # In R: weights(trimWeights(des, upper=6, strict=TRUE))  # the "equal" spread
    """
    arr, orig = _weights_of(w)
    if spread not in ("proportional", "equal"):
        raise ValueError(f"spread must be 'proportional' or 'equal', got {spread!r}")
    mean = arr.mean()
    lo = -np.inf if lower is None else float(lower) * (mean if relative else 1.0)
    hi = np.inf if upper is None else float(upper) * (mean if relative else 1.0)
    if lo > hi:
        raise ValueError(f"lower={lower} is above upper={upper}")
    total = arr.sum()
    if redistribute and (len(arr) * hi < total or len(arr) * lo > total):
        raise ValueError(f"bounds [{lo:g}, {hi:g}] cannot hold the total {total:g} of "
                         f"{len(arr)} weights")
    out = arr.copy()
    fixed = np.zeros(len(arr), dtype=bool)
    for _ in range(max_iter):
        over, under = out > hi * (1 + 1e-12), out < lo * (1 - 1e-12)
        if not (over.any() or under.any()):
            break
        out = np.clip(out, lo, hi)
        fixed |= over | under
        if not redistribute:
            break
        free = ~fixed
        if not free.any():
            break
        if spread == "proportional":
            out[free] *= (total - out[fixed].sum()) / out[free].sum()
        else:
            out[free] += (total - out.sum()) / free.sum()
    if isinstance(orig, Design):
        return orig.with_weights(out)
    if isinstance(orig, pd.Series):
        s = pd.Series(out, index=orig.index, name=orig.name)
        s.attrs["method"] = (
            f"trimmed to [{lo:g}, {hi:g}]; {int(fixed.sum())} weight(s) at a bound; "
            + (f"excess redistributed ({spread}) over the others, total kept"
               if redistribute else "clipped only, total changed"))
        return s
    return out


def weight_summary(w) -> pd.DataFrame:
    """One-row summary of a set of weights.

    Columns ``n, total, min, max, mean, max_min_ratio, cv, deff_kish, n_eff``, where ``cv`` is
    the coefficient of variation with divisor n, ``deff_kish = 1 + cv² = n Σw² / (Σw)²`` and
    ``n_eff = (Σw)² / Σw²`` (Kish 1965). On an engine design (raked or not) the sums come from
    two aggregates in the engine, the spread centred at the mean.

    Examples
    --------
    >>> weight_summary([1.0, 1, 2, 4])[["deff_kish", "n_eff"]].round(3).to_dict("records")
    [{'deff_kish': 1.375, 'n_eff': 2.909}]
    >>> # In R: 1 + (sd(w) * sqrt((n - 1) / n) / mean(w))^2
    """
    if is_engine_design(w):  # two aggregates in the engine (raked weights included)
        from cxresearch.sampling.engine_calibration import weight_moments
        m = weight_moments(w)
        n, tot, s2, lo, hi = m["n"], m["sum"], m["sum2"], m["min"], m["max"]
        sd = float(np.sqrt(m["ss"] / n))
    else:
        arr, _ = _weights_of(w)
        n, tot, s2, lo, hi = len(arr), arr.sum(), float((arr**2).sum()), arr.min(), arr.max()
        sd = float(arr.std(ddof=0))
    mean = tot / n
    cv = sd / mean if mean > 0 else np.nan
    return pd.DataFrame([{
        "n": n, "total": tot, "min": lo, "max": hi, "mean": mean,
        "max_min_ratio": hi / lo if lo > 0 else np.inf,
        "cv": cv, "deff_kish": n * s2 / tot**2, "n_eff": tot**2 / s2,
    }])
