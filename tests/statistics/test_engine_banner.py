"""``cx.banner`` on engine designs (DuckDB) = ``cx.banner`` in memory, on random small designs.

Each example draws a stratified (or not), clustered (or not) design with lonely PSUs under
every ``lonely_psu`` rule, fpc, zero weights, NaN answers, a rare banner level (so some cells
are empty or below the suppression base) and a multi-select item; the banner (levels, mean,
NPS, top box, a net, multi-select options; plain, nested and multi-select banner columns, with
the complement test and Holm) is computed in memory and through DuckDB, the latter both with
one aggregate per row item and with one per row item and banner variable.

Tolerance: 1e-12 relative with an absolute floor of 1e-12 × the column's largest magnitude (the
engine sums in another order). A difference of two columns whose SE is zero up to rounding has
a t, p and letter that are rounding noise on both routes; those are not compared (the
difference and SE are). Texts are equal except ``method``, which names the design (``Design``
in memory, ``EngineDesign ... backend=duckdb`` on the engine).
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
import cxresearch.statistics.banner.engine as banner_engine
from cxresearch.sampling.design import Design
from cxresearch.sampling.engine import EngineDesign

pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'")]

RTOL = 1e-12
SETTINGS = settings(max_examples=int(os.environ.get("CX_EQ_EXAMPLES", "8")), deadline=None,
                    derandomize=os.environ.get("CX_EQ_EXAMPLES") is None,
                    suppress_health_check=[HealthCheck.too_slow])
_CON: dict = {}

ROWS = ["levels:q1", "mean:q2", "nps:q2", {"kind": "top", "k": 2, "item": "q1",
                                           "item_range": (1, 5)},
        {"kind": "net", "item": "q1", "levels": [1, 2], "label": "Low"}, "multi:m", "ch"]


def _table(d: pd.DataFrame):
    import ibis
    if "con" not in _CON:
        _CON["con"] = ibis.duckdb.connect()
    _CON["i"] = _CON.get("i", 0) + 1
    return _CON["con"].create_table(f"bn{_CON['i']}", d)


@st.composite
def designs(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    H = draw(st.integers(1, 3))
    clustered = draw(st.booleans())
    frames = []
    for h in range(H):
        m = draw(st.integers(3, 25))
        k = draw(st.integers(1, 4)) if clustered else 0
        psu = rng.integers(0, k, m) if clustered else np.arange(m)
        if clustered:
            psu[:k] = np.arange(k)[:m]
        frames.append(pd.DataFrame({"h": f"s{h}", "p": psu}))
    d = pd.concat(frames, ignore_index=True)
    n = len(d)
    d["N"] = (d.groupby("h")["p"].transform("nunique") + rng.integers(0, 9, n)).astype(float)
    d["N"] = d.groupby("h")["N"].transform("max") + 0.25
    wkind = draw(st.sampled_from(["none", "plain", "zeros"]))
    if wkind != "none":
        d["w"] = rng.uniform(0.2, 5.0, n).round(3)
        if wkind == "zeros":
            d.loc[rng.random(n) < 0.2, "w"] = 0.0
            d.loc[d.index[0], "w"] = 1.0
    q1 = rng.integers(1, 6, n).astype(float)
    q1[rng.random(n) < 0.15] = np.nan
    d["q1"] = q1
    q2 = rng.integers(0, 11, n).astype(float)
    q2[rng.random(n) < draw(st.sampled_from([0.0, 0.4]))] = np.nan
    d["q2"] = q2
    d["ch"] = rng.choice(["web", "phone", "chat"], n, p=[0.5, 0.4, 0.1])
    d["reg"] = rng.choice(["N", "S"], n)
    d["seg"] = rng.choice(["a", "b", "c"], n, p=[0.45, 0.45, 0.1])   # a rare column
    for o in ("x", "y"):
        v = (rng.random(n) < 0.4).astype(float)
        v[rng.random(n) < 0.1] = np.nan
        d[f"m__{o}"] = v
    d.loc[d[["m__x", "m__y"]].isna().any(axis=1), ["m__x", "m__y"]] = np.nan
    spec = {"weights": None if wkind == "none" else "w",
            "strata": "h" if H > 1 else None, "psu": "p" if clustered else None,
            "fpc": "N" if draw(st.booleans()) else None,
            "lonely_psu": draw(st.sampled_from(["adjust", "certainty", "remove", "average"]))}
    return d, {k: v for k, v in spec.items() if v is not None}


def _run(fn, src):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(src), None
        except Exception as e:  # noqa: BLE001 - both routes must fail alike
            return None, f"{type(e).__name__}: {e}"


def _same(a: pd.DataFrame, b: pd.DataFrame, noise=None, skip=("method",), scale=0.0) -> None:
    """``scale``: the estimates' magnitude, the floor of SEs, intervals and differences (an
    SE that is zero up to rounding is 0 on one route and 1e-17 on the other)."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    noise = np.zeros(len(a), dtype=bool) if noise is None else noise
    for c in a.columns:
        if c in skip:
            continue
        x, y = a[c], b[c]
        if c in ("t", "p", "p_adj", "sig", "deff", "letters", "vs_total", "p_total"):
            x, y = x[~noise], y[~noise]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            xv, yv = x.to_numpy(float, na_value=np.nan), y.to_numpy(float, na_value=np.nan)
            assert np.array_equal(np.isnan(xv), np.isnan(yv)), c
            fin = np.isfinite(xv)
            if fin.any():
                floor = np.abs(xv[fin]).max()
                if c in ("se", "ci_low", "ci_high", "diff", "sd"):
                    floor = max(floor, scale)
                np.testing.assert_allclose(yv[fin], xv[fin], rtol=RTOL, atol=RTOL * floor,
                                           err_msg=c)
            assert np.array_equal(np.isinf(xv), np.isinf(yv)), c
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), c


def _noise(a) -> tuple[np.ndarray, np.ndarray]:
    """Pairs and cells whose SE is zero up to rounding (t, p, letters are noise there); a cell
    whose letters or complement test involve such a pair is noisy too."""
    scale = max(float(np.nanmax(np.abs(a.table["estimate"]), initial=0.0)), 1.0)
    pn = (a.pairs["se"].to_numpy(float) < 1e-9 * scale)
    bad_rows = set(a.pairs.loc[pn, "row"])
    tn = a.table["row"].isin(bad_rows).to_numpy() | (
        a.table["se"].to_numpy(float) < 1e-9 * scale)
    return pn, tn


def _check(d, spec, columns, **kw):
    mem = Design(d, **spec)
    eng = Design(_table(d), **spec)
    assert isinstance(eng, EngineDesign)
    a, ea = _run(lambda s: cx.banner(s, ROWS, columns, **kw), mem)
    b, eb = _run(lambda s: cx.banner(s, ROWS, columns, **kw), eng)
    assert ea == eb
    if a is None:
        return
    pn, tn = _noise(a)
    scale = float(np.nanmax(np.abs(a.table["estimate"]), initial=0.0))
    _same(a.table, b.table, tn, scale=scale)
    _same(a.pairs, b.pairs, pn, scale=scale)
    _same(a.columns, b.columns)
    assert a.notes == b.notes


COLUMNS = {"two": ["ch", "seg"], "nested": [("reg", "seg")], "multi": ["reg", "m"]}


@pytest.mark.parametrize("cols", list(COLUMNS))
@pytest.mark.parametrize("joint", [True, False])
@SETTINGS
@given(case=designs())
def test_banner_engine_equals_memory(cols, joint, case):
    d, spec = case
    old = banner_engine.JOINT_CELLS
    banner_engine.JOINT_CELLS = 1_000_000 if joint else 1   # split per banner variable
    try:
        _check(d, spec, COLUMNS[cols], compare_total=True, p_adjust="holm")
    finally:
        banner_engine.JOINT_CELLS = old


@SETTINGS
@given(case=designs())
def test_banner_engine_without_total_and_bh(case):
    d, spec = case
    _check(d, spec, ["seg", "reg"], total=False, p_adjust="bh", alpha=0.05)


def _small(n=90, seed=4):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"q": rng.integers(1, 6, n).astype(float),
                         "g": rng.choice(["a", "b", "c"], n), "r": rng.choice(["x", "y"], n),
                         "amount": rng.normal(100, 20, n), "w": rng.uniform(0.5, 2, n)})


def test_classical_test_on_engine_as_in_memory():
    d = _small()
    a = cx.banner(Design(d), ["levels:q", "mean:q"], "g", test="classical")
    b = cx.banner(Design(_table(d)), ["levels:q", "mean:q"], "g", test="classical")
    _same(a.table, b.table)
    _same(a.pairs, b.pairs)


def test_one_group_by_per_row_item(monkeypatch):
    d = _small()
    eng = Design(_table(d), weights="w")
    seen = []
    orig = EngineDesign.collapse

    def spy(self, columns):
        seen.append(list(columns))
        return orig(self, columns)

    monkeypatch.setattr(EngineDesign, "collapse", spy)
    cx.banner(eng, ["levels:q", "mean:q", "g"], ["r", "g"])
    assert seen == [["q", "r", "g"], ["q", "r", "g"], ["g", "r", "g"]]
    seen.clear()
    monkeypatch.setattr(banner_engine, "JOINT_CELLS", 1)   # too many cells crossed: split
    cx.banner(eng, ["levels:q"], ["r", "g"])
    assert seen == [["q", "r", "g"], ["q", "r"], ["q", "g"]]


# ------------------------------------------------------------------ hostile input
@pytest.mark.parametrize("call,match", [
    (lambda e: cx.banner(e, ["nothere"], "g"), "rows: 'nothere' is not a column"),
    (lambda e: cx.banner(e, ["q"], "nothere"), "columns: 'nothere' is not a column"),
    (lambda e: cx.banner(e, ["q"], [3]), "columns entries must be"),
    (lambda e: cx.banner(e, [], "g"), "non-empty list"),
    (lambda e: cx.banner(e, ["q"], []), "columns must be"),
    (lambda e: cx.banner(e, ["top2:q"], "g"), "scale of 'q' is unknown"),
    (lambda e: cx.banner(e, ["levels:q"], "g", test="classical"), "unweighted simple random"),
    (lambda e: cx.banner(e, ["levels:q"], "g", test="exact"), "test must be"),
    (lambda e: cx.banner(e, ["levels:q"], "g", alpha=(0.05, 0.01)), "upper < lower"),
    (lambda e: cx.banner(e, ["mean:g"], "r"), "not numbers"),
    (lambda e: cx.banner(e, [{"kind": "net", "item": "q"}], "r"), "needs levels="),
])
def test_hostile_arguments_refused_like_memory(call, match):
    d = _small()
    mem, eng = Design(d, weights="w"), Design(_table(d), weights="w")
    with pytest.raises((ValueError, TypeError), match=match) as e1:
        call(mem)
    with pytest.raises((ValueError, TypeError), match=match) as e2:
        call(eng)
    assert type(e1.value) is type(e2.value)


def test_continuous_row_refused_not_loaded():
    """A mean of an unbinned amount has a cell per respondent: refused with the column named
    and what to do, never loaded row by row."""
    d = _small(n=400)
    eng = Design(_table(d), weights="w", max_cells=200)
    with pytest.raises(ValueError, match=r"max_cells=200.*(bin|sample)"):
        cx.banner(eng, ["mean:amount"], "g")


@pytest.mark.parametrize("mutate,match", [
    (lambda d: d.assign(q=d["q"].where(d.index % 7 != 0, np.inf)), "infinite"),
    (lambda d: d.assign(g=[f"g{i}" for i in range(len(d))]), "distinct values"),
    (lambda d: d.assign(q=d["q"].where(d.index % 5 != 0, 13.0)), "outside its scale"),
])
def test_hostile_data_refused_like_memory(mutate, match):
    d = mutate(_small())
    rows = ["mean:q", {"kind": "top", "k": 2, "item": "q", "item_range": (1, 5)}]
    mem, eng = Design(d, weights="w"), Design(_table(d), weights="w")
    _, ea = _run(lambda s: cx.banner(s, rows, "g"), mem)
    _, eb = _run(lambda s: cx.banner(s, rows, "g"), eng)
    assert ea is not None and match in ea and eb is not None and match in eb
    assert ea.split(" (first")[0].split(" has ")[0] == eb.split(" (first")[0].split(" has ")[0]


def test_r_reference_through_duckdb():
    """The committed svyby cells of tests/reference (banner.R), from DuckDB (the tolerances of
    tests/statistics/test_banner.py)."""
    from support import r_reference, reference_csv
    R = r_reference("banner")
    band = ["le600", "600to750", "gt750"]
    rows = {"awards": ("awards", "Yes"), "sch_wide": ("sch.wide", "Yes"),
            "api00": ("mean:api00", "mean"), "ell": ("mean:ell", "mean")}
    for dn, csv, kw in (("strat", "apistrat", {"weights": "pw", "strata": "stype"}),
                        ("clus1", "apiclus1", {"weights": "pw", "psu": "dnum"})):
        d = reference_csv(csv)
        d["band"] = pd.cut(d["api00"], [-np.inf, 600, 750, np.inf], labels=band).astype(str)
        res = cx.banner(Design(_table(d), **kw), [v[0] for v in rows.values()] + ["band"],
                        "stype", compare_total=True, alpha=(0.01, 0.05))
        t = res.table
        targets = [(rn, spec.split(":")[-1], lev, R["designs"][dn]["rows"][rn])
                   for rn, (spec, lev) in rows.items()]
        targets += [(f"band:{lev}", "band", lev, R["designs"][dn]["rows"]["api00_band"][lev])
                    for lev in band]
        for _, item, level, ref in targets:
            sub = t[(t["item"] == item) & (t["level"] == level)].set_index("column")
            cells = sub.loc[[f"stype={c}" for c in ("E", "H", "M")]]
            np.testing.assert_allclose(cells["estimate"], ref["est"], rtol=1e-10)
            np.testing.assert_allclose(cells["n"], ref["n"], rtol=0)
            np.testing.assert_allclose(cells["wbase"], ref["wbase"], rtol=1e-10)
            np.testing.assert_allclose(cells["n_eff"], ref["neff"], rtol=1e-10)
            np.testing.assert_allclose(cells["se"], ref["se"], rtol=1e-8)
