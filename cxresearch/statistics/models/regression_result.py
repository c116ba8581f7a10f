"""The result of :func:`cxresearch.regress`: coefficients, covariance, predictions and tests.

:class:`RegressionResult` follows the result protocol (``table``, ``notes``, ``summary()``) and
adds what a fitted model answers from its coefficients and covariance: ``predict()`` on new
rows, ``wald_test()`` (``survey::regTermTest``) and ``marginal_effects()`` (average marginal
effects with delta-method SEs). The engine route (``engine_linear``) returns the same class
without the rows, so ``predict()`` and ``marginal_effects()`` are not available there.

Examples
--------
>>> import numpy as np, pandas as pd, cxresearch as cx
>>> rng = np.random.default_rng(1)
>>> df = pd.DataFrame({"x": rng.normal(size=100), "w": rng.uniform(1, 3, 100)})
>>> df["y"] = 1 + 2 * df["x"] + rng.normal(size=100)
>>> fit = cx.regress(cx.Design(df, weights="w"), "y ~ x")
>>> fit.wald_test("x")["df1"].tolist()
[1]
>>> # In R: regTermTest(svyglm(y ~ x, svydesign(ids=~1, weights=~w, data=df)), ~x)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from cxresearch.statistics.design.results import Result
from cxresearch.statistics.models.frame import dmu, inverse_link, pvalue

__all__ = ["COEF_COLUMNS", "RegressionResult"]

COEF_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value",
                "method"]



@dataclass(repr=False)  # repr: Result.__repr__ (the summary)
class RegressionResult(Result):
    """What :func:`regress` returns (the result protocol: ``table``, ``notes``, ``summary()``).

    Attributes
    ----------
    table, coefficients : DataFrame
        The same tidy table: ``term, estimate, se, ci_low, ci_high, statistic, df, p_value,
        method`` (``coefficients`` is the models' customary name for it).
    vcov : DataFrame
        Covariance of the coefficients (link scale).
    stats : dict
        ``n`` (rows used), ``n_dropped``, ``sum_w``, ``df_residual``, ``design_df``, ``r2``
        (weighted, gaussian), ``adj_r2`` (gaussian without a design), ``deviance``,
        ``null_deviance``, ``aic`` and ``loglik`` (where defined: not under a design),
        ``dispersion``.
    notes : list of str
        What was left out or warned (rows with missing values, ...).
    """

    coefficients: pd.DataFrame
    vcov: pd.DataFrame
    stats: dict
    family: str
    method: str
    params: np.ndarray = field(repr=False)
    _spec: object = field(repr=False)
    _frame: object = field(repr=False)  # the rows used, or a function building them
    _w: np.ndarray = field(repr=False)
    _prep: dict = field(repr=False)
    _conf: float = 0.95
    _df_ci: float = np.inf
    notes: list = field(default_factory=list)

    @property
    def table(self) -> pd.DataFrame:
        return self.coefficients

    def _headline(self) -> str:
        r2 = self.stats.get("r2")
        return (f"{self.family} regression of {self.stats.get('outcome', 'the outcome')}: "
                f"n = {self.stats['n']}" + (f", R² = {r2:.3f}" if r2 is not None else ""))

    def _rows(self) -> pd.DataFrame | None:
        """The prepared predictors of the rows used (built on first use: most fits never
        predict, and a million-row frame costs a copy)."""
        if callable(self._frame):
            self._frame = self._frame()
        return self._frame

    def _matrix(self, data: pd.DataFrame) -> np.ndarray:
        return np.asarray(self._spec.get_model_matrix(data), dtype=float)

    def _newframe(self, newdata) -> pd.DataFrame:
        if not isinstance(newdata, pd.DataFrame):
            raise TypeError(f"newdata must be a DataFrame, got {type(newdata).__name__}")
        out = {}
        for v, (levels, _) in self._prep.items():
            if v not in newdata.columns:
                raise ValueError(f"newdata lacks the predictor column {v!r}")
            s = newdata[v]
            if levels is not None:
                bad = set(pd.unique(s.dropna())) - set(levels)
                if bad:
                    raise ValueError(f"newdata[{v!r}] has level(s) {sorted(map(str, bad))} "
                                     f"not seen in the fit ({levels})")
                out[v] = pd.Categorical(np.asarray(s.astype(object)), categories=levels)
            else:
                out[v] = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        return pd.DataFrame(out, index=newdata.index)

    def predict(self, newdata: pd.DataFrame | None = None, type: str = "response"
                ) -> pd.Series:
        """Predictions on the response scale (``type="response"``) or the link scale.

        Rows of ``newdata`` with a missing predictor are refused (ValueError).
        """
        if type not in ("response", "link"):
            raise ValueError(f"type must be 'response' or 'link', got {type!r}")
        frame = self._rows() if newdata is None else self._newframe(newdata)
        if newdata is not None and frame.isna().any().any():
            bad = frame.columns[frame.isna().any()].tolist()
            raise ValueError(f"newdata has missing values in {bad}")
        eta = self._matrix(frame) @ self.params
        mu = inverse_link(self.family, eta) if type == "response" else eta
        return pd.Series(mu, index=frame.index, name="prediction")

    def wald_test(self, term, ddf=None) -> pd.DataFrame:
        """Wald F test that all coefficients of a term are zero (``survey::regTermTest``).

        Parameters
        ----------
        term : str or list of str
            A model term as written in the formula (``"stype"``, ``"ell:stype"``) or a list
            of coefficient names from ``coefficients["term"]``.
        ddf : float, optional
            Denominator df. Default: the residual df (under a design: design df + 1 -
            #coefficients, as ``regTermTest``; for a GLM without a design: infinity, i.e. a
            chi-square test divided by its df).
        """
        names = self.coefficients["term"].tolist()
        if isinstance(term, str):
            idx = None
            for t, sl in self._spec.term_slices.items():
                if str(t) == term.replace(" ", "").replace("`", ""):
                    idx = list(range(sl.start, sl.stop))
            if idx is None and term in names:
                idx = [names.index(term)]
            if idx is None:
                raise ValueError(f"term={term!r} is not a term of the model; terms are "
                                 f"{[str(t) for t in self._spec.term_slices]}")
        else:
            miss = [t for t in term if t not in names]
            if miss:
                raise ValueError(f"term: {miss} are not coefficients ({names})")
            idx = [names.index(t) for t in term]
        b = self.params[idx]
        V = self.vcov.to_numpy()[np.ix_(idx, idx)]
        q = len(idx)
        F = float(b @ np.linalg.solve(V, b)) / q
        d2 = self.stats["df_residual"] if ddf is None else float(ddf)
        p = float(stats.f.sf(F, q, d2)) if np.isfinite(d2) else float(stats.chi2.sf(F * q, q))
        return pd.DataFrame({"term": [term if isinstance(term, str) else ", ".join(term)],
                             "statistic": [F], "df1": [q], "df2": [d2], "p_value": [p],
                             "method": [f"Wald F test ({self.method.split(';')[0]})"]})

    def marginal_effects(self, variables=None) -> pd.DataFrame:
        """Average marginal effects on the response scale with delta-method SEs.

        For a numeric variable the weighted mean over the rows used of d mu / d x (central
        difference through the model matrix, so interactions and transformations are
        included); for a categorical variable the weighted mean change in mu from the
        reference level to each other level. SEs: ``sqrt(G V G')`` with ``V`` the model's
        covariance (design-based under a design) — the AME conditional on the sample, as
        ``margins``/``marginaleffects`` compute it.
        """
        variables = list(self._prep) if variables is None else (
            [variables] if isinstance(variables, str) else list(variables))
        w = self._w
        W = w.sum()
        b = self.params
        V = self.vcov.to_numpy()
        rows, frame = [], self._rows()
        for v in variables:
            if v not in self._prep:
                raise ValueError(f"variables: {v!r} is not a predictor ({list(self._prep)})")
            levels = self._prep[v][0]
            pairs = []
            if levels is None:
                x = frame[v].to_numpy(dtype=float)
                h = 1e-5 * max(float(np.std(x)), 1e-8)
                lo, hi = frame.copy(), frame.copy()
                lo[v] = x - h
                hi[v] = x + h
                pairs.append((v, lo, hi, 2 * h))
            else:
                for lv in levels[1:]:
                    lo, hi = frame.copy(), frame.copy()
                    lo[v] = pd.Categorical([levels[0]] * len(lo), categories=levels)
                    hi[v] = pd.Categorical([lv] * len(hi), categories=levels)
                    pairs.append((f"{v}[{lv} vs {levels[0]}]", lo, hi, 1.0))
            for name, lo, hi, step in pairs:
                X0, X1 = self._matrix(lo), self._matrix(hi)
                e0, e1 = X0 @ b, X1 @ b
                m0, m1 = inverse_link(self.family, e0), inverse_link(self.family, e1)
                est = float(w @ (m1 - m0)) / (step * W)
                d0, d1 = dmu(self.family, e0), dmu(self.family, e1)
                G = ((w * d1) @ X1 - (w * d0) @ X0) / (step * W)
                rows.append((name, est, float(np.sqrt(G @ V @ G))))
        out = pd.DataFrame(rows, columns=["term", "estimate", "se"])
        df = self._df_ci
        crit = stats.t.ppf(0.5 + self._conf / 2, df) if np.isfinite(df) else \
            stats.norm.ppf(0.5 + self._conf / 2)
        out["ci_low"] = out["estimate"] - crit * out["se"]
        out["ci_high"] = out["estimate"] + crit * out["se"]
        out["statistic"] = out["estimate"] / out["se"]
        out["df"] = df
        out["p_value"] = pvalue(out["statistic"].to_numpy(), df)
        out["method"] = "average marginal effect, delta method; " + self.method
        return out[COEF_COLUMNS]
