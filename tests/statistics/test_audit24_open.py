"""Issue 24's "silently wrong" statistics and ``save_*`` cases, as the audit found them on main
(2026-12-05). They live in code other engineers are changing (``cxresearch/statistics/**``,
``cxresearch/sampling``, ``cxresearch/report/output/save.py``), so they are recorded here as
non-strict xfails naming the expected behaviour: a fix turns them green (XPASS), and then the
mark goes.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.sampling.design import Design
from cxresearch.statistics.estimates.indices import nps
from cxresearch.statistics.tracking.track import track

OPEN = pytest.mark.xfail(strict=False, reason="open in issue 24 (statistics/save.py, not the "
                                              "audit's room)")


def _answers(n=98, seed=0):
    return pd.DataFrame({"q": np.random.default_rng(seed).integers(0, 11, n).astype(float)})


@OPEN
@pytest.mark.parametrize("promoters,detractors", [("11-12", "0-6"), ("9-10", "-3-6"),
                                                  ("9-12", "0-6")])
def test_unreachable_nps_cut_offs_are_refused(promoters, detractors):
    with pytest.raises(ValueError, match="promoters|detractors"):
        nps(Design(_answers()), "q", promoters=promoters, detractors=detractors)


@OPEN
@pytest.mark.parametrize("big", [1e200, 1e250, 1e300])
def test_overflowing_weight_is_refused_naming_the_column(big):
    d = _answers().assign(w=np.r_[np.ones(97), big])
    with pytest.raises(ValueError, match="'w'"):
        cx.mean(Design(d, weights="w"), "q")


@OPEN
@pytest.mark.parametrize("big", [1e308, -1e308, 1.7e308])
def test_answers_beyond_float_range_are_refused_naming_the_column(big):
    d = _answers().assign(q=np.r_[_answers().q.values[:97], big])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="'q'"):
            cx.mean(Design(d), "q")


@OPEN
@pytest.mark.parametrize("rule", ["adjust", "average", "certainty"])
def test_one_respondent_wave_has_an_undefined_se(rule):
    w1 = pd.DataFrame({"q": [7.0]})
    w2 = _answers(50)
    with pytest.warns(Warning):
        r = track({"w1": Design(w1, lonely_psu=rule), "w2": Design(w2, lonely_psu=rule)}, "q")
    assert np.isnan(r["se"].iloc[0])
    assert r["p_value"].isna().all() or not (r["p_value"] < 0.05).any()


@OPEN
@pytest.mark.parametrize("name", ["CON", "nul", "COM1", "lpt9"])
def test_save_table_refuses_windows_reserved_names(tmp_path, name):
    from cxresearch.report.output.save import save_table

    with pytest.raises(ValueError, match="reserved|name"):
        save_table(pd.DataFrame({"a": [1]}), name, outdir=tmp_path)


@OPEN
def test_save_table_leaves_no_lock_file(tmp_path):
    from cxresearch.report.output.save import save_table

    save_table(pd.DataFrame({"a": [1]}), "t", outdir=tmp_path)
    assert not list(tmp_path.glob("*.lock"))
