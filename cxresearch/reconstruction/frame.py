"""Assumptions and answer frames of reconstructions.

:class:`Assumption` names what a source does not publish (sample size, scale coding,
correlations, distributions) with a default and a plausible range; :class:`Frame` holds
respondents' answers as level indices per key (an item, or ``item__option`` of a multi-select
item), the representation the figure specifications of :mod:`cxresearch.recon_models` are
computed on; :class:`NotReconstructable` records why a published figure is not a function of
answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Assumption", "Frame", "NotReconstructable", "Space", "item_space"]


# --------------------------------------------------------------------------------------------
# assumptions
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Assumption:
    """A named assumption: what the source does not give, with a default and a plausible range.

    ``default`` fixes the type: int, float, str (then ``choices``) or a tuple of floats (a
    distribution over levels; ``simplex=True`` requires shares summing to 1). ``ensemble=False``
    keeps it out of ``reconstruct_many(vary="all")`` (sample size, wave, readings that are
    known to conflict).
    """

    name: str
    default: object
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple | None = None
    simplex: bool = False
    ensemble: bool = True  # drawn by reconstruct_many(vary="all")

    @property
    def kind(self) -> str:
        if isinstance(self.default, bool):
            return "bool"
        if isinstance(self.default, int):
            return "int"
        if isinstance(self.default, float):
            return "float"
        if isinstance(self.default, tuple):
            return "vector"
        return "str"

    def describe(self) -> str:
        if self.choices is not None:
            rng = "one of " + ", ".join(map(str, self.choices))
        elif self.kind == "bool":
            rng = "True or False"
        elif self.kind == "vector":
            rng = f"{len(self.default)} shares in [{self.low}, {self.high}]"
            rng += " summing to 1" if self.simplex else ""
        else:
            rng = f"range [{self.low}, {self.high}]"
        return f"{self.name} (default {self.default!r}; {rng}): {self.doc}"

    def validate(self, value):
        """The value coerced to the assumption's type; ``ValueError`` naming it when invalid."""
        bad = f"assumption {self.name!r} got {value!r}; expected {self.describe()}"
        kind = self.kind
        try:
            if kind == "vector":
                if isinstance(value, str):
                    value = [float(v) for v in value.replace(";", ",").split(",") if v.strip()]
                v = tuple(float(x) for x in value)
                if len(v) != len(self.default):
                    raise ValueError(bad)
                if any(not math.isfinite(x) for x in v):
                    raise ValueError(bad)
                if self.low is not None and min(v) < self.low - 1e-12:
                    raise ValueError(bad)
                if self.high is not None and max(v) > self.high + 1e-12:
                    raise ValueError(bad)
                if self.simplex and abs(sum(v) - 1.0) > 1e-6:
                    raise ValueError(bad + f" (the shares sum to {sum(v):.6g})")
                return v
            if self.choices is not None:
                if value in self.choices:
                    return value
                if str(value) in map(str, self.choices):
                    return next(c for c in self.choices if str(c) == str(value))
                raise ValueError(bad)
            if kind == "bool":
                if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
                    return value.lower() in ("true", "1")
                if isinstance(value, bool | int | np.bool_):
                    return bool(value)
                raise ValueError(bad)
            if kind == "int":
                if isinstance(value, float) and not float(value).is_integer():
                    raise ValueError(bad)
                v = int(value)
            else:
                v = float(value)
                if not math.isfinite(v):
                    raise ValueError(bad)
        except (TypeError, ValueError) as exc:
            if str(exc).startswith("assumption"):
                raise
            raise ValueError(bad) from None
        if (self.low is not None and v < self.low) or (self.high is not None and v > self.high):
            raise ValueError(bad)
        return v

    def sample(self, rng: np.random.Generator):
        """A value drawn from the plausible range (uniform; Dirichlet around the default)."""
        if self.choices is not None:
            return self.choices[int(rng.integers(len(self.choices)))]
        if self.kind == "vector":
            base = np.asarray(self.default, dtype=float)
            if self.simplex:
                v = rng.dirichlet(50 * base + 0.5)
                lo = self.low or 0.0
                hi = self.high if self.high is not None else 1.0
                v = np.clip(v, lo, hi)
                return tuple(float(x) for x in v / v.sum())
            return tuple(float(rng.uniform(self.low, self.high)) for _ in base)
        if self.kind == "int":
            return int(rng.integers(int(self.low), int(self.high) + 1))
        if self.kind == "bool":
            return bool(rng.integers(2))
        return float(rng.uniform(self.low, self.high))


@dataclass(frozen=True)
class NotReconstructable:
    """A ledger row that is not a function of respondents' answers, and why."""

    reason: str


# --------------------------------------------------------------------------------------------
# answers as level indices
# --------------------------------------------------------------------------------------------
@dataclass
class Space:
    """The answer levels of one key (an item, or one option ``item__option`` of a multi item)."""

    values: list
    points: np.ndarray  # numeric code of each level (codes for ordinal items, 0/1 for options)
    ordered: bool
    item: str
    option: str | None = None

    @property
    def size(self) -> int:
        return len(self.values)

    def index(self, value) -> int:
        for i, v in enumerate(self.values):
            if v == value or str(v) == str(value):
                return i
        raise KeyError(f"{self.item}{'__' + self.option if self.option else ''} has no level "
                       f"{value!r}; levels: {self.values}")


def item_space(inst, key: str) -> Space:
    """The level space of ``key`` (an item id or an ``item__option`` column) in a codebook."""
    item_id, option = inst.split_column(key)
    it = inst.items[item_id]
    if option is not None:
        return Space([False, True], np.array([0.0, 1.0]), True, item_id, option)
    if it.type == "single":
        return Space(list(it.values), np.array([lv.code for lv in it.levels], dtype=float),
                     bool(it.ordered), item_id)
    if it.type in ("nps_0_10", "rating") or (it.type == "numeric" and it.scale_min is not None):
        lo = 0 if it.scale_min is None else int(it.scale_min)
        hi = 10 if it.scale_max is None else int(it.scale_max)
        codes = list(range(lo, hi + 1))
        return Space(codes, np.array(codes, dtype=float), True, item_id)
    if it.type == "likert":
        codes = [lv.code for lv in it.levels]
        return Space(codes, np.array(codes, dtype=float), True, item_id)
    raise ValueError(f"item {item_id!r} of type {it.type!r} has no discrete answer levels")


class Frame:
    """Answers of ``n`` respondents as level indices per key (``-1`` = no answer)."""

    def __init__(self, inst, n: int):
        self.inst = inst
        self.n = int(n)
        self.codes: dict[str, np.ndarray] = {}
        self._spaces: dict[str, Space] = {}

    def space(self, key: str) -> Space:
        if key not in self._spaces:
            self._spaces[key] = item_space(self.inst, key)
        return self._spaces[key]

    def get(self, key: str) -> np.ndarray:
        try:
            return self.codes[key]
        except KeyError:
            raise KeyError(f"no answers for {key!r} in this frame") from None

    def mask(self, where: dict | None) -> np.ndarray:
        """Respondents meeting every condition ``key -> allowed level values``."""
        m = np.ones(self.n, dtype=bool)
        for key, vals in (where or {}).items():
            sp = self.space(key)
            idx = [sp.index(v) for v in vals]
            m &= np.isin(self.get(key), idx)
        return m

    @classmethod
    def from_data(cls, data: pd.DataFrame, inst) -> Frame:
        """Level indices from a wave's ``responses`` frame (codebook dtypes)."""
        fr = cls(inst, len(data))
        for col in data.columns:
            try:
                sp = fr.space(col)
            except (KeyError, ValueError):
                continue
            s = data[col]
            out = np.full(len(s), -1, dtype=np.int64)
            if sp.option is not None:
                v = s.astype("boolean")
                ok = ~v.isna().to_numpy()
                out[ok] = v[ok].astype(bool).to_numpy().astype(np.int64)
            elif isinstance(s.dtype, pd.CategoricalDtype):
                lookup = {v: i for i, v in enumerate(sp.values)}
                vals = s.astype(object).to_numpy()
                for i, v in enumerate(vals):
                    if v is not None and not (isinstance(v, float) and np.isnan(v)) \
                            and v is not pd.NA:
                        out[i] = lookup[v]
            else:
                num = pd.to_numeric(s, errors="coerce").astype("Float64")
                ok = ~num.isna().to_numpy()
                lookup = {int(p): i for i, p in enumerate(sp.points)}
                rounded = np.rint(num[ok].to_numpy(dtype=float)).astype(np.int64)
                out[ok] = [lookup.get(int(r), -1) for r in rounded]
            fr.codes[col] = out
        return fr
