"""Codebook drafting speed and memory: ``cxresearch codebook draft`` on 1,000,000 and
5,000,000-respondent × 50-column CSVs (issue 13: under 30 s and under 2 GB peak at 1M;
issue 24: memory independent of the number of rows).

Set-up (not timed): the same generated export as ``bench_ingest.py``
(``benchmarks/_data/bench_1m.csv``, about 180 MB: an id, a weight, 30 agreement items coded
1-5 with the missing code -99 and two of them partly written as labels, 8 items 0-10, 5
single-choice text items, 3 numeric items with "Don't know", a mostly empty comment and a
";"-joined multi-select) and ``bench_5m.csv`` (its rows five times, about 900 MB; the ids
repeat, so that column is no longer an id). Timed: :func:`cxresearch.codebooks.draft.draft`
(reads the file in 16 MB blocks cut at record boundaries, keeps running summaries per column —
counts up to 200 distinct answers, range, a distinct-value sketch, personal-data counts over
every cell — infers the items, writes the YAML and the review page, validates the YAML), and,
for scale, ``pandas.read_csv`` with the pyarrow engine of the 1M file (parse only, whole file
in memory). Each case runs in its own process, so the peak memory reported is that of the
case: the two draft cases should show about the same peak.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

BENCH = "codebook draft CSV × 50 columns"


def _five_million() -> Path:
    from bench_ingest import CSV, DATA, _generate

    _generate()
    out = DATA / "bench_5m.csv"
    if not out.exists():
        tmp = out.with_suffix(".tmp")
        with tmp.open("wb") as dst:
            with CSV.open("rb") as src:
                shutil.copyfileobj(src, dst, 16 << 20)
            for _ in range(4):
                with CSV.open("rb") as src:
                    src.readline()  # header once
                    shutil.copyfileobj(src, dst, 16 << 20)
        tmp.replace(out)
    return out


def _draft_case(path: Path, rows: int) -> list[dict]:
    import yaml

    from cxresearch.codebooks.draft import draft

    t0 = time.perf_counter()
    d = draft(path, "bench_draft")
    sec = time.perf_counter() - t0
    items = yaml.safe_load(d.yaml)["items"]
    types: dict[str, int] = {}
    for it in items:
        types[it["type"]] = types.get(it["type"], 0) + 1
    assert len(items) == 50, len(items)
    return [{"benchmark": BENCH, "implementation": f"cxresearch draft, {rows:,} rows",
             "seconds": sec,
             "note": f"{path.stat().st_size / 1e6:.0f} MB; items by type "
                     + ", ".join(f"{k} {v}" for k, v in sorted(types.items()))}]


def case_draft() -> list[dict]:
    from bench_ingest import CSV, N, _generate

    _generate()
    return _draft_case(CSV, N)


def case_draft_5m() -> list[dict]:
    from bench_ingest import N

    return _draft_case(_five_million(), 5 * N)


def case_read_csv() -> list[dict]:
    import pandas as pd
    from bench_ingest import CSV, _generate

    _generate()
    t0 = time.perf_counter()
    df = pd.read_csv(CSV, engine="pyarrow", dtype=str)
    sec = time.perf_counter() - t0
    del df
    return [{"benchmark": BENCH, "implementation": "pandas.read_csv (pyarrow, as text), 1M",
             "seconds": sec, "note": "parse only, whole file in memory"}]


CASES = {"draft_1m": case_draft, "draft_5m": case_draft_5m, "read_csv_text_1m": case_read_csv}
