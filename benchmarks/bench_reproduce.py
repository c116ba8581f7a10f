"""Wall time of ``make reproduce`` after set-up (the venv exists): every notebook, default
parameters, ``--jobs`` = number of cores. Target: under 60 s on the 2-core reference machine.

The run goes to a temporary folder (not ``reports/``); the phases are reported separately:
example ingestion + reconstructions (before the first notebook starts) and the notebooks.
Run alone with ``python benchmarks/run.py --only reproduce``.
"""

from __future__ import annotations

import io
import os
import tempfile
import time


def _reproduce() -> list[dict]:
    from cxresearch.pipeline.run import reproduce

    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-reproduce-") as tmp:
        t0 = time.perf_counter()
        report = reproduce(out=tmp, jobs=jobs, progress=False, stream=io.StringIO())
        total = time.perf_counter() - t0
    ok = sum(r.ok for r in report.notebooks)
    slowest = max(report.notebooks, key=lambda r: r.seconds, default=None)
    nb_wall = max((r.seconds for r in report.notebooks), default=0.0)
    status = "" if report.ok else f"; FAILED: {', '.join(r.name for r in report.failed)}"
    rows = [{
        "benchmark": "make reproduce (all notebooks, after set-up)",
        "implementation": "cxresearch",
        "seconds": total,
        "note": f"{ok}/{len(report.notebooks)} notebooks ok, {jobs} jobs, target < 60 s"
                f"{status}",
    }]
    if slowest is not None:
        rows.append({
            "benchmark": "make reproduce: slowest notebook",
            "implementation": slowest.name,
            "seconds": nb_wall,
            "note": "its own wall time, kernel start included",
        })
    return rows


CASES = {"reproduce": _reproduce}
