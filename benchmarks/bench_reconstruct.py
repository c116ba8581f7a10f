"""Reconstruction speed: one Mitto reconstruction (n = 600) and an ensemble of 200 with a
crosstab test and an ordinal model on each.

Targets (issue 6): one reconstruction under 10 s; the ensemble under 2 minutes on this machine.
The ensemble uses ``cx.crosstab_test`` (maturity × revenue growth: Pearson, gamma, ...) and
``cx.ordinal_logit`` (revenue growth on maturity stages, without the Brant test) from the
relationships module, on every replicate, with one worker process per core.
"""

from __future__ import annotations

import os
import resource
import time
import warnings

import pandas as pd


def _analysis(w):
    import cxresearch as cx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ct = cx.crosstab_test(w.data, "omnichannel_maturity", "revenue_growth")
        ol = cx.ordinal_logit(w.data, "revenue_growth", ["omnichannel_maturity"],
                              po_test=False)
    tests = ct.tests[["test", "statistic", "p_value"]].rename(
        columns={"test": "term", "statistic": "estimate"})
    coef = ol.table[["term", "estimate"]]
    return pd.concat([tests, coef], ignore_index=True)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the ensemble's workers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def one_mitto() -> list[dict]:
    t0 = time.perf_counter()
    import cxresearch as cx
    from cxresearch.reconstruction.api import ReconstructionConflictWarning

    with warnings.catch_warnings():
        # n = 600 misses "600+" (more than 600) on purpose: the benchmark size of the issue
        warnings.simplefilter("ignore", ReconstructionConflictWarning)
        w = cx.reconstruct("mitto_cx", seed=0, n=600)
        cold = time.perf_counter() - t0
        t1 = time.perf_counter()
        w = cx.reconstruct("mitto_cx", seed=1, n=600)
        warm = time.perf_counter() - t1
    fit = w.manifest["fit"]
    note = (f"n=600; {fit['n_met']}/{fit['n_reconstructable']} reconstructable figures met "
            f"(the unmet one is 'more than 600 respondents'); target < 10 s")
    return [
        {"benchmark": "reconstruct mitto_cx n=600 (first call, imports included)",
         "implementation": "cxresearch", "seconds": cold, "note": note},
        {"benchmark": "reconstruct mitto_cx n=600 (warm)", "implementation": "cxresearch",
         "seconds": warm, "note": note},
    ]


def ensemble_200() -> list[dict]:
    import cxresearch as cx

    jobs = os.cpu_count() or 1
    cx.reconstruct_many("mitto_cx", 1, _analysis, seed=0)  # warm the caches
    cpu0 = _cpu()
    t0 = time.perf_counter()
    res, summary = cx.reconstruct_many("mitto_cx", 200, _analysis, seed=0, n_jobs=jobs)
    sec = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    load = os.getloadavg()[0]
    met = res.groupby("replicate")["fit_met"].first().mean()
    g = summary.set_index("term").loc["gamma"]
    note = (f"{jobs} worker(s); CPU {cpu:.0f} s in all ({cpu / 200:.2f} s per replicate, so about "
            f"{cpu / jobs:.0f} s of wall time on an otherwise idle machine; load average "
            f"{load:.1f} during this run); crosstab_test + ordinal_logit per replicate; all "
            f"figures met in {met:.0%} of replicates; gamma {g['estimate_q025']:.2f}-"
            f"{g['estimate_q975']:.2f}; target < 120 s")
    return [{"benchmark": "reconstruct_many mitto_cx k=200 + crosstab + ordinal logit",
             "implementation": "cxresearch", "seconds": sec, "note": note}]


CASES = {"one_mitto": one_mitto, "ensemble_200": ensemble_200}

if __name__ == "__main__":  # pragma: no cover
    for name, case in CASES.items():
        for row in case():
            print(f"{name}: {row['seconds']:.2f} s  {row['benchmark']}  ({row['note']})")
