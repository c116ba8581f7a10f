"""Brant's test of the proportional-odds assumption (the check behind ``ordinal_logit``).

The ``K - 1`` binary logits of ``Y > j`` are fitted separately and their slopes compared by a
Wald test (omnibus and per term), with the covariance of the stacked fits model-based or, under
a design, the linearization sandwich of the stacked scores.

References
----------
Brant, R. (1990). Assessing proportionality in the proportional odds model for ordinal
logistic regression. *Biometrics* 46, 1171-1178.

Examples
--------
>>> # called by cx.ordinal_logit(d, y, x, po_test=True); result in .po_test
>>> # In R: brant::brant(MASS::polr(y ~ x, data = d))
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from cxresearch.statistics.design.resolve import total_variance

__all__ = ["brant_test"]


def _logit_fit(yb, X1, w, maxiter=50):
    """Weighted binary logistic regression by Newton-Raphson (Brant's component fits)."""
    b = np.zeros(X1.shape[1])
    pbar = np.clip(np.sum(w * yb) / w.sum(), 1e-6, 1 - 1e-6)
    b[0] = special.logit(pbar)
    for _ in range(maxiter):
        pi = special.expit(X1 @ b)
        try:
            step = np.linalg.solve(X1.T @ ((w * pi * (1 - pi))[:, None] * X1),
                                   X1.T @ (w * (yb - pi)))
        except np.linalg.LinAlgError:
            raise _Separation() from None
        b = b + step
        if np.max(np.abs(step)) < 1e-10:
            break
    if np.max(np.abs(b)) > 20:
        raise _Separation()
    return b, special.expit(X1 @ b)


class _Separation(Exception):
    """A binary logit of Brant's test is (quasi-)separated: its slopes are not finite."""


def brant_test(y, X, w, terms, design=None, ok=None) -> pd.DataFrame:
    """Brant's test: slopes of the K-1 binary logits of Y > j are equal (omnibus and by term)."""
    m = int(y.max())
    n, p = X.shape
    X1 = np.column_stack([np.ones(n), X])
    try:
        fits = [_logit_fit((y > j).astype(float), X1, w) for j in range(m)]
    except _Separation:
        return pd.DataFrame([dict(
            test="brant", term="omnibus", statistic=np.nan, df=np.nan, p_value=np.nan,
            method="Brant test not available: a binary logit of Y > j is separated (empty "
                   "cells); compare with a partial proportional-odds model instead")])
    B = np.column_stack([f[0] for f in fits])
    P = np.column_stack([f[1] for f in fits])
    inv = [np.linalg.inv(X1.T @ ((w * P[:, j] * (1 - P[:, j]))[:, None] * X1)) for j in range(m)]
    q = p + 1
    if design is None:
        V = np.zeros((m * q, m * q))
        for j in range(m):
            for k in range(j, m):
                Wjk = w * (P[:, k] - P[:, j] * P[:, k])
                Vjk = inv[j] @ (X1.T @ (Wjk[:, None] * X1)) @ inv[k]
                V[j * q:(j + 1) * q, k * q:(k + 1) * q] = Vjk
                V[k * q:(k + 1) * q, j * q:(j + 1) * q] = Vjk.T
        how = "Brant (1990) Wald test, model-based covariance of the binary logits"
    else:
        full_n = len(ok)
        S = np.zeros((full_n, m * q))
        for j in range(m):
            S[ok, j * q:(j + 1) * q] = X1 * ((y > j) - P[:, j])[:, None]
        Binv = np.zeros((m * q, m * q))
        for j in range(m):
            Binv[j * q:(j + 1) * q, j * q:(j + 1) * q] = inv[j]
        V = Binv @ total_variance(design, S) @ Binv
        how = "Brant-type Wald test with design-based (linearized) covariance of the binary logits"
    keep = [j * q + 1 + c for j in range(m) for c in range(p)]
    bstar = B[1:, :].T.ravel()
    Vs = V[np.ix_(keep, keep)]
    rows = []
    groups = [("omnibus", list(range(p)))]
    uniq = list(dict.fromkeys(terms))
    if len(uniq) > 1:
        groups += [(t, [i for i, tt in enumerate(terms) if tt == t]) for t in uniq]
    for name, cols in groups:
        D = []
        for j in range(1, m):
            for c in cols:
                r = np.zeros(m * p)
                r[c] = 1.0
                r[j * p + c] = -1.0
                D.append(r)
        if not D:
            continue
        D = np.array(D)
        db = D @ bstar
        stat = float(db @ np.linalg.solve(D @ Vs @ D.T, db))
        df = D.shape[0]
        rows.append(dict(test="brant", term=name, statistic=stat, df=df,
                         p_value=float(stats.chi2.sf(stat, df)), method=how))
    return pd.DataFrame(rows)
