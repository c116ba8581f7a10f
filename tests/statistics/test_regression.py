"""cx.regress against R (tests/reference/regression.R -> regression.json) and invariants.

Tolerances: coefficients of a gaussian fit are a least-squares solve (R and numpy agree to
~1e-12 relative; we allow 1e-9). IRLS fits (binomial, poisson) stop at R's glm.control
epsilon = 1e-8 on the deviance, so coefficients agree to ~1e-8 relative and the design SEs
(which depend on the fitted means) to ~1e-6: we allow 1e-6 and 1e-5 respectively. CIs, t and
p follow from those with the same tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.sampling.design import Design

R = r_reference("regression")


def _api(name):
    df = reference_csv(name)
    df["yes"] = (df["sch.wide"] == "Yes").astype(float)
    df["stype"] = pd.Categorical(df["stype"], categories=["E", "H", "M"])
    return df


@pytest.fixture(scope="module")
def api():
    st, cl, srs = _api("apistrat"), _api("apiclus1"), _api("apisrs")
    return {
        "st": st, "cl": cl, "srs": srs,
        "dstrat": Design(st, weights="pw", strata="stype", fpc="fpc"),
        "dclus1": Design(cl, weights="pw", psu="dnum", fpc="fpc"),
        "dwonly": Design(st, weights="pw"),
    }


CASES = [
    ("strat_gauss", "dstrat", "api00 ~ ell + meals + mobility + stype", "gaussian", 1e-9, 1e-9),
    ("strat_logit", "dstrat", "yes ~ ell + meals + stype", "binomial", 1e-6, 1e-5),
    ("clus1_gauss", "dclus1", "api00 ~ ell + meals + mobility", "gaussian", 1e-9, 1e-9),
    ("clus1_logit", "dclus1", "yes ~ ell + meals", "binomial", 1e-6, 1e-5),
    ("strat_poisson", "dstrat", "enroll ~ ell + meals + stype", "poisson", 1e-6, 1e-4),
    ("wonly_gauss", "dwonly", "api00 ~ ell + meals + mobility + stype", "gaussian", 1e-9, 1e-9),
    ("strat_interact", "dstrat", "api00 ~ ell * stype", "gaussian", 1e-9, 1e-9),
]


class TestSvyglm:
    @pytest.mark.parametrize("key,des,formula,family,tol_b,tol_se", CASES)
    def test_coefficients_se_ci(self, api, key, des, formula, family, tol_b, tol_se):
        r = R[key]
        fit = cx.regress(api[des], formula, family=family)
        c = fit.coefficients
        assert list(c.columns) == ["term", "estimate", "se", "ci_low", "ci_high", "statistic",
                                   "df", "p_value", "method"]
        assert len(c) == len(r["terms"])
        np.testing.assert_allclose(c["estimate"], r["coef"], rtol=tol_b)
        np.testing.assert_allclose(c["se"], r["se"], rtol=tol_se)
        np.testing.assert_allclose(fit.vcov.to_numpy(), np.array(r["vcov"]), rtol=2 * tol_se,
                                   atol=1e-12)
        # default intervals: t with the design df (confint(m, ddf = degf(design)))
        assert (c["df"] == r["degf"]).all()
        ci = r["ci_degf"]
        np.testing.assert_allclose(c["ci_low"], ci["lo"], rtol=tol_se, atol=1e-9)
        np.testing.assert_allclose(c["ci_high"], ci["hi"], rtol=tol_se, atol=1e-9)
        assert fit.stats["df_residual"] == r["df_residual"]
        assert "svyglm" in c["method"].iloc[0]

    @pytest.mark.parametrize("key,des,formula,family,tol_b,tol_se", CASES[:3])
    def test_residual_df_and_z_intervals(self, api, key, des, formula, family, tol_b, tol_se):
        r = R[key]
        res = cx.regress(api[des], formula, family=family, ddf="residual").coefficients
        np.testing.assert_allclose(res["ci_low"], r["ci_default"]["lo"], rtol=tol_se)
        np.testing.assert_allclose(res["statistic"], r["t"], rtol=tol_se)
        np.testing.assert_allclose(res["p_value"], r["p"], rtol=1e-4)
        z = cx.regress(api[des], formula, family=family, ddf=np.inf).coefficients
        np.testing.assert_allclose(z["ci_high"], r["ci_z"]["hi"], rtol=tol_se)

    def test_dispersion(self, api):
        # summary.svyglm's dispersion: weighted mean of squared Pearson residuals * n/(n-1)
        fit = cx.regress(api["dstrat"], "api00 ~ ell + meals + mobility + stype")
        assert fit.stats["dispersion"] == pytest.approx(R["strat_gauss"]["dispersion"],
                                                        rel=1e-9)

    @pytest.mark.parametrize("key,term,formula,family", [
        ("strat_gauss", "stype", "api00 ~ ell + meals + mobility + stype", "gaussian"),
        ("strat_logit", "stype", "yes ~ ell + meals + stype", "binomial"),
        ("wonly_gauss", "stype", "api00 ~ ell + meals + mobility + stype", "gaussian"),
        ("strat_interact", "ell:stype", "api00 ~ ell * stype", "gaussian"),
    ])
    def test_regtermtest(self, api, key, term, formula, family):
        des = "dwonly" if key.startswith("wonly") else "dstrat"
        ref = R[key]["test_" + term.replace(":", "_")]
        t = cx.regress(api[des], formula, family=family).wald_test(term)
        assert t["df1"].iloc[0] == ref["df"] and t["df2"].iloc[0] == ref["ddf"]
        assert t["statistic"].iloc[0] == pytest.approx(ref["Ftest"], rel=1e-5)
        assert t["p_value"].iloc[0] == pytest.approx(ref["p"], rel=1e-4)

    def test_wald_test_by_coefficient_names_equals_term(self, api):
        fit = cx.regress(api["dstrat"], "api00 ~ ell + meals + mobility + stype")
        a = fit.wald_test("stype")["statistic"].iloc[0]
        b = fit.wald_test(["stype[T.H]", "stype[T.M]"])["statistic"].iloc[0]
        assert a == pytest.approx(b, rel=1e-12)
        with pytest.raises(ValueError, match="not a term"):
            fit.wald_test("nonsense")

    @pytest.mark.parametrize("key,des,formula,family", [
        ("strat_logit", "dstrat", "yes ~ ell + meals + stype", "binomial"),
        ("clus1_logit", "dclus1", "yes ~ ell + meals", "binomial"),
        ("strat_poisson", "dstrat", "enroll ~ ell + meals + stype", "poisson"),
    ])
    def test_exponentiate_like_broom(self, api, key, des, formula, family):
        r = R[key]
        fit = cx.regress(api[des], formula, family=family, exponentiate=True)
        c = fit.coefficients
        np.testing.assert_allclose(c["estimate"], r["exp_coef"], rtol=1e-6)
        np.testing.assert_allclose(c["ci_low"], r["exp_ci_degf"]["lo"], rtol=1e-5)
        np.testing.assert_allclose(c["ci_high"], r["exp_ci_degf"]["hi"], rtol=1e-5)
        np.testing.assert_allclose(c["se"], r["se"], rtol=1e-4)      # link scale, as broom
        assert "ratios" in c["method"].iloc[0]

    def test_average_marginal_effects(self, api):
        r = R["ame_strat_logit"]
        fit = cx.regress(api["dstrat"], "yes ~ ell + meals + stype", family="binomial")
        me = fit.marginal_effects(["ell", "meals"])
        # central difference on the model matrix vs R's analytic derivative: 1e-6
        np.testing.assert_allclose(me["estimate"], r["ame"], rtol=1e-6)
        np.testing.assert_allclose(me["se"], r["se"], rtol=1e-5)
        cat = fit.marginal_effects("stype")
        assert cat["term"].tolist() == ["stype[H vs E]", "stype[M vs E]"]
        # a discrete change equals the weighted mean difference of predictions
        lo = api["st"].assign(stype=pd.Categorical(["E"] * 200, categories=["E", "H", "M"]))
        hi = lo.assign(stype=pd.Categorical(["H"] * 200, categories=["E", "H", "M"]))
        w = api["st"]["pw"].to_numpy()
        expect = np.average(fit.predict(hi) - fit.predict(lo), weights=w)
        assert cat["estimate"].iloc[0] == pytest.approx(expect, rel=1e-10)


class TestPlainFrame:
    def test_lm_model_se_and_stats(self, api):
        r = R["lm_srs"]
        fit = cx.regress(api["srs"], "api00", ["ell", "meals", "mobility"])
        c = fit.coefficients
        np.testing.assert_allclose(c["estimate"], r["coef"], rtol=1e-9)
        np.testing.assert_allclose(c["se"], r["se"], rtol=1e-9)
        np.testing.assert_allclose(c["p_value"], r["p"], rtol=1e-6)
        np.testing.assert_allclose(c["ci_low"], r["ci"]["lo"], rtol=1e-9)
        assert (c["df"] == r["df_residual"]).all()
        st = fit.stats
        assert st["r2"] == pytest.approx(r["r2"], rel=1e-10)
        assert st["adj_r2"] == pytest.approx(r["adj_r2"], rel=1e-10)
        assert st["aic"] == pytest.approx(r["aic"], rel=1e-10)
        assert st["loglik"] == pytest.approx(r["loglik"], rel=1e-10)
        assert "model-based" in c["method"].iloc[0]

    @pytest.mark.parametrize("se,key", [("HC0", "se_hc0"), ("HC1", "se_hc1"),
                                        ("robust", "se_hc1")])
    def test_robust(self, api, se, key):
        fit = cx.regress(api["srs"], "api00", ["ell", "meals", "mobility"], se=se)
        np.testing.assert_allclose(fit.coefficients["se"], R["lm_srs"][key], rtol=1e-9)
        assert "robust" in fit.coefficients["method"].iloc[0]

    def test_glm(self, api):
        r = R["glm_srs"]
        fit = cx.regress(api["srs"], "yes ~ ell + meals", family="binomial")
        c = fit.coefficients
        np.testing.assert_allclose(c["estimate"], r["coef"], rtol=1e-6)
        np.testing.assert_allclose(c["se"], r["se"], rtol=1e-6)
        np.testing.assert_allclose(c["p_value"], r["p"], rtol=1e-5)
        assert np.isinf(c["df"]).all()
        assert fit.stats["deviance"] == pytest.approx(r["deviance"], rel=1e-8)
        assert fit.stats["null_deviance"] == pytest.approx(r["null_deviance"], rel=1e-8)
        assert fit.stats["aic"] == pytest.approx(r["aic"], rel=1e-8)

    def test_event_equals_indicator(self, api):
        a = cx.regress(api["srs"], "yes ~ ell + meals", family="binomial").coefficients
        b = cx.regress(api["srs"], "sch.wide", ["ell", "meals"], family="binomial",
                       event="Yes").coefficients
        np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)

    def test_frequency_weights_equal_expanded_rows(self, api):
        fw = R["freqwt"]
        df = api["srs"].assign(fw=fw["fw"])
        fit = cx.regress(df, "api00 ~ ell + meals", weights="fw")
        np.testing.assert_allclose(fit.coefficients["estimate"], fw["expanded"]["coef"],
                                   rtol=1e-9)
        np.testing.assert_allclose(fit.coefficients["se"], fw["expanded"]["se"], rtol=1e-9)
        assert fit.stats["df_residual"] == fw["expanded"]["df_residual"]
        expanded = df.loc[df.index.repeat(df["fw"])]
        ex = cx.regress(expanded, "api00 ~ ell + meals")
        np.testing.assert_allclose(fit.coefficients["se"], ex.coefficients["se"], rtol=1e-10)
        assert fit.stats["r2"] == pytest.approx(fw["expanded"]["r2"], rel=1e-10)


class TestInvariants:
    def test_unit_weight_design_equals_plain_hc0_scaled(self, api):
        # svyglm on an SRS design without fpc = HC0 * n/(n-1) (the with-replacement formula)
        srs = api["srs"]
        d = cx.regress(Design(srs), "api00 ~ ell + meals").coefficients
        h = cx.regress(srs, "api00 ~ ell + meals", se="HC0").coefficients
        n = len(srs)
        np.testing.assert_allclose(d["se"], h["se"] * np.sqrt(n / (n - 1)), rtol=1e-10)
        np.testing.assert_allclose(d["estimate"], h["estimate"], rtol=1e-12)

    def test_list_form_equals_formula(self, api):
        a = cx.regress(api["dstrat"], "api00", ["ell", "meals", "stype"]).coefficients
        b = cx.regress(api["dstrat"], "api00 ~ ell + meals + stype").coefficients
        np.testing.assert_allclose(a["estimate"], b["estimate"], rtol=1e-12)
        assert a["term"].tolist() == b["term"].tolist()

    def test_reference_level(self, api):
        fit = cx.regress(api["dstrat"], "api00 ~ ell + stype", reference={"stype": "H"})
        assert fit.coefficients["term"].tolist() == ["(Intercept)", "ell", "stype[T.E]",
                                                     "stype[T.M]"]
        assert "reference stype=H" in fit.coefficients["method"].iloc[0]
        base = cx.regress(api["dstrat"], "api00 ~ ell + stype").coefficients
        # E vs H is minus H vs E
        assert fit.coefficients["estimate"].iloc[2] == pytest.approx(
            -base["estimate"].iloc[2], rel=1e-10)

    def test_missing_rows_are_dropped_and_counted(self, api):
        st = api["st"].copy()
        st.loc[[3, 7, 11], "ell"] = np.nan
        fit = cx.regress(Design(st, weights="pw", strata="stype", fpc="fpc"),
                         "api00 ~ ell + meals")
        assert fit.stats["n"] == 197 and fit.stats["n_dropped"] == 3

    def test_predict(self, api):
        fit = cx.regress(api["dstrat"], "yes ~ ell + meals + stype", family="binomial")
        p = fit.predict(api["st"].head(5))
        eta = fit.predict(api["st"].head(5), type="link")
        np.testing.assert_allclose(p, 1 / (1 + np.exp(-eta)), rtol=1e-12)
        assert ((p > 0) & (p < 1)).all()
        with pytest.raises(ValueError, match="not seen in the fit"):
            fit.predict(api["st"].head(2).assign(stype=["E", "X"]))

    def test_gaussian_solve_equals_statsmodels_wls(self):
        # the normal-equations solve (with refinement) vs statsmodels' QR, on a badly scaled
        # design: a column with mean 1e5 and sd 1 next to the intercept
        import statsmodels.api as sm

        rng = np.random.default_rng(9)
        n = 5000
        df = pd.DataFrame({"big": 1e5 + rng.normal(size=n), "x": rng.normal(size=n),
                           "w": rng.uniform(0.5, 3, n)})
        df["y"] = 3 + 2 * (df["big"] - 1e5) - df["x"] + rng.normal(size=n)
        ours = cx.regress(df, "y", ["big", "x"], weights="w").coefficients["estimate"]
        X = sm.add_constant(df[["big", "x"]].to_numpy())
        ref = sm.WLS(df["y"].to_numpy(), X, weights=df["w"].to_numpy()).fit(method="qr").params
        np.testing.assert_allclose(ours, ref, rtol=1e-9)

    def test_stateful_transform_and_additive_route_agree(self, api):
        a = cx.regress(api["dstrat"], "api00 ~ center(ell) + meals").coefficients
        b = cx.regress(api["dstrat"], "api00 ~ ell + meals").coefficients
        np.testing.assert_allclose(a["estimate"].iloc[1:], b["estimate"].iloc[1:], rtol=1e-10)
        np.testing.assert_allclose(a["se"].iloc[1:], b["se"].iloc[1:], rtol=1e-10)

    def test_gaussian_r2_is_weighted(self, api):
        st = api["st"]
        fit = cx.regress(api["dstrat"], "api00 ~ ell + meals")
        y, w = st["api00"].to_numpy(float), st["pw"].to_numpy()
        e = y - fit.predict()
        ybar = np.average(y, weights=w)
        assert fit.stats["r2"] == pytest.approx(1 - (w * e**2).sum() / (w * (y - ybar)**2).sum())


class TestHostileInput:
    def _df(self, n=60, seed=0):
        rng = np.random.default_rng(seed)
        df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n),
                           "g": rng.choice(["a", "b", "c"], n)})
        df["y"] = df["x"] + rng.normal(size=n)
        df["b"] = (df["y"] > 0).astype(float)
        return df

    def test_collinear(self):
        df = self._df().assign(x2=lambda d: 2 * d["x"])
        with pytest.raises(ValueError, match=r"\['x', 'x2'\] are collinear"):
            cx.regress(df, "y", ["x", "x2"])
        df = df.assign(s=lambda d: d["x"] + d["z"])
        with pytest.raises(ValueError, match="collinear"):
            cx.regress(df, "y ~ x + z + s")

    def test_constant_predictor(self):
        with pytest.raises(ValueError, match="'k' is constant"):
            cx.regress(self._df().assign(k=3.0), "y", ["x", "k"])

    @pytest.mark.parametrize("col", ["x", "y"])
    def test_infinite(self, col):
        df = self._df()
        df.loc[4, col] = np.inf
        with pytest.raises(ValueError, match=f"'{col}'.*infinite|infinite.*'{col}'"):
            cx.regress(df, "y ~ x")

    def test_separation(self):
        df = self._df()
        df["sep"] = (df["x"] > 0).astype(float)
        with pytest.raises(ValueError, match="separation.*'x'"):
            cx.regress(df, "sep ~ x + z", family="binomial")

    def test_separation_by_category(self):
        df = self._df()
        df["sep"] = np.where(df["g"] == "a", 1.0, df["b"])
        with pytest.raises(ValueError, match="separation"):
            cx.regress(df, "sep ~ x + g", family="binomial")

    @pytest.mark.parametrize("kw,match", [
        ({"family": "gamma"}, "family must be"),
        ({"se": "HC3"}, "se must be"),
        ({"conf_level": 1.5}, "conf_level"),
        ({"reference": {"g": "zzz"}}, "not a level"),
        ({"reference": {"nope": "a"}}, "not predictors"),
        ({"exponentiate": True}, "exponentiate"),
        ({"ddf": "residual"}, "applies under a design"),
    ])
    def test_bad_arguments(self, kw, match):
        with pytest.raises(ValueError, match=match):
            cx.regress(self._df(), "y ~ x + g", **kw)

    @pytest.mark.parametrize("outcome,preds,match", [
        ("nope", ["x"], "not a column"),
        ("y", ["x", "nope"], "not a column"),
        ("y ~ x + nope", None, "not columns"),
        ("y ~ x", ["x"], "not both"),
        ("y", None, "predictors is required"),
        ("g", ["x"], "not numeric"),
    ])
    def test_bad_columns(self, outcome, preds, match):
        with pytest.raises(ValueError, match=match):
            cx.regress(self._df(), outcome, preds)

    def test_binomial_outcome_out_of_range(self):
        with pytest.raises(ValueError, match="0/1"):
            cx.regress(self._df(), "y ~ x", family="binomial")

    def test_design_rejects_se_and_weights(self):
        d = Design(self._df())
        with pytest.raises(ValueError, match="under a design"):
            cx.regress(d, "y ~ x", se="HC1")
        with pytest.raises(ValueError, match="carries its own weights"):
            cx.regress(d, "y ~ x", weights=np.ones(60))

    def test_not_a_frame(self):
        with pytest.raises(TypeError, match="d must be a Design, a pandas DataFrame or a Wave"):
            cx.regress([1, 2, 3], "y ~ x")

    def test_all_rows_missing(self):
        df = self._df().assign(x=np.nan)
        with pytest.raises(ValueError, match="no complete rows"):
            cx.regress(df, "y ~ x")


class TestForestPlot:
    def test_accepts_regress_tables(self, api):
        fit = cx.regress(api["dstrat"], "yes ~ ell + meals + stype", family="binomial")
        fig = cx.forest_plot(fit.coefficients)
        assert "(Intercept)" not in fig.cx_data["term"].tolist()
        np.testing.assert_allclose(fig.cx_data["estimate"],
                                   np.exp(fit.coefficients["estimate"].iloc[1:]), rtol=1e-12)
        fig2 = cx.forest_plot(cx.regress(api["dstrat"], "yes ~ ell + meals + stype",
                                         family="binomial", exponentiate=True).coefficients)
        np.testing.assert_allclose(fig2.cx_data["estimate"], fig.cx_data["estimate"])
        with pytest.raises(ValueError, match="differences"):
            cx.forest_plot(cx.regress(api["dstrat"], "api00 ~ ell").coefficients)

    def test_accepts_ordinal_logit_table(self):
        rng = np.random.default_rng(3)
        df = pd.DataFrame({"x": rng.normal(size=300)})
        df["y"] = pd.cut(df["x"] + rng.logistic(size=300), [-np.inf, -1, 1, np.inf],
                         labels=["lo", "mid", "hi"])
        res = cx.ordinal_logit(df, "y", ["x"], po_test=False)
        fig = cx.forest_plot(res.table)
        assert fig.cx_data["term"].tolist() == ["x"]
        assert fig.cx_data["estimate"].iloc[0] == pytest.approx(
            np.exp(res.table.loc[res.table["term"] == "x", "estimate"].iloc[0]))


def test_docstring_examples():
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module("cxresearch.statistics.models.regression"),
                          optionflags=doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 0


def test_wave_uses_its_design(data):
    from cxresearch import paths

    w = cx.ingest(paths.examples_dir() / "ecsi_mobi" / "mobi.csv", "ecsi_mobi", "example")
    a = cx.regress(w, "cusl1 ~ perq1 + perv1")
    b = cx.regress(w.design(), "cusl1 ~ perq1 + perv1")
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients)
    assert "svyglm" in a.method
    # an unweighted one-stage design: design SE = HC0 * sqrt(n / (n - 1))
    h = cx.regress(w.data, "cusl1 ~ perq1 + perv1", se="HC0").coefficients["se"]
    np.testing.assert_allclose(a.coefficients["se"], h * np.sqrt(250 / 249), rtol=1e-10)
