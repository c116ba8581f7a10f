"""Multiple testing: adjusted p-values and a family of tests reported together.

The adjustments are R's ``p.adjust`` procedures. Holm and Benjamini-Hochberg, which banners
and trackers apply to many small families, are computed here in numpy (statsmodels'
``multipletests`` runs ``gc.collect()`` on every call, about 0.2 s in a large session); the
other methods are ``statsmodels.stats.multitest.multipletests``. NaN p-values stay out of the
family, as in ``p.adjust``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from cxresearch.statistics.design.params import check

__all__ = ["TestFamily", "adjust_pvalues"]

_METHODS = {
    "holm": "holm", "hochberg": "simes-hochberg", "hommel": "hommel",
    "bonferroni": "bonferroni", "bh": "fdr_bh", "fdr": "fdr_bh", "fdr_bh": "fdr_bh",
    "by": "fdr_by", "fdr_by": "fdr_by", "none": None,
}


def adjust_pvalues(p, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple testing.

    Parameters
    ----------
    p : array-like of float
        Raw p-values; NaN values stay NaN and do not count towards the number of tests.
    method : str
        ``"holm"``, ``"hochberg"``, ``"hommel"``, ``"bonferroni"``, ``"BH"`` (also ``"fdr"``,
        ``"fdr_bh"``), ``"BY"`` (``"fdr_by"``) or ``"none"``; case-insensitive, R's names.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.

    References
    ----------
    Holm (1979); Hochberg (1988); Benjamini & Hochberg (1995); Benjamini & Yekutieli (2001).

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], "BH").round(3).tolist()
    [0.03, 0.04, 0.04]
    >>> # In R: p.adjust(c(0.01, 0.04, 0.03), "BH")
    """
    if not isinstance(method, str) or method.lower() not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    if p is None or isinstance(p, str | bytes | dict):
        raise TypeError(f"p must be a sequence of p-values, got {type(p).__name__}")
    try:
        arr = np.array(p, dtype=float, copy=True).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"p must be numbers (p-values), got {p!r:.80}") from None
    bad = ~np.isnan(arr) & ((arr < 0) | (arr > 1))
    if bad.any():
        raise ValueError(f"p must lie in [0, 1]; got {arr[bad][:5].tolist()}")
    out = np.full(arr.shape, np.nan)
    ok = ~np.isnan(arr)
    m = _METHODS[method.lower()]
    if m is None or not ok.any():
        out[ok] = arr[ok]
        return out
    out[ok] = _step(arr[ok], m) if m in ("holm", "fdr_bh") else multipletests(arr[ok],
                                                                             method=m)[1]
    return out


def _step(p: np.ndarray, method: str) -> np.ndarray:
    """Holm's step-down or Benjamini-Hochberg's step-up adjustment of finite p-values."""
    m = len(p)
    order = np.argsort(p, kind="stable")
    ps = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(ps * (m - np.arange(m)))
    else:
        adj = np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


@dataclass
class TestFamily:
    """A family of tests whose p-values are adjusted together.

    Examples
    --------
    >>> fam = TestFamily("ownership claims")
    >>> _ = fam.add("CEO vs others: NPS", 0.012, test="wald")
    >>> _ = fam.add("no owner lowest", 0.04)
    >>> fam.table("holm")[["name", "p_value", "p_adjusted"]].round(3).values.tolist()
    [['CEO vs others: NPS', 0.012, 0.024], ['no owner lowest', 0.04, 0.04]]
    >>> # In R: p.adjust(c(0.012, 0.04), "holm")
    """

    __test__ = False  # not a pytest test class

    label: str = ""
    _rows: list[dict] = field(default_factory=list)

    def add(self, name: str, p_value=None, **info) -> TestFamily:
        """Add a test by name.

        ``p_value`` is a float, or a result of ``crosstab_test`` (its primary test), or a
        DataFrame with a ``p_value`` column (one entry per row, named ``name: test`` when it
        has a ``test``/``measure``/``term`` column). Other keywords (``statistic``, ``df``,
        ``method``, ``estimate``, ...) are kept as columns.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if any(r["name"] == name for r in self._rows):
            raise ValueError(f"a test named {name!r} is already in the family")
        if hasattr(p_value, "tests") and hasattr(p_value, "primary"):
            row = p_value.tests.set_index("test").loc[p_value.primary]
            info = {"test": p_value.primary, "statistic": row["statistic"], "df": row["df"],
                    "method": row["method"], **info}
            p_value = row["p_value"]
        if isinstance(p_value, pd.DataFrame):
            if "p_value" not in p_value.columns:
                raise ValueError("a DataFrame given as p_value needs a 'p_value' column")
            key = next((c for c in ("test", "measure", "term", "contrast")
                        if c in p_value.columns), None)
            for i, rec in enumerate(p_value.to_dict("records")):
                sub = f"{name}: {rec[key]}" if key else f"{name} [{i}]"
                extra = {k: v for k, v in rec.items() if k != "p_value"}
                self.add(sub, rec["p_value"], **{**extra, **info})
            return self
        try:
            p = float(p_value)
        except (TypeError, ValueError):
            raise TypeError(f"p_value of {name!r} must be a number, got {p_value!r}") from None
        if not (np.isnan(p) or 0 <= p <= 1):
            raise ValueError(f"p_value of {name!r} must lie in [0, 1], got {p}")
        self._rows.append({"name": name, "p_value": p, **info})
        return self

    def __len__(self) -> int:
        return len(self._rows)

    def table(self, p_adjust: str = "holm", alpha: float = 0.05) -> pd.DataFrame:
        """All tests with ``p_adjusted`` (by ``p_adjust``, any :func:`adjust_pvalues` method)
        and ``reject`` at ``alpha``."""
        check("alpha", alpha)
        method = p_adjust
        df = pd.DataFrame(self._rows)
        if df.empty:
            return pd.DataFrame(columns=["family", "name", "p_value", "p_adjusted", "method",
                                         "reject"])
        df.insert(0, "family", self.label)
        df["p_adjusted"] = adjust_pvalues(df["p_value"].to_numpy(), method)
        df["adjustment"] = f"{method} over {int(df['p_value'].notna().sum())} tests"
        df["reject"] = df["p_adjusted"] < alpha
        return df
