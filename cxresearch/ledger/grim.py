"""GRIM-style granularity checks (private; public through :mod:`cxresearch.consistency`).

Hand-written: the test is a few lines of arithmetic and no maintained Python package offers it
(R has ``scrutiny::grim``).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["feasible_ns", "grim_feasible"]


def grim_feasible(value, n, decimals: int, scale_points: int = 1, *, multiplier: float = 1.0,
                  rounding: str = "any") -> bool:
    """Whether a reported mean or percentage is achievable with integer answers.

    A mean of ``n`` answers, each the sum of ``scale_points`` integer-valued items, is a
    multiple of ``multiplier / (n * scale_points)``; the reported ``value`` (rounded to
    ``decimals``) is feasible when such a multiple rounds to it.

    Parameters
    ----------
    value : float
        The reported figure.
    n : int
        Number of respondents.
    decimals : int
        Decimals the figure is reported with.
    scale_points : int, default 1
        Integer items (or points) summed per respondent: 1 for a single 0-10 rating or a
        yes/no share; for a Mopinion dimension score (4 statements of 5 points, score = points
        / maximum points) use ``scale_points=20, multiplier=100``.
    multiplier : float, default 1
        100 for a percentage of respondents (``grim_feasible(53, 250, 0, multiplier=100)``).
    rounding : {"any", "half_up", "half_even"}
        "any" accepts a value on the rounding boundary (either convention).

    Returns
    -------
    bool

    References
    ----------
    Brown, N. J. L. & Heathers, J. A. J. (2017). The GRIM test: a simple technique detects
    numerous anomalies in the reporting of results in psychology. *Social Psychological and
    Personality Science*, 8(4), 363-369.

    Examples
    --------
    >>> grim_feasible(5.19, 28, 2)      # 145/28 = 5.18, 146/28 = 5.21: not achievable
    False
    >>> grim_feasible(53, 250, 0, multiplier=100)
    True
    >>> # In R: scrutiny::grim("5.19", n = 28)
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if int(decimals) < 0:
        raise ValueError(f"decimals must be >= 0, got {decimals!r}")
    if scale_points < 1:
        raise ValueError(f"scale_points must be >= 1, got {scale_points!r}")
    if rounding not in ("any", "half_up", "half_even"):
        raise ValueError(f"rounding must be 'any', 'half_up' or 'half_even', got {rounding!r}")
    step = float(multiplier) / (int(n) * int(scale_points))
    half = 0.5 * 10.0 ** (-int(decimals))
    v = float(value)
    eps = 1e-9 * max(1.0, abs(v))
    base = math.floor(v / step)
    for t in (base - 1, base, base + 1, base + 2):
        x = t * step
        diff = abs(x - v)
        if diff < half - eps:
            return True
        if abs(diff - half) <= eps:  # exactly on a rounding boundary
            if rounding == "any":
                return True
            up = x > v  # x = v + half rounds down to v only under half-even with v even
            if rounding == "half_up" and not up:
                return True
            if rounding == "half_even":
                last = round(v * 10 ** int(decimals))
                if last % 2 == 0:
                    return True
    return False


def feasible_ns(value, decimals: int, n_range=range(1, 1001), scale_points: int = 1, *,
                multiplier: float = 1.0) -> list[int]:
    """The sample sizes in ``n_range`` for which ``value`` passes :func:`grim_feasible`.

    Examples
    --------
    >>> feasible_ns(76, 0, range(1, 30), multiplier=100)[:3]
    [17, 21, 25]
    """
    return [int(n) for n in n_range
            if grim_feasible(value, int(n), decimals, scale_points, multiplier=multiplier)]


