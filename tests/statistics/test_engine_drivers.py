"""key_drivers on an engine design (rows in DuckDB) = the in-memory route, and against R.

The engine route reduces the rows to weighted means and centred cross-products in two
aggregate passes (per PSU for the bootstrap), then runs the same importance and bootstrap
code with the same random factors. Tolerance: 1e-12 relative, with an absolute floor of
1e-12 × the column's largest magnitude (an importance near zero is a difference of sums
computed in another order); for bootstrap SEs, intervals and differences the floor is 1e-12 ×
the largest importance or interval bound (a spread of replicates of that size: identical
replicates give an SE of 1e-17 on one route and 0 on the other). Both routes must refuse alike: same type,
same message (the one exception: the in-memory message for infinite values names the first
row, which an engine table does not have; a column's type is named in the engine's terms).
"""

from __future__ import annotations

import doctest
import importlib
import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from support import r_reference

import cxresearch as cx
from cxresearch.errors import NotPushedDownWarning
from cxresearch.sampling.design import Design
from cxresearch.sampling.engine import EngineDesign

pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'")]

RTOL = 1e-12
SETTINGS = settings(max_examples=int(os.environ.get("CX_EQ_EXAMPLES", "12")), deadline=None,
                    derandomize=os.environ.get("CX_EQ_EXAMPLES") is None,
                    suppress_health_check=[HealthCheck.too_slow])
NUM = ["importance", "share", "ci_low", "ci_high", "se", "rank", "mean", "n"]
_CON: dict = {}


def _table(d: pd.DataFrame):
    import ibis
    if "factory" in _CON:  # another engine (tests/statistics/test_engine_models_spark.py)
        return _CON["factory"](d)
    if "con" not in _CON:
        _CON["con"] = ibis.duckdb.connect()
    _CON["i"] = _CON.get("i", 0) + 1
    return _CON["con"].create_table(f"kd{_CON['i']}", d)


def _pair(d, **spec):
    spec = {k: v for k, v in spec.items() if v is not None}
    eng = Design(_table(d), **spec)
    assert isinstance(eng, EngineDesign)
    return Design(d, **spec), eng


def _run(fn, des):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(des), None
        except Exception as e:  # noqa: BLE001 - both routes must fail alike
            # a column's type is named in its engine's terms ("string" for pandas' "str")
            return None, re.sub(r"dtype \S+", "dtype <type>", f"{type(e).__name__}: {e}")


def _close(a, b, err="", scale=None):
    a = np.asarray(a, float).ravel()
    b = np.asarray(b, float).ravel()
    assert np.array_equal(np.isnan(a), np.isnan(b)), err
    fin = np.isfinite(a)
    if fin.any():
        scale = np.abs(a[fin]).max() if scale is None else scale
        np.testing.assert_allclose(b[fin], a[fin], rtol=RTOL, atol=RTOL * scale, err_msg=err)


def _same_result(a, b):
    assert a.table["driver"].tolist() == b.table["driver"].tolist()
    assert a.table["method"].tolist() == b.table["method"].tolist()
    # a bootstrap SE (or a difference of importances) is a spread of replicates that are
    # sums of the importances' size: its rounding floor is theirs (identical replicates give
    # an SE of 1e-17 on one route and 0 on the other)
    scale = np.nanmax(np.abs(a.table[["importance", "ci_low", "ci_high"]].to_numpy(float)))
    for c in NUM:
        _close(a.table[c], b.table[c], c, scale if c in ("se", "ci_low", "ci_high") else None)
    _close(a.correlations.to_numpy(), b.correlations.to_numpy(), "correlations")
    assert abs(a.r2 - b.r2) <= RTOL * abs(a.r2)
    assert (a.n, a.n_dropped) == (b.n, b.n_dropped)
    assert [str(x) for x in a.notes] == [str(x) for x in b.notes]
    assert len(a.differences) == len(b.differences)
    if len(a.differences):
        for c in ("difference", "ci_low", "ci_high"):
            _close(a.differences[c], b.differences[c], c, scale)
        _close(a.differences["p_value"], b.differences["p_value"], "p_value")


@st.composite
def driver_designs(draw):
    """1-3 strata of 2-5 PSUs (or each row its own PSU), weights with zeros or none, fpc,
    drivers on very different scales (one with a large mean: the centring matters), NaN."""
    rng = np.random.default_rng(draw(st.integers(0, 2**31 - 1)))
    H = draw(st.integers(1, 3))
    clustered = draw(st.booleans())
    parts = []
    for h in range(H):
        m = draw(st.integers(8, 40))
        k = draw(st.integers(2, 5))
        psu = rng.integers(0, k, m)
        psu[:k] = np.arange(k)
        parts.append(pd.DataFrame({"h": f"s{h}", "p": [f"{h}-{x}" for x in psu]}))
    d = pd.concat(parts, ignore_index=True)
    n = len(d)
    sizes = d.groupby("h")["p"].transform("nunique" if clustered else "size")
    d["N"] = sizes.astype(float) * 3
    wkind = draw(st.sampled_from(["none", "plain", "zeros"]))
    if wkind != "none":
        d["w"] = rng.uniform(0.2, 5.0, n).round(3)
        if wkind == "zeros":
            d.loc[rng.random(n) < 0.15, "w"] = 0.0
    X = rng.normal(size=(n, 4))
    d["a"] = X[:, 0]
    d["b"] = 1e4 + 10 * X[:, 1]
    d["c"] = (0.01 * X[:, 2]).round(4)
    d["e"] = rng.integers(1, 6, n).astype(float)
    d["y"] = X[:, :3] @ [1.0, 0.5, 0.3] + 0.1 * d["e"] + rng.normal(size=n)
    for c in ("a", "y", "e"):
        d.loc[rng.random(n) < draw(st.sampled_from([0.0, 0.1])), c] = np.nan
    spec = {"strata": "h" if H > 1 else None, "psu": "p" if clustered else None,
            "weights": None if wkind == "none" else "w",
            "fpc": "N" if draw(st.booleans()) else None,
            "lonely_psu": "adjust"}
    return d, spec


@pytest.mark.parametrize("method", ["shapley", "all"])
@SETTINGS
@given(case=driver_designs())
def test_key_drivers_engine_equals_memory(method, case):
    d, spec = case
    mem, eng = _pair(d, **spec)
    call = lambda des: cx.key_drivers(des, "y", ["a", "b", "c", "e"], method=method,  # noqa: E731
                                      B=40, seed=7)
    a, ea = _run(call, mem)
    b, eb = _run(call, eng)
    # a collinearity decided on rounding-level eigenvalues is not a difference of routes
    assume("collinear" not in f"{ea}{eb}")
    assert ea == eb
    if a is None:
        return
    if spec["psu"] is None:      # no PSUs: importances only, and a note saying why
        assert b.table["ci_low"].isna().all() and not len(b.differences)
        assert any("no bootstrap intervals" in str(x) for x in b.notes)
        a = cx.key_drivers(mem, "y", ["a", "b", "c", "e"], method=method, B=0)
        b.notes = [x for x in b.notes if "no bootstrap intervals" not in str(x)]
    _same_result(a, b)


def test_bootstrap_from_psu_totals_equals_memory_on_a_larger_design():
    rng = np.random.default_rng(3)
    n = 3000
    d = pd.DataFrame({"h": rng.integers(0, 5, n), "p": rng.integers(0, 40, n),
                      "w": rng.uniform(0.5, 3, n)})
    X = rng.normal(size=(n, 6))
    for j in range(6):
        d[f"x{j}"] = X[:, j] + 0.4 * X[:, 0]
    d["y"] = X @ [0.6, 0.4, 0.3, 0.2, 0.1, 0.0] + rng.normal(size=n)
    d.loc[rng.random(n) < 0.1, "x3"] = np.nan
    mem, eng = _pair(d, weights="w", strata="h", psu="p")
    drivers = [f"x{j}" for j in range(6)]
    a = cx.key_drivers(mem, "y", drivers, method="all", B=200, seed=11)
    b = cx.key_drivers(eng, "y", drivers, method="all", B=200, seed=11)
    _same_result(a, b)


def test_no_psu_gives_importances_and_a_typed_warning():
    rng = np.random.default_rng(4)
    d = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "y"])
    _, eng = _pair(d)
    with pytest.warns(NotPushedDownWarning, match="no bootstrap intervals"):
        res = cx.key_drivers(eng, "y", ["a", "b"], B=100)
    assert res.table["ci_low"].isna().all() and res.table["importance"].notna().all()
    assert any("design.sample(n)" in str(x) for x in res.notes)
    # B=0 asks for no intervals: nothing to warn about
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotPushedDownWarning)
        cx.key_drivers(eng, "y", ["a", "b"], B=0)


# ----------------------------------------------------------------------------- hostile
def _hostile_frame():
    rng = np.random.default_rng(9)
    n = 60
    d = pd.DataFrame({"p": np.arange(n) // 3, "w": rng.uniform(1, 2, n),
                      "a": rng.normal(size=n), "b": rng.normal(size=n),
                      "y": rng.normal(size=n).round(3)})
    return d


HOSTILE = {
    "constant driver": lambda d: d.assign(b=2.0),
    "constant driver in the rows used": lambda d: d.assign(
        b=np.where(d["y"].isna(), 1.0, 5.0), y=d["y"].where(d.index % 2 == 0)),
    "collinear drivers": lambda d: d.assign(c=d["a"] + 2 * d["b"]),
    "collinear copy": lambda d: d.assign(c=d["a"]),
    "all missing outcome": lambda d: d.assign(y=np.nan),
    "all missing driver": lambda d: d.assign(a=np.nan),
    "binary outcome": lambda d: d.assign(y=(d["y"] > 0).astype(float)),
    "three-valued outcome survives": lambda d: d.assign(y=np.sign(d["y"])),
    "text driver": lambda d: d.assign(b=d["b"].astype(str)),
    "categorical driver": lambda d: d.assign(b=pd.Categorical(d["b"].round(0))),
    "too few complete rows": lambda d: d.assign(a=np.where(d.index < 3, d["a"], np.nan)),
    "one respondent": lambda d: d.iloc[:1],
    "three respondents": lambda d: d.iloc[:3],
    "zero weights": lambda d: d.assign(w=np.where(d.index < 55, 0.0, d["w"])),
}


@pytest.mark.parametrize("case", list(HOSTILE))
@pytest.mark.parametrize("spec", [{"weights": "w", "psu": "p"}, {}])
def test_hostile_input_fails_alike(case, spec):
    d = HOSTILE[case](_hostile_frame())
    drivers = ["a", "b", "c"] if "c" in d.columns else ["a", "b"]
    # a DuckDB table has no pandas categoricals: a categorical's dtype is kept when the
    # engine design is built from the DataFrame itself
    src = d if isinstance(d["b"].dtype, pd.CategoricalDtype) else _table(d)
    a, ea = _run(lambda _: Design(d, **spec), None)
    b, eb = _run(lambda _: EngineDesign(src, **spec), None)
    assert ea == eb
    if a is None:
        return
    mem, eng = a, b
    call = lambda des: cx.key_drivers(des, "y", drivers, B=20, seed=1)  # noqa: E731
    a, ea = _run(call, mem)
    b, eb = _run(call, eng)
    assert ea == eb
    if a is not None:
        if "psu" not in spec:
            a = cx.key_drivers(mem, "y", drivers, B=0)
            b.notes = [x for x in b.notes if "no bootstrap intervals" not in str(x)]
        _same_result(a, b)


def test_infinite_values_refused_on_both_routes():
    d = _hostile_frame()
    d.loc[5, "b"] = np.inf
    for des in _pair(d, weights="w", psu="p"):
        with pytest.raises(ValueError, match=r"driver 'b' has 1 infinite value\(s\)"):
            cx.key_drivers(des, "y", ["a", "b"], B=0)


def test_missing_column_and_bad_arguments_fail_alike():
    d = _hostile_frame()
    mem, eng = _pair(d, weights="w", psu="p")
    for call in (lambda des: cx.key_drivers(des, "y", ["a", "zz"]),
                 lambda des: cx.key_drivers(des, "zz", ["a", "b"]),
                 lambda des: cx.key_drivers(des, "y", ["a"]),
                 lambda des: cx.key_drivers(des, "y", ["a", "b"], weights="w"),
                 lambda des: cx.key_drivers(des, "y", ["a", "b"], method="nope")):
        a, ea = _run(call, mem)
        b, eb = _run(call, eng)
        assert ea is not None and ea == eb


# ----------------------------------------------------------------------------- R
@pytest.mark.parametrize("block", ["kda_cusa1", "kda_cusa1_weighted", "kda_cusl1"])
def test_against_r_through_duckdb(block):
    """relaimpo's numbers (tests/reference/regression.R) from the DuckDB route."""
    from pathlib import Path
    r = r_reference("regression")[block]
    mobi = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "examples" / "ecsi_mobi"
                       / "mobi.csv")
    df = mobi.assign(w=r["w"]) if r["weighted"] else mobi
    eng = Design(_table(df), weights="w" if r["weighted"] else None)
    kd = cx.key_drivers(eng, r["outcome"], r["drivers"], method="all", B=0)
    assert kd.r2 == pytest.approx(r["r2"], abs=1e-12)
    assert kd.n == r["n"] and kd.n_dropped == 0
    keys = {"shapley": "lmg", "johnson": "johnson_raw", "beta": "std_beta",
            "correlation": "cor_y"}
    for m, key in keys.items():
        sub = kd.table[kd.table["measure"] == m]
        # the tolerance of the in-memory R test (tests/statistics/test_drivers.py)
        np.testing.assert_allclose(sub["importance"], r[key], atol=1e-10)


@pytest.mark.parametrize("module", ["cxresearch.sampling.moments",
                                    "cxresearch.statistics.models.engine_drivers",
                                    "cxresearch.statistics.relationships.engine_reliability"])
def test_docstring_examples_run(module):
    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def test_importance_module_unchanged_api():
    """The engine route feeds the same importance code: importances sum to R²."""
    rng = np.random.default_rng(0)
    d = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "y"])
    d["y"] += d["a"]
    _, eng = _pair(d)
    kd = cx.key_drivers(eng, "y", ["a", "b"], method=["shapley", "johnson"], B=0)
    for m in ("shapley", "johnson"):
        s = kd.table[kd.table["measure"] == m]["importance"].sum()
        assert s == pytest.approx(kd.r2, abs=1e-12)
