"""Design-based regression and key-driver analysis (issue 15, §3).

* ``regress``: gaussian, 10 numeric predictors, 1,000,000 rows, 20 strata, unequal weights:
  ``cx.regress(Design(d, weights="w", strata="h"), "y", preds)`` (design construction
  included) against ``svyglm(y ~ ..., svydesign(ids=~1, strata=~h, weights=~w, data=d))``
  (svydesign() not counted; R reads a CSV written by this case) and against statsmodels
  ``WLS(...).fit()`` (point estimates and model SEs only, no design). Target: ≤ 0.1× svyglm.
  The case checks that the coefficients and SEs agree with R. Measured for issue 25 (2 shared
  cores; cxresearch / svyglm seconds in the same run; before = 04934d1, after = the in-memory
  route of issue 25, every number identical): before 0.505 / 3.76 (0.13×, quiet machine),
  0.432 / 4.09 and 1.34 / 3.93 (0.11×, 0.34×, load 2), 1.39 / 4.09 and 1.02 / 3.91 (0.34×,
  0.26×, load 3-4); after 0.346 / 3.96 and 0.336 / 3.96 (0.087×, 0.085×, load 2; peak 982 MB
  against 1236 MB before), 0.361 / 4.34, 0.369 / 4.14, 0.371 / 3.99 (0.083-0.093×,
  load 3-4), 0.481 / 5.95 (0.081×) and 0.759 / 4.07 (0.19×) at load 4-5.
* ``shapley``: exact Shapley/LMG for 12 drivers on 100,000 rows (no bootstrap). Target < 2 s.
* ``johnson bootstrap``: 500 Rao-Wu bootstrap replicates of Johnson's weights, 10 drivers,
  10,000 rows. Target < 30 s.

Python timings are medians of 3 runs after a warm-up call on 1,000 rows (imports not timed,
as R's ``library()`` is not); R is run once. Run alone with
``python benchmarks/run.py --only regression``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from _timing import median_time

SEED = 20261130
PREDS = [f"x{i}" for i in range(10)]

R_SCRIPT = r"""
suppressMessages({library(survey)})
args <- commandArgs(trailingOnly = TRUE)
d <- if (requireNamespace("data.table", quietly = TRUE)) {
  as.data.frame(data.table::fread(args[1]))
} else read.csv(args[1])
des <- svydesign(ids = ~1, strata = ~h, weights = ~w, data = d)
f <- reformulate(paste0("x", 0:9), "y")
t_fit <- system.time(m <- svyglm(f, des))[["elapsed"]]
cat(jsonlite::toJSON(list(fit = t_fit, coef = unname(coef(m)), se = unname(SE(m))),
                     auto_unbox = TRUE, digits = NA), "\n")
"""


def _reg_data(n=1_000_000):
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(n, 10))
    X[:, 1] += 0.5 * X[:, 0]
    d = pd.DataFrame(X, columns=PREDS)
    d["h"] = rng.integers(0, 20, n)
    d["w"] = rng.uniform(1, 5, n) * (1 + d["h"] / 10)
    d["y"] = X @ np.linspace(-1, 1, 10) + 0.1 * d["h"] + rng.normal(size=n) * (1 + 0.2 * X[:, 2]
                                                                             ** 2)
    return d


def _regress() -> list[dict]:
    import statsmodels.api as sm

    import cxresearch as cx

    d = _reg_data()
    bench = "regress gaussian, 10 predictors, 1M rows, 20 strata, weights"
    # warm-up on 1,000 rows: imports (statsmodels, formulaic) are not timed, as R's library()
    cx.regress(cx.Design(d.head(1000), weights="w", strata="h"), "y", PREDS)
    t_cx, fit = median_time(lambda: cx.regress(cx.Design(d, weights="w", strata="h"), "y",
                                               PREDS), reps=5)
    Xc = sm.add_constant(d[PREDS].to_numpy())
    t_sm, res = median_time(lambda: sm.WLS(d["y"].to_numpy(), Xc, weights=d["w"].to_numpy())
                            .fit())
    rows = [
        {"benchmark": bench, "implementation": "cxresearch", "seconds": t_cx,
         "note": "Design + formula + WLS + linearized sandwich (strata); median of 5"},
        {"benchmark": bench, "implementation": "statsmodels WLS", "seconds": t_sm,
         "note": "point estimates + model SEs only (no design variance); median of 3"},
    ]
    rscript = shutil.which("Rscript")
    if rscript is None:
        rows.append({"benchmark": bench, "implementation": "R survey::svyglm", "seconds": None,
                     "note": "Rscript not found: R not measured"})
        return rows
    with tempfile.TemporaryDirectory(prefix="bench-reg-") as tmp:
        csv, rs = Path(tmp) / "d.csv", Path(tmp) / "bench.R"
        d.to_csv(csv, index=False)
        rs.write_text(R_SCRIPT)
        proc = subprocess.run([rscript, str(rs), str(csv)], capture_output=True, text=True,
                              env=dict(os.environ, LANG="C"))
    try:
        res_r = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        msg = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        rows.append({"benchmark": bench, "implementation": "R survey::svyglm", "seconds": None,
                     "note": "R failed: " + " | ".join(msg)})
        return rows
    r_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    c = fit.coefficients
    agree = (np.allclose(c["estimate"], res_r["coef"], rtol=1e-8, atol=1e-10)
             and np.allclose(c["se"], res_r["se"], rtol=1e-6))
    rows.append({"benchmark": bench, "implementation": "R survey::svyglm",
                 "seconds": res_r["fit"],
                 "note": f"svydesign() not counted; R peak {r_peak:.0f} MB; coefficients and SEs "
                         f"{'agree' if agree else 'DISAGREE'} with cxresearch"})
    return rows


def _kd_data(n, p, seed):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(n, 1))
    X = 0.5 * base + rng.normal(size=(n, p))
    d = pd.DataFrame(X, columns=[f"d{i}" for i in range(p)])
    d["y"] = X @ rng.uniform(0, 1, p) + rng.normal(size=n) * 2
    return d


def _shapley() -> list[dict]:
    import cxresearch as cx

    d = _kd_data(100_000, 12, SEED)
    drv = [f"d{i}" for i in range(12)]
    t, kd = median_time(lambda: cx.key_drivers(d, "y", drv, method="shapley", B=0))
    return [{"benchmark": "exact Shapley/LMG, 12 drivers, 100k rows", "implementation":
             "cxresearch", "seconds": t,
             "note": f"4,095 subset R² from the weighted correlation matrix; sum = R² = "
                     f"{kd.r2:.4f}; target < 2 s; median of 3"}]


def _johnson_boot() -> list[dict]:
    import cxresearch as cx

    d = _kd_data(10_000, 10, SEED + 1)
    drv = [f"d{i}" for i in range(10)]
    t, kd = median_time(lambda: cx.key_drivers(d, "y", drv, method="johnson", B=500, seed=1))
    w = kd.table["ci_high"] - kd.table["ci_low"]
    return [{"benchmark": "Johnson weights, 500 bootstrap replicates, 10 drivers, 10k rows",
             "implementation": "cxresearch", "seconds": t,
             "note": f"Rao-Wu rescaling bootstrap; mean CI width {w.mean():.4f}; "
                     "target < 30 s; median of 3"}]


CASES = {"regression_svyglm_1m": _regress, "drivers_shapley_12x100k": _shapley,
         "drivers_johnson_boot_10k": _johnson_boot}
