"""Giving fitted counts back to respondents (step 3 of a reconstruction).

After :func:`cxresearch.fitting.solve_counts` has fixed how many respondents of each cell give
each answer, these functions decide *who*: within a cell, ordinal answers follow the rank of the
respondents' latent scores (a SPRITE-style minimal swap: only respondents next to a moved
threshold change answer); nominal and multi-select answers solve a transportation problem that
maximises the total utility the model gives each respondent for each answer (HiGHS through
:func:`scipy.optimize.linprog`; the constraint matrices are totally unimodular, so the LP optima
are integral). Written by hand: no library assigns answers to respondents under count
constraints.

References
----------
Heathers, J. A., Anaya, J., van der Zee, T., & Brown, N. J. (2018). Recovering data from summary
statistics: SPRITE. PeerJ Preprints 6:e26968v1.
Schrijver, A. (2003). Combinatorial Optimization, ch. 21 (b-matchings, total unimodularity).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, sparse

__all__ = ["assign_multiselect", "assign_transport", "largest_remainder", "rank_cut"]


def largest_remainder(p, n: int) -> np.ndarray:
    """Integer counts summing to ``n`` closest to ``n·p`` (Hamilton's largest-remainder method).

    Examples
    --------
    >>> largest_remainder([0.333, 0.333, 0.334], 10).tolist()
    [3, 3, 4]
    >>> # In R: no base function; see e.g. the 'electoral' package, seats_ha()
    """
    p = np.asarray(p, dtype=float)
    if p.ndim != 1 or np.any(p < 0) or not np.isfinite(p).all() or p.sum() <= 0:
        raise ValueError(f"p must be non-negative finite shares with a positive sum, got {p!r}")
    if int(n) != n or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    q = p / p.sum() * n
    out = np.floor(q).astype(np.int64)
    short = int(n - out.sum())
    if short:
        order = np.argsort(-(q - out), kind="stable")
        out[order[:short]] += 1
    return out


def rank_cut(score: np.ndarray, cells: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Ordinal answers from counts: within each cell the lowest scores get the lowest levels.

    Parameters
    ----------
    score : (n,) array
        Latent score of each respondent (ties broken by position).
    cells : (n,) int array
        Cell index of each respondent.
    counts : (C, K) int array
        How many respondents of each cell give each level (rows sum to cell sizes).

    Returns
    -------
    (n,) int array of level indices 0..K-1.
    """
    score = np.asarray(score, dtype=float)
    cells = np.asarray(cells)
    counts = np.asarray(counts, dtype=np.int64)
    out = np.empty(score.size, dtype=np.int64)
    for c in range(counts.shape[0]):
        idx = np.flatnonzero(cells == c)
        if idx.size != counts[c].sum():
            raise ValueError(f"cell {c} holds {idx.size} respondents but its counts sum to "
                             f"{int(counts[c].sum())}")
        order = idx[np.argsort(score[idx], kind="stable")]
        out[order] = np.repeat(np.arange(counts.shape[1]), counts[c])
    return out


def assign_transport(utility: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Nominal answers from counts: the assignment maximising total utility (transportation LP).

    The constraint matrix is totally unimodular, so the LP optimum found by HiGHS is integral.

    Parameters
    ----------
    utility : (n, K) array
        Utility of each answer for each respondent (``-inf`` forbids).
    counts : (K,) int array summing to n.

    Returns
    -------
    (n,) int array of level indices.
    """
    U = np.asarray(utility, dtype=float)
    n, K = U.shape
    counts = np.asarray(counts, dtype=np.int64)
    if counts.sum() != n:
        raise ValueError(f"counts sum to {int(counts.sum())}, expected {n}")
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    nz = np.flatnonzero(counts)
    if nz.size == 1:
        return np.full(n, nz[0], dtype=np.int64)
    big = np.nanmax(np.abs(U[np.isfinite(U)])) if np.isfinite(U).any() else 1.0
    cost = -np.where(np.isfinite(U), U, -(10 * big + 1e3)).ravel()
    rows = sparse.kron(sparse.identity(n), np.ones((1, K)))  # each respondent one answer
    cols = sparse.kron(np.ones((1, n)), sparse.identity(K))  # each answer its count
    A = sparse.vstack([rows, cols]).tocsr()
    b = np.concatenate([np.ones(n), counts])
    res = optimize.linprog(cost, A_eq=A, b_eq=b, bounds=(0, 1), method="highs")
    if res.status != 0:
        raise RuntimeError(f"transportation problem failed: {res.message}")
    return np.argmax(res.x.reshape(n, K), axis=1).astype(np.int64)


def assign_multiselect(utility: np.ndarray, counts: np.ndarray, cap: int,
                       exact: bool = False) -> np.ndarray:
    """Multi-select answers from option counts with at most (or exactly) ``cap`` choices each.

    Maximises total utility subject to column sums ``counts`` and row sums ``<= cap``
    (``== cap`` when ``exact``): a bipartite b-matching LP whose vertices are integral.

    Returns
    -------
    (n, J) bool array.
    """
    U = np.asarray(utility, dtype=float)
    n, J = U.shape
    counts = np.asarray(counts, dtype=np.int64)
    if counts.sum() > cap * n or (exact and counts.sum() != cap * n) or np.any(counts > n):
        raise ValueError(
            f"option counts (total {int(counts.sum())}) cannot be spread over {n} respondents "
            f"with {'exactly' if exact else 'at most'} {cap} choices each")
    if n == 0:
        return np.zeros((0, J), dtype=bool)
    cost = -U.ravel()
    rows = sparse.kron(sparse.identity(n), np.ones((1, J)))
    cols = sparse.kron(np.ones((1, n)), sparse.identity(J))
    if exact:
        A_eq = sparse.vstack([rows, cols]).tocsr()
        b_eq = np.concatenate([np.full(n, cap), counts])
        res = optimize.linprog(cost, A_eq=A_eq, b_eq=b_eq, bounds=(0, 1), method="highs")
    else:
        res = optimize.linprog(cost, A_ub=rows.tocsr(), b_ub=np.full(n, cap),
                               A_eq=cols.tocsr(), b_eq=counts, bounds=(0, 1), method="highs")
    if res.status != 0:
        raise RuntimeError(f"multi-select assignment failed: {res.message}")
    return res.x.reshape(n, J) > 0.5
