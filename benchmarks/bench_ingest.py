"""Ingest speed and memory: a 1,000,000-respondent × 50-column CSV (and 5,000,000 with
``python benchmarks/bench_ingest.py --rows 5000000``), validated against a 50-item codebook.

Set-up (not timed): ``benchmarks/_data/`` (git-ignored) receives a generated codebook
``bench_cx.yaml`` (id, weight, 30 five-point agreement items, 8 0–10 items, 5 single-choice items
answered as text labels, 3 numeric items, 1 free-text item, 1 multi-select joined with ";") and
``bench_1m.csv`` (about 150 MB; 1 % of the agreement answers are the missing code −99, 10 % of
two agreement columns are written as labels, a few numeric answers say "Don't know").

Timed: ``cx.ingest`` of that file, writing the wave to a temporary folder (reading, encoding
and delimiter detection, mapping, validation of every cell, Parquet + manifest), and beside it
plain ``pandas.read_csv`` of the same file (C engine, and the pyarrow engine), which only
parses. Each case runs in its own process (``benchmarks/run.py``), so the peak memory reported
is that of the case. Targets (issue 2): ingest under 30 s and under 2 GB peak; (issue 24)
peak memory at most about twice the file size — the manual run prints the peak resident set
size (``VmHWM``) of a fresh process per size, beside the file size.

At scale (issue 25, manual runs; files generated under ``benchmarks/_data/``, not committed;
2 cores shared with other sessions, load average 7–10 during these runs, so wall times are
several times the CPU they got — the CPU seconds are the steadier figure):

* ``--check-rows 50000000``: the engine checks of ``cx.open_wave`` over 50M rows × 50 columns
  of stored-form Parquet (1.48 GiB): the min/max screen 0.6 s (DuckDB answers it from the
  Parquet statistics), then one aggregate: 21.7 CPU s in all (about 11 s of wall time on a
  quiet 2-core machine; 110 s here under load), peak RSS 907 MiB with DuckDB held to its
  700MB limit while counting the distinct respondent ids (3.2 GB without the limit); the
  aggregate without the id count took 17 CPU s.
* ``--parquet-rows 10000000``: ``cx.ingest`` of a 10M-row × 50-column Parquet export (286 MiB;
  answers as text, labels, ``-99`` codes, joined multi-select), read by record batches,
  validated cell by cell and written as two part files: 247.6 s wall, 64.8 CPU s, peak RSS
  745 MiB (the file read whole as text would take several GB).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
CSV = DATA / "bench_1m.csv"
CODEBOOK = DATA / "bench_cx.yaml"
N = 1_000_000
BENCH = "ingest CSV 1M × 50"

AGREE = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
ROLES = ["Marketing", "Customer service", "Sales"]
OPTIONS = ["Email", "Voice", "SMS", "Social media", "Live chat", "Other"]


def _codebook() -> str:
    lines = ["format_version: 1", "study: bench_cx", "meta:", "  title: ingest benchmark",
             "  publisher: cxresearch", "  fieldwork_year: 2024", "  population: generated",
             "  source: [benchmarks/bench_ingest.py]", "  languages: [en]", "scales:",
             "  agree5:", "    ordered: true", "    levels:"]
    lines += [f"      - {{code: {k}, value: l{k}, labels: {{en: {lab}}}}}"
              for k, lab in enumerate(AGREE, start=1)]
    lines += ["    missing:", "      - {code: -99, labels: {en: \"Don't know\"}}", "items:",
              "  - {id: respondent_id, type: id, required: true, wording: {en: id}}",
              "  - {id: weight, type: weight, wording: {en: weight}}"]
    lines += [f"  - {{id: agree_{i:02d}, type: likert, scale: agree5, wording: {{en: s{i}}}}}"
              for i in range(30)]
    lines += [f"  - {{id: score_{i}, type: nps_0_10, wording: {{en: r{i}}}, "
              "missing: [-99]}" for i in range(8)]
    for i in range(5):
        lines += [f"  - id: role_{i}", "    type: single", "    wording: {en: role}",
                  "    levels:"]
        lines += [f"      - {{code: {k}, value: v{k}, labels: {{en: {lab}}}}}"
                  for k, lab in enumerate(ROLES, start=1)]
    lines += [f"  - {{id: amount_{i}, type: numeric, scale_min: 0, scale_max: 100, "
              f"wording: {{en: a{i}}}, missing: [\"Don't know\"]}}" for i in range(3)]
    lines += ["  - {id: comment, type: text, wording: {en: comment}}",
              "  - id: channels", "    type: multi", "    max_choices: 3",
              "    wording: {en: channels}", "    options:"]
    lines += [f"      - {{code: {k}, value: o{k}, labels: {{en: {lab}}}}}"
              for k, lab in enumerate(OPTIONS, start=1)]
    return "\n".join(lines) + "\n"


def _generate(n: int = N, csv: Path = CSV) -> None:
    """Write the codebook and the CSV once (column blocks via Arrow; not timed)."""
    DATA.mkdir(exist_ok=True)
    CODEBOOK.write_text(_codebook(), encoding="utf-8")
    if csv.exists():
        return
    tmp = csv.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        for start in range(0, n, N):   # blocks of at most 1M rows: bounded memory
            _write_block(fh, min(N, n - start), start, header=start == 0)
    tmp.replace(csv)


def _write_block(fh, N: int, start: int, header: bool) -> None:  # noqa: N803 - block size
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(start)
    cols: dict[str, pa.Array] = {}
    cols["respondent_id"] = pa.array(np.char.add("R", np.arange(start, start + N).astype(str)))
    cols["weight"] = pa.array(np.round(rng.gamma(4.0, 0.25, N), 4))
    for i in range(30):
        codes = rng.integers(1, 6, N)
        codes[rng.random(N) < 0.01] = -99
        txt = codes.astype(str).astype(object)
        if i < 2:  # a couple of columns partly written as labels
            lab = rng.random(N) < 0.1
            txt[lab & (codes > 0)] = np.array(AGREE, dtype=object)[codes[lab & (codes > 0)] - 1]
        cols[f"agree_{i:02d}"] = pa.array(txt, type=pa.string())
    for i in range(8):
        cols[f"score_{i}"] = pa.array(rng.integers(0, 11, N))
    for i in range(5):
        cols[f"role_{i}"] = pa.array(np.array(ROLES, dtype=object)[rng.integers(0, 3, N)],
                                     type=pa.string())
    for i in range(3):
        vals = np.round(rng.uniform(0, 100, N), 1).astype(str).astype(object)
        vals[rng.random(N) < 0.005] = "Don't know"
        cols[f"amount_{i}"] = pa.array(vals, type=pa.string())
    cols["comment"] = pa.array(np.where(rng.random(N) < 0.9, "",
                                        np.char.add("note ", rng.integers(0, 10**6, N).astype(
                                            str))))
    combos = [";".join(OPTIONS[j] for j in sorted(rng.choice(6, k, replace=False)))
              for k in (1, 2, 3) for _ in range(40)]
    cols["channels"] = pa.array(np.array(combos, dtype=object)[rng.integers(0, len(combos), N)],
                                type=pa.string())
    pacsv.write_csv(pa.table(cols), fh,
                    pacsv.WriteOptions(quoting_style="none", batch_size=65536,  # no quotes needed
                                       include_header=header))


def _write_parquet(path: Path, n: int, *, raw: bool) -> None:
    """``n`` rows of the benchmark codebook as Parquet, in blocks of 1M rows (not timed).

    ``raw=False``: as a stored wave holds them (codes as integers, level values, option flags
    as booleans, numbers as doubles), what ``cx.open_wave`` checks in the engine.
    ``raw=True``: as an export (the CSV's text columns), what ``cx.ingest`` reads."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.exists():
        return
    DATA.mkdir(exist_ok=True)
    CODEBOOK.write_text(_codebook(), encoding="utf-8")
    tmp = path.with_suffix(".tmp")
    writer = None
    for start in range(0, n, N):
        k = min(N, n - start)
        rng = np.random.default_rng(start)
        cols: dict[str, pa.Array] = {}
        cols["respondent_id"] = pa.array(np.char.add("R", np.arange(start, start + k)
                                                     .astype(str)))
        cols["weight"] = pa.array(np.round(rng.gamma(4.0, 0.25, k), 4))
        for i in range(30):
            codes = rng.integers(1, 6, k)
            miss = rng.random(k) < 0.01
            if raw:
                codes[miss] = -99
                cols[f"agree_{i:02d}"] = pa.array(codes.astype(str))
            else:
                cols[f"agree_{i:02d}"] = pa.array(codes, mask=miss)
        for i in range(8):
            cols[f"score_{i}"] = pa.array(rng.integers(0, 11, k))
        for i in range(5):
            vals = ROLES if raw else ["v1", "v2", "v3"]
            cols[f"role_{i}"] = pa.array(np.array(vals, dtype=object)[rng.integers(0, 3, k)],
                                         type=pa.string())
        for i in range(3):
            cols[f"amount_{i}"] = pa.array(np.round(rng.uniform(0, 100, k), 1))
        cols["comment"] = pa.array(np.where(rng.random(k) < 0.9, None,
                                            np.char.add("note ", rng.integers(0, 10**6, k)
                                                        .astype(str))))
        pick = rng.random((k, 6)) < 0.3
        pick[pick.sum(axis=1) > 3] = False
        if raw:
            opts = np.array(OPTIONS, dtype=object)
            cols["channels"] = pa.array([";".join(opts[r]) for r in pick], type=pa.string())
        else:
            for j in range(6):
                cols[f"channels__o{j + 1}"] = pa.array(pick[:, j])
        table = pa.table(cols)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=256 * 1024)
    writer.close()
    tmp.replace(path)


def _hwm() -> float:
    """Peak resident set size of this process so far, MiB (``VmHWM``)."""
    with open("/proc/self/status") as fh:
        return next(float(x.split()[1]) for x in fh if x.startswith("VmHWM")) / 1024


def _check_peak(n: int) -> None:
    """In a fresh process: the engine checks (``cx.open_wave(..., check=True)`` without the
    design) over ``n`` stored-form rows; seconds and peak RSS."""
    sys.path.insert(0, str(HERE.parent))
    from cxresearch.codebooks.instrument import load_instrument
    from cxresearch.intake.engine_checks import engine_problems

    path = DATA / f"stored_{n // 1_000_000}m.parquet"
    inst = load_instrument(CODEBOOK)
    base = _hwm()
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    found = engine_problems(str(path), inst)
    sec, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(f"{n:>11,} rows  Parquet {path.stat().st_size / 2**20:7.0f} MiB  engine checks "
          f"{sec:6.1f} s wall, {cpu:6.1f} CPU s  peak RSS {_hwm():6.0f} MiB (before "
          f"{base:.0f})  problems {len(found)}", flush=True)


def case_ingest() -> list[dict]:
    sys.path.insert(0, str(HERE.parent))
    _generate()
    import cxresearch as cx
    from cxresearch.codebooks.instrument import load_instrument

    inst = load_instrument(CODEBOOK)
    with tempfile.TemporaryDirectory() as root:
        t0 = time.perf_counter()
        w = cx.ingest(CSV, inst, "bench", root=root)
        sec = time.perf_counter() - t0
    m = w.manifest
    assert m["rows_kept"] == N, m["rejections"]
    return [{"benchmark": BENCH, "implementation": "cxresearch", "seconds": sec,
             "note": f"cx.ingest incl. validation of {N * 50:,} cells + Parquet write; "
                     f"{m['rows_kept']:,} rows kept, {CSV.stat().st_size / 1e6:.0f} MB file"}]


def case_read_csv() -> list[dict]:
    _generate()
    import pandas as pd

    rows = []
    for engine in ("c", "pyarrow"):
        t0 = time.perf_counter()
        df = pd.read_csv(CSV, engine=engine)
        sec = time.perf_counter() - t0
        assert len(df) == N
        del df
        rows.append({"benchmark": BENCH, "implementation": f"pandas.read_csv ({engine} engine)",
                     "seconds": sec, "note": "parse only, no validation"})
    return rows


CASES = {"ingest_1m": case_ingest, "read_csv_1m": case_read_csv}


def _csv(n: int) -> Path:
    return DATA / f"bench_{n // 1000}k.csv" if n != N else CSV


def _raw_parquet(n: int) -> Path:
    return DATA / f"export_{n}.parquet"


def _peak(n: int, parquet: bool = False) -> None:
    """In a fresh process: ingest the ``n``-row file and print seconds and peak RSS (the
    process's ``VmHWM``: ``ru_maxrss`` would carry over the parent's peak across exec)."""
    hwm = _hwm
    sys.path.insert(0, str(HERE.parent))
    csv = _raw_parquet(n) if parquet else _csv(n)
    import cxresearch as cx
    from cxresearch.codebooks.instrument import load_instrument

    inst = load_instrument(CODEBOOK)
    base = hwm()
    with tempfile.TemporaryDirectory() as root:
        t0 = time.perf_counter()
        w = cx.ingest(csv, inst, "bench", root=root)
        sec = time.perf_counter() - t0
    peak = hwm()
    size = csv.stat().st_size / 2**20
    print(f"{n:>9,} rows  {csv.suffix[1:]:7} {size:7.0f} MiB  ingest {sec:6.1f} s  "
          f"{time.process_time():6.1f} CPU s  peak RSS {peak:7.0f} MiB "
          f"(before ingest {base:.0f} MiB; peak/file {peak / size:.2f})  "
          f"rows kept {w.manifest['rows_kept']:,}", flush=True)


if __name__ == "__main__":  # manual run: python benchmarks/bench_ingest.py [--rows N ...]
    import argparse
    import subprocess

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="*", default=None,
                    help="measure peak memory at these sizes (each in a fresh process)")
    ap.add_argument("--parquet-rows", type=int, nargs="*", default=None,
                    help="as --rows, for a Parquet export (read by record batches)")
    ap.add_argument("--one-parquet", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--check-rows", type=int, nargs="*", default=None,
                    help="time the engine checks over stored-form Parquet of these sizes")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--one-check", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        _peak(a.one)
    elif a.one_check:
        _check_peak(a.one_check)
    elif a.one_parquet:
        _peak(a.one_parquet, parquet=True)
    elif a.parquet_rows:
        for n in a.parquet_rows:
            _write_parquet(_raw_parquet(n), n, raw=True)
            subprocess.run([sys.executable, __file__, "--one-parquet", str(n)], check=True)
    elif a.check_rows:
        for n in a.check_rows:
            _write_parquet(DATA / f"stored_{n // 1_000_000}m.parquet", n, raw=False)
            subprocess.run([sys.executable, __file__, "--one-check", str(n)], check=True)
    elif a.rows:
        for n in a.rows:
            _generate(n, _csv(n))   # here: the measuring process only ingests
            subprocess.run([sys.executable, __file__, "--one", str(n)], check=True)
    else:
        for name, fn in CASES.items():
            for row in fn():
                print(name, row)
