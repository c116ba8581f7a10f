"""Model-frame plumbing of :func:`cxresearch.regress` (private).

Formula parsing (formulaic), column preparation (nullable dtypes to float, text to
categoricals with the reference level first), outcome coding per family, the model matrix
(with a direct route for additive formulas of plain columns), the refusal of constant and
collinear columns, the weighted least-squares solve, and link helpers.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from formulaic import Formula
from scipy import linalg, special, stats

from cxresearch.statistics.design.resolve import refuse_infinite

__all__: list[str] = []


def split_formula(outcome, predictors, frame):
    """(outcome column, right-hand side formula) from a formula or a column + list."""
    if not isinstance(outcome, str):
        raise TypeError(f"outcome must be a column name or a formula string, "
                        f"got {type(outcome).__name__}")
    if "~" in outcome:
        if predictors is not None:
            raise ValueError("give either a formula in outcome ('y ~ a + b') or predictors=[...]"
                             f", not both (predictors={predictors!r})")
        lhs, rhs = outcome.split("~", 1)
        lhs = lhs.strip().strip("`")
        if not rhs.strip():
            raise ValueError(f"formula {outcome!r} has no right-hand side")
        return lhs, rhs.strip()
    if predictors is None:
        raise ValueError("predictors is required when outcome is a column name "
                         "(or pass a formula such as 'y ~ a + b')")
    if isinstance(predictors, str):
        predictors = [predictors]
    predictors = list(predictors)
    if not predictors:
        raise ValueError("predictors is empty; give at least one predictor column")
    for p in predictors:
        if not isinstance(p, str):
            raise TypeError(f"predictors must be column names, got {p!r}")
        if p not in frame.columns:
            raise ValueError(f"predictors: {p!r} is not a column of the data; columns are "
                             f"{list(frame.columns)[:30]}")
    return outcome, " + ".join(f"`{p}`" for p in predictors)


def _plain_float(s: pd.Series) -> bool:
    """A numpy float64 column: its values are usable as they are (NaN for missing)."""
    return isinstance(s.dtype, np.dtype) and s.dtype == np.float64


def prepare_column(s: pd.Series, name: str, ref, *, finite_checked: bool = False):
    """A column formulaic can encode: float64 with NaN, or a Categorical (reference first).

    ±inf in a numeric column is refused, unless ``finite_checked`` says the caller refuses it
    (:func:`present` does, with the mask of present values it needs anyway)."""
    if isinstance(s.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)) \
            or ref is not None:
        if isinstance(s.dtype, pd.CategoricalDtype):
            used = set(pd.unique(s.dropna()))
            levels = [c for c in s.cat.categories if c in used]
            ordered = bool(s.cat.ordered)
        else:
            levels = sorted(pd.unique(s.dropna()).tolist(), key=str)
            ordered = False
        if ref is not None:
            if ref not in levels:
                raise ValueError(f"reference[{name!r}]={ref!r} is not a level of {name!r} "
                                 f"({levels})")
            levels = [ref] + [v for v in levels if v != ref]
        return pd.Categorical(np.asarray(s.astype(object)), categories=levels), levels, ordered
    if _plain_float(s):
        v = s.to_numpy()   # the data's own values: read, never written
    elif pd.api.types.is_bool_dtype(s.dtype):
        v = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    else:
        v = s.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    if not finite_checked:
        refuse_infinite(v, f"column {name!r}")
    return v, None, False


def present(v, what: str) -> np.ndarray:
    """Mask of the present values of a prepared column (a Categorical's non-missing codes, a
    float array's finite values); ±inf is refused (:func:`refuse_infinite`), so that the
    mask's complement is exactly the missing values."""
    if isinstance(v, pd.Categorical):
        return v.codes >= 0
    m = np.isfinite(v)
    if not m.all():
        refuse_infinite(v, what)
    return m


def outcome_values(s: pd.Series, name: str, family: str, event):
    """The outcome as float64 (NaN for missing) and its mask of present values, checked
    against the family (0/1 or proportions for binomial, counts for poisson)."""
    if event is not None:
        if family != "binomial":
            raise ValueError(f"event= is for family='binomial', got family={family!r}")
        y = np.where(s.isna().to_numpy(), np.nan,
                     (s == event).fillna(False).to_numpy(dtype=bool).astype(float))
        if not (s == event).fillna(False).any():
            raise ValueError(f"event={event!r} never occurs in outcome {name!r}")
        return y, np.isfinite(y)
    if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
        levels = pd.unique(s.dropna()).tolist()[:10]
        raise ValueError(f"outcome {name!r} is not numeric (dtype {s.dtype}, values {levels}); "
                         "for a binary outcome pass family='binomial', event=<the level that "
                         "counts as 1>")
    y = s.to_numpy() if _plain_float(s) else \
        s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    m = present(y, f"outcome {name!r}")
    if family == "gaussian":
        return y, m
    f = y[m]
    if family == "binomial" and (np.any(f < 0) or np.any(f > 1)):
        raise ValueError(f"outcome {name!r} must be 0/1 (or a proportion) for family="
                         f"'binomial'; values range {f.min():g}..{f.max():g}; pass event=")
    if family == "poisson" and np.any(f < 0):
        raise ValueError(f"outcome {name!r} must be non-negative for family='poisson'; "
                         f"minimum is {f.min():g}")
    return y, m


def check_matrix(X: np.ndarray, names: list[str], wX: np.ndarray) -> np.ndarray:
    """Refuse constant predictors and collinear columns, naming them; return X'WX.

    Collinearity is judged on the column-equilibrated weighted Gram matrix (k x k, so no
    n x k decomposition): an eigenvalue below 1e-12 of the largest (condition number of the
    equilibrated model matrix above 1e6) is a (near-)exact linear dependence.
    """
    G = wX.T @ X
    has_int = bool(names) and names[0] == "(Intercept)"
    if has_int:
        # candidates from the weighted variances in G (no pass over the rows), each
        # confirmed exactly on its column
        sw = G[0, 0]
        m = G[0] / sw
        var = np.diag(G) / sw - m**2
        candidates = np.flatnonzero(var <= 1e-10 * np.maximum(m**2, 1e-300))
        for j in candidates[candidates > 0]:
            col = X[:, j]
            if np.ptp(col) == 0:
                raise ValueError(f"predictor column {names[j]!r} is constant ({col[0]:g}) in "
                                 "the rows used; drop it (a constant cannot be estimated next "
                                 "to the intercept)")
    refuse_collinear(G, names)
    return G


def refuse_collinear(G: np.ndarray, names: list[str]) -> None:
    """Refuse a weighted Gram matrix ``G = X'WX`` whose column-equilibrated form has an
    eigenvalue below 1e-12 of the largest, naming the columns involved (shared by the
    in-memory and the engine routes of ``regress``)."""
    d = np.sqrt(np.diag(G))
    d[d == 0] = 1.0
    Gs = G / np.outer(d, d)

    def deficient(M):
        ev = np.linalg.eigvalsh(M)
        return ev.min() < 1e-12 * max(ev.max(), 1e-300)

    if deficient(Gs):
        involved = [names[j] for j in range(len(names))
                    if not deficient(np.delete(np.delete(Gs, j, 0), j, 1))]
        raise ValueError(f"predictor columns {involved or names} are collinear (the model "
                         f"matrix is rank-deficient); drop one of them")


def model_matrix(rhs: str, columns: dict, rows, n_all: int, prep: dict, frame):
    """(formulaic model spec, model matrix as a float ndarray, whether it was assembled directly).

    ``columns`` holds each prepared predictor's ``n_all`` rows, ``rows`` the boolean mask of
    the rows used (``None``: all) and ``frame()`` builds the DataFrame of the rows used. The spec
    always comes from formulaic, learnt on the first 50 rows used. For an additive formula of
    plain columns (the list form) the matrix is then filled directly, float64 in column order
    (numeric columns as they are, treatment dummies against the first category), which skips
    formulaic's per-row materialization and any DataFrame on large data; the two are compared
    on those 50 rows. Other formulas (stateful transforms such as center(), scale(), splines
    must learn from all rows) go through formulaic on ``frame()``.
    """
    first = np.arange(min(50, n_all)) if rows is None else np.flatnonzero(rows)[:50]
    n = n_all if rows is None else int(np.count_nonzero(rows))
    try:
        head = pd.DataFrame({v: c[first] for v, c in columns.items()}, index=first)
        spec = Formula(rhs).get_model_matrix(head, na_action="raise", output="numpy").model_spec
        terms = [str(t) for t in spec.terms]
        if all(t == "1" or t in prep for t in terms) and n > 50:
            width = sum(1 if t == "1" or prep[t][0] is None else len(prep[t][0]) - 1
                        for t in terms)
            X = np.empty((n, width), order="F")   # column writes stay contiguous
            j = 0
            for t in terms:
                if t == "1":
                    X[:, j] = 1.0
                    j += 1
                elif prep[t][0] is None:
                    if rows is None:
                        X[:, j] = columns[t]
                    else:
                        np.compress(rows, columns[t], out=X[:, j])
                    j += 1
                else:
                    codes = columns[t].codes if rows is None else columns[t].codes[rows]
                    for lv in range(1, len(prep[t][0])):
                        np.equal(codes, lv, out=X[:, j], casting="unsafe")
                        j += 1
            check = np.asarray(spec.get_model_matrix(head, output="numpy"), dtype=float)
            if X.shape[1] == check.shape[1] and np.array_equal(X[:len(head)], check):
                return spec, X, True
        mm = Formula(rhs).get_model_matrix(frame(), na_action="raise", output="numpy")
    except Exception as exc:  # formulaic raises several types for a bad formula
        raise ValueError(f"cannot build the model matrix for {rhs!r}: {exc}") from None
    return mm.model_spec, np.asarray(mm, dtype=float), False


def wls(X, y, wX, G):
    d = np.sqrt(np.diag(G))
    d[d == 0] = 1.0
    cf = linalg.cho_factor(G / np.outer(d, d))

    def solve(rhs):
        return linalg.cho_solve(cf, rhs / d) / d

    b = solve(wX.T @ y)
    return b + solve(wX.T @ (y - X @ b))


def inverse_link(family, eta):
    if family == "binomial":
        return special.expit(eta)
    if family == "poisson":
        return np.exp(eta)
    return eta


def dmu(family, eta):
    if family == "binomial":
        p = special.expit(eta)
        return p * (1 - p)
    if family == "poisson":
        return np.exp(eta)
    return np.ones_like(eta)


def pvalue(stat, df):
    stat = np.abs(np.asarray(stat, dtype=float))
    return 2 * (stats.t.sf(stat, df) if np.isfinite(df) else stats.norm.sf(stat))


def parse_formula(frame, outcome, predictors=None, reference=None):
    """Outcome name, right-hand side, the columns it uses, and the checked references."""
    yname, rhs = split_formula(outcome, predictors, frame)
    if yname not in frame.columns:
        raise ValueError(f"outcome {yname!r} is not a column of the data; columns are "
                         f"{list(frame.columns)[:30]}")
    try:
        variables = set(Formula(rhs).required_variables)
    except Exception as exc:  # formulaic parse errors have several types
        raise ValueError(f"cannot parse the formula right-hand side {rhs!r}: {exc}") from None
    # formulaic does not list the arguments of stateful transforms (center(x)); add every
    # name or backticked name of the formula that is a column
    tokens = re.findall(r"`([^`]+)`|([A-Za-z_.][A-Za-z0-9_.]*)", rhs)
    cols = set(map(str, frame.columns))
    variables = sorted(variables | {a or b for a, b in tokens if (a or b) in cols})
    unknown = [v for v in variables if v not in frame.columns]
    if unknown:
        raise ValueError(f"the formula uses {unknown}, which are not columns of the data")
    reference = dict(reference or {})
    bad_ref = [k for k in reference if k not in variables]
    if bad_ref:
        raise ValueError(f"reference names {bad_ref}, which are not predictors ({variables})")
    return yname, rhs, variables, reference
