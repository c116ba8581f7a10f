"""Design-aware bootstrap: Rao-Wu rescaling bootstrap replicate weights.

In each stratum ``h`` with ``n_h`` PSUs, ``m_h = n_h - 1`` PSUs are drawn with replacement;
PSU ``i`` drawn ``r_hi`` times gets the rescaled weight

    w*_hi = w_hi (1 - lambda_h + lambda_h (n_h / m_h) r_hi),
    lambda_h = sqrt(m_h (1 - f_h) / (n_h - 1))

(Rao, Wu & Yue 1992), with ``f_h`` the sampling fraction of PSUs (0 without an fpc, so
``lambda_h = 1`` and ``w* = w n_h / (n_h - 1) r_hi``: ``survey::as.svrepdesign(type =
"subbootstrap")``). A stratum with a single PSU or a census stratum keeps its weights (it
contributes no variance), as the linearization does under ``lonely_psu="certainty"``.
Written here: no maintained Python library has the rescaling bootstrap for a stratified
cluster design.
"""

from __future__ import annotations

import numpy as np

from cxresearch.statistics.design.params import Interval, check

__all__ = ["rescaling_bootstrap_factors", "rescaling_bootstrap_weights"]


def rescaling_bootstrap_factors(design, B: int = 500, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """PSU-level rescaling factors ``(P x B)`` and each row's PSU index ``(n,)``.

    Replicate ``b``'s weight of row ``i`` is ``design.weights[i] * factors[psu[i], b]``; a
    statistic that is a function of weighted totals can aggregate rows to PSUs once and then
    needs only ``factors.T @ psu_totals`` per batch of replicates (no n x B matrix).
    See :func:`rescaling_bootstrap_weights` for the method.
    """
    check("B", B, Interval(1, None, "left", integer=True))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    psu = np.asarray(design._psu)
    psu_stratum = np.asarray(design._psu_stratum)
    n_h = np.asarray(design._n_h)
    keep = np.asarray(design._f_h, dtype=float)        # 1 - sampling fraction (1 without fpc)
    P = len(psu_stratum)
    B = int(B)
    factor = np.ones((P, B))
    order = np.argsort(psu_stratum, kind="stable")
    starts = np.concatenate([[0], np.cumsum(n_h)])
    for h in range(len(n_h)):
        nh = int(n_h[h])
        if nh < 2 or keep[h] < 1e-7:
            continue
        members = order[starts[h]:starts[h + 1]]
        m = nh - 1
        lam = np.sqrt(m * keep[h] / (nh - 1))
        draws = rng.integers(0, nh, size=(B, m))
        key = (np.arange(B)[:, None] * nh + draws).ravel()
        r = np.bincount(key, minlength=B * nh).reshape(B, nh).astype(float)
        factor[members] = (1 - lam + lam * (nh / m) * r).T
    return factor, psu


def rescaling_bootstrap_weights(design, B: int = 500, seed=None) -> np.ndarray:
    """Replicate weights (n x B) of the Rao-Wu rescaling bootstrap with ``m_h = n_h - 1``.

    Parameters
    ----------
    design : Design
    B : int
        Number of replicates.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    numpy.ndarray of shape (design.n, B)

    References
    ----------
    Rao, J. N. K., Wu, C. F. J. & Yue, K. (1992). Some recent work on resampling methods for
    complex surveys. *Survey Methodology* 18, 209-217.

    Examples
    --------
    >>> import pandas as pd
    >>> from cxresearch.sampling.design import Design
    >>> d = Design(pd.DataFrame({"h": list("aabbb"), "w": [1.0, 2, 1, 1, 3]}), weights="w",
    ...            strata="h")
    >>> rescaling_bootstrap_weights(d, B=3, seed=1).shape
    (5, 3)
    >>> # In R: as.svrepdesign(des, type = "subbootstrap", replicates = 3)
    """
    factor, psu = rescaling_bootstrap_factors(design, B, seed)
    return np.asarray(design.weights, dtype=float)[:, None] * factor[psu]
