"""reliability against psych::alpha / psych::fa / psych::omega on bfi
(tests/reference/rel_groups.R), plus invariants."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.errors import NegativeItemWarning

R = r_reference("rel_groups")
A = [f"A{i}" for i in range(1, 6)]
C = [f"C{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def bfi():
    return reference_csv("rel_bfi_ac")


def _s(res, m, col="estimate"):
    return float(res.table.set_index("measure").loc[m, col])


@pytest.mark.parametrize("key,items,keys", [("alpha_A_keyed", A, ["A1"]),
                                            ("alpha_C_keyed", C, ["C4", "C5"]),
                                            ("alpha_A_unkeyed", A, None)])
def test_alpha_against_psych(bfi, key, items, keys):
    ref = R[key]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NegativeItemWarning)
        res = cx.reliability(bfi, items, keys=keys, omega=False)
    # same pairwise covariance matrix and closed forms as psych: 1e-10
    assert_allclose(res.alpha, ref["raw_alpha"], rtol=1e-10)
    assert_allclose(_s(res, "alpha_std"), ref["std_alpha"], rtol=1e-10)
    assert_allclose(_s(res, "average_r"), ref["average_r"], rtol=1e-10)
    assert_allclose(_s(res, "alpha", "se"), ref["ase"], rtol=1e-10)
    # Duhachek CI: psych prints alpha -/+ 1.96 ase; we use the exact normal quantile
    z = stats.norm.ppf(0.975)
    assert_allclose(_s(res, "alpha", "ci_low"), ref["raw_alpha"] - z * ref["ase"], rtol=1e-10)
    feldt = ref["feldt"]
    lo, hi = list(feldt.values())  # jsonlite names them raw_alpha, raw_alpha.1
    assert_allclose(_s(res, "alpha_feldt", "ci_low"), np.ravel(lo)[0], rtol=1e-8)
    assert_allclose(_s(res, "alpha_feldt", "ci_high"), np.ravel(hi)[0], rtol=1e-8)
    it = res.items
    assert it["item"].tolist() == [i.rstrip("-") for i in ref["item"]]  # psych marks "A1-"
    assert_allclose(it["alpha_if_dropped"], ref["alpha_drop"], rtol=1e-10)
    assert_allclose(it["std_alpha_if_dropped"], ref["std_alpha_drop"], rtol=1e-10)
    assert_allclose(it["r_drop"], ref["r_drop"], rtol=1e-10)
    # r_cor uses squared multiple correlations (matrix inverse): 1e-8
    assert_allclose(it["r_cor"], ref["r_cor"], rtol=1e-8)


def test_negative_item_warning(bfi):
    with pytest.warns(NegativeItemWarning, match=r"\['A1'\]"):
        cx.reliability(bfi, A, omega=False)


@pytest.mark.parametrize("key,items,keys", [("omega_A", A, ["A1"]), ("omega_C", C, ["C4", "C5"])])
def test_omega_against_fa_ml(bfi, key, items, keys):
    res = cx.reliability(bfi, items, keys=keys)
    ref = R[key]
    # psych's omega uses 1 - sum(u)/sum(R); from fa's ML uniquenesses (both optimizers stop at
    # ~1e-6 on the loadings): 1e-5
    X = bfi[items].copy()
    for k in keys:
        X[k] = 7 - X[k]
    Rm = X.corr().to_numpy()
    assert_allclose(_s(res, "omega_total"), 1 - np.sum(ref["uniq"]) / Rm.sum(), rtol=1e-5)
    if key == "omega_A":
        assert_allclose(_s(res, "omega_total"), R["omega_A_psych"], rtol=1e-5)


def test_listwise_and_invariants(bfi):
    res = cx.reliability(bfi, A, keys=["A1"], missing="listwise", omega=False)
    complete = bfi[A].dropna()
    assert res.n == len(complete) and "listwise" in res.missing
    # invariant: on complete data pairwise = listwise
    r2 = cx.reliability(complete, A, keys=["A1"], omega=False)
    assert_allclose(res.alpha, r2.alpha, rtol=1e-12)
    # invariant: alpha from the variance of the sum score
    X = complete.to_numpy(float)
    X[:, 0] = 7 - X[:, 0]
    k = X.shape[1]
    alpha = k / (k - 1) * (1 - X.var(0, ddof=1).sum() / X.sum(1).var(ddof=1))
    assert_allclose(res.alpha, alpha, rtol=1e-12)
    # invariant: unit weights in a Design change nothing
    from cxresearch.sampling.design import Design
    r3 = cx.reliability(Design(complete), A, keys=["A1"], omega=False)
    assert_allclose(r3.alpha, r2.alpha, rtol=1e-12)


def test_bad_input(bfi):
    with pytest.raises(ValueError, match="at least two"):
        cx.reliability(bfi, ["A1"])
    with pytest.raises(ValueError, match=r"\['Z9'\]"):
        cx.reliability(bfi, ["A1", "Z9"])
    with pytest.raises(ValueError, match="keys"):
        cx.reliability(bfi, A, keys=["C1"])
    with pytest.raises(ValueError, match="missing must be"):
        cx.reliability(bfi, A, missing="mean")
