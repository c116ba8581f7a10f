"""Two waves of one study compared item by item (the estimator behind ``06_new_wave``).

Superseded by the tracking estimator; kept until the tracking work replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxresearch.waves.storage import wave_year

__all__ = ["WaveComparison", "compare_waves"]

_NUMERIC = ("likert", "rating", "nps_0_10", "numeric")


@dataclass
class WaveComparison:
    """Estimates per wave, their differences, and the tests adjusted as one family."""

    estimates: pd.DataFrame  # item, level, wave, estimate, se, ci_low, ci_high, n, ...
    differences: pd.DataFrame  # item, level, difference, se, ci_low, ci_high, p_value
    tests: pd.DataFrame  # one test per item, with p_adjusted (TestFamily.table)


def compare_waves(old, new, items=None, *, method: str = "holm",
                  conf_level: float = 0.95) -> WaveComparison:
    """Compare two waves of one study item by item.

    Numeric items (Likert, ratings, 0–10, numeric): difference of the design-based means,
    SE of the difference as for independent samples (``sqrt(se_old² + se_new²)``; two waves are
    separate samples), normal interval and Wald test; each option of a multi-select item
    likewise, as the share choosing it (options the codebook lists as offered in some waves only
    are compared when both waves' years are among them). Single-choice items: the share of each
    level in both waves and its difference likewise, plus one omnibus test per item: the
    Rao–Scott corrected chi-square of wave × answer on the stacked waves
    (:func:`cxresearch.crosstab_test`, with the codebook's weights when both waves carry them,
    unit weights otherwise).
    All item tests form one family adjusted by ``method`` (Holm by default).

    Parameters
    ----------
    old, new : Wave
        ``old`` may be None (no earlier wave): then only ``new``'s estimates are returned.
    items : list of str, optional
        Default: every numeric and single-choice item present in both waves.

    Examples
    --------
    >>> cmp = compare_waves(cx.load_wave("mitto_cx", "2021"), cx.load_wave("mitto_cx", "2024"))
    ... # doctest: +SKIP
    >>> # In R: svyttest(nps ~ wave, des) per item; svychisq(~wave + cx_owner, des)
    """
    import numpy as np
    from scipy import stats

    import cxresearch as cx

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
    z = stats.norm.ppf(0.5 + conf_level / 2)
    weight = inst.design_columns().get("weights")
    both_weighted = weight is not None and all(
        weight in w.data and w.data[weight].notna().all() for w in waves)
    est, diff = [], []
    family = cx.TestFamily("wave differences")
    for item, kind in cols:
        numeric = kind == "numeric"
        per_wave = {}
        for w in waves:
            if numeric:
                e = cx.mean(w, item, conf_level=conf_level)
            else:
                e = cx.proportion(w, item, level=True if kind == "option" else None,
                                  conf_level=conf_level)
            e = e.assign(item=item, wave=w.label)
            if numeric:
                e["level"] = None
            per_wave[w.label] = e.set_index("level")
            est.append(e)
        if old is None:
            continue
        a, b = per_wave[old.label], per_wave[new.label]
        for level in b.index.intersection(a.index, sort=False):
            d = float(b.loc[level, "estimate"] - a.loc[level, "estimate"])
            se = float(np.hypot(a.loc[level, "se"], b.loc[level, "se"]))
            p = float(2 * stats.norm.sf(abs(d / se))) if se > 0 else float("nan")
            diff.append({"item": item, "level": level, "difference": d, "se": se,
                         "ci_low": d - z * se, "ci_high": d + z * se, "p_value": p})
        if kind != "single":
            family.add(item, diff[-1]["p_value"],
                       test="Wald z, difference of " + ("means" if numeric else "shares"))
        else:
            cols = [item] + ([weight] if both_weighted else [])
            stacked = pd.concat([w.data[cols].assign(wave=w.label) for w in (old, new)],
                                ignore_index=True)
            # the two waves' categoricals may list different levels: compare as labels
            stacked[item] = stacked[item].astype(str).where(stacked[item].notna())
            design = cx.Design(stacked, weights=weight) if both_weighted else stacked
            family.add(item, cx.crosstab_test(design, "wave", item))
    estimates = pd.concat(est, ignore_index=True) if est else pd.DataFrame()
    lead = ["item", "level", "wave"]
    estimates = estimates[lead + [c for c in estimates.columns if c not in lead + ["term"]]]
    differences = pd.DataFrame(diff, columns=["item", "level", "difference", "se", "ci_low",
                                              "ci_high", "p_value"])
    tests = family.table(method=method) if len(family) else pd.DataFrame(
        columns=["family", "name", "test", "p_value", "p_adjusted", "adjustment", "reject"])
    return WaveComparison(estimates, differences, tests)

