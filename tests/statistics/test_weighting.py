"""rake / trim_weights / weight_summary against R's survey (tests/reference/survey_core.R).

Tolerances: raked weights converge to 1e-10 relative in both R and here, so weights and the
estimates built on them agree to ~1e-9; SEs of calibrated designs are the same linear algebra
(rtol 1e-8). survey::rake's own SEs use a 10-sweep backfitting approximation, so they are
compared at rtol 1e-3 when starting weights are unequal (they differ by ~7e-4 there).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.errors import ConvergenceWarning
from cxresearch.sampling.design import Design

REF = r_reference("survey_core")
TYPES = {"E": 4421, "H": 755, "M": 1018}
SCHWIDE = {"No": 1072, "Yes": 5122}



def _r(x):
    return float(np.ravel(x)[0])


@pytest.fixture(scope="module")
def raked_clus1():
    des = Design(reference_csv("apiclus1"), weights="pw", psu="dnum", fpc="fpc")
    return cx.rake(des, {"stype": TYPES, "sch.wide": SCHWIDE}, tol=1e-12)


def test_raked_weights_equal_rake_and_calibrate(raked_clus1):
    ref = REF["rake_clus1"]
    np.testing.assert_allclose(raked_clus1.weights, ref["weights"], rtol=1e-9)
    np.testing.assert_allclose(raked_clus1.weights, ref["cal_weights"], rtol=1e-9)
    info = raked_clus1.raking
    assert info.converged and info.max_margin_error < 1e-12 and 1 < info.iterations < 100
    assert raked_clus1.has_calibration and raked_clus1.df == 14


def test_raking_aware_ses_equal_calibrate_raking(raked_clus1):
    ref = REF["rake_clus1"]
    m = cx.mean(raked_clus1, "api00")
    np.testing.assert_allclose(m.estimate[0], ref["cal_mean"]["est"], rtol=1e-9)
    np.testing.assert_allclose(m.se[0], _r(ref["cal_mean"]["se"]), rtol=1e-8)
    # with equal starting weights within the margins' cells survey::rake agrees as well
    np.testing.assert_allclose(m.se[0], _r(ref["rake_mean"]["se"]), rtol=1e-8)
    t = cx.total(raked_clus1, "enroll")
    np.testing.assert_allclose(t.se[0], _r(ref["cal_total"]["se"]), rtol=1e-8)
    b = cx.mean(raked_clus1, "api00", by="stype")
    np.testing.assert_allclose(b.estimate, ref["cal_by_stype"]["est"], rtol=1e-9)
    np.testing.assert_allclose(b.se, ref["cal_by_stype"]["se"], rtol=1e-8)
    p = cx.proportion(raked_clus1, "awards", level="Yes")
    np.testing.assert_allclose([p.se[0], p.ci_low[0], p.ci_high[0]],
                               [ref["cal_ciprop_logit"][k] for k in ("se", "lo", "hi")],
                               rtol=1e-7)


def test_raking_changes_the_se(raked_clus1):
    # a variable explained by a margin: raking removes most of its sampling variance
    plain = Design(raked_clus1.data, weights=raked_clus1.weights, psu="dnum", fpc="fpc")
    a = cx.proportion(raked_clus1, "sch.wide", level="Yes").se[0]
    b = cx.proportion(plain, "sch.wide", level="Yes").se[0]
    assert a < 1e-8 < b


def test_stratified_start_calibrate_exact_rake_approximate():
    des = Design(reference_csv("apistrat"), weights="pw", strata="stype", fpc="fpc")
    r = cx.rake(des, {"sch.wide": {"No": 0.1730707, "Yes": 0.8269293},
                      "awards": {"No": 2027, "Yes": 4167}}, tol=1e-12)
    ref = REF["rake_strat"]
    # shares are scaled to the count margin's total (6194); 7-digit shares -> rtol 1e-6
    np.testing.assert_allclose(r.weights, ref["weights"], rtol=1e-6)
    r = cx.rake(des, {"sch.wide": SCHWIDE, "awards": {"No": 2027, "Yes": 4167}}, tol=1e-12)
    np.testing.assert_allclose(r.weights, ref["weights"], rtol=1e-9)
    m = cx.mean(r, "api00")
    np.testing.assert_allclose(m.se[0], _r(ref["cal_mean"]["se"]), rtol=1e-8)
    np.testing.assert_allclose(m.se[0], _r(ref["rake_mean"]["se"]), rtol=1e-3)
    assert abs(m.se[0] - _r(ref["rake_mean"]["se"])) > 1e-4  # the approximation is visible
    t = cx.total(r, "enroll")
    np.testing.assert_allclose(t.se[0], _r(ref["cal_total"]["se"]), rtol=1e-8)


def test_margins_are_met_from_dataframe_with_shares():
    rng = np.random.default_rng(11)
    d = pd.DataFrame({"a": rng.choice(list("xyz"), 500), "b": rng.choice(["p", "q"], 500),
                      "y": rng.normal(size=500)})
    des = cx.rake(d, {"a": {"x": 0.2, "y": 0.3, "z": 0.5}, "b": {"p": 0.6, "q": 0.4}},
                  total=1000)
    w = des.weights
    assert w.sum() == pytest.approx(1000)
    assert w[d.a.to_numpy() == "z"].sum() == pytest.approx(500, rel=1e-8)
    assert w[d.b.to_numpy() == "p"].sum() == pytest.approx(600, rel=1e-8)
    tab = des.raking.margins
    assert set(tab.columns) >= {"margin", "level", "target", "achieved", "rel_error"}
    assert tab.rel_error.abs().max() < 1e-8
    # shares without a total: scaled to the sum of the starting weights (here n)
    assert cx.rake(d, {"b": {"p": 0.6, "q": 0.4}}).weights.sum() == pytest.approx(500)


def test_categorical_and_numeric_levels():
    d = pd.DataFrame({"g": pd.Categorical(["lo", "hi", "hi", "lo"], categories=["lo", "hi"]),
                      "k": [1, 2, 2, 1]})
    des = cx.rake(d, {"g": {"lo": 3, "hi": 1}})
    np.testing.assert_allclose(des.weights, [1.5, 0.5, 0.5, 1.5])
    des = cx.rake(d, {"k": {1: 1, 2: 3}})
    np.testing.assert_allclose(des.weights, [0.5, 1.5, 1.5, 0.5])


def test_refusals():
    d = pd.DataFrame({"a": ["x", "x", "y"], "b": ["p", "q", "q"], "c": ["u", None, "v"]})
    with pytest.raises(ValueError, match=r"margin 'a': target level\(s\) \['z'\] have no resp"):
        cx.rake(d, {"a": {"x": 1, "y": 1, "z": 1}})
    with pytest.raises(ValueError, match=r"sample level\(s\) \['y'\] have no population target"):
        cx.rake(d, {"a": {"x": 1}})
    with pytest.raises(ValueError, match="disagree on the population total"):
        cx.rake(d, {"a": {"x": 10, "y": 10}, "b": {"p": 5, "q": 10}})
    with pytest.raises(ValueError, match="no value"):
        cx.rake(d, {"c": {"u": 1, "v": 1}})
    with pytest.raises(ValueError, match="positive"):
        cx.rake(d, {"a": {"x": 1, "y": -1}})
    with pytest.raises(ValueError, match="not a column"):
        cx.rake(d, {"zz": {"x": 1}})
    with pytest.raises(ValueError, match="non-negative"):
        cx.rake(d, {"a": {"x": 1, "y": 1}}, weights=[1.0, -1, 1])


def test_non_convergence_warns():
    # level x only occurs with p, yet x needs 1 while p may hold 0.1: the margins are
    # incompatible with the sample, IPF cannot meet both and stops at max_iter with a warning
    d = pd.DataFrame({"a": ["x", "y", "y"], "b": ["p", "p", "q"]})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        des = cx.rake(d, {"a": {"x": 1, "y": 1}, "b": {"p": 0.1, "q": 1.9}}, max_iter=5)
    assert any(issubclass(w.category, ConvergenceWarning) for w in rec)
    assert not des.raking.converged and des.raking.max_margin_error > 1e-8


def test_trim_weights_keeps_total_and_bounds():
    w = np.array([1.0, 2, 3, 10, 20])
    t = cx.trim_weights(w, upper=8)
    assert t.sum() == pytest.approx(w.sum()) and t.max() <= 8 + 1e-9
    # proportional spread keeps the ratios of the untrimmed weights
    assert t[1] / t[0] == pytest.approx(2.0)
    e = cx.trim_weights(pd.Series(w, name="w"), upper=2, relative=True)
    assert e.max() <= 2 * w.mean() + 1e-9 and "total kept" in e.attrs["method"]
    c = cx.trim_weights(w, upper=8, redistribute=False)
    np.testing.assert_allclose(c, [1, 2, 3, 8, 8])
    # as survey::trimWeights(strict=TRUE): equal additive shares (value from R, see docstring)
    np.testing.assert_allclose(cx.trim_weights([1.0, 2, 3, 10], upper=6, spread="equal"),
                               [7 / 3, 10 / 3, 13 / 3, 6])
    with pytest.raises(ValueError, match="cannot hold the total"):
        cx.trim_weights(w, upper=1)
    with pytest.raises(ValueError, match="non-negative"):
        cx.trim_weights([1.0, -1])


def test_trim_a_raked_design_keeps_its_calibration(raked_clus1):
    t = cx.trim_weights(raked_clus1, upper=50)
    assert isinstance(t, Design) and t.has_calibration
    assert t.weights.max() <= 50 + 1e-9
    assert t.weights.sum() == pytest.approx(raked_clus1.weights.sum())


def test_weight_summary_kish():
    w = np.array([1.0, 1, 2, 4])
    s = cx.weight_summary(w).iloc[0]
    assert s.deff_kish == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert s.deff_kish == pytest.approx(1 + s.cv**2)
    assert s.n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert (s["min"], s["max"], s["mean"], s["n"]) == (1.0, 4.0, 2.0, 4)
    unit = cx.weight_summary(np.ones(10)).iloc[0]
    assert unit.deff_kish == 1 and unit.n_eff == 10 and unit.cv == 0
