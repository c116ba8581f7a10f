"""Beyond memory: the same estimates from Parquet through DuckDB and from pandas (issue 25).

The synthetic stratified-cluster feedback file of the issue: 50 strata, 20,000 PSUs (400 per
stratum, a PSU effect on every answer), weights, NPS 0–10 (answered by 30 %) and CSAT 1–5
(answered by 20 %), channel (web, phone, chat, email) × first-contact resolution (yes / no,
10 % missing). It is generated once per size as Parquet files (row groups of 1M rows) under
``$CX_BENCH_DIR`` (default ``/tmp/cx_bench_engine``), never committed.

Work measured, the same on both routes: the design, the mean CSAT, the NPS, the NPS by
channel and the Rao–Scott test of channel × FCR.

* ``engine``: ``cx.Design("<folder>", weights=..., strata=..., psu=...)`` — DuckDB scans the
  files; five GROUP BYs (one for the design, one per estimate) bring back per-cell sums.
* ``pandas``: ``pd.read_parquet`` → ``cx.Design(frame, ...)`` → the same calls.

Wall and CPU seconds (``resource.getrusage``, all threads) of one run each, and the peak
resident memory of the case's own process (``benchmarks/run.py`` runs each case in a fresh
subprocess). The case asserts that the two routes agree to 1e-10 where both run. The
in-memory route is measured up to ``CX_BENCH_MEMORY_MAX`` rows (default 8M: the machine is
shared; the issue measured 14.7 GB at 50M). Sizes: ``CX_BENCH_SIZES`` (default
``8000000,50000000``; add 200000000 for the largest run).
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(os.environ.get("CX_BENCH_DIR", "/tmp/cx_bench_engine"))
SIZES = [int(s) for s in os.environ.get("CX_BENCH_SIZES", "8000000,50000000").split(",") if s]
MEMORY_MAX = int(os.environ.get("CX_BENCH_MEMORY_MAX", "8000000"))
H, PSU = 50, 20_000
CHUNK = 1_000_000
SPEC = {"weights": "w", "strata": "stratum", "psu": "psu"}


def generate(n: int) -> Path:
    """Write the feedback file of ``n`` rows (cached: reused when complete)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = ROOT / f"rows={n}"
    done = out / "_SUCCESS"
    if done.exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    rng0 = np.random.default_rng(25)
    psu_eff = rng0.normal(0, 0.8, PSU)
    psu_w = rng0.lognormal(3.0, 0.5, PSU)
    chans = np.array(["web", "phone", "chat", "email"])
    for i, start in enumerate(range(0, n, CHUNK)):
        m = min(CHUNK, n - start)
        rng = np.random.default_rng([25, i])
        psu = rng.integers(0, PSU, m).astype(np.int32)
        stratum = (psu // (PSU // H)).astype(np.int16)
        w = psu_w[psu] * rng.uniform(0.5, 1.5, m)
        ch = rng.choice(4, m, p=[0.45, 0.3, 0.15, 0.1])
        fcr = np.where(rng.random(m) < 0.62 + 0.05 * (ch == 0), "yes", "no").astype(object)
        fcr[rng.random(m) < 0.1] = None
        lat = psu_eff[psu] + 0.6 * (fcr == "yes") - 0.3 * (ch == 1) + rng.normal(0, 1.5, m)
        nps = np.clip(np.round(7 + 1.4 * lat), 0, 10)
        nps[rng.random(m) > 0.3] = np.nan
        csat = np.clip(np.round(3.8 + 0.7 * lat), 1, 5)
        csat[rng.random(m) > 0.2] = np.nan
        tab = pa.table({"stratum": stratum, "psu": psu, "w": w, "nps": nps, "csat": csat,
                        "channel": chans[ch], "fcr": pa.array(fcr, type=pa.string())})
        pq.write_table(tab, out / f"part-{i:05d}.parquet", row_group_size=CHUNK)
    done.touch()
    return out


def _work(des):
    import cxresearch as cx
    return {"mean_csat": cx.mean(des, "csat"),
            "nps": cx.nps(des, "nps"),
            "nps_by_channel": cx.nps(des, "nps", by="channel"),
            "rao_scott": cx.crosstab_test(des, "channel", "fcr").tests}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(fn):
    c0, t0 = _cpu(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, _cpu() - c0, out


def _engine(n: int):
    from cxresearch.sampling.design import Design
    folder = generate(n)

    def run():
        des = Design(str(folder), **SPEC)
        return _work(des)
    wall, cpu, out = _timed(run)
    return wall, cpu, out


def _memory(n: int):
    from cxresearch.sampling.design import Design
    folder = generate(n)

    def run():
        df = pd.read_parquet(folder, columns=["stratum", "psu", "w", "nps", "csat", "channel",
                                              "fcr"])
        return _work(Design(df, **SPEC))
    return _timed(run)


def _max_rel(a: dict, b: dict) -> float:
    worst = 0.0
    for k in a:
        x = a[k].select_dtypes("number").to_numpy(float)
        y = b[k].select_dtypes("number").to_numpy(float)
        ok = np.isfinite(x) & (x != 0)
        worst = max(worst, float(np.max(np.abs(x[ok] - y[ok]) / np.abs(x[ok]))))
    return worst


def _case(n: int):
    def case() -> list[dict]:
        generate(n)
        rows = []
        wall, cpu, eng = _engine(n)
        rows.append({"benchmark": f"engine_{n // 1_000_000}M", "implementation": "cxresearch",
                     "seconds": wall, "note": f"DuckDB on Parquet; CPU {cpu:.1f} s; "
                     "design + mean CSAT + NPS + NPS by channel + Rao-Scott"})
        if n <= MEMORY_MAX:
            peak0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            mwall, mcpu, mem = _memory(n)
            peak1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rel = _max_rel(mem, eng)
            assert rel < 1e-10, f"engine and pandas routes differ by {rel:.2e}"
            rows.append({"benchmark": f"engine_{n // 1_000_000}M",
                         "implementation": "pandas (read_parquet + Design)",
                         "seconds": mwall,
                         "note": f"CPU {mcpu:.1f} s; peak RSS {peak1:.0f} MB (engine part "
                                 f"{peak0:.0f} MB); max rel. difference {rel:.1e}"})
        return rows
    return case


CASES = {f"feedback_{n // 1_000_000}M": _case(n) for n in SIZES}
