"""Banner speed: 40 rows × 12 banner columns (plus total) on 100,000 weighted respondents, and
writing it to Excel.

Rows: five 5-point items shown by level (25 rows), their top-2 nets (5), their means (5), two
NPS items (2) and a 3-option multi-select (3) = 40 rows. Columns: two banner items of 6 levels
each. Two designs: weights only, and weights with 20 strata and 2,000 PSUs. Every row needs
one call of ``Design.total_variance`` on a 100,000 × 13 score matrix (25 with the complement
tests). Targets (issue 17): the banner under 2 s; the xlsx under 3 s.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N = 100_000


def _data(seed: int = 17) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"w": rng.gamma(4, 0.25, N),
                      "region": pd.Categorical(rng.choice([f"r{i}" for i in range(6)], N)),
                      "segment": pd.Categorical(rng.choice([f"s{i}" for i in range(6)], N)),
                      "stratum": rng.integers(0, 20, N)})
    d["psu"] = d["stratum"] * 100 + rng.integers(0, 100, N)
    for i in range(5):
        x = rng.integers(1, 6, N).astype(float)
        x[rng.random(N) < 0.03] = np.nan
        d[f"q{i}"] = x
        d[f"q{i}c"] = pd.Categorical.from_codes(np.nan_to_num(x, nan=0).astype(int) - 1,
                                                ["sd", "d", "n", "a", "sa"], ordered=True)
    for i in range(2):
        d[f"rec{i}"] = rng.integers(0, 11, N).astype(float)
    for opt in ("email", "phone", "chat"):
        d[f"ch__{opt}"] = pd.array(rng.random(N) < 0.4, dtype="boolean")
    return d


ROWS = ([f"q{i}c" for i in range(5)] + [f"top2:q{i}c" for i in range(5)]
        + [f"mean:q{i}" for i in range(5)] + ["nps:rec0", "nps:rec1", "multi:ch"])


def _case(clustered: bool) -> list[dict]:
    import cxresearch as cx

    d = _data()
    des = cx.Design(d, weights="w", strata="stratum" if clustered else None,
                    psu="psu" if clustered else None)
    kind = "20 strata, 2000 PSUs" if clustered else "weights only"
    rows = []
    cx.banner(des, ["mean:q0"], ["region"])          # warm-up (imports)
    for compare_total in (False, True):
        t0 = time.perf_counter()
        b = cx.banner(des, ROWS, ["region", "segment"], compare_total=compare_total,
                      p_adjust="holm")
        sec = time.perf_counter() - t0
        nrows = b.table["row"].nunique()
        ncols = len(b.columns) - 1
        assert (nrows, ncols) == (40, 12), (nrows, ncols)
        rows.append({"benchmark": f"banner 40×12, n=100k ({kind})"
                     + (" + complement tests" if compare_total else ""),
                     "implementation": "cxresearch", "seconds": round(sec, 3),
                     "note": "target < 2 s"})
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cx.save_banner(b, "bench", outdir=Path(tmp))
        sec = time.perf_counter() - t0
    rows.append({"benchmark": f"save_banner xlsx+csv 40×12 ({kind})",
                 "implementation": "cxresearch", "seconds": round(sec, 3),
                 "note": "target < 3 s"})
    return rows


CASES = {"banner_weighted": lambda: _case(False), "banner_clustered": lambda: _case(True)}

if __name__ == "__main__":
    for fn in CASES.values():
        for r in fn():
            print(r)
