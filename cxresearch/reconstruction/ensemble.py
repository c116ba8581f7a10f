"""Ensembles of reconstructions: one analysis on many datasets consistent with a report.

``reconstruct_many`` draws ``k`` reconstructions (replicate ``i`` is
``reconstruct(study, seed=seed + i, ...)``), optionally across the assumptions' plausible
ranges or a grid of values, runs an analysis on each and summarises the spread of its results,
so that a notebook can say whether a conclusion holds for every dataset consistent with the
published figures or depends on an assumption. Worker processes are forked, so the analysis
may be any callable (a lambda too).
"""

from __future__ import annotations

import itertools
import multiprocessing
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxresearch.errors import CxWarning
from cxresearch.statistics.design.params import Interval, check_params
from cxresearch.statistics.design.results import Result, reemit

__all__ = ["EnsembleResult", "reconstruct_many"]


@dataclass(repr=False)  # repr: Result.__repr__ (the summary)
class EnsembleResult(Result):
    """What :func:`reconstruct_many` returns (the result protocol).

    ``table`` (the spread per quantity), ``results`` (stacked analyses with ``replicate``,
    ``seed`` and assumption columns), ``assumptions`` (per replicate), ``notes`` (what the
    analyses warned, counted over the replicates, and replicates whose reconstruction missed
    a published figure). Unpacks as ``results, table``.
    """

    results: pd.DataFrame
    table: pd.DataFrame
    assumptions: pd.DataFrame
    notes: list = field(default_factory=list)

    def __iter__(self):
        return iter((self.results, self.table))

    def _headline(self) -> str:
        k = self.results["replicate"].nunique() if len(self.results) else 0
        return f"ensemble of {k} reconstructions: {len(self.table)} quantities"


def _plan(study, k, seed, vary, fixed):
    from cxresearch.reconstruction.api import resolve_assumptions

    model, base = resolve_assumptions(study, fixed)
    rng = np.random.default_rng([int(seed), 4242])
    if vary is None:
        return [dict(base) for _ in range(k)]
    if isinstance(vary, str):
        if vary != "all":
            vary = [vary]
        else:
            vary = [n for n, spec in model.assumptions.items()
                    if n not in fixed and spec.ensemble]
    if isinstance(vary, list | tuple | set):
        vary = {n: "range" for n in vary}
    if not isinstance(vary, dict):
        raise TypeError(f"vary must be None, 'all', a list of names or a dict, got {vary!r}")
    unknown = sorted(set(vary) - set(model.assumptions))
    if unknown:
        raise ValueError(f"vary names unknown assumption(s) {unknown}; valid: "
                         f"{sorted(model.assumptions)}")
    grid_names = [n for n, v in vary.items() if v != "range"]
    grid = list(itertools.product(*[[model.assumptions[n].validate(x) for x in vary[n]]
                                    for n in grid_names])) or [()]
    plans = []
    for i in range(k):
        a = dict(base)
        for n, v in zip(grid_names, grid[i % len(grid)], strict=True):
            a[n] = v
        for n, v in vary.items():
            if v == "range":
                a[n] = model.assumptions[n].validate(model.assumptions[n].sample(rng))
        plans.append(a)
    return plans


_WORK: dict = {}


def _one(i):
    from cxresearch.errors import ReconstructionConflictWarning
    from cxresearch.reconstruction.api import one_blas_thread, reconstruct

    study, plans, seed, analysis = _WORK["study"], _WORK["plans"], _WORK["seed"], \
        _WORK["analysis"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReconstructionConflictWarning)
        w = reconstruct(study, seed=seed + i, **plans[i])
    with one_blas_thread(), warnings.catch_warnings(record=True) as caught:
        # what the analysis warns is counted over the replicates in the result's notes
        warnings.simplefilter("always", CxWarning)
        warnings.simplefilter("always", RuntimeWarning)
        out = analysis(w)
    warned = [(c.category.__name__, str(c.message)) for c in caught
              if issubclass(c.category, CxWarning | RuntimeWarning)]
    for c in caught:  # anything else (a pandas FutureWarning...) is shown as before
        if not issubclass(c.category, CxWarning | RuntimeWarning):
            reemit(c)
    if not isinstance(out, pd.DataFrame):
        raise TypeError(f"analysis must return a DataFrame, got {type(out).__name__}")
    out = out.copy()
    out.insert(0, "replicate", i)
    out.insert(1, "seed", seed + i)
    out["fit_met"] = bool(w.manifest["fit"]["n_unmet"] == 0)
    return out, warned


def _ensemble_notes(parts, k: int) -> list[str]:
    """Warnings counted over the replicates (one example message each) and unmet fits."""
    seen: dict[str, list] = {}
    for i, (_, warned) in enumerate(parts):
        for cat, msg in warned:
            reps, first = seen.setdefault(cat, [set(), msg])
            reps.add(i)
    notes = [f"{len(reps)} of {k} reconstructions: {cat} (e.g. {first})"
             for cat, (reps, first) in seen.items()]
    unmet = sum(not bool(out["fit_met"].iloc[0]) for out, _ in parts if len(out))
    if unmet:
        notes.append(f"{unmet} of {k} reconstructions miss some published figures "
                     "(fit_met is False in results)")
    return notes


_P_COLS = ("p_value", "pvalue", "p", "p_adj", "p_value_adj")


def _summary(res: pd.DataFrame, assumption_cols: list, by: list) -> pd.DataFrame:
    """One row per quantity (key columns, plus ``by``): the spread of every numeric column."""
    skip = {"replicate", "seed", "fit_met", *assumption_cols}
    keys = [c for c in res.columns if c not in skip and not pd.api.types.is_numeric_dtype(res[c])
            and not pd.api.types.is_bool_dtype(res[c])]
    nums = [c for c in res.columns if c not in skip and c not in keys
            and pd.api.types.is_numeric_dtype(res[c]) and not pd.api.types.is_bool_dtype(res[c])]
    group_cols = keys + [c for c in by if c not in keys]
    rows = []
    groups = res.groupby(group_cols, dropna=False, sort=False) if group_cols else [((), res)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(group_cols, key, strict=True))
        row["replicates"] = int(g["replicate"].nunique())
        for col in nums:
            v = pd.to_numeric(g[col], errors="coerce").astype(float).dropna()
            if col.lower() in _P_COLS:
                row[f"{col}_median"] = v.median() if len(v) else np.nan
                row[f"{col}_max"] = v.max() if len(v) else np.nan
                row["share_p_lt_05"] = float((v < 0.05).mean()) if len(v) else np.nan
                continue
            row[f"{col}_mean"] = v.mean() if len(v) else np.nan
            row[f"{col}_sd"] = v.std(ddof=1) if len(v) > 1 else np.nan
            row[f"{col}_q025"] = v.quantile(0.025) if len(v) else np.nan
            row[f"{col}_median"] = v.median() if len(v) else np.nan
            row[f"{col}_q975"] = v.quantile(0.975) if len(v) else np.nan
            if col == "estimate":
                pos = float((v > 0).mean()) if len(v) else np.nan
                row["sign_agreement"] = max(pos, float((v < 0).mean())) if len(v) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


@check_params(k=Interval(1, None, "left", integer=True))
def reconstruct_many(study: str, k: int, analysis, *, seed: int = 0, vary=None,
                     n_jobs: int = 1, **assumptions) -> EnsembleResult:
    """Run ``analysis`` on ``k`` reconstructions and summarise the spread of its results.

    Parameters
    ----------
    study : str
    k : int
        Number of reconstructions (replicate ``i`` uses seed ``seed + i``, so any replicate can
        be regenerated with :func:`reconstruct`).
    analysis : callable
        ``analysis(wave) -> DataFrame`` (tidy: key columns such as ``term`` plus numeric
        columns such as ``estimate`` and ``p_value``).
    seed : int
    vary : None, "all", list of names, or dict
        None: every replicate uses the given assumptions. ``"all"``: every assumption not given
        is drawn from its range per replicate (except the sample size, the wave and readings
        known to conflict with other figures). A list: those names drawn from
        their ranges. A dict ``name -> list of values`` cycles through the grid of values
        (``name -> "range"`` draws).
    n_jobs : int
        Worker processes (fork); 1 runs in this process.
    **assumptions
        Fixed assumptions for every replicate.

    Returns
    -------
    EnsembleResult
        ``results``: the stacked analysis outputs with ``replicate``, ``seed``, ``fit_met`` and
        one column per assumption (``a_<name>``); ``table``: one row per quantity (the
        analysis' text columns, and each grid value of ``vary`` given as a dict of values) with
        ``replicates``, ``<col>_mean/_sd/_q025/_median/_q975`` for every numeric column,
        ``sign_agreement`` (share of replicates agreeing with the majority sign of
        ``estimate``) and, for a p-value column, its median and maximum and ``share_p_lt_05``.
        ``assumptions``: the assumptions of each replicate; ``notes``: warnings of the
        analyses counted over the replicates. Unpacks as ``results, table``.

    Examples
    --------
    >>> res, summ = cx.reconstruct_many("mitto_cx", 50, my_test, vary=["maturity_dist"])
    ... # doctest: +SKIP
    >>> # In R: replicate(50, my_test(reconstruct())) — no package equivalent
    """
    if not callable(analysis):
        raise TypeError(f"analysis must be callable, got {type(analysis).__name__}")
    plans = _plan(study, int(k), int(seed), vary, assumptions)
    _WORK.update(study=study, plans=plans, seed=int(seed), analysis=analysis)
    try:
        if n_jobs == 1 or k == 1:
            parts = [_one(i) for i in range(k)]
        else:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(min(n_jobs, k)) as pool:
                parts = pool.map(_one, range(k), chunksize=max(1, k // (4 * n_jobs)))
    finally:
        _WORK.clear()
    notes = _ensemble_notes(parts, k)
    res = pd.concat([out for out, _ in parts], ignore_index=True)
    names = list(plans[0])
    for n in names:
        res[f"a_{n}"] = [",".join(map(str, p[n])) if isinstance(p[n], tuple) else p[n]
                         for p in (plans[i] for i in res["replicate"])]
    acols = [f"a_{n}" for n in names]
    grid = [f"a_{n}" for n, v in (vary.items() if isinstance(vary, dict) else []) if v != "range"]
    table = pd.DataFrame(
        [{"replicate": i, **{n: (",".join(map(str, v)) if isinstance(v, tuple) else v)
                             for n, v in p.items()}} for i, p in enumerate(plans)])
    return EnsembleResult(res, _summary(res, [c for c in acols if c not in grid], grid), table,
                          notes)
