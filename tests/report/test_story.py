"""Notebook-support helpers: which wave is compared with which, and the wave comparison."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import cxresearch as cx
from cxresearch.pipeline import selection
from cxresearch.report.narrative import story
from cxresearch.statistics.estimates import indices
from cxresearch.statistics.tracking import compare as wavecompare

ROOT = Path(__file__).resolve().parents[2]
MOBI = ROOT / "data" / "examples" / "ecsi_mobi" / "mobi.csv"




def _labels(data, study, labels):
    for label in labels:
        (data / "waves" / study / label).mkdir(parents=True)
        (data / "waves" / study / label / "manifest.json").write_text("{}")


def test_previous_wave_orders_by_year_then_reconstruction_first(data):
    _labels(data, "mitto_cx", ["2021-reconstructed", "2021", "2024", "example"])
    assert selection.previous_wave("mitto_cx", "2024") == "2021"
    assert selection.previous_wave("mitto_cx", "2021") == "2021-reconstructed"
    assert selection.previous_wave("mitto_cx", "example") == "2024"  # undated: after every year
    assert selection.previous_wave("mitto_cx", "2021-reconstructed") == "example"  # none earlier
    _labels(data, "lonely", ["2020"])
    assert selection.previous_wave("lonely", "2020") is None


def test_compare_waves_of_identical_waves_finds_no_difference(data):
    cx.ingest(str(MOBI), "ecsi_mobi", "2023")
    cx.ingest(str(MOBI), "ecsi_mobi", "2024")
    old, new = cx.load_wave("ecsi_mobi", "2023"), cx.load_wave("ecsi_mobi", "2024")
    cmp = wavecompare.compare_waves(old, new, items=["cusl3", "cusa1"])
    assert list(cmp.differences["item"]) == ["cusl3", "cusa1"]
    np.testing.assert_allclose(cmp.differences["difference"], 0.0, atol=1e-12)
    # the SE of a difference of independent means: sqrt(se_old^2 + se_new^2) = sqrt(2) se
    se = cx.mean(new, "cusl3")["se"].iloc[0]
    assert cmp.differences["se"].iloc[0] == pytest.approx(np.sqrt(2) * se)
    assert not cmp.tests["reject"].any()
    assert set(cmp.estimates["wave"]) == {"2023", "2024"}
    assert selection.previous_wave("ecsi_mobi", "2024") == "2023"
    assert selection.baseline_wave("ecsi_mobi", "2024").label == "2023"


def test_no_baseline_for_an_unpublished_study_with_one_wave(data):
    cx.ingest(str(MOBI), "ecsi_mobi", "only")
    assert selection.baseline_wave("ecsi_mobi", "only") is None
    cmp = wavecompare.compare_waves(None, cx.load_wave("ecsi_mobi", "only"), items=["cusl3"])
    assert len(cmp.estimates) == 1 and cmp.differences.empty and cmp.tests.empty


def test_describe_wave_names_the_kind(data):
    cx.ingest(str(MOBI), "ecsi_mobi", "2024")
    text = story.describe_wave(cx.load_wave("ecsi_mobi", "2024"))
    assert "ecsi_mobi/2024" in text and "250 respondents" in text and "observed" in text


def test_example_wave_is_ingested_in_memory_when_not_stored(data):
    w = selection.analysis_wave("ecsi_mobi", "example")
    assert len(w.data) == 250 and w.label == "example"
    assert not (data / "waves" / "ecsi_mobi" / "example").exists()  # nothing written
    with pytest.raises(FileNotFoundError):
        selection.analysis_wave("ecsi_mobi", "2031")


def test_to_pomp_maps_each_scale_to_0_100():
    import pandas as pd

    inst = cx.load_instrument("mitto_cx")
    est = pd.DataFrame({"item": ["nps", "chatbot_performance", "no_such_item"],
                        "estimate": [5.0, 3.0, 1.0], "ci_low": [4.0, 1.0, 0.0],
                        "ci_high": [6.0, 5.0, 2.0], "se": [0.5, 1.0, 1.0]})
    out = indices.to_pomp(est, inst).set_index("item")
    assert list(out.index) == ["nps", "chatbot_performance"]  # no scale: dropped
    assert out.loc["nps", ["estimate", "ci_low", "ci_high", "se"]].tolist() == [50, 40, 60, 5]
    assert out.loc["chatbot_performance", ["estimate", "ci_low", "ci_high"]].tolist() == [
        50, 0, 100]
