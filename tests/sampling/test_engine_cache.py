"""An engine design reuses the aggregate of a query it ran before (the wave report asks for
the cells of an item for its mean, its NPS and its tests), keyed by the query's SQL."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

import cxresearch as cx
from cxresearch.sampling.engine import TooManyCells


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = ibis.expr.types.Table.to_pyarrow

    def spy(self, *a, **k):
        calls.append(1)
        return real(self, *a, **k)

    monkeypatch.setattr(ibis.expr.types.Table, "to_pyarrow", spy)
    return calls


def _frame(n=400, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"h": rng.integers(0, 4, n), "p": rng.integers(0, 40, n),
                         "w": rng.uniform(0.5, 3, n), "y": rng.integers(1, 6, n).astype(float),
                         "g": rng.choice(list("abc"), n), "x": rng.normal(size=n)})


def test_the_same_cells_are_fetched_once_whatever_the_column_order(counted):
    des = cx.Design(ibis.memtable(_frame()), weights="w", strata="h", psu="p")
    counted.clear()
    a = cx.mean(des, "y", by="g")
    first = len(counted)
    b = cx.mean(des, "y", by="g")
    des.collapse(["g", "y"])
    assert len(counted) == first  # no new query
    pd.testing.assert_frame_equal(a, b)


def test_other_weights_or_columns_never_reuse_anothers_cells(counted):
    df = _frame()
    df["w2"] = df["w"] ** 2
    t = ibis.memtable(df)
    d1 = cx.Design(t, weights="w", strata="h", psu="p")
    d2 = cx.Design(t, weights="w2", strata="h", psu="p")
    m1, m2 = cx.mean(d1, "y"), cx.mean(d2, "y")
    ref1 = cx.mean(cx.Design(df, weights="w", strata="h", psu="p"), "y")
    ref2 = cx.mean(cx.Design(df, weights="w2", strata="h", psu="p"), "y")
    np.testing.assert_allclose(m1["estimate"], ref1["estimate"], rtol=1e-12)
    np.testing.assert_allclose(m2["estimate"], ref2["estimate"], rtol=1e-12)
    d3 = d1.with_columns(y=lambda tb: tb["y"] * 2.0)  # the same name, other values
    assert cx.mean(d3, "y")["estimate"].iloc[0] == pytest.approx(2 * m1["estimate"].iloc[0],
                                                                 rel=1e-12)


def test_a_consumer_cannot_change_the_cached_cells_of_another():
    des = cx.Design(ibis.memtable(_frame()), weights="w", strata="h", psu="p")
    c1 = des.collapse(["y"])
    c1.weights[:] = 0.0
    c1.freq[:] = 0
    c2 = des.collapse(["y"])
    assert c2.weights.sum() > 0 and c2.freq.sum() == des.n


def test_a_refused_aggregate_is_refused_again_without_a_second_scan(counted):
    des = cx.Design(ibis.memtable(_frame()), weights="w", max_cells=50)
    counted.clear()
    for _ in range(2):
        with pytest.raises(TooManyCells, match="max_cells=50"):
            des.collapse(["x"])
    assert len(counted) == 1
