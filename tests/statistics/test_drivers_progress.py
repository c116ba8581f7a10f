"""Long key-driver bootstraps show progress and an estimate (issue 24, item 6): by default a
bar appears, titled with the estimated time, once the first batch says the whole bootstrap
takes longer than ``PROGRESS_AFTER`` seconds; never with ``progress=False``; always with
``progress=True``; the numbers do not depend on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxresearch.statistics.models import drivers as drv


@pytest.fixture
def df():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 4))
    return pd.DataFrame({"y": x @ [1, 0.5, 0.2, 0.1] + rng.normal(size=300),
                         **{f"x{i}": x[:, i] for i in range(4)}})


def _run(df, **kw):
    return drv.key_drivers(df, "y", ["x0", "x1", "x2", "x3"], B=300, seed=3, **kw)


def test_fast_bootstrap_is_quiet(df, capsys):
    _run(df)
    assert "bootstrap" not in capsys.readouterr().err


@pytest.mark.parametrize("progress", [None, True])
def test_slow_bootstrap_shows_estimate(df, capsys, monkeypatch, progress):
    monkeypatch.setattr(drv, "PROGRESS_AFTER", -1.0)   # every bootstrap counts as slow
    a = _run(df, progress=progress)
    err = capsys.readouterr().err
    assert "key_drivers bootstrap (4 drivers, B=300): about" in err and " s in all" in err
    b = _run(df, progress=False)
    assert "bootstrap" not in capsys.readouterr().err
    pd.testing.assert_frame_equal(a.table, b.table)


def test_progress_true_always(df, capsys):
    _run(df, progress=True)
    assert "about" in capsys.readouterr().err
