"""Building blocks of the study models: assumptions, answer frames and figure specifications.

A published figure is *reconstructable* when it is a function of respondents' answers to items
in the codebook. Each study module (``recon_<study>.py``) maps every ledger row of its study to
either a :class:`Spec` below (how to compute the figure from a wave) or a
:class:`NotReconstructable` with the reason. A spec does two jobs:

- ``evaluate(frame)``: the figure computed from the answers (used for the fit report, always on
  the final data, never on the solver's numbers);
- ``constraints(...)``: the figure as linear constraints on the counts of answers in cells,
  which :func:`cxresearch.fitting.solve_counts` makes hold exactly.

Spec kinds: :class:`Share` (percentage choosing some levels / an option), :class:`Mean` (mean
of codes), :class:`Score` (Mopinion's sum of points / maximum points, under the assumed coding),
:class:`MeanCount` (options chosen per respondent), :class:`Ratio`, :class:`Diff`,
:class:`Rank` (rank of a level or option, 1 = most chosen), :class:`GroupRank` (rank of a
group's figure among groups, e.g. "scores lowest"), :class:`Count` (sample size) and
:class:`RowShare` (share choosing at least *m* options; checked, not fitted).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cxresearch.reconstruction.frame import Frame, Space
from cxresearch.reconstruction.targets import FitTarget, Interval, Lin

__all__ = [
    "Count",
    "Diff",
    "GroupRank",
    "Layout",
    "Mean",
    "MeanCount",
    "Ratio",
    "Rank",
    "RowShare",
    "Score",
    "Share",
    "Spec",
]


# --------------------------------------------------------------------------------------------
# specs
# --------------------------------------------------------------------------------------------
class Layout:
    """Where each key's counts live in the solver's variable vector (built by the engine).

    For each key: ``cond`` (keys whose levels define its cells), ``cells`` (list of tuples of
    level indices of ``cond``), ``sizes`` (answering respondents per cell), ``offset`` and
    ``K`` (levels). Variable of (cell c, level k) = ``offset + c*K + k``.
    """

    def __init__(self, frame: Frame):
        self.frame = frame
        self.keys: dict[str, dict] = {}

    def cells_matching(self, key: str, where: dict | None) -> list[int]:
        lay = self.keys[key]
        cells = lay.get("cell_array")
        if cells is None:
            cells = lay["cell_array"] = np.array(lay["cells"], dtype=np.int64).reshape(
                len(lay["cells"]), len(lay["cond"]))
        ok = np.ones(cells.shape[0], dtype=bool)
        for wk, vals in (where or {}).items():
            if wk not in lay["cond"]:
                raise KeyError(f"{key!r} is not split by {wk!r} in this layout")
            sp = self.frame.space(wk)
            ok &= np.isin(cells[:, lay["cond"].index(wk)], [sp.index(v) for v in vals])
        return np.flatnonzero(ok).tolist()

    def lin(self, key: str, where: dict | None, level_coef: np.ndarray) -> tuple[Lin, float]:
        """Σ over matching cells of ``level_coef[k]·x[c, k]`` and the number answering there."""
        lay = self.keys[key]
        cells = self.cells_matching(key, where)
        den = float(sum(lay["sizes"][c] for c in cells))
        coef = {}
        for c in cells:
            base = lay["offset"] + c * lay["K"]
            for k, v in enumerate(level_coef):
                if v != 0:
                    coef[base + k] = float(v)
        return Lin(coef), den


class Spec:
    """A published figure as a function of answers. Subclasses set ``unit_scale``."""

    unit_scale = 10.0
    fit = True  # False: checked on the data but not enforced by the solver

    def keys(self) -> set[str]:
        """Keys whose counts the figure depends on (solved together)."""
        return set()

    def where_keys(self) -> set[str]:
        """Keys the figure conditions on (solved before)."""
        return set()

    def evaluate(self, fr: Frame, ctx: dict) -> float:
        raise NotImplementedError

    def form(self, lay: Layout, ctx: dict) -> Lin:
        raise NotImplementedError(f"{type(self).__name__} is not a linear figure")

    def constraints(self, tid: str, interval: Interval, lay: Layout, ctx: dict) -> list[FitTarget]:
        return [FitTarget(tid, self.form(lay, ctx), interval, unit_scale=self.unit_scale)]

    def describe(self) -> str:
        return repr(self)


def _where_str(where):
    if not where:
        return ""
    return " | " + ", ".join(f"{k} in {list(v)}" for k, v in where.items())


@dataclass
class Share(Spec):
    """Percentage of answering respondents (meeting ``where``) whose answer is in ``levels``.

    For a multi-select option give ``key="item__option"`` and leave ``levels`` as ``(True,)``.
    """

    key: str
    levels: tuple = (True,)
    where: dict = field(default_factory=dict)
    unit_scale = 10.0

    def keys(self):
        return {self.key}

    def where_keys(self):
        return set(self.where)

    def _mask(self, fr):
        return fr.mask(self.where) & (fr.get(self.key) >= 0)

    def evaluate(self, fr, ctx):
        m = self._mask(fr)
        if not m.any():
            return math.nan
        sp = fr.space(self.key)
        idx = [sp.index(v) for v in self.levels]
        return 100.0 * float(np.isin(fr.get(self.key)[m], idx).mean())

    def form(self, lay, ctx):
        sp = lay.frame.space(self.key)
        coef = np.zeros(sp.size)
        coef[[sp.index(v) for v in self.levels]] = 1.0
        lin, den = lay.lin(self.key, self.where, coef)
        if den <= 0:
            raise ValueError(f"nobody answers {self.key}{_where_str(self.where)}")
        return lin * (100.0 / den)

    def describe(self):
        return f"% {self.key} in {list(self.levels)}{_where_str(self.where)}"


@dataclass
class Mean(Spec):
    """Mean of the answer codes (``points``) of ``key`` among respondents meeting ``where``."""

    key: str
    where: dict = field(default_factory=dict)
    unit_scale = 1.0

    def keys(self):
        return {self.key}

    def where_keys(self):
        return set(self.where)

    def evaluate(self, fr, ctx):
        m = fr.mask(self.where) & (fr.get(self.key) >= 0)
        if not m.any():
            return math.nan
        return float(fr.space(self.key).points[fr.get(self.key)[m]].mean())

    def form(self, lay, ctx):
        lin, den = lay.lin(self.key, self.where, lay.frame.space(self.key).points)
        if den <= 0:
            raise ValueError(f"nobody answers {self.key}{_where_str(self.where)}")
        return lin * (1.0 / den)

    def describe(self):
        return f"mean {self.key}{_where_str(self.where)}"


def _points(sp: Space, coding: str) -> tuple[np.ndarray, float]:
    """Points of each level and the maximum under coding '1-5' (codes) or '0-4' (codes - 1)."""
    pts = sp.points.astype(float)
    if coding == "0-4":
        pts = pts - pts.min()
    return pts, float(pts.max())


@dataclass
class Score(Spec):
    """Sum of points / maximum points × 100 over ``keys_`` (Mopinion's statement and dimension
    scores). The coding of the points (``ctx["coding"]``: '1-5' or '0-4') is an assumption."""

    keys_: tuple
    where: dict = field(default_factory=dict)
    unit_scale = 10.0

    def keys(self):
        return set(self.keys_)

    def where_keys(self):
        return set(self.where)

    def evaluate(self, fr, ctx):
        m = fr.mask(self.where)
        tot = mx = 0.0
        for k in self.keys_:
            pts, top = _points(fr.space(k), ctx.get("coding", "1-5"))
            codes = fr.get(k)[m]
            codes = codes[codes >= 0]
            tot += float(pts[codes].sum())
            mx += top * codes.size
        return 100.0 * tot / mx if mx else math.nan

    def form(self, lay, ctx):
        total = Lin()
        mx = 0.0
        for k in self.keys_:
            pts, top = _points(lay.frame.space(k), ctx.get("coding", "1-5"))
            lin, den = lay.lin(k, self.where, pts)
            total = total + lin
            mx += top * den
        if mx <= 0:
            raise ValueError(f"nobody answers {self.keys_}")
        return total * (100.0 / mx)

    def describe(self):
        return f"score% {'+'.join(self.keys_)}{_where_str(self.where)}"


@dataclass
class MeanCount(Spec):
    """Mean number of options of a multi-select item chosen per respondent."""

    option_keys: tuple
    where: dict = field(default_factory=dict)
    unit_scale = 1.0

    def keys(self):
        return set(self.option_keys)

    def where_keys(self):
        return set(self.where)

    def evaluate(self, fr, ctx):
        m = fr.mask(self.where)
        if not m.any():
            return math.nan
        return float(sum(np.clip(fr.get(k)[m], 0, 1).sum() for k in self.option_keys) / m.sum())

    def form(self, lay, ctx):
        total, den = Lin(), 0.0
        for k in self.option_keys:
            lin, den = lay.lin(k, self.where, np.array([0.0, 1.0]))
            total = total + lin
        if den <= 0:
            raise ValueError("nobody in the group")
        return total * (1.0 / den)


@dataclass
class RowShare(Spec):
    """Percentage choosing at least ``minimum`` options (checked on the data, not fitted)."""

    option_keys: tuple
    minimum: int
    where: dict = field(default_factory=dict)
    fit = False

    def where_keys(self):
        return set(self.where)

    def evaluate(self, fr, ctx):
        m = fr.mask(self.where)
        k = sum(np.clip(fr.get(o)[m], 0, 1) for o in self.option_keys)
        return 100.0 * float((k >= self.minimum).mean()) if m.any() else math.nan


@dataclass
class Ratio(Spec):
    """``a / b`` (a risk ratio when both are shares)."""

    a: Spec
    b: Spec
    unit_scale = 1.0

    def keys(self):
        return self.a.keys() | self.b.keys()

    def where_keys(self):
        return self.a.where_keys() | self.b.where_keys()

    def evaluate(self, fr, ctx):
        va, vb = self.a.evaluate(fr, ctx), self.b.evaluate(fr, ctx)
        if vb == 0:
            return math.inf if va > 0 else math.nan
        return va / vb

    def constraints(self, tid, interval, lay, ctx):
        return [FitTarget(tid, self.a.form(lay, ctx), interval, den=self.b.form(lay, ctx),
                          unit_scale=self.unit_scale)]

    def describe(self):
        return f"({self.a.describe()}) / ({self.b.describe()})"


@dataclass
class Diff(Spec):
    """``a - b`` (a gap in points)."""

    a: Spec
    b: Spec

    @property
    def unit_scale(self):
        return self.a.unit_scale

    def keys(self):
        return self.a.keys() | self.b.keys()

    def where_keys(self):
        return self.a.where_keys() | self.b.where_keys()

    def evaluate(self, fr, ctx):
        return self.a.evaluate(fr, ctx) - self.b.evaluate(fr, ctx)

    def form(self, lay, ctx):
        return self.a.form(lay, ctx) - self.b.form(lay, ctx)

    def describe(self):
        return f"({self.a.describe()}) - ({self.b.describe()})"


@dataclass
class Count(Spec):
    """Number of respondents (meeting ``where``); for the sample size this is the assumption n."""

    where: dict = field(default_factory=dict)
    fit = False
    unit_scale = 1.0

    def where_keys(self):
        return set(self.where)

    def evaluate(self, fr, ctx):
        return float(fr.mask(self.where).sum())


@dataclass
class Rank(Spec):
    """Rank (1 = most chosen; ties share a rank) of one level of a single item, or one option
    of a multi item, among all its levels/options, among respondents meeting ``where``.

    Fitted as order constraints: the ``r - 1`` competitors that must lie strictly above are the
    ones published as ranking higher, completed by those the model expects highest.
    """

    item: str
    target: str
    where: dict = field(default_factory=dict)
    unit_scale = 10.0

    def _keys_and_levels(self, inst):
        it = inst.items[self.item]
        if it.type == "multi":
            return [(f"{self.item}__{o.value}", (True,), o.value) for o in it.options]
        return [(self.item, (v,), v) for v in it.values]

    def shares(self, inst) -> dict[str, Share]:
        return {name: Share(key, lv, dict(self.where))
                for key, lv, name in self._keys_and_levels(inst)}

    def keys(self):
        return {"@rank:" + self.item}  # resolved by the engine to all keys of the item

    def where_keys(self):
        return set(self.where)

    def evaluate(self, fr, ctx):
        vals = {name: s.evaluate(fr, ctx) for name, s in self.shares(fr.inst).items()}
        mine = vals[self.target]
        return 1.0 + sum(1 for k, v in vals.items() if k != self.target and v > mine + 1e-9)

    def constraints(self, tid, interval, lay, ctx):
        shares = self.shares(lay.frame.inst)
        if self.target not in shares:
            raise KeyError(f"{self.item} has no level/option {self.target!r}")
        published = ctx.get("published_ranks", {}).get((self.item, _freeze(self.where)), {})
        prior = ctx.get("prior_share", {})
        lo = interval.lo if np.isfinite(interval.lo) else 1.0
        hi = interval.hi
        need_above = max(0, math.ceil(lo - 1e-9) - 1)  # at least this many strictly above
        if interval.lo_strict and float(lo).is_integer():
            need_above = int(lo)
        may_above = (len(shares) - 1) if not np.isfinite(hi) else max(0, math.floor(hi) - 1)
        if interval.hi_strict and float(hi).is_integer():
            may_above = int(hi) - 2
        my_rank = published.get(self.target)
        others = [o for o in shares if o != self.target]

        def order_key(o):
            pr = published.get(o)
            return (0 if pr is not None and my_rank is not None and pr < my_rank else 1,
                    pr if pr is not None else math.inf, -prior.get((self.item, o), 0.0), o)

        # options published at the same or a lower rank can never be strictly above
        eligible = [o for o in sorted(others, key=order_key)
                    if not (published.get(o) is not None and my_rank is not None
                            and published[o] >= my_rank)]
        above = eligible[:need_above]
        free = eligible[need_above:max(need_above, may_above)]
        mine = shares[self.target].form(lay, ctx)
        out = []
        for o in others:
            diff = shares[o].form(lay, ctx) - mine
            if o in above:
                out.append(FitTarget(f"{tid}[{o}>]", diff, Interval(0.0, math.inf, lo_strict=True),
                                     unit_scale=self.unit_scale))
            elif o not in free:  # ties allowed ("tied seventh"): aim at the bound itself
                out.append(FitTarget(f"{tid}[{o}<=]", diff, Interval(-math.inf, 0.0),
                                     unit_scale=self.unit_scale, aim_margin=0.0))
        return out

    def describe(self):
        return f"rank of {self.item}={self.target}{_where_str(self.where)}"


def _freeze(where: dict) -> tuple:
    return tuple(sorted((k, tuple(v)) for k, v in (where or {}).items()))


@dataclass
class GroupRank(Spec):
    """Rank of ``groups[target]``'s figure among the groups' figures (``from_bottom``: 1 = lowest).

    ``make(where) -> Spec`` builds the figure for one group; ``groups`` maps group name ->
    ``where`` dict. With ``make=None``, ``groups`` maps group name -> Spec directly (e.g. the
    scores of different statements). Fitted as strict order constraints against every other
    group.
    """

    make: object
    groups: dict
    target: str
    from_bottom: bool = True

    def _specs(self):
        if self.make is None:
            return dict(self.groups)
        return {g: self.make(w) for g, w in self.groups.items()}

    @property
    def unit_scale(self):
        return next(iter(self._specs().values())).unit_scale

    def keys(self):
        return set().union(*(s.keys() for s in self._specs().values()))

    def where_keys(self):
        return set().union(*(s.where_keys() for s in self._specs().values()))

    def evaluate(self, fr, ctx):
        vals = {g: s.evaluate(fr, ctx) for g, s in self._specs().items()}
        mine = vals[self.target]
        sign = 1 if self.from_bottom else -1
        return 1.0 + sum(1 for g, v in vals.items()
                         if g != self.target and sign * (v - mine) < -1e-12)

    def constraints(self, tid, interval, lay, ctx):
        if not (interval.contains(1.0) and not interval.contains(2.0)):
            raise NotImplementedError("GroupRank fits 'first from the bottom/top' only")
        specs = self._specs()
        mine = specs[self.target].form(lay, ctx)
        out = []
        for g, s in specs.items():
            if g == self.target:
                continue
            d = mine - s.form(lay, ctx) if self.from_bottom else s.form(lay, ctx) - mine
            out.append(FitTarget(f"{tid}[<{g}]", d, Interval(-math.inf, 0.0, hi_strict=True),
                                 unit_scale=specs[self.target].unit_scale))
        return out

    def describe(self):
        end = "bottom" if self.from_bottom else "top"
        return f"rank from {end} of {self.target} among {list(self.groups)}"
