"""Input resolution: the one resolver of every estimator, and clean columns.

:func:`resolve` turns ``d`` (DataFrame, :class:`~cxresearch.sampling.design.Design` or
:class:`~cxresearch.waves.Wave`) into a frame and a design, saying once what a plain DataFrame
means (a simple random sample, computed by classical or by design formulas); the helpers turn
columns into clean arrays, count every row that is dropped and name arguments in messages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.sampling.design import Design
from cxresearch.sampling.engine import is_engine_design
from cxresearch.waves.storage import is_wave

__all__ = ["as_design", "engine_columns", "named", "resolve", "row_counts"]


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


def resolve(d, argname: str = "d", *, frame_as: str = "classical", columns=None):
    """The one input resolver: what an estimator received, as ``(frame, design)``.

    Parameters
    ----------
    d : DataFrame, Design or Wave
        A :class:`~cxresearch.sampling.design.Design` is used as it is; a Wave gives
        ``wave.design()`` (its codebook's weights, strata and clusters). A plain DataFrame is
        always a simple random sample with unit weights (``svydesign(ids=~1, data=d)``, with
        replacement); ``frame_as`` says how the estimator computes on it.
    argname : str
        The argument's name in messages.
    columns : list, optional
        The columns the estimator reads. An engine design (rows in DuckDB, Spark or files) is
        aggregated over them by one GROUP BY into a design on its cells with the same
        estimates and variances; without ``columns`` an engine design is refused.
    frame_as : {"classical", "srs"}
        ``"classical"`` (the relationship tests and models): ``design`` is ``None`` and the
        estimator uses the classical formulas (Pearson X², ANOVA and Welch, model-based
        SEs). ``"srs"`` (the estimates, banners, tracking, weighting): ``design`` is
        ``Design(d)``, and the design formulas on a simple random sample give the classical
        numbers of a mean or share (SE ``s / sqrt(n)``, t with n - 1 df).

    Returns
    -------
    (DataFrame, Design or None)

    Examples
    --------
    >>> import pandas as pd
    >>> frame, design = resolve(pd.DataFrame({"y": [1.0, 2, 3]}))
    >>> design is None
    True
    >>> resolve(pd.DataFrame({"y": [1.0, 2, 3]}), frame_as="srs")[1].srs
    True
    >>> # In R: svydesign(ids = ~1, data = d) for "srs"; plain t.test(), lm() for "classical"
    """
    if frame_as not in ("classical", "srs"):
        raise ValueError(f"frame_as must be 'classical' or 'srs', got {frame_as!r}")
    if is_wave(d):
        d = d.design()
    if is_engine_design(d):
        d = _collapse(d, columns, "this estimator")
    if isinstance(d, pd.DataFrame):
        return d, (Design(d) if frame_as == "srs" else None)
    if isinstance(d, Design) or (hasattr(d, "total_variance") and hasattr(d, "data")):
        return d.data, d
    raise TypeError(
        f"{argname} must be a Design, a pandas DataFrame or a Wave, got {type(d).__name__}"
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


def as_design(d, columns=None) -> Design:
    """``resolve(d, frame_as="srs", columns=columns)[1]``: a Design, a Wave's design, a
    DataFrame as a simple random sample, or an engine design aggregated over ``columns``
    (shorthand of :func:`resolve`, not a second resolver)."""
    return resolve(d, frame_as="srs", columns=columns)[1]
