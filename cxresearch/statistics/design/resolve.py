"""Shared plumbing of the relationship tests (contingency, ordinal, groups, reliability).

Private: resolving ``d`` (DataFrame, :class:`~cxresearch.design.Design` or
:class:`~cxresearch.waves.Wave`) and turning columns into clean arrays, counting every row
that is dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.design import Design
from cxresearch.sampling.engine import is_engine_design
from cxresearch.waves.storage import is_wave

__all__ = ["as_design", "engine_columns", "row_counts"]


def engine_columns(*specs) -> list:
    """Flatten column specs (a name, a list of names, a dict of lists, None) for a collapse;
    arrays are passed through so that the engine can refuse them by name."""
    out: list = []
    for s in specs:
        if s is None:
            continue
        if isinstance(s, str):
            out.append(s)
        elif isinstance(s, dict):
            out += engine_columns(*s.values())
        elif isinstance(s, list | tuple):
            out += engine_columns(*s)
        else:
            out.append(s)
    return out


def _collapse(d, columns, caller: str):
    if columns is None:
        import sys
        caller = f"{sys._getframe(2).f_code.co_name}()"  # the estimator that called us
        raise TypeError(f"{caller} does not run on an engine design (data in DuckDB, Spark or "
                        "files) yet; estimate it on an explicit in-memory sample "
                        "(design.sample(n)) or use an estimator that is pushed down")
    return d.collapse(engine_columns(columns))


def row_counts(design, n: int) -> np.ndarray:
    """Rows represented by each row of the analysed frame: 1, or the cell counts of an engine
    design's aggregate (:class:`~cxresearch.sampling.engine.CollapsedDesign`)."""
    f = getattr(design, "freq", None)
    return np.ones(n) if f is None else np.asarray(f, dtype=float)


def resolve(d, argname: str = "d", columns=None):
    """Return ``(frame, design_or_None)``.

    A plain DataFrame is a simple random sample: ``design`` is ``None`` and callers use the
    classical formulas. A Wave becomes ``wave.design()``; a Design is used as it is. An engine
    design is aggregated over ``columns`` (one GROUP BY) into a design on its cells.
    """
    if is_engine_design(d):
        d = _collapse(d, columns, "this test")
    if isinstance(d, pd.DataFrame):
        return d, None
    if is_wave(d):
        d = d.design()
    if hasattr(d, "total_variance") and hasattr(d, "data"):
        return d.data, d
    raise TypeError(
        f"{argname} must be a pandas DataFrame, a cxresearch Design or a Wave, "
        f"got {type(d).__name__}"
    )


def column(frame: pd.DataFrame, name, argname: str) -> pd.Series:
    """``frame[name]`` with a message naming the argument when it is missing."""
    if isinstance(name, pd.Series | np.ndarray | list):
        s = pd.Series(np.asarray(name) if not isinstance(name, pd.Series) else name.array)
        if len(s) != len(frame):
            raise ValueError(
                f"{argname} has {len(s)} values but the data have {len(frame)} rows"
            )
        s.index = frame.index
        return s
    if not isinstance(name, str):
        raise TypeError(f"{argname} must be a column name or an array, got {type(name).__name__}")
    if name not in frame.columns:
        raise ValueError(
            f"{argname}={name!r} is not a column of the data; columns are "
            f"{list(frame.columns)[:30]}"
        )
    return frame[name]


def design_weights(design, n: int) -> np.ndarray:
    if design is None:
        return np.ones(n)
    w = np.asarray(design.weights, dtype=float)
    if w.shape[0] != n:
        raise ValueError(f"design weights have {w.shape[0]} values for {n} rows")
    return w


def total_variance(design, z: np.ndarray) -> np.ndarray:
    """The one variance engine: ``design.total_variance`` (k x k) for scores ``z`` (n x k).

    Rows that a caller excluded (missing values) enter with a score of zero, which is the
    domain-estimation convention of ``survey`` (the design is not subset, only the scores).
    """
    z = np.asarray(z, dtype=float)
    if z.ndim == 1:
        z = z[:, None]
    v = np.asarray(design.total_variance(z), dtype=float)
    return v.reshape(z.shape[1], z.shape[1])


def dropped_note(n_dropped: int, what: str) -> str:
    if n_dropped == 0:
        return ""
    return f"; {n_dropped} row(s) with missing {what} left out"


def refuse_infinite(x: np.ndarray, what: str) -> None:
    """Raise a ValueError when ``x`` holds ±inf: an infinite answer is never dropped silently
    as if it were missing (recode it as missing first if that is what it means)."""
    bad = np.isinf(x)
    if bad.any():
        rows = np.flatnonzero(bad)
        raise ValueError(f"{what} has {rows.size} infinite value(s) (first at row {rows[0]}: "
                         f"{x[rows[0]]}); recode them as missing if that is what they mean")


def as_design(d, columns=None) -> Design:
    """Turn what an estimator received into a :class:`Design`.

    A ``Design`` passes through; a ``Wave`` gives its
    codebook design; a plain ``DataFrame`` becomes a simple random sample with unit weights
    (``svydesign(ids=~1, data=d)``, with replacement). An engine design (rows in DuckDB, Spark
    or files) is aggregated by one GROUP BY over ``columns`` — the columns the estimator
    reads — into a design on its cells with the same estimates and variances; an estimator
    that does not pass ``columns`` is refused on it with a TypeError.
    """
    if is_engine_design(d):
        return _collapse(d, columns, "this estimator")
    if isinstance(d, Design):
        return d
    if isinstance(d, pd.DataFrame):
        return Design(d)
    if is_wave(d):
        return d.design()
    raise TypeError(
        f"expected a Design, a pandas DataFrame or a Wave, got {type(d).__name__}")
