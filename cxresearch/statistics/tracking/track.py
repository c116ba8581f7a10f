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
design (checked in ``tests/statistics/test_tracking.py`` against ``tests/reference/tracking.R``).

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

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.results import add_notes, records_warnings
from cxresearch.statistics.design.weighting import rake
from cxresearch.statistics.estimates.domains import design_label
from cxresearch.statistics.relationships.multiplicity import adjust_pvalues
from cxresearch.statistics.tracking.engine import (
    engine_index_group,
    engine_parts,
    is_engine_input,
    refuse_adjust,
)
from cxresearch.statistics.tracking.inputs import (
    MEASURES,
    Part,
    check_measure_args,
    pooled_margins,
    resolve_parts,
    series_values,
    time_values,
)
from cxresearch.statistics.tracking.result import TrackResult
from cxresearch.statistics.tracking.series import _interaction_rows, _series_rows
from cxresearch.statistics.tracking.stats import _wave_stats

__all__ = ["COLUMNS", "track"]

COLUMNS = ["item", "measure", "weighting", "term", "comparison", "wave", "from_wave", "time",
           "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff", "statistic", "df",
           "ddf", "p_value", "p_adjusted", "method", "note"]
_COMPARE = ("previous", "base")


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
    if is_engine_input(waves_or_design):
        # rows in DuckDB/Spark: one GROUP BY per item (inside _track); no codebook indices
        refuse_adjust(adjust)
        src, info = (waves_or_design, wave, by, lonely_psu), {"study": None, "synthetic": False}
        measure = "mean" if measure is None else measure
    else:
        src, info = resolve_parts(waves_or_design, wave, columns=wanted, lonely_psu=lonely_psu)
        if measure is None:  # a codebook index named as the item is scored as an index
            measure = "index" if _is_index(src, item) else "mean"
    # the products here are tall and thin (n x a few columns): BLAS threads only add
    # overhead, and on a loaded machine they make them many times slower
    with threadpool_limits(limits=1, user_api="blas"):
        return _track(src, info, item, measure, level, top_box, item_range, promoters,
                      detractors,
                      by, adjust, base, compare, time, trend, p_adjust, conf_level)


def _groups(src, items: list, measure: str, opts: dict) -> list:
    """``[(parts, values, specs)]``: one group holding every series for in-memory waves; for
    an engine input one group per item, each from one ``GROUP BY`` (crossing the items in
    one aggregate would multiply its cells)."""
    if isinstance(src, list):
        values, specs = series_values(src, items, measure, **opts)
        return [(src, values, specs)]
    obj, wave, by, lonely_psu = src
    check_measure_args(measure, opts["level"], opts["top_box"], opts["promoters"],
                       opts["detractors"])
    if measure == "index":
        return [engine_index_group(obj, wave, items[0], opts["scale"], by, lonely_psu)]
    out = []
    for it in items:
        parts, _ = engine_parts(obj, wave, [it, by], lonely_psu)
        values, specs = series_values(parts, [it], measure, **opts)
        out.append((parts, values, specs))
    return out


def _track(src, info, item, measure, level, top_box, scale, promoters, detractors, by,
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
    if measure == "index":
        items = [item]
    else:
        items = [item] if isinstance(item, str) else (
            list(item) if isinstance(item, list | tuple) else None)
        if not items or not all(isinstance(i, str) for i in items):
            raise TypeError(f"item must be a column name or a list of names, got {item!r}")
    # respondent values of every series in every wave (None: not asked), by group of waves
    groups = _groups(src, items, measure, {"level": level, "top_box": top_box, "scale": scale,
                                           "promoters": promoters, "detractors": detractors})
    parts = groups[0][0]
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
    specs = [s for grp in groups for s in grp[2]]
    seg_levels, seg_masks = [None], [[[None] for _ in grp[0]] for grp in groups]
    if by is not None:
        segs = [_segments(grp[0], by) for grp in groups]
        seg_levels, seg_masks = segs[0][0], [m for _, m in segs]
    weightings = [("unadjusted", [[p.design for p in grp[0]] for grp in groups])]
    adj_note = None
    if adjust is not None:  # in-memory waves only: one group
        margins, adj_note = pooled_margins(parts, adjust)
        weightings.append(("adjusted", [[rake(p.design, margins) for p in parts]]))
    rows = []
    for wname, designs in weightings:
        per_wave: list = [[] for _ in range(G)]
        for k, (_, values, gspecs) in enumerate(groups):
            for g in range(G):
                per_wave[g] += _wave_stats(designs[k][g], [values[j][g] for j in
                                                           range(len(gspecs))], seg_masks[k][g])
        dlabels = [design_label(d) for d in designs[0]]
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
