"""Tracking across waves: 10 waves × 100,000 respondents, 20 items (issue 16).

Each wave is a stratified cluster sample (4 strata, 50 PSUs per stratum, unequal weights); the
20 items are 0–10 ratings with a few percent missing. Measured (median of 3 runs):

* ``track, every measure``: ``cx.track`` of the 20 items as means, as top-2-box proportions and
  as NPS, plus one 20-item index — per-wave estimates, changes against the previous and the
  first wave (Holm), linear trend and Wald F — from a stacked Design with a wave column
  (splitting it into per-wave designs is included; building the stacked Design is not).
  Target: < 3 s.
* ``track, from per-wave designs``: the same from a dict of per-wave Designs.
* ``track + adjust``: the 20 means with composition control (each wave raked to the pooled
  shares of one 4-level segment), adjusted and unadjusted.

R is not timed here: ``svyby`` + ``svycontrast`` + ``svyglm`` on a 1,000,000-row stacked
design takes minutes per item. Run alone with ``python benchmarks/run.py --only tracking``.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from _timing import median_time

import cxresearch as cx
from cxresearch.sampling.design import Design

WAVES, N, ITEMS = 10, 100_000, 20
SEED = 20241130


def _data() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    frames = []
    for g in range(WAVES):
        strata = rng.integers(0, 4, N)
        psu = strata * 50 + rng.integers(0, 50, N)
        base = rng.normal(7 + 0.05 * g, 1.5, N) + 0.3 * rng.normal(size=200)[psu]
        cols = {f"q{j:02d}": np.clip(np.round(base + rng.normal(0, 1.2, N)), 0, 10)
                for j in range(ITEMS)}
        df = pd.DataFrame(cols)
        for c in df.columns:
            df.loc[rng.random(N) < 0.03, c] = np.nan
        df = df.astype("Float64")
        df["wave"] = 2015 + g
        df["stratum"] = strata
        df["psu"] = psu
        df["w"] = rng.gamma(4.0, 25.0, N)
        df["segment"] = rng.choice(list("ABCD"), N, p=[0.4 - 0.01 * g, 0.3, 0.2, 0.1 + 0.01 * g])
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _every_measure(src) -> int:
    items = [f"q{j:02d}" for j in range(ITEMS)]
    out = [cx.track(src, items, measure="mean"),
           cx.track(src, items, measure="proportion", top_box=2, item_range=(0, 10)),
           cx.track(src, items, measure="nps"),
           cx.track(src, items, measure="index", item_range=(0, 10))]
    return sum(len(r) for r in out)


def _stacked(d: pd.DataFrame) -> Design:
    strat = d["wave"].astype(str) + "." + d["stratum"].astype(str)
    return Design(d, weights="w", strata=strat.to_numpy(), psu=d["psu"].to_numpy())


def _cpu(fn) -> float:
    """CPU seconds of one call (the machine may be shared: wall time includes waiting)."""
    c = time.process_time()
    fn()
    return time.process_time() - c


def _cases() -> list[dict]:
    d = _data()
    rows = []
    t0 = time.perf_counter()
    des = _stacked(d)
    t_design = time.perf_counter() - t0
    t, n = median_time(lambda: _every_measure(des))
    rows.append({"benchmark": f"track {WAVES} waves x {N:,} resp., {ITEMS} items, every measure",
                 "implementation": "cxresearch", "seconds": t,
                 "note": f"stacked Design (split into waves included; building the Design, "
                         f"{t_design:.1f} s, is not); {n} result rows; CPU "
                         f"{_cpu(lambda: _every_measure(des)):.2f} s; target < 3 s"})
    parts = {k: Design(g.reset_index(drop=True), weights="w", strata="stratum", psu="psu")
             for k, g in d.groupby("wave")}
    t, n = median_time(lambda: _every_measure(parts))
    rows.append({"benchmark": f"track {WAVES} waves, every measure, per-wave designs",
                 "implementation": "cxresearch", "seconds": t,
                 "note": f"dict of per-wave Designs (as from a list of Waves); {n} result "
                         f"rows; CPU {_cpu(lambda: _every_measure(parts)):.2f} s"})
    items = [f"q{j:02d}" for j in range(ITEMS)]
    t, r = median_time(lambda: cx.track(parts, items, adjust=["segment"]))
    rows.append({"benchmark": f"track {WAVES} waves, {ITEMS} means + adjust (raking)",
                 "implementation": "cxresearch", "seconds": t,
                 "note": f"adjusted and unadjusted; {len(r)} result rows"})
    return rows


CASES = {"tracking": _cases}

if __name__ == "__main__":  # pragma: no cover
    for row in _cases():
        print(row)
