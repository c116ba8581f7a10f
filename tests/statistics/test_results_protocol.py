"""The one result protocol: every result class has ``table``, ``notes``, ``summary()`` and
``_repr_html_``; warnings an estimator raises are also recorded in its notes (so a notebook
never catches them by hand); the HTML view escapes what it shows.

Oracle: the protocol's own definition (cxresearch.statistics.design.results); the warnings
are the ones each estimator documents.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.errors import (
    ConvergenceWarning,
    NegativeItemWarning,
    SeparationWarning,
    SingleRespondentWarning,
    SmallCellWarning,
)
from cxresearch.reconstruction.ensemble import EnsembleResult, _ensemble_notes
from cxresearch.statistics.design.results import Note, Result, notes_warned
from cxresearch.statistics.tracking.compare import WaveComparison
from cxresearch.statistics.tracking.result import TrackResult


def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    d = pd.DataFrame({
        "x": x, "z": rng.normal(size=n), "g": rng.choice(list("abc"), n),
        "w": rng.uniform(0.5, 2, n), "h": np.repeat(["s1", "s2"], n // 2),
    })
    d["y"] = 1 + x + rng.normal(size=n)
    d["o"] = pd.Categorical(np.clip(np.round(2 + x + rng.normal(size=n)), 1, 3).astype(int),
                            categories=[1, 2, 3], ordered=True)
    d["q1"], d["q2"], d["q3"] = (np.clip(np.round(3 + x + rng.normal(size=n)), 1, 5)
                                 for _ in range(3))
    d["wave"] = np.repeat([1, 2], n // 2)
    return d


def _results():
    d = _frame()
    des = cx.Design(d, weights="w", strata="h")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "regression": cx.regress(d, "y ~ x + g"),
            "ordinal": cx.ordinal_logit(d, "o", ["x"]),
            "drivers": cx.key_drivers(d, "y", ["x", "z"], B=0),
            "banner": cx.banner(d, ["mean:q1"], "g"),
            "groups": cx.compare_groups(des, "y", "g"),
            "crosstab": cx.crosstab_test(d, "g", "h"),
            "reliability": cx.reliability(d, ["q1", "q2", "q3"], omega=False),
            "tracking": cx.track(d, "q1", "wave"),
            "waves": WaveComparison(
                pd.DataFrame({"item": ["q1"], "wave": ["2024"], "estimate": [3.0]}),
                pd.DataFrame({"item": ["q1"], "difference": [0.1]}),
                pd.DataFrame({"name": ["q1"], "p_value": [0.5]})),
            "ensemble": EnsembleResult(
                pd.DataFrame({"replicate": [0, 1], "estimate": [1.0, 2.0]}),
                pd.DataFrame({"estimate_mean": [1.5]}), pd.DataFrame({"replicate": [0, 1]}),
                ["2 of 2 reconstructions: SmallCellWarning (e.g. crosstab ...)"]),
        }


RESULTS = _results()


@pytest.mark.parametrize("name", list(RESULTS))
class TestEveryResultHasTheProtocol:
    def test_table_is_a_nonempty_dataframe(self, name):
        res = RESULTS[name]
        assert isinstance(res, Result)
        assert isinstance(res.table, pd.DataFrame) and len(res.table) > 0

    def test_notes_are_strings(self, name):
        notes = RESULTS[name].notes
        assert isinstance(notes, list) and all(isinstance(n, str) for n in notes)
        assert not any("/" in n and n.endswith((".py", ".csv", ".parquet")) for n in notes)

    def test_summary_is_short_text(self, name):
        text = RESULTS[name].summary()
        assert isinstance(text, str) and text
        assert len(text.splitlines()) <= 1 + 12 + len(RESULTS[name].notes)

    def test_html_view(self, name):
        import html as htmllib

        html = RESULTS[name]._repr_html_()
        assert "<table" in html
        for n in RESULTS[name].notes:  # every note is shown (escaped) as a footnote
            assert htmllib.escape(str(n), quote=False)[:60] in html.replace("&#x27;", "'")


def test_models_have_tidy_coefficients():
    reg, ordi = RESULTS["regression"], RESULTS["ordinal"]
    assert reg.coefficients is reg.table
    assert isinstance(ordi.coefficients, pd.DataFrame)
    assert ordi.coefficients["kind"].tolist() == ["threshold", "threshold", "coefficient"]
    assert list(ordi.thresholds.index) == ["1|2", "2|3"]


def test_tracking_result_is_still_a_dataframe():
    r = RESULTS["tracking"]
    assert isinstance(r, TrackResult) and isinstance(r, pd.DataFrame)
    sub = r[r["term"] == "wave"]
    assert type(sub) is pd.DataFrame  # operations give plain frames
    assert type(r.table) is pd.DataFrame and len(r.table) == len(r)


def test_ensemble_unpacks_as_results_and_table():
    results, table = RESULTS["ensemble"]
    assert "estimate_mean" in table.columns and len(results) == 2


# ------------------------------------------------------------------ notes record warnings
def _sparse(n=30, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.choice(list("xyz"), n, p=[.8, .15, .05]),
                         "b": rng.choice(list("pq"), n)})


def test_small_cells_warn_and_are_noted_naming_the_columns():
    with pytest.warns(SmallCellWarning):
        ct = cx.crosstab_test(_sparse(), "a", "b")
    assert ct.warned(SmallCellWarning) and ct.warned("SmallCellWarning")
    assert any("crosstab 'a' x 'b'" in n for n in ct.notes)


@pytest.mark.parametrize("row", [
    pd.Series(list("xxyyzzxy") * 4, name="passive"),
    pd.Series(list("xxyyzzxy") * 4),
    np.array(list("xxyyzzxy") * 4),
])
def test_a_series_argument_is_named_not_printed(row):
    col = pd.Series(list("pq") * 16)
    with pytest.warns(SmallCellWarning) as rec:
        ct = cx.crosstab_test(pd.DataFrame(index=range(32)), row, col, min_expected=100)
    text = " ".join(str(w.message) for w in rec) + " ".join(ct.notes) + ct.summary()
    text += str(ct.counts.index.name) + ct._repr_html_()
    assert "Length" not in text and "dtype" not in text and "xxyy" not in text
    assert ("'passive'" in text) or ("unnamed" in text)


def test_notes_are_recorded_even_when_the_caller_ignores_the_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ct = cx.crosstab_test(_sparse(), "a", "b")
    assert ct.warned(SmallCellWarning)


def test_an_error_filter_still_raises():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SmallCellWarning)
        with pytest.raises(SmallCellWarning):
            cx.crosstab_test(_sparse(), "a", "b")


def test_nested_estimators_pass_notes_up():
    # compare_groups(kind="nps") runs crosstab_test on a design internally
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"r": rng.choice([0, 5, 7, 9, 10], 40, p=[.05, .05, .1, .4, .4]),
                      "g": rng.choice(list("ab"), 40), "w": 1.0})
    with pytest.warns(SmallCellWarning):
        g = cx.compare_groups(cx.Design(d, weights="w"), "r", "g", kind="nps")
    assert g.warned(SmallCellWarning)
    assert any("'NPS class'" in n for n in g.notes)


def test_separation_and_non_convergence_are_noted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    sep = pd.DataFrame({"y": np.where(x < -.4, 1, np.where(x < .4, 2, 3)), "x": x})
    with pytest.warns(SeparationWarning):
        res = cx.ordinal_logit(sep, "y", ["x"])
    assert res.warned(SeparationWarning) and res.warned(ConvergenceWarning)  # a subclass
    d = _frame()
    with pytest.warns(ConvergenceWarning):
        res = cx.ordinal_logit(d, "o", ["x", "z"], maxiter=1)
    assert any("did not converge" in n for n in res.notes)


def test_single_respondent_domain_is_noted_on_the_estimate_table():
    d = pd.DataFrame({"y": [1.0, 2, 3, 4], "g": ["a", "a", "a", "b"]})
    with pytest.warns(SingleRespondentWarning):
        est = cx.mean(d, "y", by="g")
    assert notes_warned(est.attrs["notes"], SingleRespondentWarning)


def test_negative_item_is_noted():
    d = _frame()
    d["q3"] = 6 - d["q3"]
    with pytest.warns(NegativeItemWarning):
        res = cx.reliability(d, ["q1", "q2", "q3"], omega=False)
    assert res.warned(NegativeItemWarning)
    assert any("missing answers" in n for n in res.notes)


def test_rows_left_out_are_noted():
    d = _frame()
    d.loc[:9, "x"] = np.nan
    assert any("10 row(s)" in n for n in cx.regress(d, "y ~ x").notes)
    assert any("10 row(s)" in n for n in cx.key_drivers(d, "y", ["x", "z"], B=0).notes)


def test_ensemble_notes_count_replicates():
    parts = [(pd.DataFrame({"fit_met": [True]}), [("SmallCellWarning", "crosstab 'a' x 'b'")]),
             (pd.DataFrame({"fit_met": [False]}), [])]
    notes = _ensemble_notes(parts, 2)
    assert notes[0].startswith("1 of 2 reconstructions: SmallCellWarning")
    assert "1 of 2 reconstructions miss" in notes[1]


# ------------------------------------------------------------------ the HTML view escapes
@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "a & b", "<b>bold</b>",
                                     '"quoted" <img src=x onerror=alert(1)>'])
def test_repr_html_escapes_cells_and_notes(hostile):
    d = pd.DataFrame({"a": [hostile, "plain"] * 10, "b": list("pq") * 10})
    ct = cx.crosstab_test(d, "a", "b")
    ct.notes.append(Note(f"note with {hostile}"))
    html = ct._repr_html_()
    assert hostile not in html
    assert "<script>" not in html and "<img" not in html
    b = cx.banner(d, ["b"], "a", title=hostile)
    b.notes.append(hostile)
    assert hostile not in b._repr_html_() and "<script>" not in b._repr_html_()


def test_repr_html_is_compact_for_long_tables():
    r = RESULTS["tracking"]
    big = TrackResult(pd.concat([r.table] * 10, ignore_index=True))
    assert big._repr_html_().count("<tr") <= 22


def test_warnings_as_notes_holds_back_only_what_a_result_records():
    try:
        cx.warnings_as_notes()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ct = cx.crosstab_test(_sparse(), "a", "b")
            est = cx.mean(pd.DataFrame({"y": [1.0, 2, 3, 4], "g": list("aaab")}), "y", by="g")
        assert ct.warned(SmallCellWarning)
        assert notes_warned(est.attrs["notes"], SingleRespondentWarning)
        shown = {w.category for w in caught}
        assert SmallCellWarning not in shown            # in ct.notes, which the reader sees
        assert SingleRespondentWarning in shown         # a plain DataFrame: still shown
    finally:
        cx.warnings_as_notes(False)
    with pytest.warns(SmallCellWarning):
        cx.crosstab_test(_sparse(), "a", "b")


def test_a_glm_that_stops_early_warns_and_is_noted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    d = pd.DataFrame({"x": x, "y": (x + rng.logistic(size=200) > 0).astype(int)})
    with pytest.warns(ConvergenceWarning, match="did not converge in 1 IRLS iterations"):
        res = cx.regress(d, "y ~ x", family="binomial", maxiter=1)
    assert res.warned(ConvergenceWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert cx.regress(d, "y ~ x", family="binomial").notes == []


def test_numpy_runtime_warnings_are_noted_in_words():
    from dataclasses import dataclass, field

    from cxresearch.statistics.design.results import records_warnings

    @dataclass
    class Toy(Result):
        table: pd.DataFrame
        notes: list = field(default_factory=list)

    @records_warnings
    def toy():
        with np.errstate(divide="warn"):
            x = np.float64(1.0) / np.float64(0.0)
        return Toy(pd.DataFrame({"estimate": [x]}))

    with pytest.warns(RuntimeWarning):
        res = toy()
    assert res.warned(RuntimeWarning)
    assert res.notes[0].startswith("numerical warning (RuntimeWarning): divide by zero")


@pytest.mark.parametrize("name", ["regression", "ordinal", "groups", "crosstab", "reliability",
                                  "waves", "ensemble"])
def test_a_result_prints_as_its_summary(name):
    assert repr(RESULTS[name]) == RESULTS[name].summary()


def test_other_warnings_pass_through_unrecorded():
    from dataclasses import dataclass, field

    from cxresearch.statistics.design.results import records_warnings

    @dataclass
    class Toy(Result):
        table: pd.DataFrame
        notes: list = field(default_factory=list)

    @records_warnings
    def toy():
        warnings.warn("a library's deprecation", DeprecationWarning, stacklevel=1)
        return Toy(pd.DataFrame({"estimate": [1.0]}))

    with pytest.warns(DeprecationWarning, match="a library's deprecation"):
        res = toy()
    assert res.notes == []
