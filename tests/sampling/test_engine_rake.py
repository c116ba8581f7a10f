"""``cx.rake`` on an engine design = ``cx.rake`` of the same rows in memory (hypothesis).

Each example draws a design (1-3 strata, each row its own PSU or 1-4 PSUs per stratum, lonely
PSUs under every rule, fpc or none, weights with zeros or none), answers with NaN, and 1-3
categorical margins with targets given as counts or as shares. It rakes the DataFrame in memory
and the same rows in DuckDB (``cx.Design(ibis table)``) and compares the raked weights row by
row, the raking report, and the estimates and SEs of the pushed-down estimators on the raked
designs (mean, total, proportion, nps, top_box, ``by=`` domains with ``df="domain"``,
crosstab_test, compare_groups, regress) and weight_summary — whose SEs are those of a raking estimator (calibration residuals) on both
routes.

Tolerance: 1e-12 relative, as ``test_engine_equality.py``: the engine sums the joint cells in
another order, so the IPF starts from cell totals that agree to rounding and converges to
factors that agree to rounding, not bit for bit. An absolute floor of 1e-12 × the largest
magnitude of a column absorbs exact zeros on one route that are 1e-17 on the other; test
statistics that are differences of large sums get 1e-12 × n. SEs are compared as variances
(1e-12 of the largest in the table): raking can explain a domain's estimate entirely (a share
of a margin level, a domain inside one cell), and its SE is then the square root of rounding
noise on both routes — 1e-10 where the others are 1e-3 — whose design effect and effective n
are noise too and are not compared (as a deff above 1e6: a domain whose answers are all
alike has an SRS variance of rounding noise), nor are the intervals built on n / deff; when every SE of a table is such noise, the floor is
1e-24 × the largest squared estimate (an SE of 1e-12 of the estimate is zero on both routes).
Wald tests whose covariance is singular up to rounding (a group whose SE is noise, statistics
above 1e8) are not compared: their value is the conditioning's, not the engine's; the Rao-Scott
degrees of freedom, ratios of eigenvalue sums that raking can make ill-conditioned, are held to
1e-9 (see ``_same_tests``). Where a route refuses or warns,
the other must refuse or warn with the same message.

The R check: the raked-design tests of ``tests/statistics/test_weighting.py`` (survey_core.R,
``calibrate(calfun="raking")``) and ``tests/statistics/test_contingency.py`` (rel_contingency.R,
``svychisq`` on a raked cluster design) run here unchanged on designs raked in DuckDB from
Parquet copies of the reference data.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "statistics"))

import test_engine_equality as eq  # noqa: E402  (a sibling: its Spark factory, when set)
from test_contingency import test_svychisq_raked_design  # noqa: E402
from test_weighting import (  # noqa: E402
    SCHWIDE,
    TYPES,
    test_raking_aware_ses_equal_calibrate_raking,
)

import cxresearch as cx  # noqa: E402
from cxresearch.errors import ConvergenceWarning  # noqa: E402
from cxresearch.sampling.design import Design  # noqa: E402
from cxresearch.sampling.engine import EngineDesign  # noqa: E402
from cxresearch.sampling.engine_calibration import RakedEngineDesign  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:The 'future.infer_string'"),
              pytest.mark.filterwarnings("ignore::cxresearch.errors.SmallCellWarning")]

__all__ = ["test_raking_aware_ses_equal_calibrate_raking", "test_svychisq_raked_design"]

RTOL = 1e-12
SETTINGS = settings(max_examples=int(os.environ.get("CX_EQ_EXAMPLES", "12")), deadline=None,
                    derandomize=os.environ.get("CX_EQ_EXAMPLES") is None,
                    suppress_health_check=[HealthCheck.too_slow])
REF = Path(__file__).resolve().parents[1] / "reference" / "data"
MARGINS = {"region": ["n", "s", "e", "w"], "age": ["18-34", "35-54", "55+"], "sex": ["f", "m"]}


@st.composite
def raked_cases(draw):
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    H = draw(st.integers(1, 3))
    clustered = draw(st.booleans())
    parts = []
    for h in range(H):
        n_psu = draw(st.integers(1, 4)) if clustered else 0
        m = draw(st.integers(6, 30))
        psu = rng.integers(0, n_psu, m) if clustered else np.arange(m)
        if clustered:
            psu[:n_psu] = np.arange(n_psu)[: min(m, n_psu)]
        parts.append(pd.DataFrame({"h": f"s{h}", "p": psu}))
    d = pd.concat(parts, ignore_index=True)
    n = len(d)
    d["id"] = np.arange(n)
    npsu_h = d.groupby("h")["p"].nunique() if clustered else d.groupby("h").size()
    d["N"] = d["h"].map(npsu_h).astype(float) + rng.integers(0, 30, H)[
        pd.factorize(d["h"], sort=True)[0]]
    wkind = draw(st.sampled_from(["none", "plain", "zeros"]))
    if wkind != "none":
        d["w"] = rng.uniform(0.2, 5.0, n).round(3)
        if wkind == "zeros":
            d.loc[rng.random(n) < 0.15, "w"] = 0.0
            d.loc[d.index[0], "w"] = 1.0
    names = draw(st.lists(st.sampled_from(list(MARGINS)), min_size=1, max_size=3, unique=True))
    for name, levels in MARGINS.items():
        v = rng.choice(levels, n)
        v[: len(levels)] = levels  # every level present
        d[name] = v
    nps = rng.integers(0, 11, n).astype(float)
    nps[rng.random(n) < draw(st.sampled_from([0.0, 0.3]))] = np.nan
    d["nps"] = nps
    q1 = rng.integers(1, 6, n).astype(float)
    q1[rng.random(n) < 0.1] = np.nan
    d["q1"] = q1
    d["ch"] = rng.choice(["web", "phone", "chat"], n, p=[0.5, 0.35, 0.15])
    d["fcr"] = rng.choice(["yes", "no"], n)
    d.loc[rng.random(n) < 0.1, "fcr"] = None
    as_shares = draw(st.booleans())
    total = float(rng.uniform(0.5, 3.0) * n)
    margins = {}
    for name in names:
        share = rng.dirichlet(np.full(len(MARGINS[name]), 4.0))
        margins[name] = dict(zip(MARGINS[name], share if as_shares else share * total,
                                 strict=True))
    spec = {"strata": "h" if H > 1 else None, "psu": "p" if clustered else None,
            "weights": None if wkind == "none" else "w",
            "fpc": "N" if draw(st.booleans()) else None,
            "lonely_psu": draw(st.sampled_from(["adjust", "certainty", "remove", "average"]))}
    return d, {k: v for k, v in spec.items() if v is not None}, margins


_CON = {}


def _ibis_table(d):
    import ibis
    if "factory" in eq._CON:  # tests/sampling/test_engine_spark.py sets a Spark factory
        return eq._CON["factory"](d)
    if "con" not in _CON:
        _CON["con"] = ibis.duckdb.connect()
    _CON["i"] = _CON.get("i", 0) + 1
    return _CON["con"].create_table(f"r{_CON['i']}", d)


def _run(fn, *args):
    """(result, error message, warning messages) of fn(*args)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        try:
            out, err = fn(*args), None
        except Exception as e:  # noqa: BLE001 - both routes must fail alike, whatever the error
            out, err = None, f"{type(e).__name__}: {e}"
    msgs = sorted({f"{w.category.__name__}: {w.message}" for w in rec  # the package's own
                   if w.category.__module__.startswith("cxresearch")})
    return out, err, msgs


def _same(a: pd.DataFrame, b: pd.DataFrame, floor_scale=None):
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    zero = np.zeros(len(a), bool)
    if "se" in a.columns:  # calibration can explain a domain's estimate: its SE is rounding
        va, vb = a["se"].to_numpy(float) ** 2, b["se"].to_numpy(float) ** 2
        est = np.abs(a["estimate"].to_numpy(float)) if "estimate" in a.columns else va
        big = max(np.nanmax(np.r_[va, vb, 0.0]), 1e-12 * np.nanmax(np.r_[est, 0.0]) ** 2)
        zero = (va <= RTOL * big) & (vb <= RTOL * big)
        if "deff" in a.columns:  # every answer of the domain alike: the SRS variance is noise
            zero |= np.nan_to_num(a["deff"].to_numpy(float)) > 1e6
        np.testing.assert_allclose(vb, va, rtol=RTOL, atol=RTOL * big, err_msg="se²")
    for c in a.columns:
        x, y = a[c], b[c]
        if c == "se":
            continue
        if c in ("deff", "n_eff", "ci_low", "ci_high"):  # intervals on n / deff: noise too
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


def _same_tests(a: pd.DataFrame, b: pd.DataFrame, n: int):
    """Test tables: statistics and p-values as ``_same`` (floor 1e-12 × n); the Rao-Scott
    degrees of freedom are ratios of sums of the eigenvalues of V_srs⁻¹V, whose conditioning
    raking worsens (it can leave a contrast with almost no variance), so they are held to 1e-9,
    and a table where one eigenvalue is rounding (a df within 1e-5 of a smaller whole number)
    is not compared at all."""
    for c in ("df", "df2"):
        if c in a.columns:
            x = a[c].to_numpy(float)
            frac = np.abs(x - np.round(x))
            assume(not np.any((frac > 0) & (frac < 1e-5)))
            y = b[c].to_numpy(float)
            np.testing.assert_allclose(y, x, rtol=1e-9, err_msg=c)
    keep = [c for c in a.columns if c not in ("df", "df2")]
    _same(a[keep], b[keep], floor_scale=n)


def _rake_pair(d, spec, margins, **kw):
    """Both routes raked; asserts equal errors, warnings, weights and raking reports."""
    mem = Design(d, **spec)
    eng = Design(_ibis_table(d), **spec)
    assert isinstance(eng, EngineDesign)
    a, ea, wa = _run(lambda: cx.rake(mem, margins, **kw))
    b, eb, wb = _run(lambda: cx.rake(eng, margins, **kw))
    assert ea == eb
    assert wa == wb
    if a is None:
        return None, None
    assert isinstance(b, RakedEngineDesign) and b.has_calibration
    # row weights: a collapse over the row id has one cell per row
    cells = b.collapse(["id"])
    order = np.argsort(cells.data["id"].to_numpy())
    np.testing.assert_allclose(cells.weights[order], a.weights, rtol=RTOL,
                               atol=RTOL * a.weights.max())
    np.testing.assert_allclose(b.sum_w, a.weights.sum(), rtol=RTOL)
    _same(cx.weight_summary(a), cx.weight_summary(b))
    ra, rb = a.raking, b.raking
    assert ra.iterations == rb.iterations and ra.converged == rb.converged
    np.testing.assert_allclose(rb.total, ra.total, rtol=RTOL)
    _same(ra.margins, rb.margins, floor_scale=1.0)  # rel_error is a difference near 0
    # deff compares with sampling without replacement when Σw >= 2n (domains.without_replacement):
    # raked to exactly 2n (shares of a total of fpc-derived weights), rounding decides
    assume(abs(a.weights.sum() - 2 * len(d)) > 1e-9 * len(d))
    return a, b


ESTIMATORS = {
    "mean_by": lambda des: cx.mean(des, "nps", by="ch"),
    "mean_domain_df": lambda des: cx.mean(des, ["nps", "q1"], by=["ch", "fcr"], df="domain"),
    "total": lambda des: cx.total(des, "q1", by="fcr"),
    "proportion": lambda des: cx.proportion(des, "ch", by="fcr", ci_method="beta"),
    "proportion_margin": lambda des: cx.proportion(des, "sex", ci_method="logit"),
    "nps": lambda des: cx.nps(des, "nps", by="ch", detail=True),
    "nps_by_margin": lambda des: cx.nps(des, "nps", by="region"),
    "top_box": lambda des: cx.top_box(des, "q1", k=2, item_range=(1, 5), by="age"),
}


@SETTINGS
@given(case=raked_cases())
def test_raked_weights_engine_equal_memory(case):
    _rake_pair(*case, tol=1e-10)


@pytest.mark.parametrize("name", list(ESTIMATORS))
@SETTINGS
@given(case=raked_cases())
def test_estimates_after_raking_engine_equal_memory(name, case):
    a, b = _rake_pair(*case, tol=1e-10)
    if a is None:
        return
    ra, ea, _ = _run(ESTIMATORS[name], a)
    rb, eb, _ = _run(ESTIMATORS[name], b)
    assert ea == eb
    if ra is not None:
        _same(ra, rb)
        assert all("raked/calibrated" in m for m in rb["method"])


@SETTINGS
@given(case=raked_cases())
def test_crosstab_after_raking_engine_equal_memory(case):
    d = case[0]
    a, b = _rake_pair(*case, tol=1e-10)
    if a is None:
        return
    assume(a.df > 2)
    ra, ea, _ = _run(lambda des: cx.crosstab_test(des, "ch", "fcr"), a)
    rb, eb, _ = _run(lambda des: cx.crosstab_test(des, "ch", "fcr"), b)
    assume("LinAlgError" not in f"{ea}{eb}")
    assume(ra is None or np.nanmax(np.abs(ra.tests.statistic.to_numpy(float))) < 1e8)
    assert ea == eb
    if ra is None:
        return
    _same(ra.counts.reset_index(), rb.counts.reset_index())
    _same(ra.residuals, rb.residuals)
    _same_tests(ra.tests, rb.tests, len(d))
    assert ra.n == rb.n and ra.notes == rb.notes


@pytest.mark.parametrize("kind", ["mean", "nps"])
@SETTINGS
@given(case=raked_cases())
def test_compare_groups_after_raking_engine_equal_memory(kind, case):
    d = case[0]
    a, b = _rake_pair(*case, tol=1e-10)
    if a is None:
        return
    assume(a.df > 3)
    value = "q1" if kind == "mean" else "nps"
    ra, ea, _ = _run(lambda des: cx.compare_groups(des, value, "ch", kind=kind), a)
    rb, eb, _ = _run(lambda des: cx.compare_groups(des, value, "ch", kind=kind), b)
    assume("LinAlgError" not in f"{ea}{eb}")
    assert ea == eb
    if ra is None:
        return
    _same(ra.groups, rb.groups)
    se, est = ra.groups["se"].to_numpy(float), ra.groups["estimate"].to_numpy(float)
    assume(bool(np.all(se > 1e-6 * np.maximum(np.abs(est), 1.0))))
    assume(bool(np.all(np.nan_to_num(ra.groups["deff"].to_numpy(float)) < 1e6)))
    stat = np.abs(ra.tests["statistic"].to_numpy(float))
    assume(bool(np.all(stat[np.isfinite(stat)] < 1e8)))
    _same_tests(ra.tests, rb.tests, len(d))
    if len(ra.posthoc):
        _same(ra.posthoc, rb.posthoc)


@pytest.mark.parametrize("family,formula", [("gaussian", "q1 ~ ch + fcr"),
                                            ("binomial", "promoter ~ ch + q1")])
# small clustered designs have few df, and small logistic fits separate: many draws are skipped
@settings(SETTINGS, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(case=raked_cases())
def test_regress_after_raking_engine_equal_memory(family, formula, case):
    """regress on answers and categories goes by the cell route, whose variance carries the
    calibration; IRLS stops at its tolerance, so logistic fits agree to 1e-7 (as in
    test_engine_equality.py), linear ones to rounding."""
    d, spec, margins = case
    d = d.assign(promoter=(d["nps"] >= 9).astype(float))
    a, b = _rake_pair(d, spec, margins, tol=1e-10)
    if a is None:
        return
    assume(a.df > 6)
    ra, ea, _ = _run(lambda des: cx.regress(des, formula, family=family), a)
    rb, eb, _ = _run(lambda des: cx.regress(des, formula, family=family), b)
    assume(not any(k in f"{ea}{eb}" for k in ("separation", "LinAlgError", "collinear",
                                                "constant")))
    assert ea == eb
    if ra is None:
        return
    num = ["estimate", "se", "statistic", "p_value"]
    x, y = ra.coefficients[num].to_numpy(float), rb.coefficients[num].to_numpy(float)
    # a coefficient that the raked cells pin down exactly has an SE of rounding noise (1e-6
    # of the estimate, the square root of a 1e-12 variance, or NaN where it came out negative)
    floor = 1e-5 * np.maximum(np.abs(x[:, 0]), 1.0)
    assume(bool(np.all(x[:, 1] > floor) and np.all(y[:, 1] > floor)))
    tol = RTOL if family == "gaussian" else 1e-7
    np.testing.assert_allclose(y, x, rtol=tol, atol=tol * np.abs(x).max())
    assert ra.coefficients["term"].tolist() == rb.coefficients["term"].tolist()


@SETTINGS
@given(case=raked_cases())
def test_raking_twice_engine_equal_memory(case):
    """A raked design raked again carries both calibrations, on both routes."""
    d, spec, margins = case
    a, b = _rake_pair(d, spec, margins, tol=1e-10)
    if a is None:
        return
    second = {"sex": {"f": 0.45, "m": 0.55}}
    a2, ea, wa = _run(lambda: cx.rake(a, second, tol=1e-10))
    b2, eb, wb = _run(lambda: cx.rake(b, second, tol=1e-10))
    assert (ea, wa) == (eb, wb)
    if a2 is None:
        return
    assert len(a2.calibrations) == 2 and len(b2.engine_calibrations) == 2
    ra, ea, _ = _run(lambda des: cx.nps(des, "nps", by="ch"), a2)
    rb, eb, _ = _run(lambda des: cx.nps(des, "nps", by="ch"), b2)
    assert ea == eb
    if ra is not None:
        _same(ra, rb)


# ------------------------------------------------------------------ hostile margins
def _base():
    rng = np.random.default_rng(3)
    n = 60
    d = pd.DataFrame({"id": np.arange(n), "h": np.repeat(["a", "b", "c"], 20),
                      "p": np.tile(np.arange(4), 15), "w": rng.uniform(1, 3, n).round(2),
                      "region": rng.choice(["n", "s", "e"], n), "sex": rng.choice(["f", "m"], n),
                      "nps": rng.integers(0, 11, n).astype(float)})
    d.loc[:2, "region"] = ["n", "s", "e"]
    return d, {"weights": "w", "strata": "h", "psu": "p"}


def _hostile(d, spec, margins, match, **kw):
    """Both routes refuse with the same message."""
    msgs = []
    for src in (d, _ibis_table(d)):
        with pytest.raises((ValueError, TypeError), match=match) as e:
            cx.rake(Design(src, **spec), margins, **kw)
        msgs.append(f"{type(e.value).__name__}: {e.value}")
    assert msgs[0] == msgs[1]


@pytest.mark.parametrize("margins,match", [
    ({"region": {"n": 10, "s": 20, "e": 30, "w": 5}}, "have no respondents"),       # absent
    ({"region": {"n": 10, "s": 20}}, "have no population target"),                  # unknown
    ({"region": {"n": 0.5, "s": 0.5, "x": 0.1, "e": 0.2}}, "have no respondents"),
    ({"region": {"n": 10, "s": 20, "e": 30}, "sex": {"f": 10, "m": 10}}, "disagree"),
    ({"region": {"n": 10, "s": 0, "e": 30}}, "must be positive"),
    ({"region": {"n": 10, "s": np.nan, "e": 30}}, "must be positive"),
    ({"region": {}}, "non-empty dict"),
    ({}, "non-empty dict"),
    ({"nope": {"a": 1.0}}, "is not a column"),
    ({"region": {"n": 0.3, "s": 0.3, "e": 0.4}, "nope": {"a": 1.0}}, "is not a column"),
])
def test_hostile_margins_refused_alike(margins, match):
    d, spec = _base()
    _hostile(d, spec, margins, match)


@pytest.mark.parametrize("kind", ["none", "nan_object", "nan_float", "all"])
def test_margin_with_missing_values_refused_alike(kind):
    d, spec = _base()
    if kind == "nan_float":
        d["region"] = d["region"].map({"n": 1.0, "s": 2.0, "e": 3.0})
        d.loc[[5, 9, 11], "region"] = np.nan
        margins = {"region": {1.0: 0.2, 2.0: 0.3, 3.0: 0.5}}
    else:
        d.loc[[5, 9, 11], "region"] = None if kind != "nan_object" else np.nan
        if kind == "all":  # typed, so that DuckDB can hold the column
            d["region"] = pd.Series([None] * len(d), dtype="string")
        margins = {"region": {"n": 0.2, "s": 0.3, "e": 0.5}}
    _hostile(d, spec, margins, "respondent\\(s\\) have no value" if kind != "all"
             else "60 respondent")


def test_level_with_only_zero_weights_refused_alike():
    d, spec = _base()
    d.loc[d.region == "e", "w"] = 0.0
    _hostile(d, spec, {"region": {"n": 0.2, "s": 0.3, "e": 0.5}}, "only zero-weight")


@pytest.mark.parametrize("kw,match", [({"tol": 0}, "tol must be"), ({"max_iter": 0}, "max_iter"),
                                      ({"weights": "w"}, "weights= is only for a DataFrame"),
                                      ({"total": 99.0}, "disagrees with the margin counts")])
def test_bad_options_refused_alike(kw, match):
    d, spec = _base()
    _hostile(d, spec, {"region": {"n": 10, "s": 20, "e": 30}}, match, **kw)


@pytest.mark.parametrize("max_iter", [1, 2, 5])
def test_non_convergence_warns_alike_and_gives_the_same_weights(max_iter):
    # a structural zero: no "n" respondent is "m", yet the margins ask for many of both
    d, spec = _base()
    d.loc[d.region == "n", "sex"] = "f"
    margins = {"region": {"n": 0.6, "s": 0.2, "e": 0.2}, "sex": {"f": 0.3, "m": 0.7}}
    a, b = _rake_pair(d, spec, margins, max_iter=max_iter)
    assert not a.raking.converged and not b.raking.converged
    _same(cx.nps(a, "nps", by="sex"), cx.nps(b, "nps", by="sex"))
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        cx.rake(Design(_ibis_table(d), **spec), margins, max_iter=max_iter)


def test_numeric_and_categorical_margin_levels_alike():
    d, spec = _base()
    d["k"] = d["region"].map({"n": 1, "s": 2, "e": 3})
    d["g"] = pd.Categorical(d["sex"], categories=["m", "f"])
    margins = {"k": {1: 20, 2: 30, 3: 50}, "g": {"m": 40, "f": 60}}
    a, b = _rake_pair(d, spec, margins)
    # (a DuckDB table does not keep a pandas categorical's order, so the domains are by sex)
    _same(cx.proportion(a, "region", by="sex"), cx.proportion(b, "region", by="sex"))


def test_what_is_not_pushed_down_says_so():
    d, spec = _base()
    d["y"] = np.random.default_rng(0).normal(size=len(d))
    eng = cx.rake(Design(_ibis_table(d), max_cells=5, **spec),
                  {"region": {"n": 0.2, "s": 0.3, "e": 0.5}})
    # a continuous variable goes by per-PSU sums, which have no calibration residuals
    with pytest.raises(ValueError, match="raked engine design is not pushed down"):
        cx.mean(eng, "y")
    with pytest.raises(ValueError, match="raked engine design is not pushed down"):
        cx.regress(eng, "y ~ nps")
    with pytest.raises(ValueError, match="Sample the design before raking"):
        eng.sample(10)
    with pytest.raises(ValueError, match="trim"):
        cx.trim_weights(eng, upper=3)
    # the cells of a collapse are not re-weighted (rake the engine design itself)
    cells = Design(_ibis_table(d), **spec).collapse(["region"])
    with pytest.raises(ValueError, match="rake the engine design itself"):
        cx.rake(cells, {"region": {"n": 0.2, "s": 0.3, "e": 0.5}})


def test_design_label_and_repr():
    d, spec = _base()
    eng = cx.rake(Design(_ibis_table(d), **spec), {"sex": {"f": 0.5, "m": 0.5}})
    assert "calibrated" in repr(eng) and "__cx_g0" not in eng.columns
    assert "raked/calibrated" in cx.mean(eng, "nps").method[0]


# ------------------------------------------------------------------ R references, via DuckDB
def _parquet(df: pd.DataFrame, root: Path, name: str) -> Path:
    out = root / name
    out.mkdir(parents=True)
    df.to_parquet(out / "part-0.parquet", index=False)
    return out


@pytest.fixture(scope="module")
def raked_clus1(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine_rake_ref")
    des = Design(_parquet(pd.read_csv(REF / "apiclus1.csv"), root, "clus1"), weights="pw",
                 psu="dnum", fpc="fpc")
    assert isinstance(des, EngineDesign)
    return cx.rake(des, {"stype": TYPES, "sch.wide": SCHWIDE}, tol=1e-12)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    root = tmp_path_factory.mktemp("engine_rake_api")
    c = _parquet(pd.read_csv(REF / "rel_apiclus1.csv"), root, "rel_clus1")
    return (None, Design(c, weights="pw", psu="dnum", fpc="fpc"))


def test_reference_fixtures_are_raked_engine_designs(raked_clus1, api):
    assert isinstance(raked_clus1, RakedEngineDesign) and raked_clus1.backend == "duckdb"
    assert raked_clus1.raking.converged and raked_clus1.df == 14
    assert isinstance(api[1], EngineDesign)


def test_docstring_examples_run():
    import doctest
    import importlib
    res = doctest.testmod(importlib.import_module("cxresearch.sampling.engine_calibration"),
                          optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0
