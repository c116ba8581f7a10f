"""Two waves of one study compared item by item (the estimator behind ``06_new_wave``).

A thin wrapper over :func:`cxresearch.track` kept for notebooks that still call it: the
per-wave estimates, the differences and their tests come from ``track`` (design-df t intervals
and p-values on the stacked waves); single-choice items keep one omnibus Rao–Scott test each.
New code should call ``cx.track`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxresearch.statistics.design.params import check_params
from cxresearch.statistics.design.results import Result, records_warnings
from cxresearch.statistics.tracking.track import track
from cxresearch.waves.storage import is_wave, wave_year

__all__ = ["WaveComparison", "compare_waves"]

_NUMERIC = ("likert", "rating", "nps_0_10", "numeric")


@dataclass(repr=False)  # repr: Result.__repr__ (the summary)
class WaveComparison(Result):
    """Estimates per wave, their differences, and the tests adjusted as one family.

    The result protocol: ``table`` is ``differences`` (``estimates`` when there is no earlier
    wave), ``notes`` what the estimators warned (small cells...), ``summary()``,
    ``_repr_html_``.
    """

    estimates: pd.DataFrame  # item, level, wave, estimate, se, ci_low, ci_high, n, ...
    differences: pd.DataFrame  # item, level, difference, se, ci_low, ci_high, p_value
    tests: pd.DataFrame  # one test per item, with p_adjusted (TestFamily.table)
    notes: list = field(default_factory=list)

    @property
    def table(self) -> pd.DataFrame:
        return self.differences if len(self.differences) else self.estimates

    def _headline(self) -> str:
        waves = self.estimates["wave"].unique().tolist() if len(self.estimates) else []
        return f"waves compared: {', '.join(map(str, waves))}; {len(self.tests)} item tests"


@records_warnings
@check_params
def compare_waves(old, new, items=None, *, p_adjust: str = "holm",
                  conf_level: float = 0.95) -> WaveComparison:
    """Compare two waves of one study item by item (a wrapper over :func:`cxresearch.track`).

    Numeric items (Likert, ratings, 0–10, numeric): difference of the design-based means, SE
    of the difference as for independent samples (``sqrt(se_old² + se_new²)``), t interval and
    t test with the design df of the two stacked waves (``track``; before ``track`` existed this
    used the normal distribution — the same difference and SE, a slightly larger p); each
    option of a multi-select item likewise, as the share choosing it (options the codebook
    lists as offered in some waves only are compared when both waves' years are among them).
    Single-choice items: the share of each level in both waves and its difference likewise,
    plus one omnibus test per item: the Rao–Scott corrected chi-square of wave × answer on the
    stacked waves (:func:`cxresearch.crosstab_test`, with the codebook's weights when both
    waves carry them, unit weights otherwise). All item tests form one family adjusted by
    ``p_adjust`` (Holm by default).

    Parameters
    ----------
    old, new : Wave
        ``old`` may be None (no earlier wave): then only ``new``'s estimates are returned.
    items : list of str, optional
        Default: every numeric and single-choice item present in both waves.

    References
    ----------
    Lumley (2010), *Complex Surveys*, ch. 5; Rao & Scott (1984), *Ann. Stat.* 12, 46–60.

    Examples
    --------
    >>> cmp = compare_waves(cx.load_wave("mitto_cx", "2021"), cx.load_wave("mitto_cx", "2024"))
    ... # doctest: +SKIP
    >>> # In R: svyby(~nps, ~wave, des, svymean); svycontrast(...); svychisq(~wave + owner, des)
    """
    import cxresearch as cx

    for name, w in (("old", old), ("new", new)):
        if w is not None and not is_wave(w):
            raise TypeError(f"compare_waves takes Waves (with their codebook), got {name}="
                            f"{type(w).__name__}; for designs — in memory or whose rows stay "
                            "in an engine — call cx.track({label: design, ...}, items)")
    inst = new.instrument
    if items is None:
        items = [i for i, it in inst.items.items() if it.type in (*_NUMERIC, "single", "multi")]
    # a multi-select item is one yes/no column per option: each option is compared on its own
    waves = [w for w in (old, new) if w is not None]
    years = {wave_year(str(w.label)) for w in waves}
    cols = []
    for i in items:
        if inst.items[i].type == "multi":
            # options the codebook says were offered only in some waves (`waves:`) are compared
            # only when both waves are among them
            cols += [(f"{i}__{o.value}", "option") for o in inst.items[i].options
                     if not o.waves or years <= {wave_year(str(y)) for y in o.waves}]
        else:
            cols.append((i, "numeric" if inst.items[i].type in _NUMERIC else "single"))
    # only what both waves asked (an option not offered in a wave has no answers there)
    cols = [(c, k) for c, k in cols
            if all(c in w.data and w.data[c].notna().any() for w in waves)]
    weight = inst.design_columns().get("weights")
    both_weighted = weight is not None and all(
        weight in w.data and w.data[weight].notna().all() for w in waves)
    est, diff = [], []
    family = cx.TestFamily("wave differences")
    kw = {"compare": "previous", "conf_level": conf_level, "p_adjust": "none"}
    runs = []  # (kind, column, level, track result)
    num = [c for c, k in cols if k == "numeric"]
    if num:
        runs.append(("numeric", None, track(list(waves), num, measure="mean", **kw)))
    opt = [c for c, k in cols if k == "option"]
    if opt:
        runs.append(("option", None, track(list(waves), opt, measure="proportion", **kw)))
    for c, k in cols:
        if k == "single":
            for lv in _levels(waves, c):
                runs.append(("single", lv, track(list(waves), c, measure="proportion",
                                                 level=lv, **kw)))
    for kind, level, r in runs:
        w = r[r["term"] == "wave"]
        est.append(pd.DataFrame({
            "item": w["item"], "level": level if kind == "single" else (
                True if kind == "option" else None),
            "wave": w["wave"], **{c: w[c] for c in ("estimate", "se", "ci_low", "ci_high", "n",
                                                   "n_eff", "deff", "method")}}))
        ch = r[r["term"] == "change"]
        if old is not None:
            diff.append(pd.DataFrame({
                "item": ch["item"], "level": level if kind == "single" else (
                    True if kind == "option" else None),
                "difference": ch["estimate"], "se": ch["se"], "ci_low": ch["ci_low"],
                "ci_high": ch["ci_high"], "p_value": ch["p_value"]}))
    if old is not None:
        order = {c: i for i, (c, _) in enumerate(cols)}
        dtab = pd.concat(diff, ignore_index=True) if diff else pd.DataFrame()
        for item, kind in cols:
            if kind != "single":
                p = dtab.loc[dtab["item"] == item, "p_value"]
                family.add(item, float(p.iloc[0]) if len(p) else np.nan,
                           test="t test (design df), difference of "
                           + ("means" if kind == "numeric" else "shares"))
            else:
                cc = [item] + ([weight] if both_weighted else [])
                stacked = pd.concat([w.data[cc].assign(wave=w.label) for w in (old, new)],
                                    ignore_index=True)
                # the two waves' categoricals may list different levels: compare as labels
                stacked[item] = stacked[item].astype(str).where(stacked[item].notna())
                design = cx.Design(stacked, weights=weight) if both_weighted else stacked
                family.add(item, cx.crosstab_test(design, "wave", item))
        if len(dtab):
            dtab = dtab.iloc[np.argsort([order[i] for i in dtab["item"]], kind="stable")]
        diff = dtab.to_dict("records") if len(dtab) else []
    estimates = pd.concat(est, ignore_index=True) if est else pd.DataFrame()
    lead = ["item", "level", "wave"]
    if len(estimates):
        rank = {c: i for i, (c, _) in enumerate(cols)}
        estimates = estimates.iloc[np.argsort([rank[i] for i in estimates["item"]],
                                              kind="stable")].reset_index(drop=True)
        estimates = estimates[lead + [c for c in estimates.columns if c not in lead]]
    differences = pd.DataFrame(diff, columns=["item", "level", "difference", "se", "ci_low",
                                              "ci_high", "p_value"])
    tests = family.table(p_adjust=p_adjust) if len(family) else pd.DataFrame(
        columns=["family", "name", "test", "p_value", "p_adjusted", "adjustment", "reject"])
    return WaveComparison(estimates, differences, tests)


def _levels(waves, col) -> list:
    """Levels of a single-choice item seen in either wave (categories first, in order)."""
    out = []
    for w in waves:
        s = w.data[col]
        vals = s.cat.categories if isinstance(s.dtype, pd.CategoricalDtype) else s.dropna()
        for v in pd.unique(np.asarray(vals, dtype=object)):
            if v not in out and (s == v).any():
                out.append(v)
    return out
