"""Drafting memory does not grow with rows (issue 24, item 6; the round-2 figures were 283 MB at
250k rows and 566 MB at 2M, i.e. about 160 bytes a row).

Each draft runs in a fresh interpreter and reports its peak resident set (``VmHWM``); the
same columns at 100k and 800k rows (a file 8x longer) must peak within 30 MB of each other —
at 160 bytes a row the old growth would have been about 110 MB. Slow (two files of 2 and 16 MB,
two interpreters).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

# VmHWM of the child's own address space: ``ru_maxrss`` would not do, Linux carries the
# parent's peak across fork and exec into it
PROBE = """
import sys
from cxresearch.codebooks.draft import draft
d = draft(sys.argv[1], "m", chunk_bytes=1 << 20)
assert "q1" in d.yaml
with open("/proc/self/status") as fh:
    print([ln.split()[1] for ln in fh if ln.startswith("VmHWM:")][0])
"""


def _file(tmp_path, rows: int) -> Path:
    rng = np.random.default_rng(rows)
    df = pd.DataFrame({"rid": np.arange(rows), "q1": rng.integers(1, 6, rows),
                       "q2": rng.integers(0, 11, rows), "seg": rng.integers(1, 4, rows),
                       "comment": np.where(rng.random(rows) < 0.1, "fine thanks", "")})
    path = tmp_path / f"m{rows}.csv"
    df.to_csv(path, index=False)
    return path


def _peak_mb(path: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True,
                         text=True, env=env, timeout=600, check=True)
    return int(out.stdout.split()[-1]) / 1024  # VmHWM is in KiB


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status")
def test_draft_peak_memory_is_independent_of_rows(tmp_path):
    small, large = _peak_mb(_file(tmp_path, 100_000)), _peak_mb(_file(tmp_path, 800_000))
    print(f"draft peak RSS: {small:.0f} MB at 100k rows, {large:.0f} MB at 800k rows")
    assert large - small < 30, (small, large)
