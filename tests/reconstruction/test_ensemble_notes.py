"""Ensembles of reconstructions follow the result protocol: the analyses' warnings are
counted over the replicates in ``notes``; other warnings are shown as before."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import pandas as pd
import pytest

from cxresearch.errors import SmallCellWarning
from cxresearch.reconstruction import api, ensemble


@pytest.fixture
def one(monkeypatch):
    fake = SimpleNamespace(manifest={"fit": {"n_unmet": 0}})
    monkeypatch.setattr(api, "reconstruct", lambda study, seed, **a: fake)

    def run(analysis, i=0):
        ensemble._WORK.update(study="s", plans=[{}, {}], seed=0, analysis=analysis)
        try:
            return ensemble._one(i)
        finally:
            ensemble._WORK.clear()

    return run


def test_cx_warnings_of_the_analysis_become_counted_notes(one):
    def analysis(w):
        warnings.warn("crosstab 'a' x 'b': small", SmallCellWarning, stacklevel=2)
        return pd.DataFrame({"term": ["x"], "estimate": [1.0]})

    parts = [one(analysis, 0), one(analysis, 1)]
    assert parts[0][1] == [("SmallCellWarning", "crosstab 'a' x 'b': small")]
    notes = ensemble._ensemble_notes(parts, 2)
    assert notes == ["2 of 2 reconstructions: SmallCellWarning (e.g. crosstab 'a' x 'b': small)"]


def test_other_warnings_are_shown_as_before(one):
    def analysis(w):
        warnings.warn("pandas will change", FutureWarning, stacklevel=2)
        return pd.DataFrame({"estimate": [1.0]})

    with pytest.warns(FutureWarning, match="pandas will change"):
        out, warned = one(analysis)
    assert warned == [] and out["fit_met"].all()
