"""likert_index / top_box / csat / nps against R's survey (svyratio, svymean, svyciprop on items
derived from apistrat, tests/reference/survey_core.R), plus invariants.

Tolerances: ratio and mean estimates and their SEs are closed-form (rtol 1e-9); interval
end points involve quantile functions (rtol 1e-7).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from support import fake_wave, r_reference, reference_csv

import cxresearch as cx
from cxresearch.sampling.design import Design

REF = r_reference("survey_core")["items"]
EXACT, QUANT = 1e-9, 1e-7


def _r(x):
    return np.ravel(np.asarray(x, dtype=float))


@pytest.fixture(scope="module")
def ditems():
    d = reference_csv("apistrat")
    # the same integer formulas as survey_core.R
    d["nps_x"] = np.minimum(10, (d.api00 - 390) // 50)
    d["q1"] = np.minimum(5, 1 + d.meals // 20)
    d["q2"] = pd.array(np.where(d.ell > 70, np.nan, np.minimum(5, 1 + d.ell // 15)),
                       dtype="Float64").astype("Int64")
    d["q3"] = np.minimum(5, 1 + d.emer // 5)
    return Design(d, weights="pw", strata="stype", fpc="fpc")


def test_nps_matches_svymean_of_codes(ditems):
    r = cx.nps(ditems, "nps_x")
    assert r.measure.tolist() == ["nps", "mean_0_10"]
    n, m = r.iloc[0], r.iloc[1]
    np.testing.assert_allclose([n.estimate, n.se, n.deff],
                               [_r(REF["nps"][k])[0] for k in ("est", "se", "deff")], rtol=EXACT)
    np.testing.assert_allclose([n.ci_low, n.ci_high], [REF["nps_ci_t"]["lo"],
                                                       REF["nps_ci_t"]["hi"]], rtol=QUANT)
    np.testing.assert_allclose([m.estimate, m.se], [_r(REF["mean_0_10"][k])[0]
                                                    for k in ("est", "se")], rtol=EXACT)
    assert "not an NPS" in m.method and "-100..100" in n.method


def test_nps_by_group_and_detail(ditems):
    r = cx.nps(ditems, "nps_x", by="sch.wide")
    nps = r[r.measure == "nps"]
    np.testing.assert_allclose(nps.estimate, REF["nps_by_schwide"]["est"], rtol=EXACT)
    np.testing.assert_allclose(nps.se, REF["nps_by_schwide"]["se"], rtol=EXACT)
    np.testing.assert_allclose(nps.deff, REF["nps_by_schwide"]["deff"], rtol=EXACT)
    d = cx.nps(ditems, "nps_x", detail=True).set_index("measure").estimate
    assert d["nps"] == pytest.approx(d["pct_promoters"] - d["pct_detractors"])
    assert d["pct_promoters"] + d["pct_passives"] + d["pct_detractors"] == pytest.approx(100)


def test_nps_equals_mean_of_recoded_answers_and_rejects_out_of_scale():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 11, 300)
    d = pd.DataFrame({"r": x})
    codes = np.select([x >= 9, x <= 6], [100.0, -100.0], 0.0)
    r = cx.nps(d, "r")
    assert r.estimate[0] == pytest.approx(codes.mean())
    assert r.se[0] == pytest.approx(codes.std(ddof=1) / np.sqrt(300))
    assert r.estimate[1] == pytest.approx(x.mean())
    with pytest.raises(ValueError, match=r"item 'r' has value\(s\) \[11.0\] outside its scale"):
        cx.nps(pd.DataFrame({"r": [1, 11]}), "r")
    # a tiny sample: the t interval is clipped to the scale
    small = cx.nps(pd.DataFrame({"r": [10, 10, 0]}), "r")
    assert small.ci_low[0] >= -100 and small.ci_high[0] <= 100


def test_likert_index_share_matches_svyratio(ditems):
    r = cx.likert_index(ditems, ["q1", "q2", "q3"], coding="1-5")
    idx = r[r.kind == "index"].iloc[0]
    np.testing.assert_allclose([idx.estimate, idx.se],
                               [_r(REF["index_share"]["est"])[0], _r(REF["index_share"]["se"])[0]],
                               rtol=EXACT)
    q2 = r[r.item == "q2"].iloc[0]
    np.testing.assert_allclose([q2.estimate, q2.se], [_r(REF["item_q2_share"]["est"])[0],
                                                      _r(REF["item_q2_share"]["se"])[0]],
                               rtol=EXACT)
    assert "coded 1-5" in idx.method and "left out" in idx.method
    assert idx.n == int((~ditems.data.q2.isna()).sum())
    # the index is the mean of the item scores when every item has the same scale
    assert idx.estimate == pytest.approx(r[r.kind == "item"].estimate.mean())


def test_likert_index_coding_pomp_and_by(ditems):
    r04 = cx.likert_index(ditems, ["q1", "q2", "q3"], coding="0-4")
    idx = r04[r04.kind == "index"].iloc[0]
    np.testing.assert_allclose([idx.estimate, idx.se], [_r(REF["index_share_04"]["est"])[0],
                                                        _r(REF["index_share_04"]["se"])[0]],
                               rtol=EXACT)
    p = cx.likert_index(ditems, ["q1", "q2", "q3"], scale="pomp", item_range=(1, 5))
    pi = p[p.kind == "index"].iloc[0]
    np.testing.assert_allclose([pi.estimate, pi.se], [_r(REF["index_pomp"]["est"])[0],
                                                      _r(REF["index_pomp"]["se"])[0]], rtol=EXACT)
    # POMP = 100 * share on the 0-4 coding
    assert pi.estimate == pytest.approx(100 * idx.estimate)
    b = cx.likert_index(ditems, ["q1", "q2", "q3"], by="sch.wide", coding="1-5")
    bi = b[b.kind == "index"]
    np.testing.assert_allclose(bi.estimate, REF["index_by_schwide"]["est"], rtol=EXACT)
    np.testing.assert_allclose(bi.se, REF["index_by_schwide"]["se"], rtol=EXACT)


def test_likert_index_dimensions_wave_and_missing_available():
    d = pd.DataFrame({"a": [5, 4, 3, 1], "b": [4, pd.NA, 2, 5], "c": [1, 2, 3, 4]})
    d = d.astype("Int64")
    inst = SimpleNamespace(indices={"measure": ["a", "b"], "manage": ["c"]},
                           items={k: SimpleNamespace(scale_min=1, scale_max=5, levels=[])
                                  for k in "abc"})
    wave = fake_wave(d, inst, design=lambda: Design(d))
    r = cx.likert_index(wave, "measure")
    assert set(r.dimension) == {"measure"} and r.n.tolist() == [3, 3, 3]
    av = cx.likert_index(d, {"m": ["a", "b"], "n": ["c"]}, missing="available",
                         item_range=(1, 5))
    m = av[(av.dimension == "m") & (av.kind == "index")].iloc[0]
    assert m.estimate == pytest.approx((13 + 11) / (7 * 5)) and m.n == 4
    with pytest.raises(ValueError, match="not an index of the codebook"):
        cx.likert_index(wave, "master")
    with pytest.raises(ValueError, match=r"value\(s\) \[7.0\] outside its scale 1..5"):
        cx.likert_index(pd.DataFrame({"a": [1, 7]}), ["a"], coding="1-5")
    with pytest.raises(ValueError, match=r"coding '1-7' has 7 points but item\(s\) 'a'"):
        cx.likert_index(d, ["a"], coding="1-7", item_range=(1, 5))
    with pytest.raises(ValueError, match="coding must look like"):
        cx.likert_index(d, ["a"], coding="five")


def test_top_box_and_csat_match_svyciprop(ditems):
    t = cx.top_box(ditems, "q1", k=2, item_range=(1, 5))
    ref = REF["top2_q1"]
    np.testing.assert_allclose([t.estimate[0], t.se[0]], [ref["est"], ref["se"]], rtol=EXACT)
    np.testing.assert_allclose([t.ci_low[0], t.ci_high[0]], [ref["lo"], ref["hi"]], rtol=QUANT)
    assert "answers 4..5 on 1..5" in t.method[0]
    c = cx.csat(ditems, "q3", threshold=3, ci_method="beta", item_range=(1, 5))
    ref = REF["csat3_q3"]
    np.testing.assert_allclose([c.estimate[0], c.ci_low[0], c.ci_high[0]],
                               [ref["est"], ref["lo"], ref["hi"]], rtol=QUANT)
    assert ">= 3 on 1..5" in c.method[0]
    # default CSAT threshold: top-two-box
    assert cx.csat(ditems, "q1", item_range=(1, 5)).estimate[0] == pytest.approx(t.estimate[0])


def test_top_box_ordered_categorical_and_errors():
    s = pd.Categorical(["bad", "ok", "good", "great", "great"],
                       categories=["bad", "ok", "good", "great"], ordered=True)
    r = cx.top_box(pd.DataFrame({"q": s}), "q", k=1)
    assert r.estimate[0] == pytest.approx(0.4)
    with pytest.raises(TypeError, match="unordered categorical"):
        cx.top_box(pd.DataFrame({"q": pd.Categorical(["a", "b"])}), "q")
    with pytest.raises(ValueError, match="threshold=9 is outside the scale"):
        cx.csat(pd.DataFrame({"q": [1, 5]}), "q", threshold=9, item_range=(1, 5))
    with pytest.raises(ValueError, match="empty domain"):
        cx.top_box(pd.DataFrame({"q": pd.array([pd.NA, pd.NA], dtype="Int64")}), "q",
                   item_range=(1, 5))


# --------------------------------------------------------------------------- scales from the codebook
NPSREF = r_reference("nps_scales")["designs"]


@pytest.fixture(scope="module")
def wave17():
    from cxresearch.codebooks.items import Item

    d = reference_csv("nps_scales_apistrat")
    d["r7rev"] = 8 - d["r7"]  # the same answers, stored reverse-keyed
    items = {"r7": Item(id="r7", type="rating", scale_min=1, scale_max=7),
             "r5": Item(id="r5", type="rating", scale_min=1, scale_max=5),
             "r7rev": Item(id="r7rev", type="rating", scale_min=1, scale_max=7, reverse=True)}
    inst = SimpleNamespace(items=items, indices={"mixed": ["r7", "r5"], "loyal": ["r7", "r7rev"]})
    return fake_wave(d, inst, design=lambda: Design(d, weights="pw", strata="stype", fpc="fpc"))


def test_top_and_bottom_box_take_the_codebook_scale(wave17):
    ref = NPSREF["strat"]
    # top-2-box of a 1-7 item = share answering 6-7 = the promoters of "nps7_67" in R
    t = cx.top_box(wave17, "r7")
    np.testing.assert_allclose([t.estimate[0], t.se[0]], [ref["nps7_67"]["promoters"]["est"],
                                                          ref["nps7_67"]["promoters"]["se"]],
                               rtol=EXACT)
    assert "answers 6..7 on 1..7); scale from codebook scale" in t.method[0]
    t1 = cx.top_box(wave17, "r7", k=1)
    np.testing.assert_allclose(t1.estimate[0], ref["nps7"]["promoters"]["est"], rtol=EXACT)
    b = cx.bottom_box(wave17, "r5", k=3)
    np.testing.assert_allclose([b.estimate[0], b.se[0]], [ref["nps5"]["detractors"]["est"],
                                                          ref["nps5"]["detractors"]["se"]],
                               rtol=EXACT)
    assert "answers 1..3 on 1..5" in b.method[0]
    # CSAT default threshold: the second-highest answer of the item's own scale
    c = cx.csat(wave17, "r7")
    assert c.estimate[0] == pytest.approx(t.estimate[0]) and ">= 6 on 1..7" in c.method[0]
    # reverse keying from the codebook: the top box is the favourable end
    tr = cx.top_box(wave17, "r7rev")
    assert tr.estimate[0] == pytest.approx(t.estimate[0]) and "reverse-keyed" in tr.method[0]
    raw = cx.top_box(wave17, "r7rev", reverse=False)
    assert raw.estimate[0] == pytest.approx(cx.bottom_box(wave17, "r7").estimate[0])


def test_likert_index_codebook_scale_mixed_scales_and_reverse(wave17):
    r = cx.likert_index(wave17, ["r7"])  # a 1-7 item: coding 1-7 by default, not refused
    idx = r[r.kind == "index"].iloc[0]
    np.testing.assert_allclose(idx.estimate, NPSREF["strat"]["mean_1_7"]["est"] / 7, rtol=EXACT)
    np.testing.assert_allclose(idx.se, NPSREF["strat"]["mean_1_7"]["se"] / 7, rtol=EXACT)
    assert "points coded 1-7" in idx.method and "codebook scale" in idx.method
    m = cx.likert_index(wave17, ["r7"], scale="mean").iloc[-1]
    np.testing.assert_allclose([m.estimate, m.se], [NPSREF["strat"]["mean_1_7"]["est"],
                                                    NPSREF["strat"]["mean_1_7"]["se"]],
                               rtol=EXACT)
    with pytest.raises(ValueError, match=r"dimension 'mixed' mixes scales: r7 1..7, r5 1..5; "
                                         r"score it with scale='pomp'"):
        cx.likert_index(wave17, "mixed")
    with pytest.raises(ValueError, match="mixes scales"):
        cx.likert_index(wave17, ["r7", "r5"], coding="1-7")
    p = cx.likert_index(wave17, "mixed", scale="pomp")
    pi = p[p.kind == "index"].iloc[0]
    pomp = 100 * ((wave17.data.r7 - 1) / 6 + (wave17.data.r5 - 1) / 4) / 2
    w = wave17.data.pw
    assert pi.estimate == pytest.approx(float((w * pomp).sum() / w.sum()), rel=1e-12)
    assert "1..5, 1..7" in pi.method
    # r7rev is r7 stored upside down and declared reverse: same score as r7
    lo = cx.likert_index(wave17, "loyal").set_index("item").estimate
    assert lo["r7rev"] == pytest.approx(lo["r7"]) and lo["loyal"] == pytest.approx(lo["r7"])
    off = cx.likert_index(wave17, "loyal", reverse=[]).set_index("item").estimate
    assert off["r7rev"] == pytest.approx(1 - lo["r7"] + 1 / 7)  # (8 - x) on 1..7 points
    with pytest.raises(ValueError, match=r"reverse=\['zz'\] names item\(s\) \['zz'\]"):
        cx.likert_index(wave17, "loyal", reverse=["zz"])


def test_plain_columns_without_a_scale_are_refused():
    d = pd.DataFrame({"q": [1, 2, 3, 7]})
    for fn in (cx.top_box, cx.bottom_box, cx.csat):
        with pytest.raises(ValueError, match=r"item 'q' has no known scale: pass item_range="):
            fn(d, "q")
    with pytest.raises(ValueError, match="item 'q' has no known scale"):
        cx.likert_index(d, ["q"])
    assert cx.top_box(d, "q", item_range=(1, 7)).estimate[0] == pytest.approx(0.25)
    for bad in [(5, 1), (1,), "1-5", (1.5, 5), None, (True, 5)]:
        if bad is None:
            continue
        with pytest.raises(ValueError, match="item_range must be"):
            cx.top_box(d, "q", item_range=bad)
    for k in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match="k must be"):
            cx.top_box(d, "q", k=k, item_range=(1, 7))
    with pytest.raises(ValueError, match="leaves no answer outside"):
        cx.top_box(d, "q", k=7, item_range=(1, 7))
    with pytest.raises(ValueError, match="threshold must be"):
        cx.csat(d, "q", threshold="4", item_range=(1, 7))
    with pytest.raises(TypeError, match="boolean"):
        cx.top_box(pd.DataFrame({"q": [True, False]}), "q", item_range=(0, 1))
    s = pd.Categorical(["lo", "mid", "hi"], categories=["lo", "mid", "hi"], ordered=True)
    with pytest.raises(ValueError, match="does not fit item 'q', an ordered categorical"):
        cx.top_box(pd.DataFrame({"q": s}), "q", item_range=(1, 5))


def test_to_pomp_reverse_keyed(wave17):
    est = cx.mean(wave17, ["r7", "r7rev"])
    from cxresearch.statistics.estimates.indices import to_pomp

    p = to_pomp(est, wave17.instrument).set_index("item")
    assert p.loc["r7rev", "estimate"] == pytest.approx(p.loc["r7", "estimate"])
    assert p.loc["r7rev", "ci_low"] == pytest.approx(p.loc["r7", "ci_low"])
    assert p.loc["r7rev", "item_range"] == "1–7 reversed" and p.loc["r7", "item_range"] == "1–7"
