"""The wave report template on a Parquet folder whose rows stay in DuckDB (issue 25, "Done
when": a user points the report at a folder of Parquet files larger than memory).

The feedback file of ``bench_engine.py`` (50 strata, 20,000 PSUs, weights, NPS 0–10 answered
by 30 %, CSAT 1–5 by 20 %, channel × first-contact resolution; synthetic, generated once per
size under ``$CX_BENCH_DIR``, never committed), described by a small codebook written here
(``feedback``: weight, strata, PSU, the two ratings, the NPS question, two segments). A fresh
project (``cxresearch init``) gets the codebook; the case then runs, as a user would::

    cxresearch reproduce --study feedback --param source=<folder> --no-examples

which executes template 10 (every item with its interval, the NPS, the segments with their
design-based Wald F tests) on the folder: each estimate is one GROUP BY in DuckDB, nothing
but aggregates enters Python. Wall seconds are those of the command; the peak memory is the
largest resident set of the command and its children (the notebook kernel), from
``getrusage(RUSAGE_CHILDREN)``. For scale: pandas needs about 15 GB for the 50M-row file's
seven columns alone (``bench_engine.py``), and 200M rows (2.3 GB of Parquet) do not fit in
this machine's 24 GB.

Sizes: ``CX_BENCH_REPORT_SIZES`` (default ``8000000,50000000``; add 200000000).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_engine import generate

SIZES = [int(s) for s in os.environ.get("CX_BENCH_REPORT_SIZES",
                                        "8000000,50000000").split(",") if s]

CODEBOOK = """\
format_version: 1
study: feedback
meta:
  title: Customer feedback (synthetic benchmark file)
  publisher: cxresearch benchmarks (made-up data)
  fieldwork_year: 2026
  population: Synthetic contacts of a made-up contact centre (benchmarks/bench_engine.py).
  source: [benchmarks/bench_engine.py]
  languages: [en]
  analysis:
    segments: [channel, fcr]
items:
  - id: stratum
    type: strata
    wording: {en: Sampling stratum}
  - id: psu
    type: psu
    wording: {en: Sampled agent team (PSU)}
  - id: w
    type: weight
    wording: {en: Sampling weight}
  - id: nps
    type: nps_0_10
    short: Likelihood to recommend
    wording: {en: "How likely are you to recommend us to a friend or colleague?"}
  - id: csat
    type: rating
    short: Satisfaction with the contact
    scale_min: 1
    scale_max: 5
    wording: {en: "How satisfied are you with this contact? (1 = very dissatisfied, 5 = very satisfied)"}
  - id: channel
    type: single
    short: Channel
    wording: {en: Channel of the contact}
    levels:
      - {code: 1, value: web, labels: {en: Web}}
      - {code: 2, value: phone, labels: {en: Phone}}
      - {code: 3, value: chat, labels: {en: Chat}}
      - {code: 4, value: email, labels: {en: E-mail}}
  - id: fcr
    type: single
    short: Resolved at first contact
    wording: {en: "Was your issue resolved at the first contact?"}
    levels:
      - {code: 1, value: "yes", labels: {en: "Yes"}}
      - {code: 0, value: "no", labels: {en: "No"}}
"""


def _cli(args, cwd):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, "-m", "cxresearch.pipeline.cli", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=3600)


def _case(n: int):
    def case() -> list[dict]:
        folder = generate(n)
        with tempfile.TemporaryDirectory() as tmp:
            proj = Path(tmp) / "proj"
            out = _cli(["init", str(proj)], cwd=tmp)
            assert out.returncode == 0, out.stdout + out.stderr
            (proj / "codebooks" / "feedback.yaml").write_text(CODEBOOK, encoding="utf-8")
            t0 = time.perf_counter()
            out = _cli(["reproduce", "--study", "feedback", "--param", f"source={folder}",
                        "--no-examples", "--no-progress", "--jobs", "1",
                        "--allow-outside"], cwd=proj)
            wall = time.perf_counter() - t0
            assert out.returncode == 0, out.stdout + out.stderr
            ran = [ln for ln in out.stdout.splitlines() if "10_wave_report" in ln]
            assert ran and "ok" in ran[0], out.stdout
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        return [{"benchmark": f"wave report template, {n // 1_000_000}M rows in Parquet",
                 "implementation": "cxresearch (DuckDB)", "seconds": wall,
                 "note": f"cxresearch reproduce --param source=<folder>; peak RSS of the "
                         f"command and kernel {peak:.0f} MB; {ran[0].strip()}"}]
    return case


CASES = {f"wavereport_engine_{n // 1_000_000}M": _case(n) for n in SIZES}
