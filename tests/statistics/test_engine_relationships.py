"""ordinal_logit and two_by_two on an engine design (rows in DuckDB) = the in-memory route.

Both run on the design's cells (one GROUP BY stratum × PSU × the variables): a cell's rows
share their answers, so the weighted likelihood, the linearized scores and their PSU totals
are those of the rows; counts come from the cells' row counts. Tolerances: 1e-12 relative
(absolute floor 1e-12 × the column's largest magnitude) for two_by_two (closed forms). The
ordinal fit is Newton–Raphson from the same start on both routes; its iterates differ by
rounding amplified by the Hessian's conditioning, measured below 1e-12 on well-conditioned
fits, so the estimates, SEs and Brant statistics are compared to 1e-10 relative (fits near
separation or singularity, where rounding decides, are left to the hostile tests). Both
routes must refuse alike.
"""

from __future__ import annotations

import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.sampling.design import Design
from cxresearch.sampling.engine import EngineDesign, TooManyCells

pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'")]

RTOL = 1e-12
ORD_RTOL = 1e-10
SETTINGS = settings(max_examples=int(os.environ.get("CX_EQ_EXAMPLES", "12")), deadline=None,
                    derandomize=os.environ.get("CX_EQ_EXAMPLES") is None,
                    suppress_health_check=[HealthCheck.too_slow])
_CON: dict = {}


def _table(d: pd.DataFrame):
    import ibis
    if "factory" in _CON:  # another engine (tests/statistics/test_engine_models_spark.py)
        return _CON["factory"](d)
    if "con" not in _CON:
        _CON["con"] = ibis.duckdb.connect()
    _CON["i"] = _CON.get("i", 0) + 1
    return _CON["con"].create_table(f"rl{_CON['i']}", d)


def _run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(), None
        except Exception as e:  # noqa: BLE001 - both routes must fail alike
            msg = re.sub(r"dtype \S+", "dtype <type>", f"{type(e).__name__}: {e}")
            # weighted sums printed in a message differ in their last digits
            return None, re.sub(r"\d+\.\d{6,}", lambda m: f"{float(m.group()):.9g}", msg)


def _close(a, b, rtol, err=""):
    a, b = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    assert np.array_equal(np.isnan(a), np.isnan(b)), err
    fin = np.isfinite(a)
    if fin.any():
        np.testing.assert_allclose(b[fin], a[fin], rtol=rtol,
                                   atol=rtol * np.abs(a[fin]).max(), err_msg=err)


def _same_frame(a: pd.DataFrame, b: pd.DataFrame, rtol):
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for c in a.columns:
        if pd.api.types.is_numeric_dtype(a[c]) and not pd.api.types.is_bool_dtype(a[c]):
            _close(a[c], b[c], rtol, c)
        else:
            assert a[c].astype(str).tolist() == b[c].astype(str).tolist(), c


@st.composite
def designs(draw):
    """1-3 strata, clustered (2-4 PSUs per stratum) or not, weights none / plain / with
    zeros, fpc or none; a 1-5 rating with NaN, a channel, 0/1 and yes/no variables."""
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    H = draw(st.integers(1, 3))
    clustered = draw(st.booleans())
    parts = []
    for h in range(H):
        m = draw(st.integers(15, 60))
        k = draw(st.integers(2, 4))
        psu = rng.integers(0, k, m)
        psu[:k] = np.arange(k)
        parts.append(pd.DataFrame({"h": f"s{h}", "p": [f"{h}-{x}" for x in psu]}))
    d = pd.concat(parts, ignore_index=True)
    n = len(d)
    sizes = d.groupby("h")["p"].transform("nunique" if clustered else "size")
    d["N"] = sizes.astype(float) * 4
    wkind = draw(st.sampled_from(["none", "plain", "zeros"]))
    if wkind != "none":
        d["w"] = rng.uniform(0.2, 5.0, n).round(3)
        if wkind == "zeros":
            d.loc[rng.random(n) < 0.15, "w"] = 0.0
    d["ch"] = rng.choice(["web", "phone", "chat"], n, p=[0.5, 0.3, 0.2])
    d["b"] = (rng.random(n) < 0.45).astype(float)
    lat = 0.8 * d["b"] + 0.5 * (d["ch"] == "web") + rng.logistic(size=n)
    d["sat"] = np.digitize(lat, [-1.0, 0.0, 1.0, 2.0]).astype(float) + 1
    d.loc[rng.random(n) < 0.1, "sat"] = np.nan
    d["e"] = (rng.random(n) < 0.5).astype(float)
    d.loc[rng.random(n) < 0.05, "e"] = np.nan
    d["fcr"] = rng.choice(["yes", "no"], n)
    d.loc[rng.random(n) < 0.1, "fcr"] = None
    spec = {"strata": "h" if H > 1 else None, "psu": "p" if clustered else None,
            "weights": None if wkind == "none" else "w",
            "fpc": "N" if draw(st.booleans()) else None, "lonely_psu": "adjust"}
    return d, {k: v for k, v in spec.items() if v is not None}


TWO = {
    "0/1": lambda des: cx.two_by_two(des, "e", "b"),
    "levels": lambda des: cx.two_by_two(des, "fcr", "b", exposed="yes"),
    "lists": lambda des: cx.two_by_two(des, "ch", "fcr", exposed=["web", "chat"],
                                       event="yes"),
}


@pytest.mark.parametrize("name", list(TWO))
@SETTINGS
@given(case=designs())
def test_two_by_two_engine_equals_memory(name, case):
    d, spec = case
    mem, eng = Design(d, **spec), Design(_table(d), **spec)
    a, ea = _run(lambda: TWO[name](mem))
    b, eb = _run(lambda: TWO[name](eng))
    assert ea == eb
    if a is None:
        return
    _same_frame(a, b, RTOL)
    assert [str(x) for x in a.attrs.get("notes", [])] == \
        [str(x) for x in b.attrs.get("notes", [])]


ORD = {
    "design": lambda des: cx.ordinal_logit(des, "sat", ["ch", "b"]),
    "model": lambda des: cx.ordinal_logit(des, "sat", ["ch", "b"], se="model"),
    "probit": lambda des: cx.ordinal_logit(des, "sat", ["fcr", "b"], link="probit"),
}


def _same_ordinal(a, b, brant=True):
    _same_frame(a.table, b.table, ORD_RTOL)
    _close(a.vcov.to_numpy(), b.vcov.to_numpy(), ORD_RTOL, "vcov")
    for k in ("loglik", "aic", "nobs"):
        _close([getattr(a, k)], [getattr(b, k)], ORD_RTOL, k)
    assert (a.n, a.n_dropped, a.levels, a.converged) == (b.n, b.n_dropped, b.levels,
                                                         b.converged)
    assert (a.po_test is None) == (b.po_test is None)
    if a.po_test is not None and brant:
        _same_frame(a.po_test, b.po_test, ORD_RTOL)
    assert [str(x) for x in a.notes] == [str(x) for x in b.notes]


@pytest.mark.parametrize("name", list(ORD))
@SETTINGS
@given(case=designs())
def test_ordinal_logit_engine_equals_memory(name, case):
    d, spec = case
    mem, eng = Design(d, **spec), Design(_table(d), **spec)
    a, ea = _run(lambda: ORD[name](mem))
    b, eb = _run(lambda: ORD[name](eng))
    # separation, a singular information or a collinear column decided on rounding-level
    # quantities is not a difference between the routes
    for word in ("separation", "singular", "collinear", "LinAlgError"):
        assume(word not in f"{ea}{eb}")
    assume(a is None or (a.converged and b.converged))
    assert ea == eb
    if a is None:
        return
    assume(np.all(np.isfinite(a.table["se"])) and (a.table["se"] < 50).all())
    # Brant's Wald test compares (levels - 2) x coefficients slopes; with a design-based
    # covariance from fewer PSUs than that its matrix is singular and the statistic is
    # rounding noise on both routes (not compared then)
    k = int((a.table["kind"] == "coefficient").sum())
    _same_ordinal(a, b, brant=name == "model" or mem.df > (len(a.levels) - 2) * k)


# ----------------------------------------------------------------------------- hostile
def _frame():
    rng = np.random.default_rng(12)
    n = 120
    d = pd.DataFrame({"h": rng.integers(0, 2, n), "p": rng.integers(0, 8, n),
                      "w": rng.uniform(1, 2, n), "ch": rng.choice(["web", "phone"], n),
                      "b": (rng.random(n) < 0.5).astype(float),
                      "x": rng.normal(size=n)})
    d["sat"] = np.digitize(d["b"] + rng.logistic(size=n), [-0.5, 0.5, 1.5]).astype(float)
    return d


ORD_HOSTILE = {
    "constant predictor": lambda d: (d.assign(b=1.0), ["b", "ch"]),
    "collinear predictors": lambda d: (d.assign(b2=1 - d["b"]), ["b", "b2"]),
    "all missing outcome": lambda d: (d.assign(sat=np.nan), ["b"]),
    "two-level outcome": lambda d: (d.assign(sat=(d["sat"] > 1).astype(float)), ["b"]),
    "text outcome without order": lambda d: (d.assign(sat=d["sat"].astype(str)), ["b"]),
    "one-level predictor": lambda d: (d.assign(ch="web"), ["ch"]),
    "separated predictor": lambda d: (d.assign(s=(d["sat"] == 3).astype(float)), ["s"]),
    "one respondent": lambda d: (d.iloc[:1], ["b"]),
    "missing predictor column": lambda d: (d, ["zz"]),
}


@pytest.mark.parametrize("case", list(ORD_HOSTILE))
@pytest.mark.parametrize("spec", [{"weights": "w", "strata": "h", "psu": "p"}, {}])
def test_ordinal_hostile_input_fails_alike(case, spec):
    d, preds = ORD_HOSTILE[case](_frame())
    spec = {**spec, "lonely_psu": "adjust"}
    mem, em = _run(lambda: Design(d, **spec))
    eng, ee = _run(lambda: Design(_table(d), **spec))
    assert em == ee
    if mem is None:
        return
    a, ea = _run(lambda: cx.ordinal_logit(mem, "sat", preds))
    b, eb = _run(lambda: cx.ordinal_logit(eng, "sat", preds))
    assert ea == eb
    if a is not None:
        if "separated" in case:   # reported as NaN with a SeparationWarning note on both
            assert not a.converged and not b.converged
            assert [str(x) for x in a.notes] == [str(x) for x in b.notes]
            return
        _same_ordinal(a, b)


TWO_HOSTILE = {
    "not binary": lambda d: d.assign(e=d["sat"]),
    "everyone exposed": lambda d: d.assign(e=1.0),
    "all missing": lambda d: d.assign(e=np.nan),
    "zero cell": lambda d: d.assign(e=d["b"]),
    "one respondent": lambda d: d.iloc[:1],
}


@pytest.mark.parametrize("case", list(TWO_HOSTILE))
@pytest.mark.parametrize("spec", [{"weights": "w", "strata": "h", "psu": "p"},
                                  {"strata": "h"}])
def test_two_by_two_hostile_input_fails_alike(case, spec):
    d = TWO_HOSTILE[case](_frame().assign(e=lambda f: (f["x"] > 0).astype(float)))
    spec = {**spec, "lonely_psu": "adjust"}
    mem, em = _run(lambda: Design(d, **spec))
    eng, ee = _run(lambda: Design(_table(d), **spec))
    assert em == ee
    if mem is None:
        return
    a, ea = _run(lambda: cx.two_by_two(mem, "e", "b"))
    b, eb = _run(lambda: cx.two_by_two(eng, "e", "b"))
    assert ea == eb
    if a is not None:
        _same_frame(a, b, RTOL)


def test_unit_weights_give_fisher_on_both_routes():
    d = _frame().assign(e=lambda f: (f["x"] > 0).astype(float), one=1.0)
    for spec in ({"strata": "h"}, {"weights": "one", "psu": "p"}):
        a = cx.two_by_two(Design(d, **spec), "e", "b")
        b = cx.two_by_two(Design(_table(d), **spec), "e", "b")
        _same_frame(a, b, RTOL)
        assert np.isfinite(b.set_index("measure").loc["odds_ratio_cmle", "estimate"])
    # one weight of 1 + 2e-5 among ones: not unit weights (np.allclose) on both routes
    d.loc[0, "one"] = 1 + 2e-5
    a = cx.two_by_two(Design(d, weights="one"), "e", "b")
    b = cx.two_by_two(Design(_table(d), weights="one"), "e", "b")
    assert np.isnan(a.set_index("measure").loc["odds_ratio_cmle", "estimate"])
    _same_frame(a, b, RTOL)


def test_continuous_variables_are_refused_by_name_not_loaded():
    d = _frame().assign(e=lambda f: (f["x"] > 0).astype(float))
    eng = Design(_table(d), weights="w", strata="h", psu="p", max_cells=100)
    with pytest.raises(TooManyCells, match=r"aggregate over \[.*'x'.*\] has more than max_cells=100"):
        cx.ordinal_logit(eng, "sat", ["b", "x"])
    with pytest.raises(TooManyCells, match=r"'x'"):
        cx.two_by_two(eng, "x", "b", exposed=lambda s: s > 0)
    with pytest.raises(TypeError, match="takes column names, not ndarray"):
        cx.two_by_two(eng, np.ones(len(d), bool), "b")
    with pytest.raises(TypeError, match="takes column names, not ndarray"):
        cx.ordinal_logit(eng, "sat", [np.ones(len(d))])


def test_ordered_categorical_outcome_from_a_dataframe_source():
    d = _frame()
    d["sat"] = pd.Categorical.from_codes(d["sat"].astype(int), ["low", "mid", "high", "top"],
                                         ordered=True)
    a = cx.ordinal_logit(Design(d, weights="w", strata="h", psu="p"), "sat", ["ch", "b"])
    b = cx.ordinal_logit(EngineDesign(d, weights="w", strata="h", psu="p"), "sat",
                         ["ch", "b"])
    assert a.levels == b.levels == ["low", "mid", "high", "top"]
    _same_ordinal(a, b)


# ----------------------------------------------------------------------------- R
def test_polr_housing_through_duckdb():
    """MASS::polr(Sat ~ Infl + Type + Cont, weights = Freq) (tests/reference, rel_ordinal)
    from the DuckDB route: frequency weights as design weights with model-based SEs; the
    tolerances of tests/statistics/test_ordinal.py (R's optimizer noise)."""
    ref = r_reference("rel_ordinal")["polr_housing_weighted"]
    h = reference_csv("rel_housing")
    eng = Design(_table(h), weights="Freq")
    res = cx.ordinal_logit(eng, "Sat", ["Infl", "Type", "Cont"], se="model",
                           outcome_order=["Low", "Medium", "High"],
                           reference={"Infl": "Low", "Type": "Tower", "Cont": "Low"})
    est = res.table.set_index("term")
    for k, v in {**ref["coef"], **ref["zeta"]}.items():
        np.testing.assert_allclose(est.loc[k, "estimate"], v, atol=2e-5, err_msg=k)
    for k, v in ref["se"].items():
        np.testing.assert_allclose(est.loc[k, "se"], v, rtol=2e-4, err_msg=k)
    np.testing.assert_allclose(res.loglik, ref["loglik"], rtol=1e-9)


def test_two_by_two_against_svycontrast_through_duckdb():
    """svycontrast's delta-method log RR / log OR / RD on apiclus1 (rel_contingency)."""
    s = r_reference("rel_contingency")["svy22"]
    dfc = reference_csv("rel_apiclus1")
    dfc["ex"] = dfc["stype"] == "E"
    eng = Design(_table(dfc), weights="pw", psu="dnum", fpc="fpc")
    res = cx.two_by_two(eng, "ex", "sch.wide", event="Yes").set_index("measure")
    np.testing.assert_allclose(np.log(res.loc["risk_ratio", "estimate"]), s["log_rr"][0],
                               rtol=1e-10)
    np.testing.assert_allclose(res.loc["risk_ratio", "se"] / res.loc["risk_ratio", "estimate"],
                               s["log_rr"][1], rtol=1e-8)
    np.testing.assert_allclose(np.log(res.loc["odds_ratio", "estimate"]), s["log_or"][0],
                               rtol=1e-10)
    np.testing.assert_allclose(res.loc["risk_difference", "estimate"], s["rd"][0], rtol=1e-10)
    np.testing.assert_allclose(res.loc["risk_difference", "se"], s["rd"][1], rtol=1e-8)
