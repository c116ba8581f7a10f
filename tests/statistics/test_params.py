"""One argument table, one wording; one input resolver.

Oracle: the table in cxresearch.statistics.design.params (what each argument may be) and the
message it promises: ``"<name> must be <constraint>, got <value>"``; a wrong type is a
TypeError, a right type out of range a ValueError.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.statistics.design.params import (
    CONSTRAINTS,
    P_ADJUST,
    Interval,
    Options,
    check,
    check_params,
)
from cxresearch.statistics.design.resolve import as_design, resolve
from cxresearch.statistics.relationships.multiplicity import _METHODS


def _d(n=60, seed=0):
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n),
                      "g": rng.choice(list("ab"), n), "wave": np.repeat([1, 2], n // 2)})
    d["y"] = d["x"] + rng.normal(size=n)
    d["o"] = pd.Categorical(rng.integers(1, 4, n), categories=[1, 2, 3], ordered=True)
    return d


# ------------------------------------------------------------------ the checker itself
@pytest.mark.parametrize("value,exc", [
    (0, ValueError), (1, ValueError), (95, ValueError), (-0.1, ValueError),
    (float("nan"), ValueError), (float("inf"), ValueError),
    ("0.95", TypeError), (True, TypeError), (None, TypeError), ([0.9], TypeError),
])
def test_conf_level_one_wording(value, exc):
    with pytest.raises(exc, match=r"^conf_level must be a number in the open interval \(0, 1\), "
                                  r"got "):
        check("conf_level", value)


@pytest.mark.parametrize("value", [0.5, 0.9, 0.95, np.float64(0.99)])
def test_conf_level_accepts(value):
    check("conf_level", value)


@pytest.mark.parametrize("value,exc,match", [
    (-1, ValueError, r"B must be an integer >= 0, got -1$"),
    (2.5, TypeError, r"B must be an integer >= 0, got 2.5 \(float\)"),
    ("100", TypeError, r"B must be an integer >= 0, got '100' \(str\)"),
    (True, TypeError, r"B must be an integer >= 0, got True \(bool\)"),
])
def test_B(value, exc, match):
    with pytest.raises(exc, match=match):
        check("B", value)


def test_p_adjust_options_are_the_multiplicity_methods():
    assert set(P_ADJUST) == set(_METHODS)
    check("p_adjust", "BH")  # case-insensitive, as R's names
    with pytest.raises(ValueError, match="p_adjust must be one of 'holm'.*got 'tukey'"):
        check("p_adjust", "tukey")
    with pytest.raises(TypeError, match="p_adjust must be one of"):
        check("p_adjust", 1)


def test_long_values_are_shortened():
    with pytest.raises(TypeError) as e:
        check("conf_level", "x" * 500)
    assert len(str(e.value)) < 160


def test_interval_and_options_describe():
    assert Interval(0, 1, "neither").describe() == "a number in the open interval (0, 1)"
    assert Interval(0, 1, "both").describe() == "a number in [0, 1]"
    assert Interval(1, None, "left", integer=True).describe() == "an integer >= 1"
    assert Options(("a", "b")).describe() == "one of 'a', 'b'"
    assert set(CONSTRAINTS) >= {"conf_level", "alpha", "B", "p_adjust", "maxiter"}


def test_check_params_binds_positional_and_keyword_arguments():
    @check_params
    def f(x, conf_level=0.95, *, B=10):
        return x

    assert f(1, 0.9, B=0) == 1
    with pytest.raises(ValueError, match="conf_level"):
        f(1, 2)
    with pytest.raises(ValueError, match="B must be"):
        f(1, B=-3)

    @check_params(skip=("B",), maxiter=Interval(5, None, integer=True))
    def g(B=1, maxiter=10):
        return B

    assert g(B=-1) == -1
    with pytest.raises(ValueError, match="maxiter must be an integer >= 5, got 2"):
        g(maxiter=2)


# ------------------------------------------------------------------ the table in every function
D = _d()
CALLS = {
    "mean": lambda **k: cx.mean(D, "y", **k),
    "total": lambda **k: cx.total(D, "y", **k),
    "proportion": lambda **k: cx.proportion(D, "g", **k),
    "proportion_ci": lambda **k: cx.proportion_ci(3, 10, **k),
    "nps": lambda **k: cx.nps(D.assign(r=np.arange(60) % 11), "r", **k),
    "regress": lambda **k: cx.regress(D, "y ~ x", **k),
    "ordinal_logit": lambda **k: cx.ordinal_logit(D, "o", ["x"], **k),
    "key_drivers": lambda **k: cx.key_drivers(D, "y", ["x", "z"], B=0, **k),
    "compare_groups": lambda **k: cx.compare_groups(D, "y", "g", **k),
    "crosstab_test": lambda **k: cx.crosstab_test(D, "g", "wave", **k),
    "two_by_two": lambda **k: cx.two_by_two(table=[[5, 3], [2, 8]], **k),
    "reliability": lambda **k: cx.reliability(D, ["x", "z"], omega=False, **k),
    "banner": lambda **k: cx.banner(D, ["mean:y"], "g", **k),
    "track": lambda **k: cx.track(D, "y", "wave", **k),
}


@pytest.mark.parametrize("name", list(CALLS))
@pytest.mark.parametrize("bad,exc,shown", [(95, ValueError, "95"), (0, ValueError, "0"),
                                           ("95%", TypeError, r"'95%' \(str\)")])
def test_every_estimator_checks_conf_level_the_same_way(name, bad, exc, shown):
    with pytest.raises(exc, match=r"conf_level must be a number in the open interval \(0, 1\), "
                                  f"got {shown}$"):
        CALLS[name](conf_level=bad)


@pytest.mark.parametrize("call,match", [
    (lambda: cx.key_drivers(D, "y", ["x", "z"], B=-1), "B must be an integer >= 0, got -1"),
    (lambda: cx.banner(D, ["mean:y"], "g", p_adjust="tukey"), "p_adjust must be one of"),
    (lambda: cx.banner(D, ["mean:y"], "g", min_base=-1), "min_base must be an integer >= 0"),
    (lambda: cx.banner(D, ["mean:y"], "g", alpha=1.5),
     r"alpha must be a number in the open interval \(0, 1\), got 1.5"),
    (lambda: cx.track(D, "y", "wave", p_adjust="nope"), "p_adjust must be one of"),
    (lambda: cx.ordinal_logit(D, "o", ["x"], maxiter=0), "maxiter must be an integer >= 1"),
    (lambda: cx.crosstab_test(D, "g", "wave", min_expected=0), "min_expected must be"),
    (lambda: cx.TestFamily("f").add("a", 0.1).table(alpha=2), "alpha must be a number"),
    (lambda: cx.reconstruct_many("mitto_cx", 0, lambda w: None), "k must be an integer >= 1"),
    (lambda: cx.reconstruct_many("mitto_cx", 2, lambda w: None, n_jobs=0),
     "n_jobs must be an integer >= 1"),
])
def test_other_arguments_in_the_table(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_p_adjust_is_the_name_everywhere():
    import inspect

    from cxresearch.statistics.tracking.compare import compare_waves

    for f in (cx.banner, cx.track, compare_waves, cx.TestFamily.table):
        params = inspect.signature(f).parameters
        assert "p_adjust" in params and "multiplicity" not in params, f


def test_item_range_is_the_name_of_an_answer_range():
    import inspect

    for f in (cx.nps, cx.nps_cutoffs, cx.track, cx.key_drivers, cx.compare_groups,
              cx.top_box):
        params = inspect.signature(f).parameters
        assert "item_range" in params and "scale" not in params, f


# ------------------------------------------------------------------ one resolver
def test_resolve_says_what_a_dataframe_means():
    d = _d()
    frame, design = resolve(d)
    assert frame is d and design is None                       # classical formulas
    frame, design = resolve(d, frame_as="srs")
    assert frame is d and design.srs and design.df == len(d) - 1  # svydesign(ids=~1)
    des = cx.Design(d)
    assert resolve(des) == (des.data, des) and as_design(des) is des
    assert as_design(d).srs


@pytest.mark.parametrize("bad", [[1, 2], None, np.ones(3), "data.csv", {"y": [1]}])
def test_resolve_refuses_other_inputs_naming_the_argument(bad):
    with pytest.raises(TypeError, match="d must be a Design, a pandas DataFrame or a Wave, got"):
        resolve(bad)
    with pytest.raises(TypeError, match="d must be a Design, a pandas DataFrame or a Wave"):
        as_design(bad)


def test_resolve_frame_as_is_checked():
    with pytest.raises(ValueError, match="frame_as must be 'classical' or 'srs', got 'x'"):
        resolve(_d(), frame_as="x")
