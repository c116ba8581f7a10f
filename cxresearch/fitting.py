"""Exact-fit machinery for reconstructions: target intervals, count tables, solvers.

A reconstruction (:mod:`cxresearch.reconstruct`) turns published aggregates into respondent-level
answers in three steps, and this module holds the study-independent parts of each:

1. **Solve** (:func:`tilt`): the study model gives every respondent a probability for every
   answer; the minimum-Kullback–Leibler ("maximum entropy", exponential tilting) change of those
   probabilities that puts the *expected* published figures inside their intervals is found by
   Newton's method on the convex dual. This is the population the sample is drawn from.
2. **Exact fit** (:func:`solve_counts`): after sampling, the integer counts of each answer in
   each cell are moved as little as possible (least absolute change, a mixed-integer program
   solved by HiGHS through :func:`scipy.optimize.milp`) so that every published figure holds at
   its reported precision. When the figures cannot all hold, an elastic program finds the
   closest counts and a deletion filter names a minimal set of conflicting figures.
3. **Assign** (:mod:`cxresearch.recon_assign`): the fitted counts are given back to
   respondents so that each keeps the answer its latent scores favour, which keeps the
   correlations the model put in.

Written by hand because no maintained library does reconstruction from published aggregates;
the optimisers are SciPy's (HiGHS for integer and linear programs).

References
----------
Heathers, J. A., Anaya, J., van der Zee, T., & Brown, N. J. (2018). Recovering data from summary
statistics: Sample Parameter Reconstruction via Iterative TEchniques (SPRITE). PeerJ Preprints
6:e26968v1.
Csiszár, I. (1975). I-divergence geometry of probability distributions and minimization
problems. The Annals of Probability, 3(1), 146–158.
Chinneck, J. W. (2008). Feasibility and Infeasibility in Optimization. Springer (deletion filter
for irreducible infeasible subsets).
Huangfu, Q., & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method.
Mathematical Programming Computation, 10(1), 119–142 (HiGHS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, sparse
from scipy.special import logsumexp

__all__ = [
    "CountSolution",
    "FitTarget",
    "Interval",
    "Lin",
    "TiltResult",
    "solve_counts",
    "target_interval",
    "tilt",
]

_BOUNDS = ("eq", "approx", "lt", "le", "gt", "ge")


# --------------------------------------------------------------------------------------------
# intervals
# --------------------------------------------------------------------------------------------
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

    @property
    def width(self) -> float:
        return float(self.hi - self.lo)

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


# --------------------------------------------------------------------------------------------
# step 1: solve the population (maximum entropy tilt)
# --------------------------------------------------------------------------------------------
@dataclass
class TiltResult:
    """Tilted probabilities, multipliers and whether every aimed figure was reached."""

    q: np.ndarray
    lam: np.ndarray
    converged: bool
    max_gap: float
    iterations: int


def tilt(logp: np.ndarray, A: np.ndarray, b: np.ndarray, sense: np.ndarray | None = None, *,
         scale: np.ndarray | None = None, tol: float = 1e-5, max_iter: int = 300,
         weights: np.ndarray | None = None) -> TiltResult:
    """Minimum-KL change of row distributions so that linear expectations meet ``b``.

    Finds ``q[r, :] ∝ exp(logp[r, :] + Σ_t λ_t A[t, r, :])`` minimising
    ``Σ_r w_r KL(q_r || p_r)`` subject to ``E_t = Σ_r w_r Σ_k A[t, r, k] q[r, k]`` being
    ``>= b_t`` (``sense +1``), ``<= b_t`` (``-1``) or ``== b_t`` (``0``), by L-BFGS-B on the
    convex dual ``Σ_r w_r log Σ_k exp(logp + λ·A) - λ·b`` with ``λ_t >= 0`` / ``<= 0`` / free.

    Parameters
    ----------
    logp : (R, K) array
        Log prior probabilities (``-inf`` for impossible levels; rows are normalised).
    A : (T, R, K) array
        Coefficient of each row/level in each constraint.
    b : (T,) array
    sense : (T,) array of {-1, 0, +1}, optional
        Direction of each constraint (default all equalities).
    scale : (T,) array, optional
        Unit of each constraint (a meaningful step: 10 for percentages); the tolerance applies
        in these units.
    weights : (R,) array, optional
        Row multiplicities (default 1).

    Returns
    -------
    TiltResult
        ``converged`` is False when the constraints cannot all be met (then ``q`` is where the
        optimiser stopped; the integer fit names the conflict).
    """
    logp = np.asarray(logp, dtype=float)
    logp = logp - logsumexp(logp, axis=1, keepdims=True)
    finite = np.isfinite(logp)
    logp = np.where(finite, logp, -1e4)  # impossible levels: ~zero, keeps the algebra finite
    A = np.asarray(A, dtype=float)
    b = np.asarray(b, dtype=float)
    T = A.shape[0]
    sense = np.zeros(T) if sense is None else np.asarray(sense, dtype=float)
    w = np.ones(logp.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    A = np.where(finite[None, :, :], A, 0.0)
    if T == 0:
        return TiltResult(np.exp(logp), np.zeros(0), True, 0.0, 0)
    # each constraint in its own unit (10 points for a percentage, 1 for a 0-10 mean), so that
    # one tolerance fits all
    scale = np.ones(T) if scale is None else np.asarray(scale, dtype=float)
    b = b / scale
    M = A.reshape(T, -1) / scale[:, None]
    cache: dict = {}

    def dual(lam):
        z = logp + (lam @ M).reshape(logp.shape)
        zmax = z.max(axis=1, keepdims=True)
        e = np.exp(z - zmax)
        tot = e.sum(axis=1, keepdims=True)
        q = e / tot
        f = float(w @ (np.log(tot) + zmax)[:, 0] - lam @ b)
        g = M @ (q * w[:, None]).ravel() - b
        cache["q"] = q
        return f, g

    bounds = [(0, None) if s_ > 0 else (None, 0) if s_ < 0 else (None, None) for s_ in sense]
    res = optimize.minimize(dual, np.zeros(T), jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": max_iter, "ftol": 1e-13, "gtol": tol})
    lam = res.x
    f, g = dual(lam)
    q = cache["q"]
    # violation of each constraint at the solution, relative to its size
    viol = np.where(sense > 0, np.maximum(0, -g), np.where(sense < 0, np.maximum(0, g),
                                                            np.abs(g)))
    gap = float(np.max(viol))
    return TiltResult(q, lam, bool(gap < 1e-3), gap, int(res.nit))


# --------------------------------------------------------------------------------------------
# step 2: exact fit of integer counts
# --------------------------------------------------------------------------------------------
@dataclass
class CountSolution:
    """Fitted integer counts and what (if anything) could not be met.

    ``status`` is ``"exact"`` (every target holds), ``"relaxed"`` (the targets conflict: the
    counts are the closest the elastic program found; ``violations`` gives each violated
    target's slack and ``conflicts`` minimal sets of targets that cannot hold together) or
    ``"failed"`` (the solver gave up; ``x`` is the base counts).
    """

    x: np.ndarray
    status: str
    changed: int
    violations: dict[str, float] = field(default_factory=dict)
    conflicts: list[list[str]] = field(default_factory=list)
    message: str = ""


def _milp(c, integrality, lb, ub, A, lo, hi, time_limit):
    cons = []
    if A is not None and A.shape[0]:
        cons.append(optimize.LinearConstraint(A, lo, hi))
    return optimize.milp(
        c, integrality=integrality, bounds=optimize.Bounds(lb, ub), constraints=cons,
        options={"time_limit": time_limit, "disp": False, "mip_rel_gap": 1e-6},
    )


def solve_counts(base: np.ndarray, ub: np.ndarray, targets: list[FitTarget], *,
                 sums: list[tuple[np.ndarray, float]] = (),
                 caps: list[tuple[np.ndarray, float]] = (),
                 time_limit: float = 20.0, find_conflicts: bool = True) -> CountSolution:
    """Integer counts closest to ``base`` (least absolute change) meeting every target.

    Parameters
    ----------
    base : (V,) array of int
        The sampled counts (each variable: how many respondents in a cell gave an answer).
    ub : (V,) array
        Upper bound of each count (its cell size).
    targets : list of FitTarget
    sums : list of (indices, total)
        Structural equalities: the counts of one cell's answers add up to the cell size.
    caps : list of (indices, limit)
        Structural inequalities, e.g. at most three choices per respondent of a "top 3" question
        (the option counts of a cell sum to at most ``3 × size``).
    time_limit : float
        Seconds per integer program.
    find_conflicts : bool
        On infeasibility, run the deletion filter to name minimal conflicting sets.

    Returns
    -------
    CountSolution
    """
    base = np.asarray(base, dtype=float)
    ub = np.asarray(ub, dtype=float)
    V = base.size

    struct_rows, struct_lo, struct_hi = [], [], []
    for idx, total in sums:
        r = np.zeros(V)
        r[np.asarray(idx)] = 1.0
        struct_rows.append(r)
        struct_lo.append(total)
        struct_hi.append(total)
    for idx, limit in caps:
        r = np.zeros(V)
        r[np.asarray(idx)] = 1.0
        struct_rows.append(r)
        struct_lo.append(-math.inf)
        struct_hi.append(limit)

    trows = []  # (target index, a, lo, hi)
    for ti, t in enumerate(targets):
        for a, lo, hi in t.rows(V):
            trows.append((ti, a, lo, hi))

    def build(active: list[int] | None, elastic: bool, objective: str):
        rows = [r for r in trows if active is None or r[0] in active]
        nS = len(rows) if elastic else 0
        nvar = 2 * V + nS  # x, d (|x - base|), slacks
        Arows, lo, hi = [], [], []
        for r, a_, b_ in zip(struct_rows, struct_lo, struct_hi, strict=True):
            Arows.append(np.concatenate([r, np.zeros(V + nS)]))
            lo.append(a_)
            hi.append(b_)
        # d >= x - base, d >= base - x
        eye = sparse.identity(V, format="csr")
        dev = sparse.vstack([sparse.hstack([eye, -eye]), sparse.hstack([-eye, -eye])])
        dev = sparse.hstack([dev, sparse.csr_matrix((2 * V, nS))]).tocsr()
        dev_hi = np.concatenate([base, -base])
        for si, (ti, a, l_, h_) in enumerate(rows):
            s = np.zeros(nS)
            scale = targets[ti].unit_scale
            if targets[ti].den is not None:
                scale = scale * max(1.0, abs(targets[ti].den.value(base)))
            if elastic:
                # l - scale*s <= a·x ;  a·x <= h + scale*s  (one slack per row)
                if np.isfinite(l_) and np.isfinite(h_):
                    s_lo = s.copy()
                    s_lo[si] = scale
                    Arows.append(np.concatenate([a, np.zeros(V), s_lo]))
                    lo.append(l_)
                    hi.append(math.inf)
                    s_hi = s.copy()
                    s_hi[si] = -scale
                    Arows.append(np.concatenate([a, np.zeros(V), s_hi]))
                    lo.append(-math.inf)
                    hi.append(h_)
                    continue
                s[si] = scale if np.isfinite(l_) else -scale
            Arows.append(np.concatenate([a, np.zeros(V), s]))
            lo.append(l_)
            hi.append(h_)
        A = sparse.vstack([sparse.csr_matrix(np.array(Arows)) if Arows else
                           sparse.csr_matrix((0, nvar)), dev]).tocsr()
        lo_all = np.concatenate([np.array(lo, dtype=float), np.full(2 * V, -np.inf)])
        hi_all = np.concatenate([np.array(hi, dtype=float), dev_hi])
        c = np.zeros(nvar)
        if objective == "deviation":
            c[V:2 * V] = 1.0
        elif objective == "slack":
            c[2 * V:] = 1.0
        integrality = np.concatenate([np.ones(V), np.zeros(V + nS)])
        lb = np.zeros(nvar)
        ubs = np.concatenate([ub, np.full(V + nS, np.inf)])
        return c, integrality, lb, ubs, A, lo_all, hi_all, rows

    def feasible(active: list[int]) -> bool:
        c, integ, lb, ubs, A, lo, hi, _ = build(active, False, "none")
        res = _milp(c, integ, lb, ubs, A, lo, hi, time_limit)
        return res.status == 0

    # the sampled counts may already meet every figure: nothing to move
    if all(t.interval.contains(t.value(base)) for t in targets) and all(
            abs(base[np.asarray(idx)].sum() - tot) < 1e-9 for idx, tot in sums) and all(
            base[np.asarray(idx)].sum() <= lim + 1e-9 for idx, lim in caps):
        return CountSolution(base.astype(np.int64), "exact", 0)
    c, integ, lb, ubs, A, lo, hi, _ = build(None, False, "deviation")
    res = _milp(c, integ, lb, ubs, A, lo, hi, time_limit)
    if res.status == 0 and res.x is not None:
        x = np.rint(res.x[:V]).astype(np.int64)
        return CountSolution(x, "exact", int(np.abs(x - base).sum()))

    # infeasible (or timed out): elastic program, then least change at that violation
    c, integ, lb, ubs, A, lo, hi, rows = build(None, True, "slack")
    res = _milp(c, integ, lb, ubs, A, lo, hi, time_limit)
    if res.status != 0 or res.x is None:
        return CountSolution(base.astype(np.int64), "failed", 0,
                             message=f"solver status {res.status}: {res.message}")
    best = float(res.fun)
    c2 = np.zeros_like(c)
    c2[V:2 * V] = 1.0
    extra = np.zeros((1, c.size))
    extra[0, 2 * V:] = 1.0
    A2 = sparse.vstack([A, sparse.csr_matrix(extra)]).tocsr()
    res2 = _milp(c2, integ, lb, ubs, A2, np.append(lo, -np.inf),
                 np.append(hi, best * (1 + 1e-7) + 1e-9), time_limit)
    sol = res2.x if res2.status == 0 and res2.x is not None else res.x
    x = np.rint(sol[:V]).astype(np.int64)
    slacks = sol[2 * V:]
    viol: dict[str, float] = {}
    for si, (ti, *_rest) in enumerate(rows):
        if slacks[si] > 1e-9:  # slack in the target's units (approximate for ratios)
            amount = float(slacks[si]) * targets[ti].unit_scale
            viol[targets[ti].id] = max(viol.get(targets[ti].id, 0.0), amount)
    conflicts: list[list[str]] = []
    if find_conflicts:
        remaining = list(range(len(targets)))
        for _ in range(5):
            if feasible(remaining):
                break
            iis = list(remaining)
            for ti in list(iis):
                trial = [t for t in iis if t != ti]
                if not feasible(trial):
                    iis = trial
            conflicts.append([targets[t].id for t in iis])
            remaining = [t for t in remaining if t not in iis]
    return CountSolution(x, "relaxed", int(np.abs(x - base).sum()), viol, conflicts,
                         message="targets conflict; closest counts returned")
