"""Survey designs and the single variance engine (Taylor linearization).

A :class:`Design` is the analogue of R's ``survey::svydesign`` for unequal weights, strata,
one-stage clusters (PSUs) and finite population corrections. Every estimator in cxresearch
computes its influence function (score) and hands it to :meth:`Design.total_variance`, the only
place where a variance is computed, so that weights, strata, clusters, fpc and calibration are
honoured in one way everywhere.

The variance formula is the stratified with-replacement PSU ("ultimate cluster") estimator of
``survey::svyrecvar`` for one-stage designs; the fpc, when given, multiplies each stratum's
contribution by ``1 - n_h / N_h`` exactly as ``survey`` does. After calibration (raking), scores
are first replaced by their residuals from the regression on the calibration variables weighted by
the pre-calibration weights, as ``survey`` does for ``calibrate()``d designs (Deville & Särndal
1992). Written by hand because no maintained Python library provides design-based linearized
variances for stratified cluster samples with calibration; the code is vectorized (``bincount``
group sums), O(n·k) in time and memory.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley. Ch. 2, 7.
Lumley, T. (2024). survey: analysis of complex survey samples. R package 4.4
(``svyrecvar``, ``onestrat``, ``calibrate``).
Deville, J.-C., & Särndal, C.-E. (1992). Calibration estimators in survey sampling.
*JASA*, 87(418), 376–382.
Wolter, K. M. (2007). *Introduction to Variance Estimation* (2nd ed.). Springer. Ch. 6.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cxresearch.sampling.sources import is_engine_source
from cxresearch.sampling.variance import (
    LONELY_MODES,
    average_factor,
    cell_variance,
    psu_totals,
    psu_variance,
    stratum_scales,
)

__all__ = ["Calibration", "Design", "check_weights"]

_LONELY = LONELY_MODES
# set by cxresearch.sampling.engine (imported with the package): builds an EngineDesign
ENGINE: dict = {"factory": None}


def _column(data: pd.DataFrame, spec, what: str):
    """Resolve a column name or an array-like to a pandas Series aligned with ``data``."""
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec not in data.columns:
            raise ValueError(
                f"{what}={spec!r} is not a column of the data "
                f"(columns: {', '.join(map(str, list(data.columns)[:20]))})"
            )
        return data[spec]
    arr = spec.to_numpy() if isinstance(spec, pd.Series) else np.asarray(spec)
    if arr.ndim != 1 or len(arr) != len(data):
        raise ValueError(
            f"{what} must be a column name or a 1-d array of length {len(data)}, "
            f"got shape {arr.shape}"
        )
    return pd.Series(arr, index=data.index)


def _dense_codes(v: np.ndarray):
    """(codes, sorted distinct values) of integer labels in a dense range (stratum numbers,
    PSU ids): what ``factorize(sort=True)`` or ``np.unique(return_inverse=True)`` give, from a
    lookup table at a fraction of their cost on a million rows; None for a sparse range."""
    if not len(v):
        return None
    lo, hi = int(v.min()), int(v.max())
    if hi - lo > len(v):
        return None
    off = np.subtract(v, lo, dtype=np.int64)
    seen = np.zeros(hi - lo + 1, dtype=bool)
    seen[off] = True
    lut = np.cumsum(seen, dtype=np.intp) - 1
    return lut[off], np.flatnonzero(seen) + lo


def _codes(s: pd.Series, what: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes 0..L-1 of a grouping column; missing values are refused."""
    if s.isna().any():
        bad = int(s.isna().sum())
        raise ValueError(f"{what} has {bad} missing value(s); every row needs a {what}")
    v = s.to_numpy()
    if isinstance(s.dtype, np.dtype) and (s.dtype.kind == "i" or (
            s.dtype.kind == "u" and s.dtype.itemsize < 8)):
        dense = _dense_codes(v)
        if dense is not None:
            return dense[0], pd.Index(dense[1].astype(s.dtype))
    codes, uniques = pd.factorize(s, sort=True)
    return codes.astype(np.intp), pd.Index(uniques)


def check_weights(w, position: str = "element") -> np.ndarray:
    """Weights as a float array; refuses missing, non-finite and negative values, naming the
    first offending ``position`` (``"row"`` for a column of the data)."""
    if isinstance(w, pd.Series):
        arr = pd.to_numeric(w, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    else:
        arr = np.asarray(w, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"weights have {int((~np.isfinite(arr)).sum())} missing or "
                         "non-finite value(s)")
    if np.any(arr < 0):
        i = int(np.argmin(arr))
        raise ValueError(f"weights must be non-negative; {position} {i} has weight {arr[i]:g}")
    return arr



def population_sizes(lo: np.ndarray, hi: np.ndarray, n_h: np.ndarray, levels) -> np.ndarray:
    """Population PSUs ``N_h`` per stratum from the smallest and largest ``fpc`` seen in each
    (``lo``, ``hi``): population sizes (all >= 1) or sampling fractions (all <= 1), as
    ``svydesign(fpc=)``. Refuses an fpc that varies within a stratum, a mixture of the two
    kinds, or more than 100% sampling, naming the stratum. Shared by :class:`Design` and the
    engine design, which see the rows and per-stratum aggregates respectively."""
    if np.any(hi - lo > 1e-9 * np.maximum(1, hi)):
        h = int(np.argmax(hi - lo))
        raise ValueError(f"fpc varies within stratum {levels[h]!r}")
    if lo.min() >= 1 and hi.max() > 1:
        N_h = lo
    elif hi.max() <= 1:
        N_h = n_h / lo
    else:
        raise ValueError("fpc must be all population sizes (>= 1) or all sampling "
                         "fractions (<= 1), not a mixture")
    if np.any(N_h < n_h - 1e-9):
        h = int(np.argmax(n_h - N_h))
        raise ValueError(f"fpc implies more than 100% sampling in stratum {levels[h]!r}: "
                         f"population {N_h[h]:g} PSUs, sample {n_h[h]} PSUs")
    return N_h

class Calibration:
    """Calibration information carried by a design after raking or calibration.

    Holds the calibration variables (categorical margins as integer codes, and optionally
    numeric columns) and the weights *before* calibration, ``w0``. :meth:`residualize`
    replaces a score matrix by its residuals from the least-squares regression on the
    calibration variables weighted by ``w0`` — the linearization of a calibration estimator
    (Deville & Särndal 1992), which is what ``survey`` does for ``calibrate()``d designs
    (``qr.resid`` with ``whalf = sqrt(weights before calibration)``).

    Parameters
    ----------
    w0 : array of shape (n,)
        Weights before calibration.
    codes : sequence of int arrays
        One array per categorical margin, codes 0..L-1 (dummy variables for every level;
        the redundancy across margins is handled by a pseudo-inverse, which leaves fitted
        values unique).
    n_levels : sequence of int
        Number of levels of each margin.
    X : array of shape (n, q), optional
        Numeric calibration variables.
    names : sequence of str, optional
        Names of the margins (for display).
    """

    def __init__(self, w0, codes: Sequence[np.ndarray] = (), n_levels: Sequence[int] = (),
                 X=None, names: Sequence[str] = ()):
        self.w0 = np.asarray(w0, dtype=float)
        self.codes = [np.asarray(c, dtype=np.intp) for c in codes]
        self.n_levels = [int(k) for k in n_levels]
        if len(self.codes) != len(self.n_levels):
            raise ValueError("codes and n_levels must have the same length")
        self.X = None if X is None else np.asarray(X, dtype=float).reshape(len(self.w0), -1)
        self.names = list(names)
        n = len(self.w0)
        for c in self.codes:
            if c.shape != (n,):
                raise ValueError(f"calibration codes must have shape ({n},), got {c.shape}")
        self._offsets = np.cumsum([0] + self.n_levels)
        self._ginv = np.linalg.pinv(self._gram(), rcond=1e-10, hermitian=True)

    @property
    def n_params(self) -> int:
        q = 0 if self.X is None else self.X.shape[1]
        return int(self._offsets[-1]) + q

    def _cross(self, v: np.ndarray) -> np.ndarray:
        """X' W0 v for a matrix v (n × k) -> (p × k)."""
        w0 = self.w0
        out = np.empty((self.n_params, v.shape[1]))
        for m, (c, L) in enumerate(zip(self.codes, self.n_levels, strict=True)):
            a = self._offsets[m]
            for j in range(v.shape[1]):
                out[a:a + L, j] = np.bincount(c, weights=w0 * v[:, j], minlength=L)
        if self.X is not None:
            out[self._offsets[-1]:] = (self.X * w0[:, None]).T @ v
        return out

    def _gram(self) -> np.ndarray:
        """X' W0 X, built from cross-tabulations of the margins (no dense dummies)."""
        p = self.n_params
        G = np.zeros((p, p))
        w0 = self.w0
        M = len(self.codes)
        for a in range(M):
            ca, La, oa = self.codes[a], self.n_levels[a], self._offsets[a]
            G[oa:oa + La, oa:oa + La] = np.diag(np.bincount(ca, weights=w0, minlength=La))
            for b in range(a + 1, M):
                cb, Lb, ob = self.codes[b], self.n_levels[b], self._offsets[b]
                block = np.bincount(ca * Lb + cb, weights=w0, minlength=La * Lb).reshape(La, Lb)
                G[oa:oa + La, ob:ob + Lb] = block
                G[ob:ob + Lb, oa:oa + La] = block.T
        if self.X is not None:
            q0 = self._offsets[-1]
            if M:
                G[q0:, :q0] = self._cross(self.X)[:q0].T
                G[:q0, q0:] = G[q0:, :q0].T
            G[q0:, q0:] = (self.X * w0[:, None]).T @ self.X
        return G

    def fitted(self, z: np.ndarray) -> np.ndarray:
        """Fitted values of the w0-weighted regression of each column of z on the margins."""
        beta = self._ginv @ self._cross(z)
        out = np.zeros_like(z)
        for m, c in enumerate(self.codes):
            a = self._offsets[m]
            out += beta[a:a + self.n_levels[m]][c]
        if self.X is not None:
            out += self.X @ beta[self._offsets[-1]:]
        return out

    def residualize(self, z: np.ndarray) -> np.ndarray:
        """Residuals of each column of z (n × k) on the calibration variables."""
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            return (z[:, None] - self.fitted(z[:, None]))[:, 0]
        return z - self.fitted(z)


class Design:
    """A survey design: weights, strata, one-stage clusters (PSUs) and fpc.

    Parameters
    ----------
    data : pandas.DataFrame, or a path, glob, folder, DuckDB relation or Ibis table
        Respondent-level data (not copied, never modified). Anything but a DataFrame gives an
        :class:`~cxresearch.sampling.engine.EngineDesign`: the rows stay in DuckDB (files),
        on their DuckDB connection or on the Ibis table's backend (Spark, a warehouse), and
        estimators bring back aggregates only.
    weights : str or array-like, optional
        Sampling (or analysis) weights; non-negative, finite. Default: unit weights, or
        ``N_h / n_h`` when only ``fpc`` is given (as ``svydesign`` derives them).
    strata : str or array-like, optional
        Stratum of each row. Default: one stratum.
    psu : str or array-like, optional
        Primary sampling unit (cluster) of each row; PSUs are nested within strata
        (``svydesign(nest=TRUE)``). Default: each row is its own PSU.
    fpc : str or array-like, optional
        Finite population correction, constant within strata: either the population number of
        PSUs in the stratum (all values ≥ 1) or the sampling fraction (all values ≤ 1), as in
        ``svydesign(fpc=)``. Default: sampling with replacement (no correction).
    lonely_psu : {"fail", "adjust", "certainty", "remove", "average"}
        What to do with a stratum that has a single PSU (``options(survey.lonely.psu)``):
        ``"fail"`` (default) raises ``ValueError``; ``"certainty"`` and ``"remove"`` let it
        contribute no variance; ``"adjust"`` uses its PSU total centred at zero (the grand
        mean of a centred score); ``"average"`` replaces its contribution by the average of
        the other strata. A stratum whose fpc says every PSU was sampled is a certainty
        stratum and contributes zero variance in every mode.
    calibration : Calibration or sequence of Calibration, optional
        Set by :func:`cxresearch.rake`; scores are residualized on it before summing.

    Attributes
    ----------
    data : pandas.DataFrame
    weights : numpy.ndarray of float
    n : int
        Number of rows.
    df : int
        Design degrees of freedom, number of PSUs minus number of strata (``degf``).
    has_calibration : bool
    srs : bool
        True for a plain simple random sample with unit weights (``as_design`` of a frame).

    References
    ----------
    Lumley (2010), *Complex Surveys*, ch. 2; ``survey::svydesign``, ``survey::svyrecvar``.

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 4], "h": ["a", "a", "b", "b"], "w": [2.0, 2, 3, 3]})
    >>> des = Design(d, weights="w", strata="h")
    >>> des.df
    2
    >>> # In R: svydesign(ids=~1, strata=~h, weights=~w, data=d)
    """

    def __new__(cls, data=None, *args, **kwargs):
        # a path, glob, folder, DuckDB relation or Ibis table: the rows stay in the engine
        if (cls is Design and not isinstance(data, pd.DataFrame) and is_engine_source(data)
                and ENGINE["factory"] is not None):
            return ENGINE["factory"](data, *args, **kwargs)
        return super().__new__(cls)

    def __init__(self, data, weights=None, strata=None, psu=None, fpc=None, *,
                 lonely_psu: str = "fail", calibration=None):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
        if lonely_psu not in _LONELY:
            raise ValueError(f"lonely_psu must be one of {_LONELY}, got {lonely_psu!r}")
        self.data = data
        self.n = n = len(data)
        if n == 0:
            raise ValueError("data has no rows; a design needs at least one respondent")
        self.lonely_psu = lonely_psu
        self.spec = {"weights": weights if isinstance(weights, str) else None,
                     "strata": strata if isinstance(strata, str) else None,
                     "psu": psu if isinstance(psu, str) else None,
                     "fpc": fpc if isinstance(fpc, str) else None}

        # strata
        s = _column(data, strata, "strata")
        if s is None:
            self._strata = np.zeros(n, dtype=np.intp)
            self.strata_levels = pd.Index(["(all)"])
        else:
            self._strata, self.strata_levels = _codes(s, "strata")
        H = len(self.strata_levels)

        # PSUs, nested within strata
        p = _column(data, psu, "psu")
        if p is None:
            self._psu = np.arange(n, dtype=np.intp)
            self._psu_stratum = self._strata.copy()
            self.psu_is_row = True
        else:
            pc, _ = _codes(p, "psu")
            key = self._strata.astype(np.int64) * (int(pc.max()) + 1) + pc
            dense = _dense_codes(key)
            self._psu = (np.unique(key, return_inverse=True)[1].astype(np.intp)
                         if dense is None else dense[0])
            P = int(self._psu.max()) + 1
            self._psu_stratum = np.zeros(P, dtype=np.intp)
            self._psu_stratum[self._psu] = self._strata
            self.psu_is_row = P == n
        P = len(self._psu_stratum)
        self.n_psu = P
        self._n_h = np.bincount(self._psu_stratum, minlength=H)

        # fpc -> f_h = (N_h - n_h) / N_h  (survey's onestrat "f")
        fp = _column(data, fpc, "fpc")
        self.has_fpc = fp is not None
        if fp is None:
            self._f_h = np.ones(H)
            self._N_h = np.full(H, np.inf)
        else:
            fv = pd.to_numeric(fp, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            if not np.all(np.isfinite(fv)) or np.any(fv <= 0):
                raise ValueError("fpc must be positive and finite in every row")
            lo = np.full(H, np.inf)
            hi = np.full(H, -np.inf)
            np.minimum.at(lo, self._strata, fv)
            np.maximum.at(hi, self._strata, fv)
            self._N_h = population_sizes(lo, hi, self._n_h, self.strata_levels)
            self._f_h = (self._N_h - self._n_h) / self._N_h

        # weights
        wv = _column(data, weights, "weights")
        if wv is None:
            if fp is not None:
                w = (self._N_h / self._n_h)[self._strata]
            else:
                w = np.ones(n)
        else:
            w = check_weights(wv, "row")
            if not np.any(w > 0):
                raise ValueError("weights are all zero")
        self.weights = np.ascontiguousarray(w, dtype=float)
        self.srs = weights is None and strata is None and psu is None and fpc is None

        # lonely PSUs
        lonely = (self._n_h == 1) & (self._f_h > 1e-7)
        self._lonely_h = lonely
        if lonely.any() and lonely_psu == "fail":
            names = ", ".join(repr(x) for x in self.strata_levels[lonely][:5])
            raise ValueError(
                f"stratum {names} has only one PSU, so its variance cannot be estimated; "
                "pass lonely_psu='adjust', 'certainty', 'remove' or 'average' "
                "(as options(survey.lonely.psu=...) in R)")
        self.df = int(P - H)

        if calibration is None:
            self._calibrations: tuple[Calibration, ...] = ()
        elif isinstance(calibration, Calibration):
            self._calibrations = (calibration,)
        else:
            self._calibrations = tuple(calibration)
        for c in self._calibrations:
            if len(c.w0) != n:
                raise ValueError("calibration does not match the number of rows")

    # ------------------------------------------------------------------ helpers
    @property
    def has_calibration(self) -> bool:
        return bool(self._calibrations)

    @property
    def calibrations(self) -> tuple[Calibration, ...]:
        return self._calibrations

    def __repr__(self) -> str:
        parts = [f"n={self.n}", f"strata={len(self.strata_levels)}", f"psu={self.n_psu}",
                 f"df={self.df}"]
        if self.has_fpc:
            parts.append("fpc")
        if self.has_calibration:
            parts.append("calibrated")
        return f"Design({', '.join(parts)})"

    def with_weights(self, weights, calibration=None) -> Design:
        """A copy of this design with new weights (and an added calibration, if given)."""
        new = object.__new__(Design)
        new.__dict__.update(self.__dict__)
        w = check_weights(weights)
        if w.shape != (self.n,):
            raise ValueError(f"weights must have shape ({self.n},), got {w.shape}")
        new.weights = np.ascontiguousarray(w)
        new.srs = False
        new.spec = dict(self.spec, weights=None)
        if calibration is not None:
            new._calibrations = self._calibrations + (calibration,)
        return new

    def domain_df(self, mask) -> int:
        """Degrees of freedom of a domain: PSUs minus strata with a respondent in it.

        Matches ``degf()`` of a subsetted design in ``survey`` (rows with zero weight are
        not counted), which ``svyby(..., svyciprop)`` uses for each group.
        """
        m = np.asarray(mask, dtype=bool) & (self.weights > 0)
        if not m.any():
            return 0
        psus = np.unique(self._psu[m])
        return int(len(psus) - len(np.unique(self._psu_stratum[psus])))

    def column(self, name: str) -> pd.Series:
        """A column of the data, with a clear error when it is absent."""
        if name not in self.data.columns:
            raise ValueError(f"{name!r} is not a column of the design's data")
        return self.data[name]

    # ------------------------------------------------------------------ variance
    def residualize(self, z) -> np.ndarray:
        """Apply the calibration residualization (identity for uncalibrated designs)."""
        z = np.asarray(z, dtype=float)
        for c in self._calibrations:
            z = c.residualize(z)
        return z

    def total_variance(self, z) -> np.ndarray:
        """Linearized covariance matrix of the weighted totals Σ wᵢ zᵢ.

        Parameters
        ----------
        z : array of shape (n,) or (n, k)
            Scores (influence functions before weighting). Rows outside a domain must be
            zero (``svyby`` semantics); NaN is not allowed.

        Returns
        -------
        numpy.ndarray of shape (k, k)

        Notes
        -----
        ``V = Σ_h (1 - n_h/N_h) n_h/(n_h - 1) Σ_i (t_hi - t̄_h)(t_hi - t̄_h)'`` with ``t_hi``
        the PSU totals of ``wᵢ zᵢ`` (after calibration residualization), as
        ``survey::svyrecvar`` for a one-stage design.
        """
        z = np.asarray(z, dtype=float)
        if z.ndim == 1:
            z = z[:, None]
        if z.ndim != 2 or z.shape[0] != self.n:
            raise ValueError(f"z must have {self.n} rows, got shape {z.shape}")
        if not np.all(np.isfinite(z)):
            raise ValueError("scores contain NaN or infinite values; zero them outside the "
                             "domain instead")
        z = self.residualize(z)
        return self.weighted_total_variance(z * self.weights[:, None])

    def weighted_total_variance(self, u: np.ndarray) -> np.ndarray:
        """:meth:`total_variance` from the weighted scores ``u = w z`` (n × k floats, finite),
        which it overwrites: for an estimator that forms them in a buffer of its own (a
        regression's scores on a million rows). ``z`` must already be residualized on a
        calibrated design; ``u`` in column order (F) keeps the column passes contiguous."""
        if u.ndim != 2 or u.shape[0] != self.n:
            raise ValueError(f"u must have {self.n} rows, got shape {u.shape}")
        t = u if self._psu_identity() else psu_totals(self._psu, u, self.n_psu)
        scale_h, centred = self._stratum_scales()
        return psu_variance(t, self._psu_stratum, self._n_h, scale_h, centred,
                            self._average_factor())

    def _psu_identity(self) -> bool:
        """Every row its own PSU, numbered in row order (the PSU totals are the rows); asked
        once per design."""
        if "_psu_is_identity" not in self.__dict__:
            self._psu_is_identity = self.psu_is_row and bool(
                np.all(self._psu[1:] - self._psu[:-1] == 1) and self._psu[0] == 0)
        return self._psu_is_identity

    def _stratum_scales(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-stratum factor ``(1 - f_h) n_h / (n_h - 1)`` and whether PSU totals are centred
        at the stratum mean (not for a lonely PSU under ``lonely_psu="adjust"``)."""
        return stratum_scales(self._n_h, self._f_h, self._lonely_h, self.lonely_psu)

    def _average_factor(self) -> float:
        return average_factor(self._lonely_h, self.lonely_psu)

    def group_total_variance(self, groups, G) -> np.ndarray:
        """:meth:`total_variance` of scores that depend on a row's group only.

        The scores are ``z_i = G[groups_i]``; a row to leave out gets a group whose row of
        ``G`` is zero. Equal to ``total_variance(G[groups])``, but when every row is its own
        PSU and the design is not calibrated it needs only the stratum × group sums of ``w``
        and ``w²`` — ``Σ_h s_h (Σ_i t_i t_i' − n_h m_h m_h')`` with ``t_i = w_i G[g_i]`` — and
        never forms the n × k score matrix (the contingency-table tests on a million rows
        spend most of their time allocating such matrices otherwise). Other designs take the
        general route.

        Parameters
        ----------
        groups : int array of shape (n,)
            Group code of each row, 0..L-1.
        G : array of shape (L, k)
            Score of each group.
        """
        g = np.asarray(groups, dtype=np.intp)
        G = np.asarray(G, dtype=float)
        if G.ndim == 1:
            G = G[:, None]
        if g.shape != (self.n,):
            raise ValueError(f"groups must have shape ({self.n},), got {g.shape}")
        L = G.shape[0]
        if g.size and (g.min() < 0 or g.max() >= L):
            raise ValueError(f"groups must be codes 0..{L - 1} indexing the rows of G")
        if not np.all(np.isfinite(G)):
            raise ValueError("scores contain NaN or infinite values")
        if self.has_calibration or not self.psu_is_row:
            return self.total_variance(G[g])
        H = len(self.strata_levels)
        key = self._strata * L + g
        w = self.weights
        W1 = np.bincount(key, weights=w, minlength=H * L)
        W2 = np.bincount(key, weights=w * w, minlength=H * L)
        counts = np.bincount(key, minlength=H * L)
        cells = np.flatnonzero(counts)
        scale_h, centred = self._stratum_scales()
        return cell_variance(G[cells % L], W1[cells], W2[cells], cells // L, self._n_h,
                             scale_h, centred, self._average_factor(), freq=counts[cells])
