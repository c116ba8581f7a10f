"""Banner tables (cxresearch.statistics.banner.build) against R's survey package.

Oracle: tests/reference/banner.R -> banner.json (svyby(covmat=TRUE) + svycontrast on the api
data: a stratified design whose strata are the banner columns, and a one-stage cluster design
whose districts hold several school types, so the columns covary; prop.test and t.test on
apisrs). The letters are checked to follow from R's p-values, not from ours.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.statistics.banner.build import banner

R = r_reference("banner")
COLS = ["E", "H", "M"]
# R row name -> (our row spec, the level row that holds the estimate)
ROWS = {"awards": ("awards", "Yes"), "sch_wide": ("sch.wide", "Yes"),
        "api00": ("mean:api00", "mean"), "ell": ("mean:ell", "mean")}
BAND = ["le600", "600to750", "gt750"]


def _prep(d: pd.DataFrame) -> pd.DataFrame:
    d = d.copy()
    d["band"] = pd.cut(d["api00"], [-np.inf, 600, 750, np.inf], labels=BAND)
    return d


@pytest.fixture(scope="module")
def designs():
    s = _prep(reference_csv("apistrat"))
    c = _prep(reference_csv("apiclus1"))
    return {"strat": cx.Design(s, weights="pw", strata="stype"),
            "clus1": cx.Design(c, weights="pw", psu="dnum")}


@pytest.fixture(scope="module")
def results(designs):
    rows = [v[0] for v in ROWS.values()] + ["band"]
    return {k: banner(d, rows, "stype", compare_total=True, alpha=(0.01, 0.05))
            for k, d in designs.items()}


def _cells(res, item, level):
    t = res.table
    sub = t[(t["item"] == item) & (t["level"] == level)].set_index("column")
    return sub.loc[[f"stype={c}" for c in COLS]], int(sub["row"].iloc[0])


def _targets():
    for dn in ("strat", "clus1"):
        for rn, (spec, level) in ROWS.items():
            yield dn, rn, spec.split(":")[-1], level, R["designs"][dn]["rows"][rn]
        for lev in BAND:
            yield dn, f"band:{lev}", "band", lev, R["designs"][dn]["rows"]["api00_band"][lev]


TARGETS = list(_targets())
IDS = [f"{t[0]}-{t[1]}" for t in TARGETS]


@pytest.mark.parametrize("dn,rn,item,level,ref", TARGETS, ids=IDS)
def test_cells_match_svyby(results, dn, rn, item, level, ref):
    cells, _ = _cells(results[dn], item, level)
    # estimates and bases are sums of the same numbers: agree to rounding
    assert_allclose(cells["estimate"], ref["est"], rtol=1e-10)
    assert_allclose(cells["n"], ref["n"], rtol=0)
    assert_allclose(cells["wbase"], ref["wbase"], rtol=1e-10)
    assert_allclose(cells["n_eff"], ref["neff"], rtol=1e-10)
    # linearized SEs: same formula, different summation order -> 1e-8 relative
    assert_allclose(cells["se"], ref["se"], rtol=1e-8)


@pytest.mark.parametrize("dn,rn,item,level,ref", TARGETS, ids=IDS)
def test_pairs_match_svycontrast(results, dn, rn, item, level, ref):
    res = results[dn]
    _, row = _cells(res, item, level)
    pairs = res.pairs[res.pairs["row"] == row].set_index(["a", "b"])
    for p in ref["pairs"]:
        ours = pairs.loc[(f"stype={p['a']}", f"stype={p['b']}")]
        assert ours["diff"] == pytest.approx(p["diff"], rel=1e-10, abs=1e-12)
        # the SE includes the covariance of the two domains (non-zero in clus1)
        assert ours["se"] == pytest.approx(p["se"], rel=1e-8)
        assert ours["df"] == p["df"]
        # p-values from t with design df: 1e-6 relative (tail areas of the same t)
        assert ours["p"] == pytest.approx(p["p_t"], rel=1e-6)


@pytest.mark.parametrize("dn,rn,item,level,ref", TARGETS, ids=IDS)
def test_complement_matches_svycontrast(results, dn, rn, item, level, ref):
    cells, _ = _cells(results[dn], item, level)
    for comp, (_, cell) in zip(ref["complement"], cells.iterrows(), strict=True):
        assert cell["p_total"] == pytest.approx(comp["p_t"], rel=1e-6)
        want = "+" if comp["p_t"] < 0.05 and comp["diff"] > 0 else (
            "-" if comp["p_t"] < 0.05 else "")
        assert cell["vs_total"] == want


def _letters_from_r(ref, alpha=(0.01, 0.05), key="p_t"):
    out = {c: [] for c in COLS}
    for p in ref["pairs"]:
        pv = p[key] if key in p else p["p"]
        if pv < alpha[1]:
            hi, lo = (p["a"], p["b"]) if p["diff"] > 0 else (p["b"], p["a"])
            letter = "ABC"[COLS.index(lo)]
            out[hi].append(letter if pv < alpha[0] else letter.lower())
    return ["".join(sorted(v, key=str.upper)) for v in (out[c] for c in COLS)]


@pytest.mark.parametrize("dn,rn,item,level,ref", TARGETS, ids=IDS)
def test_letters_follow_from_r_pvalues(results, dn, rn, item, level, ref):
    cells, _ = _cells(results[dn], item, level)
    assert list(cells["letters"]) == _letters_from_r(ref)


def test_some_letters_are_set(results):
    # the comparison above would pass vacuously if nothing were significant
    letters = pd.concat([r.table["letters"] for r in results.values()])
    assert (letters.str.len() > 0).sum() >= 5
    assert letters.str.contains("[a-z]").any() and letters.str.contains("[A-Z]").any()


def test_clustered_columns_covary(designs):
    # R: the clus1 vcov has off-diagonal terms; the pair SE differs from sqrt(se_a^2 + se_b^2)
    ref = R["designs"]["clus1"]["rows"]["api00"]
    p = ref["pairs"][0]
    indep = np.hypot(ref["se"][0], ref["se"][1])
    assert abs(p["se"] - indep) / indep > 0.05
    res = banner(designs["clus1"], ["mean:api00"], "stype")
    assert res.pairs["se"].iloc[0] == pytest.approx(p["se"], rel=1e-8)


# ----------------------------------------------------------------------------- unweighted
@pytest.fixture(scope="module")
def srs():
    return _prep(reference_csv("apisrs"))


@pytest.mark.parametrize("rn,item", [("awards", "awards"), ("sch_wide", "sch.wide")])
def test_classical_proportions_match_prop_test(srs, rn, item):
    ref = R["unweighted_srs"][rn]
    res = banner(srs, [item], "stype", test="classical")
    _, row = _cells(res, item, "Yes")
    pairs = res.pairs[res.pairs["row"] == row].set_index(["a", "b"])
    for p in ref["pairs"]:
        ours = pairs.loc[(f"stype={p['a']}", f"stype={p['b']}")]
        assert ours["t"] ** 2 == pytest.approx(p["chisq"], rel=1e-10)  # z^2 = X^2
        assert ours["p"] == pytest.approx(p["p"], rel=1e-8)
    cells, _ = _cells(res, item, "Yes")
    assert list(cells["letters"]) == _letters_from_r(ref, key="p")


@pytest.mark.parametrize("welch,key", [(True, "welch"), (False, "pooled")])
def test_classical_means_match_t_test(srs, welch, key):
    ref = R["unweighted_srs"]["api00"]
    res = banner(srs, ["mean:api00"], "stype", test="classical", welch=welch)
    cells, _ = _cells(res, "api00", "mean")
    assert_allclose(cells["estimate"], ref["mean"], rtol=1e-12)
    assert_allclose(cells["sd"], ref["sd"], rtol=1e-10)
    pairs = res.pairs.set_index(["a", "b"])
    for p in ref["pairs"]:
        ours = pairs.loc[(f"stype={p['a']}", f"stype={p['b']}")]
        assert ours["t"] == pytest.approx(p[f"t_{key}"], rel=1e-10)
        assert ours["df"] == pytest.approx(p[f"df_{key}"], rel=1e-10)
        assert ours["p"] == pytest.approx(p[f"p_{key}"], rel=1e-8)
    want = _letters_from_r({"pairs": [dict(p, p=p[f"p_{key}"]) for p in ref["pairs"]]},
                           key="p")
    assert list(cells["letters"]) == want


def test_classical_refuses_weighted_design(designs):
    with pytest.raises(ValueError, match="test='classical'"):
        banner(designs["strat"], ["awards"], "stype", test="classical")


# ----------------------------------------------------------------------------- invariants
def _toy(n=400, seed=1):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({
        "region": pd.Categorical(rng.choice(["north", "south", "west"], n)),
        "q1": rng.integers(1, 6, n).astype(float),
        "rec": rng.integers(0, 11, n).astype(float),
        "w": rng.uniform(0.5, 2, n),
    })
    d.loc[:5, "q1"] = np.nan
    for opt in ("email", "phone", "chat"):
        d[f"ch__{opt}"] = pd.array(rng.random(n) < 0.4, dtype="boolean")
    d.loc[:9, ["ch__email", "ch__phone", "ch__chat"]] = pd.NA
    d["q1c"] = pd.Categorical.from_codes(
        np.nan_to_num(d["q1"], nan=0).astype(int) - 1, ["sd", "d", "n", "a", "sa"],
        ordered=True)
    return d


def test_level_shares_sum_to_one_and_total_matches_mean():
    d = _toy()
    des = cx.Design(d, weights="w")
    res = banner(des, ["q1c", "mean:q1"], "region")
    t = res.table
    shares = t[t["item"] == "q1c"].groupby("column")["estimate"].sum()
    assert_allclose(shares, 1.0, rtol=1e-12)
    tot = t[(t["item"] == "q1") & (t["column"] == "Total")]
    ok = d["q1"].notna()
    assert tot["estimate"].iloc[0] == pytest.approx(np.average(d["q1"][ok], weights=d["w"][ok]))
    assert tot["n"].iloc[0] == ok.sum()  # base: respondents answering the row


def test_mean_and_se_agree_with_cx_mean_by():
    d = _toy()
    des = cx.Design(d, weights="w")
    res = banner(des, ["mean:q1"], "region", total=False)
    ref = cx.mean(des, "q1", by="region")
    assert_allclose(res.table["estimate"], ref["estimate"], rtol=1e-12)
    assert_allclose(res.table["se"], ref["se"], rtol=1e-10)


def test_multi_select_base_is_respondents():
    d = _toy()
    res = banner(d, ["ch"], "region")
    t = res.table[res.table["column"] == "Total"]
    assert list(t["level"]) == ["email", "phone", "chat"]
    assert (t["n"] == len(d) - 10).all()
    ans = d.loc[10:, "ch__email"].astype(bool)
    assert t["estimate"].iloc[0] == pytest.approx(ans.mean())
    assert any("Multi-select" in n for n in res.notes)


def test_nps_row_and_cutoffs():
    d = _toy()
    res = banner(d, ["nps:rec"], "region")
    tot = res.table[res.table["column"] == "Total"]["estimate"].iloc[0]
    want = 100 * ((d["rec"] >= 9).mean() - (d["rec"] <= 6).mean())
    assert tot == pytest.approx(want)
    res2 = banner(d, [{"kind": "nps", "item": "rec", "promoters": "8-10",
                       "detractors": "0-5"}], "region")
    tot2 = res2.table[res2.table["column"] == "Total"]["estimate"].iloc[0]
    assert tot2 == pytest.approx(100 * ((d["rec"] >= 8).mean() - (d["rec"] <= 5).mean()))
    assert any("promoters 8-10" in n for n in res2.notes)


def test_nets_top2_bottom2_and_custom():
    d = _toy()
    res = banner(d, ["top2:q1c", "bottom2:q1c",
                     {"kind": "net", "item": "q1", "levels": [3], "label": "Neutral"}],
                 "region", total=True)
    t = res.table[res.table["column"] == "Total"].set_index("level")
    ok = d["q1"].notna()
    assert t.loc["top2", "estimate"] == pytest.approx((d["q1"][ok] >= 4).mean())
    assert t.loc["bottom2", "estimate"] == pytest.approx((d["q1"][ok] <= 2).mean())
    assert t.loc["Neutral", "estimate"] == pytest.approx((d["q1"][ok] == 3).mean())
    assert "Top-2 (a, sa)" in set(res.table["row_label"])   # no codebook: the values


def test_letters_are_direction_and_case_consistent():
    d = _toy(3000, seed=3)
    d.loc[d["region"] == "north", "q1"] = 5.0   # north far higher
    res = banner(d, ["mean:q1"], "region", total=False)
    t = res.table.set_index("column")
    assert t.loc["region=north", "letters"] == "BC"
    assert t.loc["region=south", "letters"] in ("", "c", "C")
    # the same comparisons at one looser alpha give upper case only
    r1 = banner(d, ["mean:q1"], "region", alpha=0.05)
    assert not r1.table["letters"].str.contains("[a-z]").any()


def test_multiplicity_only_removes_letters():
    d = _toy(600, seed=7)
    d["q1"] = d["q1"] + (d["region"] == "north") * 0.25
    a = banner(d, ["mean:q1", "q1c"], "region")
    h = banner(d, ["mean:q1", "q1c"], "region", p_adjust="holm")
    assert (h.pairs["p_adj"] >= h.pairs["p"] - 1e-15).all()
    for la, lh in zip(a.table["letters"], h.table["letters"], strict=True):
        assert set(lh.upper()) <= set(la.upper())
    assert any("Holm" in n for n in h.notes)


def test_small_bases_flagged_and_suppressed():
    d = _toy(200)
    d["seg"] = pd.Categorical(["tiny"] * 3 + ["small"] * 20 + ["big"] * 177)
    res = banner(d, ["mean:q1"], "seg")
    t = res.table.set_index("column")
    assert t.loc["seg=tiny", "suppressed"] and np.isnan(t.loc["seg=tiny", "estimate"])
    assert t.loc["seg=small", "small_base"] and not t.loc["seg=small", "suppressed"]
    tiny_pairs = res.pairs[(res.pairs["a"] == "seg=tiny") | (res.pairs["b"] == "seg=tiny")]
    assert tiny_pairs["p"].isna().all() and (tiny_pairs["sig"] == "").all()
    assert "–" in res.wide().to_string()


def test_nested_columns_compare_within_outer_level():
    d = _toy(800)
    d["role"] = pd.Categorical(np.where(np.arange(800) % 2, "mkt", "cs"))
    res = banner(d, ["mean:q1"], [("role", "region")])
    assert len(res.columns) == 1 + 6
    assert set(res.columns["group"]) == {-1, 0, 1}
    # no pair crosses the outer level
    for a, b in zip(res.pairs["a"], res.pairs["b"], strict=True):
        assert a.split(" / ")[0] == b.split(" / ")[0]


def test_codebook_labels_and_language(tmp_path):
    from support import fake_wave

    class Lv:
        def __init__(self, value, en, zh, code=None):
            self.value, self.code, self.labels = value, code, {"en": en, "zh": zh}

        def label(self, lang="en"):
            return self.labels.get(lang) or self.labels["en"]

    class It:
        def __init__(self, id, type, wording, levels=(), short=None):
            self.id, self.type, self.wording, self.levels = id, type, wording, list(levels)
            self.options, self.short = [], short
            self.scale_min = self.scale_max = None

    class Ins:
        items = {"region": It("region", "single", {"en": "Region", "zh": "地区"},
                              [Lv("north", "North", "北"), Lv("south", "South", "南"),
                               Lv("west", "West", "西")]),
                 "q1": It("q1", "rating", {"en": "How satisfied are you?", "zh": "满意吗"},
                          short={"en": "Satisfaction"})}
        name = "toy"

    w = fake_wave(_toy(), Ins(), {"study": "toy", "wave": "w1"}, synthetic=True)
    w.design = lambda: cx.Design(w.data, weights="w")
    res = banner(w, ["mean:q1"], "region", lang="zh")
    assert list(res.columns["column_label"][1:]) == ["北", "南", "西"]
    assert res.table["block_label"].iloc[0] == "满意吗"
    short = banner(w, ["mean:q1"], "region", labels="short")
    assert short.table["block_label"].iloc[0] == "Satisfaction"
    assert short.synthetic and any("synthetic" in n for n in short.notes)


def test_text_view_prints_letters_and_notes():
    res = banner(_toy(), ["mean:q1", "q1c"], "region", compare_total=True)
    text = str(res)
    assert "north (A)" in text and "Base (unweighted)" in text and "Effective base" in text
    assert "design-based t tests" in text


# ----------------------------------------------------------------------------- hostile input
class TestHostileInput:
    def test_unknown_row_column(self):
        with pytest.raises(ValueError, match="'nope' is not a column"):
            banner(_toy(), ["nope"], "region")

    def test_unknown_banner_column(self):
        with pytest.raises(ValueError, match="'nope' is not a column"):
            banner(_toy(), ["mean:q1"], "nope")

    def test_banner_item_not_categorical(self):
        with pytest.raises(ValueError, match="distinct values"):
            banner(_toy(), ["mean:q1"], "w")

    @pytest.mark.parametrize("alpha", [0, 1.5, (0.05, 0.01), "x", True])
    def test_bad_alpha(self, alpha):
        with pytest.raises((ValueError, TypeError), match="alpha"):
            banner(_toy(), ["mean:q1"], "region", alpha=alpha)

    @pytest.mark.parametrize("kw", [{"p_adjust": "tukey"}, {"test": "chisq"},
                                    {"min_base": -1}, {"suppress_below": 2.5},
                                    {"labels": "tiny"}, {"conf_level": 95}])
    def test_bad_options(self, kw):
        # a wrong type (2.5 for an integer) is a TypeError, a value out of range a ValueError
        with pytest.raises((ValueError, TypeError), match=list(kw)[0]):
            banner(_toy(), ["mean:q1"], "region", **kw)

    @pytest.mark.parametrize("spec", [3, {"kind": "net"}, {"kind": "sum", "item": "q1"},
                                      {"kind": "net", "item": "q1"}])
    def test_bad_row_specs(self, spec):
        with pytest.raises((ValueError, TypeError), match="rows"):
            banner(_toy(), [spec], "region")

    def test_text_item_as_mean(self):
        d = _toy()
        d["txt"] = "hello"
        with pytest.raises(TypeError, match="not numbers"):
            banner(d, ["mean:txt"], "region")

    def test_unordered_categorical_top2(self):
        with pytest.raises(TypeError, match="unordered"):
            banner(_toy(), ["top2:region"], "region")

    def test_top2_needs_a_scale(self):
        with pytest.raises(ValueError, match="scale of 'q1' is unknown"):
            banner(_toy(), ["top2:q1"], "region")

    def test_net_levels_not_in_item(self):
        with pytest.raises(ValueError, match="not levels of"):
            banner(_toy(), [{"kind": "net", "item": "q1c", "levels": ["zz"]}], "region")

    def test_nps_off_scale(self):
        d = _toy()
        d.loc[20, "rec"] = 12
        with pytest.raises(ValueError, match="outside its scale"):
            banner(d, ["nps:rec"], "region")

    def test_multi_without_columns(self):
        with pytest.raises(ValueError, match="multi-select"):
            banner(_toy(), ["multi:zz"], "region")

    def test_bad_columns_type(self):
        with pytest.raises(TypeError, match="columns"):
            banner(_toy(), ["mean:q1"], 3)

    def test_not_a_frame(self):
        with pytest.raises(TypeError):
            banner([1, 2, 3], ["mean:q1"], "region")

    def test_formula_text_is_kept_as_data(self):
        d = _toy()
        d["region"] = pd.Categorical(np.where(d.index % 2, "=HYPERLINK(1)", "ok"))
        res = banner(d, ["mean:q1"], "region")
        assert "region==HYPERLINK(1)" in set(res.table["column"])


def test_zero_variance_pairs_are_not_lettered():
    d = pd.DataFrame({"g": pd.Categorical(["a"] * 10 + ["b"] * 10),
                      "y": [1.0] * 10 + [0.0] * 10})
    res = banner(d, ["mean:y"], "g")
    assert res.pairs["p"].isna().all() and (res.table["letters"] == "").all()


def test_clustered_fpc_design_agrees_with_cx_mean():
    # the PSU-level shortcut of the variance must equal the one variance engine on the rows
    rng = np.random.default_rng(11)
    n = 900
    d = pd.DataFrame({"h": np.repeat(["s1", "s2", "s3"], 300),
                      "p": rng.integers(0, 12, n), "w": rng.uniform(1, 3, n),
                      "g": pd.Categorical(rng.choice(["x", "y", "z"], n)),
                      "y": rng.integers(1, 6, n).astype(float),
                      "cont": rng.normal(size=n)})
    d["N"] = d["h"].map({"s1": 40, "s2": 60, "s3": 30})
    des = cx.Design(d, weights="w", strata="h", psu="p", fpc="N")
    from cxresearch.statistics.banner.core import _psu_design

    assert _psu_design(des) is not None
    res = banner(des, ["mean:y", "mean:cont"], "g", total=False)
    for item in ("y", "cont"):   # few distinct values (grouped) and continuous (dense)
        ref = cx.mean(des, item, by="g")
        got = res.table[res.table["item"] == item]
        assert_allclose(got["estimate"], ref["estimate"], rtol=1e-12)
        assert_allclose(got["se"], ref["se"], rtol=1e-9)



def test_mitto_codebook_banner():
    """The Mitto codebook: labels in two languages, NPS cut-offs and multi-select options
    from the codebook, every likert level a row (answered or not)."""
    from support import fake_wave

    ins = cx.load_instrument("mitto_cx")
    rng = np.random.default_rng(3)
    n = 400
    mat = [lv.value for lv in ins.items["omnichannel_maturity"].levels]
    d = pd.DataFrame({
        "role": pd.Categorical(rng.choice(["marketing", "customer_service"], n),
                               categories=["marketing", "customer_service"]),
        "omnichannel_maturity": pd.Categorical(rng.choice(mat, n), categories=mat,
                                               ordered=True),
        "nps": pd.array(rng.integers(0, 11, n), dtype="Int64"),
        "chatbot_performance": pd.array(rng.integers(2, 6, n), dtype="Int64"),
        "weight": rng.uniform(0.5, 1.5, n)})
    for o in ins.items["channels_used"].options:
        d[f"channels_used__{o.value}"] = pd.array(rng.random(n) < 0.3, dtype="boolean")
    w = fake_wave(d, ins, {"study": "mitto_cx", "wave": "t"}, synthetic=True)
    w.design = lambda: cx.Design(d, weights="weight")
    res = banner(w, ["nps", "chatbot_performance", "channels_used"],
                 ["omnichannel_maturity", "role"])
    t = res.table
    assert set(t["kind"]) == {"nps", "level", "option"}
    assert (t[t["item"] == "nps"]["row_label"] == "NPS").all()
    perf = t[(t["item"] == "chatbot_performance") & (t["column"] == "Total")]
    assert len(perf) == 5 and perf["estimate"].iloc[0] == 0.0    # level 1 never answered
    assert "Customer service" in set(res.columns["column_label"])
    assert len(t[(t["item"] == "channels_used") & (t["column"] == "Total")]) == len(
        ins.items["channels_used"].options)
    zh = banner(w, ["nps"], "role", lang="zh")
    assert "客户服务" in set(zh.columns["column_label"])
    assert res.synthetic
    with pytest.raises(ValueError, match="not levels of its codebook"):
        d2 = d.copy()
        d2["chatbot_performance"] = pd.array([9] * n, dtype="Int64")
        w2 = fake_wave(d2, ins, {"study": "mitto_cx", "wave": "t"})
        banner(w2, ["chatbot_performance"], "role")


def test_srs_total_deff_is_one_and_ci_is_t_interval():
    d = _toy()
    d["q1"] = d["q1"].fillna(3.0)   # with missing answers the domain deff is n(m-1)/(m(n-1))
    res = banner(d, ["mean:q1"], "region")
    tot = res.table[res.table["column"] == "Total"].iloc[0]
    assert tot["deff"] == pytest.approx(1.0, rel=1e-12)      # SRS: design variance = s^2 / n
    from scipy import stats as st

    q = st.t.ppf(0.975, len(d) - 1)
    assert tot["ci_high"] - tot["estimate"] == pytest.approx(q * tot["se"], rel=1e-12)
    assert "Total" in repr(res)


def test_multi_select_banner_columns_overlap_and_match_cx_mean():
    d = _toy(600, seed=9)
    res = banner(cx.Design(d, weights="w"), ["mean:q1"], "ch", total=False)
    assert list(res.columns["column"]) == ["ch=email", "ch=phone", "ch=chat"]
    for opt in ("email", "phone", "chat"):
        sub = d[d[f"ch__{opt}"].fillna(False).astype(bool)]
        got = res.table.set_index("column").loc[f"ch={opt}"]
        ok = sub["q1"].notna()
        assert got["estimate"] == pytest.approx(np.average(sub["q1"][ok],
                                                           weights=sub["w"][ok]))
    # overlapping columns: the pair SE from the scores of both domain means, built by hand
    des = cx.Design(d, weights="w")
    y = d["q1"].to_numpy(dtype=float)
    ok = np.isfinite(y)
    Z = []
    for opt in ("email", "phone"):
        m = d[f"ch__{opt}"].fillna(False).astype(bool).to_numpy() & ok
        W = d["w"].to_numpy()[m].sum()
        mu = np.average(y[m], weights=d["w"].to_numpy()[m])
        Z.append(np.where(m, (np.nan_to_num(y) - mu) / W, 0.0))
    V = des.total_variance(np.column_stack(Z))
    se = np.sqrt(V[0, 0] + V[1, 1] - 2 * V[0, 1])
    pair = res.pairs.set_index(["a", "b"]).loc[("ch=email", "ch=phone")]
    assert pair["se"] == pytest.approx(se, rel=1e-10)
    assert abs(V[0, 1]) > 0          # the two columns share respondents



def test_short_labels_per_language_on_levels_and_items():
    """Short labels given per language (as in the mitto_cx codebook) show in the chosen
    language, never as a dict."""
    w = cx.reconstruct("mitto_cx", seed=0)
    for lang, want in (("en", "Full omnichannel"), ("zh", "完整全渠道")):
        b = cx.banner(w, ["top2:cx_grade"], ["omnichannel_maturity"], labels="short", lang=lang)
        cols = " ".join(map(str, b.table["column_label"].unique()))
        assert want in cols and "{" not in cols, cols
