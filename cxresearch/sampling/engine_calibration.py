"""Raking pushed down to an engine design, exactly.

Why this is exact. Raking (iterative proportional fitting) over categorical margins multiplies
the weight of every row in the same cell of the margins' cross-classification by the same
factor ``g``, and the factors depend only on the cells' totals ``Σw``. So one ``GROUP BY``
over the margin variables (:func:`joint_cells`) gives everything the iterations need; they run
in memory on that small table, with the code of the in-memory route
(:func:`cxresearch.statistics.design.weighting.rake`). The raked design
(:class:`RakedEngineDesign`) keeps the rows where they are: its weight expression is
``w × g[cell]``, a join of the table to a memtable of the factors, one row per cell.

The variance of a raking estimator uses the residuals of the scores on the margin indicators,
weighted by the weights before raking (Deville & Särndal 1992), as ``Design.residualize``
does. The indicators are constant within a cell of the margins, so every later
:meth:`RakedEngineDesign.collapse` adds the margin variables to its ``GROUP BY`` and gives its
:class:`~cxresearch.sampling.engine.CollapsedDesign` a
:class:`~cxresearch.sampling.design.Calibration` on the cells: the cells' sums of the
weights before raking (``Σw / g``) and their margin codes. Its cross-products and fitted values
are then those of the row-level calibration, term by term, and the residualized scores are
again constant within cells.

Cost: the margins join every estimate's ``GROUP BY``, so its cells multiply by the margin
combinations present within a PSU (at most the rows). Splitting the residual into
``Σ W z − Σ W_m f_m`` over three small aggregates (PSU × columns, PSU × margins, margins ×
columns) would avoid that; not done yet.

What is not pushed down says so: the per-PSU sums route of a continuous variable
(:mod:`cxresearch.sampling.sums`) and an explicit :meth:`RakedEngineDesign.sample` are refused
on a raked design, with what to do instead.

Examples
--------
>>> import pandas as pd, ibis, cxresearch as cx
>>> df = pd.DataFrame({"sex": ["f", "m", "m", "m"], "y": [1.0, 0, 1, 0]})
>>> des = cx.rake(cx.Design(ibis.memtable(df)), {"sex": {"f": 0.5, "m": 0.5}})
>>> des
RakedEngineDesign(n=4, strata=1, psu=4, df=3, calibrated, backend=duckdb)
>>> round(float(cx.mean(des, "y").estimate[0]), 6)
0.666667
>>> # In R: rake(svydesign(ids=~1, data=tbl), list(~sex), list(data.frame(sex=c("f","m"),
>>> #            Freq=c(2, 2))))
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.design import Calibration
from cxresearch.sampling.engine import EngineDesign

__all__ = ["EngineCalibration", "RakedEngineDesign", "joint_cells", "rake_engine_design",
           "weight_moments"]


def joint_cells(eng: EngineDesign, names: list[str]):
    """One ``GROUP BY`` over the margin variables: ``(frame, keys)``.

    ``frame`` has the margin columns (cast to the source's pandas dtypes, as a
    :class:`~cxresearch.sampling.engine.CollapsedDesign`), ``__n`` (rows) and ``__W`` (Σw of
    the design's current weights); ``keys`` is the pyarrow table of the margin values in the
    engine's own types (for the join of the factors back to the rows).
    """
    for c in names:
        if c not in eng.columns:
            raise ValueError(f"{c!r} is not a column of the design's data")
    t = eng.table.mutate(__w=eng._weight_expr())
    aggs = dict(__n=t.count(), __W=t["__w"].sum())
    e = t.group_by(list(names)).aggregate(**aggs) if names else t.aggregate(**aggs)
    arrow = e.limit(eng.max_cells + 1).to_pyarrow()
    if arrow.num_rows > eng.max_cells:
        raise ValueError(
            f"the margins {list(names)} have more than max_cells={eng.max_cells} combinations "
            "of levels, so raking cannot be pushed down; collapse levels or raise max_cells")
    frame = pd.DataFrame({c: arrow.column(c).to_pandas() for c in [*names, "__n", "__W"]})
    for c in names:
        dt = eng.dtypes.get(c)
        if dt is not None and frame[c].dtype != dt:
            try:
                frame[c] = frame[c].astype(dt)
            except (TypeError, ValueError):
                pass
    frame["__W"] = frame["__W"].astype(float).fillna(0.0)
    return frame, arrow.select(list(names))


class EngineCalibration:
    """What a raked engine design remembers of one raking: the margin variables, their levels
    (matched by ``str`` as the in-memory route matches them), the cells of their
    cross-classification that hold rows and the raking factor ``g`` of each.

    Parameters
    ----------
    names : list of str
        The margin variables.
    levels : list of lists
        The target levels of each margin, in the order of its codes.
    present : int array
        Sorted raveled codes of the cells that hold rows (``np.ravel_multi_index``).
    g : float array
        The factor of each of those cells.
    """

    def __init__(self, names, levels, present, g):
        self.names = list(names)
        self.levels = [list(lv) for lv in levels]
        self.n_levels = [len(lv) for lv in self.levels]
        self._keymaps = [{str(k): i for i, k in enumerate(lv)} for lv in self.levels]
        self.present = np.asarray(present, dtype=np.int64)
        self.g = np.asarray(g, dtype=float)

    def codes(self, frame: pd.DataFrame) -> list[np.ndarray]:
        """Margin codes of each row of ``frame`` (cells of a collapse)."""
        out = []
        for name, km in zip(self.names, self._keymaps, strict=True):
            inv, uniq = pd.factorize(frame[name], sort=False)
            if (inv < 0).any():
                raise ValueError(f"margin {name!r} has missing values in the data")
            try:
                lut = np.array([km[str(u)] for u in uniq], dtype=np.intp)
            except KeyError as e:  # the table changed since it was raked
                raise ValueError(f"margin {name!r}: level {e.args[0]!r} was not in the data "
                                 "when the design was raked (has the table changed?)") from None
            out.append(lut[np.asarray(inv, dtype=np.intp)])
        return out

    def factors(self, codes: list[np.ndarray]) -> np.ndarray:
        """The raking factor of each row, from its margin codes."""
        key = np.ravel_multi_index(codes, self.n_levels).astype(np.int64)
        pos = np.searchsorted(self.present, key)
        pos = np.minimum(pos, len(self.present) - 1)
        if np.any(self.present[pos] != key):
            raise ValueError("a cell of the margins was not in the data when the design was "
                             "raked (has the table changed?)")
        return self.g[pos]


class RakedEngineDesign(EngineDesign):
    """An :class:`~cxresearch.sampling.engine.EngineDesign` after :func:`cxresearch.rake`.

    Its weights are the starting weights times the raking factor of each row's cell of the
    margins (an Ibis join, evaluated in the engine), and every :meth:`collapse` groups by the
    margin variables as well and carries the calibration, so that standard errors are those
    of a raking estimator, equal to those of the same rows raked in memory. Built by
    :func:`rake_engine_design`; ``engine_calibrations`` lists the rakings (a raked design can
    be raked again, as in memory).

    Examples
    --------
    >>> import pandas as pd, ibis, cxresearch as cx
    >>> df = pd.DataFrame({"g": ["a", "b", "b"], "y": [1.0, 2, 3]})
    >>> des = cx.rake(cx.Design(ibis.memtable(df)), {"g": {"a": 2, "b": 2}})
    >>> des.has_calibration
    True
    >>> # In R: rake(svydesign(ids=~1, data=tbl), list(~g), list(data.frame(g=c("a","b"),
    >>> #            Freq=c(2, 2))))
    """

    engine_calibrations: tuple = ()
    _gcols: tuple = ()

    def _weight_expr(self):
        w = super()._weight_expr()
        for c in self._gcols:
            w = w * self.table[c]
        return w

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.columns if c not in self._gcols]

    @property
    def sum_w(self) -> float:
        if getattr(self, "_sum_w", None) is None:
            e = self.table.mutate(__w=self._weight_expr()).aggregate(
                __s=lambda t: t["__w"].sum())
            self._sum_w = float(e.to_pyarrow().to_pandas()["__s"].iloc[0])
        return self._sum_w

    def __repr__(self) -> str:
        parts = [f"n={self.n}", f"strata={len(self.strata_levels)}", f"psu={self.n_psu}",
                 f"df={self.df}"]
        if self.has_fpc:
            parts.append("fpc")
        parts += ["calibrated", f"backend={self.backend}"]
        return f"RakedEngineDesign({', '.join(parts)})"

    def margin_names(self) -> list[str]:
        return list(dict.fromkeys(n for c in self.engine_calibrations for n in c.names))

    def collapse(self, columns):
        """:meth:`EngineDesign.collapse` over ``columns`` and the margin variables, with the
        calibration of each raking on the cells (see the module notes)."""
        cd = super().collapse([*list(columns), *self.margin_names()])
        frame = cd.data
        codes = [c.codes(frame) for c in self.engine_calibrations]
        gs = [c.factors(k) for c, k in zip(self.engine_calibrations, codes, strict=True)]
        cum = np.ones(cd.n)
        cals = []
        for c, k, g in zip(reversed(self.engine_calibrations), reversed(codes), reversed(gs),
                           strict=True):
            cum = cum * g
            cals.append(Calibration(cd.weights / cum, k, c.n_levels, names=c.names))
        cd._calibrations = tuple(reversed(cals))
        return cd

    def sample(self, n: int, seed: int = 0):
        raise ValueError("sample() of a raked engine design is refused: a subsample of raked "
                         "weights no longer meets the margins and loses the calibration. "
                         "Sample the design before raking (design.sample(n)) and rake the "
                         "sample in memory")


def rake_engine_design(eng: EngineDesign, cal: EngineCalibration, keys, g_rows) -> \
        RakedEngineDesign:
    """The raked design: ``eng`` with its weights multiplied by ``g_rows`` (one factor per row
    of ``keys``, the margin values of :func:`joint_cells`) by a join in the engine."""
    import ibis
    import pyarrow as pa

    k = len(getattr(eng, "engine_calibrations", ()))
    gcol = f"__cx_g{k}"
    names = list(keys.column_names)
    fac = pa.table({**{f"__cx_k{i}": keys.column(c) for i, c in enumerate(names)},
                    gcol: pa.array(np.asarray(g_rows, dtype=float))})
    f = ibis.memtable(fac)
    t = eng.table
    joined = t.left_join(f, [t[c] == f[f"__cx_k{i}"] for i, c in enumerate(names)])
    new = object.__new__(RakedEngineDesign)
    new.__dict__.update(eng.__dict__)
    new.table = joined.select(*t.columns, gcol)
    new.engine_calibrations = (*getattr(eng, "engine_calibrations", ()), cal)
    new._gcols = (*getattr(eng, "_gcols", ()), gcol)
    new.has_calibration = True
    new.srs = False
    new.weights_vary = True
    new._sum_w = None
    return new


def weight_moments(eng: EngineDesign) -> dict:
    """Row count, ``Σw``, ``Σw²``, smallest and largest weight and ``Σ(w − w̄)²`` of an engine
    design's weights (raked ones included), in two passes so that the spread is centred and
    nothing cancels: what :func:`cxresearch.weight_summary` needs.

    Examples
    --------
    >>> import pandas as pd, ibis
    >>> m = weight_moments(EngineDesign(ibis.memtable(pd.DataFrame({"w": [1.0, 1, 2, 4]})),
    ...                                 weights="w"))
    >>> m["n"], m["sum"], m["ss"]
    (4, 8.0, 6.0)
    >>> # In R: c(length(w), sum(w), sum((w - mean(w))^2)) for w <- weights(des)
    """
    import ibis

    t = eng.table.mutate(__w=eng._weight_expr() * ibis.literal(1.0))
    w = t["__w"]
    a = t.aggregate(__n=t.count(), __s=w.sum(), __s2=(w * w).sum(), __min=w.min(),
                    __max=w.max()).to_pyarrow().to_pandas().iloc[0]
    n = int(a["__n"])
    mean = float(a["__s"]) / n
    ss = t.aggregate(__ss=((w - mean) * (w - mean)).sum()).to_pyarrow().to_pandas()
    return {"n": n, "sum": float(a["__s"]), "sum2": float(a["__s2"]), "min": float(a["__min"]),
            "max": float(a["__max"]), "ss": float(ss["__ss"].iloc[0])}
