"""The in-memory route of cx.regress (issue 25, item 1): the fast path is the general one.

On a plain in-memory Design without calibration ``regress`` reads float64 columns in place,
fills the model matrix once and forms the weighted scores in the fit's spare buffer for
``Design.weighted_total_variance``; every other design (calibrated, an engine design's cells,
a subclass) takes ``total_variance`` on the score matrix. The two must give the same numbers
bit for bit — the same products, in the same order, in arrays of the same layout — so the
tolerance here is zero (``np.array_equal``), not a relative one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.sampling.design import Design


class _General(Design):
    """A Design that regress does not recognise as plain: it takes the general route."""


def _data(n=3000, seed=11):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(rng.normal(size=(n, 4)), columns=["x0", "x1", "x2", "x3"])
    d["h"] = rng.integers(0, 6, n)
    d["psu"] = d["h"] * 100 + rng.integers(0, 25, n)
    d["w"] = rng.uniform(1, 4, n)
    d["g"] = pd.Categorical(rng.choice(list("abc"), n))
    d["t"] = rng.choice(["u", "v"], n)
    d["y"] = d[["x0", "x1", "x2"]].to_numpy() @ [1.0, -0.5, 0.2] + rng.normal(size=n)
    d["yb"] = (d["y"] > 0).astype(float)
    d["fpc"] = 40.0
    return d


def _missing(d, seed=3):
    rng = np.random.default_rng(seed)
    d = d.copy()
    d.loc[rng.random(len(d)) < 0.05, "x1"] = np.nan
    d.loc[rng.random(len(d)) < 0.03, "y"] = np.nan
    d.loc[rng.random(len(d)) < 0.02, "w"] = 0.0
    return d


DESIGNS = {
    "strata": dict(weights="w", strata="h"),
    "psu": dict(weights="w", strata="h", psu="psu"),
    "psu_fpc": dict(weights="w", strata="h", psu="psu", fpc="fpc"),
    "weights_only": dict(weights="w"),
}
MODELS = [
    ("y", ["x0", "x1", "x2", "x3"], "gaussian"),
    ("y ~ x0 + x1 + g + t", None, "gaussian"),
    ("y ~ x0 * g + np.log(x2 ** 2 + 1)", None, "gaussian"),   # formulaic's own route
    ("yb ~ x0 + x1 + g", None, "binomial"),
]


def _same(a, b):
    ca, cb = a.coefficients, b.coefficients
    assert ca["term"].tolist() == cb["term"].tolist()
    for col in ["estimate", "se", "ci_low", "ci_high", "statistic", "df", "p_value"]:
        assert np.array_equal(ca[col].to_numpy(), cb[col].to_numpy()), col
    assert np.array_equal(a.vcov.to_numpy(), b.vcov.to_numpy())
    assert a.stats == b.stats
    assert a.method == b.method and a.notes == b.notes


@pytest.mark.parametrize("missing", [False, True], ids=["complete", "missing"])
@pytest.mark.parametrize("design", list(DESIGNS))
@pytest.mark.parametrize("outcome,predictors,family", MODELS)
def test_fast_path_equals_general_route_bit_for_bit(design, missing, outcome, predictors,
                                                    family):
    d = _missing(_data()) if missing else _data()
    fast = cx.regress(Design(d, **DESIGNS[design]), outcome, predictors, family=family)
    general = cx.regress(_General(d, **DESIGNS[design]), outcome, predictors, family=family)
    _same(fast, general)


@pytest.mark.parametrize("lonely", ["adjust", "certainty", "remove", "average"])
def test_lonely_psu_modes_take_the_fast_path_unchanged(lonely):
    d = _data()
    d.loc[d["h"] == 5, "psu"] = 500           # stratum 5: one PSU
    kw = dict(weights="w", strata="h", psu="psu", lonely_psu=lonely)
    _same(cx.regress(Design(d, **kw), "y", ["x0", "x1"]),
          cx.regress(_General(d, **kw), "y", ["x0", "x1"]))


@pytest.mark.parametrize("design", list(DESIGNS))
def test_weighted_total_variance_is_total_variance_of_the_weighted_scores(design):
    d = _data()
    des = Design(d, **DESIGNS[design])
    z = np.random.default_rng(2).normal(size=(len(d), 3))
    u = np.asfortranarray(z * des.weights[:, None])
    assert np.array_equal(des.weighted_total_variance(u), des.total_variance(z))


@pytest.mark.parametrize("shape", [(10, 2), (3000,), (2999, 2)])
def test_weighted_total_variance_refuses_a_wrong_shape(shape):
    des = Design(_data(), weights="w", strata="h")
    with pytest.raises(ValueError, match="u must have 3000 rows"):
        des.weighted_total_variance(np.zeros(shape))


def test_the_data_are_read_not_written():
    d = _missing(_data())
    before = d.copy()
    fit = cx.regress(Design(d, weights="w", strata="h"), "y", ["x0", "x1", "x2"])
    fit.predict()
    fit.marginal_effects()
    pd.testing.assert_frame_equal(d, before)


def test_predictions_of_the_rows_used_keep_their_positions():
    d = _missing(_data())
    fit = cx.regress(Design(d, weights="w", strata="h"), "y ~ x0 + x1 + g")
    used = d["y"].notna() & d["x1"].notna() & (d["w"] > 0)
    p = fit.predict()
    assert p.index.tolist() == np.flatnonzero(used.to_numpy()).tolist()
    b = fit.coefficients.set_index("term")["estimate"]
    rows = d[used]
    manual = (b["(Intercept)"] + b["x0"] * rows["x0"] + b["x1"] * rows["x1"]
              + b["g[T.b]"] * (rows["g"] == "b") + b["g[T.c]"] * (rows["g"] == "c"))
    np.testing.assert_allclose(p.to_numpy(), manual.to_numpy(), rtol=1e-12)
    assert p.equals(fit.predict())          # built once, the same the second time


@pytest.mark.parametrize("column,value,what", [
    ("x1", np.inf, "column 'x1'"), ("x1", -np.inf, "column 'x1'"),
    ("y", np.inf, "outcome 'y'"), ("y", -np.inf, "outcome 'y'"),
])
def test_infinite_values_are_refused_naming_the_column(column, value, what):
    d = _data()
    d.loc[7, column] = value
    with pytest.raises(ValueError, match=f"{what} has 1 infinite value"):
        cx.regress(Design(d, weights="w", strata="h"), "y", ["x0", "x1"])


@pytest.mark.parametrize("dtype", ["float32", "Float64", "Int64", "int64"])
def test_other_numeric_dtypes_give_the_float64_numbers(dtype):
    d = _data()
    d["k"] = np.random.default_rng(4).integers(0, 5, len(d))
    d2 = d.assign(k=d["k"].astype(dtype))
    a = cx.regress(Design(d.assign(k=d["k"].astype(float)), weights="w", strata="h"),
                   "y", ["x0", "k"])
    b = cx.regress(Design(d2, weights="w", strata="h"), "y", ["x0", "k"])
    _same(a, b)
