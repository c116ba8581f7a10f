"""Engine route = in-memory route, on random small designs (hypothesis).

Each example draws a design (1-4 strata, each row its own PSU or 1-4 PSUs per stratum, lonely
PSUs with every ``lonely_psu`` rule, fpc as population counts or none, weights with zeros or
none) and data with NaN, empty domains and rare levels; every supported estimator is computed
from the DataFrame in memory and from the same rows in DuckDB (``cx.Design(ibis table)``).

Tolerance: 1e-12 relative. The engine sums in parallel, in another order, so the routes agree
to rounding and not bit for bit; on top of the relative bound an absolute floor of 1e-12 ×
the largest magnitude of the compared column absorbs quantities that are exactly zero on one
route and 1e-17 on the other. Test statistics that are differences of large sums (X², G²,
Wald) get the floor 1e-12 × n, their conditioning, not the engine's. Where a route refuses
(an empty domain, a single-PSU stratum under "fail"), the other must refuse with the same
message.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cxresearch as cx
from cxresearch.sampling.design import Design
from cxresearch.sampling.engine import EngineDesign

pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'"),
              pytest.mark.filterwarnings("ignore::cxresearch.errors.SmallCellWarning")]

RTOL = 1e-12
SETTINGS = settings(max_examples=int(os.environ.get("CX_EQ_EXAMPLES", "12")), deadline=None,
                    derandomize=os.environ.get("CX_EQ_EXAMPLES") is None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def designs(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    H = draw(st.integers(1, 4))
    clustered = draw(st.booleans())
    rows = []
    for h in range(H):
        n_psu = draw(st.integers(1, 4)) if clustered else 0
        m = draw(st.integers(2, 25))
        psu = rng.integers(0, n_psu, m) if clustered else np.arange(m)
        if clustered:
            psu[:n_psu] = np.arange(n_psu)[: min(m, n_psu)]
        rows.append(pd.DataFrame({"h": f"s{h}", "p": psu, "N": 0.0}))
    d = pd.concat(rows, ignore_index=True)
    n = len(d)
    npsu_h = d.groupby("h")["p"].nunique() if clustered else d.groupby("h").size()
    d["N"] = d["h"].map(npsu_h).astype(float) + rng.integers(0, 30, H)[
        pd.factorize(d["h"], sort=True)[0]]
    wkind = draw(st.sampled_from(["none", "plain", "zeros"]))
    if wkind != "none":
        d["w"] = rng.uniform(0.2, 5.0, n).round(3)
        if wkind == "zeros":
            d.loc[rng.random(n) < 0.2, "w"] = 0.0
            d.loc[d.index[0], "w"] = 1.0
    y = rng.normal(3, 2, n).round(2)
    y[rng.random(n) < 0.2] = np.nan
    d["y"] = y
    nps = rng.integers(0, 11, n).astype(float)
    nps[rng.random(n) < draw(st.sampled_from([0.0, 0.3, 0.7]))] = np.nan
    d["nps"] = nps
    d["q1"] = rng.integers(1, 6, n).astype(float)
    q2 = rng.integers(1, 6, n).astype(float)
    q2[rng.random(n) < 0.15] = np.nan
    d["q2"] = q2
    d["b"] = (rng.random(n) < 0.4).astype(float)
    d["ch"] = rng.choice(["web", "phone", "chat"], n, p=[0.5, 0.35, 0.15])
    d["fcr"] = rng.choice(["yes", "no"], n)
    d.loc[rng.random(n) < 0.1, "fcr"] = None
    spec = {"strata": "h" if H > 1 else None, "psu": "p" if clustered else None,
            "weights": None if wkind == "none" else "w",
            "fpc": "N" if draw(st.booleans()) else None,
            "lonely_psu": draw(st.sampled_from(["adjust", "certainty", "remove", "average"]))}
    return d, spec


def _pair(d, spec):
    spec = {k: v for k, v in spec.items() if v is not None}
    mem = Design(d, **spec)
    eng = Design(_ibis_table(d), **spec)
    assert isinstance(eng, EngineDesign) and eng.df == mem.df and eng.n == mem.n
    return mem, eng


_CON = {}


def _ibis_table(d):
    import ibis
    if "factory" in _CON:  # another engine (tests/sampling/test_engine_spark.py)
        return _CON["factory"](d)
    if "con" not in _CON:
        _CON["con"] = ibis.duckdb.connect()
    _CON["i"] = _CON.get("i", 0) + 1
    return _CON["con"].create_table(f"t{_CON['i']}", d)


def _run(fn, des):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(des), None
        except Exception as e:  # noqa: BLE001 - both routes must fail alike, whatever the error
            return None, f"{type(e).__name__}: {e}"


def _same(a: pd.DataFrame, b: pd.DataFrame, floor_scale=None):
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    # an estimate on its boundary (every answer in the domain alike, SE exactly 0) has a deff
    # of 0/0: rounding makes it 0 (n_eff inf) on one route and NaN on the other. Not compared.
    zero = (a["se"].to_numpy(float) == 0) & (b["se"].to_numpy(float) == 0) \
        if "se" in a.columns else np.zeros(len(a), bool)
    for c in a.columns:
        x, y = a[c], b[c]
        if c in ("deff", "n_eff"):
            x, y = x[~zero], y[~zero]
        if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
            xv, yv = x.to_numpy(float), y.to_numpy(float)
            assert np.array_equal(np.isnan(xv), np.isnan(yv)), c
            fin = np.isfinite(xv)
            if fin.any():
                scale = np.abs(xv[fin]).max() if floor_scale is None else floor_scale
                np.testing.assert_allclose(yv[fin], xv[fin], rtol=RTOL, atol=RTOL * scale,
                                           err_msg=c)
            assert np.array_equal(np.isinf(xv), np.isinf(yv)), c
        else:
            assert x.astype(str).tolist() == y.astype(str).tolist(), c


def _check(d, spec, fn, floor_scale=None):
    mem, eng = _pair(d, spec)
    a, ea = _run(fn, mem)
    b, eb = _run(fn, eng)
    assert ea == eb
    if a is not None:
        _same(a, b, floor_scale)
    return a


ESTIMATORS = {
    "mean_by": lambda des: cx.mean(des, "y", by="ch"),
    "mean_domain_df": lambda des: cx.mean(des, ["y", "q1"], by=["ch", "fcr"], df="domain"),
    "total": lambda des: cx.total(des, "y", by="fcr"),
    "proportion": lambda des: cx.proportion(des, "ch", by="fcr", ci_method="beta"),
    "proportion_wilson": lambda des: cx.proportion(des, "fcr", ci_method="wilson"),
    "nps": lambda des: cx.nps(des, "nps", by="ch", detail=True),
    "top_box": lambda des: cx.top_box(des, "q1", k=2, item_range=(1, 5), by="ch"),
    "csat": lambda des: cx.csat(des, "q2", item_range=(1, 5)),
    "likert_index": lambda des: cx.likert_index(des, ["q1", "q2"], coding="1-5", by="fcr"),
    "likert_available": lambda des: cx.likert_index(des, ["q1", "q2"], scale="pomp",
                                                    item_range=(1, 5), missing="available"),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
@SETTINGS
@given(case=designs())
def test_estimator_engine_equals_memory(name, case):
    d, spec = case
    _check(d, spec, ESTIMATORS[name])


@pytest.mark.parametrize("call", [
    lambda des: cx.mean(des, "y", by="ch"),
    lambda des: cx.mean(des, ["y", "q1"], by=["ch", "fcr"], df="domain"),
    lambda des: cx.total(des, "y", by="fcr"),
    lambda des: cx.total(des, "y"),
])
@SETTINGS
@given(case=designs())
def test_continuous_mean_total_by_sums_equal_memory(call, case):
    """max_cells=1 sends every mean/total down the per-PSU sums route (sampling/sums.py)."""
    d, spec = case
    spec = {k: v for k, v in spec.items() if v is not None}
    mem = Design(d, **spec)
    eng = Design(_ibis_table(d), max_cells=1, **spec)
    a, ea = _run(call, mem)
    b, eb = _run(call, eng)
    assert ea == eb
    if a is not None:
        _same(a, b)


@pytest.mark.parametrize("family,formula", [("gaussian", "q1 ~ ch + q2"),
                                            ("gaussian", "nps ~ q1 * fcr"),
                                            ("binomial", "b ~ ch + q1")])
@SETTINGS
@given(case=designs())
def test_regress_engine_equals_memory(family, formula, case):
    _check_regress(*case, family, formula)


@pytest.mark.parametrize("formula", ["y ~ q1 + ch + b", "y ~ nps + fcr"])
@SETTINGS
@given(case=designs())
def test_linear_regression_by_cross_products_equals_memory(formula, case):
    """max_cells=1: the continuous outcome sends regress down the two-pass cross-products
    route (sampling/sums.py linear_by_sums, statistics/models/engine_linear.py)."""
    _check_regress(*case, "gaussian", formula, max_cells=1)


@pytest.mark.slow  # Newton passes per example: 5-30 s per family
@pytest.mark.parametrize("family,formula", [("binomial", "b ~ y + ch"),
                                            ("binomial", "b ~ q1 + y"),
                                            ("poisson", "nps ~ y + fcr")])
@SETTINGS
@given(case=designs())
def test_glm_by_sums_equals_memory(family, formula, case):
    """max_cells=1: logistic and Poisson models with a continuous variable go by one
    aggregate pass per Newton iteration (sampling/glm_sums.py, models/engine_glm.py); the
    tolerance is that of the in-memory IRLS (statsmodels stops at 1e-8 deviance change)."""
    _check_regress(*case, family, formula, max_cells=1)


def _check_regress(d, spec, family, formula, **eng_kw):
    spec = {k: v for k, v in spec.items() if v is not None}
    mem = Design(d, **spec)
    eng = Design(_ibis_table(d), **spec, **eng_kw)
    assume(mem.df > 6)
    a, ea = _run(lambda des: cx.regress(des, formula, family=family), mem)
    b, eb = _run(lambda des: cx.regress(des, formula, family=family), eng)
    # a nearly separated logistic fit or a singular design covariance is detected by rounding
    assume("separation" not in f"{ea}{eb}" and "LinAlgError" not in f"{ea}{eb}")
    # near-collinear or near-constant columns are judged on rounding-level eigenvalues
    assume("collinear" not in f"{ea}{eb}" and "constant" not in f"{ea}{eb}")
    assert ea == eb
    if a is None:
        return
    # a perfect fit (every residual 0, or all in the cells that a coefficient rests on) has
    # SEs that are rounding noise on both routes
    assume(a.stats["deviance"] > 1e-8 * a.stats["null_deviance"])
    se, est = a.coefficients["se"].to_numpy(float), a.coefficients["estimate"].to_numpy(float)
    assume(bool(np.all(se > 1e-6 * np.maximum(np.abs(est), 1.0))))
    # IRLS stops at a tolerance, so logistic coefficients agree to its convergence (1e-8
    # relative: statsmodels' default tol), linear ones to rounding
    tol = RTOL if family == "gaussian" else 1e-7
    num = ["estimate", "se", "ci_low", "ci_high", "statistic", "p_value"]
    np.testing.assert_allclose(b.coefficients[num].to_numpy(float),
                               a.coefficients[num].to_numpy(float), rtol=tol,
                               atol=tol * np.abs(a.coefficients[num].to_numpy(float)).max())
    assert a.coefficients["term"].tolist() == b.coefficients["term"].tolist()
    assert a.coefficients["method"].tolist() == b.coefficients["method"].tolist()
    for key, v in a.stats.items():
        if isinstance(v, float) and np.isfinite(v):
            np.testing.assert_allclose(b.stats[key], v, rtol=max(tol, 1e-11), err_msg=key)
        else:
            assert b.stats[key] == v or (v is None and b.stats[key] is None), key


@pytest.mark.parametrize("kind", ["mean", "nps"])
@SETTINGS
@given(case=designs())
def test_compare_groups_engine_equals_memory(kind, case):
    d, spec = case
    mem, eng = _pair(d, spec)
    assume(mem.df > 3)  # Wald tests of 3 groups need a non-singular covariance
    value = "q1" if kind == "mean" else "nps"
    a, ea = _run(lambda des: cx.compare_groups(des, value, "ch", kind=kind), mem)
    b, eb = _run(lambda des: cx.compare_groups(des, value, "ch", kind=kind), eng)
    assume("LinAlgError" not in f"{ea}{eb}")
    assert ea == eb
    if a is None:
        return
    _same(a.groups, b.groups)
    _same(a.tests, b.tests, floor_scale=len(d))
    if len(a.posthoc):
        _same(a.posthoc, b.posthoc)
    assert (a.n, a.n_dropped) == (b.n, b.n_dropped)


@SETTINGS
@given(case=designs())
def test_crosstab_engine_equals_memory(case):
    d, spec = case
    n = len(d)
    mem, eng = _pair(d, spec)
    # with fewer PSUs than the Wald test has contrasts ((3-1) x (2-1) = 2) its covariance is
    # singular: the statistics are undefined, and which route notices first is rounding
    assume(mem.df > 2)
    a, ea = _run(lambda des: cx.crosstab_test(des, "ch", "fcr"), mem)
    b, eb = _run(lambda des: cx.crosstab_test(des, "ch", "fcr"), eng)
    # certainty strata (fpc) and lonely PSUs can leave the Wald covariance singular for other
    # reasons; an exactly or nearly singular matrix is detected or not by rounding
    assume("LinAlgError" not in f"{ea}{eb}")
    assume(a is None or np.nanmax(np.abs(a.tests.statistic.to_numpy(float))) < 1e8)
    assert ea == eb
    if a is None:
        return
    _same(a.counts.reset_index(), b.counts.reset_index())
    _same(a.residuals, b.residuals)
    _same(a.tests, b.tests, floor_scale=n)
    assert a.n == b.n and a.n_dropped == b.n_dropped and a.notes == b.notes


def test_single_psu_stratum_refused_alike():
    d = pd.DataFrame({"h": ["a", "a", "b"], "p": [1, 2, 3], "y": [1.0, 2, 3]})
    msgs = []
    for src in (d, _ibis_table(d)):
        with pytest.raises(ValueError, match="only one PSU") as e:
            Design(src, strata="h", psu="p")
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]


def test_parquet_folder_with_hive_partitions_equals_memory(tmp_path):
    rng = np.random.default_rng(5)
    n = 3000
    d = pd.DataFrame({"h": rng.integers(0, 6, n), "p": rng.integers(0, 30, n),
                      "w": rng.uniform(1, 4, n), "nps": rng.integers(0, 11, n).astype(float),
                      "ch": rng.choice(["web", "phone", "chat"], n),
                      "wave": rng.choice(["2024-01", "2024-02"], n)})
    d.loc[rng.random(n) < 0.6, "nps"] = np.nan
    for wv, part in d.groupby("wave"):
        f = tmp_path / "study=x" / f"wave={wv}"
        f.mkdir(parents=True)
        part.drop(columns="wave").to_parquet(f / "part.parquet", index=False)
    mem = Design(d, weights="w", strata="h", psu="p")
    eng = Design(tmp_path, weights="w", strata="h", psu="p")
    _same(cx.nps(mem, "nps", by="ch"), cx.nps(eng, "nps", by="ch"))
    # the partition columns are columns of the table, usable as domains
    _same(cx.nps(mem, "nps", by="wave"), cx.nps(eng, "nps", by="wave"))
    _same(cx.proportion(mem, "ch", by="wave"), cx.proportion(eng, "ch", by="wave"))
    # a glob and a CSV export give the same design
    d.to_csv(tmp_path / "all.csv", index=False)
    csv = Design(str(tmp_path / "*.csv"), weights="w", strata="h", psu="p")
    _same(cx.mean(mem, "nps", by="ch"), cx.mean(csv, "nps", by="ch"))


def test_duckdb_relation_source():
    import duckdb
    con = duckdb.connect()
    d = pd.DataFrame({"y": [1.0, 2, 3, 4, np.nan], "g": list("aabba"),
                      "w": [1.0, 2, 1, 3, 1]})
    con.register("src", d)
    rel = con.sql("select * from src")
    eng = Design(rel, weights="w", con=con)
    _same(cx.mean(Design(d, weights="w"), "y", by="g"), cx.mean(eng, "y", by="g"))
