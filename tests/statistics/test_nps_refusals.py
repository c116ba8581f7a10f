"""cx.nps, the estimators and track refuse what they cannot answer (issues 24.5 and 26).

Oracles: R's survey package (tests/reference/real_surveys.R) for Kish's effective n within a
domain; hand-made data for every refusal (the message must name the item and the way out).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.errors import SingleRespondentWarning

ROOT = Path(__file__).resolve().parents[1]
REF = json.loads((ROOT / "reference" / "real_surveys.json").read_text())
API = ROOT / "pipeline" / "surveys" / "api_schools"
rng = np.random.default_rng(26)


# --------------------------------------------------------------------- classic cut-offs
@pytest.mark.parametrize("lo,hi", [(1, 7), (1, 5), (1, 4), (0, 6)])
@pytest.mark.parametrize("wrap", ["frame", "design", "weighted"])
def test_plain_short_scale_is_refused_naming_item_and_ways(lo, hi, wrap):
    d = pd.DataFrame({"likely_recommend": rng.integers(lo, hi + 1, 80), "w": 1.5})
    src = {"frame": d, "design": cx.Design(d),
           "weighted": cx.Design(d, weights="w")}[wrap]
    with pytest.raises(ValueError) as err:
        cx.nps(src, "likely_recommend")
    msg = str(err.value)
    assert "'likely_recommend'" in msg
    for way in ("promoters=", "item_range=(0, 10)", "codebook"):
        assert way in msg


def test_plain_0_10_answers_keep_classic_cutoffs():
    d = pd.DataFrame({"r": [10, 9, 8, 6, 0, 10]})
    assert cx.nps(d, "r")["estimate"].iloc[0] == pytest.approx(100 * (3 - 2) / 6)


@pytest.mark.parametrize("kw", [{"item_range": (0, 10)},
                                {"promoters": [7], "detractors": "1-5"},
                                {"promoters": [7], "detractors": "1-5", "item_range": (1, 7)}])
def test_short_scale_with_a_way_out_is_computed(kw):
    d = pd.DataFrame({"r": [7, 6, 5, 1, 7, 3]})
    r = cx.nps(d, "r", **kw)
    assert np.isfinite(r["estimate"].iloc[0])


@pytest.mark.parametrize("pro,det,word", [("11-12", "0-6", "promoters"),
                                          ([12], "0-6", "promoters"),
                                          ("9-10", "-3--1", "detractors")])
def test_unreachable_cutoffs_are_refused(pro, det, word):
    d = pd.DataFrame({"r": rng.integers(0, 11, 60)})
    if det == "-3--1":
        pro, det = [10], [-3, -2, -1]
    with pytest.raises(ValueError, match=rf"item 'r': {word} .* lie beyond every answer"):
        cx.nps(d, "r", promoters=pro, detractors=det)


def test_cutoffs_outside_a_given_scale_are_refused():
    d = pd.DataFrame({"r": rng.integers(0, 11, 60)})
    with pytest.raises(ValueError, match="outside its scale 0..10"):
        cx.nps(d, "r", promoters="11-12", detractors="0-6", item_range=(0, 10))


def test_track_nps_refuses_classic_cutoffs_on_short_scale():
    d = pd.DataFrame({"wave": [1] * 30 + [2] * 30, "r": rng.integers(1, 6, 60)})
    with pytest.raises(ValueError, match="'r'.*promoters="):
        cx.track(d, "r", "wave", measure="nps")


# --------------------------------------------------------------------- overflowing numbers
@pytest.mark.parametrize("big", [1e200, 1e120, -1e200])
@pytest.mark.parametrize("fn", ["mean", "total", "nps", "proportion"])
def test_overflowing_weights_are_refused(big, fn):
    w = np.ones(98)
    w[5] = abs(big)
    d = pd.DataFrame({"r": rng.integers(0, 11, 98), "w": w})
    des = cx.Design(d, weights="w")
    call = {"mean": lambda: cx.mean(des, "r"), "total": lambda: cx.total(des, "r"),
            "nps": lambda: cx.nps(des, "r"), "proportion": lambda: cx.proportion(des, "r")}[fn]
    with pytest.raises(ValueError, match=r"weights='w' has 1 weight\(s\).*row 5"):
        call()


@pytest.mark.parametrize("big", [1e308, -1e308, 1e150])
def test_answers_beyond_float_range_are_refused_naming_column(big):
    d = pd.DataFrame({"spend": rng.normal(size=40), "g": ["a", "b"] * 20})
    d.loc[7, "spend"] = big
    with pytest.raises(ValueError, match=r"var='spend'.*row 7"):
        cx.mean(d, "spend")
    with pytest.raises(ValueError, match=r"value='spend'.*row 7"):
        cx.compare_groups(d, "spend", "g")
    with pytest.raises(ValueError, match=r"item 'spend' in wave"):
        cx.track(d.assign(wave=[1, 2] * 20), "spend", "wave")


# --------------------------------------------------------------------- lonely PSUs, one answer
def _waves_with_single_respondent():
    a = pd.DataFrame({"y": rng.normal(size=30), "st": ["s1"] * 15 + ["s2"] * 15, "w": 2.0})
    b = pd.DataFrame({"y": [1.0], "st": ["s1"], "w": [2.0]})
    return a, b


def test_track_passes_the_designs_lonely_psu_rule_and_one_respondent_has_no_se():
    a, b = _waves_with_single_respondent()
    waves = {"w1": cx.Design(a, weights="w", strata="st", lonely_psu="adjust"),
             "w2": cx.Design(b, weights="w", strata="st", lonely_psu="adjust")}
    with pytest.warns(SingleRespondentWarning, match="one respondent.*'w2'"):
        r = cx.track(waves, "y")
    one = r[(r.term == "wave") & (r.wave == "w2")].iloc[0]
    assert one["estimate"] == 1.0 and np.isnan(one["se"]) and "one respondent" in one["note"]
    ch = r[r.term == "change"]
    assert ch["se"].isna().all() and ch["p_value"].isna().all()
    anyd = r[r.term == "any_difference"].iloc[0]
    assert np.isnan(anyd["p_value"])
    ok = r[(r.term == "wave") & (r.wave == "w1")].iloc[0]
    assert np.isfinite(ok["se"]) and ok["se"] > 0


def test_track_accepts_the_lonely_psu_rule_it_advises():
    a, b = _waves_with_single_respondent()
    b2 = pd.DataFrame({"y": [1.0, 2.0, 4.0], "st": ["s1", "s2", "s2"], "w": 2.0})
    frames = {"w1": a, "w2": b2}
    # a stratum with one PSU: refused by default, accepted with the rule the error advises
    with pytest.raises(ValueError, match="lonely_psu="):
        cx.track({k: cx.Design(v, weights="w", strata="st") for k, v in frames.items()}, "y")
    d1 = cx.Design(a, weights="w", strata="st")
    d2 = cx.Design(b2, weights="w", strata="st", lonely_psu="adjust")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SingleRespondentWarning)
        r = cx.track({"w1": d1, "w2": d2}, "y", lonely_psu="adjust")
    assert r.loc[r.term == "wave", "se"].notna().all()


def test_track_lonely_psu_on_stacked_frame():
    a, b = _waves_with_single_respondent()
    st = pd.concat([a.assign(wave="w1"), b.assign(wave="w2")], ignore_index=True)
    with pytest.warns(SingleRespondentWarning):
        r = cx.track(cx.Design(st, weights="w", strata="st", lonely_psu="adjust"), "y", "wave")
    assert np.isnan(r.loc[(r.term == "wave") & (r.wave == "w2"), "se"].iloc[0])


# --------------------------------------------------------------------- one effective n
def _api2000():
    d = pd.read_csv(API / "api_2000.csv").rename(columns={"avg.ed": "avg_ed"})
    return cx.Design(d, weights="pw", strata="stratum", fpc="fpc")


def test_effective_n_is_kish_within_the_domain_as_r():
    des = _api2000()
    ref = REF["api_awards"]
    r = cx.mean(des, "api", by="awards")
    np.testing.assert_allclose(r["estimate"], ref["est"], rtol=1e-10)
    np.testing.assert_allclose(r["se"], ref["se"], rtol=1e-8)
    # Kish: sum(w)^2 / sum(w^2) over the domain's respondents (exact arithmetic)
    np.testing.assert_allclose(r["n_eff"], ref["neff"], rtol=1e-12)
    # the same number from a proportion, an NPS-free index and the tracking of one wave
    p = cx.proportion(des, "sch.wide", by="awards")
    np.testing.assert_allclose(p.groupby("awards", observed=True)["n_eff"].first(),
                               ref["neff"], rtol=1e-12)


def test_effective_n_in_tracking_is_kish():
    des = _api2000()
    r = cx.track({"2000": des, "again": des}, "api")
    w = des.weights
    np.testing.assert_allclose(r.loc[r.term == "wave", "n_eff"], w.sum() ** 2 / (w**2).sum(),
                               rtol=1e-12)


def test_one_effective_n_in_estimates_banners_groups_and_tracking():
    """The same cell, four routes, one number: Kish's n within the domain (issue 26)."""
    des = _api2000()
    ref = REF["api_awards"]["neff"]
    est = cx.mean(des, "api", by="awards")["n_eff"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ban = cx.banner(des, ["api"], ["awards"]).table
        grp = cx.compare_groups(des, "api", "awards").groups["n_eff"].to_numpy()
        trk = cx.track({"a": des, "b": des}, "api", by="awards")
    ban = ban[ban["column"] != "Total"]["n_eff"].to_numpy()
    trk = trk[(trk["term"] == "wave") & (trk["wave"] == "a")]["n_eff"].to_numpy()
    for got in (est, ban, grp, trk):
        np.testing.assert_allclose(got, ref, rtol=1e-12)


def test_deff_with_weights_averaging_one_is_against_sampling_with_replacement():
    """Normalized weights estimate no population: deff as svymean(deff = "replace"), not
    R's default, which gives NA and 9.84 for these two domains (1 - n/sum(w) near 0)."""
    d = pd.read_csv(API / "api_2000.csv")
    d["nw"] = d["pw"] / d["pw"].mean()
    des = cx.Design(d, weights="nw", strata="stratum")
    ref = REF["api_normalized_deff"]
    r = cx.mean(des, "api", by="awards")
    np.testing.assert_allclose(r["deff"], ref["replace"], rtol=1e-8)
    np.testing.assert_allclose(r["n_eff"], ref["neff"], rtol=1e-12)
    assert ref["wor"][0] == "NA" and ref["wor"][1] > 5  # what the default would have shown
    trk = cx.track({"a": des, "b": des}, "api", by="awards")
    np.testing.assert_allclose(trk.loc[(trk.term == "wave") & (trk.wave == "a"), "deff"],
                               ref["replace"], rtol=1e-8)


def test_track_of_waves_with_a_one_respondent_wave(tmp_path):
    """Waves (not Designs): a wave of one respondent is one PSU in its stratum; track refuses
    it by default naming the rule, and with lonely_psu= gives it an undefined SE."""
    beps = ROOT / "pipeline" / "surveys" / "beps_1997"
    inst = cx.load_instrument(beps / "beps_1997.yaml")
    d = pd.read_csv(beps / "beps.csv")
    d.iloc[:1].to_csv(tmp_path / "one.csv", index=False)
    big = cx.ingest(str(beps / "beps.csv"), inst, "1997", write=False)
    one = cx.ingest(str(tmp_path / "one.csv"), inst, "2001", write=False)
    with pytest.raises(ValueError, match="lonely_psu="):
        cx.track([big, one], "blair")
    with pytest.warns(SingleRespondentWarning, match="'2001'"):
        r = cx.track([big, one], "blair", lonely_psu="adjust")
    w2 = r[(r.term == "wave") & (r.wave == "2001")].iloc[0]
    assert w2["estimate"] == d["blair"].iloc[0] and np.isnan(w2["se"])
    assert r.loc[r.term == "change", "p_value"].isna().all()
