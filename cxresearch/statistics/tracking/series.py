"""Rows of one tracked series of :func:`cxresearch.track`: per-wave estimates, changes, trend,
any-difference test, and the segment × wave interaction tests (``by=``).

Private helpers of :mod:`cxresearch.statistics.tracking.track`; they work on the per-wave
statistics of :mod:`cxresearch.statistics.tracking.stats` only.
"""

from __future__ import annotations

import warnings

import numpy as np

from cxresearch.errors import SingleRespondentWarning
from cxresearch.statistics.tracking.inputs import Part
from cxresearch.statistics.tracking.stats import (
    _fit_trend,
    _mean_row,
    _p_t,
    _tq,
    _wald,
    at_shift,
)

__all__: list[str] = []


# ------------------------------------------------------------------ one series
def _series_rows(st: list, parts: list[Part], times, opts: dict, lead: dict) -> list[dict]:
    """Rows of one (item, measure, weighting, segment) series from per-wave stats ``st``
    (a dict per wave, or None where the item is missing)."""
    conf, measure = opts["conf_level"], opts["measure"]
    G = len(parts)
    rows = []
    ests = [None if s is None else _mean_row(s, parts[g].srs, measure, conf)
            for g, s in enumerate(st)]
    present = [g for g in range(G) if ests[g] is not None]
    dfs = {g: st[g]["df"] if st[g] is not None else 0 for g in range(G)}
    degf = float(sum(dfs[g] for g in present))
    base_note = opts.get("unit_note", "")
    for g, p in enumerate(parts):
        e = ests[g]
        row = {**lead, "term": "wave", "wave": p.label, "time": times[g]}
        if e is None:
            why = opts["missing"].get(p.label, "no valid answers")
            row.update({"n": 0, "note": f"gap: {why} in wave {p.label!r} (not a zero)"})
        else:
            row.update({k: e[k] for k in ("estimate", "se", "ci_low", "ci_high", "n", "n_eff",
                                          "deff")})
            row["method"] = f"{opts['what']}; linearized SE ({opts['labels'][g]}); {e['how']}"
            if e["n"] == 1:
                where = "" if len(lead) <= 3 else " (" + ", ".join(
                    f"{k}={v!r}" for k, v in list(lead.items())[3:]) + ")"
                msg = (f"only one respondent with a valid {lead['item']!r} in wave "
                       f"{p.label!r}{where}: its standard error, and the changes, trend and "
                       "test that use it, are undefined (NaN)")
                warnings.warn(msg, SingleRespondentWarning, stacklevel=4)
                row["note"] = msg
        rows.append(row)
    # changes (independent waves: variances add)
    pairs = []
    bpos = opts["base_pos"]
    for g in range(G):
        if "previous" in opts["compare"] and g > 0:
            pairs.append(("previous", g - 1, g))
        if "base" in opts["compare"] and g != bpos:
            pairs.append(("base", bpos, g))  # wave g minus the base wave
    seen = set()
    q = _tq(conf, degf)
    for kind, a, b in pairs:
        if (kind, a, b) in seen:
            continue
        seen.add((kind, a, b))
        row = {**lead, "term": "change", "comparison": kind, "wave": parts[b].label,
               "from_wave": parts[a].label, "time": times[b]}
        ea, eb = ests[a], ests[b]
        if ea is None or eb is None:
            gap = parts[a].label if ea is None else parts[b].label
            row["note"] = f"not computed: wave {gap!r} has no estimate (gap)"
        else:
            d = eb["estimate"] - ea["estimate"]
            se = float(np.sqrt(ea["var"] + eb["var"]))
            t = d / se if se > 0 else np.nan
            row.update({"estimate": d, "se": se, "ci_low": d - q * se, "ci_high": d + q * se,
                        "n": ea["n"] + eb["n"], "statistic": t, "df": degf,
                        "p_value": _p_t(t, degf),
                        "method": f"difference of {opts['what_short']} of independent waves; "
                                  f"t test, df={int(degf)} (design df of the stacked waves)"})
        rows.append(row)
    if len(present) < 2:
        return rows
    # trend: svyglm(y ~ time) on the stacked waves
    tp = np.array([times[g] for g in present], dtype=float)
    tp = tp - tp.mean()  # centred: same slope, better conditioned (years ~ 2000)
    W = np.array([st[g]["W"] for g in present])
    m = np.array([ests[g]["estimate"] for g in present])
    link = opts["trend"]
    notes = []
    if len(present) < G:
        notes.append("waves with a gap left out: "
                     + ", ".join(repr(parts[g].label) for g in range(G) if g not in present))
    if len(present) >= 2 and np.ptp(tp) > 0:
        beta, bread, fit = _fit_trend(tp, W, m, link)
        var = 0.0
        for k, g in enumerate(present):
            c = bread[1] @ np.array([1.0, tp[k]])  # d slope / d (total of x·resid) row
            L = at_shift(c * np.array([1.0, -fit[k]]), st[g])
            var += float(L @ st[g]["U"] @ L) if np.isfinite(ests[g]["var"]) else np.nan
        se = np.sqrt(max(var, 0.0)) if np.isfinite(var) else np.nan
        dft = degf - 1
        t = beta[1] / se if se > 0 else np.nan
        qt = _tq(conf, dft)
        scale = "log odds" if link == "logit" else opts["units"]
        rows.append({**lead, "term": "trend", "estimate": beta[1], "se": se,
                     "ci_low": beta[1] - qt * se, "ci_high": beta[1] + qt * se,
                     "n": int(sum(ests[g]["n"] for g in present)), "statistic": t,
                     "df": dft, "p_value": _p_t(t, dft),
                     "method": f"linear trend: slope of svyglm(y ~ {opts['time_name']}"
                               f"{', quasibinomial' if link == 'logit' else ''}) on the stacked "
                               f"waves, {scale} per {opts['time_unit']}; t, df={int(dft)}",
                     "note": "; ".join(notes + ([base_note] if base_note else [])) or None})
    # any difference among waves: Wald F on the G-1 differences from the first present wave
    k = len(present)
    d = m[1:] - m[0]
    v = np.array([ests[g]["var"] for g in present])
    C = np.full((k - 1, k - 1), v[0]) + np.diag(v[1:])
    rows.append({**lead, "term": "any_difference", **_wald(d, C, k - 1, degf + 1 - k),
                 "n": int(sum(ests[g]["n"] for g in present)),
                 "method": f"Wald F that all {k} waves are equal (regTermTest of "
                           f"svyglm(y ~ factor(wave))), df=({k - 1}, {int(degf + 1 - k)})",
                 "note": "; ".join(notes) or None})
    return rows



def _interaction_rows(stats_by_wave: list, parts, times, opts: dict, lead: dict,
                      nseg: int) -> list[dict]:
    """Segment × wave interaction (all cell contrasts) and difference of segment trends."""
    present = [g for g, s in enumerate(stats_by_wave)
               if s is not None and all(e["n"] > 0 and e["W"] > 0 for e in s)]
    if len(present) < 2 or nseg < 2:
        return []
    degf = float(sum(parts[g].design_df for g in present))
    G = len(present)
    # cell means m[g, s] and, per wave, their covariance from the block of [y ok, ok] columns
    M = np.empty((G, nseg))
    covs = []
    for i, g in enumerate(present):
        ent = stats_by_wave[g]
        Lm = np.zeros((2 * nseg, nseg))
        for s, e in enumerate(ent):
            M[i, s] = e["S1"] / e["W"]
            Lm[2 * s:2 * s + 2, s] = at_shift(np.array([1.0, -M[i, s]]) / e["W"], e)
        covs.append(Lm.T @ ent[0]["Ublock"] @ Lm)
    # contrasts (m[g,s] - m[g,0]) - (m[0,s] - m[0,0]) for g >= 1, s >= 1
    ncon = (G - 1) * (nseg - 1)
    K = np.zeros((ncon, G * nseg))
    r = 0
    for i in range(1, G):
        for s in range(1, nseg):
            K[r, i * nseg + s] += 1
            K[r, i * nseg] -= 1
            K[r, s] -= 1
            K[r, 0] += 1
            r += 1
    V = np.zeros((G * nseg, G * nseg))
    for i, c in enumerate(covs):
        V[i * nseg:(i + 1) * nseg, i * nseg:(i + 1) * nseg] = c
    d = K @ M.ravel()
    ddf = degf + 1 - G * nseg
    out = [{**lead, "term": "interaction", **_wald(d, K @ V @ K.T, ncon, ddf),
            "method": f"Wald F of the segment x wave interaction (regTermTest of "
                      f"svyglm(y ~ factor(wave) * segment)), df=({ncon}, {int(ddf)})"}]
    # difference of the segments' linear trends (identity link)
    tp = np.array([times[g] for g in present], dtype=float)
    tp = tp - tp.mean()
    if np.ptp(tp) > 0:
        slopes, Ls = [], []
        for s in range(nseg):
            W = np.array([stats_by_wave[g][s]["W"] for g in present])
            beta, bread, fit = _fit_trend(tp, W, M[:, s], "identity")
            slopes.append(beta[1])
            Ls.append([bread[1] @ np.array([1.0, tp[i]]) * np.array([1.0, -fit[i]])
                       for i in range(G)])
        Vs = np.zeros((nseg, nseg))
        for i, g in enumerate(present):
            blk = stats_by_wave[g][0]["Ublock"]
            Lg = np.zeros((2 * nseg, nseg))
            for s in range(nseg):
                Lg[2 * s:2 * s + 2, s] = at_shift(Ls[s][i], stats_by_wave[g][s])
            Vs += Lg.T @ blk @ Lg
        Kt = np.zeros((nseg - 1, nseg))
        Kt[:, 0] = -1
        Kt[np.arange(nseg - 1), np.arange(1, nseg)] = 1
        ddf2 = degf + 1 - 2 * nseg
        out.append({**lead, "term": "trend_interaction",
                    **_wald(Kt @ np.array(slopes), Kt @ Vs @ Kt.T, nseg - 1, ddf2),
                    "method": f"Wald F that the segments' linear trends are equal "
                              f"(svyglm(y ~ {opts['time_name']} * segment)), "
                              f"df=({nseg - 1}, {int(ddf2)})"})
    return out
