"""Engine designs refuse what they cannot push down, and bad sources, with clear messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.sampling.design import Design
from cxresearch.sampling.engine import EngineDesign

pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'")]


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(1)
    n = 200
    return pd.DataFrame({"h": rng.integers(0, 3, n), "p": rng.integers(0, 6, n),
                         "w": rng.uniform(1, 2, n), "y": rng.normal(size=n),
                         "q": rng.integers(1, 6, n).astype(float), "g": rng.choice(["a", "b"], n)})


def _eng(frame, **kw):
    import ibis
    return Design(ibis.memtable(frame), **kw)


@pytest.mark.parametrize("call,name", [
    (lambda e: cx.banner(e, rows=["q"], columns=["g"]), "does not run on an engine design"),
    (lambda e: cx.key_drivers(e, "q", ["y"]), "key_drivers() does not run on an engine"),
    (lambda e: cx.rake(e, {"g": {"a": 0.5, "b": 0.5}}), "does not run on an engine design"),
    (lambda e: cx.two_by_two(e, "g", "g"), "two_by_two() does not run on an engine"),
    (lambda e: cx.mean(e, np.ones(200)), "takes column names, not ndarray"),
    (lambda e: cx.proportion(e, pd.Series([True] * 200)), "takes column names, not Series"),
])
def test_not_pushed_down_is_refused_by_name(frame, call, name):
    eng = _eng(frame, weights="w", strata="h", psu="p")
    with pytest.raises(TypeError, match=name.replace("(", r"\(").replace(")", r"\)")):
        call(eng)


@pytest.mark.parametrize("call", [lambda e: cx.proportion(e, "y"),
                                  lambda e: cx.crosstab_test(e, "y", "g")])
def test_continuous_variable_beyond_max_cells_is_refused_not_loaded(frame, call):
    eng = _eng(frame, weights="w", max_cells=50)
    with pytest.raises(ValueError, match=r"more than max_cells=50 rows.*'y'|'y'.*max_cells=50"):
        call(eng)


def test_continuous_mean_and_total_go_by_sums_beyond_max_cells(frame):
    mem = Design(frame, weights="w", strata="h", psu="p")
    eng = _eng(frame, weights="w", strata="h", psu="p", max_cells=50)
    for fn in (cx.mean, cx.total):
        a, b = fn(mem, "y", by="g"), fn(eng, "y", by="g")
        np.testing.assert_allclose(b[["estimate", "se", "deff"]], a[["estimate", "se", "deff"]],
                                   rtol=1e-12)
    with pytest.raises(TypeError, match="var='g' is not numeric"):
        cx.mean(eng, "g")


def test_linear_regression_with_a_continuous_predictor_goes_by_cross_products(frame):
    mem = Design(frame, weights="w", strata="h", psu="p")
    eng = _eng(frame, weights="w", strata="h", psu="p", max_cells=50)
    a, b = cx.regress(mem, "q ~ y + g"), cx.regress(eng, "q ~ y + g")
    np.testing.assert_allclose(b.coefficients[["estimate", "se"]],
                               a.coefficients[["estimate", "se"]], rtol=1e-12)
    with pytest.raises(ValueError, match="takes a sum of columns"):
        cx.regress(eng, "q ~ y * g")


def test_continuous_variable_within_max_cells_is_exact(frame):
    mem = Design(frame, weights="w", strata="h", psu="p")
    eng = _eng(frame, weights="w", strata="h", psu="p")
    a, b = cx.mean(mem, "y", by="g"), cx.mean(eng, "y", by="g")
    np.testing.assert_allclose(b[["estimate", "se", "deff"]], a[["estimate", "se", "deff"]],
                               rtol=1e-12)


@pytest.mark.parametrize("kw,match", [
    ({"weights": "nope"}, "weights='nope' is not a column"),
    ({"strata": "zz"}, "strata='zz' is not a column"),
    ({"weights": np.ones(200)}, "must be a column name"),
    ({"lonely_psu": "ignore"}, "lonely_psu must be one of"),
    ({"max_cells": 0}, "max_cells must be a positive integer"),
])
def test_bad_design_arguments(frame, kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        _eng(frame, **kw)


@pytest.mark.parametrize("mutate,match", [
    (lambda d: d.assign(w=-d.w), "non-negative"),
    (lambda d: d.assign(w=np.where(d.index == 3, np.nan, d.w)), "missing or non-finite"),
    (lambda d: d.assign(w=np.where(d.index == 3, np.inf, d.w)), "missing or non-finite"),
    (lambda d: d.assign(w=0.0), "weights are all zero"),
    (lambda d: d.assign(h=np.where(d.index == 5, None, d.h.astype(object))),
     "strata has 1 missing"),
    (lambda d: d.assign(N=np.where(d.h == 0, 10.0, 11.0) + (d.index == 0)),
     "fpc varies within stratum"),
    (lambda d: d.assign(N=2.0), "more than 100% sampling"),
])
def test_bad_design_values_are_refused_like_in_memory(frame, mutate, match):
    bad = mutate(frame.copy())
    kw = {"weights": "w", "strata": "h"}
    if "N" in bad.columns:
        kw.update(psu="p", fpc="N")
    with pytest.raises(ValueError, match=match):
        _eng(bad, **kw)
    with pytest.raises(ValueError, match=match):
        Design(bad, **kw)


def test_bad_sources(tmp_path, frame):
    with pytest.raises(FileNotFoundError, match="is not a file, folder or glob"):
        Design(tmp_path / "missing.parquet")
    with pytest.raises(FileNotFoundError, match="matches no file"):
        Design(str(tmp_path / "*.parquet"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no Parquet or CSV"):
        Design(tmp_path / "empty")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    frame.to_parquet(mixed / "a.parquet")
    frame.to_csv(mixed / "b.csv", index=False)
    with pytest.raises(ValueError, match="mixes Parquet and CSV"):
        Design(mixed)
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(ValueError, match="neither Parquet nor CSV"):
        Design(tmp_path / "x.json")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        Design(42)


def test_explicit_sample_is_an_in_memory_design(frame):
    eng = _eng(frame, weights="w", strata="h", psu="p")
    assert isinstance(eng, EngineDesign)
    s = eng.sample(10_000)
    assert isinstance(s, Design) and s.n == len(frame)
    np.testing.assert_allclose(s.weights.sum(), frame.w.sum())


@pytest.mark.parametrize("family", ["gaussian", "binomial", "poisson"])
def test_a_model_with_a_transform_of_a_continuous_variable_is_refused_not_loaded(frame, family):
    eng = _eng(frame, weights="w", max_cells=50)
    with pytest.raises(ValueError, match="sum of columns"):
        cx.regress(eng, "q ~ np.log(y)" if family != "gaussian" else "y ~ np.log(q)",
                   family=family)
