"""Shared plumbing of the relationship tests (contingency, ordinal, groups, reliability).

Private: resolving ``d`` (DataFrame, :class:`~cxresearch.design.Design` or
:class:`~cxresearch.waves.Wave`) and turning columns into clean arrays, counting every row
that is dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.design import Design
from cxresearch.waves.storage import is_wave

__all__ = ["as_design", "named", "resolve"]


def resolve(d, argname: str = "d"):
    """Return ``(frame, design_or_None)``.

    A plain DataFrame is a simple random sample: ``design`` is ``None`` and callers use the
    classical formulas. A Wave becomes ``wave.design()``; a Design is used as it is.
    """
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


def named(x, argname: str) -> str:
    """How a message names a column argument, never by printing its values: ``'q5'`` for a
    column name or a named Series, ``row (an unnamed ndarray of 76 values)`` otherwise.
    """
    if isinstance(x, str):
        return repr(x)
    name = getattr(x, "name", None)
    if name is not None:
        return repr(str(name))
    size = len(x) if hasattr(x, "__len__") else "?"
    return f"{argname} (an unnamed {type(x).__name__} of {size} values)"


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


def as_design(d) -> Design:
    """Turn what an estimator received into a :class:`Design`.

    A ``Design`` passes through; a ``Wave`` gives its
    codebook design; a plain ``DataFrame`` becomes a simple random sample with unit weights
    (``svydesign(ids=~1, data=d)``, with replacement).
    """
    if isinstance(d, Design):
        return d
    if isinstance(d, pd.DataFrame):
        return Design(d)
    if is_wave(d):
        return d.design()
    raise TypeError(
        f"expected a Design, a pandas DataFrame or a Wave, got {type(d).__name__}")
