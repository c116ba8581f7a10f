"""PSU totals → linearized variance: the half of the variance engine both routes share.

The Taylor-linearized variance of a design-weighted total needs the data only through sums:

(a) **scores → sufficient sums**: the PSU totals ``t_p = Σ_{i∈p} wᵢ zᵢ`` of the weighted
    scores, or — when every row is its own PSU — the stratum sums ``Σ tᵢ`` and
    ``Σ tᵢ tᵢ'``. In memory they come from ``numpy.bincount`` (:func:`psu_totals`); on a data
    engine from one ``GROUP BY`` (:mod:`cxresearch.sampling.engine`), because the scores of a
    ratio estimator are the same for every row of a cell (domain × answer) and the PSU
    totals are therefore linear in per-(PSU, cell) sums of ``w``.
(b) **sums → variance** (this module): the stratified with-replacement PSU estimator of
    ``survey::svyrecvar`` for one-stage designs, with the fpc factor, the lonely-PSU rules and
    the centring at the stratum mean: :func:`psu_variance` from PSU totals (two-pass: the
    stratum means are subtracted before the cross-products) and :func:`cell_variance` from
    cell sums of ``w`` and ``w²`` when every row is a PSU.

``V = Σ_h s_h Σ_{p∈h} (t_p − t̄_h)(t_p − t̄_h)'`` with ``s_h = (1 − n_h/N_h) n_h/(n_h − 1)``.

References
----------
Lumley, T. (2024). survey: analysis of complex survey samples, R package 4.4 (``svyrecvar``,
``onestrat``). Wolter, K. M. (2007). *Introduction to Variance Estimation*, ch. 6.

Examples
--------
>>> import numpy as np
>>> t = np.array([[1.0], [3.0], [2.0], [6.0]])          # PSU totals of w*z
>>> ps = np.array([0, 0, 1, 1])                         # stratum of each PSU
>>> s, c = stratum_scales(np.array([2, 2]), np.ones(2), np.zeros(2, bool), "fail")
>>> round(float(psu_variance(t, ps, np.array([2, 2]), s, c)[0, 0]), 10)
20.0
>>> # In R: svytotal(~z, svydesign(ids=~psu, strata=~h, data=d)) -> SE^2
"""

from __future__ import annotations

import numpy as np

__all__ = ["LONELY_MODES", "average_factor", "cell_variance", "psu_totals", "psu_variance",
           "stratum_scales"]

LONELY_MODES = ("fail", "adjust", "certainty", "remove", "average")
_BLOCK = 1 << 15   # rows per block of the elementwise passes (256 KB per column)


def stratum_scales(n_h: np.ndarray, f_h: np.ndarray, lonely_h: np.ndarray,
                   lonely_psu: str) -> tuple[np.ndarray, np.ndarray]:
    """Per-stratum factor ``(1 − f_h) n_h / (n_h − 1)`` (here ``f_h`` is already ``1 − n/N``)
    and whether PSU totals are centred at the stratum mean (not for a lonely PSU under
    ``lonely_psu="adjust"``, which centres at zero as ``survey`` does)."""
    scale_h = np.where(n_h > 1, f_h * n_h / np.maximum(n_h - 1, 1), f_h)
    scale_h = np.where(f_h < 1e-7, 0.0, scale_h)
    if lonely_h.any() and lonely_psu in ("certainty", "remove", "average"):
        scale_h = np.where(lonely_h, 0.0, scale_h)
    centred = ~(lonely_h & (lonely_psu == "adjust"))
    return scale_h, centred


def average_factor(lonely_h: np.ndarray, lonely_psu: str) -> float:
    """``H / (H − lonely)`` for ``lonely_psu="average"``, else 1."""
    if lonely_psu == "average" and lonely_h.any():
        H = len(lonely_h)
        if lonely_h.all():
            raise ValueError("every stratum has a single PSU: lonely_psu='average' has no "
                             "other stratum to average over; use 'adjust' or 'certainty'")
        return H / (H - int(lonely_h.sum()))
    return 1.0


def psu_totals(psu: np.ndarray, u: np.ndarray, n_psu: int) -> np.ndarray:
    """Sums of the rows of ``u`` (n × k) per PSU code (0..n_psu-1): a fresh (n_psu × k) array."""
    t = np.empty((n_psu, u.shape[1]))
    for j in range(u.shape[1]):
        t[:, j] = np.bincount(psu, weights=u[:, j], minlength=n_psu)
    return t


def psu_variance(t: np.ndarray, psu_stratum: np.ndarray, n_h: np.ndarray,
                 scale_h: np.ndarray, centred: np.ndarray, avg: float = 1.0) -> np.ndarray:
    """Covariance (k × k) of the totals from PSU totals ``t`` (P × k, overwritten).

    Two passes: the stratum means of the PSU totals are computed first and subtracted, then
    the centred totals are cross-multiplied, so no one-pass moment cancels.
    """
    H, k = len(n_h), t.shape[1]
    sums = np.empty((H, k))
    for j in range(k):
        sums[:, j] = np.bincount(psu_stratum, weights=t[:, j], minlength=H)
    means = sums / np.maximum(n_h, 1)[:, None]
    means[~centred] = 0.0
    # centre and scale in place, in blocks of rows that stay in cache and one column at a
    # time, so that no further P x k temporaries are made: V = (c sqrt(s))'(c sqrt(s)).
    # Elementwise, so the blocking changes no bit; each column's stratum means are gathered
    # by a 1-d take into one reused buffer (twice as fast as the 2-d fancy index).
    root_h = np.sqrt(scale_h)
    cols = np.ascontiguousarray(means.T)
    m_p, r_p = np.empty((2, min(_BLOCK, len(psu_stratum))))
    for a in range(0, len(psu_stratum), _BLOCK):
        ps = psu_stratum[a:a + _BLOCK]
        m, r = m_p[:len(ps)], r_p[:len(ps)]
        np.take(root_h, ps, out=r, mode="clip")
        for j in range(k):
            c = t[a:a + _BLOCK, j]
            np.take(cols[j], ps, out=m, mode="clip")   # codes are valid: "clip" never clips
            c -= m
            c *= r
    return (t.T @ t) * avg


def cell_variance(Z: np.ndarray, W1: np.ndarray, W2: np.ndarray, cell_stratum: np.ndarray,
                  n_h: np.ndarray, scale_h: np.ndarray, centred: np.ndarray,
                  avg: float = 1.0, freq: np.ndarray | None = None) -> np.ndarray:
    """Covariance of the totals when every row is its own PSU and the score is constant
    within cells.

    ``Z`` (C × k) holds the score of each cell, ``W1``/``W2`` the sums of ``w`` and ``w²``
    over its rows and ``cell_stratum`` its stratum. With ``tᵢ = wᵢ z_c``:
    ``V = Σ_h s_h (Σ_{c∈h} W2_c z_c z_c' − n_h m_h m_h')``, ``m_h = Σ_{c∈h} W1_c z_c / n_h``
    (``n_h`` rows in stratum h), computed without the cancellation of that one-pass form:
    ``Σ_c D_c z_c z_c' + Σ_c n_c (a_c z_c − m̄_h)(a_c z_c − m̄_h)'`` with the within-cell
    spread of the weights ``D_c = W2_c − W1_c²/n_c`` (set to 0 when it is below the rounding
    of ``W2_c``: weights equal within a cell), ``a_c = W1_c / n_c`` and
    ``m̄_h = Σ_c W1_c z_c / n_h``. So a score that is constant within a stratum whose weights
    are equal there (a stratum's own share under fpc weights) gets a variance of exactly 0,
    as on the rows, not a rounding residue.
    """
    H = len(n_h)
    nc = np.maximum(np.asarray(freq, dtype=float), 1.0) if freq is not None else None
    if nc is None:  # no row counts given: the one-pass form
        V = (Z * (scale_h[cell_stratum] * W2)[:, None]).T @ Z
        M = np.zeros((H, Z.shape[1]))
        np.add.at(M, cell_stratum, Z * W1[:, None])
        M *= np.sqrt(np.where(centred, scale_h / np.maximum(n_h, 1), 0.0))[:, None]
        V -= M.T @ M
        return V * avg
    D = W2 - W1 * W1 / nc
    D = np.where(np.abs(D) <= 1e-12 * np.abs(W2), 0.0, D)
    cen = centred[cell_stratum]
    X = Z * (W1 / nc)[:, None]                     # a_c z_c, one row's total in the cell
    S = np.zeros((H, Z.shape[1]))
    np.add.at(S, cell_stratum, Z * W1[:, None])
    mbar = S / np.maximum(n_h, 1)[:, None]
    dev = np.where(cen[:, None], X - mbar[cell_stratum], X)
    sc = scale_h[cell_stratum]
    V = (Z * (sc * np.where(cen, D, W2))[:, None]).T @ Z
    V += (dev * (sc * np.where(cen, nc, 0.0))[:, None]).T @ dev
    return V * avg
