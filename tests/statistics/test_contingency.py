"""crosstab_test and two_by_two against R (tests/reference/rel_contingency.R) and invariants."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from support import fake_wave, r_reference, reference_csv

import cxresearch as cx
from cxresearch.errors import SmallCellWarning, UnorderedCategoryWarning
from cxresearch.sampling.design import Design

R = r_reference("rel_contingency")
LEV = ["Low", "Medium", "High"]


@pytest.fixture(scope="module")
def housing_long():
    h = reference_csv("rel_housing")
    for c in ("Sat", "Infl"):
        h[c] = pd.Categorical(h[c], categories=LEV, ordered=True)
    return h.loc[h.index.repeat(h["Freq"])].reset_index(drop=True)


@pytest.fixture(scope="module")
def housing_res(housing_long):
    return cx.crosstab_test(housing_long, "Sat", "Infl")


@pytest.fixture(scope="module")
def api():
    s = reference_csv("rel_apistrat")
    c = reference_csv("rel_apiclus1")
    return (Design(s, weights="pw", strata="stype", fpc="fpc"),
            Design(c, weights="pw", psu="dnum", fpc="fpc"))


def _t(res, name, col="statistic"):
    return float(res.tests.set_index("test").loc[name, col])


def test_housing_counts_and_classical_tests(housing_res):
    assert_allclose(housing_res.counts.to_numpy(), R["housing_table"])  # integer counts: exact
    # closed-form statistics, same arithmetic as R: 1e-10 relative
    assert_allclose(_t(housing_res, "pearson_chisq"), R["chisq"]["statistic"], rtol=1e-10)
    assert_allclose(_t(housing_res, "pearson_chisq", "p_value"), R["chisq"]["p"], rtol=1e-8)
    assert _t(housing_res, "pearson_chisq", "df") == R["chisq"]["df"]
    assert_allclose(_t(housing_res, "likelihood_ratio"), R["assocstats"]["lr"], rtol=1e-10)
    assert_allclose(_t(housing_res, "cramers_v"), R["assocstats"]["cramer"], rtol=1e-10)


def test_housing_residuals(housing_res):
    res = housing_res.residuals
    assert_allclose(res["expected"].to_numpy().reshape(3, 3), R["chisq"]["expected"], rtol=1e-10)
    assert_allclose(res["pearson_residual"].to_numpy().reshape(3, 3), R["chisq"]["residuals"],
                    rtol=1e-10)
    assert_allclose(res["adjusted_residual"].to_numpy().reshape(3, 3), R["chisq"]["stdres"],
                    rtol=1e-10)


def test_housing_gamma_tau_b_lbl(housing_res):
    o = R["ordinal"]
    # point estimates are ratios of pair counts: 1e-10; ASEs are closed forms: 1e-8
    assert_allclose(_t(housing_res, "gamma"), o["gamma"], rtol=1e-10)
    assert_allclose(_t(housing_res, "gamma", "se"), o["gamma_ase"], rtol=1e-8)
    assert_allclose(_t(housing_res, "kendall_tau_b"), o["tau_b"], rtol=1e-10)
    assert_allclose(_t(housing_res, "kendall_tau_b", "se"), o["tau_b_ase"], rtol=1e-8)
    assert_allclose(_t(housing_res, "linear_by_linear"), R["lbl"]["M2"], rtol=1e-10)
    assert_allclose(_t(housing_res, "linear_by_linear", "p_value"), R["lbl"]["p"], rtol=1e-8)
    # coin's lbl_test (permutation-conditional variance) gives z² = (N - 1) r² too
    assert_allclose(R["lbl"]["coin_z"] ** 2, _t(housing_res, "linear_by_linear"), rtol=1e-8)


def test_unordered_gets_no_trend_tests(housing_long):
    df = housing_long.assign(Sat=housing_long["Sat"].astype(str))
    res = cx.crosstab_test(df, "Sat", "Infl")
    assert "gamma" not in set(res.tests["test"])
    assert_allclose(_t(res, "pearson_chisq"), R["chisq"]["statistic"], rtol=1e-10)


@pytest.mark.parametrize("key,design,row,col", [
    ("strat_stype_ell4", 0, "stype", "ell4"),
    ("strat_stype_schwide", 0, "stype", "sch.wide"),
    ("clus1_stype_ell4", 1, "stype", "ell4"),
    ("clus1_awards_both", 1, "awards", "both"),
])
def test_svychisq_all_statistics(api, key, design, row, col):
    ref = R["svychisq"][key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = cx.crosstab_test(api[design], row, col)
    # the design computations are linear algebra on the same totals as survey: 1e-8 relative
    tol = 1e-8
    pairs = {"Chisq": "rao_scott_chisq", "F": "rao_scott_f", "Wald": "wald",
             "adjWald": "adj_wald"}
    for rname, name in pairs.items():
        stat = np.ravel(ref[rname]["statistic"])[0]
        assert_allclose(_t(res, name), stat, rtol=tol, err_msg=name)
        assert_allclose(_t(res, name, "p_value"), np.ravel(ref[rname]["p"])[0], rtol=1e-7,
                        err_msg=name)
    par = np.ravel(ref["F"]["parameter"])
    assert_allclose([_t(res, "rao_scott_f", "df"), _t(res, "rao_scott_f", "df2")], par,
                    rtol=tol)
    assert res.primary == "rao_scott_f" and res.p_value == _t(res, "rao_scott_f", "p_value")


def test_svytable(api):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = cx.crosstab_test(api[0], "stype", "ell4")
    assert_allclose(res.counts.to_numpy(), R["svytable_strat"], rtol=1e-12)


def test_unit_weight_design_equals_srs_chisq(housing_long):
    """Invariant: SRS design with unit weights -> Rao-Scott X² equals Pearson X², and the
    design effects are close to one so F ~ X²/df."""
    res = cx.crosstab_test(Design(housing_long), "Sat", "Infl")
    assert_allclose(_t(res, "rao_scott_chisq"), R["chisq"]["statistic"], rtol=1e-10)
    # with-replacement SRS: delta_k = N/(N-1) * ... close to 1; F within 1% of X²/4
    assert_allclose(_t(res, "rao_scott_f"), R["chisq"]["statistic"] / 4, rtol=1e-2)


def test_small_cell_warning_and_missing_rows():
    df = pd.DataFrame({"a": ["x"] * 20 + ["y"] * 3 + [None] * 2,
                       "b": ["p", "q"] * 10 + ["p", "q", "p"] + ["p", "q"]})
    with pytest.warns(SmallCellWarning, match="expected counts"):
        res = cx.crosstab_test(df, "a", "b")
    assert res.n == 23 and res.n_dropped == 2
    assert "2 row(s) with missing" in res.tests.loc[0, "method"]


def test_crosstab_bad_input():
    df = pd.DataFrame({"a": ["x", "y"], "b": ["p", "p"]})
    with pytest.raises(ValueError, match="col='nope'"):
        cx.crosstab_test(df, "a", "nope")
    with pytest.raises(ValueError, match="at least two levels"):
        cx.crosstab_test(df, "a", "b")
    with pytest.raises(TypeError, match="d must be a Design, a pandas DataFrame or a Wave"):
        cx.crosstab_test([1, 2], "a", "b")


# ------------------------------------------------------------------------------- two by two
def _m(res, name, col="estimate"):
    return float(res.set_index("measure").loc[name, col])


def _close_uniroot(actual, desired):
    """R's fisher.test finds the CMLE and the CI bounds with uniroot (absolute tolerance
    eps^0.25 ~ 1.2e-4) on psi when psi < 1 and on 1/psi when psi > 1; scipy solves more
    tightly. Compare on the scale R solved on, with twice R's tolerance."""
    for a, d in zip(np.ravel(actual), np.ravel(desired), strict=True):
        if d > 1:
            a, d = 1 / a, 1 / d
        assert abs(a - d) < 2.5e-4, (a, d)


def test_two_by_two_table_against_r():
    res = cx.two_by_two(table=[[30, 70], [10, 90]])
    w = R["wald22"]
    assert list(res.columns) == ["measure", "estimate", "se", "ci_low", "ci_high", "p_value",
                                 "n", "n_eff", "deff", "method"]
    assert_allclose(_m(res, "risk_ratio"), w["rr"], rtol=1e-12)
    assert_allclose(_m(res, "risk_ratio", "se"), w["rr"] * w["rr_se_log"], rtol=1e-12)
    assert_allclose(_m(res, "odds_ratio", "ci_low"),
                    np.exp(np.log(w["or"]) - 1.959963984540054 * w["or_se_log"]), rtol=1e-10)
    assert_allclose(_m(res, "risk_difference", "se"), w["rd_se"], rtol=1e-12)
    f = R["fisher"]
    _close_uniroot(_m(res, "odds_ratio_cmle"), f["or"])
    _close_uniroot([_m(res, "odds_ratio_cmle", "ci_low"), _m(res, "odds_ratio_cmle", "ci_high")],
                   f["ci"])
    assert_allclose(_m(res, "odds_ratio_cmle", "p_value"), f["p"], rtol=1e-8)
    assert "log scale" in res.set_index("measure").loc["odds_ratio", "method"]


def test_fisher_small_table():
    f = R["fisher_small"]
    t = np.array(f["table"])
    res = cx.two_by_two(table=t)
    _close_uniroot(_m(res, "odds_ratio_cmle"), f["or"])
    _close_uniroot([_m(res, "odds_ratio_cmle", "ci_low"), _m(res, "odds_ratio_cmle", "ci_high")],
                   f["ci"])
    assert_allclose(_m(res, "odds_ratio_cmle", "p_value"), f["p"], rtol=1e-8)


def test_two_by_two_from_data_equals_table():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"x": rng.random(400) < 0.4, "y": rng.integers(0, 2, 400)})
    res = cx.two_by_two(df, "x", "y")
    a = int((df.x & (df.y == 1)).sum())
    b = int((df.x & (df.y == 0)).sum())
    c = int((~df.x & (df.y == 1)).sum())
    d = int((~df.x & (df.y == 0)).sum())
    res2 = cx.two_by_two(table=[[a, b], [c, d]])
    assert_allclose(res[["estimate", "se", "p_value"]].to_numpy(dtype=float),
                    res2[["estimate", "se", "p_value"]].to_numpy(dtype=float), rtol=1e-12)


def test_two_by_two_design_against_svycontrast(api):
    dc = api[1]
    dfc = dc.data.assign(ex=dc.data["stype"] == "E")
    des = Design(dfc, weights="pw", psu="dnum", fpc="fpc")
    res = cx.two_by_two(des, "ex", "sch.wide", event="Yes")
    s = R["svy22"]
    # linearization with the same scores as svycontrast's delta method: 1e-8 relative
    assert_allclose(np.log(_m(res, "risk_ratio")), s["log_rr"][0], rtol=1e-10)
    assert_allclose(_m(res, "risk_ratio", "se") / _m(res, "risk_ratio"), s["log_rr"][1],
                    rtol=1e-8)
    assert_allclose(np.log(_m(res, "odds_ratio")), s["log_or"][0], rtol=1e-10)
    assert_allclose(_m(res, "odds_ratio", "se") / _m(res, "odds_ratio"), s["log_or"][1],
                    rtol=1e-8)
    assert_allclose(_m(res, "risk_difference"), s["rd"][0], rtol=1e-10)
    assert_allclose(_m(res, "risk_difference", "se"), s["rd"][1], rtol=1e-8)
    assert np.isnan(_m(res, "odds_ratio_cmle"))
    assert (res["deff"].iloc[:3] > 0).all()


def test_frequency_weights_point_estimates_equal_expanded():
    """Invariant: weights 2 give the same point estimates as each row twice."""
    df = pd.DataFrame({"x": [1, 1, 1, 0, 0, 0, 0, 1], "y": [1, 0, 1, 0, 1, 0, 0, 0],
                       "w": [2.0] * 8})
    r1 = cx.two_by_two(Design(df, weights="w"), "x", "y")
    r2 = cx.two_by_two(pd.concat([df, df]), "x", "y")
    assert_allclose(r1["estimate"].iloc[:3], r2["estimate"].iloc[:3], rtol=1e-12)


def test_two_by_two_bad_input():
    with pytest.raises(ValueError, match="2 x 2"):
        cx.two_by_two(table=[[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError, match="non-negative"):
        cx.two_by_two(table=[[1, -2], [4, 5]])
    df = pd.DataFrame({"x": ["a", "b", "c"], "y": [1, 0, 1]})
    with pytest.raises(ValueError, match="exposed="):
        cx.two_by_two(df, "x", "y")
    with pytest.raises(ValueError, match="either table"):
        cx.two_by_two(df, "x", "y", table=[[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="conf_level"):
        cx.two_by_two(table=[[1, 2], [3, 4]], conf_level=95)


def test_zero_cell_correction_is_stated():
    res = cx.two_by_two(table=[[5, 0], [3, 7]])
    assert "+0.5 added" in res.set_index("measure").loc["odds_ratio", "method"]
    assert np.isfinite(_m(res, "odds_ratio"))


def test_svychisq_raked_design(api):
    """Raked cluster design: Rao-Scott and Wald statistics with calibration residuals, against
    survey::calibrate(calfun = "raking") (rake() gives the same numbers on this design)."""
    des = cx.rake(api[1], {"stype": {"E": 4421, "H": 755, "M": 1018},
                           "sch.wide": {"No": 1072, "Yes": 5122}})
    ref = R["svychisq_raked"]["calibrate"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = cx.crosstab_test(des, "ell4", "comp.imp")
    # raking converges to ~1e-8 relative on the weights (R: epsilon 1e-12, ours tol 1e-8),
    # which bounds the agreement of the statistics: 1e-6 relative
    for rname, name in {"Chisq": "rao_scott_chisq", "F": "rao_scott_f", "Wald": "wald",
                        "adjWald": "adj_wald"}.items():
        assert_allclose(_t(res, name), np.ravel(ref[rname]["statistic"])[0], rtol=1e-6,
                        err_msg=name)
        assert_allclose(_t(res, name, "p_value"), np.ravel(ref[rname]["p"])[0], rtol=1e-6,
                        err_msg=name)


def test_forced_order_on_unordered_warns(housing_long):
    df = housing_long.assign(Sat=housing_long["Sat"].cat.as_unordered())
    with pytest.warns(UnorderedCategoryWarning, match="no declared order"):
        res = cx.crosstab_test(df, "Sat", "Infl", ordered=True)
    assert_allclose(_t(res, "gamma"), R["ordinal"]["gamma"], rtol=1e-10)


def test_wave_like_input_uses_its_design(api):
    """A Wave is analysed through its design."""
    wave = fake_wave(api[1].data, None, {"synthetic": False}, design=lambda: api[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallCellWarning)
        res = cx.crosstab_test(wave, "awards", "both")
    ref = R["svychisq"]["clus1_awards_both"]["F"]
    assert_allclose(_t(res, "rao_scott_f"), ref["statistic"], rtol=1e-8)
