"""Tracking across waves: per-wave estimates, changes, trend, any-difference and interaction tests.

:func:`track` stacks the waves of one study as independent samples — the wave is a stratum,
each wave's own strata and PSUs are nested inside it — and estimates one measure per wave
(mean, proportion of a level or top box, NPS with the item's cut-offs, or a POMP index), the
change against the previous and against a base wave, a linear trend over the wave index (or
real times) as the slope of ``svyglm(y ~ time)`` (identity or logit link), a Wald F test that
all waves are equal, and with ``by=`` a segment × wave interaction test. ``adjust=`` rakes each
wave to common margins (:func:`cxresearch.rake`, calibration-aware variance) and reports the
adjusted results next to the unadjusted ones.

Why no regression code is needed: the trend regressor is constant within a wave, so the
weighted least-squares (or logistic) fit depends on the data only through each wave's weighted
total of ``y`` and of the validity indicator, and every influence function — of a wave's mean,
of a change, of the slope, of an interaction contrast — is a linear combination, wave by wave,
of the two score columns ``[y·ok, ok]``. One call of ``Design.total_variance`` per wave on those
columns (for every item and segment at once) gives all the variances; the waves being strata of
the stacked design, their contributions add and their covariances are zero. This is exactly
what ``survey`` computes for ``svyby``/``svycontrast``/``svyglm``/``regTermTest`` on the stacked
design (checked in ``tests/test_tracking.py`` against ``tests/reference/tracking.R``).

Degrees of freedom, as R: changes use ``degf`` of the stacked design (PSUs minus strata, summed
over the waves that have the item); the trend uses ``degf − 1`` (the ``svyglm`` residual df);
the Wald F tests use ``degf + 1 − #coefficients`` as ``regTermTest``. Per-wave intervals use
that wave's own design df (domain df within a segment), as :func:`cxresearch.mean` on the wave.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley. Ch. 5 (domains,
``svyby``, ``svycontrast``), 6 (``svyglm``, ``regTermTest``), 7 (calibration).
Korn, E. L., & Graubard, B. I. (1999). *Analysis of Health Surveys*. Wiley. §5.4 (comparing
independent surveys; linear trends over survey years).
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scand. J. Stat.*,
6(2), 65–70.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special
from threadpoolctl import threadpool_limits

from cxresearch.errors import ConvergenceWarning, SingleRespondentWarning
from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.results import add_notes, records_warnings
from cxresearch.statistics.design.weighting import rake
from cxresearch.statistics.estimates.means import (
    design_label,
    design_prop_ci,
    without_replacement,
)
from cxresearch.statistics.relationships.multiplicity import adjust_pvalues
from cxresearch.statistics.tracking.inputs import (
    MEASURES,
    Part,
    pooled_margins,
    resolve_parts,
    series_values,
    time_values,
)
from cxresearch.statistics.tracking.result import TrackResult

__all__ = ["COLUMNS", "track"]

COLUMNS = ["item", "measure", "weighting", "term", "comparison", "wave", "from_wave", "time",
           "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff", "statistic", "df",
           "ddf", "p_value", "p_adjusted", "method", "note"]
_COMPARE = ("previous", "base")


@lru_cache(maxsize=256)
def _tq(conf_level: float, df: float) -> float:
    a = (1 + conf_level) / 2
    if not np.isfinite(df):
        return float(special.ndtri(a))
    return float(special.stdtrit(df, a)) if df > 0 else np.nan


def _p_t(t: float, df: float) -> float:
    if not np.isfinite(t) or not df > 0:
        return np.nan
    return float(2 * (special.ndtr(-abs(t)) if not np.isfinite(df)
                      else special.stdtr(df, -abs(t))))


# ------------------------------------------------------------------ per-wave sufficient stats
def _wave_stats(design, ys: list, seg_masks: list) -> list:
    """For each series (a y array or None) and segment: n, W, Σwy, Σwy², domain df and the 2×2
    covariance of the totals of ``[y·ok, ok]``; one ``total_variance`` call for all of them."""
    w = design.weights
    live = [j for j, y in enumerate(ys) if y is not None]
    where: list = [None] * len(ys)
    if not live:
        return where
    S, K = len(live), len(seg_masks)
    Z = np.empty((design.n, 2 * S * K), order="F")  # columns contiguous: one pass each
    W, S1, S2, N, W2 = (np.empty(S * K) for _ in range(5))
    for a, j in enumerate(live):
        ok = np.isfinite(ys[j])
        for s, m in enumerate(seg_masks):
            c = a * K + s  # columns 2c, 2c + 1: y·ok and ok of series j in segment s
            okm = ok if m is None else ok & m
            y0, o = Z[:, 2 * c], Z[:, 2 * c + 1]
            y0.fill(0.0)
            np.copyto(y0, ys[j], where=okm)
            o[:] = okm
            wy = w * y0
            W[c], S1[c], S2[c], N[c] = w @ o, wy.sum(), wy @ y0, np.count_nonzero(okm)
            W2[c] = (w * w) @ o
    try:
        V = design.total_variance(Z)
    except ValueError as exc:
        # a wave of one PSU under lonely_psu="average" (nothing to average over): its standard
        # errors are undefined, as for any one-respondent wave; the rows say so (NaN, a note)
        if "single PSU" not in str(exc):
            raise
        V = np.full((Z.shape[1], Z.shape[1]), np.nan)
    for a, j in enumerate(live):
        sl = slice(2 * a * K, 2 * (a + 1) * K)
        block = V[sl, sl]
        ent = []
        for s, m in enumerate(seg_masks):
            c = a * K + s
            ent.append({"n": int(N[c]), "W": float(W[c]), "W2": float(W2[c]), "S1": float(S1[c]),
                        "wor": without_replacement(design),
                        "S2": float(S2[c]), "U": block[2 * s:2 * s + 2, 2 * s:2 * s + 2],
                        "df": design.df if m is None else design.domain_df(
                            Z[:, 2 * c + 1] > 0)})
        ent[0]["Ublock"] = block  # segments of one series: needed by the interaction test
        where[j] = ent
    return where


def _mean_row(e, srs: bool, measure: str, conf_level: float):
    """Estimate, variance, n, n_eff, deff and CI of a wave (or segment) mean from its stats."""
    n, W = e["n"], e["W"]
    if n == 0 or W <= 0:
        return None
    m = e["S1"] / W
    L = np.array([1.0, -m]) / W
    var = max(float(L @ e["U"] @ L), 0.0)
    if var <= 1e-24 * max(m * m, 1e-300):
        var = 0.0
    if n == 1:  # one respondent: no variance, whatever a lonely-PSU rule would centre on
        var = np.nan
    se = np.sqrt(var)
    ss = max(e["S2"] - e["S1"] ** 2 / W, 0.0)
    vsrs = ss / W / (n - 1) if n > 1 else np.nan
    if W > n * (1 + 1e-9) and not srs and e.get("wor", True):
        vsrs *= (W - n) / W
    deff = var / vsrs if np.isfinite(vsrs) and vsrs > 0 and np.isfinite(var) else np.nan
    neff = W * W / e["W2"] if e.get("W2", 0) > 0 else np.nan  # Kish, within the domain
    df = e["df"]
    if not np.isfinite(var):
        return {"estimate": m, "se": np.nan, "var": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "n": n, "n_eff": neff, "deff": np.nan,
                "how": "SE undefined: one respondent", "L": L}
    if measure == "proportion":
        lo, hi, how = design_prop_ci("logit", conf_level, srs)(m, se, n, df, deff)
    else:
        q = _tq(conf_level, df)
        lo, hi, how = m - q * se, m + q * se, f"t CI, df={int(df)}"
        if measure == "nps":
            lo, hi = max(lo, -100.0), min(hi, 100.0)
        elif measure == "index":
            lo, hi = max(lo, 0.0), min(hi, 100.0)
    return {"estimate": m, "se": se, "var": var, "ci_low": lo, "ci_high": hi, "n": n,
            "n_eff": neff, "deff": deff, "how": how, "L": L}


# ------------------------------------------------------------------ trend
def _fit_trend(t: np.ndarray, W: np.ndarray, m: np.ndarray, link: str):
    """Coefficients and bread of the fit of y on [1, t] from per-wave totals."""
    X = np.column_stack([np.ones_like(t), t])
    if link == "identity":
        A = (X * W[:, None]).T @ X
        beta = np.linalg.solve(A, X.T @ (W * m))
        return beta, np.linalg.inv(A), X @ beta
    if np.any((m < 0) | (m > 1)):
        raise ValueError("trend='logit' needs a proportion measure (values 0..1)")
    mm = np.clip(np.sum(W * m) / np.sum(W), 1e-6, 1 - 1e-6)
    beta = np.array([special.logit(mm), 0.0])
    for _ in range(100):
        mu = special.expit(X @ beta)
        info = (X * (W * mu * (1 - mu))[:, None]).T @ X
        step = np.linalg.solve(info, X.T @ (W * (m - mu)))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    else:
        warnings.warn("the logit trend did not converge in 100 iterations", ConvergenceWarning,
                      stacklevel=3)
    mu = special.expit(X @ beta)
    info = (X * (W * mu * (1 - mu))[:, None]).T @ X
    return beta, np.linalg.inv(info), mu


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
            L = c * np.array([1.0, -fit[k]])
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


def _wald(d: np.ndarray, C: np.ndarray, df1: int, ddf: float) -> dict:
    if not (np.all(np.isfinite(C)) and np.all(np.isfinite(d))):
        return {"statistic": np.nan, "df": float(df1), "ddf": float(ddf), "p_value": np.nan}
    try:
        chi2 = float(d @ np.linalg.solve(C, d))
    except np.linalg.LinAlgError:
        chi2 = float(d @ np.linalg.pinv(C) @ d)
    F = chi2 / df1
    p = float(special.fdtrc(df1, ddf, F)) if ddf > 0 and np.isfinite(F) else np.nan
    return {"statistic": F, "df": float(df1), "ddf": float(ddf), "p_value": p}


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
            Lm[2 * s:2 * s + 2, s] = np.array([1.0, -M[i, s]]) / e["W"]
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
                Lg[2 * s:2 * s + 2, s] = Ls[s][i]
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


# ------------------------------------------------------------------ public
@records_warnings
@check_params
def track(waves_or_design, item, wave: str = "wave", *, measure: str | None = None, level=None,
          top_box: int | None = None, item_range=None, promoters=None, detractors=None,
          by: str | None = None, adjust=None, base=None, compare=("previous", "base"),
          time=None, trend: str = "identity", p_adjust: str = "holm",
          conf_level: float = 0.95, lonely_psu: str | None = None) -> TrackResult:
    """Track a measure across waves: per-wave estimates, changes, trend and tests.

    Parameters
    ----------
    waves_or_design : list of Wave, dict of {label: Wave, Design or DataFrame}, or one Design,
        DataFrame or Wave with a wave column
        The waves of one study. They are stacked as independent samples: the wave is a
        stratum and each wave's own strata and PSUs are nested in it.
    item : str or list of str
        Item column(s); each is tracked on its own. For ``measure="index"``: a codebook index
        name or a list of items forming one index.
    wave : str
        The wave column (one Design/DataFrame/Wave input only).
    measure : {"mean", "proportion", "nps", "index"}, optional
        Default: ``"index"`` when ``item`` names a codebook index, else ``"mean"``.
        ``proportion``: share of ``level`` (a level or list of levels), of ``top_box`` (the top
        k answers of the scale), or of True for a yes/no (multi-select option) column. ``nps``:
        % promoters − % detractors with the item's cut-offs (codebook, or ``promoters=`` /
        ``detractors=``; classic 9–10 / 0–6 on 0–10). ``index``: mean POMP (0–100) of the
        items, respondents answering all of them.
    item_range : (int, int), optional
        Lowest and highest answer when the codebook does not give them (top box, index, NPS).
    by : str, optional
        Segment column: every result per segment, plus a segment × wave interaction test and a
        test that the segments' trends are equal.
    adjust : list of str or dict, optional
        Composition control: each wave is raked to common margins — the pooled sample's
        weighted shares of these columns (a list), or given ``{column: {level: share}}`` — and
        the adjusted results are returned next to the unadjusted ones (``weighting``).
    base : wave label, optional
        Base wave of the ``"base"`` comparisons (default: the first wave).
    compare : tuple
        Which changes to show: ``"previous"`` and/or ``"base"``.
    time : None, "year", dict or sequence
        Trend regressor: the wave index 1, 2, … (default), the year in the wave labels, or
        values (numbers or dates; dates become decimal years) per wave.
    trend : {"identity", "logit"}
        Link of the trend model (``"logit"``: quasibinomial, for proportions).
    p_adjust : str
        Multiplicity adjustment across the changes shown (within each weighting): ``"holm"``
        (default), ``"BH"``, ``"none"`` or any method of :func:`cxresearch.adjust_pvalues`.
    conf_level : float
    lonely_psu : {"adjust", "certainty", "remove", "average", "fail"}, optional
        What to do with a stratum that has one PSU in a wave (as :class:`cxresearch.Design`
        and R's ``options(survey.lonely.psu=...)``), applied to every wave. Default: each
        Design's own rule (Waves: ``"fail"``). A wave (or segment) with one respondent has no
        variance under any rule: its SE, and the changes, trend and test using it, are NaN
        with a :class:`~cxresearch.errors.SingleRespondentWarning` and a ``note``.

    Returns
    -------
    TrackResult
        A DataFrame with the result protocol (``table``, ``notes``, ``summary()``): tidy rows
        with columns ``item, measure, [by], weighting, term, comparison, wave,
        from_wave, time, estimate, se, ci_low, ci_high, n, n_eff, deff, statistic, df,
        p_value, p_adjusted, method, note``; ``term`` is ``wave`` (one row per wave; a gap has
        no estimate and a note), ``change``, ``trend``, ``any_difference``, ``interaction``,
        ``trend_interaction``. Changes are later minus earlier wave (against the base: the
        wave minus the base wave); ``p_adjusted`` is set on change rows only (one family per
        weighting; a pair of waves shown as both "previous" and "base" counts once).
        ``df`` is the t df (changes, trend) or the numerator df of an F test, ``ddf`` its
        denominator df. ``attrs["tracking"]`` holds the waves, times, notes and whether the
        data are synthetic.

    References
    ----------
    Lumley (2010), ch. 5–7; Korn & Graubard (1999), §5.4; Holm (1979).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"wave": [1, 1, 1, 2, 2, 2, 3, 3, 3],
    ...                   "sat": [3.0, 4, 5, 4, 5, 5, 5, 5, 4]})
    >>> r = track(d, "sat", "wave", compare="previous")
    >>> r.loc[r.term == "wave", "estimate"].round(3).tolist()
    [4.0, 4.667, 4.667]
    >>> r.loc[r.term == "trend", ["estimate", "df"]].round(3).values.tolist()
    [[0.333, 5.0]]
    >>> # In R: des <- svydesign(~1, strata=~wave, data=d)
    >>> #       svyby(~sat, ~wave, des, svymean); svyglm(sat ~ wave, des)
    >>> res = track([w2022, w2023, w2024], "recommend", measure="nps")  # doctest: +SKIP
    >>> # In R: des <- svydesign(~psu, strata=~wave_stratum, weights=~w, data=stacked,
    >>> #                        nest=TRUE)
    >>> #       svyby(~nps_code, ~wave, des, svymean); svyglm(nps_code ~ wave_index, des)
    >>> #       regTermTest(svyglm(nps_code ~ factor(wave), des), ~factor(wave))
    """
    wanted = ([item] if isinstance(item, str) else list(item) if isinstance(
        item, list | tuple) else []) + ([by] if isinstance(by, str) else []) + (
        list(adjust) if isinstance(adjust, list | tuple | dict) else [adjust])
    parts, info = resolve_parts(waves_or_design, wave, columns=wanted, lonely_psu=lonely_psu)
    if measure is None:  # a codebook index named as the item is scored as an index
        measure = "index" if _is_index(parts, item) else "mean"
    # the products here are tall and thin (n x a few columns): BLAS threads only add
    # overhead, and on a loaded machine they make them many times slower
    with threadpool_limits(limits=1, user_api="blas"):
        return _track(parts, info, item, measure, level, top_box, item_range, promoters,
                      detractors,
                      by, adjust, base, compare, time, trend, p_adjust, conf_level)


def _track(parts, info, item, measure, level, top_box, scale, promoters, detractors, by,
           adjust, base, compare, time, trend, p_adjust, conf_level) -> pd.DataFrame:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, got {measure!r}")
    if trend not in ("identity", "logit"):
        raise ValueError(f"trend must be 'identity' or 'logit', got {trend!r}")
    if trend == "logit" and measure != "proportion":
        raise ValueError(f"trend='logit' is for measure='proportion', got measure={measure!r}")
    compare = (compare,) if isinstance(compare, str) else tuple(compare)
    if not compare or any(c not in _COMPARE for c in compare):
        raise ValueError(f"compare must be 'previous', 'base' or both, got {compare!r}")
    G = len(parts)
    labels = [p.label for p in parts]
    if base is None:
        base_pos = 0
    else:
        matches = [g for g, lab in enumerate(labels) if str(lab) == str(base)]
        if not matches:
            raise ValueError(f"base={base!r} is not one of the waves {labels}")
        base_pos = matches[0]
    times, time_name, time_unit = time_values(time, labels)
    if measure == "index":
        items = [item]
    else:
        items = [item] if isinstance(item, str) else (
            list(item) if isinstance(item, list | tuple) else None)
        if not items or not all(isinstance(i, str) for i in items):
            raise TypeError(f"item must be a column name or a list of names, got {item!r}")
    # respondent values of every series in every wave (None: not asked)
    values, specs = series_values(parts, items, measure, level=level, top_box=top_box,
                                  scale=scale, promoters=promoters, detractors=detractors)
    seg_levels, seg_masks = [None], [[None] for _ in parts]
    if by is not None:
        seg_levels, seg_masks = _segments(parts, by)
    weightings = [("unadjusted", [p.design for p in parts])]
    adj_note = None
    if adjust is not None:
        margins, adj_note = pooled_margins(parts, adjust)
        weightings.append(("adjusted", [rake(p.design, margins) for p in parts]))
    rows = []
    for wname, designs in weightings:
        per_wave = [_wave_stats(designs[g], [values[j][g] for j in range(len(specs))],
                                seg_masks[g]) for g in range(G)]
        dlabels = [design_label(d) for d in designs]
        for j, spec in enumerate(specs):
            opts = {"conf_level": conf_level, "measure": measure, "compare": compare,
                    "base_pos": base_pos, "trend": trend, "labels": dlabels,
                    "what": spec["what"], "what_short": spec["short"], "units": spec["units"],
                    "time_name": time_name, "time_unit": time_unit,
                    "missing": spec["missing"],
                    "unit_note": adj_note if wname == "adjusted" else ""}
            lead = {"item": spec["item"], "measure": spec["measure"], "weighting": wname}
            for s, seg in enumerate(seg_levels):
                st = [None if per_wave[g][j] is None else per_wave[g][j][s] for g in range(G)]
                sl = lead if by is None else {**lead, by: seg}
                rows += _series_rows(st, parts, times, opts, sl)
            if by is not None:
                rows += _interaction_rows([per_wave[g][j] for g in range(G)], parts, times,
                                          opts, {**lead, by: None}, len(seg_levels))
    cols = COLUMNS[:2] + ([by] if by is not None else []) + COLUMNS[2:]
    out = pd.DataFrame(rows).reindex(columns=cols)
    for c in ("wave", "from_wave", "comparison") + ((by,) if by is not None else ()):
        out[c] = pd.Series([r.get(c) for r in rows], dtype=object)
    _adjust(out, p_adjust, by)
    for c in ("estimate", "se", "ci_low", "ci_high", "n_eff", "deff", "statistic", "df",
              "ddf", "p_value", "p_adjusted", "time"):
        out[c] = pd.to_numeric(out[c]).astype(float)
    out["n"] = pd.to_numeric(out["n"]).astype("Int64")
    notes = [f"{s['item']}: {v}" for s in specs for v in s["notes"]]
    out.attrs["synthetic"] = bool(info["synthetic"])
    out.attrs["tracking"] = {"waves": labels, "time": list(times), "time_name": time_name,
                             "synthetic": info["synthetic"], "study": info["study"],
                             "notes": notes + ([adj_note] if adj_note else []),
                             "labels": {s["item"]: s["label"] for s in specs},
                             "measure": measure, "by": by, "p_adjust": p_adjust}
    res = TrackResult(out)
    res.attrs = dict(out.attrs)
    add_notes(res.notes, res.attrs["tracking"]["notes"])
    return res


def _is_index(parts: list[Part], item) -> bool:
    if not isinstance(item, str) or any(item in p.data.columns for p in parts):
        return False
    return any(item in (getattr(p.instrument, "indices", None) or {}) for p in parts)


def _segments(parts: list[Part], by: str):
    levels = []
    for p in parts:
        if by not in p.data.columns:
            raise ValueError(f"by={by!r} is not a column of wave {p.label!r}")
        s = p.data[by]
        cats = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else s.dropna()
        for v in pd.unique(np.asarray(cats, dtype=object)):
            if v not in levels:
                levels.append(v)
    try:
        levels = sorted(levels)
    except TypeError:
        pass
    masks = [[(p.data[by] == lv).fillna(False).to_numpy(dtype=bool) for lv in levels]
             for p in parts]
    return levels, masks


def _adjust(out: pd.DataFrame, method: str, by) -> None:
    """Multiplicity across the changes shown, within each weighting; a pair of waves shown as
    both 'previous' and 'base' is one test."""
    out["p_adjusted"] = np.nan
    ch = out["term"] == "change"
    keys = ["item", "measure"] + ([by] if by else []) + ["from_wave", "wave"]
    for _, idx in out[ch].groupby("weighting", sort=False).groups.items():
        sub = out.loc[idx]
        ok = sub["p_value"].notna()
        if not ok.any():
            continue
        rows = sub.loc[ok]
        key = list(zip(*(rows[k].map(str) for k in keys), strict=True))
        lut: dict = {}
        for k, p in zip(key, rows["p_value"].to_numpy(dtype=float), strict=True):
            lut.setdefault(k, p)  # a pair shown as 'previous' and 'base' is one test
        adj = dict(zip(lut, adjust_pvalues(list(lut.values()), method), strict=True))
        out.loc[rows.index, "p_adjusted"] = [adj[k] for k in key]
