"""The committed R-reference tests (survey_core.R, rel_contingency.R) through the engine route.

The test functions of ``tests/test_estimates.py``, ``tests/test_indices.py`` and
``tests/test_contingency.py`` that only call estimators are imported here and run against
fixtures of the same names that are *engine* designs: the reference CSVs written as Parquet
files and read by DuckDB (``cx.Design("folder/")``), hive-partitioned by stratum for the
stratified sample. Same assertions, same tolerances as the in-memory route (rtol 1e-9 for
estimates and SEs, 1e-7 for interval end points, 1e-8 for the Rao-Scott statistics).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "statistics"))

from test_contingency import test_svychisq_all_statistics, test_svytable  # noqa: E402
from test_estimates import (  # noqa: E402
    test_cluster_design_means_totals_domains,
    test_domains_match_svyby,
    test_factor_proportions_match_svymean,
    test_mean_ci_uses_design_df_by_default_and_normal_on_request,
    test_mean_two_variables_with_deff,
    test_svyciprop_methods_stratified_and_cluster,
    test_total_with_deff_and_ci,
)
from test_indices import (  # noqa: E402
    test_likert_index_coding_pomp_and_by,
    test_nps_by_group_and_detail,
    test_nps_matches_svymean_of_codes,
    test_top_box_and_csat_match_svyciprop,
)

from cxresearch.sampling.design import Design  # noqa: E402
from cxresearch.sampling.engine import EngineDesign  # noqa: E402

REF = Path(__file__).resolve().parents[1] / "reference" / "data"
# ibis 12 on duckdb 2 / pandas 3 warns about its own deprecated calls
pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'")]

__all__ = [
    "test_cluster_design_means_totals_domains", "test_domains_match_svyby",
    "test_factor_proportions_match_svymean",
    "test_mean_ci_uses_design_df_by_default_and_normal_on_request",
    "test_mean_two_variables_with_deff", "test_svyciprop_methods_stratified_and_cluster",
    "test_total_with_deff_and_ci", "test_likert_index_coding_pomp_and_by",
    "test_nps_by_group_and_detail", "test_nps_matches_svymean_of_codes",
    "test_top_box_and_csat_match_svyciprop", "test_svychisq_all_statistics", "test_svytable",
]


def _parquet(df: pd.DataFrame, root: Path, name: str, partition: str | None = None) -> Path:
    out = root / name
    if partition is None:
        out.mkdir(parents=True)
        df.to_parquet(out / "part-0.parquet", index=False)
    else:  # hive layout: name/<partition>=<value>/part-0.parquet (partition column re-added)
        for v, part in df.groupby(partition, sort=True):
            d = out / f"{partition}={v}"
            d.mkdir(parents=True)
            part.drop(columns=[partition]).to_parquet(d / "part-0.parquet", index=False)
    return out


def _engine(path, **kw) -> EngineDesign:
    des = Design(path, **kw)
    assert isinstance(des, EngineDesign)
    return des


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return tmp_path_factory.mktemp("engine_ref")


@pytest.fixture(scope="module")
def dstrat(files):
    return _engine(_parquet(pd.read_csv(REF / "apistrat.csv"), files, "strat", "stype"),
                   weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def dclus1(files):
    return _engine(_parquet(pd.read_csv(REF / "apiclus1.csv"), files, "clus1"),
                   weights="pw", psu="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def ditems(files):
    d = pd.read_csv(REF / "apistrat.csv")
    d["nps_x"] = np.minimum(10, (d.api00 - 390) // 50)
    d["q1"] = np.minimum(5, 1 + d.meals // 20)
    d["q2"] = pd.array(np.where(d.ell > 70, np.nan, np.minimum(5, 1 + d.ell // 15)),
                       dtype="Float64").astype("Int64")
    d["q3"] = np.minimum(5, 1 + d.emer // 5)
    return _engine(_parquet(d, files, "items"), weights="pw", strata="stype", fpc="fpc")


@pytest.fixture(scope="module")
def api(files):
    s = pd.read_csv(REF / "rel_apistrat.csv")
    c = pd.read_csv(REF / "rel_apiclus1.csv")
    return (_engine(_parquet(s, files, "rel_strat"), weights="pw", strata="stype", fpc="fpc"),
            _engine(_parquet(c, files, "rel_clus1"), weights="pw", psu="dnum", fpc="fpc"))


def test_fixtures_are_engine_designs_on_duckdb(dstrat, dclus1):
    assert dstrat.backend == "duckdb" and dstrat.df == 197 and dclus1.df == 14
    assert "stype" in dstrat.columns  # the hive partition became a column


# ---------------------------------------------------------------- svyglm by sums (regression.R)
@pytest.fixture(scope="module")
def api_models(files):
    """The designs of tests/statistics/test_regression.py as Parquet read by DuckDB, with
    ``max_cells=10`` so that every model with ell, meals or mobility (continuous) goes by
    sums: linear by cross-products, logistic and Poisson by one pass per Newton iteration."""
    out = {}
    for key, name, spec in (("dstrat", "apistrat", dict(weights="pw", strata="stype",
                                                         fpc="fpc")),
                            ("dclus1", "apiclus1", dict(weights="pw", psu="dnum", fpc="fpc")),
                            ("dwonly", "apistrat", dict(weights="pw"))):
        d = pd.read_csv(REF / f"{name}.csv")
        d["yes"] = (d["sch.wide"] == "Yes").astype(float)
        out[key] = _engine(_parquet(d, files, f"models_{key}"), **spec, max_cells=10)
    return out


@pytest.mark.parametrize("key,des,formula,family,tol_b,tol_se",
                         [c for c in __import__("test_regression").CASES
                          if "*" not in c[2]])  # interactions need the rows
def test_svyglm_by_sums_through_duckdb(api_models, key, des, formula, family, tol_b, tol_se):
    """The R references of svyglm (gaussian, quasibinomial, quasipoisson) from the engine's
    sums routes, with test_regression.py's tolerances (R's IRLS stops at 1e-8)."""
    from test_regression import R as RREG

    import cxresearch as cx

    r = RREG[key]
    fit = cx.regress(api_models[des], formula, family=family)
    c = fit.coefficients
    assert len(c) == len(r["terms"])
    np.testing.assert_allclose(c["estimate"], r["coef"], rtol=tol_b)
    np.testing.assert_allclose(c["se"], r["se"], rtol=tol_se)
    np.testing.assert_allclose(fit.vcov.to_numpy(), np.array(r["vcov"]), rtol=2 * tol_se,
                               atol=1e-12)
    assert (c["df"] == r["degf"]).all() and fit.stats["df_residual"] == r["df_residual"]
    np.testing.assert_allclose(c["ci_low"], r["ci_degf"]["lo"], rtol=tol_se, atol=1e-9)
    np.testing.assert_allclose(c["ci_high"], r["ci_degf"]["hi"], rtol=tol_se, atol=1e-9)
    if family != "gaussian":
        e = cx.regress(api_models[des], formula, family=family, exponentiate=True).coefficients
        np.testing.assert_allclose(e["estimate"], r["exp_coef"], rtol=1e-6)
        np.testing.assert_allclose(e["ci_low"], r["exp_ci_degf"]["lo"], rtol=1e-5)
