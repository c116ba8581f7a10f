"""Building blocks of the study-agnostic notebook templates (wave report, drivers, tracking).

Everything here is driven by the codebook: which items are ordinal, numeric, single- or
multi-choice, which indices exist, which items carry NPS cut-offs, which items are segments,
and (``meta.analysis``) which outcome and drivers the researcher named. The estimates come from
the package's estimators on the wave's design (:meth:`Wave.design`: weights, strata and PSUs
from the codebook's design columns), so intervals are design-based whenever the codebook has a
design. Anything that cannot be computed for an item is listed with the reason, never dropped
silently.

References
----------
Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*. Wiley (design-based means
and proportions, domain estimates).
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
Journal of Statistics* 6, 65-70.

Examples
--------
>>> from cxresearch.report.narrative import wavereport
>>> w = wavereport.default_wave("mobi")                  # doctest: +SKIP
>>> wavereport.item_estimates(w)                         # doctest: +SKIP
>>> # In R: survey::svymean(~cuex1 + cuex2, des, na.rm = TRUE); confint(...)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxresearch.report.narrative.notes import NUMPY_NOISE, Notes
from cxresearch.report.narrative.wavesource import (  # re-exported for the templates
    ENGINE_ROWS,
    ORDINAL,
    analysis_spec,
    answered,
    default_wave,
    engine_rows,
    index_design,
    is_engine,
    load_for_report,
    report_language,
    row_columns,
    segments,
    used_design_columns,
    wave_labels,
)

__all__ = [
    "ORDINAL",
    "analysis_spec",
    "ENGINE_ROWS",
    "engine_rows",
    "default_wave",
    "is_engine",
    "load_for_report",
    "report_language",
    "drivers_ranked",
    "labelled_differences",
    "labelled_matrix",
    "pomp_note",
    "index_design",
    "index_estimates",
    "index_reliability",
    "index_span",
    "labelled",
    "labelled_segments",
    "method_note",
    "nps_cutoff_text",
    "test_note",
    "Notes",
    "is_recommend",
    "item_estimates",
    "nps_estimates",
    "segment_outcomes",
    "segment_test",
    "segment_comparisons",
    "segments",
    "row_columns",
    "used_design_columns",
    "wave_labels",
]

_COLS = ["estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff", "method"]


def is_recommend(item) -> bool:
    """True for an item the codebook declares a recommend question: typed ``nps_0_10`` or
    carrying ``nps:`` cut-offs. Any other 0–10 item is a rating (means, top box), never an NPS.
    """
    return getattr(item, "type", None) == "nps_0_10" or bool(getattr(item, "nps", None))


def _row(term: str, level, res: pd.DataFrame) -> dict:
    r = res.iloc[0]
    return {"item": term, "level": level, **{c: r.get(c) for c in _COLS}}


def item_estimates(w, conf_level: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every item's estimate with its interval: means of ordinal and numeric items, shares of
    each level of single-choice items and of each option of multi-select items.

    Returns ``(estimates, not_computed)``; the second lists items left out and why.
    """
    import cxresearch as cx

    design, _ = index_design(w)
    rows, skipped = [], []
    for item in w.instrument:
        try:
            if item.type in ORDINAL or item.type == "numeric":
                rows.append(_row(item.id, None, cx.mean(design, item.id,
                                                        conf_level=conf_level)))
            elif item.type == "single":
                res = cx.proportion(design, item.id, conf_level=conf_level)
                lvl = "level" if "level" in res else res.columns[0]
                for _, r in res.iterrows():
                    rows.append({"item": item.id, "level": r[lvl], **{c: r.get(c)
                                                                     for c in _COLS}})
            elif item.type == "multi":
                for opt in item.options:
                    col = f"{item.id}__{opt.value}"
                    if col in row_columns(design):
                        res = cx.proportion(design, col, level=True, conf_level=conf_level)
                        rows.append(_row(item.id, opt.value, res))
            else:
                continue
        except (ValueError, TypeError, KeyError) as exc:
            skipped.append({"item": item.id, "type": item.type,
                            "reason": f"{type(exc).__name__}: {exc}"})
    return (pd.DataFrame(rows, columns=["item", "level", *_COLS]),
            pd.DataFrame(skipped, columns=["item", "type", "reason"]))


def index_estimates(w, conf_level: float = 0.95) -> pd.DataFrame:
    """The mean score of each index (mean of its items, complete answers) with its interval."""
    import cxresearch as cx

    design, names = index_design(w)
    rows = []
    for name in names:
        res = cx.mean(design, name, conf_level=conf_level)
        row = _row(name, None, res)
        row["items"] = ", ".join(w.instrument.indices[name])
        row["method"] = f"index = mean of its items (complete answers); {row['method']}"
        rows.append(row)
    return pd.DataFrame(rows, columns=["item", "level", *_COLS, "items"]).rename(
        columns={"item": "index"}).drop(columns="level")


def index_reliability(w, notes: Notes | None = None, names=None) -> pd.DataFrame:
    """Cronbach's alpha (with its interval) and McDonald's omega of each index of two or
    more items (``cx.reliability`` on the wave, the call notebook 07 makes).

    When the one-factor analysis behind omega does not converge, omega is not reported for
    that index and ``notes`` says so — the rule notebook 07 follows, so both show the same.
    """
    import cxresearch as cx
    from cxresearch.errors import ConvergenceWarning

    notes = notes if notes is not None else Notes()
    rows = []
    for name, items in w.instrument.indices.items():
        cols = [c for c in items if c in w.columns]
        if len(cols) < 2:
            continue
        said = names.item(name) if names is not None else name  # the index in notes
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = cx.reliability(w, cols)  # the call notebook 07 makes: one number
                scale = res.table
            except (ValueError, TypeError) as exc:
                notes.add(f"{said}: no reliability ({exc})")
                continue
        warned = getattr(res, "warned", None)
        unconverged = bool(warned("ConvergenceWarning")) if callable(warned) else False
        for c in caught:
            if issubclass(c.category, ConvergenceWarning) or "converge" in str(c.message):
                unconverged = True
            elif not (issubclass(c.category, RuntimeWarning)
                      and NUMPY_NOISE.search(str(c.message))):
                notes.add(f"{said}: {c.message}")
        keep = ["alpha"] + ([] if unconverged else ["omega_total"])
        if unconverged:
            notes.add(f"{said}: the one-factor analysis behind omega did not converge, so omega "
                      "is not reported (alpha does not depend on it)")
        words = {"alpha": "Cronbach's alpha", "omega_total": "McDonald's omega (total)"}
        for _, r in scale[scale["measure"].isin(keep)].iterrows():
            rows.append({"index": name, **r.to_dict(), "k": len(cols)})
            rows[-1]["measure"] = words[r["measure"]]
    return pd.DataFrame(rows)


def index_span(inst) -> tuple[float, float] | None:
    """The lowest and highest answer of the items of every index (the axis of the index
    chart), or None when no index item has a declared scale."""
    scales = {(inst.items[i].scale_min, inst.items[i].scale_max)
              for members in inst.indices.values() for i in members
              if i in inst.items and getattr(inst.items[i], "scale_min", None) is not None
              and getattr(inst.items[i], "scale_max", None) is not None}
    if not scales:
        return None
    return min(s[0] for s in scales), max(s[1] for s in scales)


def _level_text(names, inst, item, level) -> str:
    if level is None or (isinstance(level, float) and np.isnan(level)):
        return ""
    it = inst.items.get(str(item)) if inst is not None else None
    if it is not None and getattr(it, "type", None) == "multi":
        for op in getattr(it, "options", []) or []:
            if op.value == str(level):
                return op.label(names.lang)
    if isinstance(level, bool | np.bool_):
        return "yes" if level else "no"
    return names.level(item, level)


def labelled(table: pd.DataFrame, names, item: str = "item") -> pd.DataFrame:
    """A copy of ``table`` in the codebook's words: the ``item`` column (item or index ids)
    as labels, ``level`` as answer labels, ``items`` (an index's members) as labels."""
    out = table.copy()
    inst = getattr(names, "inst", None)
    if "level" in out and item in out:
        out["level"] = [_level_text(names, inst, i, v) for i, v in
                        zip(out[item], out["level"], strict=True)]
    if item in out:
        out[item] = [names.item(i) for i in out[item]]
    if "items" in out:
        out["items"] = [", ".join(names.item(x.strip()) for x in str(v).split(","))
                        for v in out["items"]]
    return out


def labelled_segments(table: pd.DataFrame, names) -> pd.DataFrame:
    """Segment tables in the codebook's words: ``outcome``, ``segment`` and ``level``."""
    out = table.copy()
    inst = getattr(names, "inst", None)
    if "level" in out and "segment" in out:
        out["level"] = [_level_text(names, inst, s, v) for s, v in
                        zip(out["segment"], out["level"], strict=True)]
    for c in ("outcome", "segment"):
        if c in out:
            out[c] = [names.item(i) for i in out[c]]
    return out


def method_note(w, conf_level: float = 0.95) -> str:
    """One sentence on how every estimate of the report is computed, and what the effective
    n is (said once, not under every table)."""
    cols = used_design_columns(w)
    if cols:
        how = ("Estimates are weighted; standard errors are linearized (Taylor series) and "
               f"account for the design; {conf_level:.0%} intervals use t on the design's "
               "degrees of freedom.")
    else:
        how = ("The codebook declares no weights, strata or clusters: the answers are treated as "
               f"a simple random sample; {conf_level:.0%} intervals use t.")
    return (how + " *Effective n* is Kish's (Σw)² / Σw² over the respondents behind each "
            "estimate: the number of unweighted answers that would give the same precision "
            "under the weights (equal to n without weights).")


def nps_cutoff_text(w, nps: pd.DataFrame) -> list[tuple[str, str]]:
    """``(item, cut-offs in words)`` for each item of an NPS table."""
    from cxresearch.statistics.estimates.recommend import nps_cutoffs

    out = []
    for item in nps["item"]:
        c = nps_cutoffs(w, item)
        out.append((item, c.describe()))
    return out


def test_note(tests: pd.DataFrame) -> str:
    """One sentence naming the tests of a segment-test table (design-based or classical)."""
    kinds = sorted(set(tests["test"].dropna()))
    if not kinds:
        return ""
    bits = []
    if "design-based Wald F" in kinds:
        bits.append("design-based Wald F tests of equal segment means (as R's regTermTest of "
                    "svyglm(outcome ~ segment)); they take the weights, strata and clusters "
                    "into account")
    if "classical one-way ANOVA F" in kinds:
        bits.append("classical one-way ANOVA F tests (the answers are a simple random sample: "
                    "no weights, strata or clusters are declared; as R's oneway.test with "
                    "equal variances)")
    adj = tests["adjustment"].iloc[0] if "adjustment" in tests and len(tests) else ""
    return ("Tests: " + "; ".join(bits) + f". p (Holm): adjusted for the {len(tests)} tests "
            "of this table" + ("" if adj else "") + ".")


def nps_estimates(w, conf_level: float = 0.95) -> tuple[pd.DataFrame, list[str]]:
    """NPS of the items the codebook declares recommend questions (:func:`is_recommend`:
    typed ``nps_0_10`` or with ``nps`` cut-offs) — other 0–10 items are ratings and get no
    NPS. Returns the estimates and notes (items refused by ``cx.nps``, with its message)."""
    import cxresearch as cx

    rows, notes = [], []
    for item in w.instrument:
        if not is_recommend(item):
            continue
        try:
            res = cx.nps(w, item.id, conf_level=conf_level)
        except ValueError as exc:
            notes.append(f"{item.id}: no NPS ({exc})")
            continue
        rows.append(_row(item.id, None, res))
    return pd.DataFrame(rows, columns=["item", "level", *_COLS]).drop(columns="level"), notes


def segment_test(design, outcome: str, segment: str) -> dict:
    """The test that ``outcome`` has the same mean in every level of ``segment``.

    Under a design with weights, strata, PSUs or fpc: the design-based Wald F of
    ``regTermTest(svyglm(outcome ~ segment, design), ~segment)`` (denominator df = design df
    + 1 − #coefficients), from :func:`cxresearch.regress`. For a simple random sample (no
    design columns): the classical one-way ANOVA F, as ``anova(lm(outcome ~ segment))`` and
    ``oneway.test(var.equal = TRUE)``, and it says so. Returns a dict ``test, statistic, df1,
    df2, p_value, n, method``.

    Examples
    --------
    >>> # In R: regTermTest(svyglm(api00 ~ stype, dstrat), ~stype)
    >>> # In R (simple random sample): oneway.test(y ~ g, d, var.equal = TRUE)
    """
    import cxresearch as cx

    if design.srs and hasattr(design, "table"):  # rows in an engine: the same F from sums
        from cxresearch.statistics.relationships.engine_anova import anova_on_engine

        a = anova_on_engine(design, outcome, segment)
        return {"test": "classical one-way ANOVA F", "statistic": a["statistic"],
                "df1": a["df1"], "df2": a["df2"], "p_value": a["p_value"], "n": a["n"],
                "method": _ANOVA_METHOD}
    if hasattr(design, "table"):
        fit = cx.regress(design, outcome, [segment])
        t = fit.wald_test(segment).iloc[0]
        return {"test": "design-based Wald F", "statistic": float(t["statistic"]),
                "df1": float(t["df1"]), "df2": float(t["df2"]),
                "p_value": float(t["p_value"]), "n": int(fit.stats["n"]),
                "method": f"design-based Wald F of equal segment means "
                          f"({design_label_of(design)}); as R's "
                          "regTermTest(svyglm(y ~ segment, design), ~segment)"}
    data = design.data
    ok = data[outcome].notna() & data[segment].notna()
    if design.srs:
        g = cx.compare_groups(data.loc[ok, [outcome, segment]].reset_index(drop=True),
                              outcome, segment)
        t = g.tests.set_index("test").loc["anova"]
        return {"test": "classical one-way ANOVA F", "statistic": float(t["statistic"]),
                "df1": float(t["df"]), "df2": float(t["df2"]), "p_value": float(t["p_value"]),
                "n": int(ok.sum()), "method": _ANOVA_METHOD}
    fit = cx.regress(design, outcome, [segment])
    t = fit.wald_test(segment).iloc[0]
    return {"test": "design-based Wald F", "statistic": float(t["statistic"]),
            "df1": float(t["df1"]), "df2": float(t["df2"]), "p_value": float(t["p_value"]),
            "n": int(fit.stats.get("n", ok.sum())) if hasattr(fit, "stats") else int(ok.sum()),
            "method": f"design-based Wald F of equal segment means ({design_label_of(design)});"
                      " as R's regTermTest(svyglm(y ~ segment, design), ~segment)"}


_ANOVA_METHOD = ("classical one-way ANOVA F, equal variances (a simple random sample: the "
                 "codebook declares no weights, strata or PSUs); as R's "
                 "oneway.test(var.equal = TRUE)")


def design_label_of(design) -> str:
    """The design in words (weighted, strata, PSUs), as the estimates' ``method`` says it."""
    from cxresearch.statistics.estimates.domains import design_label

    return design_label(design).removeprefix("design: ")


def segment_comparisons(w, outcomes: list[str], segs: list[str], conf_level: float = 0.95,
                        adjust: str = "holm", notes: Notes | None = None, names=None
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each outcome (index or item) by each segment: domain estimates with intervals, and one
    test per (outcome, segment) with p-values adjusted for the whole family (Holm).

    Returns ``(by_segment, tests)``: ``outcome, segment, level, estimate, se, ci_low, ci_high,
    n, n_eff, deff, method`` and ``outcome, segment, test, statistic, df1, df2, p_value, n,
    p_adjusted, adjustment, method``. The test is :func:`segment_test`: design-based
    (``regTermTest``) whenever the wave has a design, classical only for a simple random
    sample, and its name says which. A pair that could not be tested is left out of the tests
    with a note in ``notes`` (a :class:`Notes`, naming outcome and segment by their labels
    when ``names``, a Labeller, is given), never shown as an error.
    """
    import cxresearch as cx

    notes = notes if notes is not None else Notes()
    design, _ = index_design(w)
    est, tests = [], []
    said = names.item if names is not None else str
    for seg in segs:
        if not answered(design, seg):
            notes.add(f"{said(seg)}: no answers in this wave, so no segment comparison")
            continue
        for out in outcomes:
            if not answered(design, out):
                continue
            try:
                res = notes.collect(cx.mean, design, out, by=seg, conf_level=conf_level)
                res = res.rename(columns={seg: "level"}).drop(columns=["term", "item"],
                                                               errors="ignore")
                res.insert(0, "segment", seg)  # fixed names, whatever the items are called
                res.insert(0, "outcome", out)
                res["level"] = res["level"].astype(object)
                est.append(res)
                tests.append({"outcome": out, "segment": seg,
                              **notes.collect(segment_test, design, out, seg)})
            except (ValueError, TypeError, KeyError) as exc:
                why = "no answers" if isinstance(exc, KeyError) else str(exc)
                notes.add(f"{said(out)} by {said(seg)}: not compared ({why})")
    tests = pd.DataFrame(tests, columns=["outcome", "segment", "test", "statistic", "df1",
                                         "df2", "p_value", "n", "method"])
    if len(tests):
        p = tests["p_value"].to_numpy(dtype=float)
        ok = ~np.isnan(p)
        adj = np.full(p.shape, np.nan)
        if ok.any():
            adj[ok] = cx.adjust_pvalues(p[ok], method=adjust)
        tests["p_adjusted"] = adj
        tests["adjustment"] = f"{adjust} over {int(ok.sum())} tests"
    by = pd.concat(est, ignore_index=True) if est else pd.DataFrame()
    return by, tests


# --------------------------------------------------------------------------- drivers report
def drivers_ranked(kd, names) -> pd.DataFrame:
    """The key-driver table (first method) sorted by importance, most important first, with
    the drivers' codebook labels."""
    t = kd.table
    if "measure" in t and len(t):
        t = t[t["measure"] == t["measure"].iloc[0]]
    t = t.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    return t.assign(driver=[names.item(d) for d in t["driver"]])


def labelled_differences(diff: pd.DataFrame, names) -> pd.DataFrame:
    """Pairwise differences of importance, each pair written with the more important driver
    first (a positive difference), in the codebook's words, largest difference first."""
    if not len(diff):
        return diff.copy()
    out = diff.copy()
    neg = out["difference"] < 0
    a, b = out["driver_a"].copy(), out["driver_b"].copy()
    out.loc[neg, "driver_a"], out.loc[neg, "driver_b"] = b[neg], a[neg]
    out.loc[neg, "difference"] = -out.loc[neg, "difference"]
    if {"ci_low", "ci_high"} <= set(out.columns):
        lo, hi = out["ci_low"].copy(), out["ci_high"].copy()
        out.loc[neg, "ci_low"], out.loc[neg, "ci_high"] = -hi[neg], -lo[neg]
    out["driver_a"] = [names.item(x) for x in out["driver_a"]]
    out["driver_b"] = [names.item(x) for x in out["driver_b"]]
    return out.sort_values("difference", ascending=False, kind="stable").reset_index(drop=True)


def labelled_matrix(m: pd.DataFrame, names) -> pd.DataFrame:
    """A square table (correlations) with rows and columns named by their codebook labels."""
    out = m.copy()
    out.index = [names.item(x) for x in out.index]
    out.columns = [names.item(x) for x in out.columns]
    return out


def pomp_note(w, drivers, names) -> str:
    """What the performance axis of the importance-performance chart is, in words."""
    inst = w.instrument
    scales = []
    for d in drivers:
        it = inst.items.get(d)
        lo, hi = getattr(it, "scale_min", None), getattr(it, "scale_max", None)
        if it is not None and lo is not None and hi is not None:
            scales.append(f"{names.item(d)} {lo:g}–{hi:g}")
    return ("Performance is each driver's mean as a percent of its answer scale (POMP: 0 = "
            "the lowest, 100 = the highest answer the codebook allows), so drivers on "
            "different scales share one axis" + (f" ({'; '.join(scales)})" if scales else "")
            + ". The quadrant lines are the means of the drivers shown.")




def segment_outcomes(inst, limit: int = 10) -> list[str]:
    """What the wave report compares segments on: the ``meta.analysis`` outcome first, then
    every index, then ratings; without any of these, numeric items with a declared scale."""
    outcome = (inst.meta.get("analysis") or {}).get("outcome")
    out = [outcome] if outcome else []
    out += [x for x in inst.indices if x not in out]
    out += [i.id for i in inst if i.type in ORDINAL and i.id not in out]
    if len(out) == (1 if outcome else 0):
        out += [i.id for i in inst if i.type == "numeric" and i.id not in out
                and getattr(i, "scale_min", None) is not None]
    return out[:limit]
