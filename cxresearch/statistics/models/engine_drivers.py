"""Key drivers on an engine design: the weighted cross-products instead of the rows.

Every importance of :func:`cxresearch.key_drivers` (Shapley/LMG, Johnson's weights, betas,
correlations) is a function of the weighted correlation matrix of the drivers and the outcome
over the complete rows, and its Rao–Wu bootstrap rescales PSU totals of the same
cross-products. On an engine design they come from two aggregate passes
(:func:`cxresearch.sampling.moments.complete_cross_products`): the weighted means, then the
centred cross-products per PSU (a table of PSUs × (p+2)² numbers), and the bootstrap runs on
them with the same random factors as the in-memory route — same numbers to rounding.

Not pushed down: the bootstrap of a design whose rows are their own PSUs (no ``psu``) would
rescale every row; :func:`~cxresearch.statistics.models.drivers.key_drivers` then reports the
importances without intervals and says so (:class:`~cxresearch.errors.NotPushedDownWarning`).

Examples
--------
>>> import numpy as np, pandas as pd, ibis, cxresearch as cx
>>> rng = np.random.default_rng(0)
>>> df = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
>>> df["y"] = df["a"] + 0.5 * df["b"] + rng.normal(size=200)
>>> df["p"] = np.arange(200) // 4
>>> eng = cx.Design(ibis.memtable(df), psu="p")
>>> kd = cx.key_drivers(eng, "y", ["a", "b", "c"], B=20, seed=1)
>>> mem = cx.key_drivers(cx.Design(df, psu="p"), "y", ["a", "b", "c"], B=20, seed=1)
>>> bool(np.allclose(kd.table["ci_low"], mem.table["ci_low"], rtol=1e-12))
True
>>> # In R: relaimpo::calc.relimp(lm(y ~ a + b + c, df), type = "lmg") (point estimates)
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from cxresearch.sampling.moments import complete_cross_products

__all__ = ["engine_rows"]


def _numeric_type(eng, name: str, what: str) -> None:
    """The in-memory route's ``_numeric`` type checks, from the engine's column types (or
    the DataFrame's own dtypes when the design was built from one)."""
    if name not in eng.table.columns:
        raise ValueError(f"{what} {name!r} is not a column of the data; columns are "
                         f"{list(eng.columns)[:30]}")
    dt = eng.dtypes.get(name)
    if dt is not None:
        bad = isinstance(dt, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(dt) or pd.api.types.is_bool_dtype(dt))
        extra = (" (an ordered categorical: pass its numeric codes if the scale is "
                 "interval-like)" if isinstance(dt, pd.CategoricalDtype) else "")
    else:
        dt = eng.table[name].type()
        bad = not (dt.is_numeric() or dt.is_boolean())
        extra = ""
    if bad:
        raise ValueError(f"{what} {name!r} must be numeric, got dtype {dt}{extra}")


def _scan(eng, outcome: str, drivers: list) -> tuple[dict, int]:
    """One aggregate: ±inf per column (the numeric ones) and the outcome's distinct values."""
    t = eng.table
    agg = {}
    for j, c in enumerate([outcome, *drivers]):
        try:
            _numeric_type(eng, c, "x")
        except ValueError:
            continue
        agg[f"__i{j}"] = t[c].cast("float64").isinf().fill_null(False).cast("int64").sum()
    y = t[outcome].cast("float64")
    agg["__u"] = y.nunique(where=(y.notnull() & ~y.isnan() & ~y.isinf()).fill_null(False))
    row = t.aggregate(**agg).to_pyarrow().to_pylist()[0]
    inf = {c: int(row.get(f"__i{j}") or 0) for j, c in enumerate([outcome, *drivers])}
    return inf, int(row["__u"] or 0)


def _refuse_inf(count: int, what: str) -> None:
    if count:
        raise ValueError(f"{what} has {count} infinite value(s); recode them as missing if "
                         "that is what they mean")


def engine_rows(eng, outcome: str, drivers: list, *, per_psu: bool) -> dict:
    """The fields of ``drivers._Rows`` for an engine design, with the in-memory route's
    checks in its order (types, infinite values, outcome values, rows, constants)."""
    _numeric_type(eng, outcome, "outcome")
    inf, n_distinct = _scan(eng, outcome, drivers)
    _refuse_inf(inf[outcome], f"outcome {outcome!r}")
    if n_distinct <= 2:
        raise ValueError(
            f"outcome {outcome!r} has {n_distinct} distinct value(s); key_drivers "
            "decomposes the R^2 of a linear model and needs a numeric outcome with more than "
            "two values (for a binary outcome fit cx.regress(..., family='binomial'))")
    for c in drivers:
        _numeric_type(eng, c, "driver")
        _refuse_inf(inf[c], f"driver {c!r}")
    has_psu = eng.spec["psu"] is not None
    m = complete_cross_products(eng, [*drivers, outcome], positive_weight=True,
                                per_psu=per_psu and has_psu)
    n, p = m["n"], len(drivers)
    if n <= p + 1:
        raise ValueError(f"{n} complete rows for {p} drivers; need more rows")
    const = [drivers[j] for j in range(p) if m["lo"][j] == m["hi"][j]]
    if const:
        raise ValueError(f"driver(s) {const} are constant in the rows used; drop them")
    if m["lo"][p] == m["hi"][p]:
        raise ValueError(f"outcome {outcome!r} is constant in the rows used")
    factors = SimpleNamespace(_psu=np.arange(eng.n_psu), _psu_stratum=eng._psu_stratum,
                              _n_h=eng._n_h, _f_h=eng._f_h)
    T = m["psu_cross"]
    return {"design": factors, "n": n, "n_dropped": m["n_all"] - m["n_complete"],
            "cross": m["cross"], "centre": m["centre"], "n_psu": eng.n_psu,
            "psu_totals": None if T is None else (lambda: T)}
