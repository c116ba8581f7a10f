"""Key-driver analysis: relative importance of predictors of a numeric outcome.

Every importance is a function of the (weighted) correlation matrix of the drivers and the
outcome, so the data are reduced once to weighted cross-products and nothing is refitted on
the rows:

- ``shapley`` (LMG, Lindeman-Merenda-Gold): the Shapley value of R^2, averaged over all
  orderings, exact over all 2^p subsets; each subset's R^2 is ``r_S' R_SS^-1 r_S`` (batched
  solves by subset size). Sums to the full-model R^2.
- ``johnson``: Johnson's (2000) relative weights from the symmetric square root of R; sum to
  R^2.
- ``beta``: standardized regression coefficients ``R^-1 r``.
- ``correlation``: zero-order correlations with the outcome.

Intervals come from a design-aware bootstrap (Rao-Wu rescaling, PSUs resampled within strata,
:mod:`cxresearch.statistics.design.bootstrap`); the replicates are computed from PSU totals of the
cross-products, so 500 replicates cost one matrix product. On an engine design (rows in
DuckDB, Spark or files) the cross-products come from two aggregate passes
(:mod:`cxresearch.statistics.models.engine_drivers`) and the same code runs on them. Written
here because no maintained
Python library computes LMG or Johnson weights under survey weights (R: ``relaimpo``, which
has no design either).
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from cxresearch.errors import NotPushedDownWarning
from cxresearch.sampling.design import Design, check_weights
from cxresearch.sampling.engine import is_engine_design
from cxresearch.statistics.design.bootstrap import rescaling_bootstrap_factors
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.resolve import refuse_infinite, resolve
from cxresearch.statistics.design.results import Result, records_warnings
from cxresearch.statistics.models.importance import (
    ALIASES,
    LABEL,
    MAX_SHAPLEY,
    METHODS,
    corr_from_cross,
    importance,
    r2_of,
)

__all__ = ["KeyDriverResult", "key_drivers"]

@dataclass
class KeyDriverResult(Result):
    """What :func:`key_drivers` returns (the result protocol: ``table``, ``notes``,
    ``summary()``, ``_repr_html_``).

    Attributes
    ----------
    table : DataFrame
        One row per driver and method: ``driver, importance, share, ci_low, ci_high, se,
        rank, method, mean, pomp, scale_min, scale_max, n``.
    differences : DataFrame
        Every pair of drivers (first method): ``method, driver_a, driver_b, difference,
        ci_low, ci_high, p_value`` (bootstrap; empty without a bootstrap).
    r2 : float
        Full-model (weighted) R^2.
    n, n_dropped : int
        Rows used (listwise complete) and rows left out.
    outcome : str
    replicates : dict
        ``method -> (B x p)`` bootstrap replicates of the importances.
    synthetic : bool
    labels : dict or None
        Column -> codebook label (short label, else wording) when given a Wave.
    correlations : DataFrame
        Weighted correlation matrix of the drivers and the outcome (rows used).
    notes : list of str
        Rows left out, singular bootstrap replicates, warnings.
    """

    table: pd.DataFrame
    differences: pd.DataFrame
    r2: float
    n: int
    n_dropped: int
    outcome: str
    replicates: dict
    synthetic: bool = False
    labels: dict | None = None
    correlations: pd.DataFrame | None = None
    notes: list = field(default_factory=list)

    def _headline(self) -> str:
        return (f"key drivers of {self.outcome}: R² = {self.r2:.3f}, n = {self.n}"
                + (f" ({self.n_dropped} left out)" if self.n_dropped else ""))

    def __repr__(self) -> str:
        return (f"KeyDriverResult(outcome={self.outcome!r}, R2={self.r2:.4f}, n={self.n}, "
                f"n_dropped={self.n_dropped})\n{self.table.to_string()}")


# ----------------------------------------------------------------------------- inputs
def _numeric(frame, name, what):
    if name not in frame.columns:
        raise ValueError(f"{what} {name!r} is not a column of the data; columns are "
                         f"{list(frame.columns)[:30]}")
    s = frame[name]
    if isinstance(s.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
        extra = (" (an ordered categorical: pass its numeric codes if the scale is "
                 "interval-like)" if isinstance(s.dtype, pd.CategoricalDtype) else "")
        raise ValueError(f"{what} {name!r} must be numeric, got dtype {s.dtype}{extra}")
    v = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    refuse_infinite(v, f"{what} {name!r}")
    return v


def _scale(source, col, given):
    if given is not None and col in given:
        lo, hi = given[col]
        return float(lo), float(hi)
    items = _items(source)
    it = items.get(col) if items is not None else None
    if it is None:
        return np.nan, np.nan
    if getattr(it, "scale_min", None) is not None and getattr(it, "scale_max", None) is not None:
        return float(it.scale_min), float(it.scale_max)
    codes = [lv.code for lv in (getattr(it, "levels", None) or [])]
    return (float(min(codes)), float(max(codes))) if codes else (np.nan, np.nan)


#: seconds of bootstrap above which ``progress=None`` shows a bar with an estimate
PROGRESS_AFTER = 10.0


class _Progress:
    """Progress of the bootstrap batches: ``show=True`` always, ``None`` (the default) only
    when the first batch says the whole will take over :data:`PROGRESS_AFTER` seconds, then
    with that estimate in the bar's title; ``False`` never."""

    def __init__(self, total: int, show, what: str):
        import time

        self.total, self.show, self.what = total, show, what
        self.t0, self.bar, self.done = time.perf_counter(), None, 0

    def step(self) -> None:
        import time

        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
            return
        if self.show is False or self.done != 1 or self.total <= 1:
            return
        est = (time.perf_counter() - self.t0) * self.total
        if self.show or est > PROGRESS_AFTER:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, initial=1, file=sys.stderr,
                            desc=f"{self.what}: about {est:.0f} s in all")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ----------------------------------------------------------------------------- public
@records_warnings
@check_params
def key_drivers(d, outcome: str, drivers, *, method="shapley", weights=None, B: int = 500,
                seed=None, conf_level: float = 0.95, item_range: dict | None = None,
                progress: bool | None = None, codebook=None) -> KeyDriverResult:
    """Relative importance of drivers of a numeric outcome, with design-aware bootstrap CIs.

    Parameters
    ----------
    d : DataFrame, Design, Wave or engine design
        A Design/Wave: its weights enter the correlation matrix and its strata/PSUs the
        bootstrap. A DataFrame: a simple random sample (optionally with ``weights``). An
        engine design (``cx.Design(parquet_folder_or_table, ...)``): the same numbers from
        weighted cross-products computed in the engine (per PSU for the bootstrap); without
        a PSU column the bootstrap would need every row, so the importances come without
        intervals and a :class:`~cxresearch.errors.NotPushedDownWarning` says so.
    outcome : str
        Numeric outcome (e.g. overall satisfaction 1-10). A binary outcome, a categorical or
        a text column is refused: the decompositions here are of the linear-model R^2.
    drivers : list of str
        Numeric driver columns (at least two; ``shapley`` up to 18).
    method : str or list of str
        ``"shapley"`` (= ``"lmg"``, default), ``"johnson"``, ``"beta"``, ``"correlation"``,
        a list of them, or ``"all"``.
    weights : str or array-like, optional
        Weights for a DataFrame (point estimates equal frequency-weighted expanded rows).
    B : int
        Bootstrap replicates (default 500); ``B=0`` skips the intervals.
    seed : int, optional
        Seed of the bootstrap.
    item_range : dict, optional
        ``{driver: (lowest, highest)}``, each driver's answer range for the POMP performance
        (the name ``item_range`` has this one meaning in every function); with a Wave the
        codebook's
        ``scale_min``/``scale_max`` are used.
    codebook : Instrument or str, optional
        Labels and scales for a Design or DataFrame (a Wave brings its own), e.g.
        ``cx.load_instrument("ecsi_mobi")`` or its name.
    progress : bool or None
        Show a progress bar over the bootstrap batches; default None shows one, with an
        estimate of the time, when the first batch says the bootstrap will take over ten
        seconds (e.g. 18 drivers at ``B=500``); False never.

    Returns
    -------
    KeyDriverResult
        ``.table`` (tidy), ``.differences`` (pairwise importance differences with CIs),
        ``.r2``, ``.n``, ``.n_dropped``.

    Notes
    -----
    Missing values: listwise deletion (a row is used only when the outcome and every driver
    are present); ``n`` and ``n_dropped`` report it. Pairwise deletion is not offered: the
    correlation matrix it gives need not be positive definite, and LMG/Johnson weights from it
    can be negative or exceed R^2. ``share`` is importance / R^2 for the two decompositions
    (``shapley``, ``johnson``) and empty for ``beta``/``correlation``, which do not decompose
    R^2; ``rank`` orders |importance| (1 = most important). CIs are bootstrap percentile
    intervals (Rao-Wu rescaling bootstrap, ``m_h = n_h - 1``); the replicates rescale the
    design's final weights and are not re-raked, so after :func:`cxresearch.rake` the
    intervals ignore the calibration's variance reduction (conservative). Replicate-weight
    designs are not supported yet. Performance: the weighted mean
    of each driver over the rows used, and POMP = 100 (mean - min) / (max - min) on the
    driver's scale.

    References
    ----------
    Lindeman, R. H., Merenda, P. F. & Gold, R. Z. (1980). *Introduction to Bivariate and
    Multivariate Analysis*. Scott, Foresman.
    Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor
    variables in multiple regression. *Multivariate Behavioral Research* 35, 1-19.
    Grömping, U. (2006). Relative importance for linear regression in R: the package relaimpo.
    *Journal of Statistical Software* 17(1).
    Rao, J. N. K., Wu, C. F. J. & Yue, K. (1992). Some recent work on resampling methods for
    complex surveys. *Survey Methodology* 18, 209-217.

    Examples
    --------
    >>> import numpy as np, pandas as pd, cxresearch as cx
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> df["y"] = df["a"] + 0.5 * df["b"] + rng.normal(size=300)
    >>> kd = cx.key_drivers(df, "y", ["a", "b", "c"], B=50, seed=1)
    >>> kd.table["driver"].tolist()
    ['a', 'b', 'c']
    >>> bool(abs(kd.table["importance"].sum() - kd.r2) < 1e-12)
    True
    >>> # In R: relaimpo::calc.relimp(lm(y ~ a + b + c, df), type = "lmg")
    """
    engine = is_engine_design(d)
    frame, design = (None, d) if engine else resolve(d)
    drivers, methods = _check_drivers(outcome, drivers, method)
    if design is not None and weights is not None:
        raise ValueError("weights= is for a DataFrame; a Design carries its own weights")
    if engine:   # rows in DuckDB/Spark: two aggregate passes (models/engine_drivers.py)
        from cxresearch.statistics.models.engine_drivers import engine_rows
        rows = _Rows(**engine_rows(d, outcome, drivers, per_psu=B > 0))
    else:
        rows = _rows(frame, design, outcome, drivers, weights)
    R = _correlation(rows, drivers)
    r2 = r2_of(R)
    est = {m: importance(R, m) for m in methods}
    if B > 0 and rows.psu_totals is None:
        warnings.warn(
            "key_drivers: no bootstrap intervals on an engine design without PSUs: each row "
            "is its own PSU, so the Rao-Wu bootstrap would rescale every row (row-level "
            "data); the importances are exact, ci_low/ci_high/se and the differences are "
            "empty. Give the design its PSU column, or bootstrap an explicit sample "
            "(key_drivers(design.sample(n), ...))", NotPushedDownWarning, stacklevel=2)
        B = 0
    reps = _bootstrap(rows, methods, int(B), seed, progress) if B > 0 else {}
    if isinstance(codebook, str):
        from cxresearch.codebooks.instrument import load_instrument
        codebook = load_instrument(codebook)
    src = codebook if codebook is not None else d
    perf = _performance(rows, src, drivers, item_range)
    table, differences = _tables(drivers, methods, est, reps, r2, perf, rows.n, int(B),
                                 conf_level)
    synth = bool(getattr(d, "manifest", {}).get("synthetic", False)) \
        if isinstance(getattr(d, "manifest", None), dict) else False
    table.attrs.update({"outcome": outcome, "r2": r2, "n": rows.n,
                        "n_dropped": rows.n_dropped, "synthetic": synth})
    notes = [f"{rows.n_dropped} row(s) with a missing outcome or driver left out (listwise); "
             f"{rows.n} used"] if rows.n_dropped else []
    notes += [f"{m}: {t}" for m, t in _singular_notes(methods, reps)]
    return KeyDriverResult(table=table, differences=differences, r2=r2, n=rows.n,
                           n_dropped=rows.n_dropped, outcome=outcome, replicates=reps,
                           synthetic=synth, labels=_labels(src, [outcome] + drivers),
                           correlations=pd.DataFrame(R, index=drivers + [outcome],
                                                     columns=drivers + [outcome]),
                           notes=notes)


# ----------------------------------------------------------------------------- steps
def _check_drivers(outcome, drivers, method) -> tuple[list, list]:
    """The driver columns and the methods asked for, checked."""
    if isinstance(drivers, str):
        drivers = [drivers]
    drivers = list(drivers)
    if len(drivers) < 2:
        raise ValueError(f"drivers needs at least two columns, got {drivers!r}")
    if len(set(drivers)) != len(drivers):
        raise ValueError(f"drivers has duplicates: {drivers!r}")
    if outcome in drivers:
        raise ValueError(f"outcome {outcome!r} is also listed in drivers")
    if method == "all":
        methods = list(METHODS)
    else:
        methods = [method] if isinstance(method, str) else list(method)
        methods = [ALIASES.get(m, m) for m in methods]
        bad = [m for m in methods if m not in METHODS]
        if bad or not methods:
            raise ValueError(f"method must be one of {METHODS} (or 'lmg', 'all'), "
                             f"got {method!r}")
    if "shapley" in methods and len(drivers) > MAX_SHAPLEY:
        raise ValueError(f"exact Shapley/LMG needs 2^p subsets; {len(drivers)} drivers is more "
                         f"than {MAX_SHAPLEY}; use method='johnson'")
    return drivers, methods


@dataclass
class _Rows:
    """What the importances and their bootstrap need from the complete rows: the weighted
    cross-products of ``Z`` = [1, X - mean, y - mean] (``cross``), the weighted means
    (``centre``) and a function giving the PSU totals of the cross-products (PSUs x q², for
    the bootstrap; None when they cannot be had). From the rows in memory or from two
    aggregate passes on an engine design."""

    design: object          # the factors' source: _psu_stratum, _n_h, _f_h
    n: int
    n_dropped: int
    cross: np.ndarray
    centre: np.ndarray
    n_psu: int
    psu_totals: object


def _rows(frame, design, outcome, drivers, weights) -> _Rows:
    """Numeric outcome and drivers, the weights (a Design either way), the complete rows."""
    y = _numeric(frame, outcome, "outcome")
    fy = y[np.isfinite(y)]
    if len(np.unique(fy)) <= 2:
        raise ValueError(
            f"outcome {outcome!r} has {len(np.unique(fy))} distinct value(s); key_drivers "
            "decomposes the R^2 of a linear model and needs a numeric outcome with more than "
            "two values (for a binary outcome fit cx.regress(..., family='binomial'))")
    X = np.column_stack([_numeric(frame, c, "driver") for c in drivers])
    if design is None:
        w_all = np.ones(len(frame)) if weights is None else check_weights(
            frame[weights] if isinstance(weights, str) else weights, "row")
        if len(w_all) != len(frame):
            raise ValueError(f"weights has {len(w_all)} values for {len(frame)} rows")
        design = Design(frame, weights=w_all)
    w_all = np.asarray(design.weights, dtype=float)
    complete = np.isfinite(y) & np.isfinite(X).all(1)
    ok = complete & (w_all > 0)
    n, n_dropped = int(ok.sum()), int((~complete).sum())
    p = len(drivers)
    if n <= p + 1:
        raise ValueError(f"{n} complete rows for {p} drivers; need more rows")
    Xk, yk, wk = X[ok], y[ok], w_all[ok]
    const = [drivers[j] for j in range(p) if np.ptp(Xk[:, j]) == 0]
    if const:
        raise ValueError(f"driver(s) {const} are constant in the rows used; drop them")
    if np.ptp(yk) == 0:
        raise ValueError(f"outcome {outcome!r} is constant in the rows used")
    # cross-products of [1, Z - weighted mean]: centring first keeps them accurate for
    # columns with a large mean, and the bootstrap totals stay exact about any fixed centre
    centre = (wk @ np.column_stack([Xk, yk])) / wk.sum()
    Z = np.column_stack([np.ones(n), Xk - centre[:p], yk - centre[p]])
    wz = Z * wk[:, None]

    def psu_totals():
        psu = np.asarray(design._psu)
        q = Z.shape[1]
        outer = (wz[:, :, None] * Z[:, None, :]).reshape(n, q * q)
        T = np.zeros((design.n_psu, q * q))
        if design.n_psu < design.n:
            np.add.at(T, psu[ok], outer)
        else:
            T[psu[ok]] = outer
        return T

    return _Rows(design, n, n_dropped, wz.T @ Z, centre, design.n_psu, psu_totals)


def _correlation(rows: _Rows, drivers) -> np.ndarray:
    """Weighted correlation matrix of drivers and outcome; collinear drivers refused."""
    p = len(drivers)
    R = corr_from_cross(rows.cross)
    ev = np.linalg.eigvalsh(R[:p, :p])
    if ev.min() < 1e-10:
        inv = []
        for j in range(p):
            keep = [k for k in range(p) if k != j]
            if np.linalg.eigvalsh(R[np.ix_(keep, keep)]).min() > 1e-10:
                inv.append(drivers[j])
        raise ValueError(f"drivers {inv or drivers} are collinear (their correlation matrix "
                         "is singular); drop one of them")
    return R


def _bootstrap(rows: _Rows, methods, B: int, seed, progress) -> dict[str, np.ndarray]:
    """``method -> (B x p)`` replicates from PSU totals of the cross-products (Rao-Wu)."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    design, P = rows.design, rows.n_psu
    q = rows.cross.shape[0]
    p = q - 2
    T = rows.psu_totals()
    out = {m: np.empty((B, p)) for m in methods}
    # replicates in batches: the PSU rescaling factors (P x batch) are drawn per batch, so
    # memory stays bounded for a large sample (the same seed gives the same replicates)
    batch = int(max(1, min(100, 2_000_000 // max(P, 1))))
    bar = _Progress(-(-B // batch), progress, f"key_drivers bootstrap ({p} drivers, B={B})")
    for s in range(0, B, batch):
        nb = min(batch, B - s)
        factor, _ = rescaling_bootstrap_factors(design, nb, rng)
        Rb = corr_from_cross((np.ascontiguousarray(factor.T) @ T).reshape(-1, q, q))
        Rb[_singular(Rb, p)] = np.nan
        for m in methods:
            try:
                out[m][s:s + len(Rb)] = importance(Rb, m)
            except np.linalg.LinAlgError:   # a singular replicate: one at a time
                for i, Ri in enumerate(Rb):
                    try:
                        out[m][s + i] = importance(Ri, m)
                    except np.linalg.LinAlgError:
                        out[m][s + i] = np.nan
        bar.step()
    bar.close()
    return out


def _singular(Rb: np.ndarray, p: int) -> np.ndarray:
    """Replicates whose drivers are constant or collinear (the full sample's rule: smallest
    eigenvalue of the drivers' correlation matrix below 1e-10): singular, left out, instead
    of importances from a matrix that rounding alone keeps invertible."""
    bad = ~np.isfinite(Rb).all(axis=(-2, -1))
    ok = np.flatnonzero(~bad)
    if ok.size:
        bad[ok] = np.linalg.eigvalsh(Rb[ok, :p, :p])[:, 0] < 1e-10
    return bad


def _performance(rows: _Rows, src, drivers, item_range) -> dict:
    """Weighted mean of each driver over the rows used, its scale and POMP."""
    p = len(drivers)
    means = rows.centre[:p]
    scales = [_scale(src, c, item_range) for c in drivers]
    smin = np.array([s[0] for s in scales])
    smax = np.array([s[1] for s in scales])
    with np.errstate(invalid="ignore", divide="ignore"):
        pomp = 100 * (means - smin) / (smax - smin)
    return {"mean": means, "pomp": pomp, "scale_min": smin, "scale_max": smax}


def _singular_notes(methods, reps) -> list[tuple[str, str]]:
    out = []
    for m in methods:
        if m in reps:
            bad = int((~np.isfinite(reps[m]).all(1)).sum())
            if bad:
                out.append((m, f"{bad} of {len(reps[m])} bootstrap replicates were singular "
                               "and left out"))
    return out


def _tables(drivers, methods, est, reps, r2, perf, n, B, conf_level):
    """The tidy importance table and the pairwise differences (first method, bootstrap)."""
    p = len(drivers)
    alpha = 1 - conf_level
    rows, diffs = [], []
    bdesc = (f"; {B} Rao-Wu rescaling bootstrap replicates (PSUs within strata), "
             f"percentile CI" if B else "")
    for m in methods:
        imp = est[m]
        mdesc = bdesc
        share = imp / r2 if m in ("shapley", "johnson") else np.full(p, np.nan)
        rank = pd.Series(-np.abs(imp)).rank(method="min").astype(int).to_numpy()
        if B:
            rb = reps[m]
            good = np.isfinite(rb).all(1)
            if good.sum() < 0.5 * len(rb):
                raise ValueError(f"{len(rb) - int(good.sum())} of {len(rb)} bootstrap "
                                 "replicates have a constant or collinear driver (too few "
                                 "PSUs or rows for a bootstrap); use B=0 or more data")
            if not good.all():
                mdesc += f" ({len(rb) - int(good.sum())} singular replicate(s) left out)"
            lo, hi = np.quantile(rb[good], [alpha / 2, 1 - alpha / 2], axis=0)
            se = rb[good].std(0, ddof=1)
        else:
            lo = hi = se = np.full(p, np.nan)
        for j, c in enumerate(drivers):
            rows.append({"driver": c, "importance": imp[j], "share": share[j],
                         "ci_low": lo[j], "ci_high": hi[j], "se": se[j], "rank": rank[j],
                         "method": LABEL[m] + mdesc, "measure": m,
                         "mean": perf["mean"][j], "pomp": perf["pomp"][j],
                         "scale_min": perf["scale_min"][j], "scale_max": perf["scale_max"][j],
                         "n": n})
        if B and m == methods[0]:
            rb = reps[m][np.isfinite(reps[m]).all(1)]
            for a, b in combinations(range(p), 2):
                dv = rb[:, a] - rb[:, b]
                pv = min(1.0, 2 * min((dv <= 0).mean(), (dv >= 0).mean()))
                dlo, dhi = np.quantile(dv, [alpha / 2, 1 - alpha / 2])
                diffs.append({"method": m, "driver_a": drivers[a], "driver_b": drivers[b],
                              "difference": imp[a] - imp[b], "ci_low": dlo, "ci_high": dhi,
                              "p_value": pv})
    dcols = ["method", "driver_a", "driver_b", "difference", "ci_low", "ci_high", "p_value"]
    return pd.DataFrame(rows), pd.DataFrame(diffs, columns=dcols)


def _items(source):
    """The codebook items (id -> Item) of a Wave or an Instrument, else None."""
    inst = getattr(source, "instrument", None) if not isinstance(source, pd.DataFrame) else None
    if inst is None and not isinstance(source, pd.DataFrame) and hasattr(source, "meta"):
        inst = source                       # an Instrument itself
    items = getattr(inst, "items", None)
    return items if isinstance(items, dict) else None


def _labels(source, cols):
    items = _items(source)
    if not items:
        return None
    out = {}
    for c in cols:
        it = items.get(c) if hasattr(items, "get") else None
        if it is None:
            continue
        short = getattr(it, "short", None) or {}
        wording = getattr(it, "wording", None) or {}
        out[c] = short.get("en") or wording.get("en") or c
    return out
