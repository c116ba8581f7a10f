"""Codebook drafting speed: ``cxresearch codebook draft`` on a 1,000,000-respondent × 50-column
CSV (issue 13: under 30 s and under 2 GB peak).

Set-up (not timed): the same generated export as ``bench_ingest.py``
(``benchmarks/_data/bench_1m.csv``, about 150 MB: an id, a weight, 30 agreement items coded
1-5 with the missing code -99 and two of them partly written as labels, 8 items 0-10, 5
single-choice text items, 3 numeric items with "Don't know", a mostly empty comment and a
";"-joined multi-select). Timed: :func:`cxresearch.codebooks.draft.draft_codebook` (reads the
file in 16 MB blocks through ``pyarrow.csv``, keeps running summaries per column, infers the
items, writes and validates the YAML), and, for scale, ``pandas.read_csv`` with the pyarrow
engine of the same file (parse only). Each case runs in its own process, so the peak memory
reported is that of the case.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

BENCH = "codebook draft CSV 1M × 50"


def case_draft() -> list[dict]:
    import yaml
    from bench_ingest import CSV, N, _generate

    from cxresearch.codebooks.draft import draft_codebook

    _generate()
    t0 = time.perf_counter()
    text = draft_codebook(CSV, "bench_draft")
    sec = time.perf_counter() - t0
    items = yaml.safe_load(text)["items"]
    types = {}
    for it in items:
        types[it["type"]] = types.get(it["type"], 0) + 1
    assert len(items) == 50, len(items)
    return [{"benchmark": BENCH, "implementation": "cxresearch draft_codebook",
             "seconds": sec,
             "note": f"{N:,} rows, {CSV.stat().st_size / 1e6:.0f} MB; items by type "
                     + ", ".join(f"{k} {v}" for k, v in sorted(types.items()))}]


def case_read_csv() -> list[dict]:
    import pandas as pd
    from bench_ingest import CSV, _generate

    _generate()
    t0 = time.perf_counter()
    df = pd.read_csv(CSV, engine="pyarrow", dtype=str)
    sec = time.perf_counter() - t0
    del df
    return [{"benchmark": BENCH, "implementation": "pandas.read_csv (pyarrow, as text)",
             "seconds": sec, "note": "parse only, whole file in memory"}]


CASES = {"draft_1m": case_draft, "read_csv_text_1m": case_read_csv}
