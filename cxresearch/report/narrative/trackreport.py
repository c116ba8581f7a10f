"""Building blocks of the tracking template (notebook 12): what to track, headline measures
first, and the tables in the codebook's words.

The headline measures are the outcome the codebook names under ``meta.analysis`` and the NPS of
every item it declares a recommend question (:func:`~cxresearch.report.narrative.wavereport.
is_recommend`); the estimates, changes, trends and tests are :func:`cxresearch.track`'s
(design-based per wave, checked against R's ``svyby``/``svycontrast``/``svyglm``).

Examples
--------
>>> from cxresearch.report.narrative import trackreport
>>> plan = trackreport.tracking_plan(inst)                  # doctest: +SKIP
>>> trackreport.track_many(waves, plan)                     # doctest: +SKIP
>>> # In R: svyby(~y, ~wave, stacked_design, svymean); svyglm(y ~ wave_index, stacked_design)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxresearch.report.narrative.wavereport import ORDINAL, Notes, is_recommend

__all__ = ["changes", "labelled_tracking", "track_many", "tracking_labels",
           "tracking_method_note", "tracking_plan"]


def tracking_plan(inst, max_rest: int = 12) -> list[dict]:
    """What the tracking report tracks, headline measures (``kpi``) first.

    Headline: the outcome of ``meta.analysis`` (an index as its POMP score, a rating as its
    mean and its top-2-box share, a numeric item as its mean), then the NPS of every item the
    codebook declares a recommend question (:func:`is_recommend`). The rest: every other
    index, then ratings (at most ``max_rest``). Each entry is ``{item, measure, kpi, kw}``
    for :func:`cxresearch.track`.
    """
    outcome = (inst.meta.get("analysis") or {}).get("outcome")
    plan, seen = [], set()

    def add(item, measure, kpi, **kw):
        plan.append({"item": item, "measure": measure, "kpi": kpi, "kw": kw})
        seen.add((item, measure))

    if outcome in inst.indices:
        add(outcome, "index", True)
    elif outcome in inst.items:
        it = inst.items[outcome]
        add(outcome, "mean", True)
        if it.type in ORDINAL and not is_recommend(it):
            add(outcome, "proportion", True, top_box=2)
    for it in inst:
        if is_recommend(it):
            add(it.id, "nps", True)
    rest = [(name, "index") for name in inst.indices if (name, "index") not in seen]
    rest += [(it.id, "mean") for it in inst if it.type in ORDINAL
             and (it.id, "mean") not in seen and it.id != outcome]
    if not rest:
        rest = [(it.id, "mean") for it in inst if it.type == "numeric"
                and getattr(it, "scale_min", None) is not None and it.id != outcome]
    for item, measure in rest[:max_rest]:
        add(item, measure, False)
    return plan


def track_many(waves, plan: list[dict], conf_level: float = 0.95, notes: Notes | None = None,
               **kw) -> pd.DataFrame:
    """:func:`cxresearch.track` of every entry of ``plan``, stacked; what cannot be tracked is
    a note (with the reason), never an error on the page."""
    import cxresearch as cx

    notes = notes if notes is not None else Notes()
    names = getattr(notes, "names", None)
    out = []
    for p in plan:
        raw = Notes()  # this call's warnings and recorded notes, before they are worded
        try:
            r = raw.collect(cx.track, waves, p["item"], measure=p["measure"],
                            conf_level=conf_level, **p["kw"], **kw)
        except (ValueError, TypeError, KeyError) as exc:
            notes.extend(raw.items)
            notes.add(f"{p['item']} ({p['measure']}): not tracked ({exc})")
            continue
        if p["measure"] == "proportion" and "top_box" in p["kw"]:
            r = r.assign(measure=f"top-{p['kw']['top_box']}-box")
        for n in [*raw.items, *r.attrs.get("tracking", {}).get("notes", [])]:
            if n.startswith("adjusted: each wave raked"):
                cols = kw.get("adjust") or []
                words = ", ".join(names.item(c) if names is not None else c for c in cols)
                n = (f"adjusted: each wave raked to the pooled sample's shares of {words} "
                     "(the targets treated as fixed)")
            notes.add(n)
        out.append(r)
    if not out:
        return pd.DataFrame()
    res = pd.concat(out, ignore_index=True)
    res.attrs = out[0].attrs
    return res


_MEASURE_WORDS = {"mean": "mean", "index": "index (0–100)", "nps": "NPS",
                  "proportion": "share", "top-2-box": "top-2-box share"}


def tracking_labels(result: pd.DataFrame, names) -> dict:
    """Panel titles of a tracking chart: the codebook label with the measure."""
    out = {}
    for item, measure in result[["item", "measure"]].drop_duplicates().itertuples(index=False):
        out[item] = f"{names.item(item)}" + (f" ({_MEASURE_WORDS.get(measure, measure)})"
                                             if measure not in ("mean",) else "")
    return out


def labelled_tracking(result: pd.DataFrame, names) -> pd.DataFrame:
    """A tracking table in words: the item as its label with the measure, terms in words."""
    out = result.copy()
    out["item"] = [f"{names.item(i)}" + (f" — {_MEASURE_WORDS.get(m, m)}" if m != "mean" else "")
                   for i, m in zip(out["item"], out["measure"], strict=True)]
    terms = {"wave": "wave", "change": "change", "trend": "trend per wave",
             "any_difference": "any difference", "interaction": "interaction"}
    out["term"] = [("change from previous" if t == "change" and c == "previous" else
                    "change from first" if t == "change" and c == "base" else
                    terms.get(t, t)) for t, c in zip(out["term"], out["comparison"],
                                                     strict=True)]
    return out


def tracking_method_note(result: pd.DataFrame) -> str:
    """One sentence on how the changes and the trend are tested."""
    per_wave = result.loc[result["term"] == "wave", "method"].dropna()
    srs = len(per_wave) > 0 and per_wave.str.contains("simple random sample").all()
    how = ("The waves are treated as independent simple random samples" if srs else
           "Each wave keeps its own design (weights, strata, clusters); the waves are "
           "independent samples")
    return (how + ": a change is tested with t on the stacked design's degrees of freedom, "
            "p (Holm) adjusts for the changes shown; the trend is the slope of a linear "
            "model on the wave number (as R's svyglm on the stacked waves).")


def changes(result: pd.DataFrame) -> pd.DataFrame:
    """The change and trend rows of a :func:`cxresearch.track` result, without repeats: a
    change from the first wave that is also the change from the previous one is shown once,
    and the trend only with three waves or more (with two it is the change)."""
    ch = result[result["term"] == "change"]
    p = ch[ch["comparison"] == "previous"]
    prev = set(zip(p["item"], p["measure"], p["from_wave"].astype(str), p["wave"].astype(str),
                   strict=True))
    dup = (ch["comparison"] == "base").to_numpy() & np.array(
        [(i, m, str(f), str(t)) in prev for i, m, f, t in
         zip(ch["item"], ch["measure"], ch["from_wave"], ch["wave"], strict=True)], dtype=bool)
    keep = ch[~dup]
    waves = result.loc[result["term"] == "wave", "wave"].nunique()
    trend = result[result["term"] == "trend"] if waves >= 3 else result.iloc[0:0]
    return pd.concat([keep, trend]).sort_index()
