"""The tracking template leads with the outcome and the NPS of declared recommend items
(issue 26), and its helpers write labels, not ids.

Oracle: another route to the same numbers — ``cx.nps`` on each wave separately (the per-wave
NPS and its SE; ``cx.track`` itself is checked against R in tests/test_tracking.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch import paths
from cxresearch.report.charts.labels import Labeller
from cxresearch.report.narrative import trackreport as tr
from cxresearch.report.narrative import wavereport as wr

SURVEYS = Path(__file__).resolve().parents[1] / "pipeline" / "surveys"


@pytest.fixture(scope="module")
def ecsi_waves(tmp_path_factory):
    src = paths.examples_dir() / "ecsi_mobi" / "mobi.csv"
    d = pd.read_csv(src)
    tmp = tmp_path_factory.mktemp("ecsi")
    out = []
    for label, part in (("2023", d.iloc[:125]), ("2024", d.iloc[125:])):
        f = tmp / f"mobi_{label}.csv"
        part.to_csv(f, index=False)
        out.append(cx.ingest(str(f), "ecsi_mobi", label, write=False))
    return out


def test_plan_leads_with_declared_recommend_items():
    inst = cx.load_instrument("ecsi_mobi")
    plan = tr.tracking_plan(inst)
    kpis = [(p["item"], p["measure"]) for p in plan if p["kpi"]]
    assert kpis == [("cusl3", "nps")]  # the only declared recommend question
    assert all(not p["kpi"] for p in plan[len(kpis):])
    assert not any(p["measure"] == "nps" for p in plan if not p["kpi"])


def test_plan_outcome_rating_gets_mean_and_top_box():
    inst = cx.load_instrument(SURVEYS / "beps_1997" / "beps_1997.yaml")
    kpis = [(p["item"], p["measure"], p["kw"]) for p in tr.tracking_plan(inst) if p["kpi"]]
    assert kpis == [("blair", "mean", {}), ("blair", "proportion", {"top_box": 2})]


def test_nps_by_wave_with_trend_equals_nps_per_wave(ecsi_waves):
    inst = ecsi_waves[0].instrument
    notes = wr.Notes(Labeller(ecsi_waves[-1]))
    kpis = tr.track_many(ecsi_waves, [p for p in tr.tracking_plan(inst) if p["kpi"]],
                         notes=notes)
    waves = kpis[kpis["term"] == "wave"]
    assert list(waves["measure"]) == ["nps", "nps"]
    for w, (_, row) in zip(ecsi_waves, waves.iterrows(), strict=True):
        ref = cx.nps(w, "cusl3").iloc[0]
        np.testing.assert_allclose(row["estimate"], ref["estimate"], rtol=1e-12)
        np.testing.assert_allclose(row["se"], ref["se"], rtol=1e-9)
    ch = kpis[(kpis["term"] == "change") & (kpis["comparison"] == "previous")].iloc[0]
    np.testing.assert_allclose(ch["estimate"], np.diff(waves["estimate"])[0], rtol=1e-12)
    assert (kpis["term"] == "trend").sum() == 1 and np.isfinite(ch["p_value"])
    shown = tr.labelled_tracking(kpis, Labeller(ecsi_waves[-1]))
    assert set(shown["item"]) == {"Would recommend — NPS"}
    assert "cusl3" not in " ".join(notes.items)


def test_changes_helper_keeps_changes_and_trend(ecsi_waves):
    r = cx.track(ecsi_waves, "cusl1")
    two = tr.changes(r)  # two waves: the change once, no trend (it would repeat the change)
    assert list(two["term"]) == ["change"] and list(two["comparison"]) == ["previous"]
    third = {"a": ecsi_waves[0].design(), "b": ecsi_waves[1].design(),
             "c": ecsi_waves[0].design()}
    three = tr.changes(cx.track(third, "cusl1"))
    assert sorted(three["term"].value_counts().items()) == [("change", 3), ("trend", 1)]
