"""Relative importance from a correlation matrix: LMG (Shapley), Johnson, beta, correlation.

The maths behind :func:`cxresearch.key_drivers`, on the (weighted) correlation matrix of the
drivers and the outcome (last row and column), batched over bootstrap replicates:

- ``shapley`` (LMG, Lindeman-Merenda-Gold): the Shapley value of R^2 over all 2^p subsets;
  each subset's R^2 is ``r_S' R_SS^-1 r_S`` (batched solves by subset size).
- ``johnson``: Johnson's (2000) relative weights from the symmetric square root of R.
- ``beta``: standardized regression coefficients ``R^-1 r``.
- ``correlation``: zero-order correlations with the outcome.

Examples
--------
>>> import numpy as np
>>> R = np.array([[1.0, 0.3, 0.5], [0.3, 1.0, 0.4], [0.5, 0.4, 1.0]])
>>> bool(abs(importance(R, "shapley").sum() - r2_of(R)) < 1e-12)
True
>>> # In R: relaimpo::calc.relimp(cov2cor(R), type = "lmg")
"""

from __future__ import annotations

from functools import lru_cache
from math import factorial

import numpy as np

__all__ = ["ALIASES", "LABEL", "MAX_SHAPLEY", "METHODS", "corr_from_cross", "importance",
           "r2_of"]

METHODS = ("shapley", "johnson", "beta", "correlation")
ALIASES = {"lmg": "shapley", "relative_weights": "johnson", "std_beta": "beta",
            "cor": "correlation"}
MAX_SHAPLEY = 18
LABEL = {"shapley": "Shapley value of R\u00b2 (LMG), exact over all subsets",
          "johnson": "Johnson's relative weights",
          "beta": "standardized regression coefficient",
          "correlation": "zero-order correlation with the outcome"}


# ----------------------------------------------------------------------------- core maths
def corr_from_cross(M: np.ndarray) -> np.ndarray:
    """Correlation matrix of columns 1.. from the weighted cross-product matrix of [1, Z].

    A column whose variance is below 1e-12 of its mean square (constant up to the rounding
    of ``E[z²] − E[z]²``, e.g. in a bootstrap replicate) has no correlation: NaN, whatever
    the rounding left, so that every route of the computation calls it constant alike.
    """
    sw = M[..., :1, :1]
    mean = M[..., :1, 1:] / sw
    C = M[..., 1:, 1:] / sw - np.swapaxes(mean, -1, -2) * mean
    var = np.diagonal(C, axis1=-2, axis2=-1)
    msq = np.diagonal(M[..., 1:, 1:], axis1=-2, axis2=-1) / sw[..., 0]
    var = np.where(var > 1e-12 * msq, var, 0.0)
    sd = np.sqrt(var)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant column: NaN, caught later
        return C / (sd[..., :, None] * sd[..., None, :])


@lru_cache(maxsize=8)
def _shapley_weights(p: int):
    """For each driver j: the bitmasks of subsets without j and their Shapley weights."""
    masks = np.arange(2**p)
    size = np.zeros(2**p, dtype=np.intp)
    for j in range(p):
        size += (masks >> j) & 1
    wt = np.array([factorial(k) * factorial(p - k - 1) / factorial(p) for k in range(p)])
    without = [masks[((masks >> j) & 1) == 0] for j in range(p)]
    return without, [wt[size[m]] for m in without]


def _subset_r2(R: np.ndarray) -> np.ndarray:
    """R^2 of every subset of drivers, indexed by bitmask.

    ``R`` is a stack ``(..., p+1, p+1)`` of correlation matrices with the outcome last; the
    result has shape ``(..., 2^p)`` (R^2 of the empty set is 0). Depth-first over the subset
    tree, adding one driver at a time with the block-inverse (sweep) update
    ``R2(S + j) = R2(S) + (r_j - u'R_SS^-1 r_S)^2 / (1 - u'R_SS^-1 u)``, ``u = R_Sj``, each
    step vectorized over the stack (the bootstrap replicates).
    """
    lead = R.shape[:-2]
    p = R.shape[-1] - 1
    Rf = R.reshape(-1, p + 1, p + 1)
    nb = Rf.shape[0]
    Rxx, r = Rf[:, :p, :p], Rf[:, :p, p]
    r2 = np.zeros((nb, 2**p))
    stack = [((), 0, np.zeros((nb, 0, 0)), np.zeros(nb))]
    with np.errstate(divide="ignore", invalid="ignore"):
        while stack:
            idx, mask, inv, val = stack.pop()
            start = idx[-1] + 1 if idx else 0
            cols = list(idx)
            rs = r[:, cols]
            for j in range(start, p):
                if idx:
                    u = Rxx[:, cols, j]
                    v = np.einsum("bij,bj->bi", inv, u)
                    c = 1.0 - (u * v).sum(1)
                    num = r[:, j] - (v * rs).sum(1)
                else:
                    v = np.zeros((nb, 0))
                    c = np.ones(nb)
                    num = r[:, j]
                c = np.where(c > 1e-12, c, np.nan)     # a singular subset: NaN, not garbage
                new = val + num**2 / c
                bit = mask | (1 << j)
                r2[:, bit] = new
                if j < p - 1:
                    s = len(cols)
                    ninv = np.empty((nb, s + 1, s + 1))
                    ninv[:, :s, :s] = inv + v[:, :, None] * v[:, None, :] / c[:, None, None]
                    ninv[:, :s, s] = ninv[:, s, :s] = -v / c[:, None]
                    ninv[:, s, s] = 1.0 / c
                    stack.append((idx + (j,), bit, ninv, new))
    return r2.reshape(lead + (2**p,))


def _shapley(R: np.ndarray) -> np.ndarray:
    p = R.shape[-1] - 1
    r2 = _subset_r2(R)
    without, weights = _shapley_weights(p)
    out = np.empty(R.shape[:-2] + (p,))
    for j in range(p):
        m = without[j]
        out[..., j] = (r2[..., m | (1 << j)] - r2[..., m]) @ weights[j]
    return out


def _johnson(R: np.ndarray) -> np.ndarray:
    p = R.shape[-1] - 1
    lam, Q = np.linalg.eigh(R[..., :p, :p])
    L = (Q * np.sqrt(np.clip(lam, 0, None))[..., None, :]) @ np.swapaxes(Q, -1, -2)
    beta = np.linalg.solve(L, R[..., :p, p:])[..., 0]
    return ((L**2) @ (beta**2)[..., None])[..., 0]


def importance(R: np.ndarray, method: str) -> np.ndarray:
    if method == "shapley":
        return _shapley(R)
    if method == "johnson":
        return _johnson(R)
    p = R.shape[-1] - 1
    if method == "beta":
        return np.linalg.solve(R[..., :p, :p], R[..., :p, p:])[..., 0]
    return R[..., :p, p].copy()


def r2_of(R: np.ndarray) -> float:
    p = R.shape[0] - 1
    return float(R[:p, p] @ np.linalg.solve(R[:p, :p], R[:p, p]))


# ----------------------------------------------------------------------------- result
