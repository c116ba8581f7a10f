"""ordinal_logit against MASS::polr, ordinal::clm, survey::svyolr and a hand-written Brant test
(tests/reference/rel_ordinal.R), plus invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.sampling.design import Design

R = r_reference("rel_ordinal")
LMH = ["Low", "Medium", "High"]


@pytest.fixture(scope="module")
def housing():
    h = reference_csv("rel_housing")
    h["Sat"] = pd.Categorical(h["Sat"], LMH, ordered=True)
    h["Infl"] = pd.Categorical(h["Infl"], LMH)
    h["Type"] = pd.Categorical(h["Type"], ["Tower", "Apartment", "Atrium", "Terrace"])
    h["Cont"] = pd.Categorical(h["Cont"], ["Low", "High"])
    return h


@pytest.fixture(scope="module")
def fit_w(housing):
    return cx.ordinal_logit(housing, "Sat", ["Infl", "Type", "Cont"], weights="Freq")


def _check_polr(res, ref, est_atol=2e-5, se_rtol=2e-4):
    """polr maximizes with optim(BFGS, reltol 1e-8) and differentiates the Hessian numerically
    (optimHess): its estimates carry ~1e-6 of optimizer noise and its SEs ~1e-5 relative;
    our Newton fit converges to 1e-9, so the tolerances below are R's, with a margin."""
    est = res.table.set_index("term")
    for k, v in {**ref["coef"], **ref["zeta"]}.items():
        assert_allclose(est.loc[k, "estimate"], v, atol=est_atol, err_msg=k)
    for k, v in ref["se"].items():
        assert_allclose(est.loc[k, "se"], v, rtol=se_rtol, err_msg=k)
    assert_allclose(res.loglik, ref["loglik"], rtol=1e-9)
    assert_allclose(res.aic, ref["aic"], rtol=1e-9)


def test_polr_housing_weighted(fit_w):
    _check_polr(fit_w, R["polr_housing_weighted"])
    assert fit_w.converged and fit_w.nobs == 1681


def test_polr_housing_expanded_equals_weighted(housing, fit_w):
    long = housing.loc[housing.index.repeat(housing["Freq"])].reset_index(drop=True)
    res = cx.ordinal_logit(long, "Sat", ["Infl", "Type", "Cont"])
    _check_polr(res, R["polr_housing_expanded"])
    # invariant: frequency weights = expanded rows, to the Newton tolerance
    assert_allclose(res.table["estimate"], fit_w.table["estimate"], atol=1e-8)
    assert_allclose(res.table["se"], fit_w.table["se"], rtol=1e-8)
    assert_allclose(res.loglik, fit_w.loglik, rtol=1e-12)


def test_predicted_probabilities(housing, fit_w):
    pr = fit_w.predict(housing.iloc[:3])
    # probabilities from estimates that agree to ~1e-6: 1e-5 absolute
    assert_allclose(pr.to_numpy(), R["polr_housing_pred"], atol=1e-5)
    assert_allclose(pr.sum(axis=1), 1.0, rtol=1e-12)


def test_polr_probit(housing):
    res = cx.ordinal_logit(housing, "Sat", ["Infl", "Type", "Cont"], weights="Freq",
                           link="probit")
    _check_polr(res, R["polr_housing_probit"])
    assert res.table["odds_ratio"].isna().all()


def test_clm_housing_and_wine(fit_w):
    est = fit_w.table.set_index("term")
    ref = R["clm_housing"]
    # clm converges its Newton fit to gradient 1e-6 and uses the analytic Hessian: 1e-6 / 1e-5
    for k, v in ref["coef"].items():
        assert_allclose(est.loc[k, "estimate"], v, atol=1e-6, err_msg=k)
        assert_allclose(est.loc[k, "se"], ref["se"][k], rtol=1e-5, err_msg=k)
    wine = reference_csv("rel_wine")
    res = cx.ordinal_logit(wine, "rating", ["temp", "contact"])
    est = res.table.set_index("term")
    ref = R["clm_wine"]
    for k, v in ref["coef"].items():
        assert_allclose(est.loc[k, "estimate"], v, atol=1e-6, err_msg=k)
        assert_allclose(est.loc[k, "se"], ref["se"][k], rtol=1e-5, err_msg=k)
    assert_allclose(res.loglik, ref["loglik"], rtol=1e-10)
    assert_allclose(res.aic, ref["aic"], rtol=1e-10)
    # polr stops early on wine (its log-likelihood is 3e-9 below ours and clm's): looser
    _check_polr(res, R["polr_wine"], est_atol=5e-5, se_rtol=5e-4)
    # odds ratios: exp(beta) (polr sign convention: higher categories)
    assert_allclose(est.loc["tempwarm", "odds_ratio"], np.exp(ref["coef"]["tempwarm"]),
                    rtol=1e-5)
    # a binary logit of the wine data is separated (an empty cell): Brant is refused, stated
    assert np.isnan(res.po_test["statistic"].iloc[0])
    assert "separated" in res.po_test["method"].iloc[0]


def test_brant_housing(fit_w):
    po = fit_w.po_test.set_index("term")
    ref = R["brant_housing"]
    # same closed form on converged binary logits (glm: 1e-8 deviance tolerance): 1e-6
    assert_allclose(po.loc["omnibus", "statistic"], ref["omnibus"], rtol=1e-6)
    assert po.loc["omnibus", "df"] == ref["df"]
    assert_allclose(po.loc["omnibus", "p_value"], ref["p"], rtol=1e-6)
    assert set(po.index) == {"omnibus", "Infl", "Type", "Cont"}


@pytest.mark.parametrize("key,kind", [("svyolr_clus1", "clus"), ("svyolr_strat", "strat")])
def test_svyolr(key, kind):
    name = "rel_apiclus1.csv" if kind == "clus" else "rel_apistrat.csv"
    df = reference_csv(name)
    df["mealcat"] = pd.cut(df["meals"], [0, 25, 50, 75, 100], include_lowest=True)
    des = (Design(df, weights="pw", psu="dnum", fpc="fpc") if kind == "clus"
           else Design(df, weights="pw", strata="stype", fpc="fpc"))
    res = cx.ordinal_logit(des, "mealcat", ["ell", "mobility", "stype"],
                           reference={"stype": "E"})
    ref = R[key]
    est = res.table.set_index("term")
    ours = list(est.index)
    # svyolr maximizes with optim (BFGS, reltol 1e-8) on a weighted likelihood whose scale is
    # the population size: its estimates agree with a converged Newton fit to ~2e-5 and its
    # sandwich SEs (evaluated at those estimates) to ~2e-4 relative
    for k, v in ref["coef"].items():
        k2 = k
        if "|" in k:  # R labels cut-points "[0,25]|(25,50]", pandas "(-0.001, 25.0]|..."
            j = [x for x in ref["coef"] if "|" in x].index(k)
            k2 = ours[j]
        assert_allclose(est.loc[k2, "estimate"], v, atol=5e-5, err_msg=k)
        assert_allclose(est.loc[k2, "se"], ref["se"][k], rtol=5e-4, err_msg=k)
    assert (res.table["deff"] > 0).all()
    assert res.po_test["method"].str.contains("design-based").all()


def test_unit_weight_design_same_estimates(fit_w, housing):
    long = housing.loc[housing.index.repeat(housing["Freq"])].reset_index(drop=True)
    res = cx.ordinal_logit(Design(long), "Sat", ["Infl", "Type", "Cont"])
    assert_allclose(res.table["estimate"], fit_w.table["estimate"], atol=1e-8)
    # sandwich and model-based SEs agree when the model holds (here within 10 %)
    assert_allclose(res.table["se"], fit_w.table["se"], rtol=0.1)


def test_reference_level_and_missing(housing):
    long = housing.loc[housing.index.repeat(housing["Freq"])].reset_index(drop=True)
    a = cx.ordinal_logit(long, "Sat", ["Infl"], po_test=False).coefficients \
        .set_index("term")["estimate"]
    b = cx.ordinal_logit(long, "Sat", ["Infl"], reference={"Infl": "High"},
                         po_test=False).coefficients.set_index("term")["estimate"]
    # invariant: changing the reference level re-expresses the same fit
    assert_allclose(b["InflLow"], -a["InflHigh"], atol=1e-8)
    assert_allclose(b["InflMedium"], a["InflMedium"] - a["InflHigh"], atol=1e-8)
    miss = long.copy()
    miss["Infl"] = miss["Infl"].astype(object)
    miss.loc[:4, "Infl"] = None
    res = cx.ordinal_logit(miss, "Sat", ["Infl"], po_test=False)
    assert res.n == len(long) - 5 and res.n_dropped == 5


def test_outcome_must_be_ordered(housing):
    h = housing.assign(S2=housing["Sat"].cat.as_unordered())
    with pytest.raises(ValueError, match="unordered categorical"):
        cx.ordinal_logit(h, "S2", ["Infl"], weights="Freq")
    h3 = housing.assign(S3=housing["Sat"].astype(str))
    with pytest.raises(ValueError, match="no order"):
        cx.ordinal_logit(h3, "S3", ["Infl"], weights="Freq")
    res = cx.ordinal_logit(h3, "S3", ["Infl"], weights="Freq", outcome_order=LMH,
                           po_test=False)
    assert res.levels == LMH
    with pytest.raises(ValueError, match="link must be"):
        cx.ordinal_logit(housing, "Sat", ["Infl"], link="cauchit")
    with pytest.raises(ValueError, match="reference"):
        cx.ordinal_logit(housing, "Sat", ["Infl"], reference={"Infl": "Huge"})
