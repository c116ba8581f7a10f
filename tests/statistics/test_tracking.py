"""cx.track: tracking across waves, against R's survey package (tests/reference/tracking.R).

The reference stacks three api samples (apisrs[1:200], apistrat, apiclus1) as waves 1-3 with the
wave as a stratum and each wave's strata/PSUs nested in it. Tolerances: estimates are the same
weighted sums in both programs (rtol 1e-10); SEs, deffs, t, F and p-values come from the same
linearization formulas (rtol 1e-8: only floating-point order differs); the logit trend is an
iterative fit in both (slope rtol 1e-7; its SE rtol 1e-4, see the test).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.sampling.design import Design
from cxresearch.statistics.tracking.track import COLUMNS, track

R = r_reference("tracking")
EXACT, LIN, ITER = 1e-10, 1e-8, 1e-7


@pytest.fixture(scope="module")
def stacked():
    d = reference_csv("trk_stacked", dtype={"psu": str, "stratum": str})
    d["sch_yes"] = (d["sch_wide"] == "Yes").astype(float)
    return d


@pytest.fixture(scope="module")
def des(stacked):
    return Design(stacked, weights="pw", strata="stratum", psu="psu")


@pytest.fixture(scope="module")
def res(des):
    return track(des, ["api00", "nps_code", "sch_yes"], "wave")


def _rows(r, item, term, **kw):
    m = (r["item"] == item) & (r["term"] == term) & (r["weighting"] == kw.pop("w", "unadjusted"))
    for k, v in kw.items():
        m &= r[k] == v
    return r[m]


# ------------------------------------------------------------------ against R
@pytest.mark.parametrize("y", ["api00", "nps_code", "sch_yes"])
def test_per_wave_estimates_match_svyby(res, y):
    w = _rows(res, y, "wave")
    ref = R["per_wave"][y]
    assert w["wave"].tolist() == ref["wave"]
    assert_allclose(w["estimate"], ref["est"], rtol=EXACT)
    assert_allclose(w["se"], ref["se"], rtol=LIN)
    assert_allclose(w["deff"], ref["deff"], rtol=LIN)
    assert w["n"].tolist() == [200, 200, 183]


@pytest.mark.parametrize("y", ["api00", "nps_code", "sch_yes"])
@pytest.mark.parametrize("key,a,b,kind", [("w2_w1", 1, 2, "previous"), ("w3_w2", 2, 3, "previous"),
                                          ("w3_w1", 1, 3, "base")])
def test_changes_match_svycontrast(res, y, key, a, b, kind):
    row = _rows(res, y, "change", from_wave=a, wave=b, comparison=kind)
    assert len(row) == 1
    ref = R["changes"][y][key]
    assert_allclose(row["estimate"], ref["est"], rtol=EXACT)
    assert_allclose(row["se"], ref["se"], rtol=LIN)
    assert_allclose(row["statistic"], ref["t"], rtol=LIN)
    assert row["df"].iloc[0] == R["df"] == 410
    assert_allclose(row["p_value"], ref["p_t"], rtol=LIN)
    q = stats.t.ppf(0.975, 410)
    assert_allclose(row["ci_low"], ref["est"] - q * ref["se"], rtol=LIN)


@pytest.mark.parametrize("y", ["api00", "nps_code"])
def test_linear_trend_matches_svyglm(res, y):
    row = _rows(res, y, "trend")
    ref = R["trend"][y]
    assert_allclose(row["estimate"], ref["slope"], rtol=EXACT)
    assert_allclose(row["se"], ref["se"], rtol=LIN)
    assert_allclose(row["statistic"], ref["t"], rtol=LIN)
    assert row["df"].iloc[0] == ref["df_glm"] == 409
    assert_allclose(row["p_value"], ref["p_glm"], rtol=LIN)
    # CI on the svyglm residual df (409); R's ci_t uses degf = 410, 0.1 % narrower in width
    assert_allclose(row["ci_low"], ref["ci_t"]["lo"], rtol=1e-3)
    assert_allclose(row["ci_high"], ref["ci_t"]["hi"], rtol=1e-3)


def test_logit_trend_matches_quasibinomial_svyglm(des):
    r = track(des, "nps_x", "wave", measure="proportion", level=[9, 10], trend="logit")
    row = _rows(r, "nps_x", "trend")
    ref = R["trend"]["promoter_logit"]
    assert_allclose(row["estimate"], ref["slope"], rtol=ITER)
    # R's glm.fit returns the bread (cov.unscaled) with the working weights of the iteration
    # before the last, at its default epsilon = 1e-8 on the deviance; we iterate to 1e-12 on the
    # coefficients: SEs (and p) agree to 2e-4 relative
    assert_allclose(row["se"], ref["se"], rtol=2e-4)
    assert_allclose(row["p_value"], ref["p_glm"], rtol=2e-4)
    assert "quasibinomial" in row["method"].iloc[0]


def test_nps_measure_uses_the_cutoffs_and_matches_the_code_mean(des):
    r = track(des, "nps_x", "wave", measure="nps")
    w = _rows(r, "nps_x", "wave")
    assert_allclose(w["estimate"], R["per_wave"]["nps_code"]["est"], rtol=EXACT)
    assert_allclose(w["se"], R["per_wave"]["nps_code"]["se"], rtol=LIN)
    assert_allclose(_rows(r, "nps_x", "trend")["estimate"], R["trend"]["nps_code"]["slope"],
                    rtol=EXACT)
    assert (w["ci_low"] >= -100).all()
    # other cut-offs give another NPS: promoters 10 only
    r2 = track(des, "nps_x", "wave", measure="nps", promoters=[10], detractors=range(0, 7))
    assert not np.allclose(_rows(r2, "nps_x", "wave")["estimate"], w["estimate"])


@pytest.mark.parametrize("y", ["api00", "nps_code"])
def test_any_difference_matches_regtermtest(res, y):
    row = _rows(res, y, "any_difference")
    ref = R["any_diff"][y]
    assert_allclose(row["statistic"], ref["F"], rtol=LIN)
    assert row["df"].iloc[0] == ref["df"] and row["ddf"].iloc[0] == ref["ddf"]
    assert_allclose(row["p_value"], ref["p"], rtol=LIN)


def test_segment_by_wave_interaction_matches_regtermtest(des):
    r = track(des, "api00", "wave", by="sch_wide")
    row = r[r["term"] == "interaction"]
    ref = R["interaction"]
    assert_allclose(row["statistic"], ref["F"], rtol=LIN)
    assert row["df"].iloc[0] == ref["df"] and row["ddf"].iloc[0] == ref["ddf"]
    assert_allclose(row["p_value"], ref["p"], rtol=LIN)
    # the segment cell means are the model's coefficients recombined
    c = dict(zip(ref["coef_names"], ref["coef"], strict=True))
    cell = _rows(r, "api00", "wave", sch_wide="Yes", wave=3)["estimate"].iloc[0]
    assert_allclose(cell, c["(Intercept)"] + c["factor(wave)3"] + c["sch_wideYes"]
                    + c["factor(wave)3:sch_wideYes"], rtol=EXACT)
    assert (r["term"] == "trend_interaction").sum() == 1


def test_raked_comparison_matches_calibrate(des):
    r = track(des, "api00", "wave", adjust=["stype"])
    adj = _rows(r, "api00", "wave", w="adjusted")
    ref = R["raked"]
    assert_allclose(adj["estimate"], [w["est"] for w in ref["waves"]], rtol=1e-9)
    assert_allclose(adj["se"], [w["se"] for w in ref["waves"]], rtol=1e-7)
    un = _rows(r, "api00", "wave")
    assert_allclose(un["se"], [w["unadj_se"] for w in ref["waves"]], rtol=LIN)
    for key, a, b in (("w2_w1", 1, 2), ("w3_w2", 2, 3)):
        row = _rows(r, "api00", "change", w="adjusted", from_wave=a, wave=b,
                    comparison="previous")
        assert_allclose(row["estimate"], ref["changes"][key]["est"], rtol=1e-9)
        assert_allclose(row["se"], ref["changes"][key]["se"], rtol=1e-7)
        assert_allclose(row["p_value"], ref["changes"][key]["p_t"], rtol=1e-6)
    assert "pooled sample" in r.attrs["tracking"]["notes"][-1]


def test_given_targets_equal_pooled_targets(des):
    t = R["raked"]["targets"]
    r = track(des, "api00", "wave", adjust={"stype": {k: t[k] for k in "EHM"}})
    adj = _rows(r, "api00", "wave", w="adjusted")
    assert_allclose(adj["estimate"], [w["est"] for w in R["raked"]["waves"]], rtol=1e-9)


# ------------------------------------------------------------------ invariants
def test_output_has_fixed_columns(res):
    assert list(res.columns) == COLUMNS
    assert set(res["term"]) == {"wave", "change", "trend", "any_difference"}


def test_dict_of_own_designs_equals_the_stacked_design(stacked, res):
    own = {
        1: Design(stacked[stacked.wave == 1].reset_index(drop=True), weights="pw"),
        2: Design(stacked[stacked.wave == 2].reset_index(drop=True), weights="pw",
                  strata="stype"),
        3: Design(stacked[stacked.wave == 3].reset_index(drop=True), weights="pw", psu="psu"),
    }
    r = track(own, "api00")
    cols = ["estimate", "se", "statistic", "p_value"]
    assert_allclose(r[cols].to_numpy(dtype=float),
                    res[res["item"] == "api00"][cols].to_numpy(dtype=float), rtol=1e-9)


def test_two_waves_give_the_old_compare_waves_change(stacked):
    """The change of the classic two-wave comparison: difference of cx.mean, SE hypot of the
    two SEs (as story.compare_waves did); only the p-value now uses t with design df instead
    of the normal distribution."""
    a = stacked[stacked.wave == 1].reset_index(drop=True)
    b = stacked[stacked.wave == 2].reset_index(drop=True)
    da, db = Design(a, weights="pw"), Design(b, weights="pw", strata="stype")
    ma, mb = cx.mean(da, "api00"), cx.mean(db, "api00")
    r = track({"old": da, "new": db}, "api00", compare="previous")
    ch = r[r["term"] == "change"].iloc[0]
    assert_allclose(ch["estimate"], mb["estimate"].iloc[0] - ma["estimate"].iloc[0], rtol=1e-12)
    se = np.hypot(ma["se"].iloc[0], mb["se"].iloc[0])
    assert_allclose(ch["se"], se, rtol=1e-10)
    assert_allclose(ch["p_value"], 2 * stats.t.sf(abs(ch["estimate"] / se), da.df + db.df),
                    rtol=1e-10)
    w = r[r["term"] == "wave"]
    assert_allclose(w["ci_low"], [ma["ci_low"].iloc[0], mb["ci_low"].iloc[0]], rtol=1e-12)


def test_proportion_rows_equal_cx_proportion_per_wave(stacked):
    parts = {k: Design(g.reset_index(drop=True), weights="pw")
             for k, g in stacked.groupby("wave")}
    r = track(parts, "sch_wide", measure="proportion", level="Yes")
    for k, d in parts.items():
        p = cx.proportion(d, "sch_wide", level="Yes")
        row = r[(r.term == "wave") & (r.wave == k)]
        assert_allclose(row[["estimate", "se", "ci_low", "ci_high"]].to_numpy(dtype=float),
                        p[["estimate", "se", "ci_low", "ci_high"]].to_numpy(dtype=float),
                        rtol=1e-9)


def test_segments_equal_cx_mean_by_in_each_wave(stacked, des):
    r = track(des, "api00", "wave", by="sch_wide")
    w1 = Design(stacked[stacked.wave == 1].reset_index(drop=True), weights="pw")
    m = cx.mean(w1, "api00", by="sch_wide")
    rows = r[(r.term == "wave") & (r.wave == 1)].sort_values("sch_wide")
    assert_allclose(rows["estimate"], m["estimate"], rtol=1e-10)
    assert_allclose(rows["se"], m["se"], rtol=1e-9)


def test_holm_counts_each_pair_of_waves_once(res):
    ch = res[(res.term == "change")]
    uniq = ch.drop_duplicates(["item", "from_wave", "wave"])
    assert len(uniq) == 9 and len(ch) == 12
    assert_allclose(uniq["p_adjusted"], cx.adjust_pvalues(uniq["p_value"], "holm"), rtol=1e-12)
    dup = ch[(ch.from_wave == 1) & (ch.wave == 2)]
    assert dup.groupby("item")["p_adjusted"].nunique().eq(1).all()


def test_bh_on_request(des):
    r = track(des, ["api00", "nps_code"], "wave", p_adjust="BH", compare="previous")
    ch = r[r.term == "change"]
    assert_allclose(ch["p_adjusted"], cx.adjust_pvalues(ch["p_value"], "BH"), rtol=1e-12)


def test_time_in_years_rescales_the_slope(des, res):
    r = track(des, "api00", "wave", time={1: 2020, 2: 2022, 3: 2024})
    assert_allclose(_rows(r, "api00", "trend")["estimate"],
                    _rows(res, "api00", "trend")["estimate"] / 2, rtol=1e-10)
    r2 = track(des, "api00", "wave", time={1: "2020-01-01", 2: "2022-01-01", 3: "2024-01-01"})
    assert "per year" in _rows(r2, "api00", "trend")["method"].iloc[0]


def test_base_wave_comparisons(des):
    r = track(des, "api00", "wave", base=3, compare="base")
    ch = r[r.term == "change"]
    assert set(zip(ch.from_wave, ch.wave, strict=True)) == {(3, 1), (3, 2)}
    # a change against the base is the wave minus the base wave
    w = r[r.term == "wave"].set_index("wave")["estimate"]
    assert_allclose(ch[ch.wave == 1]["estimate"], w[1] - w[3], rtol=1e-12)


def test_index_measure_is_mean_pomp(stacked):
    d = stacked.assign(q1=(stacked.api00 // 200).clip(1, 5), q2=stacked.nps_x // 2 + 0)
    d["q2"] = d["q2"].clip(1, 5)
    des = Design(d, weights="pw", strata="stratum", psu="psu")
    r = track(des, ["q1", "q2"], "wave", measure="index", item_range=(1, 5))
    w1 = d[d.wave == 1]
    pomp = 100 * ((w1.q1 - 1) / 4 + (w1.q2 - 1) / 4) / 2
    est = r[(r.term == "wave") & (r.wave == 1)]["estimate"].iloc[0]
    assert_allclose(est, np.average(pomp, weights=w1.pw), rtol=1e-12)


# ------------------------------------------------------------------ gaps and level sets
def test_item_missing_in_a_wave_is_a_gap_not_a_zero(stacked):
    parts = {k: Design(g.reset_index(drop=True), weights="pw")
             for k, g in stacked.groupby("wave")}
    parts[2] = Design(parts[2].data.drop(columns=["api00"]), weights="pw")
    r = track(parts, "api00")
    w2 = r[(r.term == "wave") & (r.wave == 2)].iloc[0]
    assert np.isnan(w2["estimate"]) and w2["n"] == 0 and "gap" in w2["note"]
    ch = r[(r.term == "change") & (r.wave == 2)]
    assert ch["estimate"].isna().all() and ch["note"].str.contains("gap").all()
    tr = r[r.term == "trend"].iloc[0]
    assert np.isfinite(tr["estimate"]) and "left out" in tr["note"]
    full = track({k: v for k, v in parts.items() if k != 2}, "api00", time=[1, 3])
    assert_allclose(tr["estimate"], full[full.term == "trend"]["estimate"].iloc[0], rtol=1e-12)
    assert any("gap" in n for n in r.attrs["tracking"]["notes"])


def test_different_level_sets_are_refused_with_the_levels_named():
    a = pd.DataFrame({"plan": pd.Categorical(["prepaid", "contract", "contract"])})
    b = pd.DataFrame({"plan": pd.Categorical(["pay_as_you_go", "contract", "contract"])})
    with pytest.raises(ValueError, match="pay_as_you_go"):
        track({"2023": a, "2024": b}, "plan", measure="proportion", level="contract")


# ------------------------------------------------------------------ hostile input
class TestHostileInput:
    def test_bad_measure(self, des):
        with pytest.raises(ValueError, match="measure must be one of"):
            track(des, "api00", "wave", measure="median")

    def test_bad_compare_and_trend(self, des):
        with pytest.raises(ValueError, match="compare"):
            track(des, "api00", "wave", compare="next")
        with pytest.raises(ValueError, match="trend='logit' is for measure='proportion'"):
            track(des, "api00", "wave", trend="logit")
        with pytest.raises(ValueError, match="p_adjust|method must be"):
            track(des, "api00", "wave", p_adjust="tukey")

    def test_wave_column_and_base(self, des):
        with pytest.raises(ValueError, match="wave='year' is not a column"):
            track(des, "api00", "year")
        with pytest.raises(ValueError, match="base=7 is not one of the waves"):
            track(des, "api00", "wave", base=7)

    def test_items(self, des):
        with pytest.raises(ValueError, match="'nope' is not in any wave"):
            track(des, "nope", "wave")
        with pytest.raises(TypeError, match="not numeric"):
            track(des, "stype", "wave")
        with pytest.raises(TypeError, match="item must be"):
            track(des, 3, "wave")
        with pytest.raises(ValueError, match="needs level="):
            track(des, "stype", "wave", measure="proportion")
        with pytest.raises(ValueError, match=r"level\(s\) \['Z'\]"):
            track(des, "stype", "wave", measure="proportion", level="Z")
        with pytest.raises(ValueError, match="top_box= needs the scale"):
            track(des, "nps_x", "wave", measure="proportion", top_box=2)
        with pytest.raises(ValueError, match="outside its scale"):
            track(des, "nps_x", "wave", measure="proportion", top_box=2, item_range=(1, 5))

    def test_waves_container(self, stacked):
        with pytest.raises(TypeError, match="must hold Waves"):
            track([stacked, stacked], "api00")
        with pytest.raises(TypeError, match="waves_or_design"):
            track("waves", "api00")
        with pytest.raises(ValueError, match="missing value"):
            track(stacked.assign(wave=stacked.wave.where(stacked.index > 0)), "api00")

    def test_empty_and_unanswered(self, stacked):
        with pytest.raises(ValueError, match="no waves given"):
            track([], "api00")
        with pytest.raises(ValueError, match="no answers in any wave"):
            track(stacked.assign(e=np.nan), "e")
        with pytest.raises(ValueError, match="unique"):
            track({"1": stacked, 1: stacked}, "api00")

    def test_calibrated_stacked_design_is_refused(self, des):
        raked = cx.rake(des, {"stype": {"E": 0.7, "H": 0.1, "M": 0.2}})
        with pytest.raises(ValueError, match="calibrated"):
            track(raked, "api00", "wave")

    def test_time(self, des):
        with pytest.raises(ValueError, match="same value"):
            track(des, "api00", "wave", time=[1, 1, 2])
        with pytest.raises(ValueError, match="3 waves"):
            track(des, "api00", "wave", time=[1, 2])
        with pytest.raises(ValueError, match="do not start with a year"):
            track(des, "api00", "wave", time="year")

    def test_adjust(self, des, stacked):
        with pytest.raises(ValueError, match="not in wave"):
            track(des, "api00", "wave", adjust=["region"])
        with pytest.raises(ValueError, match="missing"):
            track(Design(stacked.assign(g=stacked.stype.where(stacked.index > 3))), "api00",
                  "wave", adjust=["g"])
        with pytest.raises(TypeError, match="adjust must be"):
            track(des, "api00", "wave", adjust=3)


def test_level_sets_mapped_by_the_codebook_aliases():
    from cxresearch.waves.storage import Wave

    inst = cx.load_instrument("mitto_cx")
    a = pd.DataFrame({"role": pd.Categorical(["marketing", "customer_service", "marketing",
                                              "marketing"])})
    # an older export kept the labels: 'Marketer' is a codebook alias of 'marketing'
    b = pd.DataFrame({"role": pd.Categorical(["Marketer", "Customer support", "Marketer",
                                              "Customer support"])})
    wa = Wave(a, inst, {"study": "mitto_cx", "wave": "2021"})
    wb = Wave(b, inst, {"study": "mitto_cx", "wave": "2024"})
    r = track([wa, wb], "role", measure="proportion", level="marketing")
    assert_allclose(r[r.term == "wave"]["estimate"], [0.75, 0.5], rtol=1e-12)
    c = pd.DataFrame({"role": pd.Categorical(["marketing", "sales"])})
    wc = Wave(c, inst, {"study": "mitto_cx", "wave": "2025"})
    with pytest.raises(ValueError, match="sales"):
        track([wa, wc], "role", measure="proportion", level="marketing")


def test_nps_on_a_seven_point_item_needs_cutoffs():
    d = pd.DataFrame({"wave": [1] * 6 + [2] * 6, "rec": [7, 7, 6, 5, 1, 3, 7, 6, 6, 2, 7, 7]})
    with pytest.raises(ValueError, match="not 0..10"):
        track(d, "rec", measure="nps", item_range=(1, 7))
    r = track(d, "rec", measure="nps", promoters=[7], detractors=range(1, 6),
              item_range=(1, 7))
    w = r[r.term == "wave"]["estimate"].tolist()
    assert_allclose(w, [100 * (2 - 3) / 6, 100 * (3 - 1) / 6], rtol=1e-12)
    assert "promoters 7" in r[r.term == "wave"]["method"].iloc[0]
    with pytest.raises(ValueError, match="for measure='nps'"):
        track(d, "rec", promoters=[7], detractors=range(1, 6))


def test_compare_waves_is_track_for_two_waves(stacked):
    """story/06's compare_waves now returns track's difference, SE and t p-value."""
    from cxresearch.statistics.tracking import compare as wavecompare
    from cxresearch.waves.storage import Wave

    inst = cx.load_instrument("ecsi_mobi")
    rng = np.random.default_rng(3)
    frames = [pd.DataFrame({"cusl3": pd.array(rng.integers(1, 11, 80), dtype="Int64")})
              for _ in range(2)]
    old, new = (Wave(f, inst, {"study": "ecsi_mobi", "wave": lab})
                for f, lab in zip(frames, ("2023", "2024"), strict=True))
    cmp = wavecompare.compare_waves(old, new, items=["cusl3"])
    r = track([old, new], "cusl3", compare="previous")
    ch = r[r.term == "change"].iloc[0]
    row = cmp.differences.iloc[0]
    assert_allclose([row["difference"], row["se"], row["p_value"]],
                    [ch["estimate"], ch["se"], ch["p_value"]], rtol=1e-12)
    assert cmp.tests["p_value"].iloc[0] == pytest.approx(ch["p_value"])


# ------------------------------------------------------------------ chart
class TestTrackingChart:
    def test_draws_bands_rings_and_the_adjusted_line(self, des):
        r = track(des, "nps_code", "wave", adjust=["stype"], p_adjust="none")
        fig = cx.tracking_chart(r, synthetic=True)
        ax = fig.axes[0]
        dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
        assert len(dashed) == 1  # the adjusted line
        rings = [ln for ln in ax.get_lines() if ln.get_markersize() >= 9]
        # w3 - w2 is significant (p = 0.014) without adjustment: one ring, on wave 3
        assert len(rings) == 1 and rings[0].get_xdata()[0] == pytest.approx(3)
        assert ax.collections  # the CI band
        texts = " ".join(t.get_text() for t in fig.texts)
        assert "synthetic" in texts.lower() and "trend" in texts
        assert fig.cx_chart == "tracking_chart" and fig.cx_synthetic
        assert set(fig.cx_data["weighting"]) == {"unadjusted", "adjusted"}

    def test_holm_removes_the_ring(self, des, res):
        fig = cx.tracking_chart(res, items="nps_code")
        rings = [ln for ln in fig.axes[0].get_lines() if ln.get_markersize() >= 9]
        assert rings == []  # Holm-adjusted p of w3 - w2 across the 9 changes is 0.125

    def test_segments_and_gaps(self, stacked):
        parts = {k: Design(g.reset_index(drop=True), weights="pw")
                 for k, g in stacked.groupby("wave")}
        parts[2] = Design(parts[2].data.drop(columns=["api00"]), weights="pw")
        fig = cx.tracking_chart(track(parts, "api00"), ci="whiskers")
        notes = [t.get_text() for t in fig.axes[0].texts]
        assert "not asked" in notes
        r = track(stacked, "api00", "wave", by="sch_wide")
        fig = cx.tracking_chart(r, labels={"api00": "Academic performance"})
        assert fig.axes[0].get_title(loc="left") == "Academic performance"
        assert len(fig.legends[0].get_texts()) == 3  # two segments + the ring

    def test_hostile_input(self, res):
        with pytest.raises(TypeError, match="DataFrame returned by cx.track"):
            cx.tracking_chart([1, 2])
        with pytest.raises(ValueError, match="lacks column"):
            cx.tracking_chart(pd.DataFrame({"item": ["a"]}))
        with pytest.raises(ValueError, match="ci must be"):
            cx.tracking_chart(res, ci="ribbon")
        with pytest.raises(ValueError, match="not in the result"):
            cx.tracking_chart(res, items=["nope"])
        with pytest.raises(ValueError, match="alpha"):
            cx.tracking_chart(res, alpha=2)


def test_docstring_examples_run():
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module("cxresearch.statistics.tracking.track"),
                          optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def test_segment_trends_match_svyglm(des):
    """tests/reference/tracking_segments.R: per-segment slopes (svyglm on the subset design),
    cell means (svyby ~wave + sch_wide) and the wave_index:sch_wide Wald F."""
    ref = r_reference("tracking_segments")
    r = track(des, "api00", "wave", by="sch_wide")
    for seg in ("No", "Yes"):
        row = _rows(r, "api00", "trend", sch_wide=seg)
        assert_allclose(row["estimate"], ref["seg_slopes"][seg]["slope"], rtol=EXACT)
        assert_allclose(row["se"], ref["seg_slopes"][seg]["se"], rtol=LIN)
    cells = r[r.term == "wave"].sort_values(["sch_wide", "wave"])
    assert_allclose(cells["estimate"], ref["cells"]["est"], rtol=EXACT)
    assert_allclose(cells["se"], ref["cells"]["se"], rtol=LIN)
    ti = r[r.term == "trend_interaction"]
    t = ref["trend_interaction"]
    assert_allclose(ti["statistic"], t["F"], rtol=LIN)
    assert ti["ddf"].iloc[0] == t["ddf"] == 407
    assert_allclose(ti["p_value"], t["p"], rtol=LIN)
