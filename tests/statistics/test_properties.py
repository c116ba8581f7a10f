"""Invariants of the estimators, checked on data hypothesis draws (mean, proportion, nps,
top_box).

- **Order of rows**: permuting the respondents changes no estimate, SE or interval (a design
  is a set of respondents, not a sequence) -- for a simple random sample, a weighted sample
  and a stratified weighted sample.
- **Unit weights**: a Design whose weights are all 1 gives the unweighted result: estimate,
  SE and interval (the linearized SE of an equal-weight design is the SRS SE, as in R's
  ``svydesign(ids = ~1, weights = ~1)``).
- **Frequency weights**: weights that count identical respondents give the point estimate of
  the expanded rows. Only the point estimate: the design-based SE treats the weights as
  sampling weights of the rows observed, not as extra respondents, so no SE identity holds.

Tolerance: the estimates are ratios of weighted sums, which a different order or a different
grouping of the same numbers changes only by rounding: rtol 1e-10 (atol 1e-10 for values near
zero; NPS runs on -100..100).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxresearch as cx

RTOL = ATOL = 1e-10
NUMERIC = ["estimate", "se", "ci_low", "ci_high"]
SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def surveys(draw, min_n: int = 6, max_n: int = 40):
    """Respondents with a numeric answer, a 0-10 recommend answer, a 1-5 rating (ordered
    categorical), a group, a positive weight, an integer frequency weight and two strata with
    at least two respondents each."""
    n = draw(st.integers(min_n, max_n))
    ints = st.integers
    y = draw(st.lists(st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
                      min_size=n, max_size=n))
    rec = draw(st.lists(ints(0, 10), min_size=n, max_size=n))
    q = draw(st.lists(ints(1, 5), min_size=n, max_size=n))
    g = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    w = draw(st.lists(st.floats(0.25, 4.0), min_size=n, max_size=n))
    f = draw(st.lists(ints(1, 4), min_size=n, max_size=n))
    return pd.DataFrame({
        "y": y, "rec": rec,
        "q": pd.Categorical(q, categories=[1, 2, 3, 4, 5], ordered=True),
        "g": g, "w": w, "f": f,
        "s": ["s1" if i % 2 else "s2" for i in range(n)],
    })


ESTIMATORS = {
    "mean": lambda d: cx.mean(d, "y"),
    "proportion": lambda d: cx.proportion(d, "g"),
    "nps": lambda d: cx.nps(d, "rec", item_range=(0, 10)),  # 0-10 said: answers may all be low
    "top_box": lambda d: cx.top_box(d, "q"),
}

DESIGNS = {
    "srs": lambda df: df,
    "weighted": lambda df: cx.Design(df, weights="w"),
    "stratified": lambda df: cx.Design(df, weights="w", strata="s"),
}


def _table(res: pd.DataFrame) -> pd.DataFrame:
    """The numbers of a result, rows in a fixed order (levels as labelled, not as met)."""
    keys = [c for c in res.columns if c not in NUMERIC and res[c].dtype == object
            and c != "method"]
    out = res.sort_values(keys, kind="stable") if keys else res
    return out[keys + NUMERIC].reset_index(drop=True)


def _assert_same(a: pd.DataFrame, b: pd.DataFrame, cols=NUMERIC):
    ta, tb = _table(a), _table(b)
    keys = [c for c in ta.columns if c not in NUMERIC]
    pd.testing.assert_frame_equal(ta[keys], tb[keys])
    for c in cols:
        np.testing.assert_allclose(ta[c].to_numpy(float), tb[c].to_numpy(float),
                                   rtol=RTOL, atol=ATOL, err_msg=c)


@pytest.mark.parametrize("design", list(DESIGNS))
@pytest.mark.parametrize("estimator", list(ESTIMATORS))
@SETTINGS
@given(df=surveys(), seed=st.integers(0, 2**32 - 1))
def test_permuting_rows_changes_nothing(estimator, design, df, seed):
    perm = np.random.default_rng(seed).permutation(len(df))
    shuffled = df.iloc[perm].reset_index(drop=True)
    est, make = ESTIMATORS[estimator], DESIGNS[design]
    _assert_same(est(make(df)), est(make(shuffled)))


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
@SETTINGS
@given(df=surveys())
def test_unit_weights_equal_unweighted(estimator, df):
    est = ESTIMATORS[estimator]
    _assert_same(est(cx.Design(df.assign(w=1.0), weights="w")), est(df))


@pytest.mark.parametrize("estimator", list(ESTIMATORS))
@SETTINGS
@given(df=surveys(max_n=25))
def test_frequency_weights_equal_expanded_rows(estimator, df):
    est = ESTIMATORS[estimator]
    expanded = df.loc[df.index.repeat(df["f"])].reset_index(drop=True)
    _assert_same(est(cx.Design(df, weights="f")), est(expanded), cols=["estimate"])


@SETTINGS
@given(df=surveys())
def test_scaling_the_weights_changes_no_mean_or_share(df):
    """Weights are relative: multiplying every weight by a constant changes no estimate, SE or
    interval of a mean or a share (their linearization is scale-free)."""
    for est in ESTIMATORS.values():
        _assert_same(est(cx.Design(df, weights="w")),
                     est(cx.Design(df.assign(w=df["w"] * 7.5), weights="w")))
