"""NPS on the item's own scale (issue 14): custom cut-offs on 1-7 and 1-5 items against R's
survey (tests/reference/nps_scales.R: svymean of a -100/0/100 code on stratified, weights-only
and SRS designs; svyby by stype with design-df intervals), codebook cut-offs, refusals, the
helper pair nps_cutoffs/nps_code, and the one CI convention shared by mean(by=) and
compare_groups.

Tolerances: estimates and linearized SEs are closed-form sums (rtol 1e-9 — R prints 15
significant digits); deff too (1e-9); interval end points go through t/normal quantile
functions (rtol 1e-7).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from support import fake_wave, r_reference, reference_csv

import cxresearch as cx
from cxresearch.codebooks.items import Item
from cxresearch.errors import CodebookError, SingleRespondentWarning
from cxresearch.sampling.design import Design

REF = r_reference("nps_scales")
EXACT, QUANT = 1e-9, 1e-7
CUTS = {"nps7": ("r7", [7], range(1, 6)), "nps5": ("r5", [5], "1-3"),
        "nps7_67": ("r7", range(6, 8), [1, 2, 3, 4])}


@pytest.fixture(scope="module")
def strat_df():
    return reference_csv("nps_scales_apistrat")


@pytest.fixture(scope="module")
def srs_df():
    return reference_csv("nps_scales_apisrs")


@pytest.fixture(scope="module")
def designs(strat_df, srs_df):
    return {"strat": Design(strat_df, weights="pw", strata="stype", fpc="fpc"),
            "wonly": Design(strat_df, weights="pw"),
            "srs": Design(srs_df)}


def _row(r, measure):
    return r.set_index("measure").loc[measure]


# --------------------------------------------------------------------------- R references
@pytest.mark.parametrize("dname", ["strat", "wonly", "srs"])
@pytest.mark.parametrize("code", list(CUTS))
def test_custom_cutoffs_match_svymean_of_codes(designs, dname, code):
    item, pro, det = CUTS[code]
    ref = REF["designs"][dname][code]
    r = cx.nps(designs[dname], item, promoters=pro, detractors=det, detail=True)
    n = _row(r, "nps")
    np.testing.assert_allclose([n.estimate, n.se], [ref["est"], ref["se"]], rtol=EXACT)
    # deff against SRS without replacement (svymean(deff=TRUE)); R reports none for the srs
    # design (N = n), where ours drops the fpc factor and equals deff="replace"
    np.testing.assert_allclose(n.deff, ref.get("deff", ref["deff_replace"]), rtol=EXACT)
    np.testing.assert_allclose([n.ci_low, n.ci_high], [ref["ci_t"]["lo"], ref["ci_t"]["hi"]],
                               rtol=QUANT)
    assert f"t CI, df={REF['designs'][dname]['df']}" in n.method
    for m, k in (("pct_promoters", "promoters"), ("pct_detractors", "detractors")):
        row = _row(r, m)
        np.testing.assert_allclose([row.estimate / 100, row.se / 100],
                                   [ref[k]["est"], ref[k]["se"]], rtol=EXACT)
    # invariant: NPS = % promoters - % detractors, shares sum to 100
    shares = r.set_index("measure").estimate
    assert shares["nps"] == pytest.approx(shares["pct_promoters"] - shares["pct_detractors"])
    assert shares[["pct_promoters", "pct_passives", "pct_detractors"]].sum() == pytest.approx(100)
    # the normal interval on request
    z = _row(cx.nps(designs[dname], item, promoters=pro, detractors=det, df=np.inf), "nps")
    np.testing.assert_allclose([z.ci_low, z.ci_high], [ref["ci_z"]["lo"], ref["ci_z"]["hi"]],
                               rtol=QUANT)


@pytest.mark.parametrize("dname", ["strat", "wonly", "srs"])
def test_mean_row_named_for_the_real_scale(designs, dname):
    ref = REF["designs"][dname]["mean_1_7"]
    r = cx.nps(designs[dname], "r7", promoters=[7], detractors="1-5")
    assert r.measure.tolist() == ["nps", "mean_1_7"]
    m = _row(r, "mean_1_7")
    np.testing.assert_allclose([m.estimate, m.se], [ref["est"], ref["se"]], rtol=EXACT)
    np.testing.assert_allclose([m.ci_low, m.ci_high], [ref["ci_t"]["lo"], ref["ci_t"]["hi"]],
                               rtol=QUANT)
    assert "mean of the 1-7 answer" in m.method
    r5 = cx.nps(designs[dname], "r5", promoters=5, detractors=range(1, 4))
    assert r5.measure.tolist() == ["nps", "mean_1_5"]


def test_plain_dataframe_equals_textbook_mean_and_sd(srs_df):
    for code, (item, pro, det) in CUTS.items():
        ref = REF["designs"]["plain"][code]
        n = _row(cx.nps(srs_df, item, promoters=pro, detractors=det), "nps")
        np.testing.assert_allclose([n.estimate, n.se], [ref["est"], ref["se"]], rtol=EXACT)


@pytest.mark.parametrize("code", list(CUTS))
def test_by_stype_uses_design_df(designs, code):
    item, pro, det = CUTS[code]
    ref = REF["by_stype"][code]
    r = cx.nps(designs["strat"], item, by="stype", promoters=pro, detractors=det)
    n = r[r.measure == "nps"]
    assert n.stype.tolist() == ref["groups"]
    np.testing.assert_allclose(n.estimate, ref["est"], rtol=EXACT)
    np.testing.assert_allclose(n.se, ref["se"], rtol=EXACT)
    np.testing.assert_allclose(n.deff, ref["deff"], rtol=EXACT)
    # confint(svyby(...), df = degf(design)): df 197 in every domain, not the domain's own
    np.testing.assert_allclose(n.ci_low, np.maximum(ref["ci_t_lo"], -100), rtol=QUANT)
    np.testing.assert_allclose(n.ci_high, np.minimum(ref["ci_t_hi"], 100), rtol=QUANT)
    assert all("df=197" in m for m in n.method)
    # compare_groups gives the very same group rows
    g = cx.compare_groups(designs["strat"], item, "stype", kind="nps", promoters=pro,
                          detractors=det).groups
    np.testing.assert_allclose(g[["estimate", "se", "ci_low", "ci_high", "deff"]].to_numpy(),
                               n[["estimate", "se", "ci_low", "ci_high", "deff"]].to_numpy(),
                               rtol=1e-12)


# --------------------------------------------------------------------------- one CI convention
def test_mean_by_and_compare_groups_agree_with_svyby_design_df(designs):
    ref = REF["by_stype_api00"]
    des = designs["strat"]
    m = cx.mean(des, "api00", by="stype")
    g = cx.compare_groups(des, "api00", "stype").groups
    for r in (m, g):
        np.testing.assert_allclose(r.estimate, ref["est"], rtol=EXACT)
        np.testing.assert_allclose(r.se, ref["se"], rtol=EXACT)
        np.testing.assert_allclose(r.ci_low, ref["ci_t_lo"], rtol=QUANT)
        np.testing.assert_allclose(r.ci_high, ref["ci_t_hi"], rtol=QUANT)
        np.testing.assert_allclose(r.deff, ref["deff"], rtol=EXACT)
    z = cx.mean(des, "api00", by="stype", df=np.inf)
    np.testing.assert_allclose(z.ci_low, ref["ci_z_lo"], rtol=QUANT)
    # the other convention on request, in both
    md = cx.mean(des, "api00", by="stype", df="domain")
    gd = cx.compare_groups(des, "api00", "stype", df="domain").groups
    np.testing.assert_allclose(md[["ci_low", "ci_high"]].to_numpy(),
                               gd[["ci_low", "ci_high"]].to_numpy(), rtol=1e-12)
    dfs = [des.domain_df(des.data.stype == s) for s in ref["groups"]]
    assert [f"df={d}" in t for d, t in zip(dfs, md.method, strict=True)] == [True] * 3
    assert not np.allclose(md.ci_low, m.ci_low)  # 197 vs the per-domain df: they differ


def test_plain_dataframe_mean_by_and_compare_groups_agree(srs_df):
    m = cx.mean(srs_df, "api00", by="stype")
    g = cx.compare_groups(srs_df, "api00", "stype").groups
    cols = ["estimate", "se", "ci_low", "ci_high", "n", "deff"]
    np.testing.assert_allclose(g[cols].to_numpy(float), m[cols].to_numpy(float), rtol=1e-12)
    assert {"sd", "median"} <= set(g.columns)


@pytest.mark.parametrize("bad", ["dom", "Design", -1, 0, True, [3]])
def test_df_argument_checked(designs, bad):
    with pytest.raises(ValueError, match="df must be"):
        cx.mean(designs["srs"], "api00", df=bad)


# --------------------------------------------------------------------------- codebook cut-offs
def _wave(d, **items):
    inst = SimpleNamespace(items=items, indices={})
    return fake_wave(d, inst, design=lambda: Design(d))


def test_codebook_cutoffs_and_refusal(srs_df):
    d = srs_df[["stype", "r7", "r5"]].astype({"r7": "Int64", "r5": "Int64"})
    w = _wave(d, r7=Item(id="r7", type="rating", scale_min=1, scale_max=7,
                         nps={"promoters": (7,), "detractors": (1, 2, 3, 4, 5)}),
              r5=Item(id="r5", type="rating", scale_min=1, scale_max=5))
    r = cx.nps(w, "r7")
    ref = REF["designs"]["srs"]["nps7"]
    assert _row(r, "nps").estimate == pytest.approx(ref["est"], rel=EXACT)
    assert "codebook cut-offs" in _row(r, "nps").method
    assert "promoters 7, passives 6, detractors 1-5 on 1..7" in _row(r, "nps").method
    # arguments override the codebook
    r67 = cx.nps(w, "r7", promoters=[6, 7], detractors="1-4")
    assert _row(r67, "nps").estimate == pytest.approx(REF["designs"]["srs"]["nps7_67"]["est"])
    with pytest.raises(ValueError, match=r"item 'r5' is on a 1..5 scale, not 0..10, and has no "
                                         r"NPS cut-offs: pass promoters= and detractors=.*"
                                         r"declare them in the codebook"):
        cx.nps(w, "r5")
    with pytest.raises(ValueError, match="item 'r5' is on a 1..5 scale"):
        cx.compare_groups(w, "r5", "stype", kind="nps")
    with pytest.raises(ValueError, match=r"item_range=\(0, 10\) contradicts the codebook scale 1..5"):
        cx.nps(w, "r5", item_range=(0, 10))
    g = cx.compare_groups(w, "r7", "stype", kind="nps").groups
    assert all("detractors 1-5 on 1..7" in m for m in g.method)


def test_classic_on_a_declared_0_10_item_is_unchanged():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 11, 120)
    d = pd.DataFrame({"rec": pd.array(x, dtype="Int64")})
    w = _wave(d, rec=Item(id="rec", type="nps_0_10", scale_min=0, scale_max=10))
    a, b = cx.nps(w, "rec"), cx.nps(d, "rec")
    pd.testing.assert_frame_equal(a, b)
    assert a.measure.tolist() == ["nps", "mean_0_10"]
    assert "promoters 9-10, passives 7-8, detractors 0-6 on 0..10 (classic" in a.method[0]
    explicit = cx.nps(d, "rec", promoters="9-10", detractors=range(0, 7))
    np.testing.assert_allclose(explicit.estimate, a.estimate, rtol=1e-15)


def test_ecsi_codebook_declares_recommend_cutoffs():
    inst = cx.load_instrument("ecsi_mobi")
    c = cx.nps_cutoffs(inst, "cusl3")
    assert (c.promoters, c.detractors, c.scale_min, c.scale_max) == ((9, 10), tuple(range(1, 7)),
                                                                      1, 10)
    assert c.mean_name == "mean_1_10" and c.source == "codebook"
    assert inst.items["cusl3"].short_label() == "Would recommend"
    with pytest.raises(ValueError, match="item 'cusl1' is on a 1..10 scale"):
        cx.nps_cutoffs(inst, "cusl1")


# --------------------------------------------------------------------------- helper + hostile
def test_nps_code_helper():
    c = cx.nps_cutoffs(None, "r", promoters=[7], detractors=range(1, 6))
    assert isinstance(c, cx.NpsCutoffs)
    out = cx.nps_code(pd.Series([7, 6, 5, 1, None], dtype="Int64"), c)
    np.testing.assert_array_equal(out, [100.0, 0.0, -100.0, -100.0, np.nan])
    assert c.passives == (6,) and not c.classic and cx.nps_cutoffs(None, "r").classic
    with pytest.raises(ValueError, match=r"item 'r' has value\(s\) \[0.0, 8.0\] outside"):
        cx.nps_code([0, 8, 7], c)
    with pytest.raises(ValueError, match=r"\[6.5\] outside"):
        cx.nps_code([6.5], c)
    with pytest.raises(ValueError, match="non-numeric"):
        cx.nps_code(["seven"], c)
    with pytest.raises(TypeError, match="NpsCutoffs"):
        cx.nps_code([1], {"promoters": [7]})
    for bools in ([True, False], np.array([True, False]), pd.Series([True, None], dtype=object)):
        with pytest.raises(TypeError, match="booleans"):
            cx.nps_code(bools, c)
    np.testing.assert_array_equal(cx.nps_code(np.array([], dtype=float), c), [])


@pytest.mark.parametrize("kw, err, msg", [
    (dict(promoters=[7]), ValueError, "give both"),
    (dict(detractors="1-5"), ValueError, "give both"),
    (dict(promoters=[7], detractors=[1, 5]), ValueError, "not a run of consecutive"),
    (dict(promoters=[1], detractors="5-7"), ValueError, "must be the highest answers"),
    (dict(promoters="5-7", detractors="1-5"), ValueError, "overlap"),
    (dict(promoters=[7.5], detractors="1-5"), ValueError, "not a whole number"),
    (dict(promoters="seven", detractors="1-5"), ValueError, "is not 'lo-hi'"),
    (dict(promoters=[], detractors="1-5"), ValueError, "empty"),
    (dict(promoters=True, detractors="1-5"), TypeError, "whole numbers"),
    (dict(promoters={"a": 7}, detractors="1-5"), TypeError, "whole numbers"),
    (dict(promoters="7-5", detractors="1-4"), ValueError, "runs backwards"),
    (dict(promoters=[7], detractors="1-5", item_range=(1, 10)), ValueError, "highest answers"),
    (dict(promoters=[7], detractors="0-5", item_range=(1, 7)), ValueError, "outside its scale"),
    (dict(promoters=[7], detractors="1-5", item_range=(7, 1)), ValueError, "item_range="),
])
def test_hostile_cutoffs(srs_df, kw, err, msg):
    with pytest.raises(err, match=msg):
        cx.nps(srs_df, "r7", **kw)


def test_hostile_columns():
    with pytest.raises(ValueError, match=r"outside its scale 0..10"):
        cx.nps(pd.DataFrame({"r": [1, 11]}), "r")
    with pytest.raises(ValueError, match=r"\[-1.0\] outside its scale 0..10"):
        cx.nps(pd.DataFrame({"r": [-1, 5]}), "r")
    with pytest.raises(ValueError, match=r"\[8.0\] outside its scale 1..7"):
        cx.nps(pd.DataFrame({"r": [1, 8]}), "r", promoters=[7], detractors="1-5")
    with pytest.raises(TypeError, match="not numeric"):
        cx.nps(pd.DataFrame({"r": ["9", "10"]}), "r")
    with pytest.raises(TypeError, match="boolean"):
        cx.nps(pd.DataFrame({"r": [True, False]}), "r")
    with pytest.raises(TypeError, match="non-numeric categories"):
        cx.nps(pd.DataFrame({"r": pd.Categorical(["lo", "hi"], ordered=True)}), "r")
    # an ordered categorical of answer codes is read by its values, not its positions
    cat = pd.Categorical([10, 9, 0, 5], categories=list(range(11)), ordered=True)
    r = cx.nps(pd.DataFrame({"r": cat}), "r")
    assert r.estimate[0] == pytest.approx(0.0) and r.estimate[1] == pytest.approx(6.0)
    with pytest.raises(ValueError, match=r"value\(s\) \[11.0\]"):
        cx.compare_groups(pd.DataFrame({"y": [1, 2, 11, 3], "g": list("aabb")}), "y", "g",
                          kind="nps")
    with pytest.raises(ValueError, match="only to kind='nps'"):
        cx.compare_groups(pd.DataFrame({"y": [1, 2, 1, 3], "g": list("aabb")}), "y", "g",
                          promoters=[3], detractors=[1])


# --------------------------------------------------------------------------- one respondent
def test_single_respondent_domain_has_undefined_se(designs):
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, 5], "g": list("aaaab"), "w": [1.0, 2, 1, 2, 3]})
    for des in (d, Design(d, weights="w")):
        for fn, kw in ((cx.mean, {}), (cx.total, {}), (cx.proportion, {"level": True})):
            var = "y" if fn is not cx.proportion else (d.y > 2).to_numpy()
            with pytest.warns(SingleRespondentWarning, match="g='b'"):
                r = fn(des, var, by="g", **kw)
            b = r.iloc[-1]
            assert np.isnan(b.se) and np.isnan(b.ci_low) and np.isnan(b.ci_high)
            assert np.isnan(b.deff) and "one respondent" in b.method
            a = r.iloc[0]
            assert a.se > 0 and np.isfinite(a.ci_low)
    with pytest.warns(SingleRespondentWarning):
        r = cx.nps(pd.DataFrame({"r": [10, 3, 9], "g": list("aab")}), "r", by="g")
    assert np.isnan(r[r.g == "b"].se).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", SingleRespondentWarning)
        cx.mean(d.iloc[:4], "y", by="g")  # two or more respondents: no warning


# --------------------------------------------------------------------------- codebook keys
_YAML = """\
format_version: 1
study: tiny
meta: {title: T, publisher: P, fieldwork_year: null, population: X, source: [x.csv],
       languages: [en, zh]}
items:
  - id: rec7
    type: rating
    scale_min: 1
    scale_max: 7
    wording: {en: Recommend, zh: 推荐}
    short: {en: Recommend, zh: 推荐}
    NPS_LINE
  - id: agree
    type: likert
    wording: {en: Agree, zh: 同意}
    SHORT_LINE
    levels:
      - {code: 1, value: disagree, labels: {en: "No", zh: 否}, short: {en: N, zh: 否}}
      - {code: 2, value: agree, labels: {en: "Yes", zh: 是}, short: Y}
"""


def _load(tmp_path, nps_line, extra="", short_line="short: Agreement"):
    p = tmp_path / "tiny.yaml"
    p.write_text(_YAML.replace("NPS_LINE", nps_line).replace("SHORT_LINE", short_line) + extra,
                 encoding="utf-8")
    return cx.load_instrument(p)


def test_codebook_nps_and_short_keys(tmp_path):
    inst = _load(tmp_path, 'nps: {promoters: [6, 7], detractors: "1-4"}')
    it = inst.items["rec7"]
    assert it.nps == {"promoters": (6, 7), "detractors": (1, 2, 3, 4)}
    assert it.short_label("zh") == "推荐" and it.short_label() == "Recommend"
    ag = inst.items["agree"]
    assert ag.short_label("zh") == "Agreement" and ag.level(1).short_label("zh") == "否"
    assert ag.level(2).short_label() == "Y"
    c = cx.nps_cutoffs(inst, "rec7")
    assert (c.promoters, c.detractors, c.source) == ((6, 7), (1, 2, 3, 4), "codebook")


@pytest.mark.parametrize("line, msg", [
    ('nps: {promoters: [7], detractors: [1, 5]}', "not a run of consecutive"),
    ('nps: {promoters: "5-7", detractors: "1-5"}', "overlap"),
    ('nps: {promoters: [1], detractors: "5-7"}', "must be the highest"),
    ('nps: {promoters: [7], detractors: "0-5"}', "outside the scale"),
    ('nps: {promoters: [7]}', "exactly promoters and detractors"),
    ('nps: [7]', "exactly promoters and detractors"),
    ('nps: {promoters: [7], detractors: "1-5", passives: [6]}', "exactly promoters"),
    ('nps: {promoters: 7.5, detractors: "1-5"}', "whole numbers"),
    ('nps: {promoters: [true], detractors: "1-5"}', "not a whole number"),
])
def test_codebook_hostile_nps(tmp_path, line, msg):
    with pytest.raises(CodebookError, match=msg):
        _load(tmp_path, line)


@pytest.mark.parametrize("line, msg", [
    ("short: 5", "short must be non-empty text"),
    ('short: ""', "short must be non-empty text"),
    ("short: [a, b]", "short must be non-empty text"),
    ("short: {en: A}", "no label in 'zh'"),
    ("short: {en: A, zh: B, fr: C}", "'fr' is not one of"),
])
def test_codebook_hostile_short(tmp_path, line, msg):
    with pytest.raises(CodebookError, match=msg):
        _load(tmp_path, "", short_line=line)


def test_codebook_nps_on_a_non_ordinal_item_refused(tmp_path):
    extra = """\
  - id: comment
    type: text
    wording: {en: Why, zh: 为什么}
    nps: {promoters: [7], detractors: "1-5"}
"""
    with pytest.raises(ValueError, match="nps cut-offs need an ordinal item"):
        _load(tmp_path, "", extra)
