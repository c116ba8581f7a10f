"""compare_groups against R (tests/reference/rel_groups.R): anova, oneway.test, kruskal.test,
TukeyHSD, pairwise.wilcox.test, and a design-based NPS difference (svyby + svycontrast)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.sampling.design import Design

R = r_reference("rel_groups")


@pytest.fixture(scope="module")
def chick():
    df = reference_csv("rel_chickwts")
    return cx.compare_groups(df, "weight", "feed")


def _t(res, name, col="statistic"):
    return float(res.tests.set_index("test").loc[name, col])


def test_anova_welch_kruskal(chick):
    a, w, k = R["anova"], R["welch"], R["kruskal"]
    # closed forms on the same sums of squares / ranks: 1e-10 (p-values 1e-8)
    assert_allclose(_t(chick, "anova"), a["F"], rtol=1e-10)
    assert_allclose(_t(chick, "anova", "p_value"), a["p"], rtol=1e-8)
    assert (_t(chick, "anova", "df"), _t(chick, "anova", "df2")) == (a["df1"], a["df2"])
    for e in ("eta2", "omega2", "epsilon2"):
        assert_allclose(_t(chick, "anova", e), a[e], rtol=1e-10, err_msg=e)
    assert_allclose(_t(chick, "welch_anova"), w["F"], rtol=1e-10)
    assert_allclose(_t(chick, "welch_anova", "df2"), w["df2"], rtol=1e-10)
    assert_allclose(_t(chick, "welch_anova", "p_value"), w["p"], rtol=1e-8)
    assert_allclose(_t(chick, "kruskal_wallis"), k["H"], rtol=1e-10)
    assert_allclose(_t(chick, "kruskal_wallis", "p_value"), k["p"], rtol=1e-8)
    assert_allclose(_t(chick, "kruskal_wallis", "epsilon2"), k["epsilon2"], rtol=1e-10)
    assert chick.primary == "anova" and chick.p_value == _t(chick, "anova", "p_value")


def test_tukey(chick):
    tk = R["tukey"]
    ph = chick.posthoc[chick.posthoc["test"] == "tukey_hsd"]
    pair = (ph["group2"] + "-" + ph["group1"]).tolist()
    assert pair == tk["pair"]
    assert_allclose(ph["estimate"], tk["diff"], rtol=1e-10)
    # studentized-range quantiles and probabilities: R ptukey/qtukey and scipy integrate
    # numerically (R to ~1e-6 relative for the quantile): 1e-5 on bounds, 1e-4 (abs 1e-7) on p
    assert_allclose(ph["ci_low"], tk["lwr"], rtol=1e-5)
    assert_allclose(ph["ci_high"], tk["upr"], rtol=1e-5)
    assert_allclose(ph["p_value"], tk["p"], rtol=1e-4, atol=1e-7)


def test_pairwise_wilcox_bh(chick):
    pw = R["pairwise_wilcox"]
    ph = chick.posthoc[chick.posthoc["test"] == "wilcoxon"].set_index(["group2", "group1"])
    for i, r in enumerate(pw["rows"]):
        for j, c in enumerate(pw["cols"]):
            if pw["p_bh"][i][j] == "NA":
                continue
            # normal approximation with tie correction and continuity, same formula: 1e-8
            assert_allclose(ph.loc[(r, c), "p_value"], pw["p_raw"][i][j], rtol=1e-8)
            assert_allclose(ph.loc[(r, c), "p_adjusted"], pw["p_bh"][i][j], rtol=1e-8)


@pytest.fixture(scope="module")
def ltr():
    return reference_csv("rel_apistrat_ltr")


def test_nps_design_against_svycontrast(ltr):
    des = Design(ltr, weights="pw", strata="stype", fpc="fpc")
    res = cx.compare_groups(des, "ltr", "sch.wide", kind="nps")
    ref = R["nps_by"]
    g = res.groups.set_index("group")
    # weighted means and linearized SEs as svymean: 1e-10 / 1e-8
    assert_allclose(g.loc[ref["group"], "estimate"], ref["nps"], rtol=1e-10)
    assert_allclose(g.loc[ref["group"], "se"], ref["se"], rtol=1e-8)
    ph = res.posthoc.iloc[0]
    assert_allclose(ph["estimate"], ref["diff"], rtol=1e-10)
    # CI of the difference: t on the design df (200 schools - 3 strata = 197) with svycontrast's SE
    half = (ph["ci_high"] - ph["ci_low"]) / 2
    from scipy import stats
    assert_allclose(half, stats.t.ppf(0.975, 197) * np.ravel(ref["diff_se"])[0], rtol=1e-8)
    wald = res.tests.set_index("test").loc["wald"]
    # with two groups the Wald F (1 df) is the squared z of the difference
    assert_allclose(wald["statistic"], np.ravel(ref["wald_chisq"])[0], rtol=1e-8)
    assert "rao_scott_f" in set(res.tests["test"])


def test_nps_srs_chisq_and_definition(ltr):
    res = cx.compare_groups(ltr, "ltr", "sch.wide", kind="nps")
    ref = R["nps_chisq"]
    assert_allclose(_t(res, "pearson_chisq"), ref["statistic"], rtol=1e-10)
    assert_allclose(_t(res, "pearson_chisq", "p_value"), ref["p"], rtol=1e-8)
    # invariant: NPS = 100 * (share 9-10 - share 0-6) = mean of +100/0/-100 codes
    sub = ltr[ltr["sch.wide"] == "Yes"]["ltr"]
    nps = 100 * ((sub >= 9).mean() - (sub <= 6).mean())
    assert_allclose(res.groups.set_index("group").loc["Yes", "estimate"], nps, rtol=1e-12)


def test_unit_weight_design_mean_equals_srs():
    df = reference_csv("rel_chickwts")
    r1 = cx.compare_groups(Design(df), "weight", "feed")
    r2 = cx.compare_groups(df, "weight", "feed")
    cols = ["estimate", "se", "ci_low", "ci_high", "n", "deff"]
    # one convention: a plain DataFrame is svydesign(ids=~1), the group rows are mean(by=)
    assert_allclose(r1.groups[cols].to_numpy(float), r2.groups[cols].to_numpy(float),
                    rtol=1e-12)
    m = cx.mean(df, "weight", by="feed")
    assert_allclose(r2.groups[cols].to_numpy(float), m[cols].to_numpy(float), rtol=1e-12)
    # domain mean in a with-replacement SRS of N rows: var = N/(N-1) * (n-1)/n * s²/n
    n, N = r2.groups["n"].to_numpy(), len(df)
    s = r2.groups["sd"].to_numpy()
    assert_allclose(r2.groups["se"], s / np.sqrt(n) * np.sqrt((n - 1) / n * N / (N - 1)),
                    rtol=1e-10)
    # t interval on the whole sample's df (N - 1), as confint(svyby(...), df = degf(des))
    from scipy import stats
    half = (r2.groups["ci_high"] - r2.groups["ci_low"]) / 2
    assert_allclose(half, stats.t.ppf(0.975, N - 1) * r2.groups["se"], rtol=1e-10)


def test_bad_input():
    df = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": list("aabb"), "t": list("wxyz")})
    with pytest.raises(TypeError, match="must be numeric"):
        cx.compare_groups(df, "t", "g")
    with pytest.raises(ValueError, match="kind must be"):
        cx.compare_groups(df, "y", "g", kind="median")
    with pytest.raises(ValueError, match="at least two answers"):
        cx.compare_groups(df.iloc[:3], "y", "g")
    with pytest.raises(ValueError, match=r"\[11.0\] outside its scale 0..10"):
        cx.compare_groups(df.assign(y=[1, 2, 11, 3]), "y", "g", kind="nps")
