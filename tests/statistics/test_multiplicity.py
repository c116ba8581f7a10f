"""adjust_pvalues against R's p.adjust (tests/reference/rel_contingency.R) and TestFamily."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from support import r_reference

import cxresearch as cx
from cxresearch.statistics.relationships.multiplicity import TestFamily

R = r_reference("rel_contingency")


@pytest.mark.parametrize("method", ["holm", "hochberg", "hommel", "bonferroni", "BH", "BY"])
def test_p_adjust_against_r(method):
    ref = R["p_adjust"]
    # arithmetic on the same numbers (sorting, cumulative min/max): 1e-12 relative
    assert_allclose(cx.adjust_pvalues(ref["p"], method), ref[method], rtol=1e-12)


def test_aliases_nan_and_order():
    p = [0.04, np.nan, 0.01, 0.03]
    out = cx.adjust_pvalues(p, "fdr_bh")
    assert np.isnan(out[1])
    assert_allclose(out[[0, 2, 3]], cx.adjust_pvalues([0.04, 0.01, 0.03], "BH"))
    assert_allclose(cx.adjust_pvalues(p, "none")[[0, 2, 3]], [0.04, 0.01, 0.03])


def test_bad_method_and_values():
    with pytest.raises(ValueError, match="method must be one of"):
        cx.adjust_pvalues([0.1], "tukey")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        cx.adjust_pvalues([1.5], "holm")


def test_family_collects_results():
    fam = cx.TestFamily("claims")
    fam.add("a", 0.01, method="by hand")
    df = pd.DataFrame({"a": list("xxyyxyxy") * 10, "b": list("pqpqqqpp") * 10})
    fam.add("crosstab", cx.crosstab_test(df, "a", "b"))
    fam.add("rr", cx.two_by_two(table=[[30, 70], [10, 90]]).iloc[:2])
    tab = fam.table("holm")
    assert list(tab["name"]) == ["a", "crosstab", "rr: risk_ratio", "rr: odds_ratio"]
    assert_allclose(tab["p_adjusted"], cx.adjust_pvalues(tab["p_value"], "holm"))
    assert tab.loc[1, "test"] == "pearson_chisq"
    assert (tab["p_adjusted"] >= tab["p_value"]).all()
    with pytest.raises(ValueError, match="already in the family"):
        fam.add("a", 0.2)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        fam.add("b", 2.0)
    assert len(TestFamily().table()) == 0


@pytest.mark.parametrize("r,sm", [("holm", "holm"), ("BH", "fdr_bh")])
def test_numpy_holm_and_bh_equal_statsmodels(r, sm):
    """Holm and BH are computed in numpy (no gc.collect per call); they equal statsmodels'
    multipletests, NaN kept out of the family, ties and p = 1 included."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(5)
    for k in (1, 3, 15, 200):
        p = rng.uniform(0, 0.2, k)
        p[rng.random(k) < 0.2] = np.nan
        ok = ~np.isnan(p)
        want = np.full(k, np.nan)
        if ok.any():
            want[ok] = multipletests(p[ok], method=sm)[1]
        assert_allclose(cx.adjust_pvalues(p, r), want, rtol=1e-12)
    p = np.array([0.01, 0.01, 0.5, 1.0])
    assert_allclose(cx.adjust_pvalues(p, r), multipletests(p, method=sm)[1], rtol=1e-12)
