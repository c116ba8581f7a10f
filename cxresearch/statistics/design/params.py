"""One table of argument constraints and one checker with one wording.

Modelled on scikit-learn's ``_parameter_constraints``/``validate_params``: :data:`CONSTRAINTS`
says once what ``conf_level``, ``alpha``, ``B``, ``p_adjust``, ``maxiter``... may be;
:func:`check_params` (a decorator) checks every argument of a public function whose name is
in the table, before any work is done; :func:`check` checks one value. Messages name the
argument and the value in one wording::

    conf_level must be a number in the open interval (0, 1), got 95
    B must be an integer >= 0, got 2.5 (float)

A value of the wrong type raises ``TypeError``; a value of the right type out of range or not
among the options raises ``ValueError``.

Examples
--------
>>> from cxresearch.statistics.design.params import check
>>> check("conf_level", 0.9)
>>> check("conf_level", 95)
Traceback (most recent call last):
...
ValueError: conf_level must be a number in the open interval (0, 1), got 95
>>> # In R: stopifnot(conf.level > 0, conf.level < 1) — what stats::t.test checks
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

__all__ = ["CONSTRAINTS", "Interval", "Options", "P_ADJUST", "check", "check_params"]

#: Multiplicity adjustments (R's ``p.adjust`` names, case-insensitive, and aliases).
P_ADJUST = ("holm", "hochberg", "hommel", "bonferroni", "bh", "fdr", "fdr_bh", "by", "fdr_by",
            "none")


@dataclass(frozen=True)
class Interval:
    """A real (``integer=False``) or integer number in ``[low, high]``, ends open or closed."""

    low: float | None = None
    high: float | None = None
    closed: str = "both"  # "both", "left", "right" or "neither"
    integer: bool = False

    def describe(self) -> str:
        kind = "an integer" if self.integer else "a number"
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.low is not None and self.high is not None:
            if self.closed == "neither":
                return f"{kind} in the open interval ({self.low:g}, {self.high:g})"
            return (f"{kind} in {'[' if lo_in else '('}{self.low:g}, {self.high:g}"
                    f"{']' if hi_in else ')'}")
        if self.low is not None:
            return f"{kind} {'>=' if lo_in else '>'} {self.low:g}"
        if self.high is not None:
            return f"{kind} {'<=' if hi_in else '<'} {self.high:g}"
        return kind

    def type_ok(self, value) -> bool:
        if isinstance(value, bool | np.bool_):
            return False
        return isinstance(value, Integral if self.integer else Real)

    def holds(self, value) -> bool:
        if not np.isfinite(float(value)):
            return False
        lo_in = self.closed in ("both", "left")
        hi_in = self.closed in ("both", "right")
        if self.low is not None and (value < self.low or (value == self.low and not lo_in)):
            return False
        return not (self.high is not None
                    and (value > self.high or (value == self.high and not hi_in)))


@dataclass(frozen=True)
class Options:
    """One of a set of strings (compared case-insensitively when ``case=False``)."""

    values: tuple
    case: bool = False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)

    def type_ok(self, value) -> bool:
        return isinstance(value, str)

    def holds(self, value) -> bool:
        if self.case:
            return value in self.values
        return value.lower() in {v.lower() for v in self.values}


_PROB = Interval(0, 1, "neither")
#: What each argument may be, wherever it appears (one meaning per name).
CONSTRAINTS: dict[str, Interval | Options] = {
    "conf_level": _PROB,
    "alpha": _PROB,
    "B": Interval(0, None, "left", integer=True),
    "p_adjust": Options(P_ADJUST),
    "maxiter": Interval(1, None, "left", integer=True),
    "min_base": Interval(0, None, "left", integer=True),
    "suppress_below": Interval(0, None, "left", integer=True),
    "n_jobs": Interval(1, None, "left", integer=True),
    "min_expected": Interval(0, None, "neither"),
}


def _shown(value, typed: bool) -> str:
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{text} ({type(value).__name__})" if typed else text


def check(name: str, value, constraint: Interval | Options | None = None) -> None:
    """Raise TypeError/ValueError unless ``value`` meets ``constraint`` (default: the table's).

    The message is always ``"<name> must be <constraint>, got <value>"``.
    """
    c = CONSTRAINTS[name] if constraint is None else constraint
    if not c.type_ok(value):
        raise TypeError(f"{name} must be {c.describe()}, got {_shown(value, True)}")
    if not c.holds(value):
        raise ValueError(f"{name} must be {c.describe()}, got {_shown(value, False)}")


def check_params(func=None, /, *, skip: tuple = (), **constraints):
    """Decorate a public function: check its arguments named in :data:`CONSTRAINTS` first.

    ``skip`` names arguments the function checks itself (e.g. a banner's ``alpha`` that may
    be a pair); keyword constraints add or override entries for this function only. ``None``
    passes (an optional argument left out).
    """

    def deco(f):
        sig = inspect.signature(f)
        table = {**{k: v for k, v in CONSTRAINTS.items() if k not in skip}, **constraints}
        names = [p for p in sig.parameters if p in table]

        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            bound = sig.bind_partial(*args, **kwargs)
            for p in names:
                if p in bound.arguments and bound.arguments[p] is not None:
                    check(p, bound.arguments[p], table[p])
            return f(*args, **kwargs)

        return wrapper

    return deco if func is None else deco(func)
