"""The building blocks of the notebook templates (``cxresearch.report.narrative.wavereport``), on the real
ECSI export with a drafted codebook.

Oracle: R ``survey::svymean`` of the per-respondent index score (``rowMeans`` of the items),
under a simple random sample and under a made-up stratified, weighted design
(tests/reference/wavereport_mobi.R -> .json). Invariants: the SRS index estimate is the plain
mean of the row means; Holm-adjusted p-values are at least the raw ones; nothing computed
is dropped silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from support import r_reference

import cxresearch as cx
from cxresearch import paths
from cxresearch.codebooks.draft import draft_codebook
from cxresearch.codebooks.instrument import instrument_from_text
from cxresearch.report.narrative import wavereport as wr

MOBI = paths.package_root() / "data" / "examples" / "ecsi_mobi" / "mobi.csv"
REF = r_reference("wavereport_mobi")
# R names -> index names the draft proposes from the shared prefixes
NAMES = {"quality": "perq", "satisfaction": "cusa", "value": "perv"}


def _wave(tmp_path, design: bool, extra=None):
    raw = pd.read_csv(MOBI)
    if design:
        k = np.arange(len(raw))
        raw["strata"] = k % 3
        raw["weight"] = 1 + (k % 5) / 4
    for name, values in (extra or {}).items():
        raw[name] = values
    path = tmp_path / "mobi.csv"
    raw.to_csv(path, index=False)
    text = draft_codebook(path, "mobi")
    return cx.ingest(path, instrument_from_text(text, "mobi"), "2025", write=False), raw


@pytest.mark.parametrize("kind", ["srs", "stratified"])
def test_index_estimates_match_r_survey(tmp_path, kind):
    w, _ = _wave(tmp_path, design=kind == "stratified")
    if kind == "stratified":
        assert wr.used_design_columns(w) == {"weights": "weight", "strata": "strata"}
    got = wr.index_estimates(w).set_index("index")
    for r_name, ours in NAMES.items():
        ref = REF[kind][r_name]
        row = got.loc[ours]
        # estimate: the same weighted mean of the same row means (float rounding only)
        assert_allclose(row["estimate"], ref["estimate"], rtol=1e-12)
        # SE: the same with-replacement linearization as svymean (float rounding only)
        assert_allclose(row["se"], ref["se"], rtol=1e-9)
        # CI: t quantile with the design's df (n - strata), as confint(df = degf(des))
        assert_allclose([row["ci_low"], row["ci_high"]], [ref["ci_low"], ref["ci_high"]],
                        rtol=1e-9)
    items, skipped = wr.item_estimates(w)
    cuex1 = items.set_index("item").loc["cuex1"]
    assert_allclose([cuex1["estimate"], cuex1["se"]],
                    [REF[kind]["CUEX1"]["estimate"], REF[kind]["CUEX1"]["se"]], rtol=1e-9)
    assert skipped.empty


def test_srs_index_is_the_mean_of_row_means_and_incomplete_rows_have_no_score(tmp_path):
    raw = pd.read_csv(MOBI)
    cusa2 = raw["CUSA2"].astype(object)
    cusa2[:10] = -99  # declared missing by the draft: those rows get no cusa score
    w, _ = _wave(tmp_path, design=False, extra={"CUSA2": cusa2})
    design, names = wr.index_design(w)
    assert "cusa" in names
    assert design.data["cusa"].isna().sum() == 10
    expect = raw.loc[10:, ["CUSA1", "CUSA2", "CUSA3"]].mean(axis=1).mean()
    row = wr.index_estimates(w).set_index("index").loc["cusa"]
    assert_allclose(row["estimate"], expect, rtol=1e-12)
    assert row["n"] == 240
    assert "complete answers" in row["method"]


def test_every_item_is_listed_or_explained(tmp_path):
    raw = pd.read_csv(MOBI)
    empty = pd.Series([pd.NA] * len(raw), dtype="Int64")
    empty[:3] = 4
    w, _ = _wave(tmp_path, design=False, extra={
        "segment": np.where(raw["CUSCO"] > 7, "High", "Low"), "rare": empty})
    items, skipped = wr.item_estimates(w)
    ordinal = {i.id for i in w.instrument if i.type in wr.ORDINAL}
    assert ordinal <= set(items["item"]) | set(skipped["item"])
    seg = items[items["item"] == "segment"]
    assert sorted(seg["level"]) == ["high", "low"]
    assert_allclose(seg["estimate"].sum(), 1.0, rtol=1e-12)
    assert list(items.columns) == ["item", "level", "estimate", "se", "ci_low", "ci_high", "n",
                                   "n_eff", "deff", "method"]


def test_segments_comparisons_with_holm(tmp_path):
    raw = pd.read_csv(MOBI)
    w, _ = _wave(tmp_path, design=False, extra={
        "segment": np.where(raw["CUSCO"] > 7, "High", "Low"),
        "region": np.array(["North", "South", "East", "West", "Centre"])[np.arange(len(raw)) % 5]})
    assert wr.segments(w.instrument) == ["segment", "region"]
    by, tests = wr.segment_comparisons(w, ["cusa", "perq"], ["segment", "region"])
    assert len(tests) == 4 and set(by["segment"]) == {"segment", "region"}
    assert (tests["p_adjusted"] >= tests["p_value"] - 1e-15).all()
    assert_allclose(tests["p_adjusted"], cx.adjust_pvalues(tests["p_value"], method="holm"))
    assert tests["adjustment"].iloc[0] == "holm over 4 tests"
    # a domain estimate is the mean of the segment's row means
    high = raw["CUSCO"] > 7
    expect = raw.loc[high, ["CUSA1", "CUSA2", "CUSA3"]].mean(axis=1).mean()
    got = by[(by["outcome"] == "cusa") & (by["segment"] == "segment")]
    assert list(got.columns[:3]) == ["outcome", "segment", "level"]
    assert_allclose(got.set_index("level").loc["high", "estimate"], expect, rtol=1e-12)


def test_analysis_spec_defaults(tmp_path):
    w, _ = _wave(tmp_path, design=False)
    spec = wr.analysis_spec(w.instrument)
    # the draft proposes drivers (every index and scale item but the outcome candidates)
    assert spec == {"outcome": None, "drivers": ["cuex", "imag", "perq", "perv", "cusco"],
                    "segments": []}
    w.instrument.meta["analysis"] = {"outcome": None}
    w.instrument.meta["analysis"] = {"outcome": "cusa"}
    spec = wr.analysis_spec(w.instrument)
    assert spec["outcome"] == "cusa" and "cusa" not in spec["drivers"]
    assert set(spec["drivers"]) == set(w.instrument.indices) - {"cusa"}


def test_default_wave_needs_an_observed_wave(data):
    with pytest.raises(ValueError, match="has no observed wave.*cxresearch ingest"):
        wr.default_wave("mitto_cx_missing_study_x")
