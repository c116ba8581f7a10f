"""Published figures as constraints on answer counts: intervals, linear forms, targets.

A published figure allows an :class:`Interval` of true values (its rounding interval, or a
one-sided bound for "more than half"); computed from answers it is a :class:`Lin` (a linear form
in the counts of answers per cell) or a ratio of two; a :class:`FitTarget` ties the two together
for :func:`cxresearch.fitting.solve_counts` and :func:`cxresearch.fitting.tilt`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["FitTarget", "Interval", "Lin", "target_interval"]

_BOUNDS = ("eq", "approx", "lt", "le", "gt", "ge")


@dataclass(frozen=True)
class Interval:
    """The set of values a published figure allows: ``lo <= x <= hi`` (strict where flagged)."""

    lo: float = -math.inf
    hi: float = math.inf
    lo_strict: bool = False
    hi_strict: bool = False

    def _tol(self, b: float) -> float:
        return 1e-9 * max(1.0, abs(b))

    def contains(self, x: float) -> bool:
        """Whether ``x`` lies in the interval (a relative tolerance of 1e-9 absorbs float noise)."""
        if x is None or not np.isfinite(x):
            return False
        if np.isfinite(self.lo):
            if self.lo_strict and not x > self.lo + self._tol(self.lo):
                return False
            if not self.lo_strict and x < self.lo - self._tol(self.lo):
                return False
        if np.isfinite(self.hi):
            if self.hi_strict and not x < self.hi - self._tol(self.hi):
                return False
            if not self.hi_strict and x > self.hi + self._tol(self.hi):
                return False
        return True

    def distance(self, x: float) -> float:
        """How far ``x`` lies outside the interval (0 inside or on a strict boundary)."""
        if x is None or not np.isfinite(x):
            return math.inf
        if x < self.lo:
            return float(self.lo - x)
        if x > self.hi:
            return float(x - self.hi)
        return 0.0

    def __str__(self) -> str:
        left = "(" if self.lo_strict or not np.isfinite(self.lo) else "["
        right = ")" if self.hi_strict or not np.isfinite(self.hi) else "]"
        return f"{left}{_fmt(self.lo)}, {_fmt(self.hi)}{right}"


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return "-inf" if x < 0 else "inf"
    return f"{x:.6g}"


def target_interval(value: float, bound: str = "eq", decimals: int = 0, *,
                    approx_tolerance: float = 0.05, near_band: float | None = None) -> Interval:
    """The interval a published figure allows.

    Parameters
    ----------
    value : float
        The published number.
    bound : {"eq", "approx", "lt", "le", "gt", "ge"}
        ``eq``: reported with ``decimals`` decimals, so the true value lies in the rounding
        interval ``[v - 0.5·10^-d, v + 0.5·10^-d]`` (closed: either rounding rule may produce
        ``v`` at the edge). ``approx`` ("about 40%"): ``v ± max(half unit, approx_tolerance·|v|)``.
        ``lt``/``le``/``gt``/``ge``: one-sided ("less than a quarter" is ``lt 25``).
    decimals : int
        Decimals of the reported value (0 for "53%").
    approx_tolerance : float
        Relative half-width for ``approx``.
    near_band : float, optional
        For "nearly v" (``le``/``lt`` whose wording says *nearly*): also ``x >= v·(1 - near_band)``
        so that "nearly 10%" cannot be met by 0%.

    Returns
    -------
    Interval

    Examples
    --------
    >>> str(target_interval(53, "eq", 0))
    '[52.5, 53.5]'
    >>> str(target_interval(10, "le", near_band=0.15))
    '[8.5, 10]'
    >>> # In R: c(53 - 0.5, 53 + 0.5)
    """
    if bound not in _BOUNDS:
        raise ValueError(f"bound must be one of {', '.join(_BOUNDS)}, got {bound!r}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"value must be finite, got {value!r}")
    half = 0.5 * 10.0 ** (-int(decimals))
    if bound == "eq":
        return Interval(v - half, v + half)
    if bound == "approx":
        h = max(half, approx_tolerance * abs(v))
        return Interval(v - h, v + h)
    if bound in ("lt", "le"):
        lo = -math.inf if near_band is None else v - near_band * abs(v)
        return Interval(lo, v, hi_strict=(bound == "lt"))
    return Interval(v, math.inf, lo_strict=(bound == "gt"))


# --------------------------------------------------------------------------------------------
# linear forms over count variables
# --------------------------------------------------------------------------------------------
class Lin:
    """A sparse linear form ``const + Σ coef[j]·x[j]`` over integer count variables."""

    __slots__ = ("coef", "const")

    def __init__(self, coef: dict[int, float] | None = None, const: float = 0.0):
        self.coef = dict(coef or {})
        self.const = float(const)

    def __add__(self, other):
        if isinstance(other, int | float):
            return Lin(self.coef, self.const + other)
        out = dict(self.coef)
        for j, c in other.coef.items():
            out[j] = out.get(j, 0.0) + c
        return Lin(out, self.const + other.const)

    def __neg__(self):
        return Lin({j: -c for j, c in self.coef.items()}, -self.const)

    def __sub__(self, other):
        return self + (-other if isinstance(other, Lin) else -float(other))

    def __mul__(self, k: float):
        return Lin({j: c * k for j, c in self.coef.items()}, self.const * k)

    __rmul__ = __mul__

    def value(self, x: np.ndarray) -> float:
        if not self.coef:
            return self.const
        idx = np.fromiter(self.coef.keys(), dtype=np.int64)
        c = np.fromiter(self.coef.values(), dtype=float)
        return float(self.const + c @ np.asarray(x, dtype=float)[idx])

    def row(self, nvar: int) -> np.ndarray:
        r = np.zeros(nvar)
        for j, c in self.coef.items():
            r[j] += c
        return r


@dataclass
class FitTarget:
    """One published figure as a constraint on counts: ``num / den`` (or ``num``) in ``interval``.

    ``den`` must be positive at the solution (a ratio of two shares); ``unit_scale`` is the size
    of a meaningful step in the figure's unit (10 for percentages, 1 for a 0–10 mean or a ratio)
    used to scale slacks and margins; ``aim_margin`` overrides how far inside a one-sided bound
    the population is aimed (0 for order constraints that allow ties).
    """

    id: str
    num: Lin
    interval: Interval
    den: Lin | None = None
    unit_scale: float = 1.0
    aim_margin: float | None = None  # override of the engine's margin (0: aim at the bound)

    def value(self, x: np.ndarray) -> float:
        n = self.num.value(x)
        if self.den is None:
            return n
        d = self.den.value(x)
        return n / d if d > 0 else (math.inf if n > 0 else math.nan)

    def rows(self, nvar: int, eps_rel: float = 1e-6) -> list[tuple[np.ndarray, float, float]]:
        """Linear rows ``(a, lo, hi)`` meaning ``lo <= a·x <= hi`` (strictness by a tiny eps)."""
        iv = self.interval
        out = []
        if self.den is None:
            a = self.num.row(nvar)
            lo = iv.lo - self.num.const
            hi = iv.hi - self.num.const
            if iv.lo_strict and np.isfinite(lo):
                lo += eps_rel * max(1.0, abs(iv.lo))
            if iv.hi_strict and np.isfinite(hi):
                hi -= eps_rel * max(1.0, abs(iv.hi))
            out.append((a, lo, hi))
            return out
        # num/den in [lo, hi] with den > 0  <=>  num - lo·den >= 0  and  num - hi·den <= 0
        an, ad = self.num.row(nvar), self.den.row(nvar)
        if np.isfinite(iv.lo):
            a = an - iv.lo * ad
            c = self.num.const - iv.lo * self.den.const
            eps = eps_rel * max(1.0, abs(iv.lo)) if iv.lo_strict else 0.0
            out.append((a, -c + eps, math.inf))
        if np.isfinite(iv.hi):
            a = an - iv.hi * ad
            c = self.num.const - iv.hi * self.den.const
            eps = eps_rel * max(1.0, abs(iv.hi)) if iv.hi_strict else 0.0
            out.append((a, -math.inf, -c - eps))
        nz = np.abs(ad[ad != 0])
        step = float(nz.min()) if nz.size else 1.0
        out.append((ad, step - self.den.const - 1e-9, math.inf))  # den >= one count
        return out
