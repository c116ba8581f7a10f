"""Exact-fit machinery for reconstructions: target intervals, count tables, solvers.

A reconstruction (:mod:`cxresearch.reconstruction`) turns published aggregates into respondent-level
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

from cxresearch.reconstruction.targets import FitTarget, Interval, Lin, target_interval

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


def _greedy_repair(base, targets, sums, caps, steps):
    """Best-improvement moves of one count to a neighbouring level within a sum group.

    Returns integer counts meeting every target, or None (then the integer program decides).
    Only for partitions into small groups (every count in exactly one ``sums`` group of at most
    12 levels): moves keep each group's total, and caps are checked on every move.
    """
    V = base.size
    if steps <= 0 or not targets or not sums:
        return None
    owner = np.full(V, -1)
    for g, (idx, _tot) in enumerate(sums):
        idx = np.asarray(idx)
        if idx.size > 12 or (owner[idx] >= 0).any():
            return None
        owner[idx] = g
    if (owner < 0).any():
        return None
    src, dst = [], []
    for idx, _tot in sums:
        idx = np.asarray(idx)
        src += list(idx[:-1]) + list(idx[1:])
        dst += list(idx[1:]) + list(idx[:-1])
    src, dst = np.array(src), np.array(dst)
    N = np.array([t.num.row(V) for t in targets])
    n0 = np.array([t.num.const for t in targets])
    D = np.array([t.den.row(V) if t.den is not None else np.zeros(V) for t in targets])
    d0 = np.array([t.den.const if t.den is not None else 1.0 for t in targets])
    lo = np.array([t.interval.lo for t in targets])
    hi = np.array([t.interval.hi for t in targets])
    eps = 1e-7 * np.maximum(1.0, np.maximum(np.where(np.isfinite(lo), np.abs(lo), 0),
                                            np.where(np.isfinite(hi), np.abs(hi), 0)))
    lo_eff = np.where([t.interval.lo_strict for t in targets], lo + eps, lo - 1e-9)
    hi_eff = np.where([t.interval.hi_strict for t in targets], hi - eps, hi + 1e-9)
    w = 1.0 / np.array([t.unit_scale for t in targets])
    capM = np.array([np.isin(np.arange(V), np.asarray(i)).astype(float) for i, _ in caps]) \
        if caps else np.zeros((0, V))
    cap_lim = np.array([lim for _, lim in caps]) if caps else np.zeros(0)
    dN, dD, dC = N[:, dst] - N[:, src], D[:, dst] - D[:, src], capM[:, dst] - capM[:, src]

    def violation(num, den):
        val = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.inf)
        return (np.maximum(lo_eff[:, None] - val, 0) + np.maximum(val - hi_eff[:, None], 0)) \
            if val.ndim == 2 else (np.maximum(lo_eff - val, 0) + np.maximum(val - hi_eff, 0))

    x = base.astype(float).copy()
    for _ in range(steps):
        num, den = N @ x + n0, D @ x + d0
        now = float(w @ violation(num, den))
        if now == 0:
            return np.rint(x).astype(np.int64)
        cand = w @ np.nan_to_num(violation(num[:, None] + dN, den[:, None] + dD), posinf=1e12)
        cand[x[src] < 1] = np.inf
        if caps:
            over = ((capM @ x)[:, None] + dC > cap_lim[:, None] + 1e-9).any(axis=0)
            cand[over] = np.inf
        best = int(np.argmin(cand))
        if not cand[best] < now - 1e-12:
            return None
        x[src[best]] -= 1
        x[dst[best]] += 1
    num, den = N @ x + n0, D @ x + d0
    return np.rint(x).astype(np.int64) if float(w @ violation(num, den)) == 0 else None


def solve_counts(base: np.ndarray, ub: np.ndarray, targets: list[FitTarget], *,
                 sums: list[tuple[np.ndarray, float]] = (),
                 caps: list[tuple[np.ndarray, float]] = (),
                 time_limit: float = 20.0, find_conflicts: bool = True,
                 greedy_steps: int = 60) -> CountSolution:
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
    greedy_steps : int
        Before the integer program, up to this many best-improvement moves of one respondent to
        a neighbouring answer (within a cell) are tried; when they meet every target the result
        is returned (a near-least change found fast). 0 skips them.

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
    # a few one-step moves usually suffice: try them before the integer program
    quick = _greedy_repair(base, targets, sums, caps, greedy_steps)
    if quick is not None:
        return CountSolution(quick, "exact", int(np.abs(quick - base).sum()))
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
