"""reliability on an engine design (rows in DuckDB) = the in-memory route, and against psych.

The engine route computes the pairwise (or listwise) covariances from per-pair sums in two
aggregate passes, each pair centred at its own means, and feeds the same formulas.
Tolerances: 1e-12 relative for alpha, its SE and intervals, standardized alpha, the average
correlation and every item statistic (closed forms of the same covariances). Omega total
comes from a one-factor ML factor analysis (statsmodels' BFGS from a fixed start, stopping
when the gradient is below 1e-7): inputs that differ by rounding move the optimizer's last
steps — usually below 1e-13, at most 2.5e-10 absolute measured (a weak factor, omega 0.05) —
so omega (a proportion) is compared to 1e-8 absolute when the factor analysis converged on
both routes; when it did not (small samples, Heywood cases:
the result then says "read omega with caution") the optimizer stops anywhere on a flat
likelihood and omega is not compared. Both routes must refuse alike (same type and message; a column's type is named
in the engine's terms). Examples whose item correlation matrix is ill-conditioned
(condition number over 1e4: pairwise matrices need not be positive definite) are left out of
the comparison: their smc-based ``r_cor`` and the sign of an item-rest r of 0 are decided by
rounding on either route.
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
from cxresearch.sampling.engine import EngineDesign

pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'")]

RTOL = 1e-12
OMEGA_ATOL = 1e-8
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
    return _CON["con"].create_table(f"rel{_CON['i']}", d)


def _run(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(), None
        except Exception as e:  # noqa: BLE001 - both routes must fail alike
            return None, re.sub(r"dtype \S+", "dtype <type>", f"{type(e).__name__}: {e}")


def _close(a, b, rtol, err):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.array_equal(np.isnan(a), np.isnan(b)), err
    fin = np.isfinite(a)
    if fin.any():
        np.testing.assert_allclose(b[fin], a[fin], rtol=rtol,
                                   atol=rtol * np.abs(a[fin]).max(), err_msg=err)


def _same(a, b):
    ta, tb = a.table.set_index("measure"), b.table.set_index("measure")
    assert list(ta.index) == list(tb.index)
    assert ta["method"].tolist() == tb["method"].tolist()
    unconverged = [x for x in [*a.notes, *b.notes] if "omega: the one-factor" in str(x)]
    for m in ta.index:
        if m == "omega_total":
            if not unconverged:
                np.testing.assert_allclose(tb.loc[m, "estimate"], ta.loc[m, "estimate"],
                                           rtol=0, atol=OMEGA_ATOL, err_msg="omega")
            continue
        for c in ("estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff"):
            _close([ta.loc[m, c]], [tb.loc[m, c]], RTOL, f"{m} {c}")
    ia, ib = a.items, b.items
    assert ia["item"].tolist() == ib["item"].tolist()
    assert ia["reversed"].tolist() == ib["reversed"].tolist()
    assert ia["n"].tolist() == ib["n"].tolist()
    for c in ("mean", "sd", "r_cor", "r_drop", "alpha_if_dropped", "std_alpha_if_dropped"):
        _close(ia[c], ib[c], RTOL, c)
    assert (a.n, a.missing) == (b.n, b.missing)
    assert [str(x) for x in a.notes if x not in unconverged] == \
        [str(x) for x in b.notes if x not in unconverged]


@st.composite
def scales(draw):
    """Likert items 1-5 driven by one factor, one reverse-worded, NaN at item-specific
    rates (or none), weights none / plain / with zeros, strata and PSUs (which reliability
    ignores apart from the weights)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    n = draw(st.integers(12, 150))
    k = draw(st.integers(2, 5))
    f = rng.normal(size=n)
    d = pd.DataFrame({f"i{j}": np.clip(np.round(3 + f + rng.normal(size=n)), 1, 5)
                      for j in range(k)})
    d["i0"] = 6 - d["i0"]
    for j in range(k):
        d.loc[rng.random(n) < draw(st.sampled_from([0.0, 0.05, 0.3])), f"i{j}"] = np.nan
    d["h"] = rng.integers(0, 2, n)
    d["p"] = rng.integers(0, 6, n)
    wkind = draw(st.sampled_from(["none", "plain", "zeros"]))
    spec = {}
    if wkind != "none":
        d["w"] = rng.uniform(0.3, 3.0, n).round(3)
        if wkind == "zeros":
            d.loc[rng.random(n) < 0.2, "w"] = 0.0
        spec["weights"] = "w"
    if draw(st.booleans()):
        spec.update(strata="h", psu="p", lonely_psu="adjust")
    items = [f"i{j}" for j in range(k)]
    keys = draw(st.sampled_from([None, ["i0"]]))
    return d, spec, items, keys


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
@SETTINGS
@given(case=scales())
def test_reliability_engine_equals_memory(missing, case):
    d, spec, items, keys = case
    mem, em = _run(lambda: Design(d, **spec))
    eng, ee = _run(lambda: Design(_table(d), **spec))
    assert em == ee
    if mem is None:
        return
    omega = len(items) >= 3
    a, ea = _run(lambda: cx.reliability(mem, items, keys=keys, missing=missing, omega=omega))
    b, eb = _run(lambda: cx.reliability(eng, items, keys=keys, missing=missing, omega=omega))
    assert ea == eb
    if a is not None:
        # a pairwise correlation matrix need not be positive definite: when it is nearly
        # singular, the squared multiple correlations (r_cor) come from the inverse of a
        # matrix that rounding decides, and an item-rest r of 0 has the sign of its rounding
        assume(_condition(mem, items, keys, missing) < 1e4)
        assume(bool((a.items["r_drop"].abs() > 1e-9).all()))
        _same(a, b)


def _condition(des, items, keys, missing) -> float:
    """Condition number of the in-memory route's item correlation matrix."""
    from cxresearch.statistics.relationships.reliability import _moments
    C = _moments(des.data, des, items, keys or [], missing, False)["C"]
    sd = np.sqrt(np.diag(C))
    return float(np.linalg.cond(C / np.outer(sd, sd)))


def test_weights_equal_frequency_and_unit_weights_are_unweighted():
    rng = np.random.default_rng(2)
    n = 400
    f = rng.normal(size=n)
    d = pd.DataFrame({c: np.clip(np.round(3 + f + rng.normal(size=n)), 1, 5)
                      for c in "abcd"})
    d.loc[rng.random(n) < 0.1, "b"] = np.nan
    d["one"] = 1.0
    for spec in ({}, {"weights": "one"}):
        a = cx.reliability(Design(d, **spec), list("abcd"))
        b = cx.reliability(Design(_table(d), **spec), list("abcd"))
        _same(a, b)
        assert not any("weighted covariances" in str(x) for x in b.notes)


# ----------------------------------------------------------------------------- hostile
def _frame():
    rng = np.random.default_rng(8)
    n = 40
    f = rng.normal(size=n)
    d = pd.DataFrame({c: np.clip(np.round(3 + f + rng.normal(size=n)), 1, 5) for c in "abc"})
    d["w"] = rng.uniform(1, 2, n)
    return d


HOSTILE = {
    "constant item": lambda d: d.assign(b=4.0),
    "constant item after listwise": lambda d: d.assign(
        b=np.where(d.index < 20, 2.0, np.nan), c=np.where(d.index < 20, d["c"], 1.0)),
    "all missing item": lambda d: d.assign(c=np.nan),
    "one answer": lambda d: d.assign(c=np.where(d.index == 0, 3.0, np.nan)),
    "pairs that never meet": lambda d: d.assign(a=np.where(d.index < 20, d["a"], np.nan),
                                                b=np.where(d.index >= 20, d["b"], np.nan)),
    "text item": lambda d: d.assign(b=d["b"].astype(str)),
    "boolean item": lambda d: d.assign(b=d["b"] > 3),
    "infinite answer": lambda d: d.assign(b=np.where(d.index == 3, np.inf, d["b"])),
    "one respondent": lambda d: d.iloc[:1],
    "two respondents": lambda d: d.iloc[:2],
    "one positive weight": lambda d: d.assign(w=np.where(d.index == 0, 1.0, 0.0)),
    "negatively keyed item": lambda d: d.assign(c=6 - d["c"]),
}


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
@pytest.mark.parametrize("spec", [{"weights": "w", "lonely_psu": "adjust"},
                                  {"lonely_psu": "adjust"}])
def test_hostile_input_fails_alike(case, missing, spec):
    d = HOSTILE[case](_frame())
    mem, eng = Design(d, **spec), Design(_table(d), **spec)
    a, ea = _run(lambda: cx.reliability(mem, list("abc"), missing=missing))
    b, eb = _run(lambda: cx.reliability(eng, list("abc"), missing=missing))
    assert ea == eb
    if a is not None:
        _same(a, b)


def test_argument_errors_fail_alike():
    d = _frame()
    mem, eng = Design(d), Design(_table(d))
    for kw in ({"items": ["a", "zz"]}, {"items": ["a"]}, {"items": "abc"},
               {"items": ["a", "b"], "keys": ["c"]}, {"items": ["a", "a"]},
               {"items": ["a", "b"], "missing": "all"}):
        a, ea = _run(lambda kw=kw: cx.reliability(mem, **kw))
        b, eb = _run(lambda kw=kw: cx.reliability(eng, **kw))
        assert ea is not None and ea == eb


def test_categorical_items_from_a_dataframe_source():
    d = _frame()
    d["b"] = pd.Categorical(d["b"])
    a = cx.reliability(Design(d), list("abc"))
    b = cx.reliability(EngineDesign(d), list("abc"))
    _same(a, b)
    d["c"] = pd.Categorical(d["c"].map({1.0: "x", 2.0: "y"}).fillna("z"))
    for des in (Design(d), EngineDesign(d)):
        with pytest.raises(TypeError, match="'c' is a categorical of"):
            cx.reliability(des, list("abc"))


# ----------------------------------------------------------------------------- R
@pytest.mark.parametrize("key,items,keys", [
    ("alpha_A_keyed", [f"A{i}" for i in range(1, 6)], ["A1"]),
    ("alpha_C_keyed", [f"C{i}" for i in range(1, 6)], ["C4", "C5"]),
    ("alpha_A_unkeyed", [f"A{i}" for i in range(1, 6)], None)])
def test_alpha_against_psych_through_duckdb(key, items, keys):
    """psych::alpha on bfi (tests/reference/rel_groups.R), pairwise, from the DuckDB route;
    the tolerances of tests/statistics/test_reliability.py."""
    ref = r_reference("rel_groups")[key]
    bfi = reference_csv("rel_bfi_ac")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cx.errors.NegativeItemWarning)
        res = cx.reliability(Design(_table(bfi)), items, keys=keys, omega=False)
    t = res.table.set_index("measure")
    np.testing.assert_allclose(res.alpha, ref["raw_alpha"], rtol=1e-10)
    np.testing.assert_allclose(t.loc["alpha_std", "estimate"], ref["std_alpha"], rtol=1e-10)
    np.testing.assert_allclose(t.loc["average_r", "estimate"], ref["average_r"], rtol=1e-10)
    np.testing.assert_allclose(t.loc["alpha", "se"], ref["ase"], rtol=1e-10)
    np.testing.assert_allclose(res.items["r_drop"], ref["r_drop"], rtol=1e-10)
    np.testing.assert_allclose(res.items["alpha_if_dropped"], ref["alpha_drop"], rtol=1e-10)
    np.testing.assert_allclose(res.items["r_cor"], ref["r_cor"], rtol=1e-8)
