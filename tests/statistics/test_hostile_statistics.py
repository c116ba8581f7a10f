"""Hostile input to the statistics layer (issue 12, part 4: statistics that say when they
cannot answer, and input checks that name the argument).

Classes (several variants each):

A. ``ordinal_logit`` with (quasi-)complete separation -> SeparationWarning, ``converged`` False,
   no odds ratio shown for the separated terms; non-convergence -> ConvergenceWarning.
B. ``ordinal_logit`` with constant or collinear predictors -> ValueError naming the columns.
C. ``ordinal_logit(se="model")`` on a Design equals ``MASS::polr`` (reference numbers), and
   ``method`` says which variance was used.
D. ``reliability`` with constant, empty, non-overlapping, infinite or non-numeric items ->
   an error naming the item (never LinAlgError / read-only crash).
E. Wrong types and values for public functions -> ValueError/TypeError naming the argument.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from support import r_reference, reference_csv

import cxresearch as cx
from cxresearch.errors import ConvergenceWarning, SeparationWarning
from cxresearch.sampling.design import Design

LMH = ["Low", "Medium", "High"]


def _rng(seed=0):
    return np.random.default_rng(seed)


def _ordinal_frame(n=80, seed=0):
    rng = _rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"y": np.clip(np.round(2 + x + rng.normal(0, 1, n)), 1, 3).astype(int),
                         "x": x, "z": rng.normal(size=n), "g": rng.choice(list("abc"), n)})


# ------------------------------------------------------------------ A. separation
def _complete(seed):
    rng = _rng(seed)
    x = rng.normal(size=60)
    return pd.DataFrame({"y": np.where(x < -.4, 1, np.where(x < .4, 2, 3)), "x": x}), ["x"]


def _quasi_top(seed):
    rng = _rng(seed)
    g = rng.integers(0, 2, 80)
    y = rng.integers(1, 4, 80)
    y[g == 1] = 3          # everyone in group 1 answers the top level
    return pd.DataFrame({"y": y, "g": g}), ["g"]


def _quasi_bottom_category(seed):
    rng = _rng(seed)
    seg = rng.choice(["north", "south", "east"], 90)
    y = rng.integers(1, 5, 90)
    y[seg == "east"] = 1   # one level of a categorical predictor only at the bottom
    return pd.DataFrame({"y": y, "seg": seg, "x": rng.normal(size=90)}), ["seg", "x"]


def _quasi_bool(seed):
    rng = _rng(seed)
    b = rng.random(70) < .3
    y = rng.integers(1, 4, 70)
    y[b] = 3
    return pd.DataFrame({"y": y, "b": b}), ["b"]


@pytest.mark.parametrize("make", [_complete, _quasi_top, _quasi_bottom_category, _quasi_bool])
@pytest.mark.parametrize("seed", [0, 1])
def test_separation_is_detected_and_not_presented(make, seed):
    df, preds = make(seed)
    with pytest.warns(SeparationWarning, match="separation"):
        res = cx.ordinal_logit(df, "y", preds)
    assert res.converged is False
    coef = res.table[res.table["kind"] == "coefficient"]
    # no absurd odds ratio is shown: every OR is either NaN (not estimable) or moderate
    ors = coef["odds_ratio"].to_numpy(dtype=float)
    assert np.isnan(ors).any()
    assert np.all(np.isnan(ors) | ((ors < 1e4) & (ors > 1e-4)))
    assert coef.loc[coef["odds_ratio"].isna(), "se"].isna().all()
    assert res.table["method"].str.contains("NOT ESTIMABLE").all()


def test_no_separation_no_warning():
    df = _ordinal_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        res = cx.ordinal_logit(df, "y", ["x", "z", "g"])
    assert res.converged is True
    assert res.table["estimate"].notna().all()


def test_non_convergence_says_so():
    df = _ordinal_frame()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        res = cx.ordinal_logit(df, "y", ["x", "z"], maxiter=1)
    assert res.converged is False
    assert res.table["method"].str.contains("NOT CONVERGED").all()


# ------------------------------------------------------------------ B. constant / collinear
@pytest.mark.parametrize("case, preds, names", [
    ("constant number", ["x", "c"], ["c"]),
    ("constant after dropping missing", ["x", "cm"], ["cm"]),
    ("constant bool", ["x", "t"], ["t"]),
    ("exact multiple", ["x", "x2"], ["x", "x2"]),
    ("sum of two", ["x", "z", "xz"], ["x", "z", "xz"]),
    ("dummy duplicates a category", ["g", "is_b"], ["gb", "is_b"]),
])
def test_constant_or_collinear_predictors_are_named(case, preds, names):
    df = _ordinal_frame()
    df = df.assign(c=2.5, cm=np.where(df["y"].notna(), 1.0, 0.0), t=True,
                   x2=3 * df["x"] - 1, xz=df["x"] + df["z"], is_b=(df["g"] == "b").astype(int))
    df.loc[:4, "cm"] = np.nan   # missing rows dropped; the rest are constant
    with pytest.raises(ValueError) as err:
        cx.ordinal_logit(df, "y", preds)
    msg = str(err.value)
    assert "constant" in msg or "collinear" in msg
    for nm in names:
        assert repr(nm) in msg, (case, msg)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_predictor_is_refused(bad):
    df = _ordinal_frame()
    df.loc[7, "x"] = bad
    with pytest.raises(ValueError, match=r"\['x'\].*infinite"):
        cx.ordinal_logit(df, "y", ["x", "z"])


def test_single_level_categorical_predictor_is_refused():
    df = _ordinal_frame().assign(one="same")
    with pytest.raises(ValueError, match="'one'"):
        cx.ordinal_logit(df, "y", ["x", "one"])


# ------------------------------------------------------------------ C. se="model" vs polr
@pytest.fixture(scope="module")
def housing():
    h = reference_csv("rel_housing")
    h["Sat"] = pd.Categorical(h["Sat"], LMH, ordered=True)
    h["Infl"] = pd.Categorical(h["Infl"], LMH)
    h["Type"] = pd.Categorical(h["Type"], ["Tower", "Apartment", "Atrium", "Terrace"])
    h["Cont"] = pd.Categorical(h["Cont"], ["Low", "High"])
    return h


def test_model_se_on_a_design_is_polr(housing):
    """A Design whose weights are household counts, with se="model", is MASS::polr with
    frequency weights (tests/reference/rel_ordinal.R, polr_housing_weighted). polr's SEs come
    from optimHess (numerical Hessian, ~1e-5 relative noise): rtol 2e-4 as in test_ordinal;
    estimates atol 2e-5 (optim's reltol 1e-8)."""
    ref = r_reference("rel_ordinal")["polr_housing_weighted"]
    res = cx.ordinal_logit(Design(housing, weights="Freq"), "Sat", ["Infl", "Type", "Cont"],
                           se="model")
    est = res.table.set_index("term")
    for k, v in {**ref["coef"], **ref["zeta"]}.items():
        assert_allclose(est.loc[k, "estimate"], v, atol=2e-5, err_msg=k)
    for k, v in ref["se"].items():
        assert_allclose(est.loc[k, "se"], v, rtol=2e-4, err_msg=k)
    assert res.table["method"].str.contains("model-based").all()
    assert (res.table["deff"] == 1).all()
    # the default for a Design is the sandwich, and it is different from the model SEs
    sand = cx.ordinal_logit(Design(housing, weights="Freq"), "Sat", ["Infl", "Type", "Cont"])
    assert sand.table["method"].str.contains("design-based").all()
    assert_allclose(sand.table["estimate"], res.table["estimate"], rtol=1e-10)
    assert not np.allclose(sand.table["se"], res.table["se"], rtol=1e-3)


def test_se_argument_is_checked(housing):
    with pytest.raises(ValueError, match="se="):
        cx.ordinal_logit(housing, "Sat", ["Infl"], se="design")
    with pytest.raises(ValueError, match="se must be one of"):
        cx.ordinal_logit(housing, "Sat", ["Infl"], se="robust")
    res = cx.ordinal_logit(housing, "Sat", ["Infl"], weights="Freq", se="model")
    assert res.table["method"].str.contains("model-based").all()


# ------------------------------------------------------------------ D. reliability
def _likert(n=60, k=4, seed=3):
    rng = _rng(seed)
    lat = rng.normal(size=n)
    return pd.DataFrame({f"q{j}": np.clip(np.round(3 + lat + rng.normal(0, .7, n)), 1, 5)
                         .astype(int) for j in range(1, k + 1)})


def test_reliability_on_plain_int_likert_with_reverse_keys():
    """The crash of issue 12: int64 columns and keys= (reverse keying wrote into a read-only
    view). Oracle: the same answers as float64 with the reversal done by hand."""
    df = _likert()
    flipped = df.astype(float).assign(q2=6 - df["q2"])
    res = cx.reliability(df.assign(q2=6 - df["q2"]), list(df), keys=["q2"], omega=False)
    ref = cx.reliability(flipped.assign(q2=6 - flipped["q2"]), list(df), omega=False)
    assert_allclose(res.alpha, ref.alpha, rtol=1e-12)
    assert res.items["reversed"].tolist() == [False, True, False, False]


@pytest.mark.parametrize("variant", ["constant", "constant_with_na", "all_missing",
                                     "one_answer", "constant_after_listwise"])
def test_reliability_degenerate_item_is_named(variant):
    df = _likert().astype("Float64")
    missing = "pairwise"
    if variant == "constant":
        df["q3"] = 4
    elif variant == "constant_with_na":
        df["q3"] = pd.array([4] * 50 + [None] * 10, dtype="Int64")
    elif variant == "all_missing":
        df["q3"] = pd.array([None] * len(df), dtype="Float64")
    elif variant == "one_answer":
        df["q3"] = pd.array([2] + [None] * (len(df) - 1), dtype="Float64")
    else:
        # q3 varies only in rows where q4 is missing: constant once those rows are left out
        df["q3"] = 2
        df.loc[:9, "q3"] = 5
        df.loc[:9, "q4"] = None
        missing = "listwise"
    with pytest.raises(ValueError, match="'q3'"):
        cx.reliability(df, ["q1", "q2", "q3", "q4"], missing=missing)


def test_reliability_items_that_never_overlap():
    df = _likert().astype("Float64")
    df.loc[:29, "q1"] = None
    df.loc[30:, "q2"] = None
    with pytest.raises(ValueError, match="'q1', 'q2'"):
        cx.reliability(df, ["q1", "q2", "q3"])


@pytest.mark.parametrize("bad, exc, match", [
    (["inf"], ValueError, "infinite"),
    (["text"], TypeError, "'q1'"),
    (["bool"], TypeError, "'q1'"),
    (["labels"], TypeError, "'q1'"),
])
def test_reliability_refuses_non_numbers(bad, exc, match):
    df = _likert()
    kind = bad[0]
    if kind == "inf":
        df = df.astype(float)
        df.loc[3, "q1"] = np.inf
    elif kind == "text":
        df["q1"] = df["q1"].astype(str)
    elif kind == "bool":
        df["q1"] = df["q1"] > 3
    else:
        df["q1"] = pd.Categorical(df["q1"].map({1: "no", 2: "rather no", 3: "mid",
                                                4: "rather yes", 5: "yes"}))
    with pytest.raises(exc, match=match):
        cx.reliability(df, ["q1", "q2", "q3"])


def test_reliability_argument_checks():
    df = _likert()
    with pytest.raises(TypeError, match="items"):
        cx.reliability(df, "q1q2")
    with pytest.raises(TypeError, match="items"):
        cx.reliability(df, None)
    with pytest.raises(ValueError, match="more than once"):
        cx.reliability(df, ["q1", "q1", "q2"])
    with pytest.raises(TypeError, match="keys"):
        cx.reliability(df, ["q1", "q2"], keys="q1")
    with pytest.raises(ValueError, match="conf_level"):
        cx.reliability(df, ["q1", "q2"], conf_level=95)


# ------------------------------------------------------------------ E. argument checks
def _df():
    rng = _rng(5)
    return pd.DataFrame({"x": rng.integers(1, 6, 40), "y": rng.integers(1, 6, 40),
                         "g": rng.choice(list("ab"), 40), "n": rng.integers(0, 11, 40),
                         "w": rng.uniform(1, 2, 40)})


# (call, exception, a word the message must contain: the argument's name)
OURS = [
    ("mean_d_none", lambda d: cx.mean(None, "x"), TypeError, "Design"),
    ("mean_d_list", lambda d: cx.mean([1, 2], "x"), TypeError, "list"),
    ("mean_var_none", lambda d: cx.mean(d, None), ValueError, "var"),
    ("mean_conf", lambda d: cx.mean(d, "x", conf_level=1.5), ValueError, "conf_level"),
    ("mean_text", lambda d: cx.mean(d, "g"), TypeError, "var"),
    ("proportion_ci_method", lambda d: cx.proportion_ci(1, 3, method="zz"), ValueError,
     "method"),
    ("proportion_ci_x_gt_n", lambda d: cx.proportion_ci(5, 3), ValueError, "x=5"),
    ("top_box_k", lambda d: cx.top_box(d, "x", k=0), ValueError, "k "),
    ("nps_text", lambda d: cx.nps(d, "g"), TypeError, "item"),
    ("rake_margins", lambda d: cx.rake(d, None), TypeError, "margins"),
    ("trim_negative", lambda d: cx.trim_weights([1, -1, 2]), ValueError, "weight"),
    ("crosstab_d", lambda d: cx.crosstab_test(None, "g", "x"), TypeError, "d must"),
    ("crosstab_col", lambda d: cx.crosstab_test(d, "g", "zz"), ValueError, "col="),
    ("two_by_two_table", lambda d: cx.two_by_two(table=[[1, 2, 3]]), ValueError, "table"),
    ("compare_kind", lambda d: cx.compare_groups(d, "x", "g", kind="zz"), ValueError, "kind"),
    ("compare_group", lambda d: cx.compare_groups(d, "x", "zz"), ValueError, "group="),
    ("adjust_none", lambda d: cx.adjust_pvalues(None), TypeError, "p must"),
    ("adjust_str", lambda d: cx.adjust_pvalues("abc"), TypeError, "p must"),
    ("adjust_words", lambda d: cx.adjust_pvalues(["a", "b"]), TypeError, "p must"),
    ("adjust_range", lambda d: cx.adjust_pvalues([.1, 1.2]), ValueError, "p must"),
    ("adjust_method", lambda d: cx.adjust_pvalues([.1], method=None), ValueError, "method"),
    ("ordinal_d", lambda d: cx.ordinal_logit(None, "x", ["y"]), TypeError, "d must"),
    ("ordinal_outcome", lambda d: cx.ordinal_logit(d, None, ["y"]), TypeError, "outcome"),
    ("ordinal_predictors", lambda d: cx.ordinal_logit(d, "x", None), TypeError, "predictors"),
    ("ordinal_predictor_absent", lambda d: cx.ordinal_logit(d, "x", ["zz"]), ValueError,
     "predictors="),
    ("ordinal_maxiter", lambda d: cx.ordinal_logit(d, "x", ["y"], maxiter=0), ValueError,
     "maxiter"),
    ("ordinal_conf", lambda d: cx.ordinal_logit(d, "x", ["y"], conf_level="95%"), TypeError,
     "conf_level"),
    ("ordinal_link", lambda d: cx.ordinal_logit(d, "x", ["y"], link="cauchit"), ValueError,
     "link"),
    ("reliability_d", lambda d: cx.reliability(None, ["x", "y"]), TypeError, "d must"),
    ("reliability_items", lambda d: cx.reliability(d, None), TypeError, "items"),
    ("design_none", lambda d: cx.Design(None), TypeError, "data"),
    ("design_weights", lambda d: cx.Design(d, weights="zz"), ValueError, "weights"),
    ("design_negative", lambda d: cx.Design(d, weights=-d["w"]), ValueError, "weights"),
    ("published_study", lambda d: cx.published(5), ValueError, "study"),
    ("reconstruct_seed", lambda d: cx.reconstruct("mopinion_dcxm", seed="x"), ValueError,
     "seed"),
    ("save_table_df", lambda d: cx.save_table(None, "t"), TypeError, "df"),
    ("save_table_name", lambda d: cx.save_table(d, "bad\nname"), ValueError, "name"),
    ("save_figure_fig", lambda d: cx.save_figure(None, "f"), TypeError, "fig"),
    ("ingest_path_none", lambda d: cx.ingest(None, "mopinion_dcxm", "2024", write=False),
     TypeError, "path"),
    ("nps_item_none", lambda d: cx.nps(d, None), TypeError, "item"),
    ("load_instrument_none", lambda d: cx.load_instrument(None), TypeError, "name_or_path"),
    ("load_instrument_int", lambda d: cx.load_instrument(5), TypeError, "name_or_path"),
    ("load_wave_none", lambda d: cx.load_wave(None, "2024"), TypeError, "instrument"),
    ("mean_conf_text", lambda d: cx.mean(d, "x", conf_level="0.9"), TypeError, "conf_level"),
    ("mean_var_absent", lambda d: cx.mean(d, "zz"), ValueError, "var"),
    ("proportion_ci_text", lambda d: cx.proportion_ci("a", 3), TypeError, "x"),
    ("likert_items_none", lambda d: cx.likert_index(d, None), TypeError, "items"),
]

@pytest.mark.parametrize("name, call, exc, word", OURS, ids=[c[0] for c in OURS])
def test_argument_errors_name_the_argument(name, call, exc, word, tmp_path, monkeypatch):
    monkeypatch.setenv("CXRESEARCH_REPORTS", str(tmp_path))
    with pytest.raises(exc) as err:
        call(_df())
    assert word in str(err.value), str(err.value)


# ---------------------------------------------------------------------------------------------
# ±inf in a numeric column is refused by every estimator (never dropped as if it were missing)

def _inf_frame(value):
    return pd.DataFrame({"x": [1.0, 2.0, value, 4.0, 3.0, 2.0], "c": [1.0, 2, 3, 4, 5, 3],
                         "g": ["a", "a", "b", "b", "a", "b"],
                         "wave": ["1", "1", "1", "2", "2", "2"]})


INF_CALLS = [
    ("mean", lambda d: cx.mean(d, "x")),
    ("mean_by", lambda d: cx.mean(d, "x", by="g")),
    ("total", lambda d: cx.total(d, "x")),
    ("top_box", lambda d: cx.top_box(d, "x", item_range=(1, 5))),
    ("likert_index", lambda d: cx.likert_index(d, ["x", "c"], coding="1-5")),
    ("nps", lambda d: cx.nps(d, "x")),
    ("compare_groups", lambda d: cx.compare_groups(d, "x", "g")),
    ("track", lambda d: cx.track(d, "x", wave="wave")),
    ("banner", lambda d: cx.banner(d, ["mean:x"], ["g"])),
    ("regress", lambda d: cx.regress(d, "c ~ x")),
    ("key_drivers", lambda d: cx.key_drivers(d.assign(z=d["c"] ** 2), "c", ["x", "z"])),
]


@pytest.mark.parametrize("value", [np.inf, -np.inf], ids=["plus_inf", "minus_inf"])
@pytest.mark.parametrize("name, call", INF_CALLS, ids=[c[0] for c in INF_CALLS])
def test_infinite_values_are_refused_not_dropped(name, call, value):
    with pytest.raises(ValueError, match="infinite|non-numeric|finite") as err:
        call(_inf_frame(value))
    assert "x" in str(err.value)
