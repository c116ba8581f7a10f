"""mean / total / proportion / proportion_ci against R's survey, binom.test and prop.test
(tests/reference/survey_core.R), plus invariants.

Tolerances: estimates, SEs and deffs are closed-form sums, identical to survey's up to
rounding (rtol 1e-9). Interval end points go through t/beta quantile functions, which differ
between R and scipy in the last digits (rtol 1e-7). The JSON holds 15 significant digits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.sampling.design import Design
from cxresearch.statistics.estimates.domains import COLUMNS

REF = r_reference("survey_core")
EXACT, QUANT = 1e-9, 1e-7



def _r(x):
    return np.ravel(np.asarray(x, dtype=float))


@pytest.fixture(scope="module")
def dstrat():
    return Design(reference_csv("apistrat"), weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1():
    return Design(reference_csv("apiclus1"), weights="pw", psu="dnum", fpc="fpc")


def test_mean_two_variables_with_deff(dstrat):
    r = cx.mean(dstrat, ["api00", "enroll"])
    ref = REF["strat"]["mean"]
    assert list(r.columns) == ["item", *COLUMNS]
    np.testing.assert_allclose(r["estimate"], _r(ref["est"]), rtol=EXACT)
    np.testing.assert_allclose(r["se"], _r(ref["se"]), rtol=EXACT)
    np.testing.assert_allclose(r["deff"], _r(ref["deff"]), rtol=EXACT)
    # n_eff is Kish's (issue 26), the same in estimates, banners and tracking:
    # In R: sum(weights(dstrat))^2 / sum(weights(dstrat)^2)
    w = reference_csv("apistrat")["pw"].to_numpy()  # the data's weights (dstrat: maybe an engine)
    np.testing.assert_allclose(r["n_eff"], w.sum() ** 2 / (w**2).sum(), rtol=EXACT)


def test_mean_ci_uses_design_df_by_default_and_normal_on_request(dstrat):
    r = cx.mean(dstrat, "api00")
    np.testing.assert_allclose([r.ci_low[0], r.ci_high[0]],
                               [REF["strat"]["mean_ci_t"]["lo"], REF["strat"]["mean_ci_t"]["hi"]],
                               rtol=QUANT)
    assert "df=197" in r.method[0]
    z = cx.mean(dstrat, "api00", df=np.inf)
    np.testing.assert_allclose([z.ci_low[0], z.ci_high[0]],
                               [REF["strat"]["mean_ci_z"]["lo"], REF["strat"]["mean_ci_z"]["hi"]],
                               rtol=QUANT)


def test_total_with_deff_and_ci(dstrat):
    r = cx.total(dstrat, "enroll")
    ref = REF["strat"]["total"]
    np.testing.assert_allclose(r.estimate, _r(ref["est"]), rtol=EXACT)
    np.testing.assert_allclose(r.se, _r(ref["se"]), rtol=EXACT)
    np.testing.assert_allclose(r.deff, _r(ref["deff"]), rtol=EXACT)
    np.testing.assert_allclose([r.ci_low[0], r.ci_high[0]],
                               [REF["strat"]["total_ci_t"]["lo"], REF["strat"]["total_ci_t"]["hi"]],
                               rtol=QUANT)


@pytest.mark.parametrize("fn,key,var", [(cx.mean, "by_schwide", "api00"),
                                        (cx.total, "by_schwide_total", "enroll")])
def test_domains_match_svyby(dstrat, fn, key, var):
    r = fn(dstrat, var, by="sch.wide")
    ref = REF["strat"][key]
    assert list(r["sch.wide"]) == ref["groups"]
    np.testing.assert_allclose(r.estimate, _r(ref["est"]), rtol=EXACT)
    np.testing.assert_allclose(r.se, _r(ref["se"]), rtol=EXACT)
    np.testing.assert_allclose(r.deff, _r(ref["deff"]), rtol=EXACT)
    assert list(r.columns[:2]) == ["sch.wide", "item"]


def test_cluster_design_means_totals_domains(dclus1):
    c = REF["clus1"]
    m = cx.mean(dclus1, "api00")
    np.testing.assert_allclose([m.estimate[0], m.se[0], m.deff[0]],
                               [c["mean"]["est"], _r(c["mean"]["se"])[0],
                                _r(c["mean"]["deff"])[0]], rtol=EXACT)
    t = cx.total(dclus1, "enroll")
    np.testing.assert_allclose([t.estimate[0], t.se[0], t.deff[0]],
                               [c["total"]["est"], _r(c["total"]["se"])[0],
                                _r(c["total"]["deff"])[0]], rtol=EXACT)
    b = cx.mean(dclus1, "api00", by="stype")
    np.testing.assert_allclose(b.estimate, c["by_stype"]["est"], rtol=EXACT)
    np.testing.assert_allclose(b.se, c["by_stype"]["se"], rtol=EXACT)
    np.testing.assert_allclose(b.deff, c["by_stype"]["deff"], rtol=EXACT)


def test_no_fpc_deff_uses_estimated_population(dclus1):
    d = Design(dclus1.data, weights="pw", psu="dnum")
    m = cx.mean(d, "api00")
    ref = REF["clus1"]["mean_nofpc"]
    np.testing.assert_allclose([m.se[0], m.deff[0]], [_r(ref["se"])[0], _r(ref["deff"])[0]],
                               rtol=EXACT)


def test_factor_proportions_match_svymean(dstrat):
    r = cx.proportion(dstrat, "awards")
    ref = REF["strat"]["awards"]
    assert list(r.level) == ["No", "Yes"]
    np.testing.assert_allclose(r.estimate, _r(ref["est"]), rtol=EXACT)
    np.testing.assert_allclose(r.se, _r(ref["se"]), rtol=EXACT)
    np.testing.assert_allclose(r.deff, _r(ref["deff"]), rtol=EXACT)


@pytest.mark.parametrize("method", ["logit", "beta", "mean"])
def test_svyciprop_methods_stratified_and_cluster(dstrat, dclus1, method):
    for des, key, var in ((dstrat, "strat", "sch.wide"), (dclus1, "clus1", "both")):
        r = cx.proportion(des, var, level="Yes", ci_method=method)
        ref = REF[key]["ciprop"][method]
        np.testing.assert_allclose(r.estimate[0], ref["est"], rtol=EXACT)
        np.testing.assert_allclose(r.se[0], ref["se"], rtol=EXACT)
        np.testing.assert_allclose([r.ci_low[0], r.ci_high[0]], [ref["lo"], ref["hi"]],
                                   rtol=QUANT)


def test_svyby_svyciprop_domain_df_on_request(dstrat, dclus1):
    # svyby(..., svyciprop) uses each domain's own df: df="domain" (the default is the whole
    # design's df, tests/test_scales_nps.py)
    for des, key, var, meth in ((dstrat, "by_stype_beta", "sch.wide", "beta"),
                                (dstrat, "by_stype_logit", "awards", "logit")):
        r = cx.proportion(des, var, level="Yes", by="stype", ci_method=meth, df="domain")
        ref = REF["strat"][key]
        np.testing.assert_allclose(r.estimate, ref["est"], rtol=EXACT)
        np.testing.assert_allclose(r.ci_low, ref["lo"], rtol=QUANT)
        np.testing.assert_allclose(r.ci_high, ref["hi"], rtol=QUANT)
    r = cx.proportion(dclus1, "sch.wide", level="Yes", by="stype", df="domain")
    ref = REF["clus1"]["by_stype_logit"]
    np.testing.assert_allclose(r.ci_low, ref["lo"], rtol=QUANT)
    np.testing.assert_allclose(r.ci_high, ref["hi"], rtol=QUANT)
    assert [dclus1.domain_df(dclus1.data.stype == s) for s in "EHM"] == REF["clus1"][
        "by_stype_df"]


def test_unit_weights_equal_unweighted_answers():
    srs = reference_csv("apisrs")
    for d in (srs, Design(srs, weights=np.ones(len(srs)))):
        r = cx.mean(d, "api00")
        np.testing.assert_allclose(r.estimate[0], REF["srs"]["unweighted"]["mean"], rtol=1e-12)
        np.testing.assert_allclose(r.se[0], REF["srs"]["unweighted"]["se"], rtol=EXACT)
        np.testing.assert_allclose(r.deff[0], 1.0, rtol=1e-12)
    r = cx.proportion(srs, "sch.wide", level="Yes", ci_method="logit")
    ref = REF["srs"]["ciprop_logit"]
    np.testing.assert_allclose([r.se[0], r.ci_low[0], r.ci_high[0]],
                               [ref["se"], ref["lo"], ref["hi"]], rtol=QUANT)


def test_frequency_weights_equal_expanded_rows():
    rng = np.random.default_rng(7)
    d = pd.DataFrame({"y": rng.normal(size=40), "g": rng.choice(["a", "b", "c"], 40),
                      "f": rng.integers(1, 5, 40)})
    ex = d.loc[d.index.repeat(d.f)].reset_index(drop=True)
    for fn in (cx.mean, cx.total):
        a = fn(Design(d, weights="f"), "y", by="g")
        b = fn(ex, "y", by="g")
        np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-12)
    a = cx.proportion(Design(d, weights="f"), "g")
    np.testing.assert_allclose(a.estimate, cx.proportion(ex, "g").estimate, rtol=1e-12)


def test_missing_values_are_left_out_like_na_rm():
    d = pd.DataFrame({"y": [1.0, np.nan, 3.0, 5.0], "g": pd.array(["a", "b", None, "a"])})
    r = cx.mean(d, "y")
    assert r.n[0] == 3 and r.estimate[0] == pytest.approx(3.0)
    p = cx.proportion(d, "g")
    assert p.n.tolist() == [3, 3] and p.estimate.tolist() == pytest.approx([2 / 3, 1 / 3])


def test_proportion_of_a_condition_and_boolean_column():
    d = pd.DataFrame({"x": [1, 5, 4, 2, 5], "ok": [True, False, True, True, pd.NA]})
    d["ok"] = d["ok"].astype("boolean")
    r = cx.proportion(d, d["x"] >= 4)
    assert r.estimate[0] == pytest.approx(0.6) and bool(r.level[0]) is True
    b = cx.proportion(d, "ok")
    assert b.n[0] == 4 and b.estimate[0] == pytest.approx(0.75)


def test_proportion_plain_methods_on_srs_equal_counts_and_effective_n_on_designs(dstrat):
    srs = reference_csv("apisrs")
    x = int((srs["sch.wide"] == "Yes").sum())
    for m in ("wilson", "clopper-pearson", "jeffreys", "agresti-coull"):
        r = cx.proportion(srs, "sch.wide", level="Yes", ci_method=m)
        c = cx.proportion_ci(x, len(srs), m)
        np.testing.assert_allclose([r.ci_low[0], r.ci_high[0]], [c.ci_low[0], c.ci_high[0]],
                                   rtol=1e-12)
    r = cx.proportion(dstrat, "sch.wide", level="Yes", ci_method="wilson")
    assert "effective n" in r.method[0]


def test_empty_domain_and_bad_input_errors():
    d = pd.DataFrame({"y": [np.nan, np.nan, 1.0], "g": ["a", "a", "b"], "s": ["u", "v", "w"]})
    with pytest.raises(ValueError, match=r"empty domain.*g='a'"):
        cx.mean(d, "y", by="g")
    with pytest.raises(TypeError, match="not numeric"):
        cx.mean(d, "s")
    with pytest.raises(ValueError, match="not a column"):
        cx.mean(d, "zz")
    with pytest.raises(ValueError, match="'q' is not a level"):
        cx.proportion(d, "g", level="q")
    with pytest.raises(ValueError, match="ci_method"):
        cx.proportion(d, "g", ci_method="exact")
    with pytest.raises(ValueError, match="conf_level must be a number in the open interval"):
        cx.mean(d, "y", conf_level=95)  # checked before any estimate (no warning first)


@pytest.mark.parametrize("key", list(REF["plain"]))
def test_proportion_ci_plain_counts(key):
    ref = REF["plain"][key]
    x, n = int(ref["x"]), int(ref["n"])
    for method, rkey in (("clopper-pearson", "clopper_pearson"), ("wilson", "wilson"),
                         ("agresti-coull", "agresti_coull"), ("jeffreys", "jeffreys")):
        r = cx.proportion_ci(x, n, method)
        lo, hi = ref[rkey]
        if method == "jeffreys" and x == 0:
            lo = 0.0  # statsmodels sets the lower end to 0 at x = 0 (Brown et al. 2001)
        if method == "jeffreys" and x == n:
            hi = 1.0
        np.testing.assert_allclose([r.ci_low[0], r.ci_high[0]], [lo, hi], rtol=QUANT, atol=1e-14)
        assert r.estimate[0] == pytest.approx(x / n)


def test_proportion_ci_vectorized_and_errors():
    r = cx.proportion_ci([1, 2, 3], 10)
    assert len(r) == 3 and list(r.columns[:2]) == ["x", "estimate"]
    with pytest.raises(ValueError, match="0 <= x <= n"):
        cx.proportion_ci(11, 10)
    with pytest.raises(ValueError, match="need a design"):
        cx.proportion_ci(1, 10, "logit")


@pytest.mark.parametrize("engine", [False, True])
def test_a_by_column_without_any_answer_is_refused_by_name(engine):
    import ibis

    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": [np.nan] * 4, "k": ["a", "b", "a", "b"]})
    d = cx.Design(ibis.memtable(df)) if engine else df
    for call in (lambda: cx.mean(d, "y", by="g"), lambda: cx.proportion(d, "k", by="g"),
                 lambda: cx.total(d, "y", by=["k", "g"])):
        with pytest.raises(ValueError, match=r"by=.*has no answer in any of the 4 rows"):
            call()
