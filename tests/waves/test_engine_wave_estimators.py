"""Every estimator takes a wave whose rows stay in an engine (``cx.open_wave``) as it takes the
same wave in memory: the engine wave forwards its engine design, so the numbers are those of
the in-memory wave (BEPS 1997, real respondents: R package carData, GPL >= 2). Tolerance 1e-12
relative (5e-12 for the iterative fits: logistic Newton steps and the ordinal model's Newton-
Raphson amplify rounding through their Hessians)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import cxresearch as cx

SURVEYS = Path(__file__).resolve().parents[1] / "pipeline" / "surveys"
pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def beps(tmp_path_factory):
    inst = cx.load_instrument(SURVEYS / "beps_1997" / "beps_1997.yaml")
    mem = cx.ingest(str(SURVEYS / "beps_1997" / "beps.csv"), inst, "1997", write=False)
    d = mem.data.copy()
    for c in d.columns:
        if isinstance(d[c].dtype, pd.CategoricalDtype):
            d[c] = d[c].astype(object)
    d["part"] = np.arange(len(d)) % 2
    folder = tmp_path_factory.mktemp("beps") / "rows"
    pq.write_to_dataset(pa.Table.from_pandas(d, preserve_index=False), folder,
                        partition_cols=["part"])
    return mem, cx.open_wave(str(folder), inst, wave="1997")


CALLS = {
    "mean": (lambda w: cx.mean(w, "blair", by="gender"), 1e-12),
    "top_box": (lambda w: cx.top_box(w, "blair", 2), 1e-12),
    "regress": (lambda w: cx.regress(w, "blair ~ age + vote").coefficients, 1e-12),
    "logistic": (lambda w: cx.regress(w, "vote ~ age + europe", family="binomial",
                                       event="labour").coefficients, 5e-12),
    "crosstab_test": (lambda w: cx.crosstab_test(w, "vote", "gender").tests, 1e-12),
    "compare_groups": (lambda w: cx.compare_groups(w, "blair", "vote").tests, 1e-12),
    # B=0: this wave has no PSU column, and the engine does not bootstrap rows (below)
    "key_drivers": (lambda w: cx.key_drivers(w, "blair", ["europe", "economic_cond_national"],
                                             B=0).table, 1e-12),
    "reliability": (lambda w: cx.reliability(w, ["blair", "hague", "kennedy"]).table, 1e-12),
    "ordinal_logit": (lambda w: cx.ordinal_logit(w, "blair", ["vote"]).coefficients, 5e-12),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_an_engine_wave_gives_the_in_memory_numbers(beps, name):
    mem, eng = beps
    call, tol = CALLS[name]
    a, b = call(mem), call(eng)
    num = a.select_dtypes("number").columns
    assert list(a.columns) == list(b.columns) and len(a) == len(b) and len(num)
    pd.testing.assert_frame_equal(a[num].astype(float), b[num].astype(float),
                                  check_exact=False, rtol=tol, atol=tol)


def test_tracking_takes_a_list_of_engine_and_memory_waves(beps):
    mem, eng = beps
    other = eng.sample(600, seed=2)          # an explicit in-memory sample, labelled so
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = cx.track([mem, other], "blair")
        b = cx.track([eng, other], "blair")
    assert other.label == "1997-sample"
    num = ["estimate", "se", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(a[num], b[num], check_exact=False, rtol=1e-12, atol=1e-12)


def test_an_engine_wave_never_hands_out_its_rows(beps):
    _, eng = beps
    with pytest.raises(TypeError, match="keeps its rows in the engine"):
        eng.data  # noqa: B018
    with pytest.raises(TypeError, match="cannot be replaced"):
        eng.data = pd.DataFrame()
    with pytest.raises(AttributeError):
        eng.no_such_attribute  # noqa: B018


def test_key_driver_intervals_without_psus_are_refused_with_a_note_not_invented(beps):
    """Without a PSU column the bootstrap would resample rows: the engine gives the
    importances, no intervals, and says why in the result's notes."""
    from cxresearch.errors import NotPushedDownWarning

    _, eng = beps
    with pytest.warns(NotPushedDownWarning):
        kd = cx.key_drivers(eng, "blair", ["europe", "economic_cond_national"], B=50, seed=1)
    assert kd.table["ci_low"].isna().all() and kd.table["importance"].notna().all()
    assert any("sample" in str(n) for n in kd.notes)
