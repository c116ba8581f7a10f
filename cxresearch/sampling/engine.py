"""Designs whose rows stay in a data engine (DuckDB by default, Spark or a warehouse by Ibis).

Why this is exact. Every estimator of :mod:`cxresearch.statistics` that runs here (means,
totals and shares by domain, NPS, top box, CSAT, Likert indices, the cells of a cross-tab and
its Rao–Scott tests) has a score that is the same for every row with the same answers in the
same domain. Its PSU totals ``t_p = Σ_{i∈p} wᵢ zᵢ`` are therefore ``Σ_c W_{pc} z_c`` over the
cells ``c`` (stratum × PSU × domain × answer) — linear in the per-cell sums ``W_{pc} = Σ w``.
One ``GROUP BY`` in the engine brings back those sums (and ``Σ 1``, ``Σ w²``, ``Σ [w>0]``),
a table of at most PSUs × cells rows, and the estimator runs unchanged on it
(:class:`CollapsedDesign`), feeding the same variance code
(:mod:`cxresearch.sampling.variance`) as the in-memory route. When every row is its own PSU,
``Σ_h Σ_i tᵢtᵢ'`` is ``Σ_c W2_c z_c z_c'`` (:func:`~cxresearch.sampling.variance.cell_variance`).

What is not pushed down says so: an estimator that needs row-level values of a continuous
variable gets a collapse of more than ``max_cells`` rows and raises a ``ValueError`` naming
the column (round it, bin it, or :meth:`EngineDesign.sample` explicitly); replicate
bootstraps are refused with a message. Nothing loads the rows silently. ``rake`` is pushed
down exactly (:mod:`cxresearch.sampling.engine_calibration`): the raked design's collapses add
the margin variables to their ``GROUP BY`` and carry the calibration on the cells.

Tolerances: engine sums are DOUBLE and summed in parallel in any order, so the two routes
agree to rounding (1e-12 relative is asserted in ``tests/sampling``), not bit for bit.

Examples
--------
>>> import pandas as pd, numpy as np, cxresearch as cx
>>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "h": ["a", "a", "b", "b"], "w": [2.0, 2, 3, 3]})
>>> import ibis
>>> des = cx.Design(ibis.memtable(df), weights="w", strata="h")
>>> des
EngineDesign(n=4, strata=2, psu=4, df=2, backend=duckdb)
>>> # In R: svydesign(ids=~1, strata=~h, weights=~w, data=dbtable) with sqlsurvey/svydb
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.design import ENGINE, Design, population_sizes
from cxresearch.sampling.sources import as_table, describe_source
from cxresearch.sampling.variance import (
    LONELY_MODES,
    average_factor,
    cell_variance,
    psu_totals,
    psu_variance,
    stratum_scales,
)

__all__ = ["CollapsedDesign", "EngineDesign", "TooManyCells", "is_engine_design"]

_AGG = ("__n", "__W", "__W2", "__npos")
#: memory the recent aggregates of one design (and its copies) may keep for reuse
_CACHE_BYTES = 256 * 2**20


class TooManyCells(ValueError):
    """An aggregate would exceed ``max_cells`` rows (a continuous variable per row)."""


def is_engine_design(obj) -> bool:
    """An :class:`EngineDesign`, or an object whose rows are one (an engine wave, which
    forwards the design's attributes): every estimator takes either."""
    return isinstance(obj, EngineDesign) or bool(getattr(type(obj), "engine_rows", False))


def _spec_name(spec, what: str):
    if spec is None or isinstance(spec, str):
        return spec
    raise TypeError(f"{what} of an engine design must be a column name, got "
                    f"{type(spec).__name__} (arrays of row values live in memory only)")


class EngineDesign:
    """A survey design on a table that stays in its engine.

    Built by ``cx.Design(source, ...)`` when ``source`` is not a DataFrame. Construction runs
    one aggregation (per PSU, or per stratum) that validates the design variables and gives
    the design structure; each estimate then runs one ``GROUP BY`` (:meth:`collapse`), and
    the most recent aggregates are kept for reuse. The design is a snapshot of the rows when
    it was built (its strata, PSUs and counts): after files are added or changed, build a new
    one.

    Parameters
    ----------
    source : path, glob, folder, list of paths, duckdb relation, ibis Table or DataFrame
    weights, strata, psu, fpc : str, optional
        Column names, with the meaning of :class:`~cxresearch.sampling.design.Design`.
    lonely_psu : str
    max_cells : int
        Largest aggregate table an estimate may bring back (default 5 million rows); beyond
        it the estimate is refused rather than loading row-level data.
    con : optional
        Backend or DuckDB connection (see :func:`~cxresearch.sampling.sources.as_table`).

    Examples
    --------
    >>> import pandas as pd, ibis
    >>> df = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 2, 2]})
    >>> des = EngineDesign(ibis.memtable(df), weights="w")
    >>> des.n, des.df
    (4, 3)
    >>> # In R: svydesign(ids=~1, weights=~w, data=tbl(con, "t")) (svydb / srvyr + dbplyr)
    """

    def __init__(self, source, weights=None, strata=None, psu=None, fpc=None, *,
                 lonely_psu: str = "fail", max_cells: int = 5_000_000, con=None):
        if lonely_psu not in LONELY_MODES:
            raise ValueError(f"lonely_psu must be one of {LONELY_MODES}, got {lonely_psu!r}")
        if isinstance(max_cells, bool) or not isinstance(max_cells, int) or max_cells < 1:
            raise ValueError(f"max_cells must be a positive integer, got {max_cells!r}")
        self.dtypes: dict = {}
        if isinstance(source, pd.DataFrame):
            import ibis
            self.dtypes = dict(source.dtypes)
            src = source.copy(deep=False)
            for c, dt in self.dtypes.items():  # ibis cannot ship categoricals: their values
                if isinstance(dt, pd.CategoricalDtype):
                    src[c] = src[c].astype(object).where(src[c].notna(), None)
            source = ibis.memtable(src)
        self.table = t = as_table(source, con=con)
        self.backend = describe_source(t)
        self.lonely_psu = lonely_psu
        self.max_cells = max_cells
        names = {"weights": _spec_name(weights, "weights"), "strata": _spec_name(strata, "strata"),
                 "psu": _spec_name(psu, "psu"), "fpc": _spec_name(fpc, "fpc")}
        for what, c in names.items():
            if c is not None and c not in t.columns:
                raise ValueError(f"{what}={c!r} is not a column of the data (columns: "
                                 f"{', '.join(list(t.columns)[:20])})")
        self.spec = names
        self.srs = all(v is None for v in names.values())
        self.has_calibration = False
        self.has_fpc = fpc is not None
        self._build()

    # --------------------------------------------------------------- structure
    def _w_raw(self):
        import ibis
        t = self.table
        if self.spec["weights"] is None:
            return ibis.literal(1.0)
        return t[self.spec["weights"]].cast("float64")

    @property
    def sum_w(self) -> float:
        """The sum of the design weights (fpc-derived ones included): the population the
        weights estimate, for deff's with/without-replacement rule. One aggregate, cached."""
        if getattr(self, "_sum_w", None) is None:
            w = self._weight_expr()
            if self.spec["weights"] is None and not self.has_fpc:
                self._sum_w = float(self.n)   # unit weights (a literal has no .sum())
            else:
                e = self.table.mutate(__w=w).aggregate(__s=lambda t: t["__w"].sum())
                self._sum_w = float(e.to_pyarrow().to_pandas()["__s"].iloc[0])
        return self._sum_w

    def _build(self) -> None:
        t = self.table
        s, p, f = self.spec["strata"], self.spec["psu"], self.spec["fpc"]
        keys = [c for c in (s, p) if c is not None]
        keys = list(dict.fromkeys(keys))
        w = self._w_raw()
        agg = {"__n": t.count()}
        if self.spec["weights"] is not None:
            bad = (w.isnull() | w.isnan() | w.isinf()).fill_null(True)
            agg["__wbad"] = bad.cast("int64").sum()
            agg["__wneg"] = (w < 0).fill_null(False).cast("int64").sum()
            agg["__wpos"] = (w > 0).fill_null(False).cast("int64").sum()
            agg["__wmin"] = w.min()
            agg["__wmax"] = w.max()
        if f is not None:
            fv = t[f].cast("float64")
            agg["__fbad"] = (fv.isnull() | fv.isnan() | fv.isinf() | (fv <= 0)).fill_null(
                True).cast("int64").sum()
            agg["__fmin"] = fv.min()
            agg["__fmax"] = fv.max()
        e = t.group_by(keys).aggregate(**agg) if keys else t.aggregate(**agg)
        summ = e.to_pandas()
        n = int(summ["__n"].sum())
        if n == 0:
            raise ValueError("data have no rows; a design needs at least one respondent")
        self.n = n
        if self.spec["weights"] is not None:
            if summ["__wbad"].sum():
                raise ValueError(f"weights have {int(summ['__wbad'].sum())} missing or "
                                 "non-finite value(s)")
            if summ["__wneg"].sum():
                raise ValueError(f"weights must be non-negative; {int(summ['__wneg'].sum())} "
                                 "row(s) have a negative weight")
            if not summ["__wpos"].sum():
                raise ValueError("weights are all zero")
        for what, c in (("strata", s), ("psu", p)):
            if c is not None and summ[c].isna().any():
                bad = int(summ.loc[summ[c].isna(), "__n"].sum())
                raise ValueError(f"{what} has {bad} missing value(s); every row needs a {what}")
        # strata and PSU codes exactly as Design (pd.factorize(sort=True))
        if s is None:
            hcode = np.zeros(len(summ), dtype=np.intp)
            self.strata_levels = pd.Index(["(all)"])
        else:
            hcode, lev = pd.factorize(summ[s], sort=True)
            self.strata_levels = pd.Index(lev)
        H = len(self.strata_levels)
        self._summary = summ
        self._summary_h = hcode
        if p is None:
            self.psu_is_row = True
            n_h = np.bincount(hcode, weights=summ["__n"].to_numpy(float), minlength=H)
            self._n_h = n_h.astype(np.int64)
            self.n_psu = n
            self._psu_stratum = None
        else:
            self.n_psu = P = len(summ)
            self.psu_is_row = P == n
            self._psu_stratum = hcode.astype(np.intp)
            self._n_h = np.bincount(hcode, minlength=H)
            # PSU code of each summary row: sort by (stratum code, psu value) as Design does
            pc, _ = pd.factorize(summ[p], sort=True)
            order = np.lexsort((pc, hcode))
            self._psu_code_of_summary = np.empty(P, dtype=np.intp)
            self._psu_code_of_summary[order] = np.arange(P)
            self._psu_stratum = np.empty(P, dtype=np.intp)
            self._psu_stratum[self._psu_code_of_summary] = hcode
        # fpc -> f_h, as Design
        if f is None:
            self._f_h = np.ones(H)
            self._N_h = np.full(H, np.inf)
        else:
            if summ["__fbad"].sum():
                raise ValueError("fpc must be positive and finite in every row")
            lo = np.full(H, np.inf)
            hi = np.full(H, -np.inf)
            np.minimum.at(lo, hcode, summ["__fmin"].to_numpy(float))
            np.maximum.at(hi, hcode, summ["__fmax"].to_numpy(float))
            self._N_h = population_sizes(lo, hi, self._n_h, self.strata_levels)
            self._f_h = (self._N_h - self._n_h) / self._N_h
        lonely = (self._n_h == 1) & (self._f_h > 1e-7)
        self._lonely_h = lonely
        if lonely.any() and self.lonely_psu == "fail":
            names = ", ".join(repr(x) for x in self.strata_levels[lonely][:5])
            raise ValueError(
                f"stratum {names} has only one PSU, so its variance cannot be estimated; "
                "pass lonely_psu='adjust', 'certainty', 'remove' or 'average' "
                "(as options(survey.lonely.psu=...) in R)")
        self.df = int(self.n_psu - H)
        # do the row weights differ? (the "weighted" label, as the in-memory route)
        if self.spec["weights"] is not None:
            self.weights_vary = True
        elif f is not None:
            r = self._N_h / self._n_h
            self.weights_vary = bool(np.ptp(r) > 1e-12 * np.abs(r).max())
        else:
            self.weights_vary = False

    def _weight_expr(self):
        """Row weights: the column, or N_h / n_h when only fpc is given (as svydesign)."""
        import ibis
        if self.spec["weights"] is not None or not self.has_fpc:
            return self._w_raw()
        ratio = self._N_h / self._n_h
        if self.spec["strata"] is None:
            return ibis.literal(float(ratio[0]))
        col = self.table[self.spec["strata"]]
        return ibis.cases(*[(col == lev, float(r)) for lev, r in zip(
            self.strata_levels, ratio, strict=True)], else_=ibis.null("float64"))

    # --------------------------------------------------------------- public
    @property
    def columns(self) -> list[str]:
        return list(self.table.columns)

    def __repr__(self) -> str:
        parts = [f"n={self.n}", f"strata={len(self.strata_levels)}", f"psu={self.n_psu}",
                 f"df={self.df}"]
        if self.has_fpc:
            parts.append("fpc")
        parts.append(f"backend={self.backend}")
        return f"EngineDesign({', '.join(parts)})"

    def with_columns(self, **exprs) -> EngineDesign:
        """The same design with columns added or replaced in the engine (Ibis expressions, or
        callables of the table), e.g. an index score ``(q1 + q2 + q3) / 3``.

        Nothing is computed: the structure (strata, PSUs, fpc, weights) is that of the rows,
        which do not change, so no aggregate is re-run. A design column cannot be replaced.

        Examples
        --------
        >>> import ibis, pandas as pd, cxresearch as cx
        >>> e = cx.Design(ibis.memtable(pd.DataFrame({"a": [1.0, 2], "b": [3.0, 5]})))
        >>> e.with_columns(m=lambda t: (t.a + t.b) / 2).columns
        ['a', 'b', 'm']
        >>> # In R: update(des, m = (a + b) / 2)
        """
        import copy

        taken = {c for c in self.spec.values() if c is not None} & set(exprs)
        if taken:
            raise ValueError(f"with_columns cannot replace the design column(s) {sorted(taken)}")
        t = self.table
        made = {k: (v(t) if callable(v) else v) for k, v in exprs.items()}
        out = copy.copy(self)
        out.table = t.mutate(**made)
        out.dtypes = {k: v for k, v in self.dtypes.items() if k not in made}
        out._answered = {k: v for k, v in getattr(self, "_answered", {}).items()
                         if k not in made}
        return out

    def answered(self, columns) -> dict:
        """Rows with an answer (not null, not NaN) in each of ``columns``: one aggregate for
        the columns not asked before, cached."""
        have = getattr(self, "_answered", None)
        if have is None:
            have = self._answered = {}
        todo = [c for c in dict.fromkeys(columns) if c not in have]
        missing = [c for c in todo if c not in self.table.columns]
        if missing:
            raise ValueError(f"{missing} are not columns of the design's data (columns: "
                             f"{', '.join(self.columns[:30])})")
        if todo:
            t = self.table
            aggs = {}
            for i, c in enumerate(todo):
                col = t[c]
                ok = col.notnull()
                if col.type().is_floating():
                    ok = ok & ~col.isnan().fill_null(True)
                aggs[f"__a{i}"] = ok.cast("int64").sum()
            row = t.aggregate(**aggs).to_pyarrow().to_pylist()[0]
            have.update({c: int(row[f"__a{i}"] or 0) for i, c in enumerate(todo)})
        return {c: have[c] for c in columns}

    def collapse(self, columns) -> CollapsedDesign:
        """One ``GROUP BY`` (stratum, PSU, *columns*) → a :class:`CollapsedDesign`.

        Raises ``ValueError`` when the aggregate would exceed ``max_cells`` rows (a column
        with too many distinct values), instead of loading row-level data.
        """
        cols = []
        for c in columns:
            if c is None:
                continue
            if not isinstance(c, str):
                raise TypeError(f"an engine design takes column names, not "
                                f"{type(c).__name__} values (arrays live in memory only)")
            if c not in self.table.columns:
                raise ValueError(f"{c!r} is not a column of the design's data (columns: "
                                 f"{', '.join(self.columns[:30])})")
            cols.append(c)
        cols = list(dict.fromkeys(cols))
        s, p = self.spec["strata"], self.spec["psu"]
        design_keys = list(dict.fromkeys(c for c in (s, p) if c is not None))
        grouped = sorted(cols)  # one aggregate per set of columns, whatever their order
        keys = list(dict.fromkeys(design_keys + grouped))
        t = self.table.mutate(__w=self._weight_expr())
        w = t["__w"]
        aggs = dict(__n=t.count(), __W=w.sum(), __W2=(w * w).sum(),
                    __npos=(w > 0).cast("int64").sum())
        e = t.group_by(keys).aggregate(**aggs) if keys else t.aggregate(**aggs)
        # stratum and PSU codes joined to the aggregate in the engine (a table of PSUs),
        # so that only codes, the analysed columns and the sums come back
        codes = self._codes_table()
        if codes is not None:
            e = e.join(codes, design_keys)
        keep = [*grouped, *_AGG, *(["__h"] if s is not None else []),
                *(["__psu"] if p is not None else [])]
        e = e.select(*keep).limit(self.max_cells + 1)
        cells = self._cached(e, cols)
        return CollapsedDesign(self, cells, cols)

    def _cached(self, e, cols) -> dict:
        """The columns of aggregate ``e``, from the cache of recent aggregates when the same
        query ran before (the wave report asks for the cells of an item for its mean, its NPS
        and its tests); the cache is keyed by the query's SQL, so a design with other weights
        or columns never reuses another's cells, and holds at most ``_CACHE_BYTES``."""
        import ibis

        cache = self.__dict__.setdefault("_collapse_cache", {})
        try:
            key = str(ibis.to_sql(e))
        except Exception:  # noqa: BLE001 - a backend that cannot print SQL: no cache
            key = None
        hit = cache.get(key) if key is not None else None
        if hit is None:
            arrow = e.to_pyarrow()
            if arrow.num_rows > self.max_cells:
                hit = "too many"
            else:
                hit = {c: arrow.column(c).to_pandas() for c in arrow.column_names}
            size = 0 if isinstance(hit, str) else int(arrow.nbytes)
            del arrow
            if key is not None and size <= _CACHE_BYTES:
                cache[key] = hit
                total = 0
                for k in reversed(list(cache)):  # newest first; drop the oldest past the cap
                    v = cache[k]
                    total += 0 if isinstance(v, str) else sum(x.memory_usage(deep=False)
                                                              for x in v.values())
                    if total > _CACHE_BYTES:
                        del cache[k]
        else:  # most recently used last
            cache[key] = cache.pop(key)
        if isinstance(hit, str):
            raise TooManyCells(
                f"the aggregate over {cols} has more than max_cells={self.max_cells} rows: "
                "one of these columns has too many distinct values to be pushed down exactly "
                "(a continuous variable per row). Round or bin it in the source, raise "
                "max_cells, or analyse an explicit sample (design.sample(n))")
        return hit

    def _codes_table(self):
        """Ibis memtable of the design keys with their integer codes (or None); made once, so
        that the aggregates' SQL (the cache key) is the same from one call to the next."""
        import ibis
        s, p = self.spec["strata"], self.spec["psu"]
        if s is None and p is None:
            return None
        if getattr(self, "_codes", None) is not None:
            return self._codes
        summ = self._summary
        tab = {}
        if s is not None:
            tab[s] = summ[s].to_numpy()
            tab["__h"] = self._summary_h.astype(np.int64)
        if p is not None:
            if p != s:
                tab[p] = summ[p].to_numpy()
            tab["__psu"] = self._psu_code_of_summary.astype(np.int64)
        self._codes = ibis.memtable(pd.DataFrame(tab))
        return self._codes

    def sample(self, n: int, seed: int = 0) -> Design:
        """An explicit in-memory Bernoulli sample of about ``n`` rows as a :class:`Design`.

        The weights are divided by the sampling fraction; the design variables are kept. The
        sample's variance treats the subsample as the design (the second phase is not
        modelled, so standard errors are those of the subsample): use it for what cannot be
        pushed down, and say so where its results are reported.
        """
        frac = min(1.0, n / self.n)
        t = self.table
        sub = t.sample(frac, seed=seed) if frac < 1 else t
        df = sub.to_pandas()
        w = self.spec["weights"]
        if w is not None and frac < 1:
            df[w] = df[w].astype(float) / frac
        return Design(df, weights=w, strata=self.spec["strata"], psu=self.spec["psu"],
                      fpc=self.spec["fpc"], lonely_psu=self.lonely_psu)


class CollapsedDesign(Design):
    """A :class:`Design` whose rows are cells of an engine design (stratum × PSU × answers).

    ``weights`` are the cells' sums of ``w``; ``freq`` their numbers of rows; ``w2`` their
    sums of ``w²``; ``npos`` their rows with a positive weight. Estimators run on it unchanged;
    the variance, domain df and counts use these sums, so the results equal those of the
    row-level design (see the module notes). ``n_rows`` is the engine table's row count.
    """

    def __init__(self, eng: EngineDesign, cells: dict, cols: list[str]):
        self.engine = eng
        s, p = eng.spec["strata"], eng.spec["psu"]
        n = len(cells["__n"])
        data = pd.DataFrame({c: cells[c] for c in cols}) if cols else pd.DataFrame(
            index=pd.RangeIndex(n))
        for c in cols:
            dt = eng.dtypes.get(c)
            if dt is not None and data[c].dtype != dt:
                try:
                    data[c] = data[c].astype(dt)
                except (TypeError, ValueError):
                    pass
        self.data = data
        self.n = n
        self.n_rows = eng.n
        self.lonely_psu = eng.lonely_psu
        self.spec = dict(eng.spec)
        self.srs = eng.srs
        self.has_fpc = eng.has_fpc
        self.strata_levels = eng.strata_levels
        self._strata = (np.zeros(n, dtype=np.intp) if s is None
                        else np.array(cells["__h"].to_numpy(dtype=np.intp)))
        self.psu_is_row = eng.psu_is_row  # P == n, as Design (label only; _psu decides)
        if p is None:
            self._psu = None
            self._psu_stratum = None
        else:
            self._psu = np.array(cells["__psu"].to_numpy(dtype=np.intp))
            self._psu_stratum = eng._psu_stratum
        self.n_psu = eng.n_psu
        self._n_h = eng._n_h
        self._f_h, self._N_h, self._lonely_h = eng._f_h, eng._N_h, eng._lonely_h
        self.df = eng.df
        self._calibrations = ()
        # own arrays: the cells may be shared with the design's cache of recent aggregates
        self.weights = np.array(cells["__W"].to_numpy(dtype=float, na_value=0.0))
        self.freq = np.array(cells["__n"].to_numpy(dtype=np.int64))
        self.w2 = np.array(cells["__W2"].to_numpy(dtype=float))
        self.npos = np.array(cells["__npos"].to_numpy(dtype=np.int64))
        # every row-level weight equal? (labels "weighted" as the in-memory route does)
        fr = np.maximum(self.freq, 1)
        within = np.abs(self.w2 * fr - self.weights**2) <= 1e-12 * self.w2 * fr
        per_row = self.weights / fr
        self.weights_vary = eng.spec["weights"] is not None or not (
            within.all() and np.ptp(per_row) <= 1e-12 * np.abs(per_row).max())

    def __repr__(self) -> str:
        return (f"CollapsedDesign(cells={self.n}, rows={self.n_rows}, "
                f"strata={len(self.strata_levels)}, psu={self.n_psu}, df={self.df})")

    def with_weights(self, weights, calibration=None):
        raise ValueError("the cells of an engine design cannot be re-weighted: rake the "
                         "engine design itself (cx.rake(design, margins), pushed down "
                         "exactly); trimming is not pushed down")

    def domain_df(self, mask) -> int:
        m = np.asarray(mask, dtype=bool) & (self.npos > 0)
        if not m.any():
            return 0
        if self._psu is None:  # every row a PSU: rows with w > 0 in the domain
            return int(self.npos[m].sum() - len(np.unique(self._strata[m])))
        psus = np.unique(self._psu[m])
        return int(len(psus) - len(np.unique(self._psu_stratum[psus])))

    def total_variance(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        if z.ndim != 2 or z.shape[0] != self.n:
            raise ValueError(f"z must have {self.n} rows, got shape {z.shape}")
        if not np.all(np.isfinite(z)):
            raise ValueError("scores contain NaN or infinite values; zero them outside the "
                             "domain instead")
        z = self.residualize(z)  # a raked engine design's calibration, on the cells
        scale_h, centred = stratum_scales(self._n_h, self._f_h, self._lonely_h,
                                          self.lonely_psu)
        avg = average_factor(self._lonely_h, self.lonely_psu)
        if self._psu is None:
            return cell_variance(z, self.weights, self.w2, self._strata, self._n_h, scale_h,
                                 centred, avg, freq=self.freq)
        t = psu_totals(self._psu, z * self.weights[:, None], self.n_psu)
        return psu_variance(t, self._psu_stratum, self._n_h, scale_h, centred, avg)

    def group_total_variance(self, groups, G) -> np.ndarray:
        g = np.asarray(groups, dtype=np.intp)
        G = np.asarray(G, dtype=float)
        if G.ndim == 1:
            G = G[:, None]
        return self.total_variance(G[g])


ENGINE["factory"] = EngineDesign
