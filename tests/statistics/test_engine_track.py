"""``cx.track`` on engine designs (DuckDB) = ``cx.track`` in memory, on random small designs.

Each example draws 2-4 waves of a stratified (or not), clustered (or not) design with lonely
PSUs under every ``lonely_psu`` rule, zero weights, fpc, NaN answers, an item missing in a whole
wave (a gap) and a rare segment level. The waves are tracked stacked (one design with a wave
column) and as a dict of per-wave designs, in memory and through DuckDB, for every measure.

Tolerance: 1e-12 relative, with an absolute floor of 1e-12 × the largest magnitude of the
compared column (the engine sums in another order; a change or slope that is exactly zero on
one route is 1e-17 on the other). Text columns (methods, notes, labels) must be equal. Where one
route refuses, the other must refuse with the same message.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxresearch as cx
from cxresearch.sampling.design import Design
from cxresearch.sampling.engine import EngineDesign

pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'")]

RTOL = 1e-12
SETTINGS = settings(max_examples=int(os.environ.get("CX_EQ_EXAMPLES", "6")), deadline=None,
                    derandomize=os.environ.get("CX_EQ_EXAMPLES") is None,
                    suppress_health_check=[HealthCheck.too_slow])
_CON: dict = {}


def _table(d: pd.DataFrame):
    import ibis
    if "con" not in _CON:
        _CON["con"] = ibis.duckdb.connect()
    _CON["i"] = _CON.get("i", 0) + 1
    return _CON["con"].create_table(f"tr{_CON['i']}", d)


@st.composite
def waves(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    G = draw(st.integers(2, 4))
    H = draw(st.integers(1, 3))
    clustered = draw(st.booleans())
    frames = []
    for g in range(G):
        for h in range(H):
            m = draw(st.integers(2, 12))
            k = draw(st.integers(1, 3)) if clustered else 0
            psu = rng.integers(0, k, m) if clustered else np.arange(m)
            if clustered:
                psu[:k] = np.arange(k)[:m]
            frames.append(pd.DataFrame({"wave": 2020 + g, "h": f"s{h}", "p": psu}))
    d = pd.concat(frames, ignore_index=True)
    n = len(d)
    d["hw"] = d["wave"].astype(str) + "." + d["h"]
    d["p"] = d["hw"] + "#" + d["p"].astype(str)   # PSUs nested in wave x stratum
    d["N"] = d.groupby("hw")["p"].transform("nunique").astype(float) + rng.integers(0, 9, n)
    # + 0.25: with at most 3 strata per wave the weights never sum to exactly twice the
    # respondents, the knife edge of the with/without-replacement rule of deff, where the two
    # routes' rounding would pick different sides
    d["N"] = d.groupby("hw")["N"].transform("max") + 0.25
    wkind = draw(st.sampled_from(["none", "plain", "zeros"]))
    if wkind != "none":
        d["w"] = rng.uniform(0.2, 5.0, n).round(3)
        if wkind == "zeros":
            d.loc[rng.random(n) < 0.2, "w"] = 0.0
            d.loc[d.groupby("wave").head(1).index, "w"] = 1.0
    q1 = rng.integers(1, 6, n).astype(float)
    q1[rng.random(n) < 0.15] = np.nan
    d["q1"] = q1
    q2 = rng.integers(0, 11, n).astype(float)
    q2[rng.random(n) < draw(st.sampled_from([0.0, 0.3]))] = np.nan
    if draw(st.booleans()):   # a gap: q2 not answered in one wave
        q2[(d["wave"] == 2020 + G - 1).to_numpy()] = np.nan
    d["q2"] = q2
    d["q3"] = rng.integers(1, 6, n).astype(float)
    d["ch"] = rng.choice(["web", "phone", "chat"], n, p=[0.5, 0.4, 0.1])
    d["seg"] = rng.choice(["a", "b"], n)
    spec = {"weights": None if wkind == "none" else "w",
            "strata": "hw" if draw(st.booleans()) else None,
            "psu": "p" if clustered else None,
            "fpc": "N" if draw(st.booleans()) else None,
            "lonely_psu": draw(st.sampled_from(["adjust", "certainty", "remove", "average"]))}
    if spec["strata"] is None:
        spec["fpc"] = None   # population sizes per wave x stratum need those strata
    return d, {k: v for k, v in spec.items() if v is not None}


def _run(fn, src):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(src), None
        except Exception as e:  # noqa: BLE001 - both routes must fail alike
            return None, f"{type(e).__name__}: {e}"


def same_table(a: pd.DataFrame, b: pd.DataFrame, skip=()) -> None:
    """Equal text, equal NaN pattern, numbers equal to RTOL (with the floor of the module)."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    # a quantity whose SE is zero up to rounding (every answer alike in a wave or segment):
    # its SE is 0 on one route and 1e-17 on the other, so its t, F, p and deff are rounding
    # noise on both (not compared); the estimate and the SE themselves are
    se = a["se"].to_numpy(float, na_value=np.nan) if "se" in a.columns else np.zeros(len(a))
    est = np.abs(a["estimate"].to_numpy(float, na_value=np.nan)) if "estimate" in a.columns \
        else np.ones(len(a))
    scale = max(np.nanmax(est, initial=0.0), 1.0)
    noise = np.isfinite(se) & (se < 1e-9 * scale)
    if "term" in a.columns:   # a test over waves whose changes have no variance
        noise |= a["term"].isin(["any_difference", "interaction", "trend_interaction"]).to_numpy() \
            & ~np.isfinite(a["se"].to_numpy(float, na_value=np.nan)) & _degenerate(a, scale)
    for c in a.columns:
        if c in skip:
            continue
        x, y = a[c], b[c]
        if c in ("statistic", "p_value", "p_adjusted", "deff", "p_total", "t", "p", "p_adj",
                 "sig", "letters", "vs_total"):
            x, y = x[~noise], y[~noise]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            xv, yv = x.to_numpy(float, na_value=np.nan), y.to_numpy(float, na_value=np.nan)
            assert np.array_equal(np.isnan(xv), np.isnan(yv)), c
            fin = np.isfinite(xv)
            if fin.any():
                np.testing.assert_allclose(yv[fin], xv[fin], rtol=RTOL,
                                           atol=RTOL * np.abs(xv[fin]).max(), err_msg=c)
            assert np.array_equal(np.isinf(xv), np.isinf(yv)), c
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), c


def _degenerate(a: pd.DataFrame, scale: float) -> np.ndarray:
    """Rows of a series in which some wave's SE is zero up to rounding (its Wald tests are
    then rounding noise)."""
    keys = [c for c in ("item", "measure", "weighting") if c in a.columns]
    w = a[a["term"] == "wave"]
    se = w["se"].to_numpy(float, na_value=np.nan)
    bad = w.loc[np.isfinite(se) & (se < 1e-9 * scale), keys].astype(str)
    bad_keys = set(map(tuple, bad.to_numpy()))
    return np.array([tuple(r) in bad_keys for r in a[keys].astype(str).to_numpy()], dtype=bool)


CALLS = {
    "mean": lambda s: cx.track(s, ["q1", "q2"], "wave"),
    "mean_by": lambda s: cx.track(s, "q1", "wave", by="seg", compare="base"),
    "nps": lambda s: cx.track(s, "q2", "wave", measure="nps"),
    "top_box": lambda s: cx.track(s, ["q1", "q3"], "wave", measure="proportion", top_box=2,
                                  item_range=(1, 5), trend="logit"),
    "level": lambda s: cx.track(s, "ch", "wave", measure="proportion", level=["chat", "web"]),
    "index": lambda s: cx.track(s, ["q1", "q3"], "wave", measure="index", item_range=(1, 5),
                                time="year"),
}


@pytest.mark.parametrize("name", list(CALLS))
@SETTINGS
@given(case=waves())
def test_stacked_engine_equals_memory(name, case):
    d, spec = case
    mem = Design(d, **spec)
    eng = Design(_table(d), **spec)
    assert isinstance(eng, EngineDesign)
    a, ea = _run(CALLS[name], mem)
    b, eb = _run(CALLS[name], eng)
    assert ea == eb
    if a is not None:
        same_table(a, b)
        assert a.attrs["tracking"]["waves"] == b.attrs["tracking"]["waves"]
        assert a.attrs["tracking"]["notes"] == b.attrs["tracking"]["notes"]


@pytest.mark.parametrize("name", ["mean", "nps", "index", "mean_by"])
@SETTINGS
@given(case=waves())
def test_dict_of_engine_waves_equals_memory(name, case):
    d, spec = case
    spec = {k: (v if k != "strata" else "h") for k, v in spec.items()}
    mem, eng = {}, {}
    for lab, g in d.groupby("wave"):
        g = g.reset_index(drop=True)
        a, ea = _run(lambda _, g=g: Design(g, **spec), None)
        if ea is not None:   # a wave with a lonely PSU under "fail" etc.: both refuse
            with pytest.raises(ValueError, match="only one PSU|no rows|all zero"):
                Design(_table(g), **spec)
            return
        mem[lab], eng[lab] = a, Design(_table(g), **spec)
    a, ea = _run(CALLS[name], mem)
    b, eb = _run(CALLS[name], eng)
    assert ea == eb
    if a is not None:
        same_table(a, b)


def _small():
    rng = np.random.default_rng(5)
    n = 120
    d = pd.DataFrame({"wave": np.repeat(["2022", "2023", "2024"], 40),
                      "h": np.tile(["a", "b"], 60), "p": rng.integers(0, 4, n),
                      "w": rng.uniform(0.5, 2, n), "q": rng.integers(0, 11, n).astype(float),
                      "seg": rng.choice(["x", "y"], n)})
    d.loc[::7, "q"] = np.nan
    return d


def test_mixed_dict_and_list_of_engine_designs():
    """A dict may mix engine and in-memory waves; same numbers as all in memory."""
    d = _small()
    parts = {k: g.reset_index(drop=True) for k, g in d.groupby("wave")}
    mem = {k: Design(g, weights="w", strata="h", psu="p") for k, g in parts.items()}
    mixed = dict(mem)
    mixed["2023"] = Design(_table(parts["2023"]), weights="w", strata="h", psu="p")
    for kw in ({}, {"measure": "nps"}, {"by": "seg"}):
        same_table(cx.track(mem, "q", **kw), cx.track(mixed, "q", **kw))


# ------------------------------------------------------------------ hostile input
def test_adjust_is_refused_by_name_on_engines():
    d = _small()
    eng = Design(_table(d), weights="w", strata="h", psu="p")
    for adjust in (["seg"], {"seg": {"x": 0.5, "y": 0.5}}, "seg"):
        with pytest.raises(ValueError, match=r"adjust=.*not pushed down to an engine"):
            cx.track(eng, "q", "wave", adjust=adjust)
    parts = {k: Design(_table(g), weights="w") for k, g in d.groupby("wave")}
    with pytest.raises(ValueError, match="raking is not pushed down"):
        cx.track(parts, "q", adjust=["seg"])


@pytest.mark.parametrize("bad,match", [
    (lambda e: cx.track(e, "q", "nowave"), "wave='nowave' is not a column"),
    (lambda e: cx.track(e, "nothere", "wave"), "not in any wave"),
    (lambda e: cx.track(e, "q", "wave", measure="ratio"), "measure must be one of"),
    (lambda e: cx.track(e, "q", "wave", base="1999"), "base='1999' is not one of the waves"),
    (lambda e: cx.track(e, ["q"], "wave", measure="index"), "needs the scale"),
    (lambda e: cx.track(e, "q", "wave", measure="index"), "not an index of the codebook"),
    (lambda e: cx.track(e, ["q"], "wave", measure="index", item_range=(0, 5)),
     r"outside its scale 0..5"),
    (lambda e: cx.track(e, "q", "wave", promoters=[9, 10]), "are for measure='nps'"),
    (lambda e: cx.track(e, "q", "wave", by="nothere"), "not a column"),
    (lambda e: cx.track(e, "seg", "wave"), "not numeric"),
])
def test_hostile_arguments_refused_like_memory(bad, match):
    d = _small()
    mem = Design(d, weights="w", strata="h", psu="p")
    eng = Design(_table(d), weights="w", strata="h", psu="p")
    with pytest.raises((ValueError, TypeError), match=match) as e1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bad(mem)
    with pytest.raises((ValueError, TypeError), match=match) as e2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bad(eng)
    assert type(e1.value) is type(e2.value)


@pytest.mark.parametrize("mutate,match", [
    (lambda d: d.assign(wave=d["wave"].where(d.index % 9 != 0)), "wave column 'wave' has 14"),
    (lambda d: d.assign(q=d["q"].where(d["wave"] != "2023", np.inf)), "inf"),
    (lambda d: d.assign(q=d["q"].where(d["wave"] != "2024", 12.0)), "outside its scale"),
    (lambda d: d.assign(w=np.where(d["wave"] == "2022", 0.0, d["w"])), "weights are all zero"),
])
def test_hostile_data_refused_like_memory(mutate, match):
    d = mutate(_small())
    calls = [lambda s: cx.track(s, "q", "wave", measure="nps"),
             lambda s: cx.track(s, ["q"], "wave", measure="index", item_range=(0, 10))]
    for call in calls:
        mem = Design(d, weights="w", strata="h", psu="p")
        eng = Design(_table(d), weights="w", strata="h", psu="p")
        a, ea = _run(call, mem)
        b, eb = _run(call, eng)
        assert ea is not None and match in ea and eb is not None and match in eb
        # the same message, but for where the first bad value is: a row of the data in
        # memory, a cell of the aggregate on the engine
        assert ea.split(" (first")[0] == eb.split(" (first")[0]


def test_lonely_psu_in_one_wave_refused_like_memory():
    """Strata not crossed with the wave: a stratum with one PSU in one wave fails there under
    "fail" on both routes, and is handled alike under the other rules."""
    d = _small()
    d.loc[(d["wave"] == "2023") & (d["h"] == "a"), "p"] = 0
    for rule in ("fail", "adjust", "average", "remove", "certainty"):
        kw = {"weights": "w", "strata": "h", "psu": "p"}
        mem, eng = Design(d, **kw), Design(_table(d), **kw)
        a, ea = _run(lambda s, r=rule: cx.track(s, "q", "wave", lonely_psu=r), mem)
        b, eb = _run(lambda s, r=rule: cx.track(s, "q", "wave", lonely_psu=r), eng)
        assert ea == eb
        if rule == "fail":
            assert "only one PSU" in ea
        else:
            same_table(a, b)


def test_compare_waves_refuses_engine_designs_by_name():
    d = _small()
    eng = Design(_table(d), weights="w")
    from cxresearch.statistics.tracking.compare import compare_waves
    with pytest.raises(TypeError, match="cx.track"):
        compare_waves(eng, eng)


def test_one_group_by_per_item(monkeypatch):
    """The stacked engine route aggregates each item once (not one query per wave), and never
    crosses the items in one aggregate."""
    d = _small()
    d["q2"] = d["q"]
    eng = Design(_table(d), weights="w", strata="h", psu="p")
    seen = []
    orig = EngineDesign.collapse

    def spy(self, columns):
        seen.append(list(columns))
        return orig(self, columns)

    monkeypatch.setattr(EngineDesign, "collapse", spy)
    cx.track(eng, ["q", "q2"], "wave", by="seg")
    assert seen == [["wave", "q", "seg"], ["wave", "q2", "seg"]]


def test_list_of_engine_designs_refused_with_the_two_ways():
    d = _small()
    engs = [Design(_table(g), weights="w") for _, g in d.groupby("wave")]
    with pytest.raises(TypeError, match="one design with a wave column or as a dict"):
        cx.track(engs, "q")


def test_categorical_wave_order_and_missing_item_in_one_wave():
    """A DataFrame source keeps its categorical wave order (not sorted); an item absent from
    one wave's table is a gap there, as in memory."""
    d = _small()
    d["wave"] = pd.Categorical(d["wave"], categories=["2024", "2022", "2023"])
    mem = Design(d, weights="w", strata="h", psu="p")
    eng = Design(_table(d.assign(wave=d["wave"].astype(str))), weights="w", strata="h",
                 psu="p")
    eng_df = EngineDesign(d, weights="w", strata="h", psu="p")  # a DataFrame's dtypes kept
    a = cx.track(mem, "q", "wave")
    same_table(a, cx.track(eng_df, "q", "wave"))
    assert a.attrs["tracking"]["waves"] == ["2024", "2022", "2023"]
    assert cx.track(eng, "q", "wave").attrs["tracking"]["waves"] == ["2022", "2023", "2024"]
    parts = {k: g.drop(columns="q") if k == "2023" else g
             for k, g in _small().groupby("wave")}
    memd = {k: Design(g.reset_index(drop=True), weights="w") for k, g in parts.items()}
    engd = {k: Design(_table(g), weights="w") for k, g in parts.items()}
    a, b = cx.track(memd, "q"), cx.track(engd, "q")
    same_table(a, b)
    assert "item not asked" in " ".join(a.attrs["tracking"]["notes"])


# ------------------------------------------------------------------ R references, through DuckDB
def test_r_reference_through_duckdb():
    """The committed svyby / svycontrast / svyglm numbers of tests/reference/tracking.R, from
    the stacked design in DuckDB (tolerances of tests/statistics/test_tracking.py)."""
    from support import r_reference, reference_csv
    R = r_reference("tracking")
    d = reference_csv("trk_stacked", dtype={"psu": str, "stratum": str})
    d["sch_yes"] = (d["sch_wide"] == "Yes").astype(float)
    eng = Design(_table(d), weights="pw", strata="stratum", psu="psu")
    res = cx.track(eng, ["api00", "nps_code", "sch_yes"], "wave")
    for y in ("api00", "nps_code", "sch_yes"):
        w = res[(res["item"] == y) & (res["term"] == "wave")]
        ref = R["per_wave"][y]
        assert w["wave"].tolist() == ref["wave"]
        np.testing.assert_allclose(w["estimate"], ref["est"], rtol=1e-10)
        np.testing.assert_allclose(w["se"], ref["se"], rtol=1e-8)
        np.testing.assert_allclose(w["deff"], ref["deff"], rtol=1e-8)
        for key, a, b, kind in (("w2_w1", 1, 2, "previous"), ("w3_w1", 1, 3, "base")):
            row = res[(res["item"] == y) & (res["term"] == "change") & (res["from_wave"] == a)
                      & (res["wave"] == b) & (res["comparison"] == kind)]
            ref = R["changes"][y][key]
            np.testing.assert_allclose(row["estimate"], ref["est"], rtol=1e-10)
            np.testing.assert_allclose(row["se"], ref["se"], rtol=1e-8)
            np.testing.assert_allclose(row["p_value"], ref["p_t"], rtol=1e-8)
    for y in ("api00", "nps_code"):
        row = res[(res["item"] == y) & (res["term"] == "trend")]
        ref = R["trend"][y]
        np.testing.assert_allclose(row["estimate"], ref["slope"], rtol=1e-10)
        np.testing.assert_allclose(row["se"], ref["se"], rtol=1e-8)
        assert row["df"].iloc[0] == ref["df_glm"] == 409
