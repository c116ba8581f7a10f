"""Design and its variance engine against R's survey (tests/reference/survey_core.R).

Tolerances: point estimates and SEs are the same arithmetic as ``survey`` (sums of products,
no iteration), so they agree to ~1e-12 relative; we use rtol=1e-9 to leave room for summation
order. JSON numbers carry 15 significant digits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import fake_wave, r_reference, reference_csv

from cxresearch.sampling.design import Calibration, Design
from cxresearch.statistics.design.resolve import as_design

REF = r_reference("survey_core")



def _se(x):
    return float(np.ravel(x)[0])


@pytest.fixture(scope="module")
def apistrat():
    return reference_csv("apistrat")


@pytest.fixture(scope="module")
def apiclus1():
    return reference_csv("apiclus1")


def _mean_se(des, y):
    w = des.weights
    m = (w * y).sum() / w.sum()
    return m, float(np.sqrt(des.total_variance((y - m) / w.sum())[0, 0]))


def test_stratified_fpc_total_and_df(apistrat):
    des = Design(apistrat, weights="pw", strata="stype", fpc="fpc")
    y = apistrat["enroll"].to_numpy(float)
    ref = REF["strat"]["total"]
    np.testing.assert_allclose((des.weights * y).sum(), ref["est"], rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(des.total_variance(y)[0, 0]), _se(ref["se"]), rtol=1e-9)
    assert des.df == REF["strat"]["df"] == 197


def test_cluster_design_with_and_without_fpc(apiclus1):
    y = apiclus1["api00"].to_numpy(float)
    des = Design(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    m, se = _mean_se(des, y)
    np.testing.assert_allclose(m, REF["clus1"]["mean"]["est"], rtol=1e-12)
    np.testing.assert_allclose(se, _se(REF["clus1"]["mean"]["se"]), rtol=1e-9)
    assert des.df == REF["clus1"]["df"] == 14
    des2 = Design(apiclus1, weights="pw", psu="dnum")
    np.testing.assert_allclose(_mean_se(des2, y)[1], _se(REF["clus1"]["mean_nofpc"]["se"]),
                               rtol=1e-9)
    # the fpc makes a difference here (15 of 757 districts), so the test can tell them apart
    assert abs(se - _mean_se(des2, y)[1]) > 1e-3


def test_fpc_as_sampling_fraction_equals_population_size(apistrat):
    a = Design(apistrat, weights="pw", strata="stype", fpc="fpc")
    frac = apistrat.groupby("stype")["stype"].transform("size") / apistrat["fpc"]
    b = Design(apistrat, weights="pw", strata="stype", fpc=frac.to_numpy())
    z = apistrat["api00"].to_numpy(float)
    np.testing.assert_allclose(a.total_variance(z), b.total_variance(z), rtol=1e-12)


def test_weights_derived_from_fpc():
    srs = reference_csv("apisrs")
    des = Design(srs, fpc="fpc")
    np.testing.assert_allclose(des.weights[0], REF["srs"]["fpc_weights"], rtol=1e-12)
    m, se = _mean_se(des, srs["api00"].to_numpy(float))
    np.testing.assert_allclose(se, _se(REF["srs"]["mean_fpc"]["se"]), rtol=1e-9)


@pytest.mark.parametrize("opt", ["adjust", "certainty", "remove", "average"])
def test_lonely_psu_options_match_survey(apistrat, opt):
    lon = pd.concat([apistrat[apistrat.stype == "E"].head(10),
                     apistrat[apistrat.stype == "H"].head(10),
                     apistrat[apistrat.stype == "M"].head(1)])
    des = Design(lon, weights="pw", strata="stype", lonely_psu=opt)
    m, se = _mean_se(des, lon["api00"].to_numpy(float))
    np.testing.assert_allclose(m, REF["lonely"][opt]["est"], rtol=1e-12)
    np.testing.assert_allclose(se, _se(REF["lonely"][opt]["se"]), rtol=1e-9)


def test_lonely_psu_fails_by_default_naming_the_stratum(apistrat):
    lon = pd.concat([apistrat[apistrat.stype == "E"].head(3),
                     apistrat[apistrat.stype == "M"].head(1)])
    with pytest.raises(ValueError, match=r"stratum 'M' has only one PSU.*lonely_psu"):
        Design(lon, weights="pw", strata="stype")


def test_certainty_stratum_by_fpc_is_not_lonely():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "h": ["a", "a", "b", "c"], "N": [10, 10, 1, 5]})
    with pytest.raises(ValueError, match="'c'"):  # c is lonely, b is a certainty stratum
        Design(d, strata="h", fpc="N")
    d.loc[3, "N"] = 1
    des = Design(d, strata="h", fpc="N")
    assert des.total_variance(d["y"].to_numpy())[0, 0] > 0


def test_bad_inputs_have_clear_messages():
    d = pd.DataFrame({"y": [1.0, 2, 3], "w": [1.0, -2, 1], "h": ["a", None, "b"]})
    with pytest.raises(ValueError, match="non-negative.*row 1"):
        Design(d, weights="w")
    with pytest.raises(ValueError, match="strata has 1 missing"):
        Design(d, strata="h")
    with pytest.raises(ValueError, match="'nope' is not a column"):
        Design(d, weights="nope")
    with pytest.raises(ValueError, match="length 3"):
        Design(d, weights=[1.0, 2.0])
    with pytest.raises(TypeError, match="DataFrame"):
        Design(d.to_numpy())
    with pytest.raises(ValueError, match="lonely_psu"):
        Design(d, lonely_psu="ignore")
    with pytest.raises(ValueError, match="fpc varies within stratum"):
        Design(d.assign(h=["a", "a", "b"], N=[5, 6, 7]), strata="h", fpc="N")
    with pytest.raises(ValueError, match="more than 100% sampling"):
        Design(d, fpc=[2.0, 2.0, 2.0])


def test_total_variance_rejects_nan_and_wrong_shape():
    des = as_design(pd.DataFrame({"y": [1.0, 2, 3]}))
    with pytest.raises(ValueError, match="NaN"):
        des.total_variance([1.0, np.nan, 2.0])
    with pytest.raises(ValueError, match="3 rows"):
        des.total_variance(np.ones(4))


def test_as_design_and_srs_variance_is_classical():
    rng = np.random.default_rng(1)
    y = rng.normal(size=50)
    des = as_design(pd.DataFrame({"y": y}))
    assert des.srs and des.df == 49 and not des.has_calibration
    m, se = _mean_se(des, y)
    np.testing.assert_allclose(se, y.std(ddof=1) / np.sqrt(50), rtol=1e-12)
    assert as_design(des) is des

    assert as_design(fake_wave(des.data, None, design=lambda: des)) is des
    with pytest.raises(TypeError, match="Design, a pandas DataFrame or a Wave"):
        as_design([1, 2])


def test_psu_ids_are_nested_within_strata():
    # the same PSU label in two strata is two PSUs (svydesign(nest=TRUE))
    d = pd.DataFrame({"h": ["a", "a", "b", "b"], "p": [1, 2, 1, 2], "y": [1.0, 2, 3, 5]})
    des = Design(d, strata="h", psu="p")
    assert des.n_psu == 4 and des.df == 2


def test_covariance_matrix_is_symmetric_psd_and_multicolumn_consistent(apiclus1):
    des = Design(apiclus1, weights="pw", psu="dnum", fpc="fpc")
    Z = apiclus1[["api00", "api99", "enroll"]].to_numpy(float)
    V = des.total_variance(Z)
    assert V.shape == (3, 3)
    np.testing.assert_allclose(V, V.T, rtol=1e-12)
    assert np.all(np.linalg.eigvalsh(V) > -1e-6 * np.abs(V).max())
    for j in range(3):
        np.testing.assert_allclose(V[j, j], des.total_variance(Z[:, j])[0, 0], rtol=1e-12)


def test_calibration_residualizes_on_margin_dummies():
    rng = np.random.default_rng(3)
    n = 200
    a, b = rng.integers(0, 3, n), rng.integers(0, 4, n)
    w0 = rng.uniform(1, 3, n)
    cal = Calibration(w0, [a, b], [3, 4])
    z = rng.normal(size=(n, 2))
    X = np.column_stack([np.eye(3)[a], np.eye(4)[b]])
    beta = np.linalg.lstsq(X * np.sqrt(w0)[:, None], z * np.sqrt(w0)[:, None], rcond=None)[0]
    np.testing.assert_allclose(cal.residualize(z), z - X @ beta, atol=1e-10)
    # a margin dummy is fully explained: its residual is zero
    np.testing.assert_allclose(cal.residualize((a == 1).astype(float)), 0, atol=1e-10)


@pytest.mark.parametrize("module", ["cxresearch.sampling.design", "cxresearch.statistics.estimates.means",
                                    "cxresearch.statistics.estimates.indices", "cxresearch.statistics.design.weighting"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


@pytest.mark.parametrize("spec", ["srs", "weights", "strata_fpc", "adjust", "certainty",
                                  "average", "cluster"])
def test_group_total_variance_equals_the_row_route(spec):
    """Oracle: total_variance of the expanded score matrix G[g] (another route, same number)."""
    rng = np.random.default_rng(11)
    n, L = 400, 7
    d = pd.DataFrame({"h": rng.integers(0, 5, n), "w": rng.gamma(2.0, 3.0, n),
                      "psu": rng.integers(0, 40, n)})
    lonely = {"adjust", "certainty", "average"}
    if spec in lonely:  # stratum 5 has a single row (a lonely PSU)
        d.loc[0, "h"] = 5
    d["fpc"] = d.groupby("h")["h"].transform("size") * 3
    kwargs = {"srs": {}, "weights": {"weights": "w"},
              "strata_fpc": {"weights": "w", "strata": "h", "fpc": "fpc"},
              "cluster": {"weights": "w", "strata": "h", "psu": "psu"}}.get(
        spec, {"weights": "w", "strata": "h", "lonely_psu": spec})
    des = Design(d, **kwargs)
    g = rng.integers(0, L, n)
    G = rng.normal(size=(L, 3)) + 5.0  # far from centred, to expose cancellation
    G[L - 1] = 0.0  # the "left out" group
    np.testing.assert_allclose(des.group_total_variance(g, G), des.total_variance(G[g]),
                               rtol=1e-10, atol=1e-10)


def test_group_total_variance_refuses_bad_codes():
    des = Design(pd.DataFrame({"y": [1.0, 2.0, 3.0]}))
    with pytest.raises(ValueError, match="codes 0..1"):
        des.group_total_variance(np.array([0, 1, 2]), np.ones((2, 1)))
    with pytest.raises(ValueError, match="shape"):
        des.group_total_variance(np.array([0, 1]), np.ones((2, 1)))
