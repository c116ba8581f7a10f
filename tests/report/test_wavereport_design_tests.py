"""The wave report's tests and NPS on real surveys (issue 26).

* On a weighted wave (survey::apistrat, real weights, strata and fpc) the segment test is the
  design-based Wald F of ``regTermTest(svyglm(y ~ segment, design), ~segment)``: F, df and p
  equal R's (tests/reference/real_surveys.R).
* On an unweighted wave (carData::BEPS) it is the classical one-way ANOVA F and says so; F and
  p equal R's ``oneway.test(var.equal = TRUE)`` and ``anova(lm())``.
* NPS only for items the codebook declares recommend questions.

Tolerances: F and p are computed from the same sums in a different order -> 1e-8 relative.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import cxresearch as cx
from cxresearch.report.narrative import wavereport as wr

ROOT = Path(__file__).resolve().parents[1]
REF = json.loads((ROOT / "reference" / "real_surveys.json").read_text())
SURVEYS = ROOT / "pipeline" / "surveys"


def _wave(study, export, label):
    inst = cx.load_instrument(SURVEYS / study / f"{study}.yaml")
    return cx.ingest(str(SURVEYS / study / export), inst, label, write=False)


@pytest.fixture(scope="module")
def api2000():
    return _wave("api_schools", "api_2000.csv", "2000")


@pytest.fixture(scope="module")
def beps():
    return _wave("beps_1997", "beps.csv", "1997")


@pytest.mark.parametrize("key", sorted(REF["api_segment_tests"]))
def test_weighted_segment_test_is_regtermtest(api2000, key):
    outcome, seg = key.split("|")
    design, _ = wr.index_design(api2000)
    t = wr.segment_test(design, outcome, seg)
    ref = REF["api_segment_tests"][key]
    assert t["test"] == "design-based Wald F" and "regTermTest" in t["method"]
    np.testing.assert_allclose(t["statistic"], ref["F"], rtol=1e-8)
    np.testing.assert_allclose(t["p_value"], ref["p"], rtol=1e-8)
    assert (t["df1"], t["df2"]) == (ref["df1"], ref["df2"])


@pytest.mark.parametrize("key", sorted(REF["beps_classical"]))
def test_unweighted_segment_test_is_classical_and_says_so(beps, key):
    outcome, seg = key.split("|")
    design, _ = wr.index_design(beps)
    assert design.srs
    t = wr.segment_test(design, outcome, seg)
    ref = REF["beps_classical"][key]
    assert t["test"] == "classical one-way ANOVA F"
    assert "simple random sample" in t["method"] and "oneway.test" in t["method"]
    np.testing.assert_allclose(t["statistic"], [ref["F"], ref["F_anova"]], rtol=1e-8)
    np.testing.assert_allclose(t["p_value"], ref["p"], rtol=1e-8)
    assert (t["df1"], t["df2"]) == (ref["df1"], ref["df2"])


def test_segment_comparisons_table_names_its_tests(api2000, beps):
    notes = wr.Notes()
    _, tests = wr.segment_comparisons(api2000, ["api"], ["stype", "awards"], notes=notes)
    assert set(tests["test"]) == {"design-based Wald F"}
    np.testing.assert_allclose(tests["statistic"],
                               [REF["api_segment_tests"]["api|stype"]["F"],
                                REF["api_segment_tests"]["api|awards"]["F"]], rtol=1e-8)
    assert "weighted" not in tests.columns  # no "Weighted: False" beside a classical test
    assert "regTermTest" in wr.test_note(tests)
    _, t2 = wr.segment_comparisons(beps, ["blair"], ["vote"])
    assert set(t2["test"]) == {"classical one-way ANOVA F"}
    assert "simple random sample" in wr.test_note(t2)


def test_no_nps_for_undeclared_ratings(beps, api2000):
    # BEPS has an 11-point Europe scale and 1-5 ratings, none declared a recommend question
    for w in (beps, api2000):
        nps, notes = wr.nps_estimates(w)
        assert nps.empty and notes == []


def test_nps_for_declared_items_only():
    inst = cx.load_instrument("ecsi_mobi")
    declared = [i.id for i in inst if wr.is_recommend(i)]
    assert declared == ["cusl3"]  # the 1-10 item with an nps: block; other 1-10 items: ratings
    mitto = cx.load_instrument("mitto_cx")
    assert [i.id for i in mitto if wr.is_recommend(i)] == ["nps"]


def test_zero_to_ten_rating_is_not_an_nps(tmp_path):
    text = (SURVEYS / "beps_1997" / "beps_1997.yaml").read_text().replace(
        "scale_min: 1\n    scale_max: 11", "scale_min: 0\n    scale_max: 10")
    p = tmp_path / "beps_1997.yaml"
    p.write_text(text)
    inst = cx.load_instrument(p)
    assert inst.items["europe"].scale_min == 0 and not wr.is_recommend(inst.items["europe"])


def test_notes_are_words_without_paths_or_printed_objects():
    n = wr.Notes()

    def noisy():
        warnings.warn("/home/u/proj/cxresearch/statistics/relationships/groups.py:154: "
                      "RuntimeWarning: invalid value encountered in divide", RuntimeWarning,
                      stacklevel=2)
        warnings.warn("SmallCellWarning: crosstab 0 passive 1 detractor\n0 a\n1 b\n"
                      "Length: 76, dtype: category", UserWarning, stacklevel=2)
        warnings.warn("only one respondent in wave 'x'", UserWarning, stacklevel=2)
        warnings.warn("only one respondent in wave 'x'", UserWarning, stacklevel=2)
        return 1

    assert n.collect(noisy) == 1
    text = n.footnote()
    assert "/home" not in text and "Length: 76" not in text and "Warning" not in text
    assert "invalid value" not in text  # floating-point noise is not a note
    assert text.count("only one respondent") == 1
    assert text.startswith("**Notes.**")


def test_index_reliability_drops_unconverged_omega_like_notebook_07(monkeypatch):
    from cxresearch.errors import ConvergenceWarning

    w = wr.default_wave("ecsi_mobi")
    real = cx.reliability

    def flaky(data, cols, **kw):
        res = real(data, cols, **kw)
        if "imag1" in cols:
            warnings.warn("the factor analysis did not converge", ConvergenceWarning, stacklevel=2)
        return res

    monkeypatch.setattr(cx, "reliability", flaky)
    notes = wr.Notes()
    rel = wr.index_reliability(w, notes=notes)
    image = rel[rel["index"] == "image"]
    assert list(image["measure"]) == ["Cronbach's alpha"]
    assert "omega is not reported" in notes.footnote()
    assert (rel[rel["index"] == "quality"]["measure"] == "McDonald's omega (total)").any()


def test_report_language_follows_the_project(tmp_path, monkeypatch):
    from cxresearch.pipeline.project import init_project
    from cxresearch.report.charts.labels import Labeller

    root = init_project(tmp_path / "p", language="zh")
    monkeypatch.chdir(root)
    mitto = cx.load_instrument("mitto_cx")
    assert wr.report_language(mitto) == "zh"
    assert Labeller(mitto, lang="zh").item("cx_owner") != Labeller(mitto).item("cx_owner")
    # a codebook without labels in that language keeps English
    beps = cx.load_instrument(SURVEYS / "beps_1997" / "beps_1997.yaml")
    assert wr.report_language(beps) == "en"


def test_wave_report_and_notebook_07_agree_on_omega():
    """One computation behind every claim: omega is shown by the wave report exactly where
    notebook 07's rule (res.warned("ConvergenceWarning") -> not reported) shows it."""
    w = wr.default_wave("ecsi_mobi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rel = wr.index_reliability(w)
        for name, items in w.instrument.indices.items():
            if len(items) < 2:
                continue
            res = cx.reliability(w, items)
            shown = (rel[rel["index"] == name]["measure"] == "McDonald's omega (total)").any()
            assert shown == (not res.warned("ConvergenceWarning")), name
            alpha = rel[(rel["index"] == name) & (rel["measure"] == "Cronbach's alpha")]
            ref = res.table.set_index("measure").loc["alpha", "estimate"]
            np.testing.assert_allclose(alpha["estimate"].iloc[0], ref, rtol=1e-12)
